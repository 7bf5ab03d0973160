// The client against servers nobody here wrote: nginx (keep-alive, gzip,
// redirects, 404) and Python's http.server (HTTP/1.0, close-delimited).
#include <aio/http/session.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/http_helpers.hpp"
#include "support/nginx.hpp"
#include "support/peers.hpp"
#include <aio/runtime/gather.hpp>
#include <aio/runtime/stream.hpp>

using aio::http::RequestOptions;
using aio::http::Session;
using aio::http::SessionOptions;
using test::Outcome;

namespace {

test::Nginx& nginx() {
  static test::Nginx n;
  return n;
}

}  // namespace

TEST_CASE("nginx: static files over one keep-alive connection") {
  auto body = []() -> aio::Task<void> {
    Session s;
    for (int i = 0; i < 5; ++i) {
      auto r = co_await s.get(nginx().url("/hello.txt"));
      CHECK(r.status() == 200);
      CHECK(r.headers().get("Server").value_or("").find("nginx") == 0);
      CHECK(co_await r.text() == "Hello, world!");
    }
    CHECK(s.open_connections() == 1);
    auto bin = co_await s.get(nginx().url("/64k.bin"));
    CHECK(co_await bin.read() == nginx().file("64k.bin"));
    CHECK(s.open_connections() == 1);
    co_await s.close();
  };
  test::run(body());
}

TEST_CASE("nginx: read_chunk streams a 1 MiB body from where the socket reads put it") {
  auto body = []() -> aio::Task<void> {
    SessionOptions o;
    o.auto_decompress = false;  // identity: Content-Length framing, no decoder
    Session s(o);
    std::string want = nginx().file("1m.json");
    for (int i = 0; i < 2; ++i) {
      aio::ReadIntoStats before = aio::read_into_stats();
      auto r = co_await s.get(nginx().url("/1m.json"));
      std::string got;
      std::size_t largest = 0;
      for (;;) {
        std::string_view piece = co_await r.read_chunk();
        if (piece.empty()) break;
        largest = std::max(largest, piece.size());
        got.append(piece);
      }
      CHECK(got == want);
      CHECK(largest <= 64 * 1024);
      // Only what came with the head went through the stream's buffer (at
      // most its 64 KiB); the socket reads wrote the rest into the pieces.
      CHECK(aio::read_into_stats().direct_bytes - before.direct_bytes >= want.size() - 64 * 1024);
      CHECK(r.body_complete());
    }
    CHECK(s.open_connections() == 1);  // the end was seen: kept alive
    co_await s.close();
  };
  test::run(body());
}

TEST_CASE("nginx: gzip bodies are decoded transparently, and not asked for when off") {
  auto body = []() -> aio::Task<void> {
    Session s;
    auto r = co_await s.get(nginx().url("/1m.json"));
    CHECK(r.headers().get("Content-Encoding") == "gzip");
    std::string json = co_await r.text();
    CHECK(json == nginx().file("1m.json"));
    SessionOptions plain;
    plain.auto_decompress = false;
    Session raw(plain);
    auto p = co_await raw.get(nginx().url("/small.json"));
    CHECK_FALSE(p.headers().contains("Content-Encoding"));
    CHECK(co_await p.text() == nginx().file("small.json"));
    co_await s.close();
    co_await raw.close();
  };
  test::run(body());
}

TEST_CASE("nginx: redirects, a 404 and HEAD") {
  auto body = []() -> aio::Task<void> {
    Session s;
    auto r = co_await s.get(nginx().url("/redirect"));
    CHECK(r.status() == 200);
    CHECK(r.history().size() == 1);
    CHECK(r.url().path() == "/hello.txt");
    CHECK(co_await r.text() == "Hello, world!");
    auto abs = co_await s.get(nginx().url("/redirect-abs"));
    CHECK(co_await abs.text() == "Hello, world!");
    test::Fetch loop = co_await test::fetch(s, nginx().url("/redirect-self"));
    CHECK(loop.outcome == Outcome::redirects);
    auto missing = co_await s.get(nginx().url("/no-such-file"));
    CHECK(missing.status() == 404);
    CHECK_THROWS_AS(missing.raise_for_status(), aio::http::ResponseError);
    co_await missing.drain();
    auto head = co_await s.head(nginx().url("/64k.bin"));
    CHECK(head.status() == 200);
    CHECK(head.content_length() == 65536);
    CHECK((co_await head.read()).empty());
    auto after = co_await s.get(nginx().url("/hello.txt"));
    CHECK(co_await after.text() == "Hello, world!");
    co_await s.close();
  };
  test::run(body());
}

TEST_CASE("nginx: many concurrent requests share a bounded pool") {
  auto body = []() -> aio::Task<void> {
    SessionOptions o;
    o.limit = 16;
    Session s(o);
    std::vector<aio::Task<test::Fetch>> jobs;
    for (int i = 0; i < 2000; ++i) jobs.push_back(test::fetch(s, nginx().url("/hello.txt")));
    auto results = co_await aio::gather(std::move(jobs));
    int ok = 0;
    for (auto& f : results) ok += f.body == "Hello, world!";
    CHECK(ok == 2000);
    CHECK(s.open_connections() <= 16);
    CHECK(s.idle_connections() == s.open_connections());
    co_await s.close();
  };
  test::run(body());
}

TEST_CASE("Python http.server: HTTP/1.0 bodies, with a length and close-delimited") {
  test::PythonHttpServer py;
  auto body = [](std::string with_length, std::string no_length, std::string hello) -> aio::Task<void> {
    Session s;
    auto r = co_await s.get(with_length);
    CHECK(r.version_minor() == 0);
    CHECK(co_await r.text() == hello);
    auto c = co_await s.get(no_length);
    CHECK_FALSE(c.headers().contains("Content-Length"));
    CHECK(co_await c.text() == hello);
    CHECK(s.idle_connections() == 0);  // HTTP/1.0 without keep-alive is never pooled
    co_await s.close();
  };
  test::run(body(py.url("/hello.txt"), py.url("/nolength/hello.txt"), test::TempDir::read_file(py.dir() + "/hello.txt")));
}
