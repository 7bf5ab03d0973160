#!/usr/bin/env python3
"""A TLS peer on Python's ssl (OpenSSL) for the TLS tests.

  tls_peer.py --cert CHAIN.pem --key KEY.pem [--ending notify|truncate]
              [--body TEXT] [--silent]

Listens on 127.0.0.1 port 0 and prints the port on the first line. For each
connection: the TLS handshake, then reads the request head and answers an
HTTP/1.1 200 whose body is close-delimited (no Content-Length, no chunked),
then ends the connection:

  notify    close_notify (SSLSocket.unwrap()), then close: a clean end
  truncate  close without close_notify (a plain close(): Python sends none)

--silent: after the handshake, say nothing and wait (a server that stalls).
"""
import argparse
import socket
import ssl
import sys
import threading


def serve(conn, args):
    try:
        if args.silent:
            conn.recv(65536)
            threading.Event().wait(60)
            return
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(65536)
            if not chunk:
                return
            head += chunk
        body = args.body.encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n" + body)
        if args.ending == "notify":
            raw = conn.unwrap()
            raw.close()
        else:
            conn.close()
    except (OSError, ssl.SSLError):
        try:
            conn.close()
        except OSError:
            pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--ending", choices=["notify", "truncate"], default="notify")
    p.add_argument("--body", default="hello over TLS, ended by the server\n")
    p.add_argument("--silent", action="store_true")
    args = p.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    print(lsock.getsockname()[1], flush=True)
    while True:
        raw, _ = lsock.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=serve, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
