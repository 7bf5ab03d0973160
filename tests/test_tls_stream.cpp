// tls/stream.hpp: TlsStream over loopback TCP, a client and a server stream
// in one loop (the server is the in-process engine: the real peers are in
// test_tls_session).
#include <aio/tls/stream.hpp>

#include <doctest/doctest.h>

#include <string>

#include <aio/runtime/gather.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/tls/error.hpp>

#include "support/loop_fixture.hpp"
#include "support/tls_peers.hpp"

using namespace std::chrono_literals;
using aio::tls::TlsStream;

namespace {

aio::Address loopback(int port) {
  return aio::Address::parse("127.0.0.1", static_cast<uint16_t>(port)).value();
}

// Writes `bytes` as three gathered buffers (a small head, the middle, a
// small tail), as the HTTP layer writes a head and a body.
aio::Task<void> write_all(aio::ByteStream& s, std::string bytes) {
  std::size_t a = std::min<std::size_t>(bytes.size(), 10);
  std::size_t b = bytes.size() > 20 ? bytes.size() - 10 : bytes.size();
  uv_buf_t bufs[3] = {uv_buf_init(bytes.data(), static_cast<unsigned>(a)),
                      uv_buf_init(bytes.data() + a, static_cast<unsigned>(b - a)),
                      uv_buf_init(bytes.data() + b, static_cast<unsigned>(bytes.size() - b))};
  co_await s.write(std::span<const uv_buf_t>(bufs, 3));
}

// Reads until `n` bytes or the end of the stream.
aio::Task<std::string> read_up_to(aio::ByteStream& s, std::size_t n) {
  std::string out;
  while (out.size() < n) {
    std::span<const char> got = co_await s.read();
    if (got.empty()) break;
    std::size_t take = std::min(got.size(), n - out.size());
    out.append(got.data(), take);
    s.consume(take);
  }
  co_return out;
}

aio::Task<std::unique_ptr<TlsStream>> accept_tls(aio::TcpListener& l,
                                                 std::shared_ptr<const aio::tls::Config> cfg) {
  aio::TcpStream peer = co_await l.accept();
  auto s = std::make_unique<TlsStream>(std::move(peer), aio::tls::Engine::server(cfg));
  co_await s->handshake();
  co_return s;
}

aio::Task<std::unique_ptr<TlsStream>> dial(int port, std::shared_ptr<const aio::tls::Config> cfg,
                                           std::string host, aio::tls::SessionCache* cache) {
  aio::TcpStream tcp = co_await aio::TcpStream::connect(loopback(port));
  co_return co_await aio::tls::connect(std::move(tcp), cfg, host, static_cast<uint16_t>(port),
                                       cache);
}

// Echo: reads `n` bytes, writes them back, then ends as asked.
aio::Task<void> echo_server(aio::TcpListener& l, std::size_t n, bool notify) {
  std::unique_ptr<TlsStream> s = co_await accept_tls(l, test::test_server_config("good"));
  std::string got = co_await read_up_to(*s, n);
  co_await write_all(*s, got);
  if (notify)
    co_await s->shutdown();
  else
    s->tcp().close();  // a bare TCP close: no close_notify
}

struct EchoResult {
  std::string back;
  bool clean_end = false;
  int error = 0;
};

aio::Task<EchoResult> echo_client(int port, std::string payload) {
  EchoResult r;
  std::unique_ptr<TlsStream> s =
      co_await dial(port, test::test_client_config(), "localhost", nullptr);
  CHECK(s->engine().alpn() == "http/1.1");
  co_await write_all(*s, payload);
  r.back = co_await read_up_to(*s, payload.size());
  try {
    std::span<const char> end = co_await s->read();
    r.clean_end = end.empty();
  } catch (const aio::IoError& e) {
    r.error = e.code().value();
  }
  co_return r;
}

aio::Task<EchoResult> echo(std::string payload, bool notify) {
  aio::TcpListener l(loopback(0));
  int port = l.local_address().port();
  auto [unused, r] =
      co_await aio::gather(echo_server(l, payload.size(), notify), echo_client(port, payload));
  (void)unused;
  co_return r;
}

}  // namespace

TEST_CASE("TlsStream carries bytes both ways and ends at close_notify") {
  EchoResult small = test::run(echo("hello over TLS", true));
  CHECK(small.back == "hello over TLS");
  CHECK(small.clean_end);

  std::string big =
      test::pattern_bytes(3 * 1024 * 1024 + 7);  // records, socket buffers, partial writes
  EchoResult r = test::run(echo(big, true));
  CHECK(r.back.size() == big.size());
  CHECK(r.back == big);
  CHECK(r.clean_end);
}

TEST_CASE("a TCP close without close_notify is an IoError(UV_EOF), not an end of stream") {
  EchoResult r = test::run(echo("cut short", false));
  CHECK(r.back == "cut short");
  CHECK_FALSE(r.clean_end);
  CHECK(r.error == UV_EOF);
}

TEST_CASE("a certificate the client rejects fails both handshakes") {
  auto server = [](aio::TcpListener& l) -> aio::Task<std::string> {
    try {
      co_await accept_tls(l, test::test_server_config("expired"));
    } catch (const aio::tls::TlsError& e) {
      co_return e.what();
    }
    co_return "";
  };
  auto client = [](int port) -> aio::Task<std::string> {
    try {
      co_await dial(port, test::test_client_config(), "localhost", nullptr);
    } catch (const aio::tls::CertificateError& e) {
      co_return e.what();
    }
    co_return "";
  };
  auto body = [](auto server, auto client) -> aio::Task<std::pair<std::string, std::string>> {
    aio::TcpListener l(loopback(0));
    int port = l.local_address().port();
    auto [s, c] = co_await aio::gather(server(l), client(port));
    co_return std::make_pair(s, c);
  };
  auto [s, c] = test::run(body(server, client));
  CHECK(c.find("certificate has expired") != std::string::npos);
  CHECK(s.find("TLS handshake failed") != std::string::npos);  // the alert reached it, or the close
}

TEST_CASE("a peer that closes during the handshake is a TlsError") {
  auto server = [](aio::TcpListener& l) -> aio::Task<void> {
    aio::TcpStream peer = co_await l.accept();
    co_await peer.read();  // the ClientHello
    peer.close();
  };
  auto client = [](int port) -> aio::Task<std::string> {
    try {
      co_await dial(port, test::test_client_config(), "localhost", nullptr);
    } catch (const aio::tls::TlsError& e) {
      co_return e.what();
    }
    co_return "";
  };
  auto body = [](auto server, auto client) -> aio::Task<std::string> {
    aio::TcpListener l(loopback(0));
    int port = l.local_address().port();
    auto [s, c] = co_await aio::gather(server(l), client(port));
    (void)s;
    co_return c;
  };
  std::string why = test::run(body(server, client));
  CHECK(why.find("TLS handshake failed") != std::string::npos);
}

TEST_CASE("connect() caches the session per origin and resumes it") {
  auto server = [](aio::TcpListener& l,
                   std::shared_ptr<const aio::tls::Config> cfg) -> aio::Task<void> {
    for (int i = 0; i < 2; ++i) {
      std::unique_ptr<TlsStream> s = co_await accept_tls(l, cfg);
      std::string got = co_await read_up_to(*s, 4);
      co_await write_all(*s, got);
      co_await s->shutdown();
    }
  };
  auto client = [](int port) -> aio::Task<std::pair<bool, bool>> {
    aio::tls::SessionCache cache;
    auto cfg = test::test_client_config();
    bool resumed[2] = {false, false};
    for (int i = 0; i < 2; ++i) {
      std::unique_ptr<TlsStream> s = co_await dial(port, cfg, "localhost", &cache);
      resumed[i] = s->engine().resumed();
      co_await write_all(*s, "ping");
      CHECK(co_await read_up_to(*s, 4) == "ping");
      CHECK(cache.size() == 1);
    }
    co_return std::make_pair(resumed[0], resumed[1]);
  };
  auto body = [](auto server, auto client) -> aio::Task<std::pair<bool, bool>> {
    aio::TcpListener l(loopback(0));
    int port = l.local_address().port();
    auto [s, c] = co_await aio::gather(server(l, test::test_server_config("good")), client(port));
    (void)s;
    co_return c;
  };
  auto [first, second] = test::run(body(server, client));
  CHECK_FALSE(first);
  CHECK(second);
}

TEST_CASE("an idle TlsStream is healthy until the peer's close_notify arrives") {
  auto server = [](aio::TcpListener& l) -> aio::Task<void> {
    std::unique_ptr<TlsStream> s = co_await accept_tls(l, test::test_server_config("good"));
    co_await aio::sleep(30ms);
    co_await s->shutdown();
  };
  auto client = [](int port) -> aio::Task<std::pair<bool, bool>> {
    std::unique_ptr<TlsStream> s =
        co_await dial(port, test::test_client_config(), "localhost", nullptr);
    bool before = s->idle_healthy();
    // Something must read for bytes to arrive (as the pool's check does).
    std::span<const char> end = co_await s->read();
    CHECK(end.empty());
    co_return std::make_pair(before, s->idle_healthy());
  };
  auto body = [](auto server, auto client) -> aio::Task<std::pair<bool, bool>> {
    aio::TcpListener l(loopback(0));
    int port = l.local_address().port();
    auto [s, c] = co_await aio::gather(server(l), client(port));
    (void)s;
    co_return c;
  };
  auto [before, after] = test::run(body(server, client));
  CHECK(before);
  CHECK_FALSE(after);
}
