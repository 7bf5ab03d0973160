// aiocpp bench URL -c CONNS (-n REQUESTS | -d SECONDS) [-t THREADS]: a
// wrk-style load generator on the library's own client. Each thread runs
// its own loop and Session with CONNS/THREADS keep-alive connections, each
// connection a task issuing GETs back to back.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <aio/aio.hpp>

#include "client_config.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "stats.hpp"

namespace aiocpp_cli {

const char* const kBenchHelp =
    "usage: aiocpp bench URL -c CONNS (-n REQUESTS | -d SECONDS) [-t THREADS] [--json]\n"
    "\n"
    "Sends keep-alive GETs to URL as fast as the server answers and reports\n"
    "requests/s, transfer rate, latency percentiles and errors by kind.\n"
    "\n"
    "  -c, --connections N      connections (requests in flight) in total (default 10)\n"
    "  -n, --requests N         stop after N requests\n"
    "  -d, --duration S         stop after S seconds (default 10 when -n is not given)\n"
    "  -t, --threads N          event loops, one per thread (default 1)\n"
    "      --json               print the result as JSON\n";

namespace {

using Clock = std::chrono::steady_clock;

struct Shared {
  bool by_count = false;
  std::atomic<long> remaining{0};
  Clock::time_point deadline{};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<int> threads_running{0};
};

struct ThreadResult {
  std::uint64_t requests = 0;
  std::uint64_t bytes = 0;
  std::uint64_t non_2xx = 0;
  std::map<std::string, std::uint64_t> errors;
  int first_error = 0;
  Latencies latency;
};

const char* error_kind(int code) {
  switch (code) {
    case kResolve: return "resolve";
    case kConnect: return "connect";
    case kTimeout: return "timeout";
    case kMalformedResponse: return "protocol";
    case kEmptyReply:
    case kReceive: return "read";
    case kSend: return "write";
    case kTruncatedBody:
    case kBadEncoding: return "body";
    default: return "other";
  }
}

bool take_one(Shared& sh) {
  if (sh.by_count) return sh.remaining.fetch_sub(1, std::memory_order_relaxed) > 0;
  return Clock::now() < sh.deadline;
}

aio::Task<void> connection_loop(aio::http::Session& s, Shared& sh, ThreadResult& r, aio::http::Url url) {
  while (take_one(sh)) {
    auto t0 = Clock::now();
    std::exception_ptr err;
    try {
      aio::http::Response resp = co_await s.get(url);
      if (resp.status() < 200 || resp.status() >= 300) ++r.non_2xx;
      for (;;) {
        std::string_view piece = co_await resp.read_chunk();
        if (piece.empty()) break;
        r.bytes += piece.size();
      }
    } catch (const aio::CancelledError&) {
      throw;
    } catch (...) {
      err = std::current_exception();
    }
    if (err) {
      int code = exit_code_for(err);
      ++r.errors[error_kind(code)];
      if (r.first_error == 0) r.first_error = code;
      co_await aio::sleep(std::chrono::milliseconds(1));  // do not spin on a dead server
      continue;
    }
    r.latency.add(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()));
    ++r.requests;
    sh.completed.fetch_add(1, std::memory_order_relaxed);
  }
}

aio::Task<void> reporter(Shared& sh, Clock::time_point start) {
  while (sh.threads_running.load() > 0) {
    co_await aio::sleep(std::chrono::milliseconds(250));
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    auto n = sh.completed.load();
    std::fprintf(stderr, "\r\033[K[%.1fs] %llu requests, %.0f req/s", secs, static_cast<unsigned long long>(n),
                 secs > 0 ? static_cast<double>(n) / secs : 0.0);
  }
  std::fprintf(stderr, "\r\033[K");
}

aio::Task<void> run_thread(aio::http::SessionOptions options, std::size_t conns, std::string url, Shared& sh,
                           ThreadResult& r) {
  options.limit = conns;
  aio::http::Session s(options);
  std::vector<aio::Task<void>> loops;
  aio::http::Url parsed = aio::http::Url::parse(url);  // once: each request then copies no string
  for (std::size_t i = 0; i < conns; ++i) loops.push_back(connection_loop(s, sh, r, parsed));
  co_await aio::gather(std::move(loops));
  sh.threads_running.fetch_sub(1);
  co_await s.close();
}

aio::Task<void> run_main_thread(aio::http::SessionOptions options, std::size_t conns, std::string url, Shared& sh,
                                ThreadResult& r, bool live, Clock::time_point start) {
  if (!live) co_return co_await run_thread(options, conns, url, sh, r);
  co_await aio::gather(run_thread(options, conns, url, sh, r), reporter(sh, start));
}

}  // namespace

int cmd_bench(Args& args) {
  ClientConfig client;
  std::string url;
  std::size_t conns = 10, threads = 1;
  std::optional<long> requests;
  std::optional<double> duration;
  bool json = false;
  while (!args.done()) {
    if (client.parse(args)) continue;
    if (auto v = args.option("--connections", "-c")) {
      conns = static_cast<std::size_t>(parse_count(*v, "-c"));
    } else if (auto v = args.option("--requests", "-n")) {
      requests = parse_count(*v, "-n");
    } else if (auto v = args.option("--duration", "-d")) {
      duration = parse_seconds(*v, "-d");
    } else if (auto v = args.option("--threads", "-t")) {
      threads = static_cast<std::size_t>(parse_count(*v, "-t"));
    } else if (args.flag("--json")) {
      json = true;
    } else if (!args.peek().empty() && args.peek()[0] == '-') {
      throw UsageError{"unknown option " + args.peek()};
    } else if (url.empty()) {
      url = args.next();
    } else {
      throw UsageError{"more than one URL"};
    }
  }
  if (url.empty()) throw UsageError{"a URL is required"};
  if (conns == 0 || threads == 0) throw UsageError{"-c and -t must be at least 1"};
  if (requests && duration) throw UsageError{"give -n or -d, not both"};
  if (threads > conns) threads = conns;

  Shared sh;
  sh.by_count = requests.has_value();
  sh.remaining = requests.value_or(0);
  auto start = Clock::now();
  sh.deadline = start + std::chrono::microseconds(static_cast<long long>(duration.value_or(10.0) * 1e6));
  sh.threads_running = static_cast<int>(threads);
  aio::http::SessionOptions options = client.session_options();
  bool live = !json && isatty(STDERR_FILENO) != 0;

  std::vector<ThreadResult> results(threads);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) {
    std::size_t share = conns / threads + (t < conns % threads ? 1 : 0);
    pool.emplace_back([&, t, share] { aio::run(run_thread(options, share, url, sh, results[t])); });
  }
  std::size_t share0 = conns / threads + (0 < conns % threads ? 1 : 0);
  aio::run(run_main_thread(options, share0, url, sh, results[0], live, start));
  for (auto& th : pool) th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();

  ThreadResult all;
  for (auto& r : results) {
    all.requests += r.requests;
    all.bytes += r.bytes;
    all.non_2xx += r.non_2xx;
    for (auto& [k, v] : r.errors) all.errors[k] += v;
    if (all.first_error == 0) all.first_error = r.first_error;
    all.latency.merge(r.latency);
  }
  std::uint64_t errors = 0;
  for (auto& [k, v] : all.errors) errors += v;
  auto ms = [&](double p) { return static_cast<double>(all.latency.percentile(p)) / 1000.0; };
  double rps = secs > 0 ? static_cast<double>(all.requests) / secs : 0;
  double bps = secs > 0 ? static_cast<double>(all.bytes) / secs : 0;
  if (json) {
    std::printf("{\"url\": \"%s\", \"connections\": %zu, \"threads\": %zu, \"requests\": %llu, \"duration_s\": %.3f, "
                "\"requests_per_s\": %.1f, \"bytes\": %llu, \"bytes_per_s\": %.1f, \"latency_ms\": {\"p50\": %.3f, "
                "\"p90\": %.3f, \"p99\": %.3f, \"p99_9\": %.3f, \"max\": %.3f}, \"non_2xx\": %llu, \"errors\": {",
                url.c_str(), conns, threads, static_cast<unsigned long long>(all.requests), secs, rps,
                static_cast<unsigned long long>(all.bytes), bps, ms(50), ms(90), ms(99), ms(99.9), ms(100),
                static_cast<unsigned long long>(all.non_2xx));
    bool first = true;
    for (auto& [k, v] : all.errors) {
      std::printf("%s\"%s\": %llu", first ? "" : ", ", k.c_str(), static_cast<unsigned long long>(v));
      first = false;
    }
    std::printf("}}\n");
  } else {
    std::printf("%s: %zu connections, %zu thread%s\n", url.c_str(), conns, threads, threads == 1 ? "" : "s");
    std::printf("  %llu requests in %.2f s: %.1f requests/s, %.2f MB/s\n", static_cast<unsigned long long>(all.requests),
                secs, rps, bps / 1e6);
    std::printf("  latency: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n", ms(50), ms(90), ms(99),
                ms(99.9), ms(100));
    if (all.non_2xx) std::printf("  non-2xx responses: %llu\n", static_cast<unsigned long long>(all.non_2xx));
    if (errors) {
      std::printf("  errors:");
      for (auto& [k, v] : all.errors) std::printf(" %s %llu", k.c_str(), static_cast<unsigned long long>(v));
      std::printf("\n");
    }
  }
  return all.requests > 0 || errors == 0 ? kOk : all.first_error;
}

}  // namespace aiocpp_cli
