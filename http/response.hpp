// aio::http::Response: the status and headers of a response, and its body
// read on demand (aiohttp's ClientResponse).
//
//   aio::http::Response r = co_await session.get(url);
//   r.raise_for_status();
//   std::string body = co_await r.text();
//
// The body is read from the connection as the caller asks for it: read(),
// text() and json() read it all, up to the session's
// max_body_size; read_chunk() streams it piece by piece with back-pressure.
// The connection goes back to the pool when the body has been read to its
// end; a response destroyed or release()d before that closes its connection
// instead (HOSTILE.md REQ-POOL). The total timeout covers the body too.
//
// A Response must not outlive its Session, and its member coroutines need
// the Response alive until they complete.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../json/document.hpp"
#include "../runtime/task.hpp"
#include "detail/target.hpp"
#include "headers.hpp"
#include "url.hpp"

namespace aio::http {

namespace detail {
struct BodyState;
}

// Options of Response::json(). A class with setters, so that building it
// inside a co_await statement is safe on g++ 12 (TOOLCHAIN.md §2):
//   auto doc = co_await r.json(aio::http::JsonOptions().content_type_check(false));
class JsonOptions {
 public:
  JsonOptions() = default;
  // false: parse whatever the Content-Type says (aiohttp's content_type=None).
  JsonOptions& content_type_check(bool check) noexcept {
    check_ = check;
    return *this;
  }
  bool content_type_check() const noexcept { return check_; }
  // Nesting limit (json/document.hpp); default 1024.
  JsonOptions& max_depth(std::size_t depth) noexcept {
    parse_.max_depth(depth);
    return *this;
  }
  const aio::json::ParseOptions& parse_options() const noexcept { return parse_; }

 private:
  bool check_ = true;
  aio::json::ParseOptions parse_;
};

class Response {
 public:
  Response();
  Response(Response&&) noexcept;
  Response& operator=(Response&&) noexcept;
  ~Response();

  int status() const noexcept { return status_; }
  const std::string& reason() const noexcept { return reason_; }
  const Headers& headers() const noexcept { return headers_; }
  // The URL that answered (after redirects).
  const Url& url() const noexcept;
  const std::string& method() const noexcept { return method_; }
  // Responses to the redirects that led here, oldest first (bodies released).
  const std::vector<Response>& history() const noexcept { return history_; }
  int version_minor() const noexcept { return version_minor_; }
  // The request head as sent (request line, every header, blank line), when
  // the session's keep_request_head is on; empty otherwise.
  const std::string& request_head() const noexcept { return request_head_; }

  bool ok() const noexcept { return status_ < 400; }
  // Throws ResponseError when status >= 400; its message names the method,
  // URL, status and reason.
  void raise_for_status() const;

  std::optional<std::int64_t> content_length() const;
  // The media type of Content-Type, lowercased, without parameters.
  std::string content_type() const;
  // The charset parameter of Content-Type, lowercased ("" when absent).
  std::string charset() const;

  // The whole (decoded) body. Throws PayloadError when it is truncated,
  // malformed or larger than the session's max_body_size.
  Task<std::string> read();
  // The body as UTF-8 text: charset from Content-Type (UTF-8 by default;
  // ISO-8859-1 is converted; other charsets are returned as received).
  Task<std::string> text();
  // The body parsed as JSON (http/response_json.cpp). Like aiohttp's
  // json(): unless options.content_type_check(false), a Content-Type other
  // than application/json or a +json type (application/problem+json, ...)
  // throws ContentTypeError (a ClientError and an aio::json::JsonError)
  // before any body byte is read: the body is left for text() to show. The
  // decoded body is read straight into the Document's padded buffer, one
  // allocation when Content-Length is known; max_body_size applies before
  // parsing (PayloadError, at once for a Content-Length over it). A body that
  // is not JSON, nested deeper than max_depth or not UTF-8 throws
  // aio::json::JsonError with the byte offset, its message naming the
  // request. The Document owns its memory and outlives the Response freely.
  Task<aio::json::Document> json(JsonOptions options = JsonOptions());
  // The next piece of the decoded body; an empty view at the end. The view
  // is valid until the next call or until the Response goes away.
  Task<std::string_view> read_chunk();
  // Reads and discards the rest of the body, so that the connection can go
  // back to the pool.
  Task<void> drain();

  // True once the body has been read to its end.
  bool body_complete() const noexcept;
  // Gives the connection back if the body was read to the end; otherwise
  // closes it. The body cannot be read afterwards.
  void release() noexcept;

 private:
  friend class Session;
  // Reads and drops up to `limit` bytes of body so the connection can be
  // reused (redirects); closes it instead when there is more or it fails.
  Task<void> discard(std::size_t limit);
  // The message ended: give the connection back (reusable if it may be).
  void finish_body() noexcept;
  // Throws the PayloadError for a failed body read, after release().
  [[noreturn]] void body_read_failed(const aio::IoError& e);
  // One read of Content-Length body bytes straight into `dst` (its size at
  // most what the body has left; nothing buffered in the transport): the
  // socket read, or the TLS decryption, writes there, and the parser is fed
  // the same bytes in place. Returns how many (0: the peer closed first, and
  // the parser has failed with the truncation). A read error throws
  // PayloadError naming the request; a timeout throws as timed() does.
  Task<std::size_t> read_body_direct(std::span<char> dst);
  // json()'s common case, identity coding with Content-Length framing: the
  // rest of the body read straight into `buf` (ByteStream::read_into); the
  // parser is fed the same bytes in place, so it still sees the message end
  // (keep-alive) or its truncation. `buf` lives in json()'s frame.
  Task<void> read_body_into(aio::json::PaddedBuffer& buf, std::uint64_t rest);

  int status_ = 0;
  int version_minor_ = 1;
  std::string reason_;
  std::string method_;
  std::string request_head_;
  Headers headers_;
  std::shared_ptr<const detail::Target> target_;  // shared with the request: no copy
  std::vector<Response> history_;
  std::unique_ptr<detail::BodyState> body_;
};

}  // namespace aio::http
