#include <aio/http/request_parser.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using aio::http::RequestErrc;
using aio::http::RequestLimits;
using aio::http::RequestParser;
using State = aio::http::RequestParser::State;

namespace {

struct Outcome {
  State state = State::head;
  std::string method;
  std::string target;
  int version_minor = -1;
  std::string body;
  std::size_t consumed = 0;
  bool keep_alive = false;
  RequestErrc error = RequestErrc::bad_request;
  int status = 0;
  aio::http::Headers headers;
};

// Feeds `wire` in pieces ending at each of `cuts` (then the rest), like
// reads from a socket: unconsumed bytes are offered again with the next
// piece. Stops at the end of the first request. `eof`: finish() when
// everything was offered and the request is not complete.
Outcome parse_pieces(const std::string& wire, const std::vector<std::size_t>& cuts, bool eof = true,
                     RequestLimits limits = RequestLimits()) {
  RequestParser p(limits);
  p.reset();
  Outcome o;
  std::string pending;
  std::size_t offset = 0;
  std::size_t next_cut = 0;
  while (true) {
    if (offset < wire.size()) {
      std::size_t end =
          next_cut < cuts.size() ? std::min(cuts[next_cut++], wire.size()) : wire.size();
      if (end < offset) end = offset;
      pending.append(wire, offset, end - offset);
      offset = end;
    }
    std::size_t used = p.feed(pending, &o.body);
    o.consumed += used;
    pending.erase(0, used);
    if (p.state() == State::done || p.state() == State::failed) break;
    if (used == 0 && offset >= wire.size()) {
      if (eof) p.finish();
      break;
    }
  }
  o.state = p.state();
  o.method = p.method();
  o.target = p.target();
  o.version_minor = p.version_minor();
  o.keep_alive = p.keep_alive();
  o.error = p.error();
  o.status = p.state() == State::failed ? p.error_status() : 0;
  o.headers = p.headers();
  return o;
}

Outcome parse(const std::string& wire, std::size_t step = 0, bool eof = true,
              RequestLimits limits = RequestLimits()) {
  std::vector<std::size_t> cuts;
  if (step > 0)
    for (std::size_t i = step; i < wire.size(); i += step) cuts.push_back(i);
  return parse_pieces(wire, cuts, eof, limits);
}

// Parses whole, in pieces of 1..7 bytes, and cut in two at every byte;
// every way must agree. Returns the whole-buffer outcome.
Outcome parse_all_splits(const std::string& wire, bool eof = true,
                         RequestLimits limits = RequestLimits()) {
  Outcome whole = parse(wire, 0, eof, limits);
  auto same = [&whole](const Outcome& o, std::size_t where) {
    CHECK_MESSAGE(o.state == whole.state, "split ", where);
    CHECK_MESSAGE(o.body == whole.body, "split ", where);
    if (whole.state == State::done) {
      CHECK_MESSAGE(o.method == whole.method, "split ", where);
      CHECK_MESSAGE(o.target == whole.target, "split ", where);
    }
    CHECK_MESSAGE(o.status == whole.status, "split ", where);
    CHECK_MESSAGE(o.headers.size() == whole.headers.size(), "split ", where);
  };
  for (std::size_t step = 1; step <= 7; ++step) same(parse(wire, step, eof, limits), step);
  for (std::size_t cut = 1; cut < wire.size(); ++cut)
    same(parse_pieces(wire, {cut}, eof, limits), cut);
  return whole;
}

Outcome expect_refused(const std::string& wire, int status,
                       RequestLimits limits = RequestLimits()) {
  Outcome o = parse_all_splits(wire, true, limits);
  CHECK_MESSAGE(o.state == State::failed, wire);
  CHECK_MESSAGE(o.status == status, wire);
  return o;
}

const std::string kGet =
    "GET /hello?x=1 HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nx-a:  2 \r\n\r\n";

}  // namespace

TEST_CASE("a GET parses whole and split at every byte") {
  Outcome o = parse_all_splits(kGet);
  CHECK(o.state == State::done);
  CHECK(o.method == "GET");
  CHECK(o.target == "/hello?x=1");
  CHECK(o.version_minor == 1);
  CHECK(o.body.empty());
  CHECK(o.keep_alive);
  CHECK(o.consumed == kGet.size());
}

TEST_CASE("header values are trimmed and repeats kept in order") {
  Outcome o = parse(kGet);
  REQUIRE(o.headers.size() == 3);
  CHECK(o.headers.get_or("host", "") == "example.com");
  auto all = o.headers.get_all("X-A");
  REQUIRE(all.size() == 2);
  CHECK(all[0] == "1");
  CHECK(all[1] == "2");
}

TEST_CASE("an obs-fold continuation line is joined to its value with a space") {
  Outcome o = parse_all_splits("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n  two\r\n\r\n");
  CHECK(o.state == State::done);
  CHECK(o.headers.get_or("X-Long", "") == "one  two");
}

TEST_CASE("blank lines before a request line are skipped") {
  Outcome o = parse_all_splits("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(o.state == State::done);
  CHECK(o.target == "/");
}

TEST_CASE("a Content-Length body: the parser stops at the head, then at the end of the message") {
  std::string wire =
      "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n";
  RequestParser p;
  p.reset();
  std::string body;
  std::size_t n = p.feed(wire, &body);
  CHECK(p.state() == State::body);
  CHECK(body.empty());
  CHECK(p.content_length() == 5);
  CHECK_FALSE(p.chunked());
  n += p.feed(std::string_view(wire).substr(n), &body);
  CHECK(p.state() == State::done);
  CHECK(body == "hello");
  CHECK(n == wire.find("GET"));  // the next request's bytes are left over
  Outcome o = parse_all_splits(wire);
  CHECK(o.body == "hello");
}

TEST_CASE("pipelined requests are parsed one after the other from one buffer") {
  std::string wire =
      "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
      "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
      "POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nde\r\n0\r\n\r\n"
      "GET /4 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  RequestParser p;
  std::string_view rest = wire;
  std::vector<std::string> targets, bodies;
  std::vector<bool> keep;
  while (!rest.empty()) {
    p.reset();
    std::string body;
    while (p.state() != State::done && p.state() != State::failed) {
      std::size_t n = p.feed(rest, &body);
      rest.remove_prefix(n);
      if (n == 0) break;
    }
    REQUIRE(p.state() == State::done);
    targets.push_back(p.target());
    bodies.push_back(body);
    keep.push_back(p.keep_alive());
  }
  CHECK(targets == std::vector<std::string>{"/1", "/2", "/3", "/4"});
  CHECK(bodies == std::vector<std::string>{"", "abc", "de", ""});
  CHECK(keep == std::vector<bool>{true, true, true, false});
}

TEST_CASE("a chunked body is unframed; extensions and trailers are dropped") {
  Outcome o = parse_all_splits(
      "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  CHECK(o.state == State::done);
  CHECK(o.body == "hello world");
  CHECK(o.keep_alive);
  CHECK_FALSE(o.headers.contains("X-Trailer"));
}

TEST_CASE("keep-alive follows the version and the Connection field") {
  CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\n\r\n").keep_alive);
  CHECK_FALSE(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").keep_alive);
  CHECK_FALSE(parse("GET / HTTP/1.0\r\n\r\n").keep_alive);
  Outcome ten = parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  CHECK(ten.keep_alive);
  CHECK(ten.version_minor == 0);
  CHECK_FALSE(
      parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n")
          .keep_alive);
}

TEST_CASE("Expect is reported lowercased") {
  RequestParser p;
  p.reset();
  std::string body;
  p.feed("PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n", &body);
  CHECK(p.state() == State::body);
  CHECK(p.expect() == "100-continue");
}

TEST_CASE("limits: a head over max_head_bytes is 431 however it is split") {
  RequestLimits small;
  small.max_head_bytes = 64;
  std::string ok = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  CHECK(parse_all_splits(ok, true, small).state == State::done);
  Outcome big = expect_refused(
      "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(100, 'v') + "\r\n\r\n", 431, small);
  CHECK(big.error == RequestErrc::head_too_large);
  expect_refused("GET /" + std::string(100, 'p') + " HTTP/1.1\r\nHost: a\r\n\r\n", 431, small);
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX:" + std::string(100, ' ') + "v\r\n\r\n", 431,
                 small);
  expect_refused(std::string(100, '\n') + ok, 431, small);
  // Exactly at the limit passes; one more byte does not.
  std::string exact = "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(64 - 32, 'v') + "\r\n\r\n";
  REQUIRE(exact.size() == 64);
  CHECK(parse_all_splits(exact, true, small).state == State::done);
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(64 - 31, 'v') + "\r\n\r\n", 431,
                 small);
}

TEST_CASE("limits: the default head limit stops an endless header stream early") {
  // 1 MiB of fields, offered in 4 KiB reads: the parser fails as soon as the
  // head passes 16 KiB, having consumed little more than that.
  std::string wire = "GET / HTTP/1.1\r\nHost: a\r\n";
  while (wire.size() < (1u << 20)) wire += "X-Field: " + std::string(50, 'f') + "\r\n";
  RequestParser p;
  p.reset();
  std::string body;
  std::size_t offset = 0;
  while (offset < wire.size() && p.state() == State::head) {
    offset += p.feed(std::string_view(wire).substr(offset, 4096), &body);
  }
  CHECK(p.state() == State::failed);
  CHECK(p.error_status() == 431);
  CHECK(offset <= 16 * 1024 + 4096);
}

TEST_CASE("limits: more fields than max_header_count is 431") {
  RequestLimits limits;
  limits.max_header_count = 10;
  std::string nine = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 9; ++i) nine += "X-" + std::to_string(i) + ": v\r\n";
  CHECK(parse_all_splits(nine + "\r\n", true, limits).state == State::done);
  Outcome o = expect_refused(nine + "X-Last: v\r\n\r\n", 431, limits);
  CHECK(o.error == RequestErrc::too_many_headers);
  // The default: 100.
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 100; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  CHECK(parse(many + "\r\n").status == 431);
}

TEST_CASE("limits: a body over max_body_bytes is 413, a Content-Length one before any body byte") {
  RequestLimits limits;
  limits.max_body_bytes = 10;
  RequestParser p(limits);
  p.reset();
  std::string body;
  p.feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", &body);
  CHECK(p.state() == State::failed);
  CHECK(p.error() == RequestErrc::body_too_large);
  CHECK(p.error_status() == 413);
  CHECK(parse_all_splits("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", true,
                         limits)
            .state == State::done);
  expect_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
      "world\r\n0\r\n\r\n",
      413, limits);
  CHECK(parse_all_splits("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "
                         "chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n",
                         true, limits)
            .body == "helloworld");
}

TEST_CASE("limits: endless chunk extensions or trailers are refused") {
  std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string ext = head + "1;" + std::string(64 * 1024, 'e') + "=v\r\nx\r\n0\r\n\r\n";
  CHECK(parse(ext, 4096).status == 400);
  std::string trailers = head + "1\r\nx\r\n0\r\n";
  for (int i = 0; i < 2000; ++i)
    trailers += "X-T" + std::to_string(i) + ": " + std::string(20, 't') + "\r\n";
  CHECK(parse(trailers + "\r\n", 4096).status == 400);
}

TEST_CASE("malformed request lines are 400") {
  for (const char* wire : {
           "GARBAGE\r\n\r\n",
           "get / HTTP/1.1\r\nHost: a\r\n\r\n",
           "FOO / HTTP/1.1\r\nHost: a\r\n\r\n",
           "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
           "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
           "GET / HTTX/1.1\r\nHost: a\r\n\r\n",
           "GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n",
           "GET\r\n\r\n",
       }) {
    expect_refused(wire, 400);
  }
}

TEST_CASE("versions other than HTTP/1.0 and HTTP/1.1 are 505") {
  for (const char* wire : {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", "GET / HTTP/1.2\r\nHost: a\r\n\r\n",
                           "GET / HTTP/9.9\r\nHost: a\r\n\r\n", "GET /\r\n\r\n"}) {
    Outcome o = expect_refused(wire, 505);
    CHECK(o.error == RequestErrc::version_not_supported);
  }
}

TEST_CASE("bad Content-Length values are 400") {
  for (const char* cl : {"-1", "+3", "3, 3", "12abc", "abc", "", "99999999999999999999999"}) {
    expect_refused(
        std::string("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ") + cl + "\r\n\r\nabc", 400);
  }
  expect_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                 400);
  expect_refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                 400);
  // Surrounding whitespace is not part of the value.
  CHECK(parse_all_splits("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  3 \r\n\r\nabc").body ==
        "abc");
}

TEST_CASE("Transfer-Encoding with Content-Length is 400; codings other than chunked are 501") {
  expect_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      400);
  expect_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: "
      "3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      400);
  Outcome gzip =
      expect_refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc", 501);
  CHECK(gzip.error == RequestErrc::unsupported_transfer_coding);
  expect_refused(
      "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      501);
}

TEST_CASE("invalid bytes in the head are 400") {
  for (const char* wire : {
           "GET / HTTP/1.1\r\nHost : a\r\n\r\n",       // space before the colon
           "GET / HTTP/1.1\r\nHo st: a\r\n\r\n",       // space in the name
           "GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n",    // control byte
           "GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n",    // DEL
           "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",  // bare CR
           "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",  // bare LF in a field line
           "GET / HTTP/1.1\r\n: empty-name\r\n\r\n",   // empty name
           "GET / HTTP/1.1\r\nX\x01Y: v\r\n\r\n",      // control byte in the name
       }) {
    expect_refused(wire, 400);
  }
  std::string nul = std::string("GET / HTTP/1.1\r\nHost: a") + '\0' + "b\r\n\r\n";
  expect_refused(nul, 400);
}

TEST_CASE("bad chunk framing is 400") {
  std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  expect_refused(head + "5\r\nhelloXX0\r\n\r\n", 400);      // data not followed by CRLF
  expect_refused(head + "fffffffffffffffff\r\n", 400);      // size overflow (17 hex digits)
  expect_refused(head + "-1\r\nx\r\n0\r\n\r\n", 400);       // negative
  expect_refused(head + "0x5\r\nhello\r\n0\r\n\r\n", 400);  // not hex digits only
  expect_refused(head + "zz\r\nhello\r\n0\r\n\r\n", 400);
}

TEST_CASE("a stream cut inside a request is truncated, never a short success") {
  for (const char* wire :
       {"GET / HTTP/1.1\r\nHost: a\r\n", "GET / HT",
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"}) {
    Outcome o = parse_all_splits(wire);
    CHECK(o.state == State::failed);
    CHECK(o.error == RequestErrc::truncated);
    CHECK(o.status == 400);
  }
  RequestParser p;
  p.reset();
  CHECK_FALSE(p.started());
  p.finish();
  CHECK(p.state() == State::failed);
}

TEST_CASE("after done or failed the parser consumes nothing until reset") {
  RequestParser p;
  p.reset();
  std::string body;
  p.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &body);
  CHECK(p.state() == State::done);
  CHECK(p.feed("GET / HTTP/1.1\r\n", &body) == 0);
  p.reset();
  CHECK(p.state() == State::head);
  CHECK(p.feed("BAD\r\n", &body) == 0);
  CHECK(p.state() == State::failed);
  CHECK(p.feed("GET / HTTP/1.1\r\n\r\n", &body) == 0);
  p.reset();
  p.feed("GET /again HTTP/1.1\r\nHost: a\r\n\r\n", &body);
  CHECK(p.state() == State::done);
  CHECK(p.target() == "/again");
}

TEST_CASE("each refusal maps to its status") {
  CHECK(aio::http::status_for(RequestErrc::bad_request) == 400);
  CHECK(aio::http::status_for(RequestErrc::head_too_large) == 431);
  CHECK(aio::http::status_for(RequestErrc::too_many_headers) == 431);
  CHECK(aio::http::status_for(RequestErrc::body_too_large) == 413);
  CHECK(aio::http::status_for(RequestErrc::unsupported_transfer_coding) == 501);
  CHECK(aio::http::status_for(RequestErrc::version_not_supported) == 505);
  CHECK(aio::http::status_for(RequestErrc::truncated) == 400);
}

// Found by fuzz/fuzz_request.cpp: llhttp 8.1 accepts HT and FF (and some
// other controls) inside the request target; they reached handlers as part
// of the path.
TEST_CASE("fuzz regression: a control byte in the request target is 400") {
  for (std::string wire : {
           std::string("POST /u\f\f HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
           std::string("GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n"),
           std::string("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"),
           std::string("GET /\fa HTTP/1.1\r\nHost: a\r\n\r\n"),
       }) {
    expect_refused(wire, 400);
  }
  // Bytes above 0x7f are not controls: still accepted as before.
  Outcome o = parse_all_splits("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(o.state == State::done);
  CHECK(o.target == "/caf\xc3\xa9");
}

// Found by fuzz/fuzz_request.cpp: the chunk framing and trailer budget was
// checked only while the body was still open, so trailers over it that
// arrived in the same read as the end of the message were accepted, and
// refused when the client sent them in pieces.
TEST_CASE("fuzz regression: trailers over the framing budget are refused however they are split") {
  RequestLimits limits;
  limits.max_head_bytes = 512;
  std::string wire = "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: " +
                     std::string(1000, 't') + "\r\n\r\n";
  Outcome o = expect_refused(wire, 400, limits);
  CHECK(o.error == RequestErrc::bad_request);
  // Within the budget they are still fine.
  std::string small = "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: " +
                      std::string(100, 't') + "\r\n\r\n";
  Outcome ok = parse_all_splits(small, true, limits);
  CHECK(ok.state == State::done);
  CHECK(ok.body == "hello");
}
