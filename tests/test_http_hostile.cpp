// HOSTILE.md against the scriptable misbehaving server (tests/peers).
// Test names carry the requirement IDs.
#include <aio/http/session.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/http_helpers.hpp"
#include <aio/runtime/gather.hpp>
#include <aio/runtime/sleep.hpp>

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

struct Expect {
  const char* path;
  Outcome outcome;
};

// Each path on a fresh session, whole body read; checks the outcome.
void expect_all(const std::vector<Expect>& cases, SessionOptions options = SessionOptions()) {
  for (const Expect& c : cases) {
    auto body = [](std::string url, SessionOptions o) -> aio::Task<test::Fetch> {
      Session s(std::move(o));
      test::Fetch f = co_await test::fetch(s, url);
      co_await s.close();
      co_return f;
    };
    test::Fetch f = test::run(body(server().url(c.path), options));
    CHECK_MESSAGE(f.outcome == c.outcome, c.path, ": ", f.message);
  }
}

aio::Task<std::string> stats(Session& s) {
  Session fresh;  // a separate session so the counted one stays untouched
  auto r = co_await fresh.get(server().url("/stats"));
  std::string body = co_await r.text();
  co_await fresh.close();
  (void)s;
  co_return body;
}

aio::Task<void> reset_stats() {
  Session s;
  auto r = co_await s.get(server().url("/stats/reset"));
  co_await r.read();
  co_await s.close();
}

}  // namespace

TEST_CASE("REQ-LIMIT: oversize heads, header counts, lines and trailers are protocol errors") {
  expect_all({
      {"/limit/header-100k", Outcome::protocol},
      {"/limit/headers-128", Outcome::ok},
      {"/limit/headers-129", Outcome::protocol},
      {"/limit/line-over-16k", Outcome::protocol},
      {"/limit/head-over-64k", Outcome::protocol},
      {"/limit/head-across-1xx", Outcome::protocol},
      {"/limit/endless-headers", Outcome::protocol},
      {"/limit/endless-header-value", Outcome::protocol},
      {"/limit/split-header", Outcome::protocol},
      {"/limit/trailers-small", Outcome::ok},
      {"/limit/trailers-over-4k", Outcome::protocol},
      {"/limit/endless-trailers", Outcome::protocol},
  });
}

TEST_CASE("REQ-LIMIT: limits count bytes however the server splits them") {
  expect_all({
      {"/limit/headers-129?split=7", Outcome::protocol},
      {"/limit/line-over-16k?split=1000", Outcome::protocol},
      {"/limit/headers-128?split=3", Outcome::ok},
  });
}

TEST_CASE("REQ-LIMIT: endless bodies stop at the body limit when read whole") {
  SessionOptions o;
  o.max_body_size = 1 << 20;
  expect_all({{"/body/endless-chunked", Outcome::payload},
              {"/body/endless-close", Outcome::payload},
              {"/body/endless-length", Outcome::payload}},
             o);
}

TEST_CASE("REQ-LIMIT: an endless body streamed keeps memory flat until the total timeout") {
  auto body = [](std::string url) -> aio::Task<test::Fetch> {
    SessionOptions o;
    o.timeout.total = 500ms;
    Session s(o);
    test::Fetch f;
    std::exception_ptr err;
    std::size_t total = 0;
    try {
      auto r = co_await s.get(url);
      for (;;) {
        std::string_view piece = co_await r.read_chunk();
        if (piece.empty()) break;
        total += piece.size();
        CHECK(piece.size() <= 1024 * 1024);  // one read's worth at a time
      }
    } catch (...) {
      err = std::current_exception();
    }
    f.outcome = test::classify(err, &f.message);
    CHECK(total > 1024 * 1024);
    co_await s.close();
    co_return f;
  };
  test::Fetch f = test::run(body(server().url("/body/endless-chunked")));
  CHECK(f.outcome == Outcome::timeout);
  CHECK(f.message.find("total") != std::string::npos);
}

TEST_CASE("REQ-PARSE: bad status lines, control bytes and bad framing are refused") {
  expect_all({
      {"/parse/status-2000", Outcome::protocol},
      {"/parse/status-http12", Outcome::protocol},
      {"/parse/status-http2", Outcome::protocol},
      {"/parse/status-icy", Outcome::protocol},
      {"/parse/no-status-line", Outcome::protocol},
      {"/parse/nul-in-header", Outcome::protocol},
      {"/parse/bare-cr", Outcome::protocol},
      {"/parse/bare-lf", Outcome::protocol},
      {"/parse/ctl-in-header", Outcome::protocol},
      {"/parse/space-before-colon", Outcome::protocol},
      {"/parse/cl-negative", Outcome::protocol},
      {"/parse/cl-plus", Outcome::protocol},
      {"/parse/cl-list", Outcome::protocol},
      {"/parse/cl-junk", Outcome::protocol},
      {"/parse/cl-overflow", Outcome::protocol},
      {"/parse/cl-two-different", Outcome::protocol},
      {"/parse/cl-two-same", Outcome::protocol},
      {"/parse/te-and-cl", Outcome::protocol},
      {"/parse/chunk-size-overflow", Outcome::payload},
      {"/parse/chunk-size-negative", Outcome::payload},
      {"/parse/chunk-size-0x", Outcome::payload},
      {"/parse/chunk-missing-crlf", Outcome::payload},
      {"/parse/101-unsolicited", Outcome::protocol},
      {"/parse/100-then-eof", Outcome::disconnected},
  });
}

TEST_CASE("REQ-PARSE: truncation is never a short success") {
  expect_all({
      {"/parse/truncated-length", Outcome::payload},
      {"/parse/truncated-chunked", Outcome::payload},
      {"/parse/truncated-chunk-mid", Outcome::payload},
      {"/parse/truncated-last-chunk", Outcome::payload},
      {"/parse/truncated-head", Outcome::disconnected},
  });
}

TEST_CASE("REQ-PARSE: close-delimited bodies and 1xx responses") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    test::Fetch h10 = co_await test::fetch(s, base + "/parse/http10-close");
    CHECK(h10.outcome == Outcome::ok);
    CHECK(h10.body == "http/1.0 body until close");
    test::Fetch h11 = co_await test::fetch(s, base + "/parse/http11-no-framing");
    CHECK(h11.body == "http/1.1 body until close");
    test::Fetch raw = co_await test::fetch(s, base + "/parse/te-chunked-not-last");
    CHECK(raw.outcome == Outcome::ok);
    CHECK(raw.body == "5\r\nhello\r\n0\r\n\r\n");
    for (const char* p : {"/parse/100-then-200", "/parse/102-then-200", "/parse/103-then-200",
                          "/parse/1xx-unknown-then-200", "/parse/many-1xx"}) {
      test::Fetch f = co_await test::fetch(s, base + p);
      CHECK_MESSAGE(f.outcome == Outcome::ok, p, f.message);
      CHECK(f.status == 200);
      CHECK(f.body == "ok");
    }
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-PARSE: HEAD, 204 and 304 carry no body and the connection stays intact") {
  auto body = [](std::string base) -> aio::Task<void> {
    co_await reset_stats();
    Session s;
    for (const char* p : {"/parse/head-with-length", "/parse/head-with-chunked"}) {
      test::Fetch head = co_await test::fetch(s, base + p, "HEAD");
      CHECK_MESSAGE(head.outcome == Outcome::ok, p, head.message);
      CHECK(head.body.empty());
      test::Fetch get = co_await test::fetch(s, base + p);
      CHECK(get.outcome == Outcome::ok);
      CHECK_FALSE(get.body.empty());
    }
    for (const char* p : {"/parse/204-with-length", "/parse/304-with-length"}) {
      test::Fetch f = co_await test::fetch(s, base + p);
      CHECK(f.outcome == Outcome::ok);
      CHECK(f.body.empty());
      test::Fetch next = co_await test::fetch(s, base + "/ok");
      CHECK(next.body == "ok");
    }
    std::string st = co_await stats(s);
    CHECK(test::json_int(st, "connections") == 2);  // one keep-alive connection, plus /stats
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-POOL: extra bytes after a response are never the next response") {
  auto body = [](std::string base) -> aio::Task<void> {
    co_await reset_stats();
    Session s;
    test::Fetch first = co_await test::fetch(s, base + "/pool/extra-bytes");
    CHECK(first.body == "ok");
    test::Fetch second = co_await test::fetch(s, base + "/ok");
    CHECK(second.body == "ok");
    std::string st = co_await stats(s);
    CHECK(test::json_int(st, "connections") == 3);  // a new one for /ok, plus /stats
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-POOL: a GET on a connection the server closed is retried once, a POST is not") {
  auto body = [](std::string base) -> aio::Task<void> {
    co_await reset_stats();
    Session s;
    CHECK((co_await test::fetch(s, base + "/pool/close-on-next")).body == "ok");
    test::Fetch get = co_await test::fetch(s, base + "/ok");  // lands on the doomed connection
    CHECK_MESSAGE(get.outcome == Outcome::ok, get.message);
    CHECK(get.body == "ok");

    CHECK((co_await test::fetch(s, base + "/pool/reset-on-next")).body == "ok");
    test::Fetch post = co_await test::fetch(s, base + "/ok", "POST", RequestOptions().body("once"));
    CHECK(post.outcome == Outcome::disconnected);
    std::string st = co_await stats(s);
    CHECK(test::json_member_int(st, "posts", "/ok") == 1);  // sent once, not silently twice
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-POOL: a connection the server closed while idle is replaced") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    CHECK((co_await test::fetch(s, base + "/pool/idle-close?ms=20")).body == "ok");
    co_await aio::sleep(150ms);
    test::Fetch next = co_await test::fetch(s, base + "/ok");
    CHECK_MESSAGE(next.outcome == Outcome::ok, next.message);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-POOL: a response not read to its end is never pooled") {
  auto body = [](std::string base) -> aio::Task<void> {
    co_await reset_stats();
    Session s;
    {
      auto r = co_await s.get(base + "/bytes?n=1000000");
      std::string_view first = co_await r.read_chunk();
      CHECK_FALSE(first.empty());
    }  // dropped mid-body
    CHECK(s.idle_connections() == 0);
    test::Fetch next = co_await test::fetch(s, base + "/ok");
    CHECK(next.body == "ok");
    std::string st = co_await stats(s);
    CHECK(test::json_int(st, "connections") == 3);  // a new one for /ok, plus /stats
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-POOL: one request in flight per connection, connections reused LIFO") {
  auto body = [](std::string base) -> aio::Task<void> {
    co_await reset_stats();
    SessionOptions o;
    o.limit = 4;
    Session s(o);
    std::vector<aio::Task<test::Fetch>> jobs;
    for (int i = 0; i < 40; ++i) jobs.push_back(test::fetch(s, base + "/slow/delay?ms=5"));
    auto results = co_await aio::gather(std::move(jobs));
    for (auto& f : results) CHECK(f.body == "ok");
    std::string st = co_await stats(s);
    CHECK(test::json_int(st, "pipelined") == 0);
    CHECK(test::json_int(st, "connections") <= 5);  // 4, plus /stats
    CHECK(s.open_connections() <= 4);
    co_await s.close();
    CHECK(s.open_connections() == 0);
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-TIME: listen() that never accepts ends in a connect TimeoutError") {
  test::HostileServer stuck({"--no-accept"});
  auto body = [](std::string url) -> aio::Task<test::Fetch> {
    SessionOptions o;
    o.timeout.connect = 200ms;
    Session s(o);
    test::Fetch f = co_await test::fetch(s, url);
    co_await s.close();
    co_return f;
  };
  auto t0 = std::chrono::steady_clock::now();
  test::Fetch f = test::run(body(stuck.url("/ok")));
  CHECK(f.outcome == Outcome::timeout);
  CHECK(f.message.find("connect") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
}

TEST_CASE("REQ-TIME: a silent server ends in the read or the total timeout") {
  auto body = [](std::string url, aio::http::Timeout t) -> aio::Task<test::Fetch> {
    SessionOptions o;
    o.timeout = t;
    Session s(o);
    test::Fetch f = co_await test::fetch(s, url);
    co_await s.close();
    co_return f;
  };
  aio::http::Timeout read;
  read.sock_read = 200ms;
  test::Fetch r = test::run(body(server().url("/time/silent"), read));
  CHECK(r.outcome == Outcome::timeout);
  CHECK(r.message.find("reading") != std::string::npos);
  aio::http::Timeout total;
  total.total = 300ms;
  test::Fetch t = test::run(body(server().url("/time/body-then-silent?length=100"), total));
  CHECK(t.outcome == Outcome::timeout);
  CHECK(t.message.find("total") != std::string::npos);
  // aiohttp #11740: total bounds a body that trickles in without sock_read.
  test::Fetch trickle = test::run(body(server().url("/slow/trickle?ms=50&bytes=100"), total));
  CHECK(trickle.outcome == Outcome::timeout);
}

TEST_CASE("REQ-TIME: a pooled connection carries no timer from its last request") {
  auto body = [](std::string base) -> aio::Task<void> {
    co_await reset_stats();
    SessionOptions o;
    o.timeout.sock_read = 100ms;
    o.timeout.total = 150ms;
    Session s(o);
    CHECK((co_await test::fetch(s, base + "/ok")).body == "ok");
    co_await aio::sleep(400ms);  // longer than both timeouts of the last request
    test::Fetch next = co_await test::fetch(s, base + "/ok");
    CHECK_MESSAGE(next.outcome == Outcome::ok, next.message);
    std::string st = co_await stats(s);
    CHECK(test::json_int(st, "connections") == 2);  // the same connection both times, plus /stats
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-CONN: refused, reset, empty reply, cut head and unknown host") {
  int closed_port = 0;
  {
    auto grab = []() -> aio::Task<int> {
      aio::TcpListener l(aio::Address::parse("127.0.0.1", 0).value());
      co_return l.local_address().port();
    };
    closed_port = test::run(grab());
  }
  test::HostileServer reset({"--accept=reset"});
  auto body = [](std::string url) -> aio::Task<test::Fetch> {
    Session s;
    test::Fetch f = co_await test::fetch(s, url);
    co_await s.close();
    co_return f;
  };
  test::Fetch refused = test::run(body("http://127.0.0.1:" + std::to_string(closed_port) + "/"));
  CHECK(refused.outcome == Outcome::connector);
  CHECK(refused.message.find("127.0.0.1") != std::string::npos);
  CHECK(test::run(body(reset.url("/ok"))).outcome == Outcome::disconnected);
  test::Fetch empty = test::run(body(server().url("/conn/empty-reply")));
  CHECK(empty.outcome == Outcome::disconnected);
  CHECK(test::run(body(server().url("/conn/reset"))).outcome == Outcome::disconnected);
  Outcome cut = test::run(body(server().url("/conn/head-cut"))).outcome;
  CHECK((cut == Outcome::disconnected || cut == Outcome::protocol));
  test::Fetch unknown = test::run(body("http://no-such-host.invalid/"));
  CHECK(unknown.outcome == Outcome::connector);
}

TEST_CASE("REQ-REDIR: a redirect to another origin drops secrets and keeps other headers") {
  test::HostileServer two({"--host", "127.0.0.1", "--host", "127.0.0.2"});
  auto body = [](std::string first, std::string other_echo) -> aio::Task<std::string> {
    SessionOptions o;
    o.headers.add("Authorization", "Bearer session-wide");
    Session s(o);
    RequestOptions r;
    r.header("Authorization", "Bearer per-request");
    r.header("Cookie", "secret=1");
    r.header("Proxy-Authorization", "Basic x");
    r.header("X-Keep", "kept");
    test::Fetch f = co_await test::fetch(s, first + "/redirect?status=302&to=" + other_echo, "GET", r);
    CHECK_MESSAGE(f.outcome == Outcome::ok, f.message);
    co_await s.close();
    co_return f.body;
  };
  std::string other = two.url("127.0.0.2", "/echo");
  std::string echoed = test::run(body(test::base_url(two.port()), other));
  std::string low = test::lower(echoed);
  CHECK(low.find("authorization") == std::string::npos);
  CHECK(low.find("cookie") == std::string::npos);
  CHECK(low.find("x-keep") != std::string::npos);
  // Same origin: the secrets stay.
  std::string same = test::lower(test::run(body(test::base_url(two.port()), two.url("127.0.0.1", "/echo"))));
  CHECK(same.find("bearer per-request") != std::string::npos);
}

TEST_CASE("REQ-REDIR: loops end in TooManyRedirects and non-http targets in InvalidUrl") {
  expect_all({
      {"/redirect/loop", Outcome::redirects},
      {"/redirect/file", Outcome::invalid_url},
      {"/redirect/ftp", Outcome::invalid_url},
      {"/redirect/data", Outcome::invalid_url},
      {"/redirect/chain?n=3&to=/ok", Outcome::ok},
  });
}

TEST_CASE("REQ-REDIR: 303 and 301/302 after POST become GET without a body; 307/308 replay it") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    for (const char* status : {"301", "302", "303"}) {
      test::Fetch f = co_await test::fetch(s, base + "/redirect?status=" + status + "&to=/echo", "POST",
                                           RequestOptions().body("payload"));
      CHECK(f.body.find("\"method\": \"GET\"") != std::string::npos);
      CHECK(f.body.find("\"body_length\": 0") != std::string::npos);
      CHECK(test::lower(f.body).find("content-type") == std::string::npos);
    }
    for (const char* status : {"307", "308"}) {
      test::Fetch f = co_await test::fetch(s, base + "/redirect?status=" + status + "&to=/echo", "POST",
                                           RequestOptions().body("payload"));
      CHECK(f.body.find("\"method\": \"POST\"") != std::string::npos);
      CHECK(f.body.find("\"body_length\": 7") != std::string::npos);
    }
    // A streamed body cannot be replayed: a clean error, not a hang.
    auto gen = [n = 0]() mutable -> aio::Task<std::optional<std::string>> {
      if (n++ < 2) co_return std::optional<std::string>("chunk");
      co_return std::nullopt;
    };
    test::Fetch streamed = co_await test::fetch(s, base + "/redirect?status=307&to=/echo", "POST",
                                                RequestOptions().stream(gen));
    CHECK(streamed.outcome == Outcome::client);
    CHECK(streamed.message.find("streamed") != std::string::npos);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-INJ: CR, LF or NUL from the caller is refused before any byte is sent") {
  auto body = [](std::string base) -> aio::Task<void> {
    co_await reset_stats();
    Session s;
    test::Fetch hv = co_await test::fetch(s, base + "/echo", "GET", RequestOptions().header("X-A", "v\r\nInjected: 1"));
    CHECK(hv.outcome == Outcome::client);
    test::Fetch hn = co_await test::fetch(s, base + "/echo", "GET", RequestOptions().header("X-A\nB", "v"));
    CHECK(hn.outcome == Outcome::client);
    test::Fetch m = co_await test::fetch(s, base + "/echo", "GE\r\nT");
    CHECK(m.outcome == Outcome::client);
    test::Fetch u = co_await test::fetch(s, base + "/echo\r\nX: 1");
    CHECK(u.outcome == Outcome::invalid_url);
    test::Fetch cl = co_await test::fetch(s, base + "/echo", "POST",
                                          RequestOptions().header("Content-Length", "99").body("short"));
    CHECK(cl.outcome == Outcome::client);
    std::string st = co_await stats(s);
    CHECK(test::json_int(st, "connections") == 1);  // only the stats request itself connected
    test::Fetch q = co_await test::fetch(s, base + "/echo?x=%0d%0a");
    CHECK(q.body.find("%0d%0a") != std::string::npos);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-DECOMP: gzip and deflate decode, bombs and stacks are capped") {
  auto body = [](std::string base) -> aio::Task<void> {
    SessionOptions o;
    o.max_body_size = 8 << 20;
    Session s(o);
    CHECK((co_await test::fetch(s, base + "/decomp/gzip-ok")).body == "hello gzip\n");
    CHECK((co_await test::fetch(s, base + "/decomp/deflate-ok")).body == "hello deflate\n");
    CHECK((co_await test::fetch(s, base + "/decomp/stacked?n=5")).body == "stacked encodings ok\n");
    CHECK((co_await test::fetch(s, base + "/decomp/stacked?n=5&headers=1")).body == "stacked encodings ok\n");
    for (const char* p : {"/decomp/gzip-bomb?mib=128", "/decomp/deflate-bomb?mib=128", "/decomp/stacked?n=6",
                          "/decomp/unknown", "/decomp/corrupt-gzip", "/decomp/truncated-gzip"}) {
      test::Fetch f = co_await test::fetch(s, base + p);
      CHECK_MESSAGE(f.outcome == Outcome::payload, p, f.message);
    }
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("REQ-COOKIE: cookies go back where they belong, and a broken head stores none") {
  auto body = [](std::string port) -> aio::Task<void> {
    Session s;
    std::string ip = "http://127.0.0.1:" + port;
    co_await test::fetch(s, ip + "/cookie/basic");
    test::Fetch echo = co_await test::fetch(s, ip + "/echo");
    CHECK(echo.body.find("a=1") != std::string::npos);
    CHECK(echo.body.find("b=2") == std::string::npos);  // b=2 has the default path /cookie
    test::Fetch below = co_await test::fetch(s, ip + "/cookie/echo");
    CHECK(below.body.find("b=2") != std::string::npos);
    test::Fetch other_host = co_await test::fetch(s, "http://localhost:" + port + "/echo");
    CHECK(other_host.body.find("a=1") == std::string::npos);  // host-only: not to localhost
    co_await test::fetch(s, ip + "/cookie/domain-ip-suffix");
    co_await test::fetch(s, ip + "/cookie/secure");
    test::Fetch again = co_await test::fetch(s, ip + "/echo");
    CHECK(again.body.find("ipsuffix") == std::string::npos);
    CHECK(again.body.find("sec=1") == std::string::npos);  // Secure never over http
    co_await test::fetch(s, ip + "/cookie/delete?name=a");
    test::Fetch deleted = co_await test::fetch(s, ip + "/echo");
    CHECK(deleted.body.find("a=1") == std::string::npos);
    co_await s.close();

    Session fresh;
    for (const char* p : {"/cookie/bad-framing", "/parse/nul-in-header", "/parse/space-before-colon"}) {
      test::Fetch f = co_await test::fetch(fresh, ip + p);
      CHECK(f.outcome == Outcome::protocol);
    }
    CHECK(fresh.cookie_jar().size() == 0);
    co_await fresh.close();
  };
  test::run(body(std::to_string(server().port())));
}
