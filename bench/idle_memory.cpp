// Memory per idle pooled connection: opens N keep-alive connections to URL
// through one Session (N concurrent GETs), lets them go idle in the pool,
// and reports the growth of the resident set per connection.
//
//   build/bench/idle_memory URL [N]
#include <aio/aio.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

aio::Task<std::string> get(aio::http::Session& s, std::string url) {
  auto r = co_await s.get(url);
  co_return co_await r.text();
}

aio::Task<int> amain(std::string url, int n) {
  aio::http::SessionOptions o;
  o.limit = static_cast<std::size_t>(n);
  o.keepalive_timeout = std::chrono::minutes(5);
  aio::http::Session s(o);
  co_await get(s, url);  // warm up: DNS, first allocations
  long before = rss_kib();
  std::vector<aio::Task<std::string>> jobs;
  for (int i = 0; i < n; ++i) jobs.push_back(get(s, url));
  co_await aio::gather(std::move(jobs));
  long after = rss_kib();
  std::size_t idle = s.idle_connections();
  std::printf("{\"idle_connections\": %zu, \"rss_growth_kib\": %ld, \"bytes_per_idle_connection\": %.0f}\n", idle,
              after - before, idle ? static_cast<double>(after - before) * 1024.0 / static_cast<double>(idle) : 0.0);
  co_await s.close();
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: idle_memory URL [N]\n");
    return 2;
  }
  return aio::run(amain(argv[1], argc > 2 ? std::atoi(argv[2]) : 1000));
}
