#include <aio/runtime/event.hpp>

#include <doctest/doctest.h>

#include <chrono>

#include "support/loop_fixture.hpp"
#include <aio/runtime/gather.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/timeout.hpp>

using namespace std::chrono_literals;

TEST_CASE("event wakes every waiter when set") {
  auto waiter = [](aio::Event& e, int* woken) -> aio::Task<void> {
    co_await e.wait();
    ++*woken;
  };
  auto setter = [](aio::Event& e) -> aio::Task<void> {
    co_await aio::sleep(2ms);
    e.set();
  };
  auto body = [](auto waiter, auto setter) -> aio::Task<int> {
    aio::Event e;
    int woken = 0;
    co_await aio::gather(waiter(e, &woken), waiter(e, &woken), setter(e));
    CHECK(e.is_set());
    co_await e.wait();  // already set: passes at once
    e.clear();
    CHECK_FALSE(e.is_set());
    co_return woken;
  };
  CHECK(test::run(body(waiter, setter)) == 2);
}

TEST_CASE("a cancelled event waiter unlinks itself") {
  auto body = []() -> aio::Task<bool> {
    aio::Event e;
    auto waiter = [](aio::Event& e) -> aio::Task<void> { co_await e.wait(); };
    bool timed_out = false;
    try {
      co_await aio::with_timeout(2ms, waiter(e));
    } catch (const aio::TimeoutError&) {
      timed_out = true;
    }
    e.set();  // nobody left to wake: must not touch the gone waiter
    co_return timed_out;
  };
  CHECK(test::run(body()));
}
