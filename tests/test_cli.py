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

    def test_verbose_shows_the_request_and_response_heads_on_stderr(self):
        r = run("get", "-v", "-H", "X-Trace: 1", self.peer.url("/ok"))
        self.assertEqual(r.stdout, b"ok")
        self.assertIn(b"> GET /ok HTTP/1.1\r\n", r.stderr)
        self.assertIn(f"> Host: 127.0.0.1:{self.peer.port}".encode(), r.stderr)
        self.assertIn(b"> X-Trace: 1", r.stderr)
        self.assertIn(b"< HTTP/1.1 200 ", r.stderr)

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

    def test_json_is_pretty_printed_on_a_terminal_only(self):
        piped = run("get", self.peer.url("/json/ok"))
        self.assertEqual(piped.returncode, 0)
        self.assertNotIn(b"\n  ", piped.stdout)  # byte for byte when piped
        master, slave = pty.openpty()
        p = subprocess.Popen([AIOCPP, "get", self.peer.url("/json/ok")], stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        seen = b""
        while True:
            ready = select.select([master], [], [], 5)[0]
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        p.wait(timeout=10)
        p.stderr.close()
        os.close(master)
        self.assertEqual(p.returncode, 0)
        self.assertIn(b'{\r\n  "ok": true,', seen)  # the terminal turns \n into \r\n

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


class ServeAndDemoTest(unittest.TestCase):
    def test_demo_runs_the_seed_scenario_against_the_embedded_server(self):
        t0 = time.monotonic()
        r = run("demo")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        results = [l for l in lines if l.startswith("http://")]
        self.assertEqual(len(results), 12)
        self.assertTrue(any(" 404 " in l for l in results))
        self.assertTrue(any(" error 28 " in l for l in results))
        self.assertTrue(any(" error 7 " in l for l in results))
        self.assertTrue(any("/hello 200 13 " in l for l in results))
        self.assertTrue(any(l.startswith("fetched 12 URLs: 10 ok, 2 failed") for l in lines))
        self.assertLess(time.monotonic() - t0, 10)

    def test_serve_answers_curl_and_our_client_and_stops_on_sigint(self):
        p = subprocess.Popen([AIOCPP, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = p.stdout.readline().decode()
            self.assertIn("serving on http://127.0.0.1:", line)
            base = line.split("serving on ")[1].split()[0].rstrip("/")
            curl = subprocess.run(["curl", "-s", base + "/hello"], capture_output=True, timeout=10)
            self.assertEqual(curl.stdout, b"Hello, world!")
            r = run("get", base + "/bytes/12345")
            self.assertEqual(len(r.stdout), 12345)
            r = run("get", "-L", base + "/redirect/2")
            self.assertEqual(r.stdout, b"Hello, world!")
            r = run("fetch", "-c", "8", *[base + "/stream/3"] * 20)
            self.assertEqual(r.returncode, 0)
            p.send_signal(2)
            self.assertEqual(p.wait(timeout=10), 0)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()


class HttpsTest(unittest.TestCase):
    """https:// through the tool against openssl s_server (test PKI made now)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        subprocess.run(["sh", f"{TEST_DIR}/pki/make-pki.sh", cls.dir], check=True)
        cls.port = closed_port()
        cls.server = subprocess.Popen(
            ["openssl", "s_server", "-quiet", "-www", "-accept", f"127.0.0.1:{cls.port}",
             "-cert", f"{cls.dir}/good.crt", "-key", f"{cls.dir}/good.key",
             "-cert_chain", f"{cls.dir}/inter.crt"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait()
        subprocess.run(["rm", "-rf", cls.dir])

    def test_verification_cacert_and_insecure(self):
        url = f"https://localhost:{self.port}/"
        r = run("get", url)
        self.assertEqual(r.returncode, 60, r.stderr)  # unknown issuer against the system bundle
        self.assertIn(b"certificate", r.stderr.lower())
        r = run("get", "--cacert", f"{self.dir}/root.crt", url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"s_server", r.stdout)
        r = run("get", "-k", url)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("get", "--cacert", f"{self.dir}/root.crt", f"https://127.0.0.1:{self.port}/")
        self.assertEqual(r.returncode, 60)  # the certificate names localhost, not the IP


class ServeTlsTest(unittest.TestCase):
    def test_serve_tls_with_a_self_signed_certificate(self):
        p = subprocess.Popen([AIOCPP, "serve", "--tls", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            pem, base = b"", None
            while base is None:
                line = p.stdout.readline()
                self.assertTrue(line, "serve --tls exited early")
                if line.startswith(b"aiocpp: serving on https://"):
                    base = line.decode().split("serving on ")[1].split()[0].rstrip("/")
                elif not line.startswith(b"aiocpp:"):
                    pem += line
            with tempfile.NamedTemporaryFile(suffix=".pem") as f:
                f.write(pem)
                f.flush()
                r = run("get", "--cacert", f.name, base + "/hello")
                self.assertEqual((r.returncode, r.stdout), (0, b"Hello, world!"), r.stderr)
                curl = subprocess.run(["curl", "-s", "--cacert", f.name, base + "/json"], capture_output=True)
                self.assertEqual(curl.returncode, 0)
                self.assertIn(b'"service"', curl.stdout)
            self.assertEqual(run("get", base + "/hello").returncode, 60)  # not trusted by default
            self.assertEqual(run("get", "-k", base + "/hello").returncode, 0)
            p.send_signal(2)
            self.assertEqual(p.wait(timeout=10), 0)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()


class NginxTest(unittest.TestCase):
    """The tool against nginx, which nobody here wrote."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        os.chmod(cls.dir, 0o755)
        os.makedirs(f"{cls.dir}/www")
        with open(f"{cls.dir}/www/hello.txt", "w") as f:
            f.write("Hello, world!")
        cls.port = closed_port()
        with open(f"{cls.dir}/nginx.conf", "w") as f:
            f.write(f"""daemon off; master_process off; worker_processes 1; {'user root;' if os.getuid() == 0 else ''}
pid {cls.dir}/nginx.pid; error_log {cls.dir}/error.log;
events {{ worker_connections 256; }}
http {{ access_log off; gzip on; gzip_types text/plain; gzip_min_length 0;
  client_body_temp_path {cls.dir}/body; proxy_temp_path {cls.dir}/proxy; fastcgi_temp_path {cls.dir}/fcgi;
  uwsgi_temp_path {cls.dir}/uwsgi; scgi_temp_path {cls.dir}/scgi;
  server {{ listen 127.0.0.1:{cls.port}; root {cls.dir}/www; location = /moved {{ return 301 /hello.txt; }} }} }}
""")
        cls.nginx = subprocess.Popen(["/usr/sbin/nginx", "-p", cls.dir, "-c", f"{cls.dir}/nginx.conf"])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.wait()
        subprocess.run(["rm", "-rf", cls.dir])

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def test_get_gzip_redirect_and_404(self):
        r = run("get", "-i", self.url("/hello.txt"))
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"Content-Encoding: gzip", r.stdout)
        self.assertTrue(r.stdout.endswith(b"\r\n\r\nHello, world!"))
        self.assertEqual(run("get", "-L", self.url("/moved")).stdout, b"Hello, world!")
        self.assertEqual(run("get", "--fail", self.url("/missing")).returncode, 22)
        r = run("fetch", "-c", "4", *[self.url("/hello.txt")] * 10)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.decode().count(" 200 13 "), 10)
        r = run("bench", self.url("/hello.txt"), "-c", "8", "-n", "2000", "--json")
        doc = json.loads(r.stdout)
        self.assertEqual((doc["requests"], doc["errors"], doc["non_2xx"]), (2000, {}, 0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
