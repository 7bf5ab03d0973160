#include <aio/runtime/scope.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "support/loop_fixture.hpp"
#include <aio/runtime/sleep.hpp>

using namespace std::chrono_literals;

namespace {

aio::Task<void> record(int ms, int v, std::vector<int>* out) {
  co_await aio::sleep(std::chrono::milliseconds(ms));
  out->push_back(v);
}

aio::Task<void> fail(int ms) {
  co_await aio::sleep(std::chrono::milliseconds(ms));
  throw std::runtime_error("spawned failure");
}

aio::Task<void> forever(bool* cancelled) {
  try {
    co_await aio::sleep(1h);
  } catch (const aio::CancelledError&) {
    *cancelled = true;
    throw;
  }
}

}  // namespace

TEST_CASE("spawned tasks run concurrently and join waits for all") {
  auto body = []() -> aio::Task<std::vector<int>> {
    std::vector<int> out;
    aio::Scope scope;
    scope.spawn(record(20, 1, &out));
    scope.spawn(record(5, 2, &out));
    CHECK(out.empty());  // spawn does not run the task inline
    CHECK(scope.active() == 2);
    co_await scope.join();
    CHECK(scope.active() == 0);
    co_return out;
  };
  CHECK(test::run(body()) == std::vector<int>{2, 1});
}

TEST_CASE("a failing spawned task cancels its siblings and join rethrows") {
  auto body = []() -> aio::Task<bool> {
    bool cancelled = false;
    aio::Scope scope;
    scope.spawn(forever(&cancelled));
    scope.spawn(fail(5));
    try {
      co_await scope.join();
    } catch (const std::runtime_error&) {
      co_return cancelled;
    }
    co_return false;
  };
  CHECK(test::run(body()));
}

TEST_CASE("cancelling the joiner cancels the scope's tasks") {
  auto joiner = [](bool* cancelled, bool* threw) -> aio::Task<void> {
    aio::Scope scope;
    scope.spawn(forever(cancelled));
    try {
      co_await scope.join();
    } catch (const aio::CancelledError&) {
      *threw = true;
    }
  };
  auto body = [](auto joiner) -> aio::Task<bool> {
    bool cancelled = false, threw = false;
    aio::Scope outer;
    outer.spawn(joiner(&cancelled, &threw));
    co_await aio::sleep(5ms);
    outer.cancel();
    co_await outer.join();
    co_return cancelled && threw;
  };
  CHECK(test::run(body(joiner)));
}

TEST_CASE("join of an empty scope returns at once") {
  auto body = []() -> aio::Task<int> {
    aio::Scope scope;
    co_await scope.join();
    co_return 1;
  };
  CHECK(test::run(body()) == 1);
}

TEST_CASE("many spawned tasks free their frames as they finish") {
  auto body = []() -> aio::Task<int> {
    std::vector<int> out;
    aio::Scope scope;
    for (int i = 0; i < 10000; ++i) scope.spawn(record(0, i, &out));
    co_await scope.join();
    co_return static_cast<int>(out.size());
  };
  CHECK(test::run(body()) == 10000);
}
