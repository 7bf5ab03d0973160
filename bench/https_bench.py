#!/usr/bin/env python3
"""HTTPS benchmark against nginx: keep-alive requests/s over TLS beside plain
HTTP, TLS handshakes/s (full and resumed), memory per idle TLS connection.

One nginx (one worker pinned to CPU 0, access log off) on free loopback
ports serves the same 13-byte file over plain HTTP and over TLS (`listen
... ssl`, a P-256 ECDSA leaf + intermediate from tests/pki/make-pki.sh,
nginx's default TLS settings: session tickets on). Every client runs pinned
to CPU 1. In each round, interleaved (the order of http/https alternates
from round to round, so neither always runs first on a warm machine):

  keep-alive   aiocpp bench URL -c C -n N --json       (http:// and https://)
               wrk -t1 -c C -d D URL                   (same, for reference)
  handshakes   bench/tls_handshake --mode full|resumed -c 1|8
               (TCP connect + TLS handshake + close, nothing else)
               openssl s_time -new|-reuse              (OpenSSL's client, reference)
  idle memory  bench/idle_memory URL 1000 [--cacert]   (http:// and https://)

Reported: medians over the rounds with min-max, and the https/http ratio of
the medians (and of each round, for the spread). The machine may be shared:
compare numbers from the same run only.

    python3 bench/https_bench.py [--build build] [--rounds 5] [--requests 100000]
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import Nginx, cpu_model, pin, run_measured, summary, wrk_requests

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)

SERVERS = ["""
  server {
    listen 127.0.0.1:{port} backlog=4096;
    root {dir}/www;
  }
""", """
  server {
    listen 127.0.0.1:{port} ssl backlog=4096;
    server_name localhost;
    ssl_certificate {dir}/pki/good.chain.pem;
    ssl_certificate_key {dir}/pki/good.key;
    root {dir}/www;
    location = / { return 200 "tls $ssl_protocol $ssl_cipher reused=$ssl_session_reused\\n"; }
  }
"""]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--conns", default="1,64")
    ap.add_argument("--handshakes", type=int, default=2000)
    ap.add_argument("--hs-conc", default="1,8")
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--no-reference", action="store_true", help="skip wrk and openssl s_time")
    ap.add_argument("--parts", default="keepalive,handshakes,idle", help="which measurements to run")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    aiocpp = os.path.join(args.build, "aiocpp")
    idle = os.path.join(args.build, "bench", "idle_memory")
    hs = os.path.join(args.build, "bench", "tls_handshake")
    wrk = None if args.no_reference else shutil.which("wrk")
    openssl = None if args.no_reference else shutil.which("openssl")

    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    os.makedirs(f"{d}/www")
    with open(f"{d}/www/hello.txt", "w") as f:
        f.write("Hello, world!")
    pki = f"{d}/pki"
    subprocess.run(["sh", os.path.join(SOURCE, "tests", "pki", "make-pki.sh"), pki], check=True)
    ca = f"{pki}/root.crt"
    nginx = Nginx(SERVERS, d)
    port, tls_port = nginx.ports
    urls = {"http": f"http://127.0.0.1:{port}/hello.txt", "https": f"https://localhost:{tls_port}/hello.txt"}
    conns_list = [int(c) for c in args.conns.split(",")]
    hs_conc = [int(c) for c in args.hs_conc.split(",")]
    ka = {}  # (tool, scheme, conns) -> {"rps": [], "cpu": []}
    hsr = {}  # (client, mode, conc) -> {"rate": [], "cpu": []}
    mem = {"http": [], "https": []}
    negotiated = ""
    try:
        with nginx:
            # What nginx negotiates with us (protocol, cipher).
            out, _ = run_measured([aiocpp, "get", "--cacert", ca, f"https://localhost:{tls_port}/"])
            negotiated = out.strip()
            for rnd in range(args.rounds):
                print(f"round {rnd + 1}/{args.rounds} {time.strftime('%H:%M:%S')}", file=sys.stderr, flush=True)
                schemes = ["http", "https"] if rnd % 2 == 0 else ["https", "http"]
                for conns in conns_list if "keepalive" in parts else []:
                    for scheme in schemes:
                        cmd = pin(1) + [aiocpp, "bench", urls[scheme], "-c", str(conns), "-n", str(args.requests), "--json"]
                        if scheme == "https":
                            cmd += ["--cacert", ca]
                        out, cpu = run_measured(cmd)
                        r = json.loads(out)
                        assert r["non_2xx"] == 0 and not r["errors"], r
                        e = ka.setdefault(("aiocpp", scheme, conns), {"rps": [], "cpu": []})
                        e["rps"].append(r["requests_per_s"])
                        e["cpu"].append(cpu / r["requests"] * 1e6)
                        if wrk:
                            secs = max(1, round(r["duration_s"]))
                            out, cpu = run_measured(pin(1) + [wrk, "-t1", "-c", str(conns), "-d", f"{secs}s", urls[scheme]])
                            n = wrk_requests(out)
                            e = ka.setdefault(("wrk", scheme, conns), {"rps": [], "cpu": []})
                            e["rps"].append(n / secs)
                            e["cpu"].append(cpu / max(n, 1) * 1e6)
                modes = ["full", "resumed"] if rnd % 2 == 0 else ["resumed", "full"]
                for conc in hs_conc if "handshakes" in parts else []:
                    for mode in modes:
                        n = args.handshakes if mode == "full" else args.handshakes * 4
                        out, _ = run_measured(pin(1) + [hs, "127.0.0.1", str(tls_port), "--cacert", ca, "--mode", mode,
                                                        "-n", str(n), "-c", str(conc)])
                        r = json.loads(out)
                        assert r["handshakes"] == n, r
                        assert r["resumed"] == (n if mode == "resumed" else 0), r
                        e = hsr.setdefault(("aiocpp", mode, conc), {"rate": [], "cpu": []})
                        e["rate"].append(r["handshakes_per_s"])
                        e["cpu"].append(r["cpu_us_per_handshake"])
                if openssl and "handshakes" in parts:
                    for mode in modes:
                        # s_time: sequential connections for 5 s, -new: full
                        # handshakes, -reuse: the first session resumed.
                        flag = "-new" if mode == "full" else "-reuse"
                        out, cpu = run_measured(pin(1) + [openssl, "s_time", "-connect", f"127.0.0.1:{tls_port}",
                                                          "-CAfile", ca, flag, "-time", "5"])
                        m = re.search(r"(\d+) connections in [\d.]+s; ([\d.]+) connections/user sec", out)
                        m2 = re.search(r"(\d+) connections in (\d+) real seconds", out)
                        if m2:
                            count, real = int(m2.group(1)), int(m2.group(2))
                            e = hsr.setdefault(("openssl s_time", mode, 1), {"rate": [], "cpu": []})
                            e["rate"].append(count / max(real, 1))
                            e["cpu"].append(cpu / max(count, 1) * 1e6)
                for scheme in ["http", "https"] if "idle" in parts else []:
                    cmd = [idle, urls[scheme], str(args.idle)]
                    if scheme == "https":
                        cmd += ["--cacert", ca]
                    out, _ = run_measured(cmd)
                    r = json.loads(out)
                    assert r["idle_connections"] == args.idle, r
                    mem[scheme].append(r["bytes_per_idle_connection"])
    finally:
        shutil.rmtree(d, ignore_errors=True)

    fmt = lambda s, p=0: f"{s[0]:.{p}f} ({s[1]:.{p}f}-{s[2]:.{p}f})"
    print(f"nginx (1 worker, CPU 0; clients on CPU 1), {args.rounds} rounds, {time.strftime('%Y-%m-%d')}, "
          f"{cpu_model()}, {os.cpu_count()} cores. Median (min-max). Negotiated: {negotiated}\n")
    if ka:
        print(f"Keep-alive GET of a 13-byte body, {args.requests} requests per run (each run opens its "
              f"connections first: with https, C full handshakes):\n")
        print("| client | conns | http req/s | https req/s | https/http req/s | http CPU µs/req | https CPU µs/req |")
        print("|---|---:|---:|---:|---:|---:|---:|")
    for tool in ["aiocpp", "wrk"]:
        for conns in conns_list:
            h, s = ka.get((tool, "http", conns)), ka.get((tool, "https", conns))
            if not h or not s:
                continue
            per_round = [b / a for a, b in zip(h["rps"], s["rps"])]
            ratio = f"{statistics.median(s['rps']) / statistics.median(h['rps']):.2f} ({min(per_round):.2f}-{max(per_round):.2f})"
            print(f"| {tool} | {conns} | {fmt(summary(h['rps']))} | {fmt(summary(s['rps']))} | {ratio} | "
                  f"{fmt(summary(h['cpu']), 2)} | {fmt(summary(s['cpu']), 2)} |")
    if hsr:
        print(f"\nTLS handshakes (TCP connect + handshake + close; {args.handshakes} full / "
              f"{args.handshakes * 4} resumed per run):\n")
        print("| client | concurrency | full handshakes/s | resumed handshakes/s | resumed/full | client CPU µs per full | client CPU µs per resumed |")
        print("|---|---:|---:|---:|---:|---:|---:|")
    for client, conc in [("aiocpp", c) for c in hs_conc] + [("openssl s_time", 1)]:
        f_, r_ = hsr.get((client, "full", conc)), hsr.get((client, "resumed", conc))
        if not f_ or not r_:
            continue
        print(f"| {client} | {conc} | {fmt(summary(f_['rate']))} | {fmt(summary(r_['rate']))} | "
              f"{statistics.median(r_['rate']) / statistics.median(f_['rate']):.1f} | "
              f"{fmt(summary(f_['cpu']))} | {fmt(summary(r_['cpu']))} |")
    if mem["http"]:
        print(f"\nMemory per idle pooled connection ({args.idle} connections, RSS growth / connections):\n")
        print("| scheme | bytes per idle connection |")
        print("|---|---:|")
    for scheme in ["http", "https"]:
        if mem[scheme]:
            print(f"| {scheme} | {fmt(summary(mem[scheme]))} |")


if __name__ == "__main__":
    sys.exit(main())
