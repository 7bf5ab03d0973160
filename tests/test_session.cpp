// Session features end to end against the scriptable server's /echo.
#include <aio/http/session.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/http_helpers.hpp"
#include <aio/runtime/gather.hpp>
#include <aio/runtime/scope.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/timeout.hpp>

using namespace std::chrono_literals;
using aio::http::RequestOptions;
using aio::http::Session;
using aio::http::SessionOptions;
using test::Outcome;

namespace {

test::HostileServer& server() {
  static test::HostileServer s;
  return s;
}

}  // namespace

TEST_CASE("query params, session headers and per-request headers reach the server") {
  auto body = [](std::string base) -> aio::Task<std::string> {
    SessionOptions o;
    o.headers.add("X-Session", "s");
    o.headers.add("X-Override", "session");
    Session s(o);
    RequestOptions r;
    r.param("q", "a b&c=d").param("u", "\xc3\xa9").header("X-Override", "request");
    test::Fetch f = co_await test::fetch(s, base + "/echo", "GET", r);
    co_await s.close();
    co_return f.body;
  };
  std::string echo = test::run(body(test::base_url(server().port())));
  CHECK(echo.find("/echo?q=a%20b%26c%3Dd&u=%C3%A9") != std::string::npos);
  CHECK(echo.find("\"X-Session\", \"s\"") != std::string::npos);
  CHECK(echo.find("\"X-Override\", \"request\"") != std::string::npos);
  CHECK(echo.find("\"X-Override\", \"session\"") == std::string::npos);
}

TEST_CASE("a request without headers of its own sends the same head as one built field by field") {
  // The simple path writes the session's header lines from a string made
  // once; the general path builds them per request. The bytes must agree.
  auto body = [](std::string base) -> aio::Task<void> {
    SessionOptions o;
    o.headers.add("X-Session", "s");
    o.keep_request_head = true;
    Session s(o);
    aio::http::Response simple = co_await s.get(base + "/echo");
    co_await simple.drain();
    aio::http::Response built = co_await s.get(base + "/echo", RequestOptions().header("X-Request", "r"));
    co_await built.drain();
    std::string general = built.request_head();
    std::size_t at = general.find("X-Request: r\r\n");
    REQUIRE(at != std::string::npos);
    general.erase(at, std::string("X-Request: r\r\n").size());
    CHECK(simple.request_head() == general);
    CHECK(simple.request_head().find("GET /echo HTTP/1.1\r\nHost: ") == 0);
    CHECK(simple.request_head().find("X-Session: s\r\nUser-Agent: aiocpp/0.1\r\n") != std::string::npos);
    // Cookies and credentials take the general path on the same session.
    s.cookie_jar().set("k", "v");
    aio::http::Response cookie = co_await s.get(base + "/echo");
    co_await cookie.drain();
    CHECK(cookie.request_head().find("Cookie: k=v\r\n") != std::string::npos);
    CHECK(cookie.request_head().find("X-Session: s\r\n") != std::string::npos);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("bodies: bytes, form, JSON text and a streamed generator") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    test::Fetch bytes = co_await test::fetch(s, base + "/echo", "PUT", RequestOptions().body("12345"));
    CHECK(bytes.body.find("\"body_length\": 5") != std::string::npos);
    CHECK(bytes.body.find("application/octet-stream") != std::string::npos);
    aio::http::Params fields{{"a", "1 2"}, {"b", "&"}};
    test::Fetch form = co_await test::fetch(s, base + "/echo", "POST", RequestOptions().form(fields));
    CHECK(form.body.find("application/x-www-form-urlencoded") != std::string::npos);
    CHECK(form.body.find("a=1+2&b=%26") != std::string::npos);
    test::Fetch json = co_await test::fetch(s, base + "/echo", "POST", RequestOptions().json_text("{\"k\":1}"));
    CHECK(json.body.find("application/json") != std::string::npos);
    auto gen = [n = 0]() mutable -> aio::Task<std::optional<std::string>> {
      co_await aio::yield();
      if (n++ < 3) co_return std::optional<std::string>(std::string(1000, 'x'));
      co_return std::nullopt;
    };
    test::Fetch streamed = co_await test::fetch(s, base + "/echo", "POST", RequestOptions().stream(gen));
    CHECK(streamed.body.find("\"body_length\": 3000") != std::string::npos);
    CHECK(test::lower(streamed.body).find("transfer-encoding\", \"chunked") != std::string::npos);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("base_url, URL credentials as Basic auth, seeded cookies") {
  auto body = [](std::string base) -> aio::Task<std::string> {
    SessionOptions o;
    o.base_url = base;
    o.cookies = {{"token", "abc"}};
    Session s(o);
    test::Fetch f = co_await test::fetch(s, "/echo");
    CHECK(f.outcome == Outcome::ok);
    std::string auth_url = base;
    auth_url.insert(7, "user:p%40ss@");
    test::Fetch a = co_await test::fetch(s, auth_url + "/echo");
    co_await s.close();
    co_return f.body + a.body;
  };
  std::string both = test::run(body(test::base_url(server().port())));
  CHECK(both.find("token=abc") != std::string::npos);
  CHECK(both.find("Basic dXNlcjpwQHNz") != std::string::npos);  // base64("user:p@ss")
}

TEST_CASE("raise_for_status, history and the final URL after redirects") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    auto r = co_await s.get(base + "/redirect/chain?n=2&to=/ok");
    CHECK(r.status() == 200);
    CHECK(r.history().size() == 2);
    CHECK(r.history()[0].status() == 302);
    CHECK(r.url().path() == "/ok");
    CHECK(co_await r.text() == "ok");
    auto nf = co_await s.get(base + "/cookie/../redirect?status=404&to=/x");
    CHECK(nf.status() == 404);
    CHECK_FALSE(nf.ok());
    CHECK_THROWS_AS(nf.raise_for_status(), aio::http::ResponseError);
    nf.release();
    auto nofollow = co_await s.get(base + "/redirect?to=/ok", RequestOptions().allow_redirects(false));
    CHECK(nofollow.status() == 302);
    CHECK(nofollow.headers().get("Location") == "/ok");
    nofollow.release();
    bool raised = false;
    try {
      auto e = co_await s.get(base + "/redirect?status=500", RequestOptions().raise_for_status(true));
    } catch (const aio::http::ResponseError& e) {
      raised = e.status() == 500 && std::string(e.what()).find("GET http://127.0.0.1") != std::string::npos;
    }
    CHECK(raised);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("read_chunk streams a large body in pieces and text() decodes latin-1") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    auto r = co_await s.get(base + "/bytes?n=3000000");
    std::size_t total = 0, pieces = 0;
    bool pattern_ok = true;
    for (;;) {
      std::string_view piece = co_await r.read_chunk();
      if (piece.empty()) break;
      for (std::size_t i = 0; i < piece.size(); ++i)
        if (static_cast<unsigned char>(piece[i]) != (total + i) % 251) pattern_ok = false;
      total += piece.size();
      ++pieces;
    }
    CHECK(total == 3000000);
    CHECK(pieces > 3);
    CHECK(pattern_ok);
    CHECK(r.body_complete());
    CHECK(s.idle_connections() == 1);  // read to the end: back in the pool
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("localhost resolves through the DNS cache and connects") {
  auto body = [](std::string port) -> aio::Task<int> {
    Session s;
    test::Fetch a = co_await test::fetch(s, "http://localhost:" + port + "/ok");
    test::Fetch b = co_await test::fetch(s, "http://localhost:" + port + "/ok");
    co_await s.close();
    co_return (a.body == "ok") + (b.body == "ok");
  };
  CHECK(test::run(body(std::to_string(server().port()))) == 2);
}

TEST_CASE("cancelled and timed-out requests give back their pool slots (aiohttp #9670)") {
  auto body = [](std::string base) -> aio::Task<void> {
    SessionOptions o;
    o.limit = 2;
    Session s(o);
    std::vector<aio::Task<test::Fetch>> stuck;
    aio::http::Timeout t;
    t.total = 100ms;
    for (int i = 0; i < 10; ++i) stuck.push_back(test::fetch(s, base + "/time/silent", "GET", RequestOptions().timeout(t)));
    auto results = co_await aio::gather(std::move(stuck));
    for (auto& f : results) CHECK(f.outcome == Outcome::timeout);
    // Cancel requests waiting for a slot and requests mid-flight.
    for (int round = 0; round < 3; ++round) {
      aio::Scope scope;
      for (int i = 0; i < 6; ++i) scope.spawn(test::fetch(s, base + "/slow/delay?ms=200"));
      co_await aio::sleep(20ms);
      scope.cancel();
      co_await scope.join();
    }
    CHECK(s.open_connections() == 0);
    std::vector<aio::Task<test::Fetch>> fine;
    for (int i = 0; i < 6; ++i) fine.push_back(test::fetch(s, base + "/ok"));
    auto ok = co_await aio::gather(std::move(fine));
    for (auto& f : ok) CHECK(f.body == "ok");
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("a timeout around a request stops its I/O: the connection is closed, not pooled") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    bool timed_out = false;
    try {
      co_await aio::with_timeout(50ms, test::fetch(s, base + "/time/silent"));
    } catch (const aio::TimeoutError&) {
      timed_out = true;
    }
    CHECK(timed_out);
    CHECK(s.open_connections() == 0);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("a closed session refuses new requests") {
  auto body = [](std::string base) -> aio::Task<Outcome> {
    Session s;
    co_await s.close();
    test::Fetch f = co_await test::fetch(s, base + "/ok");
    co_return f.outcome;
  };
  CHECK(test::run(body(test::base_url(server().port()))) == Outcome::client);
}

TEST_CASE("ten thousand concurrent requests through one session") {
  auto body = [](std::string base) -> aio::Task<int> {
    SessionOptions o;
    o.limit = 64;
    Session s(o);
    std::vector<aio::Task<test::Fetch>> jobs;
    for (int i = 0; i < 10000; ++i) jobs.push_back(test::fetch(s, base + "/ok"));
    auto results = co_await aio::gather(std::move(jobs));
    int ok = 0;
    for (auto& f : results) ok += f.body == "ok";
    CHECK(s.open_connections() <= 64);
    co_await s.close();
    CHECK(s.open_connections() == 0);
    co_return ok;
  };
  CHECK(test::run(body(test::base_url(server().port()))) == 10000);
}
