// The seed's job: fetch many URLs concurrently through one session, at most
// N at a time, with a timeout, and report each result or error.
//
//   build/examples/fetch [-c N] URL...
#include <aio/aio.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace std::chrono_literals;

struct Fetched {
  int status = 0;
  std::size_t bytes = 0;
};

aio::Task<Fetched> fetch(aio::http::Session& session, aio::Semaphore& limit, std::string url) {
  auto permit = co_await limit.acquire();  // released when this task ends
  aio::http::Response resp = co_await session.get(url);
  std::string body = co_await resp.text();
  co_return Fetched{resp.status(), body.size()};
}

aio::Task<int> amain(int concurrency, std::vector<std::string> urls) {
  aio::http::Session session({
      .headers = {{"User-Agent", "aiocpp-fetch"}},
      .timeout = {.total = 10s, .connect = 2s},
  });
  aio::Semaphore limit(static_cast<std::size_t>(concurrency));
  std::vector<aio::Task<Fetched>> jobs;
  for (auto& u : urls) jobs.push_back(fetch(session, limit, u));
  auto results = co_await aio::gather(std::move(jobs), aio::return_exceptions);
  int failed = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i])
      std::printf("%s %d %zu\n", urls[i].c_str(), results[i]->status, results[i]->bytes);
    else
      std::printf("%s error: %s\n", urls[i].c_str(), results[i].error_message().c_str()), ++failed;
  }
  co_await session.close();
  std::printf("%zu ok, %d failed\n", results.size() - static_cast<std::size_t>(failed), failed);
  co_return failed == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  int concurrency = 8;
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-c") == 0 && i + 1 < argc)
      concurrency = std::atoi(argv[++i]);
    else
      urls.emplace_back(argv[i]);
  }
  if (urls.empty() || concurrency < 1) {
    std::fprintf(stderr, "usage: fetch [-c N] URL...\n");
    return 2;
  }
  return aio::run(amain(concurrency, std::move(urls)));
}
