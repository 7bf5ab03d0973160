#include <aio/runtime/tcp.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "support/loop_fixture.hpp"
#include "support/process.hpp"
#include <aio/runtime/gather.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/timeout.hpp>

using namespace std::chrono_literals;

namespace {

aio::Address loopback(int port) { return aio::Address::parse("127.0.0.1", static_cast<uint16_t>(port)).value(); }

aio::Task<std::string> read_exactly(aio::TcpStream& s, size_t n) {
  std::string out;
  while (out.size() < n) {
    auto got = co_await s.read();
    if (got.empty()) break;
    size_t take = std::min(got.size(), n - out.size());
    out.append(got.data(), take);
    s.consume(take);
  }
  co_return out;
}

aio::Task<std::string> echo_roundtrip(int port, std::string payload) {
  aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
  CHECK(s.peer_address().port() == port);
  co_await s.write(payload);
  std::string back = co_await read_exactly(s, payload.size());
  co_await s.shutdown();
  auto eof = co_await s.read();
  CHECK(eof.empty());
  co_return back;
}

}  // namespace

TEST_CASE("TCP echo against Python's socketserver on loopback") {
  test::Process peer({"python3", test::source_dir() + "/peers/echo_server.py"});
  int port = peer.port();
  CHECK(test::run(echo_roundtrip(port, "hello, echo")) == "hello, echo");
  // A payload larger than socket buffers exercises queued writes and
  // buffered reads.
  std::string big(4 * 1024 * 1024, 'z');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  CHECK(test::run(echo_roundtrip(port, big)) == big);
}

TEST_CASE("TcpListener accepts a connection from our own client") {
  auto server = [](aio::TcpListener& l) -> aio::Task<void> {
    aio::TcpStream peer = co_await l.accept();
    std::string got = co_await read_exactly(peer, 4);
    co_await peer.write(got + "!");
  };
  auto client = [](int port) -> aio::Task<std::string> {
    aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
    co_await s.write("ping");
    co_return co_await read_exactly(s, 5);
  };
  auto body = [](auto server, auto client) -> aio::Task<std::string> {
    aio::TcpListener l(loopback(0));
    int port = l.local_address().port();
    CHECK(port > 0);
    auto [a, b] = co_await aio::gather(server(l), client(port));
    (void)a;
    co_return b;
  };
  CHECK(test::run(body(server, client)) == "ping!");
}

TEST_CASE("connecting to a closed port fails with ECONNREFUSED") {
  auto body = []() -> aio::Task<int> {
    int port;
    {
      aio::TcpListener l(loopback(0));
      port = l.local_address().port();
    }
    co_await aio::sleep(1ms);  // let the listener's close run
    try {
      co_await aio::TcpStream::connect(loopback(port));
    } catch (const aio::IoError& e) {
      co_return e.code().value();
    }
    co_return 0;
  };
  CHECK(test::run(body()) == UV_ECONNREFUSED);
}

TEST_CASE("a cancelled read stops reading and leaves the stream usable") {
  test::Process peer({"python3", test::source_dir() + "/peers/echo_server.py"});
  int port = peer.port();
  auto reader = [](aio::TcpStream& s) -> aio::Task<size_t> {
    auto got = co_await s.read();
    co_return got.size();
  };
  auto body = [](int port, auto reader) -> aio::Task<std::string> {
    aio::TcpStream s = co_await aio::TcpStream::connect(loopback(port));
    bool timed_out = false;
    try {
      co_await aio::with_timeout(5ms, reader(s));  // the echo server says nothing
    } catch (const aio::TimeoutError&) {
      timed_out = true;
    }
    CHECK(timed_out);
    co_await s.write("after");
    co_return co_await read_exactly(s, 5);
  };
  CHECK(test::run(body(port, reader)) == "after");
}

TEST_CASE("a connect cancelled mid-way closes its handle") {
  // A listener with a backlog of one that never accepts: later connects hang
  // (TOOLCHAIN.md section 8), so the timeout lands during connect.
  auto body = []() -> aio::Task<int> {
    aio::TcpListener l(loopback(0), 0);
    int port = l.local_address().port();
    int timeouts = 0;
    std::vector<aio::TcpStream> held;
    auto connect = [](aio::Address a) -> aio::Task<aio::TcpStream> {
      co_return co_await aio::TcpStream::connect(a);
    };
    for (int i = 0; i < 8 && timeouts == 0; ++i) {
      try {
        held.push_back(co_await aio::with_timeout(50ms, connect(loopback(port))));
      } catch (const aio::TimeoutError&) {
        ++timeouts;
      }
    }
    co_return timeouts;
  };
  // The loop must also close cleanly afterwards (checked by test::run).
  CHECK(test::run(body()) == 1);
}

TEST_CASE("closing a stream wakes its waiting reader with an error") {
  auto body = []() -> aio::Task<bool> {
    aio::TcpListener l(loopback(0));
    aio::TcpStream s = co_await aio::TcpStream::connect(l.local_address());
    aio::TcpStream server_side = co_await l.accept();
    auto reader = [](aio::TcpStream& s) -> aio::Task<bool> {
      try {
        co_await s.read();
      } catch (const aio::IoError& e) {
        co_return e.code().value() == UV_ECANCELED;
      }
      co_return false;
    };
    auto closer = [](aio::TcpStream& s) -> aio::Task<void> {
      co_await aio::sleep(2ms);
      s.close();
    };
    auto [woke, unused] = co_await aio::gather(reader(s), closer(s));
    (void)unused;
    co_return woke;
  };
  CHECK(test::run(body()));
}
