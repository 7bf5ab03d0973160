#include "fetch_report.hpp"

#include <chrono>
#include <cstdio>

#include <aio/aio.hpp>

#include "exit_codes.hpp"
#include "stats.hpp"

namespace aiocpp_cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Tally {
  std::size_t total = 0;
  std::size_t done = 0;
  std::size_t ok = 0;
  std::size_t failed = 0;
  int first_failure = 0;
  bool progress = false;
  bool fail_on_http_error = false;
  Latencies latency;
  Clock::time_point last_progress{};
};

void show_progress(Tally& t, bool force) {
  if (!t.progress) return;
  auto now = Clock::now();
  if (!force && now - t.last_progress < std::chrono::milliseconds(100)) return;
  t.last_progress = now;
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %zu ok, %zu failed", t.done, t.total, t.ok, t.failed);
  std::fflush(stderr);
}

void clear_progress(const Tally& t) {
  if (t.progress) std::fprintf(stderr, "\r\033[K");
}

aio::Task<void> fetch_one(aio::http::Session& session, aio::Semaphore& limit, Tally& t, std::string url) {
  auto permit = co_await limit.acquire();
  auto t0 = Clock::now();
  int status = 0;
  std::size_t bytes = 0;
  std::exception_ptr err;
  try {
    aio::http::Response r = co_await session.get(url);
    status = r.status();
    for (;;) {
      std::string_view piece = co_await r.read_chunk();
      if (piece.empty()) break;
      bytes += piece.size();
    }
  } catch (const aio::CancelledError&) {
    throw;
  } catch (...) {
    err = std::current_exception();
  }
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
  ++t.done;
  clear_progress(t);
  int code = kOk;
  if (err) {
    code = exit_code_for(err);
    std::printf("%s error %d %s\n", url.c_str(), code, message_for(err).c_str());
  } else {
    t.latency.add(static_cast<std::uint64_t>(us));
    std::printf("%s %d %zu %.1fms\n", url.c_str(), status, bytes, static_cast<double>(us) / 1000.0);
    if (t.fail_on_http_error && status >= 400) code = kHttpError;
  }
  std::fflush(stdout);
  if (code == kOk) {
    ++t.ok;
  } else {
    ++t.failed;
    if (t.first_failure == 0) t.first_failure = code;
  }
  show_progress(t, true);
}

}  // namespace

aio::Task<int> run_fetch(FetchPlan plan) {
  aio::http::SessionOptions options = plan.session;
  if (options.limit < plan.concurrency) options.limit = plan.concurrency;
  aio::http::Session session(options);
  aio::Semaphore limit(plan.concurrency);
  Tally t;
  t.total = plan.urls.size();
  t.progress = plan.progress;
  t.fail_on_http_error = plan.fail_on_http_error;
  auto t0 = Clock::now();
  std::vector<aio::Task<void>> jobs;
  jobs.reserve(plan.urls.size());
  for (const std::string& url : plan.urls) jobs.push_back(fetch_one(session, limit, t, url));
  co_await aio::gather(std::move(jobs));
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  clear_progress(t);
  co_await session.close();
  std::printf("fetched %zu URLs: %zu ok, %zu failed in %.3f s (%.1f req/s), latency p50 %.1f ms, p99 %.1f ms\n",
              t.total, t.ok, t.failed, secs, secs > 0 ? static_cast<double>(t.total) / secs : 0.0,
              static_cast<double>(t.latency.percentile(50)) / 1000.0,
              static_cast<double>(t.latency.percentile(99)) / 1000.0);
  co_return t.first_failure;
}

}  // namespace aiocpp_cli
