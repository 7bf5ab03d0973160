#!/usr/bin/env python3
"""The aiocpp tool driven as a user would: exit codes, stdout, stderr, piped
vs terminal, against the scriptable server (tests/peers/hostile_server.py).

Run by meson with AIOCPP (the binary) and AIOCPP_TEST_DIR set.
"""
import json
import os
import pty
import select
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

AIOCPP = os.environ.get("AIOCPP", "build/aiocpp")
TEST_DIR = os.environ.get("AIOCPP_TEST_DIR", "tests")


class Peer:
    def __init__(self, *extra):
        self.proc = subprocess.Popen([sys.executable, f"{TEST_DIR}/peers/hostile_server.py", *extra],
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stats(self):
        with urllib.request.urlopen(self.url("/stats")) as r:
            return json.loads(r.read())

    def reset(self):
        urllib.request.urlopen(self.url("/stats/reset")).read()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()


def run(*args, stdin=None, timeout=30):
    return subprocess.run([AIOCPP, *args], input=stdin, capture_output=True, timeout=timeout)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.peer = Peer()

    @classmethod
    def tearDownClass(cls):
        cls.peer.stop()

    def test_get_prints_the_body_and_exits_0(self):
        r = run("get", self.peer.url("/ok"))
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, b"ok")
        self.assertEqual(r.stderr, b"")

    def test_include_prints_status_line_and_headers(self):
        r = run("get", "-i", self.peer.url("/ok"))
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith(b"HTTP/1.1 200 "))
        self.assertIn(b"\r\n\r\nok", r.stdout)

    def test_output_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "body")
            r = run("get", "-o", path, self.peer.url("/bytes?n=100000"))
            self.assertEqual(r.returncode, 0)
            self.assertEqual(os.path.getsize(path), 100000)

    def test_post_data_and_json(self):
        r = run("post", self.peer.url("/echo"), "--data", "a=1&b=2")
        doc = json.loads(r.stdout)
        self.assertEqual(doc["method"], "POST")
        self.assertEqual(doc["body_length"], 7)
        r = run("put", self.peer.url("/echo"), "--json", '{"k": 1}', "-H", "X-Custom: yes")
        doc = json.loads(r.stdout)
        headers = {k.lower(): v for k, v in doc["headers"]}
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["x-custom"], "yes")

    def test_fail_on_http_error_exits_22_with_one_line(self):
        r = run("get", "--fail", self.peer.url("/redirect?status=404"))
        self.assertEqual(r.returncode, 22)
        self.assertEqual(r.stdout, b"")
        self.assertEqual(r.stderr.count(b"\n"), 1)
        self.assertIn(b"404", r.stderr)

    def test_redirects_follow_only_with_L(self):
        r = run("get", self.peer.url("/redirect?to=/ok"))
        self.assertEqual((r.returncode, r.stdout), (0, b"redirect"))
        r = run("get", "-L", self.peer.url("/redirect/chain?n=3&to=/ok"))
        self.assertEqual((r.returncode, r.stdout), (0, b"ok"))
        r = run("get", "-L", "--max-redirs", "3", self.peer.url("/redirect/loop"))
        self.assertEqual(r.returncode, 47)

    def test_curl_exit_codes(self):
        cases = [
            (["get", f"http://127.0.0.1:{closed_port()}/"], 7),
            (["get", "http://no-such-host.invalid/"], 6),
            (["get", "not a url"], 3),
            (["get", self.peer.url("/conn/empty-reply")], 52),
            (["get", self.peer.url("/parse/truncated-length")], 18),
            (["get", self.peer.url("/parse/status-icy")], 8),
            (["get", self.peer.url("/decomp/unknown")], 61),
            (["get", "-L", self.peer.url("/redirect/file")], 3),
            (["get", self.peer.url("/conn/reset")], 56),
            (["frobnicate"], 2),
            (["get"], 2),
            (["get", "--bogus", self.peer.url("/ok")], 2),
        ]
        for args, code in cases:
            with self.subTest(args=args):
                r = run(*args)
                self.assertEqual(r.returncode, code, r.stderr)
                self.assertTrue(r.stderr.startswith(b"aiocpp"), r.stderr)
                if code != 2:
                    self.assertEqual(r.stderr.count(b"\n"), 1, r.stderr)  # one clear line

    def test_injection_exits_2_and_connects_to_nothing(self):
        self.peer.reset()
        r = run("get", self.peer.url("/ok"), "-H", "X-A: v\r\nInjected: 1")
        self.assertEqual(r.returncode, 2)
        r = run("get", self.peer.url("/ok\r\nX: 1"))
        self.assertEqual(r.returncode, 3)
        self.assertEqual(self.peer.stats()["connections"], 1)  # the stats request only

    def test_timeout_exits_28_in_time_with_a_clear_line(self):
        t0 = time.monotonic()
        r = run("get", "--timeout", "1", self.peer.url("/time/silent"))
        self.assertEqual(r.returncode, 28)
        self.assertLess(time.monotonic() - t0, 3)
        self.assertIn(b"timeout after 1.0 s", r.stderr)
        self.assertIn(f"127.0.0.1:{self.peer.port}".encode(), r.stderr)

    def test_connect_timeout(self):
        stuck = Peer("--no-accept")
        try:
            r = run("get", "--connect-timeout", "0.5", stuck.url("/ok"))
            self.assertEqual(r.returncode, 28)
        finally:
            stuck.stop()

    def test_fetch_lines_summary_and_first_failure(self):
        urls = [self.peer.url("/ok"), self.peer.url("/redirect?status=404"), f"http://127.0.0.1:{closed_port()}/"]
        r = run("fetch", "-c", "2", *urls)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 4)
        by_url = {l.split()[0]: l.split() for l in lines[:3]}
        self.assertEqual(by_url[urls[0]][1:3], ["200", "2"])
        self.assertEqual(by_url[urls[1]][1], "404")
        self.assertEqual(by_url[urls[2]][1:3], ["error", "7"])
        self.assertIn("2 ok, 1 failed", lines[3])
        self.assertEqual(r.returncode, 7)
        self.assertEqual(r.stderr, b"")  # piped: no progress line

    def test_fetch_reads_urls_from_stdin_and_fail_flag(self):
        r = run("fetch", "--fail", stdin=f"{self.peer.url('/ok')}\n\n{self.peer.url('/redirect?status=500')}\n".encode())
        self.assertEqual(r.returncode, 22)
        self.assertEqual(len(r.stdout.decode().splitlines()), 3)
        r = run("fetch", stdin=f"{self.peer.url('/ok')}\n".encode())
        self.assertEqual(r.returncode, 0)

    def test_fetch_shows_progress_only_on_a_terminal(self):
        master, slave = pty.openpty()
        p = subprocess.Popen([AIOCPP, "fetch", self.peer.url("/ok"), self.peer.url("/ok")], stdout=subprocess.PIPE,
                             stderr=slave)
        os.close(slave)
        out, _ = p.communicate(timeout=30)
        seen = b""
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"[2/2]", seen)
        self.assertNotIn(b"[2/2]", out)

    def test_bench_json(self):
        r = run("bench", self.peer.url("/ok"), "-c", "4", "-n", "300", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["requests"], 300)
        self.assertEqual(doc["errors"], {})
        for k in ("p50", "p90", "p99", "p99_9", "max"):
            self.assertIn(k, doc["latency_ms"])
        r = run("bench", self.peer.url("/ok"), "-c", "4", "-d", "0.5", "-t", "2")
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"requests/s", r.stdout)

    def test_help_and_version(self):
        for cmd in ("get", "post", "fetch", "bench", "serve", "demo"):
            with self.subTest(cmd=cmd):
                r = run(cmd, "--help")
                self.assertEqual(r.returncode, 0)
                self.assertIn(b"usage: aiocpp", r.stdout)
        r = run("--version")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith(b"aiocpp "))


if __name__ == "__main__":
    unittest.main(verbosity=2)
