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
