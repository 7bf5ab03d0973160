// Test helper: a peer process (a server nobody here wrote) started for a
// test and stopped after it. The peer prints its listening port on the first
// line of stdout.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace test {

class Process {
 public:
  // Starts argv[0] (looked up in PATH) with its stdout on a pipe this object
  // reads; stdin and stderr are inherited. The child gets SIGKILL if the test
  // process dies first, and inherits none of the test's descriptors but 0-2.
  explicit Process(std::vector<std::string> argv) {
    // Everything the child needs is built before fork: only async-signal-safe
    // calls between fork and exec (the test may have libuv's threads).
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) {
      close(fds[0]);
      close(fds[1]);
      throw std::runtime_error("fork");
    }
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      dup2(fds[1], 1);  // dup2 clears O_CLOEXEC on fd 1
      execvp(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    fd_ = fds[0];
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    stop(std::chrono::seconds(5));
    if (fd_ >= 0) close(fd_);
  }

  // Reads one line from the peer's stdout (blocking).
  std::string line() {
    auto s = read_line(-1);
    if (!s) throw std::runtime_error("peer exited before printing");
    return *s;
  }

  // Reads one line, waiting at most `timeout`; throws when the peer exits or
  // says nothing in time.
  std::string line(std::chrono::milliseconds timeout) {
    auto s = read_line(static_cast<int>(timeout.count()));
    if (!s) throw std::runtime_error("peer printed no line in time (or exited)");
    return *s;
  }

  int port() { return std::stoi(line()); }
  int port(std::chrono::milliseconds timeout) { return std::stoi(line(timeout)); }

  pid_t pid() const { return pid_; }

  // Sends a signal to the peer (false if it has been reaped already).
  bool signal(int sig) { return pid_ > 0 && ::kill(pid_, sig) == 0; }

  // True while the peer has not exited.
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      status_ = status;
      return false;
    }
    return true;
  }

  // SIGTERM, then SIGKILL when the peer has not exited within `grace`;
  // reaps it and returns its wait status (that of the earlier exit if it had
  // already been reaped, -1 if it never ran).
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(5)) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (running()) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        status_ = status;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
  }

 private:
  // timeout_ms < 0: no limit. nullopt on EOF or timeout.
  std::optional<std::string> read_line(int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        std::string s = buf_.substr(0, nl);
        buf_.erase(0, nl + 1);
        while (!s.empty() && s.back() == '\r') s.pop_back();
        return s;
      }
      if (fd_ < 0) return std::nullopt;
      int wait = -1;
      if (timeout_ms >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        wait = static_cast<int>(left.count());
      }
      pollfd p{fd_, POLLIN, 0};
      int r = poll(&p, 1, wait);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return std::nullopt;
      char tmp[512];
      ssize_t n = ::read(fd_, tmp, sizeof tmp);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int status_ = -1;
  int fd_ = -1;
  std::string buf_;
};

// The folder of the test sources (for peer scripts).
inline std::string source_dir() {
  const char* d = std::getenv("AIOCPP_TEST_DIR");
  return d ? d : "tests";
}

}  // namespace test
