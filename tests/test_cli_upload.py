#!/usr/bin/env python3
"""Uploads through the aiocpp tool, in curl's spelling (-X, -d @FILE,
--data-binary @-, -T, -F), against tests/peers/upload_sink.py: a Python
receiver that hashes what it got and parses multipart bodies with Python's
email package.

Run by meson with AIOCPP (the binary) and AIOCPP_TEST_DIR set.
"""
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from test_cli import AIOCPP, TEST_DIR, run

GiB = 1 << 30
MiB = 1 << 20


def sanitized():
    """True for an ASan build, whose shadow memory is not the tool's own."""
    with open(AIOCPP, "rb") as f:
        return b"__asan_init" in f.read()


class Sink:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, f"{TEST_DIR}/peers/upload_sink.py"],
                                     stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()


def write_file(path, size, seed):
    """A file of `size` bytes that do not repeat within 1 MiB; its sha256."""
    block = hashlib.sha256(str(seed).encode()).digest() * (MiB // 32)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        written = 0
        n = 0
        while written < size:
            piece = (n.to_bytes(8, "little") + block[8:])[: size - written]
            f.write(piece)
            digest.update(piece)
            written += len(piece)
            n += 1
    return digest.hexdigest()


class UploadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink()
        cls.tmp = tempfile.TemporaryDirectory(prefix="aiocpp-upload")
        cls.small = os.path.join(cls.tmp.name, "small.bin")
        cls.small_sha = write_file(cls.small, 3 * MiB + 7, 1)
        cls.big = os.path.join(cls.tmp.name, "64m.bin")
        write_file(cls.big, 64 * MiB, 2)

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()
        cls.tmp.cleanup()

    def reply(self, r):
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout)

    def test_upload_file_T_is_a_streamed_put(self):
        got = self.reply(run("get", self.sink.url("/sink"), "-T", self.small))
        self.assertEqual(got["method"], "PUT")
        self.assertEqual(got["framing"], "length")
        self.assertEqual(got["sha256"], self.small_sha)

    def test_T_to_a_url_ending_in_slash_appends_the_file_name(self):
        r = run("put", self.sink.url("/redirect/"), "-T", self.small, "-v")
        self.assertIn(b"PUT /redirect/small.bin HTTP/1.1", r.stderr)

    def test_stdin_with_T_dash_and_data_binary_at_dash_is_chunked(self):
        data = os.urandom(200000)
        for args in (["put", "-T", "-"], ["post", "--data-binary", "@-"]):
            got = self.reply(run(*args, self.sink.url("/sink"), stdin=data))
            self.assertEqual(got["framing"], "chunked")
            self.assertEqual(got["sha256"], hashlib.sha256(data).hexdigest())

    def test_data_at_file_strips_newlines_and_joins_with_ampersand(self):
        path = os.path.join(self.tmp.name, "form.txt")
        with open(path, "wb") as f:
            f.write(b"a=1\r\nb=2\n")
        got = self.reply(run("post", self.sink.url("/sink"), "-d", "@" + path, "-d", "c=3"))
        self.assertEqual(got["sha256"], hashlib.sha256(b"a=1b=2&c=3").hexdigest())
        self.assertEqual(got["content_type"], "application/x-www-form-urlencoded")
        got = self.reply(run("post", self.sink.url("/sink"), "--data-binary", "@" + path))
        self.assertEqual(got["sha256"], hashlib.sha256(b"a=1\r\nb=2\n").hexdigest())

    def test_X_sets_the_method(self):
        got = self.reply(run("get", "-X", "PATCH", self.sink.url("/sink"), "-d", "x=1"))
        self.assertEqual(got["method"], "PATCH")
        got = self.reply(run("get", self.sink.url("/sink"), "-d", "x=1"))
        self.assertEqual(got["method"], "POST")

    def test_form_F_is_multipart_parsed_by_the_email_package(self):
        notes = os.path.join(self.tmp.name, "notes.txt")
        with open(notes, "wb") as f:
            f.write(b"from a file")
        got = self.reply(run("post", self.sink.url("/multipart"),
                             "-F", 'title=Zoë "quoted"',
                             "-F", f'photo=@{self.small};type=image/png;filename=we"ird\\näme.png',
                             "-F", f"notes=<{notes}"))
        self.assertTrue(got["multipart"])
        self.assertEqual(got["defects"], [])
        title, photo, text = got["parts"]
        self.assertEqual((title["name"], title["value"], title["filename"]), ("title", 'Zoë "quoted"', None))
        self.assertEqual(photo["filename"], 'we"ird\\näme.png')
        self.assertEqual(photo["content_type"], "image/png")
        self.assertEqual(photo["sha256"], self.small_sha)
        self.assertEqual((text["value"], text["filename"]), ("from a file", None))

    def test_307_replays_a_file_and_refuses_stdin(self):
        url = self.sink.url("/redirect?status=307&to=/sink")
        got = self.reply(run("put", "-L", url, "-T", self.small))
        self.assertEqual(got["sha256"], self.small_sha)
        r = run("put", "-L", url, "-T", "-", stdin=b"once")
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn(b"cannot be sent again", r.stderr)

    def test_unreadable_file_exits_26(self):
        for args in (["-T", os.path.join(self.tmp.name, "missing")],
                     ["-d", "@" + os.path.join(self.tmp.name, "missing")],
                     ["-F", "f=@" + self.tmp.name]):
            r = run("post", self.sink.url("/sink"), *args)
            self.assertEqual(r.returncode, 26, (args, r.stderr))
            self.assertEqual(r.stderr.count(b"\n"), 1, r.stderr)

    def test_reset_mid_upload_exits_55_without_a_signal(self):
        # subprocess restores SIGPIPE to its default in the child.
        r = run("put", self.sink.url("/reset?after=1000000"), "-T", self.big)
        self.assertGreater(r.returncode, 0, "killed by a signal")
        self.assertIn(r.returncode, (55, 52, 56), r.stderr)
        self.assertEqual(r.stderr.count(b"\n"), 1, r.stderr)

    def test_a_server_that_never_reads_ends_in_28_within_3_s(self):
        t0 = time.monotonic()
        r = run("put", self.sink.url("/never-read"), "-T", self.big, "--timeout", "2")
        took = time.monotonic() - t0
        self.assertEqual(r.returncode, 28, r.stderr)
        self.assertIn(b"sending the request", r.stderr)
        self.assertLess(took, 3.0)

    def test_one_gib_upload_arrives_whole_with_peak_rss_under_32_mb(self):
        path = os.path.join(self.tmp.name, "1g.bin")
        want = write_file(path, GiB, 3)
        try:
            p = subprocess.Popen([AIOCPP, "put", self.sink.url("/sink"), "-T", path],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            # wait4 gives this child's own peak RSS (its reply is small
            # enough to sit in the pipe meanwhile).
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            out, err = p.stdout.read(), p.stderr.read()
            p.stdout.close()
            p.stderr.close()
            self.assertEqual(p.returncode, 0, err)
            got = json.loads(out)
            self.assertEqual(got["bytes"], GiB)
            self.assertEqual(got["sha256"], want)
            # ASan's shadow memory and quarantine are not the tool's: the
            # bound holds for the optimised build the README measures.
            if not sanitized():
                self.assertLess(usage.ru_maxrss * 1024, 32 * MiB, f"peak RSS {usage.ru_maxrss} KiB")
        finally:
            os.unlink(path)

if __name__ == "__main__":
    unittest.main(verbosity=2)
