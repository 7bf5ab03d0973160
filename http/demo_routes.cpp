#include "demo_routes.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "../runtime/sleep.hpp"

namespace aio::http {

namespace {

constexpr std::uint64_t kMaxBytes = 64ull << 20;
constexpr std::uint64_t kMaxDelayMs = 60000;
constexpr std::uint64_t kMaxRedirects = 100;
constexpr std::uint64_t kMaxStreamLines = 100000;
constexpr std::size_t kMaxEchoedBody = 64 * 1024;

// A decimal path segment ("1000"), clamped to `cap`. No sign, no junk.
std::optional<std::uint64_t> parse_count(std::string_view s, std::uint64_t cap) {
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  if (s.size() > 19) return cap;  // would overflow: far over any cap
  std::uint64_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n > cap ? cap : n;
}

ServerResponse bad_number(std::string_view what) {
  return ServerResponse::text(
      400, "400 Bad Request: " + std::string(what) + " must be a decimal number\n");
}

std::string make_json_document() {
  // A fixed document a little under 600 bytes: nested objects, an array,
  // numbers, booleans, null and an escaped string.
  return R"({"service":"aiocpp","version":"0.1.0","description":"An embedded HTTP/1.1 server on libuv and llhttp, answering demo requests.",)"
         R"("slideshow":{"author":"Yours Truly","date":"date of publication","title":"Sample Slide Show",)"
         R"("slides":[{"title":"Wake up to WonderWidgets!","type":"all"},)"
         R"({"title":"Overview","type":"all","items":["Why <em>WonderWidgets</em> are great","Who <em>buys</em> WonderWidgets"]}]},)"
         R"("limits":{"max_head_bytes":16384,"max_header_count":100,"max_body_bytes":16777216},)"
         R"("features":["keep-alive","pipelining","chunked","100-continue"],)"
         R"("ok":true,"ratio":0.75,"nothing":null,"quote":"\"quoted\" \\ back\/slash \u00e9"})";
}

const std::string& json_document() {
  static const std::string doc = make_json_document();
  return doc;
}

Task<ServerResponse> index(ServerRequest&) {
  co_return ServerResponse::text(200,
                                 "aiocpp demo routes:\n"
                                 "  GET  /hello\n"
                                 "  GET  /json\n"
                                 "  GET  /bytes/N\n"
                                 "  GET  /delay/MS\n"
                                 "  *    /status/CODE\n"
                                 "  GET  /redirect/N\n"
                                 "  GET  /stream/N\n"
                                 "  *    /echo\n");
}

Task<ServerResponse> hello(ServerRequest&) { co_return ServerResponse::text(200, "Hello, world!"); }

Task<ServerResponse> json(ServerRequest&) { co_return ServerResponse::json(200, json_document()); }

Task<ServerResponse> bytes(ServerRequest& req) {
  std::optional<std::uint64_t> n = parse_count(req.tail, kMaxBytes);
  if (!n) co_return bad_number("the byte count");
  static constexpr std::string_view kPattern = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string body(static_cast<std::size_t>(*n), '\0');
  for (std::size_t i = 0; i < body.size(); i += kPattern.size())
    std::memcpy(body.data() + i, kPattern.data(), std::min(kPattern.size(), body.size() - i));
  co_return ServerResponse::bytes(200, std::move(body));
}

Task<ServerResponse> delay(ServerRequest& req) {
  std::optional<std::uint64_t> ms = parse_count(req.tail, kMaxDelayMs);
  if (!ms) co_return bad_number("the delay");
  co_await aio::sleep(std::chrono::milliseconds(*ms));
  co_return ServerResponse::text(200, "delayed " + std::to_string(*ms) + " ms\n");
}

Task<ServerResponse> status(ServerRequest& req) {
  std::optional<std::uint64_t> code = parse_count(req.tail, 1000);
  if (!code) co_return bad_number("the status code");
  if (*code < 200 || *code > 599)
    co_return ServerResponse::text(400, "400 Bad Request: status must be 200..599\n");
  int s = static_cast<int>(*code);
  if (s == 204 || s == 304) co_return ServerResponse::empty(s);
  co_return ServerResponse::text(s, std::to_string(s) + " " + std::string(reason_phrase(s)) + "\n");
}

Task<ServerResponse> redirect(ServerRequest& req) {
  std::optional<std::uint64_t> n = parse_count(req.tail, kMaxRedirects);
  if (!n) co_return bad_number("the redirect count");
  if (*n == 0) co_return ServerResponse::text(200, "Hello, world!");
  std::string location = *n == 1 ? std::string("/hello") : "/redirect/" + std::to_string(*n - 1);
  ServerResponse r = ServerResponse::text(302, "302 Found: " + location + "\n");
  r.headers.add("Location", std::move(location));
  co_return r;
}

Task<std::optional<std::string>> stream_line(std::uint64_t i, std::uint64_t n) {
  if (i >= n) co_return std::nullopt;
  co_return "line " + std::to_string(i) + "\n";
}

// The generator of /stream/N: a plain callable returning a task of a
// coroutine with value parameters (a capturing coroutine lambda would keep
// references into the lambda object).
struct StreamLines {
  std::uint64_t next;
  std::uint64_t count;
  Task<std::optional<std::string>> operator()() { return stream_line(next++, count); }
};

Task<ServerResponse> stream(ServerRequest& req) {
  std::optional<std::uint64_t> n = parse_count(req.tail, kMaxStreamLines);
  if (!n) co_return bad_number("the line count");
  StreamLines lines;
  lines.next = 0;
  lines.count = *n;
  co_return ServerResponse::streamed(200, BodyGenerator(lines), "text/plain; charset=utf-8");
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::string describe(const ServerRequest& req) {
  std::string out;
  out.reserve(256 + req.target.size() + std::min(req.body.size(), kMaxEchoedBody));
  out.append("{\"method\":");
  append_json_string(out, req.method);
  out.append(",\"path\":");
  append_json_string(out, req.path);
  out.append(",\"query\":");
  append_json_string(out, req.query);
  out.append(",\"version\":\"1.");
  out.append(std::to_string(req.version_minor));
  out.append("\",\"headers\":{");
  // Lowercased names in order of first appearance; repeats joined.
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [name, value] : req.headers) {
    std::string key = lower(name);
    bool merged = false;
    for (auto& f : fields)
      if (f.first == key) {
        f.second.append(", ").append(value);
        merged = true;
        break;
      }
    if (!merged) fields.emplace_back(std::move(key), value);
  }
  bool first = true;
  for (const auto& [name, value] : fields) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name);
    out.push_back(':');
    append_json_string(out, value);
  }
  out.append("},\"body_length\":");
  out.append(std::to_string(req.body.size()));
  if (req.body.size() <= kMaxEchoedBody) {
    out.append(",\"body\":");
    append_json_string(out, req.body);
  }
  out.append("}");
  return out;
}

Task<ServerResponse> echo(ServerRequest& req) {
  co_return ServerResponse::json(200, describe(req));
}

// Length of the well-formed UTF-8 sequence starting at s[i] (2..4), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto at = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = at(i);
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // no overlong forms
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (at(i + k) < 0x80 || at(i + k) > 0xBF) return 0;
  return len;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto escape_byte = [&out](unsigned char c) {
    out.append("\\u00");
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  };
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f)
            escape_byte(c);
          else
            out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    if (std::size_t len = utf8_sequence(s, i)) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      escape_byte(c);  // not UTF-8: the byte as a Latin-1 code point
      ++i;
    }
  }
  out.push_back('"');
}

void add_demo_routes(Server& server) {
  server.route("GET", "/", index);
  server.route("GET", "/hello", hello);
  server.route("GET", "/json", json);
  server.route_prefix("GET", "/bytes/", bytes);
  server.route_prefix("GET", "/delay/", delay);
  server.route_prefix("*", "/status/", status);
  server.route_prefix("GET", "/redirect/", redirect);
  server.route_prefix("GET", "/stream/", stream);
  server.route("*", "/echo", echo);
}

}  // namespace aio::http
