// Test helpers for HTTP peers: a temporary folder, free ports, and two peer
// fixtures started as child processes:
//
//   test::HostileServer     tests/peers/hostile_server.py: the scriptable
//                           misbehaving server (its scenario table is at the
//                           top of the script; `--list` prints it).
//   test::PythonHttpServer  Python's http.server (HTTP/1.0, one request per
//                           connection) serving a temporary folder.
//
// nginx is in nginx.hpp. Every fixture listens on loopback at a port the
// kernel chose, and is stopped (and its folder removed) by its destructor.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "process.hpp"

namespace test {

// A fresh folder under $TMPDIR (or /tmp), mode 0755 so that processes running
// as another user (nginx's workers) can read it; removed with its contents on
// destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "aiocpp-test") {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = buf.data();
    chmod(path_.c_str(), 0755);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  // Creates a sub-folder (mode 0755) and returns its path.
  std::string mkdir(std::string_view name) const {
    std::string p = file(name);
    std::filesystem::create_directories(p);
    chmod(p.c_str(), 0755);
    return p;
  }

  // Writes `content` to `name` (mode 0644), replacing it.
  void write(std::string_view name, std::string_view content) const {
    std::string p = file(name);
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!f) throw std::runtime_error("cannot write " + p);
    f.close();
    chmod(p.c_str(), 0644);
  }

  std::string read(std::string_view name) const { return read_file(file(name)); }

  static std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
};

// A port nothing listens on right now (bound to port 0, then closed). Another
// process may take it before you do: retry on EADDRINUSE. Also the port to
// use for "connection refused".
inline int free_port(const char* host = "127.0.0.1") {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, host, &a.sin_addr);
  socklen_t len = sizeof a;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    int e = errno;
    close(s);
    throw std::system_error(e, std::generic_category(), "bind");
  }
  close(s);
  return ntohs(a.sin_port);
}

// True once a TCP connect to host:port succeeds (a blocking connect on
// loopback is answered at once), false after `timeout`.
inline bool wait_for_port(const char* host, int port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host, &a.sin_addr);
    bool ok = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(s);
    if (ok) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// The interpreter for peer scripts: Debian's /usr/bin/python3 when present
// (starts faster than a pyenv shim), else python3 from PATH.
inline std::string python() {
  return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// n bytes where byte i is i % 251: the hostile server's /bytes?n= body and
// nginx's 64k.bin.
inline std::string pattern_bytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i % 251);
  return s;
}

// tests/peers/hostile_server.py. `args` are its command-line options, e.g.
// {"--host", "127.0.0.1", "--host", "127.0.0.2"}, {"--no-accept"},
// {"--accept=reset"}. url() uses the first --host (default 127.0.0.1).
class HostileServer {
 public:
  explicit HostileServer(std::vector<std::string> args = {})
      : host_(first_host(args)), process_(argv(std::move(args))) {
    port_ = process_.port(std::chrono::seconds(20));
  }

  int port() const { return port_; }
  const std::string& host() const { return host_; }

  // "http://HOST:PORT" + path (path starts with '/', query included).
  std::string url(std::string_view path) const { return url(host_, path); }
  std::string url(std::string_view host, std::string_view path) const {
    std::string u = "http://" + std::string(host) + ":" + std::to_string(port_);
    if (path.empty() || path.front() != '/') u += '/';
    return u + std::string(path);
  }

  Process& process() { return process_; }

 private:
  static std::string first_host(const std::vector<std::string>& args) {
    for (size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == "--host") return args[i + 1];
    for (auto& a : args)
      if (a.rfind("--host=", 0) == 0) return a.substr(7);
    return "127.0.0.1";
  }
  static std::vector<std::string> argv(std::vector<std::string> args) {
    std::vector<std::string> v{python(), source_dir() + "/peers/hostile_server.py"};
    v.insert(v.end(), args.begin(), args.end());
    return v;
  }

  std::string host_;
  Process process_;
  int port_ = 0;
};

// Python's http.server (SimpleHTTPRequestHandler, HTTP/1.0: the connection
// closes after every response) serving a temporary folder that holds
//   hello.txt  "Hello, world!" (13 bytes)
//   64k.bin    pattern_bytes(65536)
// Files come with Content-Length; under /nolength/NAME the same file is sent
// with no Content-Length, so the body ends only at the close (a
// close-delimited body). A missing file is a 404. Add files with write().
class PythonHttpServer {
 public:
  PythonHttpServer() : dir_("aiocpp-pyhttp"), process_(argv(dir_.path())) {
    dir_.write("hello.txt", "Hello, world!");
    dir_.write("64k.bin", pattern_bytes(65536));
    port_ = process_.port(std::chrono::seconds(20));
  }

  int port() const { return port_; }
  std::string url(std::string_view path) const {
    std::string u = "http://127.0.0.1:" + std::to_string(port_);
    if (path.empty() || path.front() != '/') u += '/';
    return u + std::string(path);
  }
  const std::string& dir() const { return dir_.path(); }
  void write(std::string_view name, std::string_view content) const { dir_.write(name, content); }
  Process& process() { return process_; }

 private:
  static constexpr const char* kScript = R"PY(
import functools, http.server, os, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.startswith("/nolength/"):
            return super().do_GET()
        name = os.path.basename(self.path[len("/nolength/"):].split("?")[0])
        try:
            with open(os.path.join(self.directory, name), "rb") as f:
                data = f.read()
        except OSError:
            return self.send_error(404)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(name))
        self.end_headers()
        self.wfile.write(data)

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

server = Server(("127.0.0.1", 0), functools.partial(Handler, directory=sys.argv[1]))
print(server.server_address[1], flush=True)
server.serve_forever()
)PY";

  static std::vector<std::string> argv(const std::string& dir) {
    return {python(), "-u", "-c", kScript, dir};
  }

  TempDir dir_;  // before process_: it must exist first and go last
  Process process_;
  int port_ = 0;
};

}  // namespace test
