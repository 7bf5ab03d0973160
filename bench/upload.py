#!/usr/bin/env python3
"""Upload throughput: `aiocpp put URL -T FILE` beside `curl -T FILE`, to a
local sink (nginx, one worker pinned to CPU 0, reading and discarding the
body), interleaved for several rounds, each client pinned to CPU 1.

Reports MB/s (wall) and client CPU seconds per GiB (user+sys of the client
process and its threads, from wait4), as medians with min/max. (Peak RSS is
checked by tests/test_cli_upload.py; wait4's figure would include the
forking Python's pages here.)
The file (default 1 GiB) is written once and read from the page cache.

    python3 bench/upload.py [--build build] [--rounds 5] [--size-mib 1024]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import Nginx, pin, summary

# Reads the body and discards it.
SERVER = """
  server {
    listen 127.0.0.1:{port};
    client_body_buffer_size 1m;
    location / { return 200 "ok\\n"; }
  }
"""


def measured(cmd):
    """Runs cmd; returns (wall seconds, cpu seconds)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read()
    p.stderr.close()
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({p.returncode}): {err.decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--size-mib", type=int, default=1024)
    args = ap.parse_args()
    aiocpp = os.path.join(args.build, "aiocpp")
    curl = shutil.which("curl")
    size = args.size_mib << 20

    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    path = f"{d}/upload.bin"
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(args.size_mib):
            f.write(i.to_bytes(8, "little") + block[8:])
    nginx = Nginx([SERVER], d)
    url = nginx.url("/sink")
    results = {"aiocpp": [], "curl": []}
    try:
        with nginx:
            for _ in range(args.rounds):
                results["aiocpp"].append(measured(pin(1) + [aiocpp, "put", url, "-T", path, "-o", os.devnull]))
                if curl:
                    results["curl"].append(measured(pin(1) + [curl, "-sS", "-T", path, "-o", os.devnull, url]))
    finally:
        shutil.rmtree(d, ignore_errors=True)

    gib = size / (1 << 30)
    print(f"Upload of a {args.size_mib} MiB file to nginx (discarding; 1 worker, CPU 0; client on CPU 1), "
          f"{args.rounds} rounds, median (min-max)\n")
    print("| client | MB/s | CPU s per GiB |")
    print("|---|---|---|")
    med = {}
    for name, rows in results.items():
        if not rows:
            continue
        mbs = summary([size / 1e6 / w for w, _ in rows])
        cpu = summary([c / gib for _, c in rows])
        med[name] = (mbs[0], cpu[0])
        print(f"| {name} | {mbs[0]:.0f} ({mbs[1]:.0f}-{mbs[2]:.0f}) | {cpu[0]:.3f} ({cpu[1]:.3f}-{cpu[2]:.3f}) |")
    if "curl" in med:
        print(f"\naiocpp/curl: throughput {med['aiocpp'][0] / med['curl'][0]:.2f}x, "
              f"CPU per GiB {med['aiocpp'][1] / med['curl'][1]:.2f}x")


if __name__ == "__main__":
    main()
