#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ (plain bytes, one file per
case). Most response seeds are the raw responses of the hostile server's
scenario table (tests/peers/hostile_server.py RAW/RAW_FIN/RAW_HOLD). Re-run
after changing the table: python3 fuzz/make_seeds.py"""
import gzip
import hashlib
import importlib.util
import os
import zlib

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
spec = importlib.util.spec_from_file_location("hostile", os.path.join(root, "tests/peers/hostile_server.py"))
hostile = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hostile)


def write(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safe(path):
    return path.strip("/").replace("/", "_")


head_with = hostile.head_with
CHUNKED_HEAD = hostile.CHUNKED_HEAD

# fuzz_response: the hostile server's raw responses, plus encoded bodies.
for table in (hostile.RAW, hostile.RAW_FIN, hostile.RAW_HOLD):
    for path, data in table.items():
        write("fuzz_response", safe(path), data)
gz = gzip.compress(b"hello gzip\n")
write("fuzz_response", "decomp_gzip-ok", head_with([b"Content-Encoding: gzip", b"Content-Length: %d" % len(gz)]) + gz)
zd = zlib.compress(b"hello deflate\n")
write("fuzz_response", "decomp_deflate-ok-chunked",
      head_with([b"Content-Encoding: deflate", b"Transfer-Encoding: chunked"])
      + b"%x\r\n" % len(zd) + zd + b"\r\n0\r\nX-T: 1\r\n\r\n")
write("fuzz_response", "trailers", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T1, X-T2\r\n\r\n"
      b"5\r\nhello\r\n0\r\nX-T1: one\r\nX-T2: two\r\n\r\n")
write("fuzz_response", "obs-fold", b"HTTP/1.1 200 OK\r\nX-Fold: a\r\n  b\r\nContent-Length: 2\r\n\r\nok")
write("fuzz_response", "head-too-many-fields", head_with([b"X-F-%02d: v" % i for i in range(12)] + [b"Content-Length: 2"]) + b"ok")

# fuzz_decoder: byte 0 picks the coding (index into kCodings), byte 1 the cap.
CAP_1M = b"\x05"
write("fuzz_decoder", "gzip", b"\x00" + CAP_1M + gz)
write("fuzz_decoder", "deflate-zlib", b"\x01" + CAP_1M + zd)
raw = zlib.compressobj(6, zlib.DEFLATED, -15)
raw_deflate = raw.compress(b"raw deflate body\n") + raw.flush()
write("fuzz_decoder", "deflate-raw", b"\x01" + CAP_1M + raw_deflate)
write("fuzz_decoder", "gzip-gzip", b"\x03" + CAP_1M + gzip.compress(gzip.compress(b"stacked encodings ok\n")))
write("fuzz_decoder", "gzip-members", b"\x00" + CAP_1M + gzip.compress(b"one ") + gzip.compress(b"two\n"))
write("fuzz_decoder", "gzip-bomb-small-cap", b"\x00\x03" + gzip.compress(b"\0" * (1 << 20)))
write("fuzz_decoder", "gzip-truncated", b"\x00" + CAP_1M + gz[: len(gz) // 2])
write("fuzz_decoder", "corrupt-gzip", b"\x00" + CAP_1M + b"this is not gzip at all")
write("fuzz_decoder", "identity", b"\x05" + CAP_1M + b"plain body")
write("fuzz_decoder", "custom-coding", b"\xf0" + CAP_1M + b"x-gzip, identity\n" + gz)
write("fuzz_decoder", "unknown-coding", b"\xf0" + CAP_1M + b"br\nxxxx")

# fuzz_url: "BASE\nREFERENCE".
urls = [
    b"https://user:p%40ss@Example.COM:8443/a b?q=1#top\n../c",
    b"http://h/a/b/c/d;p?q\ng;x?y#s",
    b"http://h/a/b/c/d;p?q\n../../../g",
    b"http://h/\n//other.example/p",
    b"http://[0:0::1]:8080/x\n?y",
    b"http://127.0.0.1/\nhttp:g",
    b"http://h/\nfile:///etc/passwd",
    b"http://h/\ndata:text/plain,hi",
    b"http://a\\@b/",
    b"http://h/%0d%0aX-Injected:%20yes\n/%zz%",
    b"http://0x7f.1/",
    b"https://h:/p\n#frag",
    b"http://h/\n/\xc3\xa9t\xc3\xa9?x=\"<>\"",
]
for i, u in enumerate(urls):
    write("fuzz_url", "url-%02d" % i, u)

# fuzz_cookie: a line per Set-Cookie; byte 0 picks the request context.
cookies = [
    b"\x00a=1; Path=/\n\x00b=2",
    b"\x01sid=1; Path=/; Secure; HttpOnly\n\x00sid=2; Path=/",
    b"\x03ipsuffix=1; Domain=0.0.1\n\x03ownip=1; Domain=127.0.0.1",
    b"\x00other=1; Domain=example.com\n\x01www=1; Domain=.Example.COM; Path=/a",
    b"\x00x=1; Max-Age=100\n\x18x=; Max-Age=0",
    b"\x00e=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/\n\x00f=1; Expires=Wed, 21 Oct 2099 07:28:00 GMT",
    b"\x01__Host-a=1; Secure; Path=/\n\x01__Secure-b=1\n\x01__Host-c=1; Secure; Domain=example.com; Path=/",
    b"".join(b"\x00c%d=%s\n" % (i, b"v" * 40) for i in range(14)),
    b"!seed|1||/\n!bad;name|v||\n\x00a=1",
]
for i, c in enumerate(cookies):
    write("fuzz_cookie", "cookie-%02d" % i, c)

# fuzz_json.
docs = [
    b'{"user": {"id": 7, "name": "ann", "tags": ["a", "b"]}, "score": 1.5, "n": null}',
    b'[1, -1, 18446744073709551615, -9223372036854775808, 1e308, -0, -0.0, 0.1]',
    b'{"s": "\\u00e9\\ud83d\\ude00\\n\\"", "k": true, "k": false}',
    b'{"s": "\xff\xfe"}',
    b"[" * 40 + b"]" * 40,
    b'{"a":{"a":{"a":{"a":{"a":{}}}}}}',
    b"  \n ",
    b'"just a string"',
]
for i, d in enumerate(docs):
    write("fuzz_json", "json-%02d" % i, d)

# fuzz_request: what clients send to the embedded server.
reqs = [
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
    b"5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET / HTTP/1.0\r\nX-Fold: a\r\n  b\r\nConnection: keep-alive\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET / HTTP/2.0\r\n\r\n",
    b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
    b"\r\n\r\nGET /after-blank-lines HTTP/1.1\r\nHost: a\r\n\r\n",
]
for i, r in enumerate(reqs):
    write("fuzz_request", "request-%02d" % i, r)
