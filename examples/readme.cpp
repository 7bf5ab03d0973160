// The README's ten-line example, compiled in every build (the sanitizer one
// included) so that its call forms stay safe on g++ 12 (TOOLCHAIN.md §2).
#include <aio/aio.hpp>
using namespace std::chrono_literals;

aio::Task<std::string> fetch(aio::http::Session& session, std::string url) {
  auto resp = co_await session.get(url);
  resp.raise_for_status();                    // aio::http::ResponseError on >= 400
  co_return co_await resp.text();
}

aio::Task<int> amain(std::vector<std::string> urls) {
  aio::http::Session session({.timeout = {.total = 10s, .connect = 2s}});
  aio::Semaphore limit(16);
  auto bounded = [&](std::string url) -> aio::Task<std::string> {
    auto slot = co_await limit.acquire();      // released when slot dies
    co_return co_await fetch(session, std::move(url));
  };
  std::vector<aio::Task<std::string>> jobs;
  for (auto& u : urls) jobs.push_back(bounded(u));
  auto results = co_await aio::gather(std::move(jobs), aio::return_exceptions);
  for (auto& r : results) std::printf("%s\n", r ? r->substr(0, 60).c_str() : r.error_message().c_str());
  co_await session.close();
  co_return 0;
}

int main(int argc, char** argv) { return aio::run(amain({argv + 1, argv + argc})); }
