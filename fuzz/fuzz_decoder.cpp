// libFuzzer target: Content-Encoding decoding (http/content_decoder.hpp), and
// chunked framing through ResponseParser in front of it.
//
// Input: byte 0 picks the Content-Encoding (one of kCodings, or, from 0xf0
// up, the text up to the first '\n' after byte 1), byte 1 the decoded-size
// cap; the rest is the body as the server encoded it. Invariants:
//   - failures are PayloadError (bad_encoding or bad_body) only;
//   - the output never exceeds the cap; decoded_size() matches it;
//   - the body decodes the same fed whole, one byte at a time and in
//     pseudo-random pieces; identity gives the input back;
//   - round trip: a decoded body encoded again with the same codings (zlib)
//     decodes to itself;
//   - chunked: the body framed as chunks of pseudo-random sizes (with chunk
//     extensions) in a response parses back to exactly the body, and
//     decodes as it did directly.
#include <aio/http/content_decoder.hpp>
#include <aio/http/response_parser.hpp>

#include <zlib.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.hpp"

using aio::http::ContentDecoder;
using aio::http::Errc;
using aio::http::PayloadError;

namespace {

constexpr const char* kCodings[] = {"gzip", "deflate", "x-gzip", "gzip, gzip", "deflate, gzip", "identity",
                                    "", "gzip, identity, deflate", " GZip ,, ", "gzip,gzip,gzip,gzip,gzip"};
constexpr std::size_t kNumCodings = sizeof(kCodings) / sizeof(kCodings[0]);
constexpr std::size_t kCaps[] = {0, 1, 100, 4096, 65536, 1 << 20};

struct Result {
  bool ok = true;
  Errc error{};
  std::string out;
};

// Feeds `body` in pieces: 0 = whole, 1 = bytes, else pseudo-random sizes.
Result decode(std::string_view coding, std::size_t cap, std::string_view body, int mode, std::uint64_t seed) {
  Result r;
  try {
    ContentDecoder dec(coding, cap);
    fuzz::Rng rng(seed);
    std::size_t off = 0;
    while (off < body.size()) {
      std::size_t n = mode == 0 ? body.size() : mode == 1 ? 1 : rng.piece(64);
      if (n > body.size() - off) n = body.size() - off;
      dec.feed(body.substr(off, n), r.out);
      off += n;
      FUZZ_CHECK(r.out.size() <= cap);
      FUZZ_CHECK(dec.decoded_size() == r.out.size());
    }
    dec.finish(r.out);
    FUZZ_CHECK(r.out.size() <= cap);
    FUZZ_CHECK(dec.decoded_size() == r.out.size());
    if (dec.identity()) FUZZ_CHECK(r.out == body);
  } catch (const PayloadError& e) {
    FUZZ_CHECK(e.code() == Errc::bad_encoding || e.code() == Errc::bad_body);
    FUZZ_CHECK(r.out.size() <= cap);
    r.ok = false;
    r.error = static_cast<Errc>(e.code().value());
  }
  return r;
}

std::string zcompress(std::string_view in, bool gzip) {
  z_stream zs{};
  FUZZ_CHECK(deflateInit2(&zs, 6, Z_DEFLATED, gzip ? 16 + 15 : 15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  FUZZ_CHECK(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Encodes `plain` as the server would have for the coding list; false when
// the list is not one of the supported codings.
bool encode(std::string_view coding, std::string plain, std::string* out) {
  std::string_view rest = coding;
  while (true) {
    std::size_t comma = rest.find(',');
    std::string_view c = rest.substr(0, comma);
    while (!c.empty() && (c.front() == ' ' || c.front() == '\t')) c.remove_prefix(1);
    while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.remove_suffix(1);
    std::string lc;
    for (char ch : c) lc += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
    if (lc == "gzip" || lc == "x-gzip") plain = zcompress(plain, true);
    else if (lc == "deflate") plain = zcompress(plain, false);
    else if (!lc.empty() && lc != "identity") return false;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  *out = std::move(plain);
  return true;
}

void chunked_through_parser(std::string_view coding, std::string_view body, std::uint64_t seed) {
  std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n";
  if (!coding.empty()) wire.append("Content-Encoding: ").append(coding).append("\r\n");
  wire += "\r\n";
  fuzz::Rng rng(seed);
  std::size_t off = 0;
  while (off < body.size()) {
    std::size_t n = rng.piece(200);
    if (n > body.size() - off) n = body.size() - off;
    char size[32];
    std::snprintf(size, sizeof size, (rng.next() & 1) ? "%zx" : "%zX", n);
    wire += size;
    if ((rng.next() & 7) == 0) wire += ";ext=\"v\"";
    wire += "\r\n";
    wire.append(body.substr(off, n));
    wire += "\r\n";
    off += n;
  }
  wire += (rng.next() & 1) ? "0\r\nX-Trailer: t\r\n\r\n" : "0\r\n\r\n";
  aio::http::ResponseParser p;
  p.reset(false);
  std::string raw;
  std::size_t pos = 0;
  while (pos < wire.size() && p.state() != aio::http::ResponseParser::State::done &&
         p.state() != aio::http::ResponseParser::State::failed) {
    std::size_t n = rng.piece(97);
    if (n > wire.size() - pos) n = wire.size() - pos;
    std::size_t used = p.feed(std::string_view(wire).substr(pos, n), &raw);
    FUZZ_CHECK(used > 0);
    pos += used;
  }
  FUZZ_CHECK(p.state() == aio::http::ResponseParser::State::done);
  FUZZ_CHECK(pos == wire.size());
  FUZZ_CHECK(raw == body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  unsigned char sel = static_cast<unsigned char>(in[0]);
  std::size_t cap = kCaps[static_cast<unsigned char>(in[1]) % (sizeof(kCaps) / sizeof(kCaps[0]))];
  std::string_view body = in.substr(2);
  std::string_view coding;
  if (sel >= 0xf0) {
    std::size_t nl = body.find('\n');
    if (nl == std::string_view::npos) return 0;
    coding = body.substr(0, nl);
    body = body.substr(nl + 1);
  } else {
    coding = kCodings[sel % kNumCodings];
  }
  std::uint64_t h = fuzz::hash(in);

  Result whole = decode(coding, cap, body, 0, h);
  Result random = decode(coding, cap, body, 2, h >> 7);
  FUZZ_CHECK(whole.ok == random.ok);
  if (whole.ok) FUZZ_CHECK(whole.out == random.out);
  if (body.size() <= 4096) {
    Result bytes = decode(coding, cap, body, 1, 0);
    FUZZ_CHECK(whole.ok == bytes.ok);
    if (whole.ok) FUZZ_CHECK(whole.out == bytes.out);
  }

  std::string again;
  if (whole.ok && encode(coding, whole.out, &again)) {
    Result rt = decode(coding, cap, again, 2, h);
    FUZZ_CHECK(rt.ok);
    FUZZ_CHECK(rt.out == whole.out);
  }

  if (coding.size() < 1000 && !fuzz::has_ctl(coding) && coding.find('\t') == std::string_view::npos) {
    chunked_through_parser(coding, body, h >> 3);
  }
  return 0;
}
