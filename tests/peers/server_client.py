"""Python's http.client against the aiocpp server (tests/test_server.cpp).

Usage: server_client.py MODE PORT

Each mode drives the server with http.client (or a raw socket where
http.client cannot express the case), checks what came back, and prints
"OK MODE" on success, or "FAIL MODE: reason" and exits 1.

  keepalive   three requests on one HTTPConnection, one TCP connection
  head        HEAD has headers (Content-Length 13) and no body; the
              connection then serves a GET
  chunked     a body uploaded with encode_chunked=True reaches /echo whole
  pipeline    three requests sent in one write, answers read in order
  json        /json and /echo (with odd header bytes) are valid JSON
  http10      HTTP/1.0 without and with keep-alive
"""
import http.client
import json
import socket
import sys


def fail(mode, why):
    print(f"FAIL {mode}: {why}", flush=True)
    sys.exit(1)


def connect(port):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def keepalive(port):
    c = connect(port)
    ports = []
    for path, expect in (("/hello", b"Hello, world!"), ("/status/201", b"201 Created\n"), ("/hello", b"Hello, world!")):
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        if body != expect:
            return f"{path}: body {body!r}"
        if r.getheader("Server") != "aiocpp":
            return f"{path}: Server {r.getheader('Server')!r}"
        ports.append(c.sock.getsockname()[1])
    if len(set(ports)) != 1:
        return f"several connections: {ports}"
    c.close()


def head(port):
    c = connect(port)
    c.request("HEAD", "/hello")
    r = c.getresponse()
    if r.status != 200 or r.getheader("Content-Length") != "13":
        return f"HEAD: {r.status} {r.getheaders()}"
    if r.read() != b"":
        return "HEAD had a body"
    local = c.sock.getsockname()[1]
    c.request("GET", "/hello")
    r = c.getresponse()
    if r.read() != b"Hello, world!":
        return "GET after HEAD"
    if c.sock.getsockname()[1] != local:
        return "a new connection after HEAD"
    c.close()


def chunked(port):
    c = connect(port)
    pieces = [b"alpha-", b"beta-", b"x" * 50000, b"-omega"]
    c.request("POST", "/echo?mode=chunked", body=iter(pieces), encode_chunked=True,
              headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse()
    doc = json.loads(r.read())
    if r.status != 200:
        return f"status {r.status}"
    if doc["headers"].get("transfer-encoding") != "chunked":
        return f"not chunked: {doc['headers']}"
    total = sum(len(p) for p in pieces)
    if doc["body_length"] != total:
        return f"body_length {doc['body_length']} != {total}"
    if doc["body"] != b"".join(pieces).decode():
        return "body differs"
    if doc["method"] != "POST" or doc["query"] != "mode=chunked":
        return f"request line: {doc['method']} {doc['query']}"
    c.close()


class _SharedFile:
    """One buffered reader for several HTTPResponse objects on one socket
    (each would otherwise make its own and lose what it read ahead)."""

    def __init__(self, sock):
        self.f = sock.makefile("rb")

    def makefile(self, *args, **kwargs):
        return self

    def __getattr__(self, name):
        return getattr(self.f, name)

    def close(self):
        pass


def read_responses(shared, count):
    """Reads `count` responses with http.client from one socket."""
    out = []
    for _ in range(count):
        r = http.client.HTTPResponse(shared)
        r.begin()
        out.append((r.status, r.read(), r.getheaders()))
    return out


def pipeline(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /status/201 HTTP/1.1\r\nHost: x\r\n\r\n"
              b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
              b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    got = read_responses(_SharedFile(s), 3)
    if [g[0] for g in got] != [201, 200, 200]:
        return f"statuses {[g[0] for g in got]}"
    if json.loads(got[1][1])["body"] != "abc" or got[2][1] != b"Hello, world!":
        return f"bodies {got}"
    if s.recv(1) != b"":
        return "connection not closed after Connection: close"
    s.close()


def json_mode(port):
    c = connect(port)
    c.request("GET", "/json")
    r = c.getresponse()
    raw = r.read()
    doc = json.loads(raw)
    if r.getheader("Content-Type") != "application/json" or not (500 <= len(raw) <= 700):
        return f"/json: {r.getheader('Content-Type')} {len(raw)} bytes"
    if doc["quote"] != "\"quoted\" \\ back/slash \u00e9":
        return f"/json quote {doc['quote']!r}"
    # Header bytes that are not UTF-8, quotes, backslashes, tabs, UTF-8.
    c.putrequest("GET", "/echo?q=%22x%22")
    c.putheader("X-Quote", "say \"hi\" \\ back")
    c.putheader("X-Latin", b"caf\xe9")
    c.putheader("X-Utf8", "caf\u00e9".encode())
    c.putheader("X-Tab", "a\tb")
    c.endheaders()
    r = c.getresponse()
    doc = json.loads(r.read())
    h = doc["headers"]
    if h["x-quote"] != "say \"hi\" \\ back" or h["x-latin"] != "caf\u00e9" or h["x-utf8"] != "caf\u00e9" \
            or h["x-tab"] != "a\tb":
        return f"/echo headers {h}"
    if doc["query"] != "q=%22x%22" or doc["path"] != "/echo" or doc["body_length"] != 0:
        return f"/echo {doc}"
    c.close()


def http10(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /hello HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        piece = s.recv(65536)
        if not piece:
            break
        data += piece
    if not data.startswith(b"HTTP/1.1 200") or not data.endswith(b"\r\n\r\nHello, world!"):
        return f"1.0: {data!r}"
    s.close()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    shared = _SharedFile(s)
    for _ in range(2):
        s.sendall(b"GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, body, headers = read_responses(shared, 1)[0]
        if dict(headers).get("Connection", "").lower() != "keep-alive" or body != b"Hello, world!":
            return f"1.0 keep-alive: {status} {headers}"
    s.close()


MODES = {"keepalive": keepalive, "head": head, "chunked": chunked, "pipeline": pipeline,
         "json": json_mode, "http10": http10}


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    try:
        why = MODES[mode](port)
    except Exception as e:  # noqa: BLE001 - any failure is reported
        why = f"{type(e).__name__}: {e}"
    if why:
        fail(mode, why)
    print(f"OK {mode}", flush=True)


if __name__ == "__main__":
    main()
