// libFuzzer target: bytes from a server, through the client's response path.
//
// The input is what the server sends on one connection. It goes through
// ResponseParser and ContentDecoder the way Session::read_head() and
// Response::read_chunk() drive them (http/session.cpp, http/response.cpp):
// bytes arrive in reads, the parser consumes what it can, unconsumed bytes
// stay buffered for the next feed, the decoder gets each piece of unframed
// body, finish() at end of stream. The same input is run three ways: in one
// read, one byte per read, and in reads of pseudo-random sizes derived from
// the input. Invariants:
//   - no crash, no sanitizer report, no exception other than PayloadError
//     from the decoder;
//   - progress: a feed() of buffered bytes in state head/body consumes some
//     or ends the message (else read_chunk() would spin on a full buffer);
//   - the three splits agree on state, status, reason, headers, body, error;
//   - limits: header count, line and head sizes, decoded size;
//   - framing: a completed Content-Length body has exactly that length;
//     HEAD/204/304 have no body;
//   - round trip: a completed response re-serialised with Content-Length
//     parses back to the same status, reason, headers and body.
#include <aio/http/content_decoder.hpp>
#include <aio/http/response_parser.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_util.hpp"

using aio::http::ContentDecoder;
using aio::http::Errc;
using aio::http::Headers;
using aio::http::PayloadError;
using aio::http::ResponseLimits;
using aio::http::ResponseParser;

namespace {

constexpr std::size_t kMaxBody = 256 * 1024;  // the decoder's cap (Session: max_body_size)

struct Outcome {
  ResponseParser::State state = ResponseParser::State::head;
  int status = 0;
  int minor = 1;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // unframed, still content-coded
  Errc error{};
  std::size_t consumed = 0;
  bool decode_ok = true;
  std::string decoded;
};

enum class Split { whole, bytes, random };

// Delivers `wire` as reads of the chosen sizes.
class FakeTransport {
 public:
  FakeTransport(std::string_view wire, Split split, std::uint64_t seed) : wire_(wire), split_(split), rng_(seed) {}
  std::string& buffered() { return buf_; }
  void consume(std::size_t n) {
    FUZZ_CHECK(n <= buf_.size());
    buf_.erase(0, n);
  }
  // Appends the next read; false at end of stream.
  bool read() {
    if (off_ >= wire_.size()) return false;
    std::size_t left = wire_.size() - off_;
    std::size_t n = split_ == Split::whole ? left : split_ == Split::bytes ? 1 : rng_.piece(left < 300 ? left : 300);
    if (n > left) n = left;
    buf_.append(wire_.substr(off_, n));
    off_ += n;
    return true;
  }

 private:
  std::string_view wire_;
  Split split_;
  fuzz::Rng rng_;
  std::size_t off_ = 0;
  std::string buf_;
};

void check_head(const ResponseParser& p, const ResponseLimits& lim) {
  FUZZ_CHECK(p.status() >= 200 && p.status() <= 999);
  FUZZ_CHECK(p.version_minor() == 0 || p.version_minor() == 1);
  FUZZ_CHECK(p.headers().size() <= lim.max_header_count);
  FUZZ_CHECK(!fuzz::has_ctl(p.reason()));
  FUZZ_CHECK(p.reason().size() <= lim.max_line_bytes);
  std::size_t total = p.reason().size();
  for (const auto& [name, value] : p.headers()) {
    FUZZ_CHECK(aio::http::is_token(name));
    FUZZ_CHECK(!fuzz::has_ctl(value));
    FUZZ_CHECK(name.size() + value.size() <= lim.max_line_bytes);
    total += name.size() + value.size();
  }
  FUZZ_CHECK(total <= lim.max_head_bytes);
  FUZZ_CHECK(p.headers().count("Content-Length") <= 1);
  FUZZ_CHECK(!(p.headers().contains("Content-Length") && p.headers().contains("Transfer-Encoding")));
}

Outcome run(std::string_view wire, Split split, std::uint64_t seed, bool head_request, const ResponseLimits& lim) {
  ResponseParser p(lim);
  p.reset(head_request);
  FakeTransport t(wire, split, seed);
  Outcome o;
  // Session::read_head()
  std::string no_body;
  for (;;) {
    std::string& buf = t.buffered();
    if (!buf.empty()) {
      std::size_t n = p.feed(buf, &no_body);
      FUZZ_CHECK(n <= buf.size());
      t.consume(n);
      o.consumed += n;
      if (p.state() == ResponseParser::State::failed || p.head_complete()) break;
      FUZZ_CHECK(n > 0);  // progress
      continue;
    }
    if (!t.read()) {
      p.finish();
      FUZZ_CHECK(p.state() == ResponseParser::State::failed);
      break;
    }
  }
  FUZZ_CHECK(no_body.empty());
  if (p.head_complete()) {
    check_head(p, lim);
    // Response::read_chunk(), with Session's Content-Encoding join.
    std::string encoding;
    for (std::string_view coding : p.headers().get_all("Content-Encoding"))
      encoding.append(encoding.empty() ? "" : ", ").append(coding);
    std::optional<ContentDecoder> dec;
    if (p.state() == ResponseParser::State::body && !encoding.empty()) {
      try {
        dec.emplace(encoding, kMaxBody);
      } catch (const PayloadError&) {
        o.decode_ok = false;
      }
    }
    std::string raw;
    while (p.state() == ResponseParser::State::body) {
      std::string& buf = t.buffered();
      if (buf.empty()) {
        if (!t.read()) p.finish();
        continue;
      }
      raw.clear();
      std::size_t n = p.feed(buf, &raw);
      t.consume(n);
      o.consumed += n;
      FUZZ_CHECK(n > 0 || p.state() != ResponseParser::State::body);  // progress
      o.body += raw;
      if (o.decode_ok) {
        try {
          if (dec)
            dec->feed(raw, o.decoded);
          else
            o.decoded += raw;
        } catch (const PayloadError&) {
          o.decode_ok = false;  // the real code releases here; keep parsing to compare framing
        }
      }
      if (p.state() == ResponseParser::State::done && dec && o.decode_ok) {
        try {
          dec->finish(o.decoded);
        } catch (const PayloadError&) {
          o.decode_ok = false;
        }
      }
      if (dec) {
        FUZZ_CHECK(o.decoded.size() <= kMaxBody);
        if (o.decode_ok) FUZZ_CHECK(dec->decoded_size() == o.decoded.size());
      }
    }
    if (p.state() == ResponseParser::State::done) {
      if (head_request || p.status() == 204 || p.status() == 304) FUZZ_CHECK(o.body.empty());
      else if (p.content_length() >= 0)
        FUZZ_CHECK(o.body.size() == static_cast<std::uint64_t>(p.content_length()));
    }
  }
  FUZZ_CHECK(o.consumed <= wire.size());
  o.state = p.state();
  o.status = p.status();
  o.minor = p.version_minor();
  o.reason = p.reason();
  for (const auto& f : p.headers()) o.headers.emplace_back(f.first, f.second);
  o.error = p.state() == ResponseParser::State::failed ? p.error() : Errc{};
  return o;
}

void same(const Outcome& a, const Outcome& b) {
  if (a.state != b.state || a.error != b.error)
    std::fprintf(stderr, "split outcomes differ: state %d/%d error %d/%d\n", static_cast<int>(a.state),
                 static_cast<int>(b.state), static_cast<int>(a.error), static_cast<int>(b.error));
  FUZZ_CHECK(a.state == b.state);
  FUZZ_CHECK(a.error == b.error);
  FUZZ_CHECK(a.consumed == b.consumed || a.state == ResponseParser::State::failed);
  if (a.state == ResponseParser::State::head || a.state == ResponseParser::State::failed) return;
  FUZZ_CHECK(a.status == b.status);
  FUZZ_CHECK(a.reason == b.reason);
  FUZZ_CHECK(a.headers == b.headers);
  if (a.state != ResponseParser::State::done) return;
  FUZZ_CHECK(a.body == b.body);
  FUZZ_CHECK(a.decode_ok == b.decode_ok);
  if (a.decode_ok) FUZZ_CHECK(a.decoded == b.decoded);
}

// A completed response written again with Content-Length framing.
void round_trip(const Outcome& o, bool head_request, int minor, ResponseLimits lim) {
  if (head_request || o.status == 204 || o.status == 304) return;
  std::string wire = "HTTP/1." + std::to_string(minor) + " " + std::to_string(o.status) + " " + o.reason + "\r\n";
  std::vector<std::pair<std::string, std::string>> kept;
  for (const auto& [name, value] : o.headers) {
    if (aio::http::iequals(name, "Content-Length") || aio::http::iequals(name, "Transfer-Encoding")) continue;
    wire += name + ": " + value + "\r\n";
    kept.emplace_back(name, value);
  }
  wire += "Content-Length: " + std::to_string(o.body.size()) + "\r\n\r\n" + o.body;
  lim.max_head_bytes += 64;
  lim.max_header_count += 1;
  lim.max_line_bytes += 32;
  ResponseParser p(lim);
  p.reset(false);
  std::string body;
  std::size_t n = p.feed(wire, &body);
  n += p.feed(std::string_view(wire).substr(n), &body);
  FUZZ_CHECK(p.state() == ResponseParser::State::done);
  FUZZ_CHECK(n == wire.size());
  FUZZ_CHECK(p.status() == o.status);
  FUZZ_CHECK(p.reason() == o.reason);
  FUZZ_CHECK(body == o.body);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& f : p.headers())
    if (!aio::http::iequals(f.first, "Content-Length")) got.emplace_back(f.first, f.second);
  FUZZ_CHECK(got == kept);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view wire(reinterpret_cast<const char*>(data), size);
  std::uint64_t h = fuzz::hash(wire);
  ResponseLimits lim;
  if (h & 2) {  // small limits, so that inputs of a few KiB reach them
    lim.max_head_bytes = 1024;
    lim.max_header_count = 8;
    lim.max_line_bytes = 256;
    lim.max_trailer_bytes = 64;
  }
  bool head_request = (h & 0x1c) == 0;  // 1 in 8
  Outcome whole = run(wire, Split::whole, h, head_request, lim);
  Outcome random = run(wire, Split::random, h >> 5, head_request, lim);
  same(whole, random);
  if (size <= 8192) same(whole, run(wire, Split::bytes, 0, head_request, lim));
  if (whole.state == ResponseParser::State::done) round_trip(whole, head_request, whole.minor, lim);
  return 0;
}
