#include <aio/runtime/gather.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/loop_fixture.hpp"
#include <aio/runtime/scope.hpp>
#include <aio/runtime/sleep.hpp>

using namespace std::chrono_literals;

namespace {

aio::Task<int> after(int ms, int v, std::vector<int>* order = nullptr) {
  co_await aio::sleep(std::chrono::milliseconds(ms));
  if (order) order->push_back(v);
  co_return v;
}

aio::Task<int> fail_after(int ms) {
  co_await aio::sleep(std::chrono::milliseconds(ms));
  throw std::runtime_error("failed");
}

aio::Task<void> nothing() { co_return; }

// Records whether it was cancelled and that it unwound before gather threw.
aio::Task<int> long_sleeper(bool* cancelled, bool* unwound) {
  try {
    co_await aio::sleep(10s);
  } catch (const aio::CancelledError&) {
    *cancelled = true;
    *unwound = true;
    throw;
  }
  co_return 0;
}

}  // namespace

TEST_CASE("gather over a vector returns results in argument order") {
  auto body = []() -> aio::Task<std::vector<int>> {
    std::vector<int> order;
    std::vector<aio::Task<int>> tasks;
    tasks.push_back(after(30, 1, &order));
    tasks.push_back(after(10, 2, &order));
    tasks.push_back(after(20, 3, &order));
    auto r = co_await aio::gather(std::move(tasks));
    CHECK(order == std::vector<int>{2, 3, 1});  // completion order differs
    co_return r;
  };
  CHECK(test::run(body()) == std::vector<int>{1, 2, 3});
}

TEST_CASE("variadic gather mixes types and void") {
  auto body = []() -> aio::Task<bool> {
    auto [a, v, b] = co_await aio::gather(after(5, 4), nothing(), after(1, 5));
    (void)v;
    co_return a == 4 && b == 5;
  };
  CHECK(test::run(body()));
}

TEST_CASE("gather runs tasks concurrently") {
  auto body = []() -> aio::Task<long> {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<aio::Task<int>> tasks;
    for (int i = 0; i < 50; ++i) tasks.push_back(after(50, i));
    co_await aio::gather(std::move(tasks));
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  CHECK(test::run(body()) < 2000);  // 50 x 50 ms sequentially would be 2.5 s
}

TEST_CASE("gather's first failure cancels the rest, waits for them, and rethrows") {
  auto body = []() -> aio::Task<bool> {
    bool c1 = false, u1 = false, c2 = false, u2 = false;
    std::vector<aio::Task<int>> tasks;
    tasks.push_back(long_sleeper(&c1, &u1));
    tasks.push_back(fail_after(5));
    tasks.push_back(long_sleeper(&c2, &u2));
    try {
      co_await aio::gather(std::move(tasks));
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()) == "failed");
      co_return c1 && u1 && c2 && u2;  // both unwound before the rethrow
    }
    co_return false;
  };
  CHECK(test::run(body()));
}

TEST_CASE("gather with return_exceptions waits for all and returns each outcome") {
  auto body = []() -> aio::Task<bool> {
    std::vector<aio::Task<int>> tasks;
    tasks.push_back(after(20, 1));
    tasks.push_back(fail_after(5));
    tasks.push_back(after(10, 3));
    auto r = co_await aio::gather(std::move(tasks), aio::return_exceptions);
    CHECK(r.size() == 3);
    CHECK(r[0]);
    CHECK(*r[0] == 1);
    CHECK_FALSE(r[1]);
    CHECK(r[1].error_message() == "failed");
    CHECK(*r[2] == 3);
    co_return true;
  };
  CHECK(test::run(body()));
}

TEST_CASE("variadic gather with return_exceptions") {
  auto body = []() -> aio::Task<bool> {
    auto [a, b] = co_await aio::gather(aio::return_exceptions, after(1, 1), fail_after(1));
    co_return a && *a == 1 && !b;
  };
  CHECK(test::run(body()));
}

TEST_CASE("cancelling a gather cancels every child and throws CancelledError") {
  auto guarded = [](aio::Task<std::tuple<int, int>> g, bool* threw) -> aio::Task<void> {
    try {
      co_await std::move(g);
    } catch (const aio::CancelledError&) {
      *threw = true;
    }
  };
  auto body = [](auto guarded) -> aio::Task<bool> {
    bool c1 = false, u1 = false, c2 = false, u2 = false, threw = false;
    aio::Scope scope;
    scope.spawn(guarded(aio::gather(long_sleeper(&c1, &u1), long_sleeper(&c2, &u2)), &threw));
    co_await aio::sleep(5ms);
    scope.cancel();
    co_await scope.join();
    co_return threw && c1 && c2 && u1 && u2;
  };
  CHECK(test::run(body(guarded)));
}

TEST_CASE("gather of an empty vector returns at once") {
  auto body = []() -> aio::Task<size_t> {
    auto r = co_await aio::gather(std::vector<aio::Task<int>>{});
    co_return r.size();
  };
  CHECK(test::run(body()) == 0);
}

TEST_CASE("gather of synchronously completing tasks does not suspend") {
  auto body = []() -> aio::Task<int> {
    std::vector<aio::Task<void>> tasks;
    for (int i = 0; i < 1000; ++i) tasks.push_back(nothing());
    auto r = co_await aio::gather(std::move(tasks));
    co_return static_cast<int>(r.size());
  };
  CHECK(test::run(body()) == 1000);
}
