"""What the benchmark scripts share: pinning, nginx on a free loopback port,
measuring a client's CPU, and medians.

    from benchlib import Nginx, pin, run_measured, summary
    with Nginx(server_blocks, workdir) as nginx:   # one worker pinned to CPU 0
        out, cpu = run_measured(pin(1) + [client, nginx.url("/hello.txt")])
"""
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import tempfile
import time

_CONF = """
daemon off;
master_process off;
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_timeout 65;
  keepalive_requests 10000000;
  default_type text/plain;
  client_max_body_size 0;
{servers}
}}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def pin(cpu):
    """taskset -c CPU, when there is more than one CPU to pin to."""
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(cpu)] if taskset and os.cpu_count() > 1 else []


def run_measured(cmd):
    """Runs cmd; returns (stdout, cpu seconds of the child: user+sys)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.stdout, cpu


def run_rusage(cmd, env=None):
    """Runs cmd; returns (stdout, user cpu seconds, system cpu seconds, peak
    RSS in KiB) of that one process. The CPU times come from wait4 (in
    microseconds: GNU time prints 10 ms steps), counted for every process
    this one waited for, GNU time's own few ms included. The peak RSS comes
    from GNU time, which forks the command: a child forked from this Python
    process would report Python's RSS as its peak (ru_maxrss survives
    exec)."""
    with tempfile.NamedTemporaryFile(mode="r") as usage:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", usage.name] + cmd, capture_output=True,
                           text=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}\n{p.stdout}\n{p.stderr}")
        rss = usage.read().split()[-1]
    return (p.stdout, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime, int(rss))


def process_cpu(pid):
    """CPU seconds (user+sys) a running process has used so far (/proc, in
    clock ticks: 10 ms steps)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk_requests(out):
    m = re.search(r"(\d+) requests in", out)
    return int(m.group(1)) if m else 0


def summary(values):
    return statistics.median(values), min(values), max(values)


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return ""


class Nginx:
    """nginx (one worker pinned to CPU 0, access log off) running the given
    server blocks; each block's "{port}" placeholders are filled in order
    with free ports (self.ports)."""

    def __init__(self, server_blocks, workdir):
        self.dir = workdir
        self.ports = []
        servers = []
        for block in server_blocks:
            port = free_port()
            self.ports.append(port)
            servers.append(block.replace("{port}", str(port)).replace("{dir}", workdir))
        with open(f"{workdir}/nginx.conf", "w") as f:
            f.write(_CONF.format(dir=workdir, servers="\n".join(servers)))

    def __enter__(self):
        self.proc = subprocess.Popen(pin(0) + ["/usr/sbin/nginx", "-p", self.dir, "-c", f"{self.dir}/nginx.conf"])
        for port in self.ports:
            wait_port(port)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait()

    def cpu(self):
        """CPU seconds the worker has used so far (master_process is off:
        the one process is the worker)."""
        return process_cpu(self.proc.pid)

    def url(self, path, index=0, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.ports[index]}{path}"
