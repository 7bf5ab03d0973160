#include <aio/runtime/timeout.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>

#include "support/loop_fixture.hpp"
#include <aio/runtime/gather.hpp>
#include <aio/runtime/sleep.hpp>

using namespace std::chrono_literals;

namespace {

aio::Task<int> slow(int ms, bool* unwound = nullptr) {
  try {
    co_await aio::sleep(std::chrono::milliseconds(ms));
  } catch (const aio::CancelledError&) {
    if (unwound) *unwound = true;
    throw;
  }
  co_return ms;
}

aio::Task<int> instant() { co_return 42; }

}  // namespace

TEST_CASE("with_timeout returns the value when the task finishes in time") {
  auto body = []() -> aio::Task<int> { co_return co_await aio::with_timeout(1s, slow(5)); };
  CHECK(test::run(body()) == 5);
}

TEST_CASE("with_timeout of a synchronously finishing task needs no timer") {
  auto body = []() -> aio::Task<int> { co_return co_await aio::wait_for(instant(), 1ms); };
  CHECK(test::run(body()) == 42);
}

TEST_CASE("with_timeout cancels the inner task and waits for it before TimeoutError") {
  auto body = []() -> aio::Task<bool> {
    bool unwound = false;
    auto t0 = std::chrono::steady_clock::now();
    try {
      co_await aio::with_timeout(10ms, slow(10'000, &unwound));
    } catch (const aio::TimeoutError& e) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      CHECK(ms < 5000);
      CHECK(e.code() == aio::Errc::timeout);
      co_return unwound;  // the inner work was cancelled before we got here
    }
    co_return false;
  };
  CHECK(test::run(body()));
}

TEST_CASE("a timeout around gather cancels every child") {
  auto body = []() -> aio::Task<bool> {
    bool u1 = false, u2 = false;
    try {
      co_await aio::with_timeout(5ms, aio::gather(slow(10'000, &u1), slow(10'000, &u2)));
    } catch (const aio::TimeoutError&) {
      co_return u1 && u2;
    }
    co_return false;
  };
  CHECK(test::run(body()));
}

TEST_CASE("nested timeouts: the inner one fires first") {
  auto body = []() -> aio::Task<int> {
    auto inner = []() -> aio::Task<int> {
      try {
        co_await aio::with_timeout(5ms, slow(10'000));
      } catch (const aio::TimeoutError&) {
        co_return 1;
      }
      co_return 0;
    };
    co_return co_await aio::with_timeout(5s, inner());
  };
  CHECK(test::run(body()) == 1);
}

TEST_CASE("errors other than the timeout pass through unchanged") {
  auto thrower = []() -> aio::Task<int> {
    co_await aio::sleep(1ms);
    throw std::logic_error("own");
  };
  auto body = [](auto thrower) -> aio::Task<int> { co_return co_await aio::with_timeout(1s, thrower()); };
  CHECK_THROWS_AS(test::run(body(thrower)), std::logic_error);
}
