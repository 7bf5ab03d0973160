"""An HTTP server that receives uploads, for the upload tests (Python's
socketserver and email packages; nothing of aiocpp).

Listens on 127.0.0.1, port 0 (or argv[1]); prints the port, then serves
until killed. Every route answers JSON describing what it received:

  any method /sink           the body (Content-Length or chunked): bytes, sha256,
                             framing, Content-Type, method
  POST /multipart            the body parsed by email.parser as multipart/form-data:
                             each part's name, filename, content type, size, sha256
                             and (when short) value
  any /redirect?status=S&to=P  reads the body, answers S with Location: P
  any /never-read            reads the head only, never the body; holds the
                             connection open
  any /reset?after=N         reads N body bytes, then resets the connection (RST)
"""
import email.parser
import email.policy
import hashlib
import json
import socket
import socketserver
import struct
import sys
import time
import urllib.parse

MAX_HEAD = 64 * 1024


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.sock = self.request
        self.buf = b""
        while self.serve_one():
            pass

    # --- reading ---
    def fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError
        self.buf += data

    def read_line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > MAX_HEAD:
                raise EOFError
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_exact(self, n, sink):
        while n > 0:
            if not self.buf:
                self.fill()
            take = self.buf[:n]
            self.buf = self.buf[len(take):]
            sink(take)
            n -= len(take)

    def read_body(self, headers, sink):
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(self.read_line().split(b";")[0], 16)
                if size == 0:
                    while self.read_line():
                        pass
                    return "chunked"
                self.read_exact(size, sink)
                if self.read_line() != b"":
                    raise EOFError
        n = int(headers.get("content-length", "0"))
        self.read_exact(n, sink)
        return "length"

    # --- one request ---
    def serve_one(self):
        try:
            line = self.read_line()
        except EOFError:
            return False
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers = {}
        while True:
            h = self.read_line()
            if not h:
                break
            k, v = h.decode("latin-1").split(":", 1)
            headers[k.strip().lower()] = v.strip()
        url = urllib.parse.urlsplit(target)
        query = dict(urllib.parse.parse_qsl(url.query))
        path = url.path

        if path == "/never-read":
            time.sleep(3600)
            return False
        if path == "/reset":
            after = int(query.get("after", "0"))
            try:
                self.read_exact(after, lambda b: None)
            except EOFError:
                return False
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
            return False

        digest = hashlib.sha256()
        size = [0]
        kept = []

        def sink(b):
            digest.update(b)
            size[0] += len(b)
            if path == "/multipart":
                kept.append(b)

        framing = self.read_body(headers, sink)
        if path == "/redirect":
            status = int(query.get("status", "307"))
            self.reply(status, {"bytes": size[0]}, [("Location", query.get("to", "/sink"))])
            return True
        if path == "/multipart":
            self.reply(200, parse_multipart(headers.get("content-type", ""), b"".join(kept)))
            return True
        self.reply(200, {
            "method": method,
            "bytes": size[0],
            "sha256": digest.hexdigest(),
            "framing": framing,
            "content_type": headers.get("content-type"),
        })
        return True

    def reply(self, status, obj, extra=()):
        body = json.dumps(obj).encode()
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        for k, v in extra:
            head += f"{k}: {v}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + body)


def parse_multipart(content_type, body):
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    parts = []
    for part in msg.iter_parts():
        payload = part.get_payload(decode=True) or b""
        parts.append({
            "name": part.get_param("name", header="content-disposition"),
            "filename": part.get_filename(),
            "content_type": part.get_content_type() if part.get("content-type") else None,
            "size": len(payload),
            "sha256": hashlib.sha256(payload).hexdigest(),
            "value": payload.decode("utf-8", "replace") if len(payload) <= 256 else None,
        })
    return {"multipart": msg.is_multipart(), "defects": [str(d) for d in msg.defects], "parts": parts}


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
with Server(("127.0.0.1", port), Handler) as server:
    print(server.server_address[1], flush=True)
    server.serve_forever()
