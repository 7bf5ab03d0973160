#include <aio/runtime/loop.hpp>

#include <doctest/doctest.h>

#include <uv.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/loop_fixture.hpp"
#include <aio/runtime/event.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/tcp.hpp>

using namespace std::chrono_literals;

TEST_CASE("aio::run returns the task's value and rethrows its exception") {
  auto ok = []() -> aio::Task<int> {
    co_await aio::sleep(1ms);
    co_return 9;
  };
  auto bad = []() -> aio::Task<int> {
    co_await aio::sleep(1ms);
    throw std::invalid_argument("bad");
  };
  CHECK(aio::run(ok()) == 9);
  CHECK_THROWS_AS(aio::run(bad()), std::invalid_argument);
}

TEST_CASE("teardown closes handles the task left open: uv_loop_close() == 0") {
  aio::Loop loop;
  auto body = []() -> aio::Task<void> {
    aio::TcpListener l(aio::Address::parse("127.0.0.1", 0).value());
    co_await aio::sleep(1ms);  // timers go back to the pool, the listener closes
  };
  loop.run(body());
  CHECK(loop.close() == 0);
  CHECK(loop.close() == 0);  // idempotent
}

TEST_CASE("a loop around a host-owned uv_loop_t leaves the host's handles alone") {
  uv_loop_t host;
  REQUIRE(uv_loop_init(&host) == 0);
  uv_timer_t host_timer;
  uv_timer_init(&host, &host_timer);
  {
    aio::Loop loop(&host);
    auto body = []() -> aio::Task<int> {
      co_await aio::sleep(2ms);
      co_return 3;
    };
    CHECK(loop.run(body()) == 3);
    CHECK(loop.close() == 0);
  }
  CHECK(uv_is_closing(reinterpret_cast<uv_handle_t*>(&host_timer)) == 0);
  uv_close(reinterpret_cast<uv_handle_t*>(&host_timer), nullptr);
  uv_run(&host, UV_RUN_DEFAULT);  // the host runs the close callbacks
  CHECK(uv_loop_close(&host) == 0);
}

TEST_CASE("a task that waits on nothing that can wake it is reported, not hung") {
  auto stuck = []() -> aio::Task<void> {
    aio::Event never;
    co_await never.wait();
  };
  try {
    aio::run(stuck());
    FAIL("returned");
  } catch (const aio::Error& e) {
    CHECK(e.code() == aio::Errc::deadlock);
  }
}

TEST_CASE("post from another thread runs on the loop's thread") {
  aio::Loop loop;
  auto body = [](aio::Loop& loop) -> aio::Task<bool> {
    aio::Event done;
    std::atomic<std::thread::id> ran_on{};
    std::thread t([&] {
      loop.post([&] {
        ran_on = std::this_thread::get_id();
        done.set();
      });
    });
    // Keep the loop alive while the other thread posts.
    while (!done.is_set()) co_await aio::sleep(1ms);
    t.join();
    co_return ran_on.load() == std::this_thread::get_id();
  };
  CHECK(loop.run(body(loop)));
  CHECK(loop.close() == 0);
}
