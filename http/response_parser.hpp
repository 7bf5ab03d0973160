// aio::http::ResponseParser: llhttp wrapped as a passive state machine for
// one HTTP/1.x response at a time, with the limits and framing policy of
// HOSTILE.md that llhttp 8.1 does not enforce itself.
//
// Use: reset() before each response, then feed() the bytes read from the
// connection; feed() returns how many it consumed and stops early when the
// head completes (state() becomes body) and when the message completes
// (state() becomes done): bytes it did not consume are not part of this
// response. Body bytes (still transfer-encoded by Content-Encoding, but with
// chunked framing removed) are appended to the string given to feed(). At
// end of stream call finish(): it completes a close-delimited body, or
// reports the truncation. Errors are values (error(), error_detail()); the
// caller turns them into exceptions naming the request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "error.hpp"
#include "headers.hpp"

namespace aio::http {

struct ResponseLimits {
  std::size_t max_head_bytes = 64 * 1024;  // status line + fields, across 1xx responses
  std::size_t max_header_count = 128;
  std::size_t max_line_bytes = 16 * 1024;  // one field line (name + value) or the status line
  std::size_t max_trailer_bytes = 4 * 1024;
};

class ResponseParser {
 public:
  enum class State { head, body, done, failed };

  explicit ResponseParser(ResponseLimits limits = {});
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Prepares for the next response. `head_request`: the request was HEAD, so
  // the response has no body whatever its headers say.
  void reset(bool head_request);

  // Parses `data`; returns the bytes consumed. Body bytes go to `*body`;
  // with `body` null they are counted and checked, not copied (the caller
  // keeps them where they are: Response::json() reads a Content-Length body
  // straight into its buffer and feeds the parser those same bytes).
  std::size_t feed(std::string_view data, std::string* body);

  // In state body with Content-Length framing: the body bytes still to
  // come (those bytes, fed, end the message). Otherwise nullopt (chunked,
  // close-delimited, or not in the body).
  std::optional<std::uint64_t> length_remaining() const noexcept;

  // The peer closed the stream. Completes a close-delimited body (state
  // done) or fails with the truncation.
  void finish();

  State state() const noexcept { return state_; }
  bool head_complete() const noexcept { return state_ == State::body || state_ == State::done; }
  // Any byte of this response (or of a 1xx before it) arrived.
  bool started() const noexcept { return bytes_seen_ > 0; }

  int status() const noexcept { return status_; }
  const std::string& reason() const noexcept { return reason_; }
  int version_minor() const noexcept { return version_minor_; }
  const Headers& headers() const noexcept { return headers_; }
  Headers take_headers() noexcept { return std::move(headers_); }

  // The body is delimited by the connection closing (no length, no chunks).
  bool close_delimited() const noexcept { return close_delimited_; }
  // Content-Length, when the response has one.
  std::int64_t content_length() const noexcept { return content_length_; }
  // After done: the connection may carry another request.
  bool keep_alive() const noexcept { return keep_alive_; }

  // After failed: what went wrong.
  Errc error() const noexcept { return error_; }
  const std::string& error_detail() const noexcept { return error_detail_; }

 private:
  struct Callbacks;
  friend struct Callbacks;
  int fail(Errc e, std::string detail) noexcept;
  int check_head_budget(const char* at, std::size_t len) noexcept;
  int end_field() noexcept;
  int check_chunk_crlf(const char* from) noexcept;
  int on_headers_complete() noexcept;
  int validate_framing() noexcept;

  struct Impl;
  std::unique_ptr<Impl> impl_;  // llhttp_t (kept out of this header)
  ResponseLimits limits_;
  State state_ = State::head;
  bool head_request_ = false;
  bool informational_ = false;
  bool in_trailers_ = false;
  bool in_value_ = false;
  bool close_delimited_ = false;
  bool keep_alive_ = false;
  int status_ = 0;
  int version_minor_ = 1;
  std::int64_t content_length_ = -1;
  std::size_t bytes_seen_ = 0;
  std::size_t head_bytes_ = 0;     // consumed in earlier feed() calls while in head
  std::size_t trailer_bytes_ = 0;
  std::size_t line_bytes_ = 0;
  const char* feed_start_ = nullptr;
  const char* feed_end_ = nullptr;
  std::uint64_t chunk_left_ = 0;  // data bytes left in the current chunk
  int crlf_pending_ = 0;          // bytes of the CRLF after a chunk still to check
  std::string* body_ = nullptr;
  std::string reason_;
  std::string field_;
  std::string value_;
  Headers headers_;
  Errc error_ = Errc::malformed_response;
  std::string error_detail_;
};

}  // namespace aio::http
