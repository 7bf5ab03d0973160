// The demo routes: what `aiocpp demo` serves and the benchmarks and tests
// fetch. httpbin's spirit, with every size and delay capped so that a
// request cannot make the server allocate or wait without bound.
//
//   GET  /                 a plain-text index of these routes
//   GET  /hello            text/plain "Hello, world!" (13 bytes)
//   GET  /json             a small JSON document (~600 bytes)
//   GET  /bytes/N          N bytes of application/octet-stream (N <= 64 MiB)
//   GET  /delay/MS         "delayed MS ms" after MS milliseconds (MS <= 60000)
//   *    /status/CODE      status CODE (200..599) with a tiny text body
//   GET  /redirect/N       302 to /redirect/N-1 ... /redirect/1 302 to /hello:
//                          N hops, then /hello (/redirect/0 is /hello itself;
//                          N <= 100); each 302 has a one-line text body
//   GET  /stream/N         N lines "line i\n", one chunk each, chunked framing
//                          (N <= 100000)
//   *    /echo             a JSON object describing the request: method,
//                          path, query, version, headers (lowercased names,
//                          repeats joined with ", "), body_length, and body
//                          when it is at most 64 KiB
//
// Numbers over their cap are clamped to it; a path segment that is not a
// number gets 400. JSON strings are escaped by hand: valid UTF-8 passes
// through, control characters are \u-escaped, and each byte of an invalid
// UTF-8 sequence is written as the code point of that byte (\u0080..\u00ff),
// so /echo always answers valid JSON.
#pragma once

#include <string>
#include <string_view>

#include "server.hpp"

namespace aio::http {

void add_demo_routes(Server& server);

// Appends `s` to `out` as a JSON string literal (quotes included), escaped
// as described above.
void append_json_string(std::string& out, std::string_view s);

}  // namespace aio::http
