// The runtime on its own: tasks that sleep concurrently under a semaphore,
// one of them bounded by a timeout.
#include <aio/aio.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace std::chrono_literals;

aio::Task<int> countdown(aio::Semaphore& limit, int id, int ms) {
  auto permit = co_await limit.acquire();
  co_await aio::sleep(std::chrono::milliseconds(ms));
  std::printf("task %d slept %d ms\n", id, ms);
  co_return id;
}

aio::Task<int> amain() {
  aio::Semaphore limit(2);
  std::vector<aio::Task<int>> jobs;
  for (int i = 0; i < 4; ++i) jobs.push_back(countdown(limit, i, 20 * (i + 1)));
  auto results = co_await aio::gather(std::move(jobs), aio::return_exceptions);
  for (auto& r : results) std::printf("result: %s\n", r ? std::to_string(*r).c_str() : r.error_message().c_str());
  try {
    co_await aio::with_timeout(10ms, countdown(limit, 99, 1000));
  } catch (const aio::TimeoutError& e) {
    std::printf("task 99: %s\n", e.what());
  }
  co_return 0;
}

int main() { return aio::run(amain()); }
