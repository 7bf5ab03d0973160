// Test helper: a peer process (a server nobody here wrote) started for a
// test and stopped after it. The peer prints its listening port on the first
// line of stdout.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace test {

class Process {
 public:
  explicit Process(std::vector<std::string> argv) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (out_) fclose(out_);
  }

  // Reads one line from the peer's stdout (blocking).
  std::string line() {
    char buf[512];
    if (!fgets(buf, sizeof buf, out_)) throw std::runtime_error("peer exited before printing");
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }

  int port() { return std::stoi(line()); }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

// The folder of the test sources (for peer scripts).
inline std::string source_dir() {
  const char* d = std::getenv("AIOCPP_TEST_DIR");
  return d ? d : "tests";
}

}  // namespace test
