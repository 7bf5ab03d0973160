// https:// through aio::http::Session against real TLS peers: nginx with
// ssl, openssl s_server and Python's ssl (tests/pki/tls_peer.py), on the
// test PKI (tests/pki/make-pki.sh). REQ-TLS of HOSTILE.md.
#include <aio/http/session.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <aio/runtime/gather.hpp>
#include <aio/runtime/sleep.hpp>

#include "support/loop_fixture.hpp"
#include "support/nginx.hpp"
#include "support/tls_peers.hpp"

using namespace std::chrono_literals;
using aio::http::Errc;
using aio::http::Session;
using aio::http::SessionOptions;

namespace {

// What a GET ended in.
struct Got {
  std::string kind = "ok";  // ok, certificate, tls, payload, timeout, disconnected, client, other
  int status = 0;
  std::string body;
  std::string message;
  std::error_code code;
  std::size_t redirects = 0;
};

void classify(std::exception_ptr e, Got& g) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const aio::http::CertificateError& x) {
    g.kind = "certificate", g.message = x.what(), g.code = x.code();
  } catch (const aio::http::TlsError& x) {
    g.kind = "tls", g.message = x.what(), g.code = x.code();
  } catch (const aio::http::PayloadError& x) {
    g.kind = "payload", g.message = x.what(), g.code = x.code();
  } catch (const aio::http::TimeoutError& x) {
    g.kind = "timeout", g.message = x.what(), g.code = x.code();
  } catch (const aio::http::ServerDisconnectedError& x) {
    g.kind = "disconnected", g.message = x.what(), g.code = x.code();
  } catch (const aio::http::ClientError& x) {
    g.kind = "client", g.message = x.what(), g.code = x.code();
  } catch (const std::exception& x) {
    g.kind = "other", g.message = x.what();
  }
}

aio::Task<Got> get_on(Session& s, std::string url, aio::http::RequestOptions o = aio::http::RequestOptions()) {
  Got g;
  std::exception_ptr err;
  try {
    aio::http::Response r = co_await s.get(url, std::move(o));
    g.status = r.status();
    g.redirects = r.history().size();
    g.body = co_await r.text();
  } catch (const aio::CancelledError&) {
    throw;
  } catch (...) {
    err = std::current_exception();
  }
  classify(err, g);
  co_return g;
}

aio::Task<Got> get(std::string url, SessionOptions o) {
  Session s(std::move(o));
  Got g = co_await get_on(s, url);
  co_await s.close();
  co_return g;
}

SessionOptions trusting_test_root() {
  SessionOptions o;
  o.tls.ca_file = test::pki_file("root.crt");
  return o;
}

Got fetch(const std::string& url, SessionOptions o = trusting_test_root()) {
  return test::run(get(url, std::move(o)));
}

// One nginx, one TLS server block per certificate of the test PKI.
class TlsNginx {
 public:
  TlsNginx() : nginx_(options()) {}
  std::string url(const std::string& leaf, const std::string& path,
                  const std::string& host = "localhost") const {
    return "https://" + host + ":" + std::to_string(ports_.at(leaf)) + path;
  }
  std::string http_url(const std::string& path) const { return nginx_.url(path); }

 private:
  static inline std::map<std::string, int> ports_;

  static std::string block(const std::string& name, const std::string& cert, const std::string& key,
                           const std::string& extra) {
    int port = test::free_port();
    ports_[name] = port;
    return "  server {\n    listen 127.0.0.1:" + std::to_string(port) +
           " ssl;\n    server_name localhost;\n    ssl_certificate " + cert +
           ";\n    ssl_certificate_key " + key + ";\n" + extra +
           "    location / { return 200 \"tls $ssl_protocol reused=$ssl_session_reused\\n\"; }\n  "
           "}\n";
  }

  static test::NginxOptions options() {
    test::NginxOptions o;
    for (const char* leaf : {"good", "wrong-host", "expired", "not-yet-valid", "self-signed",
                             "untrusted", "ip", "ip-as-dns", "cn-only", "client-eku", "notca-leaf"})
      o.extra_servers += block(leaf, test::pki_file(std::string(leaf) + ".chain.pem"),
                               test::pki_file(std::string(leaf) + ".key"), "");
    // The leaf alone: the intermediate is missing from the chain.
    o.extra_servers +=
        block("incomplete", test::pki_file("good.crt"), test::pki_file("good.key"), "");
    // mTLS: a client certificate under the test root is required.
    o.extra_servers +=
        block("mtls", test::pki_file("good.chain.pem"), test::pki_file("good.key"),
              "    ssl_verify_client on;\n    ssl_verify_depth 3;\n    ssl_client_certificate " +
                  test::pki_file("root.crt") +
                  ";\n    location = /whoami { return 200 \"$ssl_client_s_dn\"; }\n");
    // Every response closes its connection: the next request must
    // connect (and resume) again.
    o.extra_servers += block("close", test::pki_file("good.chain.pem"), test::pki_file("good.key"),
                             "    keepalive_timeout 0;\n");
    // Request bodies: nginx reads them and answers their length.
    o.extra_servers += block("body", test::pki_file("good.chain.pem"), test::pki_file("good.key"),
                             "    client_max_body_size 10m;\n    client_body_buffer_size 2m;\n"
                             "    location = /len { return 200 \"$content_length\"; }\n");
    // Redirects from http:// to https://, and across https origins.
    int good = ports_["good"];
    o.extra_servers +=
        block("redirect", test::pki_file("good.chain.pem"), test::pki_file("good.key"),
              "    location = /next { return 302 https://localhost:" + std::to_string(good) +
                  "/landed; }\n");
    o.extra_locations = "    location = /to-https { return 302 https://localhost:" +
                        std::to_string(ports_["redirect"]) + "/next; }\n";
    return o;
  }

  test::Nginx nginx_;
};

TlsNginx& nginx() {
  static TlsNginx n;
  return n;
}

}  // namespace

TEST_CASE("https:// GET against nginx, verified against a custom CA") {
  Got g = fetch(nginx().url("good", "/"));
  CHECK_MESSAGE(g.kind == "ok", g.message);
  CHECK(g.status == 200);
  CHECK(g.body == "tls TLSv1.2 reused=.\n");
}

TEST_CASE("REQ-TLS: bad certificates are CertificateErrors naming the reason") {
  struct Case {
    std::string server;
    std::string host;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"wrong-host", "localhost", "hostname mismatch"},
      {"expired", "localhost", "certificate has expired"},
      {"not-yet-valid", "localhost", "certificate is not yet valid"},
      {"self-signed", "localhost", "self-signed certificate"},
      {"untrusted", "localhost", "unknown issuer"},
      {"incomplete", "localhost", "unknown issuer"},
      {"notca-leaf", "localhost", "is not a CA"},
      {"client-eku", "localhost", "not valid for TLS server authentication"},
      {"cn-only", "localhost", "no subjectAltName"},
      {"ip-as-dns", "127.0.0.1", "hostname mismatch"},
      {"good", "127.0.0.1", "hostname mismatch"},
      {"ip", "localhost", "hostname mismatch"},
  };
  for (const Case& c : cases) {
    std::string url = nginx().url(c.server, "/", c.host);
    Got g = fetch(url);
    INFO(url, " -> ", g.kind, ": ", g.message);
    CHECK(g.kind == "certificate");
    CHECK(g.code == Errc::certificate_invalid);
    CHECK(g.message.find(c.reason) != std::string::npos);
    CHECK(g.message.find("GET " + url) == 0);  // names the request
  }
}

TEST_CASE("REQ-TLS: an IP literal is matched against iPAddress SANs") {
  Got g = fetch(nginx().url("ip", "/", "127.0.0.1"));
  CHECK_MESSAGE(g.kind == "ok", g.message);
  CHECK(g.status == 200);
}

TEST_CASE("REQ-TLS: verification is on by default, against the system CA bundle") {
  Got g = fetch(nginx().url("good", "/"), SessionOptions());
  CHECK(g.kind == "certificate");
  CHECK(g.message.find("unknown issuer") != std::string::npos);
}

TEST_CASE("REQ-TLS: insecure mode only by explicit opt-in") {
  SessionOptions o;
  o.tls.verify = false;
  for (std::string server : {"self-signed", "expired", "wrong-host", "untrusted"}) {
    Got g = fetch(nginx().url(server, "/"), o);
    CHECK_MESSAGE(g.kind == "ok", server, ": ", g.message);
    CHECK(g.status == 200);
  }
}

TEST_CASE("keep-alive over TLS: requests share one connection") {
  auto body = [](std::string url) -> aio::Task<std::size_t> {
    Session s(trusting_test_root());
    for (int i = 0; i < 5; ++i) {
      Got g = co_await get_on(s, url);
      CHECK_MESSAGE(g.kind == "ok", g.message);
    }
    std::size_t open = s.open_connections();
    co_await s.close();
    co_return open;
  };
  CHECK(test::run(body(nginx().url("good", "/"))) == 1);
}

TEST_CASE("request bodies go out over TLS: a sized body and a streamed one") {
  auto body = [](std::string base) -> aio::Task<std::vector<std::string>> {
    Session s(trusting_test_root());
    std::vector<std::string> got;
    std::string big = test::pattern_bytes(1 << 20);
    aio::http::Response sized =
        co_await s.post(base + "/len", aio::http::RequestOptions().body(big));
    std::string sized_body = co_await sized.read();
    got.push_back(std::to_string(sized.status()) + " " + sized_body);
    auto gen = [n = 0]() mutable -> aio::Task<std::optional<std::string>> {
      if (n++ < 20) co_return std::optional<std::string>(std::string(50000, 'x'));
      co_return std::nullopt;
    };
    aio::http::Response streamed =
        co_await s.post(base + "/", aio::http::RequestOptions().stream(gen));
    std::string streamed_body = co_await streamed.read();
    got.push_back(std::to_string(streamed.status()) + " " + streamed_body);
    got.push_back(std::to_string(s.open_connections()));
    co_await s.close();
    co_return got;
  };
  std::vector<std::string> got = test::run(body(nginx().url("body", "")));
  REQUIRE(got.size() == 3);
  CHECK(got[0] == "200 1048576");
  CHECK(got[1] == "200 tls TLSv1.2 reused=.\n");
  CHECK(got[2] == "1");  // both on one keep-alive connection
}

TEST_CASE("session resumption: a new connection to a known origin resumes") {
  auto body = [](std::string url) -> aio::Task<std::vector<std::string>> {
    Session s(trusting_test_root());
    std::vector<std::string> bodies;
    for (int i = 0; i < 3; ++i) {
      Got g = co_await get_on(s, url);  // the server closes after each response
      CHECK_MESSAGE(g.kind == "ok", g.message);
      bodies.push_back(g.body);
    }
    co_await s.close();
    co_return bodies;
  };
  std::vector<std::string> bodies = test::run(body(nginx().url("close", "/")));
  REQUIRE(bodies.size() == 3);
  CHECK(bodies[0] == "tls TLSv1.2 reused=.\n");
  CHECK(bodies[1] == "tls TLSv1.2 reused=r\n");
  CHECK(bodies[2] == "tls TLSv1.2 reused=r\n");
}

TEST_CASE("connections opened at once wait for the first full handshake and resume its session") {
  auto body = [](std::string url) -> aio::Task<std::vector<Got>> {
    Session s(trusting_test_root());
    std::vector<aio::Task<Got>> gets;
    for (int i = 0; i < 8; ++i) gets.push_back(get_on(s, url));
    std::vector<Got> got = co_await aio::gather(std::move(gets));
    CHECK(s.open_connections() == 8);  // eight connections, not one reused
    co_await s.close();
    co_return got;
  };
  std::vector<Got> got = test::run(body(nginx().url("good", "/")));
  int full = 0, resumed = 0;
  for (const Got& g : got) {
    CHECK_MESSAGE(g.kind == "ok", g.message);
    if (g.body == "tls TLSv1.2 reused=.\n") ++full;
    if (g.body == "tls TLSv1.2 reused=r\n") ++resumed;
  }
  CHECK(full == 1);
  CHECK(resumed == 7);
}

TEST_CASE("session resumption is per session: another Session does a full handshake") {
  std::string url = nginx().url("close", "/");
  CHECK(fetch(url).body == "tls TLSv1.2 reused=.\n");
  CHECK(fetch(url).body == "tls TLSv1.2 reused=.\n");
}

TEST_CASE("mTLS: the client certificate and key reach nginx") {
  SessionOptions o = trusting_test_root();
  o.tls.cert_file = test::pki_file("client.chain.pem");
  o.tls.key_file = test::pki_file("client.key");
  Got g = fetch(nginx().url("mtls", "/whoami"), o);
  CHECK_MESSAGE(g.kind == "ok", g.message);
  CHECK(g.status == 200);
  CHECK(g.body == "CN=aiocpp test client");
  // Without one, nginx answers 400 (it does not fail the handshake).
  Got without = fetch(nginx().url("mtls", "/whoami"));
  CHECK(without.kind == "ok");
  CHECK(without.status == 400);
}

TEST_CASE("mTLS: a server that requires a certificate fails the handshake without one (TlsError)") {
  test::SServer server(
      {"-www", "-Verify", "2", "-verify_return_error", "-CAfile", test::pki_file("root.crt")},
      "good");
  Got g = fetch(server.url("/"));
  CHECK(g.kind == "tls");
  CHECK(g.code == Errc::tls_failed);
  CHECK(g.message.find("TLS") != std::string::npos);
  SessionOptions o = trusting_test_root();
  o.tls.cert_file = test::pki_file("client.chain.pem");
  o.tls.key_file = test::pki_file("client.key");
  Got ok = fetch(server.url("/"), o);
  CHECK_MESSAGE(ok.kind == "ok", ok.message);
  CHECK(ok.body.find("aiocpp test client") != std::string::npos);
}

TEST_CASE("redirects: http:// to https://, and across https:// origins") {
  Got g = fetch(nginx().http_url("/to-https"));
  CHECK_MESSAGE(g.kind == "ok", g.message);
  CHECK(g.status == 200);
  CHECK(g.redirects == 2);
  CHECK(g.body == "tls TLSv1.2 reused=.\n");
}

TEST_CASE(
    "REQ-TLS: a close-delimited body ended by close_notify succeeds (openssl s_server -www)") {
  test::SServer server({"-www"}, "good");
  Got g = fetch(server.url("/"));
  CHECK_MESSAGE(g.kind == "ok", g.message);
  CHECK(g.status == 200);
  CHECK(g.body.find("Ciphers") != std::string::npos);
}

TEST_CASE(
    "REQ-TLS: a close-delimited body cut by a TCP close without close_notify is a PayloadError") {
  test::TlsPeer notify("good", "notify");
  Got ok = fetch(notify.url("/"));
  CHECK_MESSAGE(ok.kind == "ok", ok.message);
  CHECK(ok.body == "hello over TLS, ended by the server\n");

  test::TlsPeer truncate("good", "truncate");
  Got cut = fetch(truncate.url("/"));
  CHECK(cut.kind == "payload");
  CHECK(cut.code == Errc::receive_failed);  // curl's 56
  CHECK(cut.message.find("truncated") != std::string::npos);
  CHECK(cut.message.find("close_notify") != std::string::npos);
}

TEST_CASE("REQ-TLS: TLS 1.2 minimum: a TLS 1.1 server is a TlsError") {
  test::SServer server({"-www", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"}, "good");
  Got g = fetch(server.url("/"));
  CHECK(g.kind == "tls");
  CHECK(g.code == Errc::tls_failed);
  INFO(g.message);
  CHECK(g.message.find("TLS handshake failed") != std::string::npos);
}

TEST_CASE("the TLS handshake has its own timeout phase") {
  // A server that accepts and never speaks TLS.
  auto silent = [](aio::TcpListener& l) -> aio::Task<void> {
    aio::TcpStream peer = co_await l.accept();
    for (;;) {
      std::span<const char> got = co_await peer.read();
      if (got.empty()) break;
      peer.consume(got.size());
    }
  };
  auto client = [](int port, SessionOptions o) -> aio::Task<Got> {
    co_return co_await get("https://localhost:" + std::to_string(port) + "/", std::move(o));
  };
  auto body = [](auto silent, auto client, SessionOptions o) -> aio::Task<Got> {
    aio::TcpListener l(aio::Address::parse("127.0.0.1", 0).value());
    int port = l.local_address().port();
    auto [s, g] = co_await aio::gather(silent(l), client(port, std::move(o)));
    (void)s;
    co_return g;
  };
  {
    SessionOptions o = trusting_test_root();
    o.timeout.connect = 300ms;  // the handshake gets what is left of it
    auto t0 = std::chrono::steady_clock::now();
    Got g = test::run(body(silent, client, o));
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
    CHECK(g.kind == "timeout");
    CHECK(g.code == Errc::tls_handshake_timeout);
    CHECK(g.message.find("TLS handshake") != std::string::npos);
  }
  {
    SessionOptions o = trusting_test_root();
    o.tls.handshake_timeout = 200ms;
    Got g = test::run(body(silent, client, o));
    CHECK(g.kind == "timeout");
    CHECK(g.code == Errc::tls_handshake_timeout);
  }
}

TEST_CASE("a CA file that cannot be loaded is a TlsError naming it") {
  SessionOptions o;
  o.tls.ca_file = "/nonexistent/ca.pem";
  Got g = fetch(nginx().url("good", "/"), o);
  CHECK(g.kind == "tls");
  CHECK(g.message.find("/nonexistent/ca.pem") != std::string::npos);
}

TEST_CASE("verification can be turned off for one request; such connections and sessions stay apart") {
  auto body = [](std::string self_signed, std::string good) -> aio::Task<void> {
    Session s(trusting_test_root());
    Got insecure = co_await get_on(s, self_signed, aio::http::RequestOptions().verify_tls(false));
    CHECK_MESSAGE(insecure.kind == "ok", insecure.message);
    // The unverified connection is idle in the pool, but a verifying
    // request neither takes it nor resumes its TLS session.
    Got verified = co_await get_on(s, self_signed);
    CHECK(verified.kind == "certificate");
    CHECK(verified.message.find("self-signed") != std::string::npos);

    Got first = co_await get_on(s, good, aio::http::RequestOptions().verify_tls(false));
    CHECK(first.body == "tls TLSv1.2 reused=.\n");
    Got second = co_await get_on(s, good);
    CHECK_MESSAGE(second.kind == "ok", second.message);
    CHECK(second.body == "tls TLSv1.2 reused=.\n");  // a full, verified handshake
    CHECK(s.open_connections() == 3);  // two unverified, one verified
    co_await s.close();

    // And the other way round: a session that does not verify, a request that does.
    SessionOptions o;
    o.tls.verify = false;
    Session lax(o);
    Got strict;
    std::exception_ptr err;
    try {
      auto r = co_await lax.get(self_signed, aio::http::RequestOptions().verify_tls(true));
    } catch (const aio::http::CertificateError&) {
      err = std::current_exception();
    }
    CHECK(err);
    co_await lax.close();
  };
  test::run(body(nginx().url("self-signed", "/"), nginx().url("good", "/")));
}
