// aiocpp serve: the embedded demo server until SIGINT/SIGTERM.
// aiocpp demo: the server on a free loopback port in this process, and the
// seed's fetch scenario against it.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <aio/aio.hpp>
#include <aio/http/demo_routes.hpp>
#include <aio/http/server.hpp>
#include <aio/tls/config.hpp>
#include <aio/tls/self_signed.hpp>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "fetch_report.hpp"

namespace aiocpp_cli {

const char* const kServeHelp =
    "usage: aiocpp serve [--port P] [--host H] [--tls [--cert FILE --key FILE]]\n"
    "\n"
    "Runs the embedded HTTP/1.1 server until Ctrl-C, with the demo routes:\n"
    "  /hello  /json  /bytes/N  /delay/MS  /status/CODE  /redirect/N  /stream/N  /echo\n"
    "\n"
    "  --port P   port to listen on (default 8080; 0 picks a free one)\n"
    "  --host H   address to listen on (default 127.0.0.1)\n"
    "  --tls      serve https; with no --cert/--key, a self-signed certificate\n"
    "             for localhost/127.0.0.1 is made at start and its PEM printed\n"
    "             (trust it with aiocpp get --cacert FILE, or use -k)\n"
    "  --cert FILE, --key FILE   the certificate chain and key (PEM) for --tls\n";

const char* const kDemoHelp =
    "usage: aiocpp demo\n"
    "\n"
    "Starts the embedded server on a free loopback port in this process and\n"
    "fetches a dozen URLs from it concurrently through one session (at most 4\n"
    "in flight, a 1 s total timeout per request): most succeed, one is a 404,\n"
    "one times out and one goes to a port nobody listens on. Needs no network.\n";

namespace {

aio::Task<int> serve_until_signal(aio::Address addr, aio::http::Server::Options options) {
  aio::http::Server server(options);
  aio::http::add_demo_routes(server);
  server.listen(addr);
  std::printf("aiocpp: serving on %s://%s/ (Ctrl-C to stop)\n", options.tls ? "https" : "http",
              server.local_address().to_string().c_str());
  std::fflush(stdout);
  aio::Scope scope;
  scope.spawn(server.serve());
  int sig = co_await aio::wait_signal(SIGINT, SIGTERM);
  std::fprintf(stderr, "aiocpp: signal %d, stopping\n", sig);
  server.close();
  co_await scope.join();
  co_return kOk;
}

// Not a braced list inside the coroutine: g++ 12 rejects it there
// ("array used as initializer", TOOLCHAIN.md §2).
constexpr const char* kDemoPaths[] = {"/hello",     "/json",     "/bytes/100000", "/stream/5",
                                      "/redirect/3", "/echo",     "/delay/50",     "/delay/100",
                                      "/bytes/2000000", "/status/404", "/delay/5000"};

// A loopback port nobody listens on: bound, then closed.
aio::Task<int> closed_port() {
  aio::TcpListener l(aio::Address::parse("127.0.0.1", 0).value());
  co_return l.local_address().port();
}

aio::Task<int> demo() {
  aio::http::Server server;
  aio::http::add_demo_routes(server);
  server.listen(aio::Address::parse("127.0.0.1", 0).value());
  std::string base = "http://" + server.local_address().to_string();
  aio::Scope scope;
  scope.spawn(server.serve());
  int refused = co_await closed_port();

  FetchPlan plan;
  for (const char* path : kDemoPaths) plan.urls.push_back(base + path);
  plan.urls.push_back("http://127.0.0.1:" + std::to_string(refused) + "/hello");
  plan.concurrency = 4;
  plan.session.timeout.total = std::chrono::milliseconds(1000);
  plan.session.follow_redirects = true;
  std::printf("aiocpp demo: the embedded server listens on %s; fetching %zu URLs, at most %zu at a time\n",
              base.c_str(), plan.urls.size(), plan.concurrency);
  std::fflush(stdout);
  co_await run_fetch(plan);
  std::printf("aiocpp demo: as expected, /delay/5000 timed out (exit code 28) and port %d refused (7)\n", refused);
  server.close();
  scope.cancel();  // the /delay/5000 handler is still sleeping for a client that left
  co_await scope.join();
  co_return kOk;
}

}  // namespace

int cmd_serve(Args& args) {
  long port = 8080;
  std::string host = "127.0.0.1";
  bool tls = false;
  aio::tls::ServerOptions tls_options;
  while (!args.done()) {
    if (args.flag("--tls")) {
      tls = true;
    } else if (auto v = args.option("--cert")) {
      tls_options.cert_file = *v;
    } else if (auto v = args.option("--key")) {
      tls_options.key_file = *v;
    } else if (auto v = args.option("--port", "-p")) {
      port = parse_count(*v, "--port");
      if (port > 65535) throw UsageError{"--port must be at most 65535"};
    } else if (auto v = args.option("--host")) {
      host = *v;
    } else {
      throw UsageError{"unknown option " + args.peek()};
    }
  }
  auto addr = aio::Address::parse(host, static_cast<uint16_t>(port));
  if (!addr) throw UsageError{"--host must be a numeric IP address"};
  if (!tls && !(tls_options.cert_file.empty() && tls_options.key_file.empty()))
    throw UsageError{"--cert and --key go with --tls"};
  if (tls_options.cert_file.empty() != tls_options.key_file.empty())
    throw UsageError{"--cert and --key go together"};
  aio::http::Server::Options options;
  try {
    if (tls) {
      if (tls_options.cert_file.empty()) {
        aio::tls::SelfSigned made = aio::tls::make_self_signed();
        tls_options.cert_pem = made.cert_pem;
        tls_options.key_pem = made.key_pem;
        std::printf("aiocpp: self-signed certificate for localhost, 127.0.0.1 and ::1:\n%s", made.cert_pem.c_str());
      }
      options.tls = aio::tls::Config::server(tls_options);
    }
    return aio::run(serve_until_signal(*addr, options));
  } catch (const aio::Error& e) {
    std::fprintf(stderr, "aiocpp: %s\n", e.what());
    return kOther;
  }
}

int cmd_demo(Args& args) {
  if (!args.done()) throw UsageError{"unknown option " + args.peek()};
  return aio::run(demo());
}

}  // namespace aiocpp_cli
