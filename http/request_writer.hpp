// Serialises an HTTP/1.1 request head, refusing what could smuggle a second
// request onto the wire (HOSTILE.md REQ-INJ): CR, LF, NUL or other control
// bytes in the method, target, a header name or value; a header name that
// is not a token; a user Content-Length that does not match the body; a user
// Transfer-Encoding next to a Content-Length.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "headers.hpp"

namespace aio::http {

enum class BodyFraming {
  none,     // no body: no Content-Length unless the method expects a body
  sized,    // Content-Length: n
  chunked,  // Transfer-Encoding: chunked (a streamed body of unknown size)
};

// Checks the method and every caller-supplied header. Throws ClientError
// (Errc::invalid_argument) naming what is wrong. `content_length` is the
// body's size for sized framing.
void validate_request(std::string_view method, const Headers& headers, BodyFraming framing,
                      std::uint64_t content_length);

// Appends the head to `out`: request line, Host (unless the caller set one),
// the caller's headers in order, then Content-Length / Transfer-Encoding for
// the framing (unless the caller set a matching one), and the blank line.
// Call validate_request() first.
void write_request_head(std::string& out, std::string_view method, std::string_view target,
                        std::string_view host, const Headers& headers, BodyFraming framing,
                        std::uint64_t content_length);

// Chunked framing of a streamed body: the size line before each chunk, the
// CRLF after it, and the last chunk.
std::string chunk_header(std::size_t size);

// POST, PUT and PATCH: sent without a body they say Content-Length: 0.
bool method_expects_body(std::string_view method) noexcept;
inline constexpr std::string_view kChunkEnd = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace aio::http
