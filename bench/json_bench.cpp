// JSON benchmarks: aio::json against simdjson on the same bytes, and
// Response::json() end to end.
//
//   json_bench [--size BYTES] [--rounds N] [--e2e-only]   (default 1 MiB, 7 rounds)
//
// 1. in-memory parse of a realistic document (tests/support/json_corpus.hpp):
//    simdjson's DOM parser reused on a padded_string (the baseline), and the
//    path Response::json() takes once the bytes have arrived: a PaddedBuffer
//    reserved from Content-Length that the socket reads write into (here one
//    memcpy stands for the kernel's copy), then parsed in place into an
//    owning Document. The ratio is the target (>= 0.9). --e2e-only skips
//    all but the simdjson baseline.
// 2. end to end over loopback: GET + json() of the same document from nginx
//    (tests/support/nginx.hpp, gzip off; skipped when /usr/sbin/nginx is
//    missing), read() and drain() to show what parsing adds, in wall time
//    and per client CPU second; the share of body bytes read straight into
//    the Document; and what json() adds to a GET against simdjson's parse
//    of the same bytes. Target >= 1 GB/s.
//
// Each figure is the best of N rounds (the machines are shared: the best
// round is the one least disturbed); the median is printed beside it. The
// in-memory part counts the thread's CPU time, and its ratios are medians of
// alternating rounds; the end-to-end part is wall time.
// Output: one tab-separated line per metric: key value unit description.
#include <aio/http/session.hpp>
#include <aio/json/document.hpp>
#include <aio/json/parse.hpp>
#include <aio/runtime/stream.hpp>
#include <aio/runtime/loop.hpp>

#include <simdjson.h>

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "../tests/support/json_corpus.hpp"
#include "../tests/support/nginx.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double best = 0;    // MB/s
  double median = 0;  // MB/s
};

// Seconds of CPU time of the calling thread: the in-memory parses are pure
// CPU work, and on a shared machine wall time would also count the time the
// thread was not running.
double thread_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU time of the whole client process (user + sys, every thread): nginx
// runs in processes of its own and is not counted.
double process_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double wall_seconds() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// How many calls of `once` take about 0.2 s, after a warm-up.
int calls_per_round(const std::function<void()>& once) {
  for (int i = 0; i < 5; ++i) once();
  double t0 = wall_seconds();
  once();
  double one = wall_seconds() - t0;
  return std::max(3, static_cast<int>(0.2 / std::max(one, 1e-6)));
}

// Runs `once` (which handles `bytes` bytes) in `rounds` rounds. MB/s = 10^6
// bytes per second, by `clock`.
Stats measure(std::size_t bytes, int rounds, const std::function<void()>& once,
              double (*clock)() = wall_seconds) {
  int per_round = calls_per_round(once);
  std::vector<double> rates;
  for (int r = 0; r < rounds; ++r) {
    double start = clock();
    for (int i = 0; i < per_round; ++i) once();
    rates.push_back(static_cast<double>(bytes) * per_round / (clock() - start) / 1e6);
  }
  std::sort(rates.begin(), rates.end());
  return Stats{rates.back(), rates[rates.size() / 2]};
}

// `a` against `b`, in alternating rounds (thread CPU time): the median of the
// per-round ratios a/b, robust to the load of a shared machine.
double median_ratio(int rounds, const std::function<void()>& a, const std::function<void()>& b) {
  int na = calls_per_round(a);
  int nb = calls_per_round(b);
  std::vector<double> ratios;
  for (int r = 0; r < rounds; ++r) {
    double t0 = thread_seconds();
    for (int i = 0; i < na; ++i) a();
    double ta = (thread_seconds() - t0) / na;
    t0 = thread_seconds();
    for (int i = 0; i < nb; ++i) b();
    double tb = (thread_seconds() - t0) / nb;
    ratios.push_back(tb / ta);  // throughput of a over throughput of b
  }
  std::sort(ratios.begin(), ratios.end());
  return ratios[ratios.size() / 2];
}

void line(const char* key, double value, const char* unit, const char* what) {
  std::printf(value < 10 ? "%s\t%.2f\t%s\t%s\n" : "%s\t%.1f\t%s\t%s\n", key, value, unit, what);
  std::fflush(stdout);
}

void report(const char* key, const Stats& s, const char* what) {
  line(key, s.best, "MB/s", what);
  std::string median = std::string(key) + "_median";
  line(median.c_str(), s.median, "MB/s", "(median round)");
}

// Keeps the optimiser from dropping a parse whose result is unused.
volatile std::size_t g_sink = 0;

}  // namespace

int main(int argc, char** argv) {
  std::size_t size = std::size_t{1} << 20;
  int rounds = 7;
  bool e2e_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--e2e-only") == 0) e2e_only = true;
    if (i + 1 >= argc) break;
    if (std::strcmp(argv[i], "--size") == 0) size = std::strtoull(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[++i]);
  }
  test::JsonCorpus corpus = test::realistic_json(size);
  const std::string& text = corpus.text;
  std::printf("# document: %zu bytes, %zu statuses; simdjson %s, kernel %s\n", text.size(),
              corpus.statuses, SIMDJSON_STRINGIFY(SIMDJSON_VERSION),
              simdjson::get_active_implementation()->name().c_str());

  // ---- 1. in memory (thread CPU time)
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  std::function<void()> simd_once = [&] {
    simdjson::dom::element root;
    if (parser.parse(padded).get(root)) std::abort();
    g_sink = g_sink + root["statuses"].get_array().size();
  };
  // json()'s path once the bytes arrive: the buffer reserved from
  // Content-Length, the bytes written into it where they will be parsed
  // (one memcpy standing in for the kernel's copy into the socket read's
  // destination), parsed in place into an owning Document.
  std::function<void()> buffer_once = [&] {
    aio::json::PaddedBuffer buf;
    buf.reserve(text.size());
    std::memcpy(buf.unused().data(), text.data(), text.size());
    buf.commit(text.size());
    aio::json::Document doc = std::move(buf).parse();
    g_sink = g_sink + doc["statuses"].size();
  };
  std::function<void()> parse_once = [&] {
    aio::json::Document doc = aio::json::parse(text);
    g_sink = g_sink + doc["statuses"].size();
  };
  report("simdjson_dom", measure(text.size(), rounds, simd_once, thread_seconds),
         "simdjson::dom::parser::parse(padded_string), parser reused");
  if (!e2e_only) {
    report("aio_json_buffer_parse", measure(text.size(), rounds, buffer_once, thread_seconds),
           "PaddedBuffer: reserve + bytes written in place + parse into a Document (json()'s path)");
    report("aio_json_parse", measure(text.size(), rounds, parse_once, thread_seconds),
           "aio::json::parse(std::string_view): one copy + parse");
    line("ratio_buffer_parse_vs_simdjson", median_ratio(rounds, buffer_once, simd_once), "x",
         "median of alternating rounds; target >= 0.9");
    line("ratio_parse_vs_simdjson", median_ratio(rounds, parse_once, simd_once), "x",
         "median of alternating rounds");
  }

  // ---- 2. end to end from nginx
  if (access(test::Nginx::kBinary, X_OK) != 0) {
    std::printf("# nginx not found at %s: end-to-end part skipped\n", test::Nginx::kBinary);
    return 0;
  }
  test::NginxOptions no;
  no.gzip = false;  // the bytes as they are; json() would decode gzip too
  test::Nginx nginx(no);
  nginx.write("bench.json", text);
  std::string url = nginx.url("/bench.json");

  aio::Loop loop;
  aio::http::SessionOptions so;
  so.auto_decompress = false;
  auto session = std::make_unique<aio::http::Session>(so);
  aio::http::Session& s = *session;
  auto fetch_json = [](aio::http::Session& s, std::string url) -> aio::Task<std::size_t> {
    aio::http::Response r = co_await s.get(url);
    aio::json::Document doc = co_await r.json();
    co_return doc["statuses"].size();
  };
  auto fetch_bytes = [](aio::http::Session& s, std::string url) -> aio::Task<std::size_t> {
    aio::http::Response r = co_await s.get(url);
    std::string body = co_await r.read();
    co_return body.size();
  };
  auto fetch_drain = [](aio::http::Session& s, std::string url) -> aio::Task<std::size_t> {
    aio::http::Response r = co_await s.get(url);
    co_await r.drain();
    co_return 1;
  };
  if (loop.run(fetch_json(s, url)) != corpus.statuses) {
    std::fprintf(stderr, "nginx served something else\n");
    return 1;
  }
  std::function<void()> json_once = [&] { g_sink = g_sink + loop.run(fetch_json(s, url)); };
  std::function<void()> read_once = [&] { g_sink = g_sink + loop.run(fetch_bytes(s, url)); };
  std::function<void()> drain_once = [&] { g_sink = g_sink + loop.run(fetch_drain(s, url)); };
  aio::ReadIntoStats before = aio::read_into_stats();
  report("nginx_get_json", measure(text.size(), rounds, json_once),
         "GET from nginx on loopback + json() (keep-alive), wall time, target >= 1000");
  aio::ReadIntoStats after = aio::read_into_stats();
  double moved = static_cast<double>(after.direct_bytes - before.direct_bytes) +
                 static_cast<double>(after.copied_bytes - before.copied_bytes);
  line("json_direct_share",
       moved > 0 ? static_cast<double>(after.direct_bytes - before.direct_bytes) / moved : 0, "x",
       "of the body bytes json() moved, the share read straight into the Document (the rest came with the head)");
  rusage ru0;
  getrusage(RUSAGE_SELF, &ru0);
  report("nginx_get_json_cpu", measure(text.size(), rounds, json_once, process_seconds),
         "the same, per client CPU second (user+sys of this process; nginx not counted)");
  rusage ru1;
  getrusage(RUSAGE_SELF, &ru1);
  auto secs = [](const timeval& a, const timeval& b) {
    return static_cast<double>(b.tv_sec - a.tv_sec) + static_cast<double>(b.tv_usec - a.tv_usec) / 1e6;
  };
  line("json_cpu_sys_share", secs(ru0.ru_stime, ru1.ru_stime) /
       (secs(ru0.ru_stime, ru1.ru_stime) + secs(ru0.ru_utime, ru1.ru_utime)), "x",
       "share of that client CPU time spent in the kernel (recv, epoll)");
  line("json_minor_faults", static_cast<double>(ru1.ru_minflt - ru0.ru_minflt), "faults",
       "minor page faults during those rounds");
  report("nginx_get_read", measure(text.size(), rounds, read_once),
         "GET from nginx on loopback + read() into a std::string, wall time");
  report("nginx_get_drain", measure(text.size(), rounds, drain_once),
         "GET from nginx on loopback + drain(): the HTTP path alone, wall time");
  report("nginx_get_drain_cpu", measure(text.size(), rounds, drain_once, process_seconds),
         "the same, per client CPU second");
  // What json() adds to the HTTP path, against simdjson parsing the same
  // bytes in memory: per round (alternating, client CPU time),
  // t(simdjson) / (t(GET + json()) - t(GET + drain())).
  {
    int nj = calls_per_round(json_once), nd = calls_per_round(drain_once),
        ns = calls_per_round(simd_once);
    std::vector<double> ratios;
    for (int r = 0; r < rounds; ++r) {
      double t0 = process_seconds();
      for (int i = 0; i < nj; ++i) json_once();
      double tj = (process_seconds() - t0) / nj;
      t0 = process_seconds();
      for (int i = 0; i < nd; ++i) drain_once();
      double td = (process_seconds() - t0) / nd;
      t0 = process_seconds();
      for (int i = 0; i < ns; ++i) simd_once();
      double ts = (process_seconds() - t0) / ns;
      ratios.push_back(tj > td ? ts / (tj - td) : 0);
    }
    std::sort(ratios.begin(), ratios.end());
    line("ratio_json_in_get_vs_simdjson", ratios[ratios.size() / 2], "x",
         "simdjson parse / (json() - drain()) per GET, client CPU, median; target >= 0.9");
  }
  auto close = [](aio::http::Session& s) -> aio::Task<void> { co_await s.close(); };
  loop.run(close(s));
  session.reset();
  loop.close();
  return 0;
}
