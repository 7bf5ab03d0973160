// Other threads talking to a running loop: Loop::post and spawn_threadsafe
// while the loop runs (under run() and under a host's tick()), with results
// delivered back on the loop's thread. Built and run under ThreadSanitizer by
// `tools/test.sh --tsan` (suite 'threads'); tests/tsan.supp says what TSan
// cannot see inside libuv and why that is not a race.
//
// Loop-thread state in these tests is deliberately plain (no atomics): a
// write from the wrong thread, or a post without a happens-before edge, is a
// data race TSan reports.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/loop_fixture.hpp"
#include <aio/aio.hpp>
#include <aio/http/demo_routes.hpp>
#include <aio/http/server.hpp>

using namespace std::chrono_literals;

namespace {

constexpr int kThreads = 4;
constexpr int kPostsPerThread = 2000;

aio::Task<void> wait_event(aio::Event* e) { co_await e->wait(); }

struct Tally {  // loop thread only
  std::thread::id loop_thread;
  int runs = 0;
  int wrong_thread = 0;
  std::size_t bytes = 0;
  aio::Event all_done;
  int expected = 0;

  void record(std::size_t n) {
    if (std::this_thread::get_id() != loop_thread) ++wrong_thread;
    bytes += n;
    if (++runs == expected) all_done.set();
  }
};

aio::Task<void> post_from_threads(aio::Loop* loop, Tally* tally) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([loop, tally, t] {
      for (int i = 0; i < kPostsPerThread; ++i) {
        // Made on this thread, read on the loop's: the post must publish it.
        auto payload = std::make_shared<std::string>(static_cast<std::size_t>(t + 1), 'x');
        loop->post([tally, payload] { tally->record(payload->size()); });
      }
    });
  // The loop keeps running (and polling) while the threads post.
  co_await aio::wait_for(wait_event(&tally->all_done), 30s);
  for (auto& th : threads) th.join();
}

}  // namespace

TEST_CASE("posts from several threads run on the loop's thread while run() runs") {
  aio::Loop loop;
  Tally tally;
  tally.loop_thread = std::this_thread::get_id();
  tally.expected = kThreads * kPostsPerThread;
  loop.run(post_from_threads(&loop, &tally));
  CHECK(tally.runs == tally.expected);
  CHECK(tally.wrong_thread == 0);
  CHECK(tally.bytes == static_cast<std::size_t>(kPostsPerThread) * (1 + 2 + 3 + 4));
  CHECK(loop.close() == 0);
}

namespace {

// Work done on a worker thread, its result delivered back to the awaiting
// coroutine on the loop's thread (the pattern for blocking work: decode a
// file, hash, compress).
aio::Task<long> on_worker(aio::Loop* loop, long n) {
  struct Shared {  // touched on the loop thread only
    long result = 0;
    aio::Event done;
  };
  auto shared = std::make_shared<Shared>();
  // The loop cannot know that a thread will post: without this, run() would
  // take "nothing left to wait on" for a deadlock.
  aio::Loop::KeepAlive keep = loop->keep_alive();
  std::jthread worker([loop, n, shared] {
    long sum = 0;
    for (long i = 1; i <= n; ++i) sum += i;
    loop->post([sum, shared] {
      shared->result = sum;
      shared->done.set();
    });
  });
  co_await wait_event(&shared->done);
  co_return shared->result;
}

aio::Task<void> many_workers(aio::Loop* loop, std::vector<long>* out) {
  std::vector<aio::Task<long>> jobs;
  for (long n = 1; n <= 32; ++n) jobs.push_back(on_worker(loop, n * 1000));
  *out = co_await aio::gather(std::move(jobs));
}

}  // namespace

TEST_CASE("results computed on worker threads come back to the awaiting task") {
  aio::Loop loop;
  std::vector<long> got;
  loop.run(many_workers(&loop, &got));
  REQUIRE(got.size() == 32);
  for (long n = 1; n <= 32; ++n) CHECK(got[static_cast<std::size_t>(n - 1)] == (n * 1000) * (n * 1000 + 1) / 2);
  CHECK(loop.close() == 0);
}

namespace {

struct Fetched {  // loop thread only
  std::thread::id loop_thread;
  int ok = 0;
  int failed = 0;
  int wrong_thread = 0;
  int expected = 0;
  aio::Event all_done;

  void done(bool success) {
    if (std::this_thread::get_id() != loop_thread) ++wrong_thread;
    ++(success ? ok : failed);
    if (ok + failed == expected) all_done.set();
  }
};

// Created (but not started) on a requesting thread; runs on the loop's.
aio::Task<void> fetch(aio::http::Session* session, std::string url, Fetched* out) {
  bool success = false;
  try {
    aio::http::Response r = co_await session->get(url);
    std::string body = co_await r.text();
    success = r.status() == 200 && body == "Hello, world!";
  } catch (const std::exception&) {
    success = false;
  }
  out->done(success);
}

aio::Task<void> serve_requests_from_threads(aio::Loop* loop, Fetched* fetched) {
  aio::http::Server server;
  aio::http::add_demo_routes(server);
  server.listen(aio::Address::parse("127.0.0.1", 0).value());
  // Thread 0 asks for 127.0.0.1, thread 1 for localhost: the name goes
  // through getaddrinfo on libuv's thread pool (uninstrumented code handing
  // results back to the loop thread).
  std::string port = std::to_string(server.local_address().port());
  std::string urls[2] = {"http://127.0.0.1:" + port + "/hello", "http://localhost:" + port + "/hello"};
  aio::Scope scope;
  scope.spawn(server.serve());
  aio::http::Session session;

  constexpr int kPerThread = 100;
  fetched->expected = 2 * kPerThread;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([loop, &session, url = urls[t], fetched] {
      for (int i = 0; i < kPerThread; ++i) {
        loop->spawn_threadsafe(fetch(&session, url, fetched));
        if (i % 10 == 0) std::this_thread::sleep_for(1ms);  // interleave with the loop's work
      }
    });
  std::exception_ptr failure;
  try {
    co_await aio::wait_for(wait_event(&fetched->all_done), 60s);
  } catch (...) {
    failure = std::current_exception();
  }
  for (auto& th : threads) th.join();
  co_await session.close();
  server.close();
  co_await scope.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace

TEST_CASE("spawn_threadsafe from two threads: HTTP requests run on the loop, results land there") {
  aio::Loop loop;
  Fetched fetched;
  fetched.loop_thread = std::this_thread::get_id();
  loop.run(serve_requests_from_threads(&loop, &fetched));
  CHECK(fetched.ok == fetched.expected);
  CHECK(fetched.failed == 0);
  CHECK(fetched.wrong_thread == 0);
  CHECK(loop.close() == 0);
}

namespace {

aio::Task<void> short_job(int* done, std::thread::id loop_thread, int* wrong_thread) {
  co_await aio::sleep(1ms);
  if (std::this_thread::get_id() != loop_thread) ++*wrong_thread;
  ++*done;
}

}  // namespace

TEST_CASE("a host frame loop with tick(): other threads post and spawn between and during frames") {
  aio::Loop loop;
  const std::thread::id loop_thread = std::this_thread::get_id();
  int posted_runs = 0, jobs_done = 0, wrong_thread = 0;  // loop thread only
  constexpr int kEach = 500;
  std::atomic<bool> go{false};
  std::thread poster([&] {
    while (!go) std::this_thread::yield();
    for (int i = 0; i < kEach; ++i) {
      loop.post([&] {
        if (std::this_thread::get_id() != loop_thread) ++wrong_thread;
        ++posted_runs;
      });
      if (i % 50 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  std::thread spawner([&] {
    while (!go) std::this_thread::yield();
    for (int i = 0; i < kEach; ++i) {
      loop.spawn_threadsafe(short_job(&jobs_done, loop_thread, &wrong_thread));
      if (i % 50 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  go = true;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while ((posted_runs < kEach || jobs_done < kEach) && std::chrono::steady_clock::now() < deadline) {
    loop.tick(2ms);  // the host's frame: a 2 ms slice for aiocpp
    std::this_thread::sleep_for(1ms);
  }
  poster.join();
  spawner.join();
  CHECK(posted_runs == kEach);
  CHECK(jobs_done == kEach);
  CHECK(wrong_thread == 0);
  CHECK(loop.close() == 0);
}
