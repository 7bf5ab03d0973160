// tls/engine.hpp: a client engine against a server engine, entirely in
// memory, on the test PKI (tests/pki/make-pki.sh).
#include <aio/tls/engine.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <aio/tls/error.hpp>
#include <aio/tls/session_cache.hpp>

#include "support/tls_peers.hpp"

using aio::tls::ClientOptions;
using aio::tls::Engine;
using aio::tls::ServerOptions;
using aio::tls::Status;
using test::EnginePair;
using test::test_client_config;
using test::test_server_config;

namespace {

// Reads everything the engine can give now.
std::string drain(Engine& e, Status* last = nullptr) {
  std::string out;
  char buf[4096];
  for (;;) {
    aio::tls::IoResult r = e.read(buf);
    if (r.status != Status::ok) {
      if (last) *last = r.status;
      return out;
    }
    out.append(buf, r.n);
  }
}

// Writes all of `data` from `from`, moving output to `to` when the engine
// says want_write (same bytes again after that).
void write_all(Engine& from, Engine& to, std::string_view data) {
  std::string wire;
  std::size_t done = 0;
  int retries = 0;
  while (done < data.size()) {
    aio::tls::IoResult r = from.write(data.substr(done));
    if (r.status == Status::want_write) {
      ++retries;
      from.take_output(wire);
      to.feed(wire);
      continue;
    }
    REQUIRE(r.status == Status::ok);
    done += r.n;
  }
  from.take_output(wire);
  to.feed(wire);
}

// The reason a handshake failed, "" when it did not.
std::string handshake_failure(const std::string& leaf, const std::string& host,
                              ClientOptions options = ClientOptions(),
                              bool* certificate = nullptr) {
  EnginePair p(test_client_config(options), test_server_config(leaf), host);
  try {
    p.handshake();
  } catch (const aio::tls::CertificateError& e) {
    if (certificate) *certificate = true;
    return e.what();
  } catch (const aio::tls::TlsError& e) {
    if (certificate) *certificate = false;
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a client and a server engine shake hands in memory and exchange data") {
  EnginePair p(test_client_config(), test_server_config("good"), "localhost");
  p.handshake();
  CHECK(p.client.handshake_done());
  CHECK(p.server.handshake_done());
  CHECK(p.client.version() == "TLSv1.2");
  CHECK(p.client.alpn() == "http/1.1");
  CHECK(p.server.alpn() == "http/1.1");
  CHECK_FALSE(p.client.resumed());
  CHECK(p.client.peer_subject() == "CN=localhost");

  write_all(p.client, p.server, "GET / HTTP/1.1\r\n\r\n");
  CHECK(drain(p.server) == "GET / HTTP/1.1\r\n\r\n");
  write_all(p.server, p.client, "HTTP/1.1 204 No Content\r\n\r\n");
  Status last = Status::ok;
  CHECK(drain(p.client, &last) == "HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(last == Status::want_read);
}

TEST_CASE("a write takes one record at most; large data arrives whole and in order") {
  EnginePair p(test_client_config(), test_server_config("good"), "localhost");
  p.handshake();
  std::string big = test::pattern_bytes(200 * 1024);
  aio::tls::IoResult first = p.client.write(big);
  CHECK(first.status == Status::ok);
  CHECK(first.n == 16384);
  write_all(p.client, p.server, std::string_view(big).substr(first.n));
  p.pump();
  CHECK(drain(p.server) == big);
}

TEST_CASE("plaintext waiting inside mbedTLS is read without more input (check_pending)") {
  EnginePair p(test_client_config(), test_server_config("good"), "localhost");
  p.handshake();
  std::string record = test::pattern_bytes(10000);
  write_all(p.server, p.client, record);
  char small[100];
  aio::tls::IoResult r = p.client.read(small);
  REQUIRE(r.status == Status::ok);
  CHECK(r.n == 100);
  CHECK(p.client.input_size() == 0);  // the whole record left the input...
  CHECK(p.client.pending());          // ...and its rest waits inside mbedTLS
  std::string rest = drain(p.client);
  CHECK(std::string(small, 100) + rest == record);
  CHECK_FALSE(p.client.pending());
}

TEST_CASE("want_write: a small output limit, and the same bytes retried") {
  EnginePair p(test_client_config(), test_server_config("good"), "localhost");
  p.client.set_output_limit(100);
  p.server.set_output_limit(100);
  p.handshake();  // pump() empties the buffers whenever an engine says want_write
  std::string data = test::pattern_bytes(40000);
  std::string wire;
  std::size_t done = 0;
  int want_write = 0;
  while (done < data.size()) {
    aio::tls::IoResult r = p.client.write(std::string_view(data).substr(done));
    if (r.status == Status::want_write) {
      ++want_write;
      p.client.take_output(wire);
      p.server.feed(wire);
      continue;
    }
    REQUIRE(r.status == Status::ok);
    done += r.n;
  }
  p.client.take_output(wire);
  p.server.feed(wire);
  CHECK(want_write > 0);
  CHECK(drain(p.server) == data);  // nothing lost, nothing sent twice
}

TEST_CASE("close_notify ends the stream cleanly; a bare EOF does not") {
  {
    EnginePair p(test_client_config(), test_server_config("good"), "localhost");
    p.handshake();
    write_all(p.server, p.client, "last bytes");
    CHECK(p.server.close_notify() == Status::ok);
    CHECK(p.server.close_notify() == Status::ok);  // idempotent: one alert
    p.pump();
    Status last = Status::ok;
    CHECK(drain(p.client, &last) == "last bytes");
    CHECK(last == Status::closed);
    CHECK(p.client.peer_closed());
    char b[10];
    CHECK(p.client.read(b).status == Status::closed);  // sticky
  }
  {
    EnginePair p(test_client_config(), test_server_config("good"), "localhost");
    p.handshake();
    write_all(p.server, p.client, "cut here");
    p.client.feed_eof();
    Status last = Status::ok;
    CHECK(drain(p.client, &last) == "cut here");
    CHECK(last == Status::eof);
    char b[10];
    CHECK(p.client.read(b).status == Status::eof);  // sticky
  }
}

TEST_CASE("REQ-TLS: verification failures are CertificateErrors naming the reason") {
  struct Case {
    const char* leaf;
    const char* host;
    const char* reason;  // "" when it must succeed
  };
  const Case cases[] = {
      {"good", "localhost", ""},
      {"good", "a.wild.test", ""},
      {"good", "a.b.wild.test", "hostname mismatch"},
      {"wrong-host", "localhost", "hostname mismatch"},
      {"expired", "localhost", "certificate has expired"},
      {"not-yet-valid", "localhost", "not yet valid"},
      {"self-signed", "localhost", "self-signed"},
      {"untrusted", "localhost", "unknown issuer"},
      {"ip", "127.0.0.1", ""},
      {"ip", "::1", ""},
      {"ip", "127.0.0.2", "hostname mismatch"},
      {"ip", "localhost", "hostname mismatch"},
      {"ip-as-dns", "127.0.0.1", "hostname mismatch"},
      {"good", "127.0.0.1", "hostname mismatch"},
      {"cn-only", "localhost", "no subjectAltName"},
      {"notca-leaf", "localhost", "is not a CA"},
  };
  // (client-eku, a leaf only for client authentication, is in
  // test_tls_session: an mbedTLS server refuses to present it at all.)
  for (const Case& c : cases) {
    bool certificate = false;
    std::string why = handshake_failure(c.leaf, c.host, ClientOptions(), &certificate);
    INFO(std::string(c.leaf), " for ", std::string(c.host), ": ", why);
    if (*c.reason == '\0') {
      CHECK(why.empty());
    } else {
      CHECK(certificate);
      CHECK(why.find(c.reason) != std::string::npos);
    }
  }
}

TEST_CASE("REQ-TLS: an incomplete chain (the intermediate not sent) is untrusted") {
  ServerOptions o;
  o.cert_file = test::pki_file("good.crt");  // the leaf alone
  o.key_file = test::pki_file("good.key");
  EnginePair p(test_client_config(), aio::tls::Config::server(o), "localhost");
  CHECK_THROWS_WITH_AS(p.handshake(), doctest::Contains("unknown issuer"),
                       aio::tls::CertificateError);
}

TEST_CASE("the CA may be given in memory") {
  ClientOptions o;
  o.ca_pem = test::TempDir::read_file(test::pki_file("root.crt"));
  EnginePair p(aio::tls::Config::client(o), test_server_config("good"), "localhost");
  p.handshake();
  CHECK(p.client.handshake_done());
}

TEST_CASE("verification off (explicit) accepts any certificate and any name") {
  ClientOptions o;
  o.verify = false;
  for (std::string leaf : {"self-signed", "expired", "untrusted", "wrong-host"}) {
    INFO(leaf);
    EnginePair p(aio::tls::Config::client(o), test_server_config(leaf), "localhost");
    p.handshake();
    CHECK(p.client.handshake_done());
  }
}

TEST_CASE("mTLS: the client certificate reaches the server; without one the handshake fails") {
  ServerOptions so;
  so.client_ca_file = test::pki_file("root.crt");
  so.require_client_cert = true;
  auto server_cfg = test_server_config("good", so);

  ClientOptions co;
  co.cert_file = test::pki_file("client.chain.pem");
  co.key_file = test::pki_file("client.key");
  EnginePair with(test_client_config(co), server_cfg, "localhost");
  with.handshake();
  CHECK(with.server.peer_subject() == "CN=aiocpp test client");

  EnginePair without(test_client_config(), server_cfg, "localhost");
  CHECK_THROWS_AS(without.handshake(), aio::tls::TlsError);

  // The key file may be given as PEM text too.
  ClientOptions mem;
  mem.cert_pem = test::TempDir::read_file(test::pki_file("client.chain.pem"));
  mem.key_pem = test::TempDir::read_file(test::pki_file("client.key"));
  EnginePair in_memory(test_client_config(mem), server_cfg, "localhost");
  in_memory.handshake();
  CHECK(in_memory.server.peer_subject() == "CN=aiocpp test client");
}

TEST_CASE("a saved session resumes: an abbreviated handshake with no certificate") {
  auto client_cfg = test_client_config();
  auto server_cfg = test_server_config("good");
  EnginePair first(client_cfg, server_cfg, "localhost");
  first.handshake();
  CHECK_FALSE(first.client.resumed());
  std::shared_ptr<const aio::tls::SavedSession> saved = first.client.save_session();
  REQUIRE(saved != nullptr);

  EnginePair second(client_cfg, server_cfg, "localhost");
  CHECK(second.client.offer_session(*saved));
  second.handshake();
  CHECK(second.client.resumed());
  CHECK(second.to_client < first.to_client / 2);  // no certificate chain this time
  write_all(second.client, second.server, "after resumption");
  CHECK(drain(second.server) == "after resumption");

  // A server with other ticket keys cannot resume it: a full handshake.
  EnginePair other(client_cfg, test_server_config("good"), "localhost");
  CHECK(other.client.offer_session(*saved));
  other.handshake();
  CHECK_FALSE(other.client.resumed());
}

TEST_CASE("a dead context rethrows its first error") {
  EnginePair p(test_client_config(), test_server_config("good"), "localhost");
  p.handshake();
  std::string garbage =
      "\x17\x03\x03\x00\x20" + std::string(32, 'x');  // a bogus application record
  p.client.feed(garbage);
  char b[64];
  CHECK_THROWS_AS(p.client.read(b), aio::tls::TlsError);
  CHECK(p.client.failed());
  CHECK_THROWS_AS(p.client.read(b), aio::tls::TlsError);
  CHECK_THROWS_AS(p.client.write("x"), aio::tls::TlsError);
}

TEST_CASE("configuration errors name the file and the cause") {
  ClientOptions missing;
  missing.ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS_WITH_AS(aio::tls::Config::client(missing), doctest::Contains("/nonexistent/ca.pem"),
                       aio::tls::TlsError);
  ClientOptions mismatch;
  mismatch.ca_file = test::pki_file("root.crt");
  mismatch.cert_file = test::pki_file("client.crt");
  mismatch.key_file = test::pki_file("good.key");
  CHECK_THROWS_WITH_AS(aio::tls::Config::client(mismatch), doctest::Contains("does not match"),
                       aio::tls::TlsError);
  ClientOptions no_key;
  no_key.cert_file = test::pki_file("client.crt");
  CHECK_THROWS_AS(aio::tls::Config::client(no_key), aio::tls::TlsError);
}

TEST_CASE("the system CA bundle loads once and is shared") {
  if (access(aio::tls::system_ca_path().c_str(), R_OK) != 0) return;
  auto a = aio::tls::Config::client(ClientOptions());
  auto b = aio::tls::Config::client(ClientOptions());
  CHECK(a->ca_count() > 10);
  CHECK(a->ca_source().rfind("system:", 0) == 0);
  CHECK(a->ca_count() == b->ca_count());
  CHECK(a->id() != b->id());
  // A server under the test root is unknown to the system bundle.
  EnginePair p(a, test_server_config("good"), "localhost");
  CHECK_THROWS_WITH_AS(p.handshake(), doctest::Contains("unknown issuer"),
                       aio::tls::CertificateError);
}

TEST_CASE("the session cache keys by host, port and config, and evicts the least recently used") {
  auto verify_cfg = test_client_config();
  ClientOptions off;
  off.verify = false;
  auto insecure_cfg = aio::tls::Config::client(off);
  std::string k1 = aio::tls::SessionCache::key("localhost", 443, *verify_cfg);
  CHECK(k1 != aio::tls::SessionCache::key("localhost", 444, *verify_cfg));
  CHECK(k1 != aio::tls::SessionCache::key("127.0.0.1", 443, *verify_cfg));
  CHECK(k1 != aio::tls::SessionCache::key("localhost", 443, *insecure_cfg));

  EnginePair p(verify_cfg, test_server_config("good"), "localhost");
  p.handshake();
  auto s = p.client.save_session();
  aio::tls::SessionCache cache(2);
  cache.store("a", s);
  cache.store("b", s);
  CHECK(cache.find("a") == s);  // a is now the most recent
  cache.store("c", s);          // evicts b
  CHECK(cache.size() == 2);
  CHECK(cache.find("b") == nullptr);
  CHECK(cache.find("a") == s);
  CHECK(cache.find("c") == s);
  cache.store("a", nullptr);
  CHECK(cache.find("a") == nullptr);
}
