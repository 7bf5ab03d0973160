#include <aio/runtime/dns.hpp>

#include <doctest/doctest.h>

#include <uv.h>

#include <chrono>
#include <thread>

#include "support/loop_fixture.hpp"
#include <aio/runtime/scope.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/timeout.hpp>

using namespace std::chrono_literals;

namespace {

aio::Task<std::vector<aio::Address>> lookup(std::string host) { co_return co_await aio::resolve(host, 8080); }

// Occupies the 4 threads of libuv's pool so that a lookup stays queued.
struct PoolBlocker {
  uv_work_t work[4];
  static void block(uv_work_t*) { std::this_thread::sleep_for(200ms); }
  static void done(uv_work_t*, int) {}
  explicit PoolBlocker(uv_loop_t* loop) {
    for (auto& w : work) uv_queue_work(loop, &w, block, done);
  }
};

}  // namespace

TEST_CASE("resolve localhost gives a loopback address with the port") {
  auto addrs = test::run(lookup("localhost"));
  REQUIRE_FALSE(addrs.empty());
  bool loop = false;
  for (auto& a : addrs) {
    CHECK(a.port() == 8080);
    if (a.ip() == "127.0.0.1" || a.ip() == "::1") loop = true;
  }
  CHECK(loop);
}

TEST_CASE("resolve of a numeric address needs no resolver") {
  auto addrs = test::run(lookup("127.0.0.1"));
  REQUIRE(addrs.size() == 1);
  CHECK(addrs[0].to_string() == "127.0.0.1:8080");
}

TEST_CASE("a name that does not resolve throws IoError with a UV_EAI code") {
  try {
    test::run(lookup("no-such-host.invalid"));
    FAIL("resolved a name under .invalid");
  } catch (const aio::IoError& e) {
    CHECK(e.code().category() == aio::uv_category());
    CHECK(e.code().value() <= UV_EAI_ADDRFAMILY);  // the UV_EAI_* range
    CHECK(std::string(e.what()).find("no-such-host.invalid") != std::string::npos);
  }
}

TEST_CASE("a lookup cancelled while queued: its callback arrives after the task is gone") {
  aio::Loop loop;
  PoolBlocker blocker(loop.uv());
  auto body = []() -> aio::Task<bool> {
    try {
      co_await aio::with_timeout(5ms, lookup("localhost"));
    } catch (const aio::TimeoutError&) {
      co_return true;  // the lookup's frame is gone now; libuv still holds the request
    }
    co_return false;
  };
  CHECK(loop.run(body()));
  // Let the blocked pool drain: the cancelled lookup's callback runs now and
  // must touch nothing of the destroyed task (ASan watches).
  auto drain = []() -> aio::Task<void> { co_await aio::sleep(400ms); };
  loop.run(drain());
  CHECK(loop.close() == 0);
}

TEST_CASE("a running lookup detached by cancellation frees its late result") {
  aio::Loop loop;
  auto body = []() -> aio::Task<int> {
    int cancelled = 0;
    for (int i = 0; i < 20; ++i) {
      aio::Scope scope;
      scope.spawn(lookup("localhost"));
      co_await aio::sleep(std::chrono::milliseconds(0));
      scope.cancel();
      try {
        co_await scope.join();
      } catch (const aio::CancelledError&) {
      }
      ++cancelled;
    }
    co_await aio::sleep(100ms);  // late callbacks arrive here
    co_return cancelled;
  };
  CHECK(loop.run(body()) == 20);
  CHECK(loop.close() == 0);
}
