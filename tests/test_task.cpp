#include <aio/runtime/task.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "support/loop_fixture.hpp"
#include <aio/runtime/sleep.hpp>

namespace {

aio::Task<int> value(int v) { co_return v; }

aio::Task<int> add(int a, int b) {
  int x = co_await value(a);
  int y = co_await value(b);
  co_return x + y;
}

aio::Task<void> thrower() {
  throw std::runtime_error("boom");
  co_return;
}

aio::Task<std::string> text() { co_return std::string(100, 'x'); }

aio::Task<long> million_sync_awaits() {
  long sum = 0;
  for (int i = 0; i < 1'000'000; ++i) sum += co_await value(1);
  co_return sum;
}

aio::Task<int> after_sleep(int v) {
  co_await aio::sleep(std::chrono::milliseconds(1));
  co_return v;
}

}  // namespace

TEST_CASE("task does not start until awaited") {
  bool started = false;
  auto body = [](bool& flag) -> aio::Task<int> {
    flag = true;
    co_return 1;
  };
  aio::Task<int> t = body(started);
  CHECK_FALSE(started);
  CHECK(test::run(std::move(t)) == 1);
  CHECK(started);
}

TEST_CASE("task returns values through nested awaits") { CHECK(test::run(add(2, 3)) == 5); }

TEST_CASE("task moves non-trivial results") { CHECK(test::run(text()).size() == 100); }

TEST_CASE("task exceptions propagate through co_await") {
  auto outer = []() -> aio::Task<int> {
    try {
      co_await thrower();
    } catch (const std::runtime_error& e) {
      co_return std::string(e.what()) == "boom" ? 7 : 0;
    }
    co_return 0;
  };
  CHECK(test::run(outer()) == 7);
  CHECK_THROWS_AS(test::run(thrower()), std::runtime_error);
}

TEST_CASE("a million synchronously completing awaits do not overflow the stack") {
  CHECK(test::run(million_sync_awaits()) == 1'000'000);
}

TEST_CASE("tasks that suspend resume their awaiter with the value") {
  auto outer = []() -> aio::Task<int> {
    int sum = 0;
    for (int i = 0; i < 10; ++i) sum += co_await after_sleep(i);
    co_return sum;
  };
  CHECK(test::run(outer()) == 45);
}

TEST_CASE("a destroyed unstarted task frees its frame and parameters") {
  test::Counted::reset();
  {
    auto body = [](test::Counted c) -> aio::Task<void> {
      (void)c;
      co_return;
    };
    aio::Task<void> t = body(test::Counted{});
    CHECK(test::Counted::alive == 1);
  }
  CHECK(test::Counted::alive == 0);
}

TEST_CASE("task is move-only and moves keep it valid") {
  aio::Task<int> a = value(3);
  aio::Task<int> b = std::move(a);
  CHECK_FALSE(a.valid());
  CHECK(b.valid());
  CHECK(test::run(std::move(b)) == 3);
}

TEST_CASE("cancelling a task makes its suspension point throw CancelledError") {
  auto victim = []() -> aio::Task<int> {
    co_await aio::sleep(std::chrono::seconds(10));
    co_return 1;
  };
  auto outer = [](aio::Task<int> v) -> aio::Task<bool> {
    // Cancel from a sibling after the victim has started waiting.
    v.cancel();  // not started: cancelled before its first suspension
    try {
      co_await std::move(v);
    } catch (const aio::CancelledError&) {
      co_return true;
    }
    co_return false;
  };
  CHECK(test::run(outer(victim())));
}

TEST_CASE("cancellation is sticky: later suspension points throw too") {
  auto body = []() -> aio::Task<int> {
    int caught = 0;
    for (int i = 0; i < 3; ++i) {
      try {
        co_await aio::sleep(std::chrono::seconds(10));
      } catch (const aio::CancelledError&) {
        ++caught;
      }
    }
    co_return caught;
  };
  auto t = body();
  t.cancel();
  CHECK(test::run(std::move(t)) == 3);
}
