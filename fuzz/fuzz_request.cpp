// libFuzzer target: the embedded server's request parsing
// (http/request_parser.hpp), driven as Server's connection loop drives it
// (http/server.cpp): reads into a buffer, feed() whatever is buffered,
// consume what it took, reset() between pipelined requests, finish() at end
// of stream. Run in one read, one byte per read and pseudo-random reads.
// Invariants:
//   - no crash; progress: feed() of buffered bytes in state head/body
//     consumes some or leaves that state (else the server loop spins);
//   - the three splits give the same requests, and fail or not alike;
//   - limits: head bytes, field count, body bytes (also Content-Length);
//   - the parsed head is clean: method a token, target free of controls and
//     spaces, names tokens, values free of controls and trimmed;
//   - framing: a Content-Length body has that length; not both framings;
//   - round trip: a parsed request written again (Content-Length framing)
//     parses back to the same method, target, version, headers and body.
#include <aio/http/request_parser.hpp>

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_util.hpp"

using aio::http::RequestErrc;
using aio::http::RequestLimits;
using aio::http::RequestParser;

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method, target, expect, body;
  int minor = 1;
  Fields headers;
  bool keep_alive = false;
};

struct Outcome {
  std::vector<Request> requests;
  bool failed = false;
  RequestErrc error{};
};

enum class Split { whole, bytes, random };

void check_request(const RequestParser& p, const RequestLimits& lim) {
  FUZZ_CHECK(aio::http::is_token(p.method()));
  FUZZ_CHECK(!p.target().empty());
  for (unsigned char c : p.target()) FUZZ_CHECK(c > 0x20 && c != 0x7f);
  FUZZ_CHECK(p.version_minor() == 0 || p.version_minor() == 1);
  FUZZ_CHECK(p.headers().size() <= lim.max_header_count);
  std::size_t total = p.method().size() + p.target().size();
  for (const auto& [name, value] : p.headers()) {
    FUZZ_CHECK(aio::http::is_token(name));
    FUZZ_CHECK(!fuzz::has_ctl(value));
    if (!value.empty()) {
      FUZZ_CHECK(value.front() != ' ' && value.front() != '\t');
      FUZZ_CHECK(value.back() != ' ' && value.back() != '\t');
    }
    total += name.size() + value.size();
  }
  FUZZ_CHECK(total <= lim.max_head_bytes);
  FUZZ_CHECK(p.headers().count("Content-Length") <= 1);
  FUZZ_CHECK(!(p.content_length() >= 0 && p.chunked()));
  FUZZ_CHECK(p.content_length() <= static_cast<std::int64_t>(lim.max_body_bytes));
}

Outcome run(std::string_view wire, Split split, std::uint64_t seed, const RequestLimits& lim) {
  RequestParser p(lim);
  fuzz::Rng rng(seed);
  std::string buf;
  std::size_t off = 0;
  auto read = [&]() {
    if (off >= wire.size()) return false;
    std::size_t left = wire.size() - off;
    std::size_t n = split == Split::whole ? left : split == Split::bytes ? 1 : rng.piece(left < 300 ? left : 300);
    if (n > left) n = left;
    buf.append(wire.substr(off, n));
    off += n;
    return true;
  };
  Outcome o;
  for (int i = 0; i < 16; ++i) {
    p.reset();
    Request r;
    bool eof = false;
    while (p.state() == RequestParser::State::head || p.state() == RequestParser::State::body) {
      if (buf.empty()) {
        if (!read()) {
          if (!p.started()) {  // a clean close between requests
            eof = true;
            break;
          }
          p.finish();
          FUZZ_CHECK(p.state() == RequestParser::State::failed);
          break;
        }
      }
      RequestParser::State before = p.state();
      std::size_t n = p.feed(buf, &r.body);
      FUZZ_CHECK(n <= buf.size());
      FUZZ_CHECK(n > 0 || p.state() != before);  // progress
      buf.erase(0, n);
      FUZZ_CHECK(r.body.size() <= lim.max_body_bytes);
      if (p.head_complete()) check_request(p, lim);
    }
    if (eof) break;
    if (p.state() == RequestParser::State::failed) {
      o.failed = true;
      o.error = p.error();
      FUZZ_CHECK(p.error_status() >= 400 && p.error_status() <= 505);
      break;
    }
    FUZZ_CHECK(p.state() == RequestParser::State::done);
    if (p.content_length() >= 0) FUZZ_CHECK(r.body.size() == static_cast<std::uint64_t>(p.content_length()));
    r.method = p.method();
    r.target = p.target();
    r.expect = p.expect();
    r.minor = p.version_minor();
    r.keep_alive = p.keep_alive();
    for (const auto& f : p.headers()) r.headers.emplace_back(f.first, f.second);
    o.requests.push_back(std::move(r));
  }
  return o;
}

bool same_request(const Request& a, const Request& b) {
  return a.method == b.method && a.target == b.target && a.expect == b.expect && a.body == b.body &&
         a.minor == b.minor && a.keep_alive == b.keep_alive && a.headers == b.headers;
}

void same(const Outcome& a, const Outcome& b) {
  if (a.failed != b.failed || a.requests.size() != b.requests.size())
    std::fprintf(stderr, "splits differ: failed %d/%d error %d/%d requests %zu/%zu\n", a.failed, b.failed,
                 static_cast<int>(a.error), static_cast<int>(b.error), a.requests.size(), b.requests.size());
  FUZZ_CHECK(a.failed == b.failed);
  // Not compared: which error a request with several faults reports. The
  // limits are checked in llhttp's span callbacks, which run at the end of
  // each read, while llhttp reports a bad byte only before the span's
  // callback: "a head over the limit, then a bad byte" is 431 when read in
  // pieces and 400 in one read (found by this target; both refuse it).
  FUZZ_CHECK(a.requests.size() == b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i) FUZZ_CHECK(same_request(a.requests[i], b.requests[i]));
}

void round_trip(const Request& r, RequestLimits lim) {
  std::string wire = r.method + " " + r.target + " HTTP/1." + std::to_string(r.minor) + "\r\n";
  Fields kept;
  for (const auto& [name, value] : r.headers) {
    if (aio::http::iequals(name, "Content-Length") || aio::http::iequals(name, "Transfer-Encoding")) continue;
    wire += name + ": " + value + "\r\n";
    kept.emplace_back(name, value);
  }
  bool with_length = !r.body.empty();
  if (with_length) wire += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  wire += "\r\n" + r.body;
  lim.max_head_bytes += 64;
  lim.max_header_count += 1;
  Outcome o = run(wire, Split::whole, 0, lim);
  FUZZ_CHECK(!o.failed);
  FUZZ_CHECK(o.requests.size() == 1);
  const Request& g = o.requests[0];
  FUZZ_CHECK(g.method == r.method && g.target == r.target && g.minor == r.minor && g.body == r.body);
  FUZZ_CHECK(g.expect == r.expect);
  Fields got;
  for (const auto& f : g.headers)
    if (!with_length || !aio::http::iequals(f.first, "Content-Length")) got.emplace_back(f.first, f.second);
  FUZZ_CHECK(got == kept);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  std::uint64_t h = fuzz::hash(wire);
  RequestLimits lim;
  if (h & 1) {  // small limits, reachable by small inputs
    lim.max_head_bytes = 512;
    lim.max_header_count = 8;
    lim.max_body_bytes = 256;
  }
  Outcome whole = run(wire, Split::whole, 0, lim);
  same(whole, run(wire, Split::random, h >> 3, lim));
  if (size <= 8192) same(whole, run(wire, Split::bytes, 0, lim));
  for (const Request& r : whole.requests) round_trip(r, lim);
  return 0;
}
