#include <aio/runtime/loop.hpp>

#include <doctest/doctest.h>

#include <uv.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/loop_fixture.hpp"
#include <aio/runtime/event.hpp>
#include <aio/runtime/scope.hpp>
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

TEST_CASE("run() makes one loop pass per wake-up, not a second non-blocking one") {
  // libuv 1.44's UV_RUN_ONCE does not block when an idle handle was active
  // as the pass began; resuming tasks from the idle hook cost every wake-up
  // a second pass (a second epoll_wait). A check handle counts the passes.
  aio::Loop loop;
  int passes = 0;
  uv_check_t check;
  uv_check_init(loop.uv(), &check);
  check.data = &passes;
  uv_unref(reinterpret_cast<uv_handle_t*>(&check));
  uv_check_start(&check, [](uv_check_t* c) { ++*static_cast<int*>(c->data); });
  constexpr int kSleeps = 40;
  auto body = []() -> aio::Task<void> {
    for (int i = 0; i < kSleeps; ++i) co_await aio::sleep(2ms);
  };
  loop.run(body());
  uv_close(reinterpret_cast<uv_handle_t*>(&check), nullptr);
  MESSAGE(passes, " loop passes for ", kSleeps, " timer wake-ups");
  CHECK(passes >= kSleeps);
  CHECK(passes <= kSleeps + kSleeps / 4);  // the idle hook made it 2 * kSleeps
  CHECK(loop.close() == 0);
}

TEST_CASE("a timer due as a pass begins wakes its task without waiting for the next timer") {
  // The timer fires before the pass polls: the pass must not then block
  // until the next timer (5 s here) or I/O.
  auto body = []() -> aio::Task<void> {
    auto long_sleep = []() -> aio::Task<void> { co_await aio::sleep(5s); };
    aio::Scope scope;
    scope.spawn(long_sleep());  // the next timer after the short one
    auto t0 = std::chrono::steady_clock::now();
    auto busy_then_sleep = []() -> aio::Task<void> {
      auto until = std::chrono::steady_clock::now() + 5ms;
      co_await aio::yield();
      while (std::chrono::steady_clock::now() < until) {
      }  // the 1 ms timer is due before this pass polls
    };
    aio::Scope work;
    work.spawn(busy_then_sleep());
    co_await aio::sleep(1ms);
    co_await work.join();
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    scope.cancel();
    co_await scope.join();
  };
  aio::run(body());
}

TEST_CASE("run() returns as soon as its task ends, with a long timer still pending") {
  aio::Loop loop;
  auto long_sleep = []() -> aio::Task<void> { co_await aio::sleep(5s); };
  loop.spawn(long_sleep());
  auto quick = []() -> aio::Task<int> { co_return 1; };
  auto t0 = std::chrono::steady_clock::now();
  CHECK(loop.run(quick()) == 1);
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  CHECK(loop.close() == 0);  // cancels the sleeper
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

TEST_CASE("a host frame loop drives tasks with tick() and sleeps by next_timeout()") {
  aio::Loop loop;
  int done = 0;
  auto work = [](int* done) -> aio::Task<void> {
    co_await aio::sleep(std::chrono::milliseconds(20));
    ++*done;
  };
  for (int i = 0; i < 100; ++i) loop.spawn(work(&done));
  CHECK(loop.next_timeout() == 0);  // spawned tasks are ready to start
  int frames = 0;
  auto t0 = std::chrono::steady_clock::now();
  while (done < 100 && frames < 10000) {
    auto frame_start = std::chrono::steady_clock::now();
    loop.tick(std::chrono::milliseconds(2));
    CHECK(std::chrono::steady_clock::now() - frame_start < std::chrono::milliseconds(200));
    int wait = loop.next_timeout();
    CHECK(wait <= 20);
    if (wait > 0) std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    ++frames;
  }
  CHECK(done == 100);
  CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(19));
  CHECK_FALSE(loop.tick(std::chrono::milliseconds(1)));  // nothing left
  CHECK(loop.next_timeout() == -1);
  CHECK(loop.close() == 0);
}

TEST_CASE("tick() returns within its budget while a task keeps yielding") {
  aio::Loop loop;
  bool stop = false;
  auto spinner = [](bool* stop) -> aio::Task<void> {
    while (!*stop) co_await aio::yield();
  };
  loop.spawn(spinner(&stop));
  auto t0 = std::chrono::steady_clock::now();
  loop.tick(std::chrono::milliseconds(5));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took < std::chrono::milliseconds(100));
  stop = true;
  loop.tick(std::chrono::milliseconds(5));
  CHECK(loop.close() == 0);
}

TEST_CASE("tasks spawned on the loop are cancelled and unwound by close()") {
  aio::Loop loop;
  bool cancelled = false;
  auto forever = [](bool* cancelled) -> aio::Task<void> {
    try {
      co_await aio::sleep(std::chrono::hours(1));
    } catch (const aio::CancelledError&) {
      *cancelled = true;
      throw;
    }
  };
  loop.spawn(forever(&cancelled));
  loop.tick(std::chrono::milliseconds(1));
  CHECK(loop.close() == 0);
  CHECK(cancelled);
}

TEST_CASE("spawn_threadsafe from another thread runs the task on the loop's thread") {
  aio::Loop loop;
  std::atomic<bool> ran{false};
  std::thread::id loop_thread = std::this_thread::get_id();
  std::atomic<bool> same_thread{false};
  auto job = [](std::atomic<bool>* ran, std::atomic<bool>* same, std::thread::id expected) -> aio::Task<void> {
    co_await aio::sleep(std::chrono::milliseconds(1));
    *same = std::this_thread::get_id() == expected;
    *ran = true;
  };
  std::thread other([&] { loop.spawn_threadsafe(job(&ran, &same_thread, loop_thread)); });
  other.join();
  for (int i = 0; i < 1000 && !ran; ++i) {
    loop.tick(std::chrono::milliseconds(1));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(ran);
  CHECK(same_thread);
  CHECK(loop.close() == 0);
}
