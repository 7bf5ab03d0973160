// Memory per idle pooled connection: opens N keep-alive connections to URL
// through one Session (N concurrent GETs), lets them go idle in the pool,
// and reports the growth of the resident set per connection.
//
//   build/bench/idle_memory URL [N] [--cacert FILE]
//
// An https:// URL measures idle TLS connections (TlsStream, mbedTLS
// context and its record buffers included), verified against FILE when
// given (the system bundle otherwise).
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

aio::Task<int> amain(std::string url, int n, std::string cacert) {
  aio::http::SessionOptions o;
  o.tls.ca_file = cacert;
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
  std::vector<std::string> pos;
  std::string cacert;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--cacert" && i + 1 < argc)
      cacert = argv[++i];
    else
      pos.push_back(argv[i]);
  }
  if (pos.empty() || pos.size() > 2) {
    std::fprintf(stderr, "usage: idle_memory URL [N] [--cacert FILE]\n");
    return 2;
  }
  return aio::run(amain(pos[0], pos.size() > 1 ? std::atoi(pos[1].c_str()) : 1000, cacert));
}
