#include <aio/runtime/semaphore.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "support/loop_fixture.hpp"
#include <aio/runtime/gather.hpp>
#include <aio/runtime/scope.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/timeout.hpp>

using namespace std::chrono_literals;

namespace {

aio::Task<void> worker(aio::Semaphore& sem, int id, std::vector<int>* order, int* inside, int* peak) {
  auto permit = co_await sem.acquire();
  order->push_back(id);
  ++*inside;
  if (*inside > *peak) *peak = *inside;
  co_await aio::sleep(2ms);
  --*inside;
}

}  // namespace

TEST_CASE("semaphore caps concurrency and hands permits out in FIFO order") {
  auto body = []() -> aio::Task<bool> {
    aio::Semaphore sem(2);
    std::vector<int> order;
    int inside = 0, peak = 0;
    std::vector<aio::Task<void>> tasks;
    for (int i = 0; i < 10; ++i) tasks.push_back(worker(sem, i, &order, &inside, &peak));
    co_await aio::gather(std::move(tasks));
    CHECK(peak == 2);
    CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    co_return sem.available() == 2;
  };
  CHECK(test::run(body()));
}

TEST_CASE("a permit is released when it goes out of scope") {
  auto body = []() -> aio::Task<size_t> {
    aio::Semaphore sem(1);
    {
      auto p = co_await sem.acquire();
      CHECK(sem.available() == 0);
      CHECK_FALSE(sem.try_acquire());
    }
    co_return sem.available();
  };
  CHECK(test::run(body()) == 1);
}

TEST_CASE("a cancelled waiter leaves the queue without taking a permit") {
  auto body = []() -> aio::Task<bool> {
    aio::Semaphore sem(1);
    auto held = co_await sem.acquire();
    bool timed_out = false;
    auto wait_one = [](aio::Semaphore& s) -> aio::Task<void> { auto p = co_await s.acquire(); };
    try {
      co_await aio::with_timeout(5ms, wait_one(sem));
    } catch (const aio::TimeoutError&) {
      timed_out = true;
    }
    held.release();
    // The permit came back and nobody stole it.
    CHECK(sem.available() == 1);
    auto again = co_await sem.acquire();
    co_return timed_out && sem.available() == 0;
  };
  CHECK(test::run(body()));
}

TEST_CASE("a waiter cancelled after the permit was handed to it still returns it") {
  auto body = []() -> aio::Task<bool> {
    aio::Semaphore sem(1);
    auto held = aio::Semaphore::Permit();
    held = co_await sem.acquire();
    bool got = false, cancelled_later = false;
    auto waiter = [](aio::Semaphore& s, bool* got, bool* cancelled_later) -> aio::Task<void> {
      auto p = co_await s.acquire();
      *got = true;
      try {
        co_await aio::sleep(1h);
      } catch (const aio::CancelledError&) {
        *cancelled_later = true;
        throw;
      }
    };
    aio::Scope scope;
    scope.spawn(waiter(sem, &got, &cancelled_later));
    co_await aio::yield();   // the waiter queues
    held.release();          // hands the permit over (waiter is scheduled)
    scope.cancel();          // cancelled before it resumes
    co_await scope.join();
    co_return got && cancelled_later && sem.available() == 1;
  };
  CHECK(test::run(body()));
}
