// Options of a Session and of one request.
//
// SessionOptions is an aggregate meant for designated initialisers in a
// plain declaration (every member has a default initialiser, so g++ does
// not warn about the ones left out):
//
//   aio::http::Session session({
//       .headers = {{"User-Agent", "aiocpp"}},
//       .timeout = {.total = 10s, .connect = 2s},
//   });
//
// RequestOptions is a class with setters, so that the natural call form is
// safe on g++ 12, which double-frees brace-initialised aggregates built
// inside a co_await statement (TOOLCHAIN.md §2):
//
//   auto r = co_await session.get(url, aio::http::RequestOptions().header("X-Id", "7"));
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../json/writer.hpp"
#include "../runtime/task.hpp"
#include "../tls/options.hpp"
#include "body_source.hpp"
#include "form_data.hpp"
#include "headers.hpp"
#include "response_parser.hpp"

namespace aio::http {

using namespace std::chrono_literals;

// aiohttp's ClientTimeout. Each phase is optional (std::nullopt: no limit).
struct Timeout {
  // The whole request: waiting for a connection, connecting, sending, the
  // response head, and reading the body to its end (streaming included).
  std::optional<std::chrono::milliseconds> total = std::chrono::milliseconds(300s);
  // Waiting for a pool slot plus connecting.
  std::optional<std::chrono::milliseconds> connect = std::chrono::milliseconds(30s);
  // One TCP connect attempt (per address).
  std::optional<std::chrono::milliseconds> sock_connect{};
  // Each read from the socket (the gap between two arrivals).
  std::optional<std::chrono::milliseconds> sock_read{};
  // Each write to the socket (a server that stops reading an upload).
  std::optional<std::chrono::milliseconds> sock_write{};
};

using Params = std::vector<std::pair<std::string, std::string>>;

// https:// settings (tls/options.hpp): verification on by default, the
// system CA bundle unless ca_file/ca_pem, a client certificate for mTLS,
// session resumption, the handshake's own timeout.
using TlsOptions = aio::tls::ClientOptions;

struct SessionOptions {
  Headers headers{};               // sent with every request (a request's own win)
  Params cookies{};                // seeds the cookie jar: sent to every host
  std::string base_url{};          // relative request URLs are resolved against it
  Timeout timeout{};
  std::size_t limit = 100;         // connections open at once (0: no limit)
  std::size_t limit_per_host = 0;  // per origin (0: no limit)
  std::chrono::milliseconds keepalive_timeout = 15s;
  bool raise_for_status = false;   // throw ResponseError for status >= 400
  bool follow_redirects = true;
  int max_redirects = 10;
  bool auto_decompress = true;     // Accept-Encoding: gzip, deflate, and decoding
  ResponseLimits limits{};         // response head limits (HOSTILE.md)
  std::size_t max_body_size = 64 * 1024 * 1024;  // read()/text()/json() refuse more
  std::chrono::milliseconds dns_ttl = 10s;
  std::size_t dns_cache_size = 1024;
  TlsOptions tls{};                // https://: verify, CA, client certificate
  bool keep_request_head = false;  // Response::request_head() keeps the bytes sent (aiocpp -v)
};

class RequestOptions {
 public:
  RequestOptions() = default;

  // A header for this request (replaces a session header of that name).
  RequestOptions& header(std::string name, std::string value);
  // Query parameters appended to the URL, percent-encoded.
  RequestOptions& param(std::string name, std::string value);
  RequestOptions& params(Params p);
  // A body of bytes; content_type empty: application/octet-stream.
  RequestOptions& body(std::string bytes, std::string content_type = "");
  // text/plain; charset=utf-8.
  RequestOptions& text(std::string utf8);
  // application/x-www-form-urlencoded.
  RequestOptions& form(Params fields);
  // application/json, from JSON text already serialised.
  RequestOptions& json_text(std::string json);
  // application/json, serialised compactly (json/node.hpp, json/writer.hpp):
  //   aio::json::Object body{{"name", "Zoë"}, {"ids", aio::json::Array{1, 2}}};
  //   auto r = co_await session.post(url, RequestOptions().json(body));
  // (build the literal in its own statement: g++ 12 does not compile a
  // braced list inside a co_await statement). Throws aio::json::JsonError
  // for a string that is not UTF-8, a NaN or infinity, an unfinished Writer.
  RequestOptions& json(const aio::json::Node& value);
  RequestOptions& json(const aio::json::Object& value);
  RequestOptions& json(const aio::json::Array& value);
  RequestOptions& json(const aio::json::Writer& writer);
  // A streamed body from a generator (body_source.hpp), sent chunked; it
  // cannot follow a 307/308 or be retried.
  RequestOptions& stream(BodyGenerator next, std::string content_type = "");
  // The bytes of a file, streamed from disk in pieces while they are sent
  // (never read whole into memory). A regular file is sent with its size
  // as Content-Length and can be replayed; a pipe or terminal is sent
  // chunked, once. The file is opened when the request starts: a file that
  // cannot be opened or read throws ClientError (Errc::body_read_failed).
  // content_type empty: application/octet-stream.
  RequestOptions& file(std::string path, std::string content_type = "");
  // The same from an open descriptor, read from where it stands (0: stdin);
  // it stays the caller's and must stay open until the request ends.
  RequestOptions& file(int fd, std::string content_type = "");
  // A multipart/form-data body (form_data.hpp).
  RequestOptions& multipart(FormData form);
  RequestOptions& timeout(Timeout t);
  RequestOptions& allow_redirects(bool follow);
  RequestOptions& max_redirects(int n);
  RequestOptions& raise_for_status(bool raise);
  // https://: false skips certificate and hostname verification for this
  // request only (aiohttp's ssl=False, curl's -k); true verifies even when
  // the session does not. Unverified connections are pooled apart.
  RequestOptions& verify_tls(bool verify);

 private:
  friend class Session;
  Headers headers_;
  Params params_;
  std::optional<std::string> body_;
  std::string content_type_;
  // Makes the streamed body when the request starts (and may set the
  // Content-Type: a multipart boundary is final only then).
  std::function<std::unique_ptr<BodySource>(std::string& content_type)> source_;
  std::optional<Timeout> timeout_;
  std::optional<bool> follow_;
  std::optional<int> max_redirects_;
  std::optional<bool> raise_;
  std::optional<bool> verify_;
};

}  // namespace aio::http
