#!/usr/bin/env python3
"""End-to-end keep-alive benchmark: `aiocpp bench` beside wrk against nginx.

Starts nginx (one worker pinned to CPU 0, access log off) on a free loopback
port serving a 13-byte body, then runs, interleaved for several rounds, each
client pinned to CPU 1 at 1, 64 and 256 connections:
  - aiocpp bench URL -c C -n N --json
  - wrk -t1 -c C -d D URL (wrk has no request count; its time is matched)
and reports requests/s and client CPU time per request (user+sys of the
client process, from getrusage), as medians with min/max, plus the memory
per idle pooled connection (bench/idle_memory). With one nginx worker the
server caps requests/s for tiny bodies, so compare CPU per request first.

    python3 bench/http_keepalive.py [--build build] [--rounds 5] [--requests 200000]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import Nginx, cpu_model, pin, run_measured, summary, wrk_requests

SERVER = """
  server {
    listen 127.0.0.1:{port} backlog=4096;
    root {dir}/www;
  }
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--requests", type=int, default=200000)
    ap.add_argument("--conns", default="1,64,256")
    args = ap.parse_args()
    aiocpp = os.path.join(args.build, "aiocpp")
    idle = os.path.join(args.build, "bench", "idle_memory")
    wrk = shutil.which("wrk")

    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    os.makedirs(f"{d}/www")
    with open(f"{d}/www/hello.txt", "w") as f:
        f.write("Hello, world!")
    nginx = Nginx([SERVER], d)
    url = nginx.url("/hello.txt")
    rows = []
    try:
        with nginx:
            for conns in [int(c) for c in args.conns.split(",")]:
                ours_rps, ours_cpu, wrk_rps, wrk_cpu = [], [], [], []
                for _ in range(args.rounds):
                    out, cpu = run_measured(pin(1) + [aiocpp, "bench", url, "-c", str(conns), "-n", str(args.requests),
                                                      "--json"])
                    r = json.loads(out)
                    assert r["non_2xx"] == 0 and not r["errors"], r
                    ours_rps.append(r["requests_per_s"])
                    ours_cpu.append(cpu / r["requests"] * 1e6)
                    if wrk:
                        secs = max(1, round(r["duration_s"]))
                        out, cpu = run_measured(pin(1) + [wrk, "-t1", "-c", str(conns), "-d", f"{secs}s", url])
                        n = wrk_requests(out)
                        wrk_rps.append(n / secs)
                        wrk_cpu.append(cpu / max(n, 1) * 1e6)
                rows.append((conns, summary(ours_rps), summary(ours_cpu), summary(wrk_rps) if wrk_rps else None,
                             summary(wrk_cpu) if wrk_cpu else None))
            mem = json.loads(subprocess.run([idle, url, "1000"], check=True, capture_output=True, text=True).stdout)
    finally:
        shutil.rmtree(d, ignore_errors=True)

    print(f"Keep-alive GET of a 13-byte body from nginx (1 worker, CPU 0; client on CPU 1), "
          f"{args.rounds} rounds x {args.requests} requests, {time.strftime('%Y-%m-%d')}, {cpu_model()}, "
          f"{os.cpu_count()} cores. Median (min-max).\n")
    print("| conns | aiocpp req/s | aiocpp CPU µs/req | wrk req/s | wrk CPU µs/req | CPU ratio aiocpp/wrk |")
    print("|---:|---:|---:|---:|---:|---:|")
    fmt = lambda s, p=0: f"{s[0]:.{p}f} ({s[1]:.{p}f}-{s[2]:.{p}f})"
    for conns, rps, cpu, wrps, wcpu in rows:
        ratio = f"{cpu[0] / wcpu[0]:.2f}" if wcpu else "-"
        print(f"| {conns} | {fmt(rps)} | {fmt(cpu, 2)} | {fmt(wrps) if wrps else '-'} | {fmt(wcpu, 2) if wcpu else '-'} | {ratio} |")
    print(f"\nMemory per idle pooled connection: {mem['bytes_per_idle_connection']:.0f} bytes "
          f"({mem['idle_connections']} idle connections, RSS +{mem['rss_growth_kib']} KiB).")


if __name__ == "__main__":
    sys.exit(main())
