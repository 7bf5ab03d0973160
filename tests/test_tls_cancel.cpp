// Cancelling in mid-handshake: aio::tls::connect and https:// requests
// through aio::http::Session cancelled (aio::Scope::cancel, aio::with_timeout,
// the Session's request timeout) while the TLS handshake waits on a peer
// that accepted TCP and then
//   - stalls: never answers the ClientHello, or
//   - answers slowly: a relay in front of nginx (ssl) that hands the
//     server's bytes on 64 at a time, one piece per delay, so the client
//     is cancelled with part of the server's flight received.
// Each case checks the error type, that the peer then sees the connection
// end (EOF; a reset only where the client had unread bytes), that the loop
// closes with no handle left (test::run), and, for a Session, that a later
// request on the same Session (one connection per host at most: a leaked
// pool slot would block it) succeeds.
#include <aio/http/session.hpp>
#include <aio/tls/stream.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <aio/runtime/gather.hpp>
#include <aio/runtime/scope.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/timeout.hpp>
#include <aio/tls/error.hpp>

#include "support/loop_fixture.hpp"
#include "support/nginx.hpp"
#include "support/tls_peers.hpp"

using namespace std::chrono_literals;
using aio::http::Errc;
using aio::http::Session;
using aio::http::SessionOptions;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

namespace {

aio::Address loopback(int port) {
  return aio::Address::parse("127.0.0.1", static_cast<uint16_t>(port)).value();
}

// nginx with a TLS server (test PKI's `good`) that closes every connection
// after its response: each request opens (and resumes) a new connection.
class TlsNginx {
 public:
  TlsNginx() : nginx_(options()) {}
  int tls_port() const { return nginx_.port2(); }

 private:
  static test::NginxOptions options() {
    test::NginxOptions o;
    o.extra_servers = "  server {\n    listen 127.0.0.1:{PORT2} ssl;\n    server_name localhost;\n"
                      "    ssl_certificate " +
                      test::pki_file("good.chain.pem") + ";\n    ssl_certificate_key " +
                      test::pki_file("good.key") +
                      ";\n    keepalive_timeout 0;\n"
                      "    location / { return 200 \"reused=$ssl_session_reused\\n\"; }\n  }\n";
    return o;
  }
  test::Nginx nginx_;
};

TlsNginx& nginx() {
  static TlsNginx n;
  return n;
}

// ---------------------------------------------------------------- the peer

// How the peer treats one accepted connection.
struct Mode {
  enum Kind { stall, slow, fast } kind = fast;
  Millis delay{0};  // slow: before each 64-byte piece of the server's bytes
};
Mode stall() {
  Mode m;
  m.kind = Mode::stall;
  return m;
}
Mode slow(Millis delay) {
  Mode m;
  m.kind = Mode::slow;
  m.delay = delay;
  return m;
}
Mode fast() { return Mode(); }

// What the peer saw on one connection.
struct ConnLog {
  bool accepted = false;
  std::size_t from_client = 0;  // bytes the client sent (a ClientHello first)
  std::size_t from_server = 0;  // bytes nginx sent
  std::size_t to_client = 0;    // of those, handed on to the client
  std::string end;              // how the client's side ended: eof, reset, silent (10 s), ...
};

// The bytes buffered on `s` (waiting for some), consumed; empty at EOF.
aio::Task<std::string> read_chunk(aio::TcpStream& s) {
  std::span<const char> got = co_await s.read();
  std::string out(got.data(), got.size());
  s.consume(got.size());
  co_return out;
}

// Client to server (or nowhere, for a stalling peer) until the client ends
// its side. Bounded: a client that never closes is "silent" after 10 s.
aio::Task<void> upstream(aio::TcpStream& client, aio::TcpStream* server, ConnLog& log) {
  try {
    for (;;) {
      std::string got = co_await aio::with_timeout(10s, read_chunk(client));
      if (got.empty()) {
        log.end = "eof";
        break;
      }
      log.from_client += got.size();
      if (server != nullptr) co_await server->write(std::string_view(got));
    }
  } catch (const aio::TimeoutError&) {
    log.end = "silent";
  } catch (const aio::IoError& e) {
    log.end = e.code().value() == UV_ECONNRESET ? "reset" : std::string("error: ") + e.what();
  }
}

// Server to client, `delay` before each 64-byte piece (slow) or at once.
aio::Task<void> downstream(aio::TcpStream& server, aio::TcpStream& client, Mode mode, ConnLog& log) {
  try {
    for (;;) {
      std::string got = co_await read_chunk(server);
      if (got.empty()) break;
      log.from_server += got.size();
      std::size_t piece = mode.kind == Mode::slow ? 64 : got.size();
      for (std::size_t at = 0; at < got.size(); at += piece) {
        if (mode.kind == Mode::slow) co_await aio::sleep(mode.delay);
        std::string_view part(got.data() + at, std::min(piece, got.size() - at));
        co_await client.write(part);
        log.to_client += part.size();
      }
    }
    co_await client.shutdown();  // nginx closed: so do we, after its bytes
  } catch (const aio::IoError&) {
  }
}

aio::Task<void> relay(aio::TcpStream client, Mode mode, int server_port, ConnLog& log) {
  if (mode.kind == Mode::stall) {
    co_await upstream(client, nullptr, log);
    co_return;
  }
  aio::TcpStream server = co_await aio::TcpStream::connect(loopback(server_port));
  aio::Scope scope;
  scope.spawn(downstream(server, client, mode, log));
  co_await upstream(client, &server, log);
  scope.cancel();
  co_await scope.join();
}

aio::Task<aio::TcpStream> accept_one(aio::TcpListener& l) { co_return co_await l.accept(); }

// Accepts modes.size() connections (10 s each at most) and serves each as
// its mode says; logs[i] (sized by the caller) tells what connection i saw.
aio::Task<int> peer(aio::TcpListener& l, std::vector<Mode> modes, int server_port,
                    std::vector<ConnLog>& logs) {
  aio::Scope scope;
  try {
    for (std::size_t i = 0; i < modes.size(); ++i) {
      aio::TcpStream c = co_await aio::with_timeout(10s, accept_one(l));
      logs[i].accepted = true;
      scope.spawn(relay(std::move(c), modes[i], server_port, logs[i]));
    }
  } catch (const aio::TimeoutError&) {
  }
  co_await scope.join();
  co_return 0;
}

// ---------------------------------------------------------------- outcomes

struct Outcome {
  // ok, cancelled (aio::CancelledError), timeout (aio::TimeoutError of
  // with_timeout), http-timeout (aio::http::TimeoutError), tls
  // (aio::tls::TlsError or aio::http::TlsError), other, none (never ended)
  std::string kind = "none";
  std::string message;
  std::error_code code;
  std::string body;
  Millis took{0};
};

void classify(std::exception_ptr e, Outcome& o) {
  if (!e) {
    o.kind = "ok";
    return;
  }
  try {
    std::rethrow_exception(e);
  } catch (const aio::http::TimeoutError& x) {
    o.kind = "http-timeout", o.message = x.what(), o.code = x.code();
  } catch (const aio::TimeoutError& x) {
    o.kind = "timeout", o.message = x.what(), o.code = x.code();
  } catch (const aio::CancelledError& x) {
    o.kind = "cancelled", o.message = x.what(), o.code = x.code();
  } catch (const aio::tls::TlsError& x) {
    o.kind = "tls", o.message = x.what(), o.code = x.code();
  } catch (const aio::http::TlsError& x) {
    o.kind = "tls", o.message = x.what(), o.code = x.code();
  } catch (const std::exception& x) {
    o.kind = "other", o.message = x.what();
  }
}

std::string describe(const std::vector<Outcome>& outs) {
  std::string d;
  for (std::size_t i = 0; i < outs.size(); ++i)
    d += "\n  " + std::to_string(i) + ": " + outs[i].kind + " after " +
         std::to_string(outs[i].took.count()) + " ms: " + outs[i].message + outs[i].body;
  return d;
}

Millis since(Clock::time_point t0) {
  return std::chrono::duration_cast<Millis>(Clock::now() - t0);
}

// ---------------------------------------------------------------- tls::connect

aio::Task<std::unique_ptr<aio::tls::TlsStream>> dial(int port) {
  aio::TcpStream tcp = co_await aio::TcpStream::connect(loopback(port));
  co_return co_await aio::tls::connect(std::move(tcp), test::test_client_config(), "localhost",
                                       static_cast<uint16_t>(port), nullptr);
}

// A handshake bounded by with_timeout: the Outcome, never an exception.
aio::Task<Outcome> dial_within(int port, Millis limit) {
  Outcome out;
  auto t0 = Clock::now();
  std::exception_ptr err;
  try {
    std::unique_ptr<aio::tls::TlsStream> s = co_await aio::with_timeout(limit, dial(port));
    s->close();
  } catch (...) {
    err = std::current_exception();
  }
  classify(err, out);
  out.took = since(t0);
  co_return out;
}

// A handshake recording how it ended; CancelledError goes on (a Scope's child).
aio::Task<void> dial_recording(int port, Outcome& out) {
  auto t0 = Clock::now();
  std::exception_ptr err;
  try {
    std::unique_ptr<aio::tls::TlsStream> s = co_await dial(port);
    s->close();
  } catch (const aio::CancelledError&) {
    out.kind = "cancelled";
    out.took = since(t0);
    throw;
  } catch (...) {
    err = std::current_exception();
  }
  classify(err, out);
  out.took = since(t0);
}

// Spawns `job` in a Scope, cancels the scope after `after`, joins it.
aio::Task<int> cancel_after(aio::Task<void> job, Millis after) {
  aio::Scope scope;
  scope.spawn(std::move(job));
  co_await aio::sleep(after);
  scope.cancel();
  co_await scope.join();
  co_return 0;
}

aio::Task<Outcome> scope_cancelled_dial(int port, Millis after) {
  Outcome out;
  co_await cancel_after(dial_recording(port, out), after);
  co_return out;
}

// ---------------------------------------------------------------- Session

SessionOptions one_connection_per_host() {
  SessionOptions o;
  o.tls.ca_file = test::pki_file("root.crt");
  o.limit_per_host = 1;            // a slot the cancelled request kept would block the next one
  o.timeout.total = Millis(10s);  // and this ends it
  return o;
}

std::string url_of(int port) { return "https://localhost:" + std::to_string(port) + "/"; }

// A GET recording how it ended; CancelledError goes on.
aio::Task<void> get_recording(Session& s, std::string url, aio::http::RequestOptions ro, Outcome& out) {
  auto t0 = Clock::now();
  std::exception_ptr err;
  try {
    aio::http::Response r = co_await s.get(url, std::move(ro));
    out.body = std::to_string(r.status()) + " " + co_await r.text();
  } catch (const aio::CancelledError&) {
    out.kind = "cancelled";
    out.took = since(t0);
    throw;
  } catch (...) {
    err = std::current_exception();
  }
  classify(err, out);
  out.took = since(t0);
}

aio::Task<Outcome> get_within(Session& s, std::string url, Millis limit) {
  Outcome out;
  auto t0 = Clock::now();
  std::exception_ptr err;
  try {
    aio::http::Response r = co_await aio::with_timeout(limit, s.get(url));
    out.body = std::to_string(r.status()) + " " + co_await r.text();
  } catch (...) {
    err = std::current_exception();
  }
  classify(err, out);
  out.took = since(t0);
  co_return out;
}

aio::Task<Outcome> get_once(Session& s, std::string url) {
  Outcome out;
  aio::http::RequestOptions ro;
  co_await get_recording(s, url, std::move(ro), out);
  co_return out;
}

// Runs `client` beside a peer on a fresh listener serving `modes`.
template <class Client>
std::pair<std::vector<Outcome>, std::vector<ConnLog>> with_peer(std::vector<Mode> modes, Client client) {
  std::vector<ConnLog> logs(modes.size());
  // The PKI and nginx are made before the loop runs: their seconds of
  // blocking set-up stay out of the timings (and libuv's cached clock).
  test::pki();
  bool relays =
      std::any_of(modes.begin(), modes.end(), [](const Mode& m) { return m.kind != Mode::stall; });
  int server_port = relays ? nginx().tls_port() : 0;
  auto body = [](std::vector<Mode> modes, Client client, int server_port,
                 std::vector<ConnLog>& logs) -> aio::Task<std::vector<Outcome>> {
    aio::TcpListener l(loopback(0));
    int port = l.local_address().port();
    auto [unused, outs] = co_await aio::gather(peer(l, std::move(modes), server_port, logs), client(port));
    (void)unused;
    co_return outs;
  };
  std::vector<Outcome> outs = test::run(body(std::move(modes), client, server_port, logs));
  return {outs, logs};
}

void check_closed(const ConnLog& log, bool eof_only) {
  CHECK(log.accepted);
  CHECK(log.from_client > 0);  // the ClientHello arrived: the handshake had begun
  INFO("the client's side ended: ", log.end);
  if (eof_only)
    CHECK(log.end == "eof");
  else
    CHECK((log.end == "eof" || log.end == "reset"));
}

// Mid-handshake: part of nginx's flight had reached the client, not all.
void check_mid_flight(const ConnLog& log) {
  INFO("from nginx ", log.from_server, " bytes, handed on ", log.to_client);
  CHECK(log.from_server > 0);
  CHECK(log.to_client < log.from_server);
}

}  // namespace

// ---------------------------------------------------------------- tests

TEST_CASE("tls::connect under with_timeout against a peer that never answers the ClientHello") {
  auto client = [](int port) -> aio::Task<std::vector<Outcome>> {
    std::vector<Outcome> outs;
    outs.push_back(co_await dial_within(port, 300ms));
    co_return outs;
  };
  std::vector<Mode> modes{stall()};
  auto [outs, logs] = with_peer(std::move(modes), client);
  REQUIRE(outs.size() == 1);
  INFO(outs[0].kind, ": ", outs[0].message);
  CHECK(outs[0].kind == "timeout");  // aio::TimeoutError, not a TlsError
  CHECK(outs[0].took >= 250ms);
  CHECK(outs[0].took < 1500ms);
  check_closed(logs[0], true);
  CHECK(logs[0].from_server == 0);
}

TEST_CASE("tls::connect cancelled by its Scope against a stalling peer") {
  auto client = [](int port) -> aio::Task<std::vector<Outcome>> {
    std::vector<Outcome> outs;
    outs.push_back(co_await scope_cancelled_dial(port, 200ms));
    co_return outs;
  };
  std::vector<Mode> modes{stall()};
  auto [outs, logs] = with_peer(std::move(modes), client);
  REQUIRE(outs.size() == 1);
  INFO(outs[0].kind, ": ", outs[0].message);
  CHECK(outs[0].kind == "cancelled");
  CHECK(outs[0].took >= 150ms);
  CHECK(outs[0].took < 3s);
  check_closed(logs[0], true);
}

TEST_CASE("tls::connect cancelled while a slow server's flight is half delivered") {
  // 64 bytes per 60 ms: nginx's first flight (certificate chain, key
  // exchange: over 1 KB) takes more than a second to arrive.
  auto client = [](int port) -> aio::Task<std::vector<Outcome>> {
    std::vector<Outcome> outs;
    outs.push_back(co_await scope_cancelled_dial(port, 300ms));
    outs.push_back(co_await dial_within(port, 300ms));
    outs.push_back(co_await dial_within(port, 20s));  // the same peer, left to finish
    co_return outs;
  };
  std::vector<Mode> modes{slow(60ms), slow(60ms), slow(60ms)};
  auto [outs, logs] = with_peer(std::move(modes), client);
  REQUIRE(outs.size() == 3);
  INFO(describe(outs));
  CHECK(outs[0].kind == "cancelled");
  CHECK(outs[1].kind == "timeout");
  CHECK_MESSAGE(outs[2].kind == "ok", outs[2].message);
  CHECK(outs[2].took > 600ms);  // so 300 ms was in mid-handshake
  for (std::size_t i = 0; i < 2; ++i) {
    INFO("connection ", i);
    check_closed(logs[i], false);
    check_mid_flight(logs[i]);
    CHECK(logs[i].to_client > 0);
  }
  check_closed(logs[2], false);
}

TEST_CASE("Session: the request timeout in mid-handshake is an http TimeoutError; the Session goes on") {
  auto client = [](int port) -> aio::Task<std::vector<Outcome>> {
    Session s(one_connection_per_host());
    std::vector<Outcome> outs(4);
    std::string url = url_of(port);
    aio::http::Timeout t;
    t.total = 300ms;
    aio::http::RequestOptions a;
    a.timeout(t);
    co_await get_recording(s, url, a, outs[0]);  // stalls: total binds
    aio::http::RequestOptions b;
    b.timeout(t);
    co_await get_recording(s, url, b, outs[1]);  // slow: total binds
    aio::http::Timeout c;
    c.connect = 300ms;
    aio::http::RequestOptions cc;
    cc.timeout(c);
    co_await get_recording(s, url, cc, outs[2]);  // slow: the connect budget binds
    outs[3] = co_await get_once(s, url);
    CHECK(s.open_connections() <= 1);
    co_await s.close();
    co_return outs;
  };
  std::vector<Mode> modes{stall(), slow(60ms), slow(60ms), fast()};
  auto [outs, logs] = with_peer(std::move(modes), client);
  REQUIRE(outs.size() == 4);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("request ", i, " ", outs[i].kind, ": ", outs[i].message);
    CHECK(outs[i].kind == "http-timeout");
    CHECK(outs[i].code == (i < 2 ? Errc::total_timeout : Errc::tls_handshake_timeout));
    CHECK(outs[i].message.find("TLS handshake") != std::string::npos);
    CHECK(outs[i].message.find("GET " + std::string("https://localhost:")) == 0);
    CHECK(outs[i].took < 3s);
    check_closed(logs[i], i == 0);
  }
  check_mid_flight(logs[1]);
  check_mid_flight(logs[2]);
  INFO("last: ", outs[3].kind, ": ", outs[3].message);
  CHECK(outs[3].kind == "ok");
  CHECK(outs[3].body.rfind("200 reused=", 0) == 0);
  CHECK(outs[3].took < 5s);
}

TEST_CASE("Session: a request cancelled in mid-handshake (Scope, with_timeout); the Session goes on") {
  auto client = [](int port) -> aio::Task<std::vector<Outcome>> {
    Session s(one_connection_per_host());
    std::vector<Outcome> outs(5);
    std::string url = url_of(port);
    aio::http::RequestOptions ro;
    co_await cancel_after(get_recording(s, url, ro, outs[0]), 250ms);   // stalls
    aio::http::RequestOptions ro2;
    co_await cancel_after(get_recording(s, url, ro2, outs[1]), 300ms);  // slow
    outs[2] = co_await get_within(s, url, 250ms);                      // stalls
    outs[3] = co_await get_within(s, url, 300ms);                      // slow
    outs[4] = co_await get_once(s, url);
    co_await s.close();
    co_return outs;
  };
  std::vector<Mode> modes{stall(), slow(60ms), stall(), slow(60ms), fast()};
  auto [outs, logs] = with_peer(std::move(modes), client);
  REQUIRE(outs.size() == 5);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("request ", i, " ", outs[i].kind, ": ", outs[i].message);
    CHECK(outs[i].kind == (i < 2 ? "cancelled" : "timeout"));
    CHECK(outs[i].took < 3s);
    check_closed(logs[i], i % 2 == 0);
  }
  check_mid_flight(logs[1]);
  check_mid_flight(logs[3]);
  INFO("last: ", outs[4].kind, ": ", outs[4].message);
  CHECK(outs[4].kind == "ok");
  CHECK(outs[4].body.rfind("200 reused=", 0) == 0);
}

TEST_CASE("Session: a resumed handshake cancelled half-way; the next connection still works") {
  // The abbreviated handshake's server flight is small (~140 bytes): three
  // pieces at 150 ms each; the request is cancelled after 200 ms.
  auto client = [](int port) -> aio::Task<std::vector<Outcome>> {
    Session s(one_connection_per_host());
    std::vector<Outcome> outs(4);
    std::string url = url_of(port);
    outs[0] = co_await get_once(s, url);
    aio::http::RequestOptions ro;
    co_await cancel_after(get_recording(s, url, ro, outs[1]), 200ms);
    outs[2] = co_await get_once(s, url);
    outs[3] = co_await get_once(s, url);
    co_await s.close();
    co_return outs;
  };
  std::vector<Mode> modes{fast(), slow(150ms), fast(), fast()};
  auto [outs, logs] = with_peer(std::move(modes), client);
  REQUIRE(outs.size() == 4);
  INFO(describe(outs));
  CHECK(outs[0].kind == "ok");
  CHECK(outs[0].body == "200 reused=.\n");
  CHECK(outs[1].kind == "cancelled");
  check_closed(logs[1], false);
  check_mid_flight(logs[1]);
  CHECK(logs[1].to_client > 0);
  CHECK(outs[2].kind == "ok");
  // A cancel says nothing against the saved session: it is still offered.
  CHECK(outs[2].body == "200 reused=r\n");
  CHECK(outs[3].kind == "ok");
  CHECK(outs[3].body == "200 reused=r\n");
}
