// The embedded server in this process, driven by clients nobody here wrote
// (curl, Python's http.client, wrk), by raw sockets sending what no client
// should, and by our own Session.
//
// The server's loop runs in this process: clients are child processes
// started from a helper thread that posts their outcome back to the loop
// (run_child), so the loop keeps serving while they run.
#include <aio/http/server.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <aio/http/demo_routes.hpp>
#include <aio/http/session.hpp>
#include <aio/runtime/event.hpp>
#include <aio/runtime/gather.hpp>
#include <aio/runtime/scope.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/tcp.hpp>
#include <aio/runtime/timeout.hpp>
#include "support/http_helpers.hpp"

using namespace std::chrono_literals;
using aio::http::Server;
using aio::http::ServerRequest;
using aio::http::ServerResponse;
using Clock = std::chrono::steady_clock;

namespace {

aio::Address loopback(int port) {
  return aio::Address::parse("127.0.0.1", static_cast<uint16_t>(port)).value();
}

std::string base_url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

long elapsed_ms(Clock::time_point since) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// --- child processes, without blocking the loop ---

struct ChildResult {
  int status = -1;  // exit code, or 128 + signal
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const ChildResult& r) {
  return os << "exit " << r.status << "\n--- stdout\n"
            << r.out.substr(0, 2000) << "\n--- stderr\n"
            << r.err.substr(0, 2000);
}

struct ChildShared {
  aio::Event done;
  ChildResult result;
  std::atomic<pid_t> pid{-1};
};

// Runs on a helper thread: fork, exec, read stdout and stderr to EOF, reap,
// then hand the result to the loop thread.
void child_thread(std::vector<std::string> argv, std::shared_ptr<ChildShared> shared,
                  aio::Loop* loop) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  ChildResult r;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    r.err = "pipe failed";
  } else {
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      execvp(args[0], args.data());
      _exit(127);
    }
    shared->pid = pid;
    close(out[1]);
    close(err[1]);
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    while (open_fds > 0) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        char buf[65536];
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          sinks[i]->append(buf, static_cast<size_t>(n));
        } else if (n == 0 || errno != EINTR) {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        }
      }
    }
    int status = 0;
    if (pid > 0) {
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
  }
  auto result = std::make_shared<ChildResult>(std::move(r));
  loop->post([shared, result] {
    shared->result = std::move(*result);
    shared->done.set();
  });
}

// Kills and joins the helper when the awaiting task leaves early (a
// timeout, a failed check that threw).
struct ChildGuard {
  std::thread* thread;
  ChildShared* shared;
  ~ChildGuard() {
    if (!thread->joinable()) return;
    if (!shared->done.is_set() && shared->pid > 0) kill(shared->pid, SIGKILL);
    thread->join();
  }
};

aio::Task<void> wait_child(std::shared_ptr<ChildShared> shared) { co_await shared->done.wait(); }

aio::Task<ChildResult> run_child(std::vector<std::string> argv,
                                 std::chrono::milliseconds limit = 60s) {
  auto shared = std::make_shared<ChildShared>();
  std::thread worker(child_thread, std::move(argv), shared, &aio::Loop::current());
  ChildGuard guard{&worker, shared.get()};
  co_await aio::with_timeout(limit, wait_child(shared));
  worker.join();
  co_return shared->result;
}

aio::Task<ChildResult> python_client(std::string mode, int port) {
  std::vector<std::string> argv = {"python3", test::source_dir() + "/peers/server_client.py", mode,
                                   std::to_string(port)};
  co_return co_await run_child(std::move(argv));
}

// A file of `size` bytes, removed by the destructor.
struct TempFile {
  explicit TempFile(std::size_t size) {
    char name[] = "/tmp/aiocpp-server-XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) throw std::runtime_error("mkstemp");
    close(fd);
    path = name;
    std::ofstream f(path, std::ios::binary);
    std::string block(64 * 1024, 'u');
    for (std::size_t left = size; left > 0;) {
      std::size_t n = std::min(left, block.size());
      f.write(block.data(), static_cast<std::streamsize>(n));
      left -= n;
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { unlink(path.c_str()); }
  std::string path;
};

// --- routes used only by the tests ---

aio::Task<ServerResponse> throws(ServerRequest&) {
  co_await aio::yield();
  throw std::runtime_error("handler failure");
}

aio::Task<ServerResponse> bad_header(ServerRequest&) {
  ServerResponse r = ServerResponse::text(200, "never sent");
  r.headers.add("X-Split", "a\r\nInjected: yes");
  co_return r;
}

aio::Task<ServerResponse> wants_close(ServerRequest&) {
  ServerResponse r = ServerResponse::text(200, "bye");
  r.headers.add("Connection", "close");
  co_return r;
}

aio::Task<ServerResponse> empty_ok(ServerRequest&) { co_return ServerResponse::empty(200); }

aio::Task<ServerResponse> peer(ServerRequest& req) {
  co_return ServerResponse::text(200, req.peer.ip());
}

aio::Task<std::optional<std::string>> failing_piece(int i, int fail_at) {
  if (i >= fail_at) throw std::runtime_error("generator failure");
  co_return "piece " + std::to_string(i) + "\n";
}

struct FailingStream {
  int next;
  int fail_at;
  aio::Task<std::optional<std::string>> operator()() { return failing_piece(next++, fail_at); }
};

aio::Task<ServerResponse> stream_fails_later(ServerRequest&) {
  FailingStream s;
  s.next = 0;
  s.fail_at = 2;
  co_return ServerResponse::streamed(200, aio::http::BodyGenerator(s));
}

aio::Task<ServerResponse> stream_fails_first(ServerRequest&) {
  FailingStream s;
  s.next = 0;
  s.fail_at = 0;
  co_return ServerResponse::streamed(200, aio::http::BodyGenerator(s));
}

void add_test_routes(Server& s) {
  aio::http::add_demo_routes(s);
  s.route("GET", "/test/throw", throws);
  s.route("GET", "/test/bad-header", bad_header);
  s.route("GET", "/test/close", wants_close);
  s.route("GET", "/test/peer", peer);
  s.route("GET", "/test/empty", empty_ok);
  s.route("GET", "/test/stream-fails-later", stream_fails_later);
  s.route("GET", "/test/stream-fails-first", stream_fails_first);
}

// --- running a client against a live server ---

using Client = aio::Task<void> (*)(int port, Server* server);

// Serves the demo and test routes while `client` runs, then closes the
// server and waits for serve() to return.
aio::Task<void> with_server(Client client, Server::Options options) {
  Server server(options);
  add_test_routes(server);
  server.listen(loopback(0));
  int port = server.local_address().port();
  aio::Scope scope;
  scope.spawn(server.serve());
  std::exception_ptr failure;
  try {
    co_await client(port, &server);
  } catch (...) {
    failure = std::current_exception();
  }
  server.close();
  co_await scope.join();
  CHECK(server.connection_count() == 0);
  if (failure) std::rethrow_exception(failure);
}

void serve_for(Client client, Server::Options options = Server::Options()) {
  test::run(with_server(client, options));
}

// --- a raw socket client ---

aio::Task<std::span<const char>> read_once(aio::TcpStream* s) { co_return co_await s->read(); }

// Reads from `s` until `done(buffer)` or EOF, at most `limit` in all.
aio::Task<std::string> read_until_close(aio::TcpStream* s, std::chrono::milliseconds limit = 10s) {
  std::string out;
  auto deadline = Clock::now() + limit;
  try {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      std::span<const char> got = co_await aio::with_timeout(left, read_once(s));
      if (got.empty()) break;
      out.append(got.data(), got.size());
      s->consume(got.size());
    }
  } catch (const aio::IoError&) {
    // A reset after the answer still leaves the answer.
  }
  co_return out;
}

// Reads one response with a Content-Length body (or none) from a kept-alive
// connection.
aio::Task<std::string> read_response(aio::TcpStream* s) {
  std::string out;
  for (;;) {
    std::span<const char> got = co_await aio::with_timeout(10s, read_once(s));
    if (got.empty()) break;
    out.append(got.data(), got.size());
    s->consume(got.size());
    std::size_t end = out.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    std::size_t cl = out.find("Content-Length: ");
    std::size_t length = cl == std::string::npos || cl > end ? 0 : std::stoul(out.substr(cl + 16));
    if (out.size() >= end + 4 + length) break;
  }
  co_return out;
}

// Sends `request` on a new connection and reads until the server closes it.
aio::Task<std::string> raw_exchange(int port, std::string request) {
  aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
  co_await s.write(request);
  co_return co_await read_until_close(&s);
}

aio::Task<void> expect_normal_answer(int port) {
  std::string got =
      co_await raw_exchange(port, "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK_MESSAGE(starts_with(got, "HTTP/1.1 200 OK\r\n"), got);
  CHECK(got.size() > 13);
  CHECK(got.substr(got.size() - 13) == "Hello, world!");
}

// --- the clients ---

aio::Task<void> curl_basics(int port, Server*) {
  std::string base = base_url(port);
  // Two URLs in one invocation: the second reuses the first connection.
  std::vector<std::string> two_argv = {"curl",
                                       "-sS",
                                       "-v",
                                       "--max-time",
                                       "20",
                                       "-w",
                                       "|%{http_code}|%{num_connects}|%{size_download}\n",
                                       base + "/hello",
                                       base + "/json"};
  ChildResult two = co_await run_child(std::move(two_argv));
  CHECK_MESSAGE(two.status == 0, two);
  CHECK_MESSAGE(starts_with(two.out, "Hello, world!|200|1|13\n"), two);
  CHECK_MESSAGE(contains(two.out, "}|200|0|"), two);
  CHECK_MESSAGE(contains(two.err, "Re-using existing connection"), two);
  CHECK_MESSAGE(contains(two.err, "< Server: aiocpp"), two);
  CHECK_MESSAGE(contains(two.err, "< Content-Type: application/json"), two);

  std::vector<std::string> head_argv = {"curl", "-sS", "-I", "--max-time", "20", base + "/hello"};

  ChildResult head = co_await run_child(std::move(head_argv));
  CHECK_MESSAGE(head.status == 0, head);
  CHECK_MESSAGE(starts_with(head.out, "HTTP/1.1 200 OK\r\n"), head);
  CHECK_MESSAGE(contains(head.out, "Content-Length: 13\r\n"), head);
  CHECK_MESSAGE(contains(head.out, "Date: "), head);

  std::vector<std::string> redirect_argv = {"curl",
                                            "-sS",
                                            "-L",
                                            "--max-time",
                                            "20",
                                            "-w",
                                            "|%{num_redirects}|%{num_connects}",
                                            base + "/redirect/3"};
  ChildResult redirect = co_await run_child(std::move(redirect_argv));
  CHECK_MESSAGE(redirect.out == "Hello, world!|3|1", redirect);

  std::vector<std::string> stream_argv = {"curl",       "-sS", "-v",
                                          "--max-time", "20",  base + "/stream/3"};

  ChildResult stream = co_await run_child(std::move(stream_argv));
  CHECK_MESSAGE(stream.out == "line 0\nline 1\nline 2\n", stream);
  CHECK_MESSAGE(contains(stream.err, "< Transfer-Encoding: chunked"), stream);

  std::vector<std::string> ten_argv = {"curl",       "-sS", "--http1.0",
                                       "--max-time", "20",  base + "/hello"};

  ChildResult ten = co_await run_child(std::move(ten_argv));
  CHECK_MESSAGE(ten.out == "Hello, world!", ten);

  // Each URL has its own -o.
  std::vector<std::string> codes_argv = {
      "curl",      "-sS",          "--max-time", "20",   "-w", "%{http_code}\n", "-o",
      "/dev/null", base + "/nope", "-X",         "POST", "-o", "/dev/null",      base + "/hello"};
  ChildResult codes = co_await run_child(std::move(codes_argv));
  CHECK_MESSAGE(codes.out == "404\n405\n", codes);

  std::vector<std::string> bytes_argv = {"curl",
                                         "-sS",
                                         "--max-time",
                                         "20",
                                         "-o",
                                         "/dev/null",
                                         "-w",
                                         "%{http_code} %{size_download}",
                                         base + "/bytes/3000000"};

  ChildResult bytes = co_await run_child(std::move(bytes_argv));
  CHECK_MESSAGE(bytes.out == "200 3000000", bytes);
}

aio::Task<void> curl_uploads(int port, Server*) {
  std::string base = base_url(port);
  std::vector<std::string> expect_argv = {
      "curl",          "-sS",   "-v",          "--max-time", "20", "-H", "Expect: 100-continue",
      "--data-binary", "hello", base + "/echo"};
  ChildResult expect = co_await run_child(std::move(expect_argv));
  CHECK_MESSAGE(expect.status == 0, expect);
  CHECK_MESSAGE(contains(expect.err, "< HTTP/1.1 100 Continue"), expect);
  CHECK_MESSAGE(contains(expect.out, "\"body_length\":5,\"body\":\"hello\""), expect);

  // 3 MiB chunked (curl adds Expect: 100-continue), under the 4 MiB limit.
  TempFile three(3 << 20);
  std::vector<std::string> chunked_argv = {"curl",
                                           "-sS",
                                           "-v",
                                           "--max-time",
                                           "20",
                                           "-H",
                                           "Transfer-Encoding: chunked",
                                           "--data-binary",
                                           "@" + three.path,
                                           base + "/echo"};
  ChildResult chunked = co_await run_child(std::move(chunked_argv));
  CHECK_MESSAGE(chunked.status == 0, chunked);
  CHECK_MESSAGE(contains(chunked.out, "\"body_length\":3145728"), chunked);
  CHECK_MESSAGE(contains(chunked.out, "\"transfer-encoding\":\"chunked\""), chunked);

  // 5 MiB with Content-Length: refused with 413 before the body is sent.
  TempFile five(5 << 20);
  std::vector<std::string> big_argv = {"curl",
                                       "-sS",
                                       "-v",
                                       "--max-time",
                                       "20",
                                       "-o",
                                       "/dev/null",
                                       "-w",
                                       "%{http_code}",
                                       "--data-binary",
                                       "@" + five.path,
                                       base + "/echo"};
  ChildResult big = co_await run_child(std::move(big_argv));
  CHECK_MESSAGE(big.out == "413", big);
  CHECK_MESSAGE(!contains(big.err, "100 Continue"), big);
  co_await expect_normal_answer(port);
}

aio::Task<void> python_modes(int port, Server*) {
  static const char* const kModes[] = {"keepalive", "head", "chunked",
                                       "pipeline",  "json", "http10"};
  for (const char* mode : kModes) {
    ChildResult r = co_await python_client(mode, port);
    CHECK_MESSAGE(r.status == 0, r);
    CHECK_MESSAGE(contains(r.out, std::string("OK ") + mode), r);
  }
}

aio::Task<void> wrk_load(int port, Server* server) {
  std::vector<std::string> r_argv = {"wrk", "-t", "1",  "-c",
                                     "8",   "-d", "1s", base_url(port) + "/hello"};
  ChildResult r = co_await run_child(std::move(r_argv));
  CHECK_MESSAGE(r.status == 0, r);
  std::size_t at = r.out.find(" requests in ");
  REQUIRE_MESSAGE(at != std::string::npos, r);
  std::size_t start = r.out.rfind(' ', at - 1);
  long requests = std::strtol(r.out.c_str() + start + 1, nullptr, 10);
  CHECK_MESSAGE(requests > 0, r);
  CHECK_MESSAGE(!contains(r.out, "Socket errors"), r);
  CHECK_MESSAGE(!contains(r.out, "Non-2xx"), r);
  CHECK(server->requests_served() >= static_cast<std::size_t>(requests));
  MESSAGE("wrk: " << requests << " requests in 1 s on 8 connections");
}

struct Refusal {
  const char* name;
  std::string request;
  const char* status_line;
};

aio::Task<void> refusals(int port, Server*) {
  std::vector<Refusal> cases = {
      {"bad request line", "GARBAGE\r\n\r\n", "HTTP/1.1 400 "},
      {"lowercase method", "get / HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400 "},
      {"oversized head",
       "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'b') + "\r\n\r\n",
       "HTTP/1.1 431 "},
      {"too many headers", "", "HTTP/1.1 431 "},
      {"Content-Length over the body limit",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\nabc", "HTTP/1.1 413 "},
      {"bad Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\nabc",
       "HTTP/1.1 400 "},
      {"two Content-Lengths",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
       "HTTP/1.1 400 "},
      {"TE and CL",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
       "3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       "HTTP/1.1 400 "},
      {"unknown coding", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabc",
       "HTTP/1.1 501 "},
      {"control byte", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n", "HTTP/1.1 400 "},
      {"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "HTTP/1.1 400 "},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 "},
      {"no Host", "GET /hello HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},
      {"two Hosts", "GET /hello HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", "HTTP/1.1 400 "},
      {"unknown expectation",
       "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: magic\r\nContent-Length: 1\r\n\r\nx",
       "HTTP/1.1 417 "},
      {"authority-form target", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n",
       "HTTP/1.1 400 "},
      {"chunk without CRLF",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX\r\n",
       "HTTP/1.1 400 "},
  };
  cases[3].request = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 120; ++i) cases[3].request += "X-" + std::to_string(i) + ": v\r\n";
  cases[3].request += "\r\n";
  for (const Refusal& c : cases) {
    std::string got = co_await raw_exchange(port, c.request);
    CHECK_MESSAGE(starts_with(got, c.status_line), c.name, ": ", got.substr(0, 200));
    CHECK_MESSAGE(contains(got, "\r\nConnection: close\r\n"), c.name);
    co_await expect_normal_answer(port);
  }
  // A body cut short by a half-close: the server answers 400 and closes.
  {
    aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
    co_await s.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    co_await s.shutdown();
    std::string got = co_await read_until_close(&s);
    CHECK_MESSAGE(starts_with(got, "HTTP/1.1 400 "), got);
  }
  // An empty connection, and one closed mid-head, leave nothing behind.
  {
    aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
    s.close();
    aio::TcpStream t = co_await aio::TcpStream::connect(loopback(port));
    co_await t.write("GET /hel");
    t.close();
  }
  co_await expect_normal_answer(port);
}

aio::Task<void> routing_and_handlers(int port, Server*) {
  std::string r404 =
      co_await raw_exchange(port, "GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(r404, "HTTP/1.1 404 Not Found\r\n"));
  std::string r405 =
      co_await raw_exchange(port, "DELETE /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(r405, "HTTP/1.1 405 Method Not Allowed\r\n"));
  CHECK_MESSAGE(contains(r405, "\r\nAllow: GET, HEAD\r\n"), r405);
  std::string r500 = co_await raw_exchange(
      port, "GET /test/throw HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(r500, "HTTP/1.1 500 Internal Server Error\r\n"));
  std::string split = co_await raw_exchange(
      port, "GET /test/bad-header HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(split, "HTTP/1.1 500 "));
  CHECK_FALSE(contains(split, "Injected"));
  std::string first =
      co_await raw_exchange(port, "GET /test/stream-fails-first HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(starts_with(first, "HTTP/1.1 500 "));
  std::string later =
      co_await raw_exchange(port, "GET /test/stream-fails-later HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(starts_with(later, "HTTP/1.1 200 OK\r\n"));
  CHECK(contains(later, "piece 1\n"));
  CHECK_FALSE(contains(later, "0\r\n\r\n"));  // cut short: no last chunk
  std::string closes = co_await raw_exchange(port, "GET /test/close HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(contains(closes, "\r\nConnection: close\r\n"));
  std::string who = co_await raw_exchange(
      port, "GET /test/peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(who.substr(who.size() - 9) == "127.0.0.1");
  std::string status = co_await raw_exchange(
      port, "PUT /status/418 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(status, "HTTP/1.1 418 I'm a teapot\r\n"));
  std::string nocontent = co_await raw_exchange(
      port, "GET /status/204 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(nocontent, "HTTP/1.1 204 No Content\r\n"));
  CHECK_FALSE(contains(nocontent, "Content-Length"));
  std::string empty = co_await raw_exchange(port,
                                            "GET /test/empty HTTP/1.1\r\nHost: x\r\n\r\nGET /hello "
                                            "HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK_MESSAGE(starts_with(empty, "HTTP/1.1 200 OK\r\n"), empty);
  CHECK_MESSAGE(contains(empty, "\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n"), empty);
  CHECK(empty.substr(empty.size() - 13) == "Hello, world!");
  std::string badnum = co_await raw_exchange(
      port, "GET /bytes/12x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(badnum, "HTTP/1.1 400 "));
  std::string absolute = co_await raw_exchange(
      port, "GET http://x/hello?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(starts_with(absolute, "HTTP/1.1 200 OK\r\n"));
  // HTTP/1.0 gets a streamed body close-delimited, without chunked framing.
  std::string ten = co_await raw_exchange(port, "GET /stream/2 HTTP/1.0\r\n\r\n");
  CHECK_FALSE(contains(ten, "Transfer-Encoding"));
  CHECK(ten.substr(ten.size() - 14) == "line 0\nline 1\n");
}

aio::Task<void> pipelining(int port, Server*) {
  // Ten requests in one write, answered in order on the one connection.
  std::string burst;
  for (int i = 0; i < 10; ++i)
    burst += "GET /status/" + std::to_string(200 + i) + " HTTP/1.1\r\nHost: x\r\n" +
             (i == 9 ? "Connection: close\r\n" : "") + "\r\n";
  std::string got = co_await raw_exchange(port, burst);
  std::size_t at = 0;
  for (int i = 0; i < 10; ++i) {
    std::size_t next = got.find("HTTP/1.1 " + std::to_string(200 + i) + " ", at);
    CHECK_MESSAGE(next != std::string::npos, "response ", i);
    if (next == std::string::npos) break;
    at = next + 1;
  }
  // A body split across writes, and a head split at every few bytes.
  aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
  std::string req = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world";
  for (std::size_t i = 0; i < req.size(); i += 7) {
    co_await s.write(req.substr(i, 7));
    co_await aio::sleep(1ms);
  }
  std::string echo = co_await read_response(&s);
  CHECK_MESSAGE(contains(echo, "\"body_length\":11,\"body\":\"hello world\""), echo);
}

aio::Task<void> session_client(int port, Server* server) {
  aio::http::Session s;
  std::string base = base_url(port);
  aio::http::Response hello = co_await s.get(base + "/hello");
  std::string text = co_await hello.text();
  CHECK(hello.status() == 200);
  CHECK(text == "Hello, world!");
  CHECK(hello.content_type() == "text/plain");

  test::Fetch bytes = co_await test::fetch(s, base + "/bytes/1000000");
  CHECK(bytes.status == 200);
  CHECK(bytes.body.size() == 1000000);
  CHECK(bytes.body.substr(0, 36) == "abcdefghijklmnopqrstuvwxyz0123456789");
  CHECK(bytes.body.substr(36, 3) == "abc");

  test::Fetch stream = co_await test::fetch(s, base + "/stream/5");
  CHECK(stream.body == "line 0\nline 1\nline 2\nline 3\nline 4\n");

  aio::http::Response redirected = co_await s.get(base + "/redirect/3");
  std::string final_body = co_await redirected.text();
  CHECK(redirected.history().size() == 3);
  CHECK(redirected.url().path() == "/hello");
  CHECK(final_body == "Hello, world!");

  aio::http::RequestOptions post;
  post.body("posted body", "text/plain");
  test::Fetch echo = co_await test::fetch(s, base + "/echo?a=1&b=%20", "POST", std::move(post));
  CHECK(echo.status == 200);
  CHECK_MESSAGE(contains(echo.body, "\"method\":\"POST\""), echo.body);
  CHECK_MESSAGE(contains(echo.body, "\"query\":\"a=1&b=%20\""), echo.body);
  CHECK_MESSAGE(contains(echo.body, "\"body_length\":11,\"body\":\"posted body\""), echo.body);
  CHECK_MESSAGE(contains(echo.body, "\"content-type\":\"text/plain\""), echo.body);

  test::Fetch head = co_await test::fetch(s, base + "/json", "HEAD");
  CHECK(head.status == 200);
  CHECK(head.body.empty());

  test::Fetch teapot = co_await test::fetch(s, base + "/status/418");
  CHECK(teapot.status == 418);

  // Sequential requests share one kept-alive connection.
  CHECK(s.idle_connections() == 1);
  CHECK(server->connection_count() == 1);

  test::Fetch cut = co_await test::fetch(s, base + "/test/stream-fails-later");
  CHECK_MESSAGE(cut.outcome == test::Outcome::payload, cut.message);

  std::size_t before = server->requests_served();
  std::vector<aio::Task<test::Fetch>> many;
  for (int i = 0; i < 100; ++i)
    many.push_back(test::fetch(s, base + (i % 2 ? "/hello" : "/delay/20")));
  auto results = co_await aio::gather(std::move(many));
  int ok = 0;
  for (auto& f : results) ok += f.status == 200 ? 1 : 0;
  CHECK(ok == 100);
  CHECK(server->requests_served() - before == 100);
  CHECK(server->connection_count() <= 100);
  co_await s.close();
}

aio::Task<void> timeouts(int port, Server*) {
  // An idle keep-alive connection is closed after keepalive_timeout (200 ms).
  {
    aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
    co_await s.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string got = co_await read_response(&s);
    CHECK(contains(got, "Hello, world!"));
    auto t0 = Clock::now();
    std::string rest = co_await read_until_close(&s, 5s);
    long ms = elapsed_ms(t0);
    CHECK(rest.empty());
    CHECK_MESSAGE(ms >= 150, ms);
    CHECK_MESSAGE(ms < 2000, ms);
  }
  // A request head that stalls is cut at read_timeout (400 ms).
  {
    aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
    auto t0 = Clock::now();
    co_await s.write("GET /hello HTTP/1.1\r\nHo");
    std::string rest = co_await read_until_close(&s, 5s);
    long ms = elapsed_ms(t0);
    CHECK_MESSAGE(ms >= 350, ms);
    CHECK_MESSAGE(ms < 3000, ms);
  }
  // So is a connection that never says anything.
  {
    aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
    auto t0 = Clock::now();
    std::string rest = co_await read_until_close(&s, 5s);
    long ms = elapsed_ms(t0);
    CHECK(rest.empty());
    CHECK_MESSAGE(ms >= 350, ms);
    CHECK_MESSAGE(ms < 3000, ms);
  }
  // A body that stalls, too.
  {
    aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
    auto t0 = Clock::now();
    co_await s.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    co_await read_until_close(&s, 5s);
    long ms = elapsed_ms(t0);
    CHECK_MESSAGE(ms >= 350, ms);
    CHECK_MESSAGE(ms < 3000, ms);
  }
  co_await expect_normal_answer(port);
}

aio::Task<void> close_idle_and_busy() {
  Server server;
  add_test_routes(server);
  server.listen(loopback(0));
  int port = server.local_address().port();
  aio::Scope scope;
  scope.spawn(server.serve());

  aio::TcpStream idle = co_await aio::TcpStream::connect(loopback(port));
  co_await idle.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string first = co_await read_response(&idle);
  CHECK(contains(first, "Hello, world!"));
  aio::TcpStream busy = co_await aio::TcpStream::connect(loopback(port));
  co_await busy.write("GET /delay/1000 HTTP/1.1\r\nHost: x\r\n\r\n");
  co_await aio::sleep(50ms);
  CHECK(server.connection_count() == 2);

  auto t0 = Clock::now();
  server.close();
  server.close();  // idempotent
  // The idle connection is closed at once; the busy one answers first.
  std::string idle_rest = co_await read_until_close(&idle, 2s);
  CHECK(idle_rest.empty());
  CHECK(elapsed_ms(t0) < 800);
  CHECK(busy.buffered().empty());
  std::string answer = co_await read_until_close(&busy, 5s);
  CHECK_MESSAGE(starts_with(answer, "HTTP/1.1 200 OK\r\n"), answer);
  CHECK(contains(answer, "\r\nConnection: close\r\n"));
  CHECK(contains(answer, "delayed 1000 ms"));
  co_await scope.join();
  CHECK(server.connection_count() == 0);
  // No longer listening.
  bool refused = false;
  try {
    co_await aio::TcpStream::connect(loopback(port));
  } catch (const aio::IoError&) {
    refused = true;
  }
  CHECK(refused);
}

aio::Task<void> cancel_is_the_hard_stop() {
  Server server;
  add_test_routes(server);
  server.listen(loopback(0));
  int port = server.local_address().port();
  aio::Scope scope;
  scope.spawn(server.serve());
  aio::TcpStream busy = co_await aio::TcpStream::connect(loopback(port));
  co_await busy.write("GET /delay/10000 HTTP/1.1\r\nHost: x\r\n\r\n");
  co_await aio::sleep(50ms);
  CHECK(server.connection_count() == 1);
  auto t0 = Clock::now();
  scope.cancel();
  co_await scope.join();
  CHECK(elapsed_ms(t0) < 1000);
  CHECK(server.connection_count() == 0);
  std::string rest = co_await read_until_close(&busy, 2s);
  CHECK(rest.empty());
}

aio::Task<void> close_before_serve() {
  Server server;
  server.listen(loopback(0));
  server.close();
  co_await server.serve();
  CHECK(server.connection_count() == 0);
}

aio::Task<void> listen_errors() {
  Server a;
  a.listen(loopback(0));
  Server b;
  bool failed = false;
  try {
    b.listen(a.local_address());
  } catch (const aio::IoError& e) {
    failed = e.code().value() == UV_EADDRINUSE;
  }
  CHECK(failed);
  a.close();
  co_await a.serve();
}

}  // namespace

TEST_CASE(
    "curl: status, body, HEAD, redirects, chunked, HTTP/1.0, 404/405, and one connection for two "
    "URLs") {
  serve_for(curl_basics);
}

TEST_CASE("curl: Expect 100-continue, a chunked upload, and 413 before the body is sent") {
  Server::Options o;
  o.max_body_bytes = 4 << 20;
  serve_for(curl_uploads, o);
}

TEST_CASE("Python's http.client: keep-alive, HEAD, chunked upload, pipelining, JSON, HTTP/1.0") {
  serve_for(python_modes);
}

TEST_CASE("wrk -c 8 -d 1s against /hello: requests and no errors") { serve_for(wrk_load); }

TEST_CASE("malformed and over-limit requests are refused, and the server keeps answering") {
  serve_for(refusals);
}

TEST_CASE("routing: 404, 405 with Allow, handler failures are 500, response splitting is refused") {
  serve_for(routing_and_handlers);
}

TEST_CASE(
    "pipelined requests are answered in order; a request split across writes is reassembled") {
  serve_for(pipelining);
}

TEST_CASE(
    "the aiocpp Session against the server: bodies, streams, redirects, POST, HEAD, 100 "
    "concurrent") {
  serve_for(session_client);
}

TEST_CASE("idle keep-alive connections, slow heads and slow bodies time out") {
  Server::Options o;
  o.keepalive_timeout = 200ms;
  o.read_timeout = 400ms;
  serve_for(timeouts, o);
}

TEST_CASE("close() closes idle connections at once and lets busy ones answer") {
  test::run(close_idle_and_busy());
}

TEST_CASE("cancelling serve() stops every connection") { test::run(cancel_is_the_hard_stop()); }

TEST_CASE("close() before serve() makes serve() return at once") {
  test::run(close_before_serve());
}

TEST_CASE("listen() on a port in use throws IoError") { test::run(listen_errors()); }
