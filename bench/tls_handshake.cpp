// TLS handshakes per second: opens fresh connections to a TLS server
// (bench/https_bench.py runs it against nginx with ssl) and counts
// completed handshakes, full or resumed.
//
//   build/bench/tls_handshake HOST PORT --cacert FILE [--name localhost]
//       [--mode full|resumed] [-n N] [-c C] [--request]
//
// Each of C tasks connects over TCP, runs aio::tls::connect (certificate
// and name verified against --cacert), optionally sends one
// `GET / HTTP/1.1` with `Connection: close` and reads the response to its
// end, then closes (close_notify, TCP close), and starts again, until N
// handshakes completed in total.
//   full:    session_resumption off: every handshake is a full one (ECDHE,
//            certificate chain sent and verified).
//   resumed: one SessionCache shared by all tasks, filled by a warm-up
//            handshake: every timed handshake offers the ticket; the count
//            of those the server really resumed is reported.
// Prints one JSON object: handshakes/s over the wall time, and the
// process's CPU time (user+sys) per handshake.
#include <sys/resource.h>

#include <aio/aio.hpp>
#include <aio/tls/config.hpp>
#include <aio/tls/session_cache.hpp>
#include <aio/tls/stream.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string name = "localhost";
  std::string cacert;
  bool resumed = false;
  bool request = false;
  long n = 1000;
  int c = 1;
};

struct Shared {
  long remaining = 0;
  long done = 0;
  long resumed = 0;
  long bytes = 0;
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// One connection: TCP, handshake, (request), close. Returns whether the
// server resumed the session.
aio::Task<bool> one(const Options& o, aio::Address addr, std::shared_ptr<const aio::tls::Config> cfg,
                    aio::tls::SessionCache* cache, Shared& sh) {
  aio::TcpStream tcp = co_await aio::TcpStream::connect(addr);
  std::unique_ptr<aio::tls::TlsStream> s =
      co_await aio::tls::connect(std::move(tcp), cfg, o.name, o.port, cache);
  bool resumed = s->engine().resumed();
  if (o.request) {
    std::string req = "GET / HTTP/1.1\r\nHost: " + o.name + "\r\nConnection: close\r\n\r\n";
    uv_buf_t buf = uv_buf_init(req.data(), static_cast<unsigned>(req.size()));
    co_await s->write(std::span<const uv_buf_t>(&buf, 1));
    for (;;) {
      std::span<const char> got;
      try {
        got = co_await s->read();
      } catch (const aio::IoError&) {
        break;  // a TCP close without close_notify after the body: counted anyway
      }
      if (got.empty()) break;
      sh.bytes += static_cast<long>(got.size());
      s->consume(got.size());
    }
  }
  s->close();
  co_return resumed;
}

aio::Task<int> worker(const Options& o, aio::Address addr, std::shared_ptr<const aio::tls::Config> cfg,
                      aio::tls::SessionCache* cache, Shared& sh) {
  while (sh.remaining > 0) {
    --sh.remaining;
    bool r = co_await one(o, addr, cfg, cache, sh);
    ++sh.done;
    if (r) ++sh.resumed;
  }
  co_return 0;
}

aio::Task<int> amain(Options o) {
  aio::tls::ClientOptions co;
  co.ca_file = o.cacert;
  co.session_resumption = o.resumed;
  std::shared_ptr<const aio::tls::Config> cfg = aio::tls::Config::client(co);
  aio::Address addr = aio::Address::parse(o.host, o.port).value();
  aio::tls::SessionCache cache;
  aio::tls::SessionCache* use = o.resumed ? &cache : nullptr;
  Shared warm;
  warm.remaining = 1;
  co_await worker(o, addr, cfg, use, warm);  // config parsed, first ticket stored

  Shared sh;
  sh.remaining = o.n;
  double cpu0 = cpu_seconds();
  auto t0 = Clock::now();
  std::vector<aio::Task<int>> jobs;
  for (int i = 0; i < o.c; ++i) jobs.push_back(worker(o, addr, cfg, use, sh));
  co_await aio::gather(std::move(jobs));
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = cpu_seconds() - cpu0;
  std::printf(
      "{\"mode\": \"%s\", \"request\": %s, \"concurrency\": %d, \"handshakes\": %ld, \"resumed\": %ld, "
      "\"seconds\": %.3f, \"handshakes_per_s\": %.1f, \"cpu_us_per_handshake\": %.1f, \"response_bytes\": %ld}\n",
      o.resumed ? "resumed" : "full", o.request ? "true" : "false", o.c, sh.done, sh.resumed, secs,
      static_cast<double>(sh.done) / secs, cpu / static_cast<double>(sh.done) * 1e6, sh.bytes);
  co_return (o.resumed && sh.resumed != sh.done) || (!o.resumed && sh.resumed != 0) ? 1 : 0;
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: tls_handshake HOST PORT --cacert FILE [--name NAME] [--mode full|resumed] "
               "[-n N] [-c C] [--request]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) usage();
  Options o;
  o.host = argv[1];
  o.port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--cacert")
      o.cacert = next();
    else if (a == "--name")
      o.name = next();
    else if (a == "--mode") {
      std::string m = next();
      if (m != "full" && m != "resumed") usage();
      o.resumed = m == "resumed";
    } else if (a == "-n")
      o.n = std::atol(next().c_str());
    else if (a == "-c")
      o.c = std::atoi(next().c_str());
    else if (a == "--request")
      o.request = true;
    else
      usage();
  }
  if (o.cacert.empty() || o.port == 0 || o.n <= 0 || o.c <= 0) usage();
  return aio::run(amain(o));
}
