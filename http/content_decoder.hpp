// aio::http::ContentDecoder: undoes a response's Content-Encoding (gzip,
// deflate) as the body streams in, with the decoded size capped.
//
//   ContentDecoder dec(response_headers["Content-Encoding"], 64 << 20);
//   std::string body;
//   for (each chunk of the body as received) dec.feed(chunk, body);
//   dec.finish(body);   // at the end of the body
//
// Codings are listed in the order the server applied them and undone in
// reverse. Accepted (case-insensitive, OWS around commas, empty list elements
// skipped): "gzip", "x-gzip", "deflate", "identity"; at most kMaxCodings of
// them (identity included).
//
// - gzip: several concatenated members decode as one body (as gunzip does);
//   anything after the last member that is not another member is an error.
// - deflate: RFC 9110 means the zlib format (RFC 1950), but some servers send
//   raw deflate (RFC 1951). As curl and browsers do, a body whose first two
//   bytes are not a valid zlib header is decoded as raw deflate. Bytes after
//   the end of the stream are an error.
// - An empty body is accepted whatever the codings (decodes to nothing).
//
// Memory stays bounded whatever the input: each coding inflates into a
// 16 KiB buffer that is passed on before it inflates more, and `out` grows by
// at most max_output bytes in all. Every intermediate stage (the outer gzip
// of "gzip, gzip") is capped at max_output plus a compression slack too, so a
// nested bomb that expands into padding costs bounded time as well.
//
// Errors are PayloadError and sticky: after one, feed() and finish() throw
// again. The decoder is move-only; zlib state lives on the heap.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace aio::http {

class ContentDecoder {
 public:
  static constexpr size_t kMaxCodings = 5;

  // Parses a Content-Encoding field value ("" is identity). Throws
  // PayloadError(Errc::bad_encoding) for an unknown coding (br, compress,
  // zstd, ...) or more than kMaxCodings codings. max_output caps the decoded
  // body in bytes; an identity decoder applies it too.
  ContentDecoder(std::string_view content_encoding, size_t max_output);
  ~ContentDecoder();
  ContentDecoder(ContentDecoder&&) noexcept;
  ContentDecoder& operator=(ContentDecoder&&) noexcept;

  // True when there is nothing to decode: feed() appends its input unchanged.
  bool identity() const noexcept { return stages_.empty(); }

  // Decodes `in` (any split of the body, down to single bytes), appending the
  // decoded bytes to `out`. Throws PayloadError(Errc::bad_encoding) on corrupt
  // data or bytes after the end of the stream, and PayloadError(Errc::bad_body)
  // as soon as the decoded size would exceed max_output (`out` never receives
  // more than max_output bytes from this decoder).
  void feed(std::string_view in, std::string& out);

  // At the end of the body: throws PayloadError(Errc::bad_encoding) when a
  // stream is incomplete (a truncated gzip or deflate body).
  void finish(std::string& out);

  // Decoded bytes appended so far.
  size_t decoded_size() const noexcept { return produced_; }

 private:
  struct Stage;
  void push(size_t index, const unsigned char* data, size_t size, std::string& out);
  void emit(const unsigned char* data, size_t size, std::string& out);
  [[noreturn]] void fail(Errc code, std::string message);
  void check_failed() const;

  std::vector<std::unique_ptr<Stage>> stages_;  // in decoding order
  size_t max_output_;
  size_t produced_ = 0;
  Errc failed_{};  // the code of a sticky failure; Errc{} (0) when none
  std::string failure_;
};

}  // namespace aio::http
