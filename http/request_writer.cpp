#include "request_writer.hpp"

#include <charconv>

#include "error.hpp"

namespace aio::http {

namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw ClientError(make_error_code(Errc::invalid_argument), what);
}

}  // namespace

bool method_expects_body(std::string_view m) noexcept { return m == "POST" || m == "PUT" || m == "PATCH"; }

void validate_request(std::string_view method, const Headers& headers, BodyFraming framing,
                      std::uint64_t content_length) {
  if (!is_token(method)) invalid("invalid HTTP method '" + std::string(method) + "'");
  for (const auto& [name, value] : headers) {
    if (!is_token(name)) invalid("invalid header name '" + std::string(name) + "'");
    if (!is_valid_field_value(value)) invalid("invalid character in the value of header '" + std::string(name) + "'");
  }
  auto lengths = headers.get_all("Content-Length");
  bool has_te = headers.contains("Transfer-Encoding");
  if (lengths.size() > 1) invalid("several Content-Length headers");
  if (has_te && !lengths.empty()) invalid("Transfer-Encoding and Content-Length together");
  if (!lengths.empty()) {
    std::string_view v = lengths.front();
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size()) invalid("invalid Content-Length '" + std::string(v) + "'");
    if (framing == BodyFraming::chunked) invalid("Content-Length set for a streamed body");
    std::uint64_t actual = framing == BodyFraming::sized ? content_length : 0;
    if (n != actual)
      invalid("Content-Length " + std::string(v) + " does not match the body size " + std::to_string(actual));
  }
  if (has_te && framing != BodyFraming::chunked) invalid("Transfer-Encoding set for a body that is not streamed");
}

void write_request_head(std::string& out, std::string_view method, std::string_view target,
                        std::string_view host, const Headers& headers, BodyFraming framing,
                        std::uint64_t content_length) {
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  if (!headers.contains("Host")) out.append("Host: ").append(host).append("\r\n");
  for (const auto& [name, value] : headers) out.append(name).append(": ").append(value).append("\r\n");
  switch (framing) {
    case BodyFraming::sized:
      if (!headers.contains("Content-Length")) {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, content_length);
        out.append("Content-Length: ").append(buf, r.ptr).append("\r\n");
      }
      break;
    case BodyFraming::chunked:
      if (!headers.contains("Transfer-Encoding")) out.append("Transfer-Encoding: chunked\r\n");
      break;
    case BodyFraming::none:
      if (method_expects_body(method) && !headers.contains("Content-Length")) out.append("Content-Length: 0\r\n");
      break;
  }
  out.append("\r\n");
}

std::string chunk_header(std::size_t size) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, size, 16);
  std::string s(buf, r.ptr);
  s.append("\r\n");
  return s;
}

}  // namespace aio::http
