// aio::as_result: errors as values, over tasks, leaf awaiters and Session's
// tag form, against real peers (the scriptable server, Python's
// http.server, a port nobody listens on, a listen() that never accepts).
#include <aio/runtime/as_result.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "support/http_helpers.hpp"
#include "support/loop_fixture.hpp"
#include <aio/http/session.hpp>
#include <aio/runtime/event.hpp>
#include <aio/runtime/gather.hpp>
#include <aio/runtime/scope.hpp>
#include <aio/runtime/semaphore.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/timeout.hpp>

using namespace std::chrono_literals;
using aio::http::RequestOptions;
using aio::http::Response;
using aio::http::Session;
using aio::http::SessionOptions;

// `session.get(url, {})` must keep meaning the options, not the tag.
static_assert(!std::is_default_constructible_v<aio::AsResult>);

namespace {

test::HostileServer& server() {
  static test::HostileServer s;
  return s;
}

aio::Task<int> value_after(int ms, int v) {
  co_await aio::sleep(std::chrono::milliseconds(ms));
  co_return v;
}

aio::Task<int> fail_after(int ms) {
  co_await aio::sleep(std::chrono::milliseconds(ms));
  throw std::runtime_error("plain failure");
}

aio::Task<void> void_after(int ms) { co_await aio::sleep(std::chrono::milliseconds(ms)); }

aio::Task<int> sync_value(int v) { co_return v; }

}  // namespace

TEST_CASE("as_result of a task gives the value or the error, never a throw") {
  auto body = []() -> aio::Task<void> {
    aio::Result<int> ok = co_await aio::as_result(value_after(1, 7));
    REQUIRE(ok);
    CHECK(*ok == 7);
    CHECK_FALSE(ok.code());
    CHECK(ok.error_message().empty());

    aio::Result<int> bad = co_await aio::as_result(fail_after(1));
    REQUIRE_FALSE(bad);
    CHECK(bad.error_message() == "plain failure");
    CHECK(bad.code() == aio::foreign_error());
    CHECK(bad.error_is<std::runtime_error>());
    CHECK_FALSE(bad.error_is<aio::Error>());
    CHECK(bad.value_or(-1) == -1);
    CHECK_THROWS_AS(bad.value(), std::runtime_error);  // value() still rethrows, on request

    aio::Result<void> v = co_await aio::as_result(void_after(1));
    CHECK(v);
  };
  test::run(body());
}

TEST_CASE("as_result wraps leaf awaiters: sleep, Event::wait, with_timeout") {
  auto body = []() -> aio::Task<void> {
    aio::Result<void> slept = co_await aio::as_result(aio::sleep(1ms));
    CHECK(slept);

    aio::Event ev;
    ev.set();
    aio::Result<void> waited = co_await aio::as_result(ev.wait());  // ready at once
    CHECK(waited);

    auto timed = co_await aio::as_result(aio::with_timeout(20ms, value_after(5000, 1)));
    REQUIRE_FALSE(timed);
    CHECK(timed.timed_out());
    CHECK(timed.error_is<aio::TimeoutError>());
    CHECK(timed.code() == aio::Errc::timeout);
    CHECK_FALSE(timed.cancelled());

    auto in_time = co_await aio::as_result(aio::with_timeout(5s, value_after(1, 3)));
    REQUIRE(in_time);
    CHECK(*in_time == 3);
  };
  test::run(body());
}

TEST_CASE("as_result of Semaphore::acquire: the permit as a value; a deadline still cancels a waiter") {
  auto waiter = [](aio::Semaphore* s) -> aio::Task<bool> {
    auto q = co_await aio::as_result(s->acquire());
    co_return q.has_value();  // not reached: the deadline cancels this task
  };
  auto body = [&]() -> aio::Task<void> {
    aio::Semaphore sem(1);
    {
      auto p = co_await aio::as_result(sem.acquire());
      REQUIRE(p);
      auto t = co_await aio::as_result(aio::with_timeout(20ms, waiter(&sem)));
      CHECK(t.timed_out());
    }  // the permit goes back
    auto again = co_await aio::as_result(aio::with_timeout(1s, waiter(&sem)));
    REQUIRE(again);
    CHECK(*again);
  };
  test::run(body());
}

TEST_CASE("a million synchronously completing as_result awaits run in constant stack") {
  auto body = []() -> aio::Task<long> {
    long sum = 0;
    for (int i = 0; i < 1000000; ++i) {
      aio::Result<int> r = co_await aio::as_result(sync_value(1));
      sum += *r;
    }
    co_return sum;
  };
  CHECK(test::run(body()) == 1000000);
}

TEST_CASE("a task cancelled directly is a cancelled Result for an uncancelled caller") {
  auto body = []() -> aio::Task<void> {
    aio::Task<int> t = value_after(5000, 1);
    t.cancel();
    aio::Result<int> r = co_await aio::as_result(std::move(t));
    REQUIRE_FALSE(r);
    CHECK(r.cancelled());
    CHECK(r.code() == aio::Errc::cancelled);
    // The caller was not cancelled: it goes on suspending normally.
    co_await aio::sleep(1ms);
  };
  test::run(body());
}

TEST_CASE("a cancelled caller still gets cancelled through as_result, and stays cancelled") {
  bool reached_after = false;
  bool second_threw = false;
  auto victim = [](bool* reached_after) -> aio::Task<int> {
    // The caller's cancellation is not a value: this co_await throws.
    aio::Result<int> r = co_await aio::as_result(value_after(5000, 1));
    *reached_after = true;
    (void)r;
    co_return 0;
  };
  auto second = [](bool* second_threw) -> aio::Task<void> {
    bool cancelled = false;
    try {
      co_await aio::sleep(5s);
    } catch (const aio::CancelledError&) {
      cancelled = true;  // swallowed here, but cancellation is sticky ...
    }
    if (cancelled) {
      try {
        // ... so the next as_result rethrows at once instead of returning.
        aio::Result<void> r = co_await aio::as_result(aio::sleep(1ms));
        (void)r;
      } catch (const aio::CancelledError&) {
        *second_threw = true;
        throw;
      }
    }
  };
  auto body = [&]() -> aio::Task<void> {
    auto t = co_await aio::as_result(aio::with_timeout(30ms, victim(&reached_after)));
    CHECK(t.timed_out());  // with_timeout saw its task unwind with CancelledError
    auto g = co_await aio::as_result(aio::with_timeout(30ms, second(&second_threw)));
    CHECK(g.timed_out());
  };
  test::run(body());
  CHECK_FALSE(reached_after);
  CHECK(second_threw);
}

TEST_CASE("gather cancels a sibling that awaits through as_result") {
  auto sibling = []() -> aio::Task<int> {
    aio::Result<int> r = co_await aio::as_result(value_after(5000, 1));
    co_return r ? 1 : 2;  // not reached: the cancellation propagates
  };
  auto body = [&]() -> aio::Task<bool> {
    bool threw = false;
    try {
      co_await aio::gather(fail_after(5), sibling());
    } catch (const std::runtime_error&) {
      threw = true;
    }
    co_return threw;
  };
  auto t0 = std::chrono::steady_clock::now();
  CHECK(test::run(body()));
  CHECK(std::chrono::steady_clock::now() - t0 < 3s);
}

TEST_CASE("as_result tasks compose with gather and with a Scope") {
  auto body = []() -> aio::Task<void> {
    auto [a, b] = co_await aio::gather(aio::as_result(value_after(2, 1)), aio::as_result(fail_after(1)));
    CHECK(a);
    CHECK_FALSE(b);  // the failure is a value: gather did not cancel `a`
    aio::Scope scope;
    scope.spawn(aio::as_result(fail_after(1)));  // a value, not a failure of the scope
    co_await scope.join();
  };
  test::run(body());
}

TEST_CASE("Session tag form: success, status, body") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    aio::Result<Response> r = co_await s.get(base + "/ok", aio::as_result);
    REQUIRE(r);
    CHECK(r->status() == 200);
    aio::Result<std::string> text = co_await aio::as_result(r->text());
    REQUIRE(text);
    CHECK(*text == "ok");

    RequestOptions o;
    o.header("X-As-Result", "1");
    aio::Result<Response> echo = co_await s.post(base + "/echo", o, aio::as_result);
    REQUIRE(echo);
    std::string e = co_await echo->text();
    CHECK(e.find("X-As-Result") != std::string::npos);
    CHECK(e.find("\"method\": \"POST\"") != std::string::npos);

    // raise_for_status as a value: ResponseError with its status.
    aio::Result<Response> nf =
        co_await s.request("GET", base + "/redirect?status=404&to=/x", RequestOptions().raise_for_status(true),
                           aio::as_result);
    REQUIRE_FALSE(nf);
    const auto* re = nf.error_as<aio::http::ResponseError>();
    REQUIRE(re != nullptr);
    CHECK(re->status() == 404);
    CHECK(nf.code() == aio::http::Errc::bad_status);
    CHECK(nf.error_is<aio::http::ClientError>());
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("Session tag form: connection refused is a ConnectorError value") {
  auto body = [](std::string url) -> aio::Task<void> {
    Session s;
    aio::Result<Response> r = co_await s.get(url, aio::as_result);
    REQUIRE_FALSE(r);
    CHECK(r.error_is<aio::http::ConnectorError>());
    CHECK(r.error_is<aio::http::ClientError>());
    CHECK(r.error_is<aio::Error>());
    CHECK_FALSE(r.error_is<aio::http::TimeoutError>());
    CHECK(r.code() == aio::http::Errc::connect_failed);
    CHECK(r.error_message().find("127.0.0.1") != std::string::npos);
    co_await s.close();
  };
  test::run(body(test::base_url(test::free_port()) + "/x"));
}

TEST_CASE("Session tag form: connect and read timeouts are TimeoutError values naming the phase") {
  test::HostileServer no_accept({"--no-accept"});
  auto body = [](std::string never, std::string slow) -> aio::Task<void> {
    SessionOptions o;
    o.timeout.connect = 100ms;
    o.timeout.sock_read = 100ms;
    Session s(o);
    aio::Result<Response> c = co_await s.get(never, aio::as_result);
    REQUIRE_FALSE(c);
    CHECK(c.timed_out());
    CHECK(c.error_is<aio::http::TimeoutError>());
    CHECK(c.code() == aio::http::Errc::connect_timeout);
    CHECK_FALSE(c.cancelled());

    aio::Result<Response> r = co_await s.get(slow, aio::as_result);
    REQUIRE_FALSE(r);
    CHECK(r.timed_out());
    CHECK(r.code() == aio::http::Errc::read_timeout);
    co_await s.close();
  };
  test::run(body(no_accept.url("/ok"), test::base_url(server().port()) + "/slow/delay?ms=3000"));
}

TEST_CASE("Session tag form: a bad URL and a closed session are values") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    aio::Result<Response> u = co_await s.get("ftp://127.0.0.1/x", aio::as_result);
    REQUIRE_FALSE(u);
    CHECK(u.error_is<aio::http::InvalidUrl>());
    co_await s.close();
    aio::Result<Response> c = co_await s.get(base + "/ok", aio::as_result);
    REQUIRE_FALSE(c);
    CHECK(c.code() == aio::http::Errc::session_closed);
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("Session tag form against Python's http.server: body and a 404") {
  test::PythonHttpServer py;
  auto body = [](std::string hello, std::string missing) -> aio::Task<void> {
    Session s;
    aio::Result<Response> r = co_await s.get(hello, aio::as_result);
    REQUIRE(r);
    aio::Result<std::string> text = co_await aio::as_result(r->text());
    REQUIRE(text);
    CHECK(*text == "Hello, world!");
    aio::Result<Response> m = co_await s.get(missing, aio::as_result);
    REQUIRE(m);  // a 404 is a response unless raise_for_status
    CHECK(m->status() == 404);
    m->release();
    co_await s.close();
  };
  test::run(body(py.url("/hello.txt"), py.url("/missing.txt")));
}

TEST_CASE("a request cancelled by its caller's timeout unwinds; the session stays usable") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    auto req = [](Session* s, std::string url) -> aio::Task<int> {
      aio::Result<Response> r = co_await s->get(url, aio::as_result);
      co_return r ? 1 : 2;  // not reached: the caller is cancelled
    };
    auto t = co_await aio::as_result(aio::with_timeout(50ms, req(&s, base + "/time/silent")));
    CHECK(t.timed_out());
    aio::Result<Response> ok = co_await s.get(base + "/ok", aio::as_result);
    REQUIRE(ok);
    CHECK(ok->status() == 200);
    ok->release();
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}
