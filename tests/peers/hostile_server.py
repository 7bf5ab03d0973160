#!/usr/bin/env python3
r"""A scriptable misbehaving HTTP/1.1 server for aiocpp's client tests.

Python 3.11 stdlib only (asyncio, raw sockets). Listens on 127.0.0.1 (or each
`--host`, all on the same port), port 0; prints the port on the first line of
stdout, then serves until it is killed. Logs go to stderr only.

The request path picks the scenario. The server reads the request head, and
the body (Content-Length or chunked; `Expect: 100-continue` is honoured)
unless the scenario says otherwise, then writes the scenario's raw bytes. A
connection stays open after a scenario unless the row says FIN or RST, so a
client that wrongly pools a failed connection shows up in `/stats`
(`connection_log`).

Query parameters every scenario honours:
  split=N   write the scenario's output in TCP segments of N bytes ...
  gap=MS    ... sleeping MS milliseconds between them (default 2 when split
            is given): proves limits count bytes across segments.
Writes go out with TCP_NODELAY and each write waits until the kernel has taken
every byte, so FIN/RST come after the bytes before them.

Modes (command line, not paths):
  --no-accept       listen(backlog 0) and never accept; the server fills the
                    accept queue itself before printing the port, so every
                    client connect() hangs            REQ-TIME -> TimeoutError (connect)
  --accept=reset    accept, wait for the request's first bytes (200 ms at
                    most), then RST (SO_LINGER 0) without reading further
                                                     REQ-CONN -> ServerDisconnectedError (56, 55 mid-write)
  --accept=reset-now  RST at once on accept: the client may see it as a failed
                    connect (curl says 7) or as a reset (56): racy by nature
  --accept=close    FIN right after accept (then discard what the client sends)
                                                     REQ-CONN -> ServerDisconnectedError (52, empty reply)
  --accept=silent   accept, read and discard, never answer
                                                     REQ-TIME -> TimeoutError (read/total)
  --host H          listen on H (repeatable, all on one port: 127.0.0.1 and
                    127.0.0.2 give two origins that share `/stats`)
  --list            print the scenario table (tab-separated) and exit
  -v                also log expected disconnects

Error kinds are DESIGN.md's (aio::http::...); "success" means a response whose
body the client reads in full. SDE = ServerDisconnectedError.

| path | req | sends | expected client outcome |
|---|---|---|---|
| /ok | REQ-POOL | `200`, `Content-Length: 2`, body `ok`; keep-alive | success, body `ok`; the connection is pooled and reused |
| /close | REQ-POOL | `200`, `Connection: close`, body `closed`, then FIN | success; the connection is not pooled |
| /bytes?n=N&chunked=0 | REQ-POOL | N body bytes, byte i = i % 251 (Content-Length, or chunked with chunked=1); keep-alive | success; a caller that stops reading early must not get the connection pooled |
| /stats | REQ-POOL | JSON: `connections` accepted, `open` now, `requests_total`, per path `requests`, `methods`, `posts`, `dropped` (read, then answered by FIN/RST on purpose), `pipelined` (requests that arrived before the previous response was sent), `connection_log` (the paths served on each connection, last 1000) | proves reuse or not, and that a POST was sent once; `/stats*` themselves appear only in connection_log |
| /stats/reset | - | zeroes the counters (connections still open get a fresh connection_log entry), answers `{}` | - |
| /echo | REQ-REDIR | (also any other path ending in `/echo`, e.g. `/cookie/sub/echo`) JSON: method, target (raw), path, version, headers (every one, in order, repeats kept), body_length, body_sha256, body_head (first 64 bytes, latin-1), connection id and request number on it; HEAD gets no body | success; shows what a (redirected) request carried |
| / | REQ-REDIR | `302`, `Location: /` (the target of `/redirect/loop`) | TooManyRedirects (47) at the limit |
| /redirect?status=302&to=URL | REQ-REDIR | `status` (default 302) with `Location: to` (url-decoded; default `/echo`, absolute or relative), body `redirect`; the request body is read and counted | the client follows per the method rules; check with `/echo` |
| /redirect/chain?n=3&status=302&to=/echo | REQ-REDIR | n hops through `/redirect/chain?n=n-1...`, the last hop to `to` | success after n redirects; TooManyRedirects if n > the limit |
| /redirect/loop | REQ-REDIR | `302`, `Location: /` (and `/` redirects to itself forever) | TooManyRedirects (47) at the limit; `/stats` requests[`/`] shows how many were followed |
| /redirect/file | REQ-REDIR | `302`, `Location: file:///etc/passwd` | InvalidUrl |
| /redirect/ftp | REQ-REDIR | `302`, `Location: ftp://127.0.0.1/x` | InvalidUrl |
| /redirect/data | REQ-REDIR | `302`, `Location: data:text/plain,hi` | InvalidUrl |
| /limit/header-100k | REQ-LIMIT | one `X-Big` header with a 100 KiB value | ProtocolError |
| /limit/headers?n=N | REQ-LIMIT | exactly N header fields in total (Content-Length included), body `ok` | success for N <= 128, ProtocolError for N >= 129 |
| /limit/headers-128 | REQ-LIMIT | 128 header fields in total, body `ok` | success |
| /limit/headers-129 | REQ-LIMIT | 129 header fields in total, body `ok` | ProtocolError |
| /limit/line?len=N | REQ-LIMIT | one header line of exactly N bytes, CRLF not counted, body `ok` | success up to the line limit (16 KiB), ProtocolError above |
| /limit/line-over-16k | REQ-LIMIT | one header line of 16385 bytes + CRLF, body `ok` | ProtocolError |
| /limit/head-over-64k | REQ-LIMIT | 80 header lines of 1000 bytes (each line and the count within limits; 80 KiB head) | ProtocolError (head budget) |
| /limit/head-across-1xx | REQ-LIMIT | five `103 Early Hints` of about 15 KiB each, then a `200` of about 15 KiB: each under 64 KiB, about 90 KiB together | ProtocolError (head budget counts across 1xx) |
| /limit/endless-headers | REQ-LIMIT | `200` then `X-Endless-N: ...` lines forever (flow-controlled) | ProtocolError at the count/head budget, not out-of-memory or a timeout |
| /limit/endless-header-value | REQ-LIMIT | `200` then one header value that never ends | ProtocolError at the line budget |
| /limit/split-header | REQ-LIMIT | a 20 KiB header value written in 1 KiB TCP segments 5 ms apart | ProtocolError (the value is counted accumulated, not per fragment) |
| /limit/trailers-small | REQ-LIMIT | chunked `hello`, then two small trailer fields | success, body `hello` |
| /limit/trailers-over-4k | REQ-LIMIT | chunked `hello`, then five 1000-byte trailer fields (about 5 KiB) | ProtocolError |
| /limit/endless-trailers | REQ-LIMIT | chunked `hello`, last chunk, then trailer fields forever | ProtocolError at the trailer budget |
| /body/endless-chunked?size=65536&ms=0 | REQ-LIMIT | `200` chunked, `size`-byte chunks forever (ms apart) | text()/json(): PayloadError at the body limit; streamed: flat memory until the total timeout |
| /body/endless-close?size=65536&ms=0 | REQ-LIMIT | HTTP/1.1 `200` with no framing, bytes forever | as /body/endless-chunked |
| /body/endless-length?size=65536&ms=0 | REQ-LIMIT | `Content-Length: 1099511627776` (1 TiB), bytes forever | as /body/endless-chunked |
| /body/huge-length-stalled | REQ-TIME | `Content-Length: 1099511627776`, 16 bytes, then silence (open) | TimeoutError (read/total); or PayloadError at once if the client refuses a Content-Length over its body limit |
| /parse/status-2000 | REQ-PARSE | `HTTP/1.1 2000 OK` | ProtocolError |
| /parse/status-http12 | REQ-PARSE | `HTTP/1.2 200 OK` | ProtocolError |
| /parse/status-http2 | REQ-PARSE | `HTTP/2.0 200 OK` (llhttp 8.1 accepts it) | ProtocolError |
| /parse/status-icy | REQ-PARSE | `ICY 200 OK` | ProtocolError |
| /parse/no-status-line | REQ-PARSE | a bare body `hello, no status line` then FIN | ProtocolError |
| /parse/nul-in-header | REQ-PARSE | `Set-Cookie: parse_bad=1`, then a header value with a NUL byte | ProtocolError; the jar stays empty |
| /parse/bare-cr | REQ-PARSE | `Set-Cookie: parse_bad=1`, then a header value with a bare CR | ProtocolError; the jar stays empty |
| /parse/bare-lf | REQ-PARSE | `Set-Cookie: parse_bad=1`, then a header line ended by LF alone | ProtocolError; the jar stays empty |
| /parse/ctl-in-header | REQ-PARSE | `Set-Cookie: parse_bad=1`, then a header value with 0x01 | ProtocolError; the jar stays empty |
| /parse/space-before-colon | REQ-PARSE | `Set-Cookie: parse_bad=1`, then `Content-Length : 2` | ProtocolError; the jar stays empty |
| /parse/cl-negative | REQ-PARSE | `Content-Length: -1` | ProtocolError |
| /parse/cl-plus | REQ-PARSE | `Content-Length: +2` | ProtocolError |
| /parse/cl-list | REQ-PARSE | `Content-Length: 2, 2` | ProtocolError |
| /parse/cl-junk | REQ-PARSE | `Content-Length: 12abc` | ProtocolError |
| /parse/cl-overflow | REQ-PARSE | `Content-Length: 184467440737095516160` (over 2^64) | ProtocolError |
| /parse/cl-two-different | REQ-PARSE | `Content-Length: 2` and `Content-Length: 3` | ProtocolError |
| /parse/cl-two-same | REQ-PARSE | `Content-Length: 2` twice | ProtocolError (policy) |
| /parse/te-and-cl | REQ-PARSE | `Transfer-Encoding: chunked` and `Content-Length: 5` | ProtocolError; the connection is never reused |
| /parse/te-chunked-not-last | REQ-PARSE | `Transfer-Encoding: chunked, identity`, the bytes `5\r\nhello\r\n0\r\n\r\n`, then FIN | success; the body is exactly those 15 raw bytes; not reused |
| /parse/chunk-size-overflow | REQ-PARSE | chunk size `10000000000000000` (17 hex digits) | PayloadError |
| /parse/chunk-size-negative | REQ-PARSE | chunk size `-1` | PayloadError |
| /parse/chunk-size-0x | REQ-PARSE | chunk size `0x10` | PayloadError |
| /parse/chunk-missing-crlf | REQ-PARSE | chunk data followed by `XX` instead of CRLF (llhttp 8.1 accepts it) | PayloadError |
| /parse/truncated-length | REQ-PARSE | `Content-Length: 100`, 10 bytes, then FIN | PayloadError (never a short success) |
| /parse/truncated-chunked | REQ-PARSE | chunks `hello` and `world`, then FIN before the last chunk | PayloadError |
| /parse/truncated-chunk-mid | REQ-PARSE | a chunk of size 10 with 5 bytes, then FIN | PayloadError |
| /parse/truncated-last-chunk | REQ-PARSE | chunk `hello`, `0\r\n` (no final CRLF), then FIN | PayloadError or SDE (the message never ended) |
| /parse/truncated-head | REQ-PARSE | `HTTP/1.1 200 OK\r\nContent-Length: 5\r\n` (no blank line), then FIN | SDE or ProtocolError, never a success |
| /parse/http10-close | REQ-PARSE | `HTTP/1.0 200 OK`, no Content-Length, body `http/1.0 body until close`, then FIN | success at the clean EOF; not reused |
| /parse/http11-no-framing | REQ-PARSE | `HTTP/1.1 200 OK`, no Content-Length or Transfer-Encoding, body `http/1.1 body until close`, then FIN | success at the clean EOF; not reused |
| /parse/head-with-length | REQ-PARSE | HEAD: `200`, `Content-Length: 1000`, no body; GET: the 1000 bytes; keep-alive | a HEAD returns at once with no body; the next request on the same connection is intact |
| /parse/head-with-chunked | REQ-PARSE | HEAD: `200`, `Transfer-Encoding: chunked`, no body; GET: chunked `hello`; keep-alive | as /parse/head-with-length |
| /parse/204-with-length | REQ-PARSE | `204`, `Content-Length: 10`, no body; keep-alive | success, empty body; the next request on the same connection is intact |
| /parse/304-with-length | REQ-PARSE | `304`, `Content-Length: 10`, no body; keep-alive | as /parse/204-with-length |
| /parse/100-then-200 | REQ-PARSE | `100 Continue`, then `200` body `ok` | success (the 200) |
| /parse/102-then-200 | REQ-PARSE | `102 Processing`, then `200` body `ok` | success (the 200) |
| /parse/103-then-200 | REQ-PARSE | `103 Early Hints` with `Link`, then `200` body `ok` | success (the 200) |
| /parse/1xx-unknown-then-200 | REQ-PARSE | `150 Unknown` and `199 Whatever`, then `200` body `ok` | success (the 200) |
| /parse/many-1xx | REQ-PARSE | twenty small `103`s, then `200` body `ok` | success (the 200) |
| /parse/100-then-eof | REQ-PARSE | `100 Continue`, then FIN | SDE |
| /parse/101-unsolicited | REQ-PARSE | `101 Switching Protocols` with `Upgrade: websocket`, then bytes | ProtocolError |
| /pool/extra-bytes | REQ-POOL | `200` body `ok` and, in the same segment, a whole second response with body `SMUGGLED`; connection left open | first request succeeds; the connection is discarded: the next request opens a new one and never sees `SMUGGLED` |
| /pool/idle-close?ms=50 | REQ-POOL | `200` body `ok`, keep-alive, then FIN when idle for `ms` | the next GET succeeds on a new connection (retried once if the stale one was tried) |
| /pool/close-on-next | REQ-POOL | `200` body `ok`, keep-alive; the next request on this connection is read (body too) and answered by FIN, no byte | GET: retried once on a new connection, success; POST: SDE and `/stats` posts shows it arrived once (dropped) |
| /pool/reset-on-next | REQ-POOL | as /pool/close-on-next, but RST | as /pool/close-on-next |
| /time/silent | REQ-TIME | reads the request, never answers (stays open) | TimeoutError (read or total) |
| /time/head-then-silent | REQ-TIME | `HTTP/1.1 200 OK\r\nContent-Length: 5\r\n`, then silence | TimeoutError (read or total) |
| /time/body-then-silent?length=100 | REQ-TIME | full head with `Content-Length: length`, 10 bytes, then silence | TimeoutError (read or total) |
| /slow/delay?ms=500 | REQ-TIME | waits ms, then `200` body `ok` | success, or TimeoutError (read) when the read timeout < ms |
| /slow/trickle?ms=100&bytes=20 | REQ-TIME | head with `Content-Length: bytes`, then one body byte every ms | success when read timeout > ms and total > bytes*ms; else TimeoutError (total) |
| /slow/trickle-head?ms=50 | REQ-TIME | the head itself, one byte every ms, then body `ok` | a read timeout > ms never fires; the total timeout does |
| /conn/reset | REQ-CONN | reads the request, then RST | SDE (56) |
| /conn/empty-reply | REQ-CONN | reads the request, then FIN without a byte | SDE (52) |
| /conn/head-cut | REQ-CONN | `HTTP/1.1 200 OK\r\nContent-Le`, then FIN | SDE or ProtocolError, never a success |
| /conn/reset-during-upload?after=65536 | REQ-CONN | reads the head and `after` body bytes, then RST while the client is still uploading | SDE (55); the client process is not killed by SIGPIPE |
| /conn/early-413 | REQ-CONN | `413` with `Connection: close` right after the head, FIN, then discards the upload | the 413 response (ResponseError with raise_for_status) or SDE; never a hang |
| /decomp/gzip-ok | REQ-DECOMP | `Content-Encoding: gzip` body of `hello gzip` + LF | success, decoded |
| /decomp/deflate-ok | REQ-DECOMP | `Content-Encoding: deflate` (zlib wrapper) body of `hello deflate` + LF | success, decoded |
| /decomp/gzip-bomb?mib=128 | REQ-DECOMP | `Content-Encoding: gzip`: about 130 KB that inflate to mib MiB of zeros | PayloadError (decoded size cap) |
| /decomp/deflate-bomb?mib=128 | REQ-DECOMP | as gzip-bomb with `deflate` | PayloadError (decoded size cap) |
| /decomp/stacked?n=6&headers=0 | REQ-DECOMP | the text `stacked encodings ok` + LF gzipped n times, `Content-Encoding: gzip, gzip, ...` (n separate headers with headers=1) | n <= 5 success; n = 6 PayloadError |
| /decomp/unknown | REQ-DECOMP | `Content-Encoding: x-unknown` | PayloadError |
| /decomp/corrupt-gzip | REQ-DECOMP | `Content-Encoding: gzip` and a body that is not gzip | PayloadError |
| /decomp/truncated-gzip | REQ-DECOMP | `Content-Encoding: gzip`, a correct Content-Length, but the gzip stream cut in half | PayloadError |
| /cookie/set?name=a&value=1 | REQ-COOKIE | one Set-Cookie built from name, value, domain, path, max_age, expires, secure=1, httponly=1, samesite; body `ok` | stored or refused per RFC 6265 |
| /cookie/raw?h=VALUE | REQ-COOKIE | one `Set-Cookie: VALUE` per `h` (repeatable, url-encoded), body `ok` | per RFC 6265 |
| /cookie/basic | REQ-COOKIE | `Set-Cookie: a=1; Path=/` and `Set-Cookie: b=2` (default path `/cookie`) | stored host-only: sent back to this exact host only (not 127.0.0.1 -> localhost); `b` only under `/cookie` (e.g. `/cookie/echo`) |
| /cookie/domain-ip-suffix | REQ-COOKIE | `Set-Cookie: ipsuffix=1; Domain=0.0.1` | refused |
| /cookie/domain-own-ip | REQ-COOKIE | `Set-Cookie: ownip=1; Domain=HOST`, HOST from the request's Host header | stored for that exact address |
| /cookie/domain-other | REQ-COOKIE | `Set-Cookie: other=1; Domain=example.com` | refused |
| /cookie/path | REQ-COOKIE | `Set-Cookie: pathc=1; Path=/cookie/sub` | sent only to /cookie/sub and below |
| /cookie/secure | REQ-COOKIE | `Set-Cookie: sec=1; Secure; Path=/` | never sent over http (loopback is not special) |
| /cookie/delete?name=a | REQ-COOKIE | `Set-Cookie: NAME=; Max-Age=0; Path=/` | deletes NAME |
| /cookie/expired?name=a | REQ-COOKIE | `Set-Cookie: NAME=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/` | deletes NAME |
| /cookie/huge | REQ-COOKIE | `Set-Cookie: huge=` + 5000 bytes | refused (per-cookie bound) |
| /cookie/flood?n=100&start=0 | REQ-COOKIE | n Set-Cookie headers `cSTART+i=` + 100 bytes | the jar stays bounded; the Cookie header sent stays under 8 KiB |
| /cookie/bad-framing | REQ-COOKIE | `Set-Cookie: bad_framing=1` in a head with `Content-Length: 2` and `Content-Length: 3` | ProtocolError; the jar stays empty |
| /json/ok | REQ-JSON | `{"ok": true, "n": 42, "s": "text"}` | success |
| /json/deep?n=100000 | REQ-JSON | n `[` then n `]` | a JSON error, not a stack overflow |
| /json/bad-utf8 | REQ-JSON | `{"s": "` 0xFF 0xFE `"}` | a JSON error |
"""
import argparse
import asyncio
import gzip
import hashlib
import json
import resource
import select
import socket
import struct
import sys
import time
import traceback
import zlib
from urllib.parse import parse_qs, urlencode, urlsplit

VERBOSE = False

# What a scenario leaves the connection in: KEEP reads the next request; CLOSE
# sends FIN (then drains the client until it closes); RESET sends RST; HOLD
# says nothing more and reads until the client closes.
KEEP, CLOSE, RESET, HOLD = "keep", "close", "reset", "hold"
TIB = 1 << 40


def log(*args):
    print("hostile_server:", *args, file=sys.stderr, flush=True)


def table_rows():
    """The rows of the table above: (path, req, sends, expect)."""
    rows = []
    for line in __doc__.splitlines():
        if not line.startswith("| /"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) != 4:
            raise SystemExit(f"bad table row: {line}")
        rows.append(tuple(cells))
    return rows


# --------------------------------------------------------------------------
# Stats

class Conn:
    next_id = 0

    def __init__(self):
        Conn.next_id += 1
        self.id = Conn.next_id
        self.paths = []           # request paths seen on this connection
        self.on_next = None       # None, "close" or "reset": what the next request gets
        self.idle_close = None    # seconds: FIN when idle that long


class Stats:
    def __init__(self):
        self.open = set()
        self.reset()

    def reset(self):
        self.connections = 0
        self.requests = {}
        self.methods = {}
        self.posts = {}
        self.dropped = {}
        self.pipelined = 0
        self.requests_total = 0
        self.log = []             # (conn id, its paths list), accept order
        for c in self.open:       # connections still open start a fresh log
            c.paths = []
            self.log.append((c.id, c.paths))

    def accepted(self, conn):
        self.connections += 1
        self.open.add(conn)
        self.log.append((conn.id, conn.paths))
        del self.log[:-1000]

    def closed(self, conn):
        self.open.discard(conn)

    def request(self, conn, method, path):
        conn.paths.append(path)
        if path.startswith("/stats"):
            return
        self.requests_total += 1
        self.requests[path] = self.requests.get(path, 0) + 1
        m = self.methods.setdefault(path, {})
        m[method] = m.get(method, 0) + 1
        if method == "POST":
            self.posts[path] = self.posts.get(path, 0) + 1

    def drop(self, path):
        self.dropped[path] = self.dropped.get(path, 0) + 1

    def json(self):
        return {
            "connections": self.connections,
            "open": len(self.open),
            "requests_total": self.requests_total,
            "requests": self.requests,
            "methods": self.methods,
            "posts": self.posts,
            "dropped": self.dropped,
            "pipelined": self.pipelined,
            "connection_log": [{"id": i, "requests": p} for i, p in self.log],
        }


STATS = Stats()

# --------------------------------------------------------------------------
# One request


class BadRequest(Exception):
    pass


async def read_request_head(reader):
    """Returns the head bytes, or None at a clean EOF between requests."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            return None
        raise BadRequest(f"EOF inside a request head ({len(e.partial)} bytes)")
    except asyncio.LimitOverrunError:
        raise BadRequest("request head too large")


class Ctx:
    def __init__(self, conn, reader, writer, head):
        self.conn, self.reader, self.writer = conn, reader, writer
        lines = head[:-4].split(b"\r\n")
        parts = lines[0].split(b" ")
        if len(parts) != 3:
            raise BadRequest(f"bad request line {lines[0][:100]!r}")
        self.method = parts[0].decode("latin-1")
        self.target = parts[1].decode("latin-1")
        self.version = parts[2].decode("latin-1")
        self.headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep:
                raise BadRequest(f"bad header line {line[:100]!r}")
            self.headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
        u = urlsplit(self.target)
        self.path = u.path or "/"
        self.q = parse_qs(u.query, keep_blank_values=True)
        self.split = self.iarg("split", 0)
        self.gap = self.iarg("gap", 2 if self.split else 0) / 1000
        self.body_length = 0
        self.body_sha = hashlib.sha256()
        self.body_head = b""
        self.body_done = False
        self.continue_sent = False

    # query and headers
    def arg(self, name, default=None):
        v = self.q.get(name)
        return v[0] if v else default

    def iarg(self, name, default):
        v = self.arg(name)
        try:
            return int(v) if v is not None else default
        except ValueError:
            return default

    def args(self, name):
        return self.q.get(name, [])

    def header(self, name):
        for n, v in self.headers:
            if n.lower() == name.lower():
                return v
        return None

    # request body
    async def _feed(self, data):
        self.body_length += len(data)
        self.body_sha.update(data)
        if len(self.body_head) < 64:
            self.body_head += data[: 64 - len(self.body_head)]

    async def maybe_continue(self):
        if not self.continue_sent and (self.header("expect") or "").lower() == "100-continue":
            self.continue_sent = True
            self.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await self.writer.drain()

    async def read_body(self, at_most=None):
        """Reads the request body (all of it, or at most `at_most` bytes)."""
        if self.body_done:
            return
        te = (self.header("transfer-encoding") or "").lower()
        cl = self.header("content-length")
        if not te and cl is None:
            self.body_done = True
            return
        await self.maybe_continue()
        if "chunked" in te:
            while True:
                line = await self.reader.readuntil(b"\r\n")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while await self.reader.readuntil(b"\r\n") != b"\r\n":
                        pass
                    break
                while size:
                    data = await self.reader.read(min(size, 65536))
                    if not data:
                        raise asyncio.IncompleteReadError(b"", size)
                    await self._feed(data)
                    size -= len(data)
                    if at_most is not None and self.body_length >= at_most:
                        return
                await self.reader.readexactly(2)
        else:
            left = int(cl)
            while left:
                if at_most is not None and self.body_length >= at_most:
                    return
                data = await self.reader.read(min(left, 65536))
                if not data:
                    raise asyncio.IncompleteReadError(b"", left)
                await self._feed(data)
                left -= len(data)
        self.body_done = True

    # response
    async def send(self, data):
        """Writes raw bytes (in `split`-byte segments `gap` apart when asked)
        and waits until the kernel has taken all of them."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        if not self.split:
            self.writer.write(data)
            await self.writer.drain()
            return
        for i in range(0, len(data), self.split):
            self.writer.write(data[i : i + self.split])
            await self.writer.drain()
            if self.gap:
                await asyncio.sleep(self.gap)

    def extra_headers(self):
        """Set-Cookie and other headers asked for by `set_cookie=` and
        `add_header=Name:Value` (both repeatable)."""
        out = [("Set-Cookie", c) for c in self.args("set_cookie")]
        for h in self.args("add_header"):
            n, _, v = h.partition(":")
            out.append((n.strip(), v.strip()))
        return out

    async def respond(self, status, body=b"", headers=(), reason=None, close=False,
                      ctype="text/plain"):
        if isinstance(body, str):
            body = body.encode()
        hs = [("Content-Type", ctype)] if ctype else []
        hs += list(headers) + self.extra_headers()
        if not any(n.lower() in ("content-length", "transfer-encoding") for n, _ in hs):
            hs.append(("Content-Length", str(len(body))))
        if close:
            hs.append(("Connection", "close"))
        head = f"HTTP/1.1 {status} {reason or REASONS.get(status, 'Whatever')}\r\n"
        head += "".join(f"{n}: {v}\r\n" for n, v in hs) + "\r\n"
        await self.send(head.encode("latin-1") + (b"" if self.method == "HEAD" else body))
        return CLOSE if close else KEEP


REASONS = {100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
           200: "OK", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           303: "See Other", 304: "Not Modified", 307: "Temporary Redirect",
           308: "Permanent Redirect", 400: "Bad Request", 404: "Not Found",
           413: "Content Too Large", 431: "Request Header Fields Too Large"}

# --------------------------------------------------------------------------
# Scenarios

SCENARIOS = {}


def scenario(path, read_body=True):
    def register(fn):
        fn.read_body = read_body
        SCENARIOS[path] = fn
        return fn
    return register


def pattern_bytes(offset, n):
    """n bytes of the pattern byte i = i % 251, from position offset."""
    block = bytes(range(251))
    start = offset % 251
    reps = (start + n) // 251 + 1
    return (block * reps)[start : start + n]


async def endless(c, chunk_fn):
    """Calls chunk_fn(i) and writes its bytes forever (until the client goes)."""
    ms = c.iarg("ms", 0) / 1000
    i = 0
    while True:
        await c.send(chunk_fn(i))
        i += 1
        if ms:
            await asyncio.sleep(ms)


# ---- keep-alive basics, stats, echo


@scenario("/ok")
async def s_ok(c):
    return await c.respond(200, b"ok")


@scenario("/close")
async def s_close(c):
    return await c.respond(200, b"closed", close=True)


@scenario("/bytes")
async def s_bytes(c):
    n = c.iarg("n", 1024)
    chunked = c.iarg("chunked", 0)
    hs = [("Transfer-Encoding", "chunked")] if chunked else [("Content-Length", str(n))]
    await c.respond(200, b"", hs, ctype="application/octet-stream")
    if c.method == "HEAD":
        return KEEP
    step = 251 * 261
    for off in range(0, n, step):
        data = pattern_bytes(off, min(step, n - off))
        await c.send(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
    if chunked:
        await c.send(b"0\r\n\r\n")
    return KEEP


@scenario("/stats")
async def s_stats(c):
    return await c.respond(200, json.dumps(STATS.json()), ctype="application/json")


@scenario("/stats/reset")
async def s_stats_reset(c):
    STATS.reset()
    return await c.respond(200, b"{}", ctype="application/json")


@scenario("/echo")
async def s_echo(c):
    doc = {
        "method": c.method,
        "target": c.target,
        "path": c.path,
        "version": c.version,
        "headers": [[n, v] for n, v in c.headers],
        "body_length": c.body_length,
        "body_sha256": c.body_sha.hexdigest(),
        "body_head": c.body_head.decode("latin-1"),
        "connection": c.conn.id,
        "request_on_connection": len(c.conn.paths),
    }
    return await c.respond(200, json.dumps(doc), ctype="application/json")


# ---- redirects


@scenario("/")
async def s_root(c):
    return await c.respond(302, b"redirect", [("Location", "/")])


@scenario("/redirect")
async def s_redirect(c):
    return await c.respond(c.iarg("status", 302), b"redirect", [("Location", c.arg("to", "/echo"))])


@scenario("/redirect/chain")
async def s_redirect_chain(c):
    n = c.iarg("n", 3)
    status = c.iarg("status", 302)
    to = c.arg("to", "/echo")
    loc = to if n <= 1 else "/redirect/chain?" + urlencode({"n": n - 1, "status": status, "to": to})
    return await c.respond(status, b"redirect", [("Location", loc)])


@scenario("/redirect/loop")
async def s_redirect_loop(c):
    return await c.respond(302, b"redirect", [("Location", "/")])


@scenario("/redirect/file")
async def s_redirect_file(c):
    return await c.respond(302, b"redirect", [("Location", "file:///etc/passwd")])


@scenario("/redirect/ftp")
async def s_redirect_ftp(c):
    return await c.respond(302, b"redirect", [("Location", "ftp://127.0.0.1/x")])


@scenario("/redirect/data")
async def s_redirect_data(c):
    return await c.respond(302, b"redirect", [("Location", "data:text/plain,hi")])


# ---- REQ-LIMIT


def head_with(fields, status=b"HTTP/1.1 200 OK"):
    return status + b"\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n"


@scenario("/limit/header-100k")
async def s_header_100k(c):
    await c.send(head_with([b"X-Big: " + b"a" * (100 * 1024), b"Content-Length: 2"]) + b"ok")
    return KEEP


async def n_headers(c, n):
    fields = [b"X-Field-%04d: v" % i for i in range(n - 1)] + [b"Content-Length: 2"]
    await c.send(head_with(fields) + b"ok")
    return KEEP


@scenario("/limit/headers")
async def s_headers_n(c):
    return await n_headers(c, max(1, c.iarg("n", 128)))


@scenario("/limit/headers-128")
async def s_headers_128(c):
    return await n_headers(c, 128)


@scenario("/limit/headers-129")
async def s_headers_129(c):
    return await n_headers(c, 129)


async def long_line(c, n):
    prefix = b"X-Long: "
    line = prefix + b"v" * max(0, n - len(prefix))
    await c.send(head_with([line, b"Content-Length: 2"]) + b"ok")
    return KEEP


@scenario("/limit/line")
async def s_line(c):
    return await long_line(c, c.iarg("len", 1000))


@scenario("/limit/line-over-16k")
async def s_line_over(c):
    return await long_line(c, 16 * 1024 + 1)


@scenario("/limit/head-over-64k")
async def s_head_over(c):
    fields = [b"X-Fill-%02d: " % i + b"f" * 989 for i in range(80)]  # 1000 bytes each
    await c.send(head_with(fields + [b"Content-Length: 2"]) + b"ok")
    return KEEP


@scenario("/limit/head-across-1xx")
async def s_head_1xx(c):
    def block(i):
        return [b"Link: </style-%d-%d.css>; rel=preload; x=" % (i, j) + b"l" * 7400 for j in range(2)]
    out = b""
    for i in range(5):
        out += head_with(block(i), b"HTTP/1.1 103 Early Hints")
    out += head_with(block(9) + [b"Content-Length: 2"]) + b"ok"
    await c.send(out)
    return KEEP


@scenario("/limit/endless-headers")
async def s_endless_headers(c):
    await c.send(b"HTTP/1.1 200 OK\r\n")
    await endless(c, lambda i: b"".join(b"X-Endless-%d: value\r\n" % (i * 64 + k) for k in range(64)))


@scenario("/limit/endless-header-value")
async def s_endless_value(c):
    await c.send(b"HTTP/1.1 200 OK\r\nX-Endless: ")
    await endless(c, lambda i: b"v" * 4096)


@scenario("/limit/split-header")
async def s_split_header(c):
    c.split = c.split or 1024
    c.gap = c.gap or 0.005
    await c.send(head_with([b"X-Split: " + b"s" * (20 * 1024), b"Content-Length: 2"]) + b"ok")
    return KEEP


CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


@scenario("/limit/trailers-small")
async def s_trailers_small(c):
    await c.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T1, X-T2\r\n\r\n"
                 b"5\r\nhello\r\n0\r\nX-T1: one\r\nX-T2: two\r\n\r\n")
    return KEEP


@scenario("/limit/trailers-over-4k")
async def s_trailers_over(c):
    trailers = b"".join(b"X-Trailer-%d: " % i + b"t" * 984 + b"\r\n" for i in range(5))
    await c.send(CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n" + trailers + b"\r\n")
    return KEEP


@scenario("/limit/endless-trailers")
async def s_endless_trailers(c):
    await c.send(CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n")
    await endless(c, lambda i: b"".join(b"X-Trailer-%d: value\r\n" % (i * 64 + k) for k in range(64)))


def body_block(c):
    return b"x" * max(1, c.iarg("size", 65536))


@scenario("/body/endless-chunked")
async def s_endless_chunked(c):
    block = body_block(c)
    await c.send(CHUNKED_HEAD)
    await endless(c, lambda i: b"%x\r\n%s\r\n" % (len(block), block))


@scenario("/body/endless-close")
async def s_endless_close(c):
    block = body_block(c)
    await c.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n")
    await endless(c, lambda i: block)


@scenario("/body/endless-length")
async def s_endless_length(c):
    block = body_block(c)
    await c.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % TIB)
    await endless(c, lambda i: block)


@scenario("/body/huge-length-stalled")
async def s_huge_stalled(c):
    await c.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % TIB + b"s" * 16)
    return HOLD


# ---- REQ-PARSE


def raw(data, action=KEEP):
    async def fn(c):
        await c.send(data)
        return action
    return fn


BAD_COOKIE = b"Set-Cookie: parse_bad=1; Path=/"

RAW = {
    "/parse/status-2000": b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/status-http12": b"HTTP/1.2 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/status-http2": b"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/status-icy": b"ICY 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/nul-in-header": head_with([BAD_COOKIE, b"X-Bad: a\x00b", b"Content-Length: 2"]) + b"ok",
    "/parse/bare-cr": head_with([BAD_COOKIE, b"X-Bad: a\rb", b"Content-Length: 2"]) + b"ok",
    "/parse/bare-lf": b"HTTP/1.1 200 OK\r\n" + BAD_COOKIE + b"\r\nX-Bad: lf\nContent-Length: 2\r\n\r\nok",
    "/parse/ctl-in-header": head_with([BAD_COOKIE, b"X-Bad: a\x01b", b"Content-Length: 2"]) + b"ok",
    "/parse/space-before-colon": head_with([BAD_COOKIE, b"Content-Length : 2"]) + b"ok",
    "/parse/cl-negative": head_with([b"Content-Length: -1"]) + b"ok",
    "/parse/cl-plus": head_with([b"Content-Length: +2"]) + b"ok",
    "/parse/cl-list": head_with([b"Content-Length: 2, 2"]) + b"ok",
    "/parse/cl-junk": head_with([b"Content-Length: 12abc"]) + b"ok",
    "/parse/cl-overflow": head_with([b"Content-Length: 184467440737095516160"]) + b"ok",
    "/parse/cl-two-different": head_with([b"Content-Length: 2", b"Content-Length: 3"]) + b"ok",
    "/parse/cl-two-same": head_with([b"Content-Length: 2", b"Content-Length: 2"]) + b"ok",
    "/parse/te-and-cl": head_with([b"Transfer-Encoding: chunked", b"Content-Length: 5"])
    + b"5\r\nhello\r\n0\r\n\r\n",
    "/parse/chunk-size-overflow": CHUNKED_HEAD + b"10000000000000000\r\nhello\r\n0\r\n\r\n",
    "/parse/chunk-size-negative": CHUNKED_HEAD + b"-1\r\nhello\r\n0\r\n\r\n",
    "/parse/chunk-size-0x": CHUNKED_HEAD + b"0x10\r\n0123456789abcdef\r\n0\r\n\r\n",
    "/parse/chunk-missing-crlf": CHUNKED_HEAD + b"5\r\nhelloXX5\r\nworld\r\n0\r\n\r\n",
    "/parse/204-with-length": b"HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
    "/parse/304-with-length": b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "/parse/100-then-200": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/102-then-200": b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/103-then-200": b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/1xx-unknown-then-200": b"HTTP/1.1 150 Unknown\r\nX-A: 1\r\n\r\nHTTP/1.1 199 Whatever\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/many-1xx": b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" * 20
    + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    "/parse/101-unsolicited": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\n\r\n\x81\x05hello",
    "/pool/extra-bytes": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED",
    "/decomp/unknown": head_with([b"Content-Encoding: x-unknown", b"Content-Length: 5"]) + b"hello",
    "/decomp/corrupt-gzip": head_with([b"Content-Encoding: gzip", b"Content-Length: 23"])
    + b"this is not gzip at all",
    "/cookie/bad-framing": head_with([b"Set-Cookie: bad_framing=1; Path=/", b"Content-Length: 2",
                                      b"Content-Length: 3"]) + b"ok",
    "/json/bad-utf8": head_with([b"Content-Type: application/json", b"Content-Length: 11"])
    + b'{"s": "\xff\xfe"}',
}
RAW_FIN = {
    "/parse/no-status-line": b"hello, no status line\n",
    "/parse/te-chunked-not-last": head_with([b"Transfer-Encoding: chunked, identity"])
    + b"5\r\nhello\r\n0\r\n\r\n",
    "/parse/truncated-length": head_with([b"Content-Length: 100"]) + b"0123456789",
    "/parse/truncated-chunked": CHUNKED_HEAD + b"5\r\nhello\r\n5\r\nworld\r\n",
    "/parse/truncated-chunk-mid": CHUNKED_HEAD + b"a\r\nhello",
    "/parse/truncated-last-chunk": CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n",
    "/parse/truncated-head": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
    "/parse/http10-close": b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhttp/1.0 body until close",
    "/parse/http11-no-framing": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhttp/1.1 body until close",
    "/parse/100-then-eof": b"HTTP/1.1 100 Continue\r\n\r\n",
    "/conn/head-cut": b"HTTP/1.1 200 OK\r\nContent-Le",
}
RAW_HOLD = {
    "/time/head-then-silent": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n",
}
for _p, _d in RAW.items():
    scenario(_p)(raw(_d, KEEP))
for _p, _d in RAW_FIN.items():
    scenario(_p)(raw(_d, CLOSE))
for _p, _d in RAW_HOLD.items():
    scenario(_p)(raw(_d, HOLD))


@scenario("/parse/head-with-length")
async def s_head_length(c):
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
    await c.send(head if c.method == "HEAD" else head + pattern_bytes(0, 1000))
    return KEEP


@scenario("/parse/head-with-chunked")
async def s_head_chunked(c):
    await c.send(CHUNKED_HEAD if c.method == "HEAD" else CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n\r\n")
    return KEEP


# ---- REQ-POOL


@scenario("/pool/idle-close")
async def s_idle_close(c):
    c.conn.idle_close = c.iarg("ms", 50) / 1000
    return await c.respond(200, b"ok")


@scenario("/pool/close-on-next")
async def s_close_on_next(c):
    c.conn.on_next = "close"
    return await c.respond(200, b"ok")


@scenario("/pool/reset-on-next")
async def s_reset_on_next(c):
    c.conn.on_next = "reset"
    return await c.respond(200, b"ok")


# ---- REQ-TIME


@scenario("/time/silent")
async def s_silent(c):
    return HOLD


@scenario("/time/body-then-silent")
async def s_body_silent(c):
    n = c.iarg("length", 100)
    await c.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n0123456789" % n)
    return HOLD


@scenario("/slow/delay")
async def s_delay(c):
    await asyncio.sleep(c.iarg("ms", 500) / 1000)
    return await c.respond(200, b"ok")


@scenario("/slow/trickle")
async def s_trickle(c):
    ms = c.iarg("ms", 100) / 1000
    n = c.iarg("bytes", 20)
    await c.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % n)
    for i in range(n):
        await asyncio.sleep(ms)
        await c.send(b"abcdefghijklmnopqrstuvwxyz"[i % 26 : i % 26 + 1])
    return KEEP


@scenario("/slow/trickle-head")
async def s_trickle_head(c):
    c.split = 1
    c.gap = c.iarg("ms", 50) / 1000
    await c.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    c.split = 0
    await c.send(b"ok")
    return KEEP


# ---- REQ-CONN


@scenario("/conn/reset")
async def s_reset(c):
    return RESET


@scenario("/conn/empty-reply")
async def s_empty(c):
    return CLOSE


@scenario("/conn/reset-during-upload", read_body=False)
async def s_reset_upload(c):
    await c.read_body(at_most=c.iarg("after", 65536))
    return RESET


@scenario("/conn/early-413", read_body=False)
async def s_early_413(c):
    await c.respond(413, b"too large", close=True)
    return CLOSE


# ---- REQ-DECOMP

_BOMBS = {}


def make_bomb(kind, mib):
    """A gzip or zlib stream of `mib` MiB of zeros, built in milliseconds:
    after Z_FULL_FLUSH the compressor starts afresh, so every further MiB of
    zeros compresses to the same bytes, and the block is repeated."""
    zeros = bytes(1 << 20)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    raw = block * mib + co.flush(zlib.Z_FINISH)
    if kind == "gzip":
        crc = 0
        for _ in range(mib):
            crc = zlib.crc32(zeros, crc)
        return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw
                + struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF))
    adler = 1
    for _ in range(mib):
        adler = zlib.adler32(zeros, adler)
    return b"\x78\xda" + raw + struct.pack(">I", adler)


async def bomb(c, kind):
    mib = max(1, min(c.iarg("mib", 128), 4096))
    key = (kind, mib)
    if key not in _BOMBS:
        _BOMBS[key] = make_bomb(kind, mib)
    return await c.respond(200, _BOMBS[key], [("Content-Encoding", kind)],
                           ctype="application/octet-stream")


@scenario("/decomp/gzip-bomb")
async def s_gzip_bomb(c):
    return await bomb(c, "gzip")


@scenario("/decomp/deflate-bomb")
async def s_deflate_bomb(c):
    return await bomb(c, "deflate")


@scenario("/decomp/gzip-ok")
async def s_gzip_ok(c):
    return await c.respond(200, gzip.compress(b"hello gzip\n", mtime=0), [("Content-Encoding", "gzip")])


@scenario("/decomp/deflate-ok")
async def s_deflate_ok(c):
    return await c.respond(200, zlib.compress(b"hello deflate\n"), [("Content-Encoding", "deflate")])


@scenario("/decomp/stacked")
async def s_stacked(c):
    n = max(1, min(c.iarg("n", 6), 50))
    data = b"stacked encodings ok\n"
    for _ in range(n):
        data = gzip.compress(data, mtime=0)
    if c.iarg("headers", 0):
        hs = [("Content-Encoding", "gzip")] * n
    else:
        hs = [("Content-Encoding", ", ".join(["gzip"] * n))]
    return await c.respond(200, data, hs)


@scenario("/decomp/truncated-gzip")
async def s_truncated_gzip(c):
    gz = gzip.compress(b"truncated gzip stream " * 200, mtime=0)
    return await c.respond(200, gz[: len(gz) // 2], [("Content-Encoding", "gzip")])


# ---- REQ-COOKIE


async def cookies(c, values):
    return await c.respond(200, b"ok", [("Set-Cookie", v) for v in values])


@scenario("/cookie/set")
async def s_cookie_set(c):
    v = f"{c.arg('name', 'a')}={c.arg('value', '1')}"
    for attr, key in (("Domain", "domain"), ("Path", "path"), ("Max-Age", "max_age"),
                      ("Expires", "expires"), ("SameSite", "samesite")):
        if c.arg(key) is not None:
            v += f"; {attr}={c.arg(key)}"
    if c.iarg("secure", 0):
        v += "; Secure"
    if c.iarg("httponly", 0):
        v += "; HttpOnly"
    return await cookies(c, [v])


@scenario("/cookie/raw")
async def s_cookie_raw(c):
    return await cookies(c, c.args("h"))


@scenario("/cookie/basic")
async def s_cookie_basic(c):
    return await cookies(c, ["a=1; Path=/", "b=2"])


@scenario("/cookie/domain-ip-suffix")
async def s_cookie_ip_suffix(c):
    return await cookies(c, ["ipsuffix=1; Domain=0.0.1; Path=/"])


@scenario("/cookie/domain-own-ip")
async def s_cookie_own_ip(c):
    host = c.header("host") or "127.0.0.1"
    host = host[1:].partition("]")[0] if host.startswith("[") else host.rpartition(":")[0] or host
    return await cookies(c, [f"ownip=1; Domain={host}; Path=/"])


@scenario("/cookie/domain-other")
async def s_cookie_other(c):
    return await cookies(c, ["other=1; Domain=example.com; Path=/"])


@scenario("/cookie/path")
async def s_cookie_path(c):
    return await cookies(c, ["pathc=1; Path=/cookie/sub"])


@scenario("/cookie/secure")
async def s_cookie_secure(c):
    return await cookies(c, ["sec=1; Secure; Path=/"])


@scenario("/cookie/delete")
async def s_cookie_delete(c):
    return await cookies(c, [f"{c.arg('name', 'a')}=; Max-Age=0; Path=/"])


@scenario("/cookie/expired")
async def s_cookie_expired(c):
    return await cookies(c, [f"{c.arg('name', 'a')}=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/"])


@scenario("/cookie/huge")
async def s_cookie_huge(c):
    return await cookies(c, ["huge=" + "h" * 5000 + "; Path=/"])


@scenario("/cookie/flood")
async def s_cookie_flood(c):
    n = max(0, min(c.iarg("n", 100), 120))
    start = c.iarg("start", 0)
    return await cookies(c, [f"c{start + i}=" + "v" * 100 + "; Path=/" for i in range(n)])


# ---- REQ-JSON


@scenario("/json/ok")
async def s_json_ok(c):
    return await c.respond(200, b'{"ok": true, "n": 42, "s": "text"}', ctype="application/json")


@scenario("/json/deep")
async def s_json_deep(c):
    n = max(1, min(c.iarg("n", 100000), 10_000_000))
    return await c.respond(200, b"[" * n + b"]" * n, ctype="application/json")


# --------------------------------------------------------------------------
# Connections


async def discard_until_eof(reader, timeout):
    async def run():
        while await reader.read(65536):
            pass
    try:
        await asyncio.wait_for(run(), timeout)
    except (asyncio.TimeoutError, OSError):
        pass


async def close_fin(reader, writer):
    """FIN, then read (and drop) whatever comes until the client closes, so
    unread input never turns the close into a RST."""
    try:
        if not writer.is_closing() and writer.can_write_eof():
            writer.write_eof()
    except OSError:  # the client reset first (ENOTCONN)
        pass
    await discard_until_eof(reader, 10)
    writer.close()


def close_rst(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    writer.transport.abort()


async def not_found(c):
    return await c.respond(404, f"no such scenario: {c.path}\n")


class Server:
    def __init__(self, accept_mode):
        self.accept_mode = accept_mode

    async def connection(self, reader, writer):
        conn = Conn()
        STATS.accepted(conn)
        writer.transport.set_write_buffer_limits(high=0, low=0)
        try:
            await self.serve(conn, reader, writer)
        except (OSError, asyncio.IncompleteReadError) as e:  # the client went away
            if VERBOSE:
                log(f"connection {conn.id}: {type(e).__name__}: {e}")
        except BadRequest as e:
            log(f"connection {conn.id}: bad request: {e}")
        except Exception:
            log(f"connection {conn.id}:\n{traceback.format_exc()}")
        finally:
            STATS.closed(conn)
            if not writer.is_closing():
                writer.transport.abort()

    async def serve(self, conn, reader, writer):
        if self.accept_mode == "reset":
            try:  # the client has connected and is writing: no connect error
                await asyncio.wait_for(reader.read(1), 0.2)
            except asyncio.TimeoutError:
                pass
            close_rst(writer)
            return
        if self.accept_mode == "reset-now":
            close_rst(writer)
            return
        if self.accept_mode == "close":
            await close_fin(reader, writer)
            return
        if self.accept_mode == "silent":
            await discard_until_eof(reader, None)
            return
        while True:
            try:
                head = await asyncio.wait_for(read_request_head(reader), conn.idle_close)
            except asyncio.TimeoutError:
                await close_fin(reader, writer)
                return
            if head is None:
                return
            conn.idle_close = None
            try:
                c = Ctx(conn, reader, writer, head)
            except BadRequest:
                writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                await close_fin(reader, writer)
                raise
            STATS.request(conn, c.method, c.path)
            if conn.on_next:
                await c.read_body()
                STATS.drop(c.path)
                if conn.on_next == "reset":
                    close_rst(writer)
                else:
                    await close_fin(reader, writer)
                return
            fn = SCENARIOS.get(c.path)
            if fn is None:
                fn = s_echo if c.path.endswith("/echo") else not_found
            if getattr(fn, "read_body", True):
                await c.read_body()
            if reader._buffer:  # a next request arrived before this one was answered
                STATS.pipelined += 1
            action = await fn(c)
            if action == KEEP:
                continue
            if action == CLOSE:
                await close_fin(reader, writer)
            elif action == RESET:
                close_rst(writer)
            elif action == HOLD:
                await discard_until_eof(reader, None)
            return


# --------------------------------------------------------------------------
# Start-up


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def bind_all(hosts, backlog):
    """Binds every host on one port (the first one's, from port 0)."""
    for _ in range(20):
        socks = []
        try:
            port = 0
            for h in hosts:
                s = socket.socket(family(h), socket.SOCK_STREAM)
                socks.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((h, port))
                s.listen(backlog)
                port = s.getsockname()[1]
            return socks, port
        except OSError as e:
            for s in socks:
                s.close()
            if len(hosts) == 1:
                raise
            last = e
    raise last


def no_accept(host):
    """listen(0) and never accept. With a backlog of 0 Linux queues one
    connection; the server fills that slot itself, so every client connect()
    after that hangs in SYN-SENT."""
    s = socket.socket(family(host), socket.SOCK_STREAM)
    s.bind((host, 0))
    s.listen(0)
    port = s.getsockname()[1]
    fillers = []
    for _ in range(8):
        f = socket.socket(family(host), socket.SOCK_STREAM)
        f.setblocking(False)
        f.connect_ex((host, port))
        fillers.append(f)
        _, w, _ = select.select([], [f], [], 0.3)
        if not w:
            break  # this one hangs: the queue is full
    print(port, flush=True)
    while True:
        time.sleep(3600)


async def serve(args):
    server = Server(args.accept)
    socks, port = bind_all(args.host or ["127.0.0.1"], args.backlog)
    servers = [await asyncio.start_server(server.connection, sock=s, limit=1 << 20,
                                          backlog=args.backlog) for s in socks]
    print(port, flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", action="append", help="address to listen on (repeatable)")
    ap.add_argument("--no-accept", action="store_true")
    ap.add_argument("--accept", choices=["normal", "reset", "reset-now", "close", "silent"], default="normal")
    ap.add_argument("--backlog", type=int, default=4096)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.v
    rows = table_rows()
    documented = {r[0].split("?")[0] for r in rows}
    if documented != set(SCENARIOS):
        raise SystemExit(f"table and scenarios differ: only in table {documented - set(SCENARIOS)}, "
                         f"only in code {set(SCENARIOS) - documented}")
    if args.list:
        for r in rows:
            print("\t".join(r))
        return
    raise_nofile()
    if args.no_accept:
        no_accept((args.host or ["127.0.0.1"])[0])
        return
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
