// aio::http::RequestParser: llhttp wrapped as a passive state machine for
// one HTTP/1.x request at a time, the server-side twin of ResponseParser.
// It enforces the limits and framing rules that llhttp 8.1 leaves to its
// caller, so that no request can make the server buffer more than the
// limits allow or smuggle a second request past it.
//
// Use: reset() before each request, then feed() the bytes read from the
// connection. feed() returns how many bytes it consumed and stops early
//   - when the head of a request with a body completes (state() becomes
//     body): the caller may answer `Expect: 100-continue` before the body;
//   - when the message completes (state() becomes done): bytes it did not
//     consume belong to the next, pipelined request.
// Body bytes, with chunked framing removed, are appended to the string given
// to feed(). At end of stream call finish(): a request cut short fails.
//
// Errors are values: state() becomes failed and error() / error_status()
// say what went wrong and which status the server should answer with. After
// a failure the connection cannot be trusted for another request (the
// parser no longer knows where the next one starts): answer and close.
//
// Policy (RFC 9112, and what llhttp 8.1 lets through):
//   - only HTTP/1.0 and HTTP/1.1 (others: 505);
//   - the head (request line and fields) is limited in bytes and in fields
//     (431), counted however the client splits it into segments;
//   - field names must be tokens (no space before the colon), values free of
//     control bytes; leading and trailing whitespace is trimmed from values;
//     obs-fold continuation lines are joined with a space (RFC 9112 5.2);
//   - Content-Length: digits only, once (400); with Transfer-Encoding: 400;
//     larger than max_body_bytes: 413 before any body byte is read;
//   - Transfer-Encoding: only "chunked" (anything else: 501); chunk data
//     must be followed by CRLF; a chunked body over max_body_bytes: 413;
//     chunk extensions and trailers (which are discarded) share a budget of
//     max_head_bytes plus a little per chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "headers.hpp"

namespace aio::http {

struct RequestLimits {
  std::size_t max_head_bytes = 16 * 1024;  // request line + fields (CRLFs included)
  std::size_t max_header_count = 100;
  std::size_t max_body_bytes = 16 << 20;  // after chunked framing is removed
};

// Why a request was refused. error_status() maps each to the status code.
enum class RequestErrc {
  bad_request = 1,              // 400: malformed request line, field, framing or chunk
  head_too_large,               // 431: request line + fields over max_head_bytes
  too_many_headers,             // 431: more fields than max_header_count
  body_too_large,               // 413: Content-Length or chunked body over max_body_bytes
  unsupported_transfer_coding,  // 501: a Transfer-Encoding other than "chunked"
  version_not_supported,        // 505: not HTTP/1.0 or HTTP/1.1
  truncated,                    // 400: the stream ended inside the request
};

// The HTTP status a server answers `e` with.
int status_for(RequestErrc e) noexcept;

class RequestParser {
 public:
  enum class State { head, body, done, failed };

  explicit RequestParser(RequestLimits limits = {});
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Prepares for the next request (the limits are kept).
  void reset();

  // Parses `data`; returns the bytes consumed (see above). Body bytes are
  // appended to `*body`, which must stay valid for the call only. Feeding in
  // state done or failed consumes nothing.
  std::size_t feed(std::string_view data, std::string* body);

  // The peer closed the stream: a request not yet complete fails with
  // RequestErrc::truncated (also when no byte of it arrived; check
  // started() first to tell a clean close between requests).
  void finish();

  State state() const noexcept { return state_; }
  bool head_complete() const noexcept { return state_ == State::body || state_ == State::done; }
  // Any byte of this request arrived (blank lines before it included).
  bool started() const noexcept { return bytes_seen_ > 0; }

  // Valid once the head is complete.
  const std::string& method() const noexcept { return method_; }
  const std::string& target() const noexcept { return target_; }
  int version_minor() const noexcept { return version_minor_; }
  const Headers& headers() const noexcept { return headers_; }
  Headers take_headers() noexcept { return std::move(headers_); }
  // The Content-Length, or -1 when the request has none.
  std::int64_t content_length() const noexcept { return content_length_; }
  bool chunked() const noexcept { return chunked_; }
  // The connection may carry another request after this one (HTTP/1.1
  // without `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`).
  bool keep_alive() const noexcept { return keep_alive_; }
  // The value of the Expect field ("" when absent), lowercased.
  const std::string& expect() const noexcept { return expect_; }

  // After failed: what went wrong.
  RequestErrc error() const noexcept { return error_; }
  int error_status() const noexcept { return status_for(error_); }
  const std::string& error_detail() const noexcept { return error_detail_; }

 private:
  struct Callbacks;
  friend struct Callbacks;
  int fail(RequestErrc e, std::string detail) noexcept;
  int check_head_budget(const char* at, std::size_t len) noexcept;
  int end_field() noexcept;
  int check_chunk_crlf(const char* from) noexcept;
  int on_headers_complete() noexcept;
  int validate_framing() noexcept;

  struct Impl;
  std::unique_ptr<Impl> impl_;  // llhttp_t (kept out of this header)
  RequestLimits limits_;
  State state_ = State::head;
  bool in_trailers_ = false;
  bool in_value_ = false;
  bool chunked_ = false;
  bool keep_alive_ = false;
  int version_minor_ = 1;
  std::int64_t content_length_ = -1;
  std::size_t bytes_seen_ = 0;
  std::size_t head_bytes_ = 0;     // consumed in earlier feed() calls while in head
  std::size_t framing_bytes_ = 0;  // body-state bytes that were not body data
  std::size_t chunks_ = 0;
  std::size_t body_bytes_ = 0;  // body data so far (the limit counts these)
  const char* feed_start_ = nullptr;
  const char* feed_end_ = nullptr;
  std::uint64_t chunk_left_ = 0;  // data bytes left in the current chunk
  int crlf_pending_ = 0;          // bytes of the CRLF after a chunk still to check
  std::string* body_ = nullptr;
  std::string method_;
  std::string target_;
  std::string field_;
  std::string value_;
  std::string expect_;
  Headers headers_;
  RequestErrc error_ = RequestErrc::bad_request;
  std::string error_detail_;
};

}  // namespace aio::http
