#include <aio/runtime/sleep.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "support/loop_fixture.hpp"
#include <aio/runtime/gather.hpp>

using namespace std::chrono_literals;

TEST_CASE("sleep waits at least the duration") {
  auto body = []() -> aio::Task<long> {
    auto t0 = std::chrono::steady_clock::now();
    co_await aio::sleep(20ms);
    co_return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
        .count();
  };
  CHECK(test::run(body()) >= 19);
}

TEST_CASE("sleeps wake in deadline order") {
  auto sleeper = [](int ms, std::vector<int>* order) -> aio::Task<void> {
    co_await aio::sleep(std::chrono::milliseconds(ms));
    order->push_back(ms);
  };
  auto body = [](auto sleeper) -> aio::Task<std::vector<int>> {
    std::vector<int> order;
    co_await aio::gather(sleeper(30, &order), sleeper(10, &order), sleeper(20, &order));
    co_return order;
  };
  CHECK(test::run(body(sleeper)) == std::vector<int>{10, 20, 30});
}

TEST_CASE("sleep of zero and of sub-millisecond durations completes") {
  auto body = []() -> aio::Task<int> {
    co_await aio::sleep(0ms);
    co_await aio::sleep(std::chrono::microseconds(10));
    co_return 1;
  };
  CHECK(test::run(body()) == 1);
}

TEST_CASE("yield lets other ready tasks run first") {
  auto a = [](std::vector<int>* log) -> aio::Task<void> {
    log->push_back(1);
    co_await aio::yield();
    log->push_back(3);
  };
  auto b = [](std::vector<int>* log) -> aio::Task<void> {
    log->push_back(2);
    co_await aio::yield();
    log->push_back(4);
  };
  auto body = [](auto a, auto b) -> aio::Task<std::vector<int>> {
    std::vector<int> log;
    co_await aio::gather(a(&log), b(&log));
    co_return log;
  };
  CHECK(test::run(body(a, b)) == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("a busy yielding task does not starve timers") {
  auto spinner = [](bool* stop, long* spins) -> aio::Task<void> {
    while (!*stop) {
      ++*spins;
      co_await aio::yield();
    }
  };
  auto timer = [](bool* stop) -> aio::Task<void> {
    co_await aio::sleep(5ms);
    *stop = true;
  };
  auto body = [](auto spinner, auto timer) -> aio::Task<long> {
    bool stop = false;
    long spins = 0;
    co_await aio::gather(spinner(&stop, &spins), timer(&stop));
    co_return spins;
  };
  CHECK(test::run(body(spinner, timer)) > 0);
}
