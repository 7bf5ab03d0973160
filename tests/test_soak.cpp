// Reliability under load (issue #9): a soak of 10,000 concurrent requests
// through one session, descriptor exhaustion, and a cancellation storm,
// against the embedded server running in another process (`aiocpp serve`).
//
// Sizes: AIOCPP_SOAK_TOTAL requests in the soak (default 1,000,000; the
// sanitizer run of tools/test.sh sets fewer) and AIOCPP_STORM_TOTAL in the
// storm (default 100,000).
#include <aio/http/session.hpp>
#include <aio/runtime/gather.hpp>
#include <aio/runtime/scope.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/timeout.hpp>

#include <dirent.h>
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "support/http_helpers.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using aio::http::RequestOptions;
using aio::http::Session;
using aio::http::SessionOptions;

namespace {

// `aiocpp serve` in its own process, on a free port.
class Served {
 public:
  Served() : port_(test::free_port()), process_(argv(port_)) {
    process_.line(std::chrono::seconds(20));  // "aiocpp: serving on ..."
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  static std::vector<std::string> argv(int port) {
    const char* exe = std::getenv("AIOCPP");
    return {exe ? exe : "aiocpp", "serve", "--port", std::to_string(port)};
  }
  int port_;
  test::Process process_;
};

Served& served() {
  static Served s;
  return s;
}

std::size_t env_count(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

std::size_t open_fds() {
  std::size_t n = 0;
  DIR* d = opendir("/proc/self/fd");
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n - 1;  // the DIR's own descriptor
}

std::size_t rss_bytes() {
  long pages = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Not a braced list inside a coroutine: g++ 12 rejects it there (TOOLCHAIN.md §2).
constexpr const char* kPaths[] = {"/hello", "/bytes/100000", "/delay/3", "/stream/20", "/json"};

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

struct Tally {
  std::size_t done = 0;
  std::size_t ok = 0;
  std::size_t wrong = 0;    // a response, but not the expected one
  std::size_t failed = 0;   // an exception
  std::string first_failure;
  std::size_t warm_at = 0;  // take warm_rss when done reaches this
  std::size_t warm_rss = 0;
};

aio::Task<void> soak_worker(Session& s, std::string url, std::size_t n, Tally& t) {
  for (std::size_t i = 0; i < n; ++i) {
    std::exception_ptr err;
    try {
      aio::http::Response r = co_await s.get(url);
      std::string body = co_await r.text();
      if (r.status() == 200 && body == "Hello, world!")
        ++t.ok;
      else
        ++t.wrong;
    } catch (const aio::CancelledError&) {
      throw;
    } catch (...) {
      err = std::current_exception();
    }
    if (err) {
      if (t.failed++ == 0) test::classify(err, &t.first_failure);
    }
    if (++t.done == t.warm_at) t.warm_rss = rss_bytes();
  }
}

}  // namespace

TEST_CASE("soak: 10,000 concurrent requests through one session, RSS flat, descriptors back after close") {
  const std::size_t total = env_count("AIOCPP_SOAK_TOTAL", 1000000);
  const std::size_t workers = 10000;
  std::string url = served().url("/hello");
  // libuv opens a process-wide pipe at its first loop: the baseline is
  // taken after one.
  test::run([]() -> aio::Task<void> { co_return; }());
  std::size_t fds_before = open_fds();
  Tally t;
  t.warm_at = total / 5;
  auto body = [](std::string url, std::size_t total, std::size_t workers, Tally& t) -> aio::Task<void> {
    SessionOptions o;
    o.limit = 256;
    Session s(o);
    std::vector<aio::Task<void>> tasks;
    for (std::size_t w = 0; w < workers; ++w)
      tasks.push_back(soak_worker(s, url, total / workers + (w < total % workers ? 1 : 0), t));
    co_await aio::gather(std::move(tasks));
    CHECK(s.open_connections() <= 256);
    CHECK(s.open_connections() == s.idle_connections());  // every slot came back
    co_await s.close();
    co_await aio::sleep(20ms);  // the closes complete on the next loop passes
  };
  auto t0 = std::chrono::steady_clock::now();
  test::run(body(url, total, workers, t));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::size_t end_rss = rss_bytes();
  MESSAGE(total << " requests in " << secs << " s; RSS at 20%: " << t.warm_rss / 1024 << " KiB, at the end: "
                << end_rss / 1024 << " KiB");
  CHECK(t.done == total);
  CHECK_MESSAGE(t.ok == total, t.failed << " failed (first: " << t.first_failure << "), " << t.wrong << " wrong");
  CHECK(open_fds() == fds_before);
  // ASan's quarantine holds freed memory back by design: RSS is checked on
  // the optimised build.
  if (!kSanitized) CHECK(end_rss <= t.warm_rss + t.warm_rss / 10 + 4 * 1024 * 1024);
}

// Not in the sanitizer build: UBSan's vptr check tests that memory is
// readable by writing it into a pipe(), which fails with EMFILE here, so it
// reports "invalid vptr" for each exception built while descriptors are
// exhausted (the same code passes that check in every other suite), and its
// abort handler ignores suppressions. The plain build runs this case.
TEST_CASE("64 descriptors for 200 concurrent requests: clean errors or queueing, then recovery" *
          doctest::skip(kSanitized)) {
  std::string url = served().url("/delay/20");
  rlimit old{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
  rlimit low = old;
  low.rlim_cur = 64;
  REQUIRE(open_fds() < 40);
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  struct Counts {
    std::size_t ok = 0, connector = 0, other = 0;
    std::string other_message;
  } c;
  auto one = [](Session& s, std::string url, Counts& c) -> aio::Task<void> {
    test::Fetch f = co_await test::fetch(s, url);
    if (f.outcome == test::Outcome::ok && f.status == 200)
      ++c.ok;
    else if (f.outcome == test::Outcome::connector)
      ++c.connector;  // socket(): EMFILE, named in the message
    else if (c.other++ == 0)
      c.other_message = f.message;
  };
  auto body = [&one](std::string url, Counts& c) -> aio::Task<std::size_t> {
    SessionOptions o;
    o.limit = 0;  // no pool limit: the descriptor limit is what bites
    Session s(o);
    std::vector<aio::Task<void>> burst;
    for (int i = 0; i < 200; ++i) burst.push_back(one(s, url, c));
    co_await aio::gather(std::move(burst));
    // Recovery: with the limit still in place, requests go through again.
    std::size_t after = 0;
    for (int i = 0; i < 20; ++i) {
      test::Fetch f = co_await test::fetch(s, url);
      if (f.outcome == test::Outcome::ok) ++after;
    }
    co_await s.close();
    co_return after;
  };
  std::size_t after = test::run(body(url, c));
  setrlimit(RLIMIT_NOFILE, &old);
  MESSAGE("burst: " << c.ok << " ok, " << c.connector << " ConnectorError, " << c.other << " other");
  CHECK(c.ok + c.connector == 200);
  CHECK_MESSAGE(c.other == 0, c.other_message);
  CHECK(c.ok > 0);
  CHECK(after == 20);
}

TEST_CASE("cancellation storm: random cancellations and timeouts at every phase, every slot returned") {
  const std::size_t total = env_count("AIOCPP_STORM_TOTAL", 100000);
  const std::size_t workers = 500;
  struct Storm {
    std::size_t done = 0, ok = 0, cancelled = 0, timed_out = 0, other = 0;
    std::string other_message;
  } st;
  auto worker = [](Session& s, std::string base, std::size_t n, unsigned seed, Storm& st) -> aio::Task<void> {
    std::mt19937 rng(seed);
    for (std::size_t i = 0; i < n; ++i, ++st.done) {
      std::string url = base + kPaths[rng() % 5];
      bool post = rng() % 5 == 0;
      unsigned how = rng() % 10;
      auto limit = std::chrono::microseconds(rng() % 4000);
      auto request = [](Session& s, std::string url, bool post, std::optional<std::chrono::microseconds> total)
          -> aio::Task<void> {
        RequestOptions o;
        if (post) {
          url = url.substr(0, url.find('/', 7)) + "/echo";
          o.body(std::string(64 * 1024, 'p'));
        }
        if (total) o.timeout(aio::http::Timeout{.total = std::chrono::duration_cast<std::chrono::milliseconds>(*total) + 1ms});
        std::string method = post ? "POST" : "GET";  // not a ?: inside the co_await (TOOLCHAIN.md §2)
        aio::http::Response r = co_await s.request(std::move(method), url, std::move(o));
        std::string body = co_await r.read();
        if (r.status() != 200 || body.empty()) throw std::runtime_error("unexpected response");
      };
      std::exception_ptr err;
      bool cancelled = false;
      try {
        if (how < 2) {
          co_await request(s, url, post, std::nullopt);  // runs to its end
        } else if (how < 7) {
          co_await aio::wait_for(request(s, url, post, std::nullopt), limit);  // cancelled from outside
        } else if (how < 9) {
          co_await request(s, url, post, limit);  // the session's own total timeout
        } else {
          aio::Scope scope;  // a sibling cancels the scope
          scope.spawn(request(s, url, post, std::nullopt));
          co_await aio::sleep(std::chrono::duration_cast<std::chrono::milliseconds>(limit));
          scope.cancel();
          co_await scope.join();
          cancelled = true;
        }
      } catch (const aio::TimeoutError&) {
        ++st.timed_out;
        continue;
      } catch (const aio::CancelledError&) {
        throw;
      } catch (...) {
        err = std::current_exception();
      }
      if (err) {
        if (st.other++ == 0) test::classify(err, &st.other_message);
      } else if (cancelled) {
        ++st.cancelled;
      } else {
        ++st.ok;
      }
    }
  };
  auto body = [&worker](std::string base, std::size_t total, std::size_t workers, Storm& st) -> aio::Task<void> {
    SessionOptions o;
    o.limit = 64;
    Session s(o);
    std::vector<aio::Task<void>> tasks;
    for (std::size_t w = 0; w < workers; ++w)
      tasks.push_back(worker(s, base, total / workers, static_cast<unsigned>(w + 1), st));
    co_await aio::gather(std::move(tasks));
    CHECK(s.open_connections() == s.idle_connections());  // nothing still lent out
    CHECK(s.open_connections() <= 64);
    // Every slot is usable: 64 requests at once all complete together.
    std::vector<aio::Task<test::Fetch>> full;
    for (int i = 0; i < 64; ++i) full.push_back(test::fetch(s, base + "/delay/50"));
    auto t0 = std::chrono::steady_clock::now();
    std::vector<test::Fetch> got = co_await aio::gather(std::move(full));
    CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    for (const test::Fetch& f : got) CHECK(f.outcome == test::Outcome::ok);
    co_await s.close();
  };
  std::string base = served().url("");
  test::run(body(base, total, workers, st));
  MESSAGE("storm: " << st.done << " requests: " << st.ok << " ok, " << st.timed_out << " timed out, "
                    << st.cancelled << " cancelled by their scope, " << st.other << " other");
  CHECK(st.done == total / workers * workers);
  CHECK_MESSAGE(st.other == 0, st.other_message);
  CHECK(st.ok > 0);
  CHECK(st.timed_out > 0);
}
