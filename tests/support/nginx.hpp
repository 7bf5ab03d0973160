// Test fixture: a private nginx (Debian's /usr/sbin/nginx) on 127.0.0.1 at a
// free port, serving a temporary folder, stopped and removed on destruction.
//
//   test::Nginx nginx;                         // throws if it cannot start
//   nginx.url("/hello.txt")                    // "http://127.0.0.1:PORT/hello.txt"
//
// Served files (in root()):
//   hello.txt   "Hello, world!" (13 bytes, text/plain)
//   small.json  a ~600-byte JSON object (application/json)
//   64k.bin     65536 bytes, byte i = i % 251 (application/octet-stream)
//   1m.json     a ~1 MiB JSON object {"items": [...]} (application/json)
// Anything else missing is nginx's own 404 page. Read a file's exact bytes
// with file(name).
//
// Locations: `/redirect` -> 302 `Location: /hello.txt` (relative: the config
// sets absolute_redirect off), `/redirect-abs` -> 302 with the absolute
// `http://127.0.0.1:PORT/hello.txt`, `/redirect-self` -> 302 with the absolute
// URL of itself (a loop).
//
// Config: HTTP/1.1 keep-alive (keepalive_timeout 65, keepalive_requests
// 100000), gzip on for text/plain and application/json from 0 bytes (a client
// that sends `Accept-Encoding: gzip` gets a chunked gzip body), access_log off,
// one worker with 16k connections (REQ-RES), listen backlog 4096. pid file and
// error log live in dir(). TOOLCHAIN.md §8: started as root its workers would
// run as nobody, so the config says `user root;` when the test runs as root,
// and the folder is 0755 anyway.
//
// NginxOptions adds text for later tests (e.g. TLS): `{DIR}`, `{PORT}` and
// `{PORT2}` are replaced in it; when it mentions `{PORT2}` a second free port
// is picked (port2()).
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "peers.hpp"

namespace test {

struct NginxOptions {
  // Inside the main `server {}` block, after the built-in locations.
  std::string extra_locations;
  // Inside `http {}`, after the main server: e.g. a `listen 127.0.0.1:{PORT2}
  // ssl;` server with its certificate paths.
  std::string extra_servers;
  bool gzip = true;
};

class Nginx {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nginx";

  explicit Nginx(NginxOptions options = {}) : options_(std::move(options)), dir_("aiocpp-nginx") {
    write_files();
    dir_.mkdir("tmp");
    std::string last_log;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      port2_ = needs_port2() ? free_port() : 0;
      dir_.write("nginx.conf", config());
      if (start(last_log)) return;
      if (last_log.find("Address already in use") == std::string::npos) break;
    }
    throw std::runtime_error("nginx did not start:\n" + last_log);
  }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;
  ~Nginx() { stop(); }

  int port() const { return port_; }
  int port2() const { return port2_; }
  // "http://127.0.0.1:PORT" + path ('/' added when path lacks it).
  std::string url(std::string_view path) const {
    std::string u = "http://127.0.0.1:" + std::to_string(port_);
    if (path.empty() || path.front() != '/') u += '/';
    return u + std::string(path);
  }
  // The prefix folder (nginx.conf, nginx.pid, error.log, tmp/) ...
  const std::string& dir() const { return dir_.path(); }
  // ... and the served folder, dir()/www.
  std::string root() const { return dir_.file("www"); }
  // The exact bytes of a served file.
  std::string file(std::string_view name) const { return dir_.read("www/" + std::string(name)); }
  // Adds or replaces a served file.
  void write(std::string_view name, std::string_view content) const {
    dir_.write("www/" + std::string(name), content);
  }
  std::string error_log() const { return dir_.read("error.log"); }
  pid_t pid() const { return pid_; }

  // SIGQUIT (graceful), then SIGKILL to the whole process group after 5 s;
  // reaps the master. Called by the destructor.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGQUIT);
    if (!reap_within(std::chrono::seconds(5))) {
      ::kill(-pid_, SIGKILL);  // master and workers: the child leads its group
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
  }

 private:
  bool needs_port2() const {
    return options_.extra_locations.find("{PORT2}") != std::string::npos ||
           options_.extra_servers.find("{PORT2}") != std::string::npos;
  }

  std::string substitute(std::string s) const {
    auto replace = [&s](std::string_view key, const std::string& value) {
      for (size_t at = s.find(key); at != std::string::npos; at = s.find(key, at + value.size()))
        s.replace(at, key.size(), value);
    };
    replace("{DIR}", dir_.path());
    replace("{PORT2}", std::to_string(port2_));
    replace("{PORT}", std::to_string(port_));
    return s;
  }

  static std::string small_json() {
    return R"({
  "name": "aiocpp",
  "description": "A small JSON document served by the test nginx.",
  "version": "0.1.0",
  "numbers": [1, 2, 3, 5, 8, 13, 21, 34, 55, 89],
  "nested": {"a": {"b": {"c": [true, false, null]}}},
  "unicode": "caf\u00e9 \u2603",
  "float": 3.14159,
  "negative": -42,
  "empty_object": {},
  "empty_array": [],
  "items": [
    {"id": 1, "name": "first", "tags": ["x", "y"]},
    {"id": 2, "name": "second", "tags": []},
    {"id": 3, "name": "third", "tags": ["z"]}
  ],
  "text": "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor."
}
)";
  }

  static std::string big_json() {
    std::string s = "{\"items\": [\n";
    for (int i = 0; s.size() < (1u << 20) - 200; ++i) {
      if (i) s += ",\n";
      s += "{\"id\": " + std::to_string(i) + ", \"name\": \"item-" + std::to_string(i) +
           "\", \"value\": " + std::to_string(i) + ".5, \"active\": " + (i % 2 ? "true" : "false") +
           ", \"tags\": [\"alpha\", \"beta\", \"gamma\"]}";
    }
    return s + "\n]}\n";
  }

  void write_files() {
    dir_.mkdir("www");
    write("hello.txt", "Hello, world!");
    write("small.json", small_json());
    write("64k.bin", pattern_bytes(65536));
    write("1m.json", big_json());
  }

  std::string config() const {
    rlimit nofile{};
    getrlimit(RLIMIT_NOFILE, &nofile);
    rlim_t files = std::min<rlim_t>(nofile.rlim_max, 65536);
    rlim_t connections = std::min<rlim_t>(16384, files > 256 ? files - 128 : 128);
    std::string c;
    c += "# written by tests/support/nginx.hpp\n";
    c += "daemon off;\nmaster_process on;\nworker_processes 1;\n";
    if (geteuid() == 0) c += "user root;\n";
    c += "pid {DIR}/nginx.pid;\nerror_log {DIR}/error.log warn;\n";
    c += "worker_rlimit_nofile " + std::to_string(files) + ";\n";
    c += "worker_shutdown_timeout 2s;\n";
    c += "events { worker_connections " + std::to_string(connections) + "; }\n";
    c += R"(http {
  access_log off;
  client_body_temp_path {DIR}/tmp/body;
  proxy_temp_path {DIR}/tmp/proxy;
  fastcgi_temp_path {DIR}/tmp/fastcgi;
  uwsgi_temp_path {DIR}/tmp/uwsgi;
  scgi_temp_path {DIR}/tmp/scgi;
  types {
    text/html html;
    text/plain txt;
    application/json json;
    application/octet-stream bin;
  }
  default_type application/octet-stream;
  sendfile on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  absolute_redirect off;
)";
    if (options_.gzip)
      c += "  gzip on;\n  gzip_types text/plain application/json;\n  gzip_min_length 0;\n";
    c += R"(  server {
    listen 127.0.0.1:{PORT} backlog=4096;
    server_name localhost;
    root {DIR}/www;
    location = /redirect { return 302 /hello.txt; }
    location = /redirect-abs { return 302 http://127.0.0.1:{PORT}/hello.txt; }
    location = /redirect-self { return 302 http://127.0.0.1:{PORT}/redirect-self; }
)";
    c += options_.extra_locations;
    c += "\n  }\n";
    c += options_.extra_servers;
    c += "\n}\n";
    return substitute(c);
  }

  // Starts nginx and waits (10 s at most) until it wrote its pid file (it has
  // bound its sockets) and accepts a connection. On failure, `log` gets what
  // it said and the child is gone.
  bool start(std::string& log) {
    std::remove(dir_.file("nginx.pid").c_str());
    std::remove(dir_.file("error.log").c_str());
    std::string conf = dir_.file("nginx.conf"), prefix = dir_.path() + "/", elog = dir_.file("error.log");
    std::vector<std::string> argv{kBinary, "-p", prefix, "-c", conf, "-e", elog};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    int err = open(dir_.file("stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (devnull < 0 || err < 0) throw std::runtime_error("cannot open nginx's stdio files");
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      setpgid(0, 0);
      // If the test process dies first, the master gets SIGTERM (nginx's
      // fast shutdown), which also stops its worker; SIGKILL would orphan
      // the worker, still listening. (The signal comes when the *thread*
      // that started nginx exits: create the fixture on the test's thread.)
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);
      dup2(devnull, 0);
      dup2(devnull, 1);
      dup2(err, 2);
      execv(args[0], args.data());
      _exit(127);
    }
    setpgid(pid_, pid_);  // also here: no race with a kill(-pid) below
    close(devnull);
    close(err);

    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        log = "exit status " + std::to_string(status) + "\n" + collect_log();
        return false;
      }
      if (access(dir_.file("nginx.pid").c_str(), F_OK) == 0 &&
          wait_for_port("127.0.0.1", port_, std::chrono::milliseconds(0)))
        return true;
      if (std::chrono::steady_clock::now() >= deadline) {
        stop();
        log = "no answer on port " + std::to_string(port_) + " within 10 s\n" + collect_log();
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::string collect_log() const {
    return "--- stderr:\n" + dir_.read("stderr.log") + "--- error.log:\n" + dir_.read("error.log") +
           "--- nginx.conf:\n" + dir_.read("nginx.conf");
  }

  bool reap_within(std::chrono::milliseconds grace) {
    auto deadline = std::chrono::steady_clock::now() + grace;
    for (;;) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno == ECHILD)) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  NginxOptions options_;
  TempDir dir_;
  int port_ = 0;
  int port2_ = 0;
  pid_t pid_ = -1;
};

}  // namespace test
