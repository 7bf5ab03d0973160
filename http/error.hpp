// The HTTP client's errors, mirroring aiohttp's tree.
//
//   aio::Error
//   └── ClientError
//       ├── ConnectorError          DNS failure, refused, unreachable   (curl 6 / 7)
//       ├── ServerDisconnectedError  the peer closed or reset           (curl 52 / 55 / 56)
//       ├── TimeoutError            also an aio::TimeoutError           (curl 28)
//       ├── ResponseError           status >= 400 via raise_for_status  (curl 22)
//       ├── PayloadError            bad or truncated body, bad encoding (curl 18 / 56 / 61)
//       ├── ContentTypeError        json() of a non-JSON Content-Type (also an aio::json::JsonError)
//       ├── ProtocolError           malformed response head or framing  (curl 8)
//       ├── InvalidUrl              unparsable or unsupported URL       (curl 3)
//       ├── TooManyRedirects                                            (curl 47)
//       └── TlsError                handshake failure, alert            (curl 35)
//           └── CertificateError    verification failed                 (curl 60)
//
// Cancellation is aio::CancelledError. Every error carries an
// aio::http::Errc code (category "aio.http") or a libuv code, and a message
// that names the method, the URL and what failed.
#pragma once

#include <string>
#include <system_error>

#include "../json/error.hpp"
#include "../runtime/error.hpp"

namespace aio::http {

enum class Errc {
  connect_failed = 1,   // ConnectorError
  resolve_failed,       // ConnectorError
  server_disconnected,  // ServerDisconnectedError: EOF before a full response
  empty_reply,          // ServerDisconnectedError: EOF before any byte
  send_failed,          // ServerDisconnectedError: reset while writing
  receive_failed,       // ServerDisconnectedError: reset while reading
  connect_timeout,      // TimeoutError
  read_timeout,         // TimeoutError
  total_timeout,        // TimeoutError
  pool_timeout,         // TimeoutError
  tls_handshake_timeout,  // TimeoutError
  write_timeout,        // TimeoutError
  bad_status,           // ResponseError
  truncated_body,       // PayloadError
  bad_body,             // PayloadError (chunk framing, size limit)
  bad_encoding,         // PayloadError (content encoding)
  malformed_response,   // ProtocolError
  invalid_url,          // InvalidUrl
  invalid_argument,     // InvalidUrl / ClientError: CR/LF/NUL in a header, bad body framing
  too_many_redirects,   // TooManyRedirects
  tls_failed,           // TlsError
  certificate_invalid,  // CertificateError
  session_closed,       // ClientError: the session was closed
  body_read_failed,     // ClientError: the request body's file cannot be read
  body_not_replayable,  // ClientError: a 307/308 needs a streamed body sent again
};
const std::error_category& http_category() noexcept;
inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), http_category()};
}

class ClientError : public virtual Error {
 public:
  ClientError(std::error_code code, std::string message) : Error(code, std::move(message)) {}

 protected:
  ClientError() = default;
};

#define AIO_HTTP_ERROR(Name, Base)                                                 \
  class Name : public Base {                                                       \
   public:                                                                         \
    Name(std::error_code code, std::string message) : Error(code, std::move(message)) {} \
                                                                                   \
   protected:                                                                      \
    Name() = default;                                                              \
  }

AIO_HTTP_ERROR(ConnectorError, ClientError);
AIO_HTTP_ERROR(ServerDisconnectedError, ClientError);
AIO_HTTP_ERROR(PayloadError, ClientError);
AIO_HTTP_ERROR(ProtocolError, ClientError);
AIO_HTTP_ERROR(InvalidUrl, ClientError);
AIO_HTTP_ERROR(TooManyRedirects, ClientError);
AIO_HTTP_ERROR(TlsError, ClientError);
AIO_HTTP_ERROR(CertificateError, TlsError);

#undef AIO_HTTP_ERROR

// A deadline of the HTTP client passed; also an aio::TimeoutError.
class TimeoutError : public aio::TimeoutError, public ClientError {
 public:
  TimeoutError(std::error_code code, std::string message) : Error(code, std::move(message)) {}
};

// Response::json() of a response whose Content-Type is not JSON (aiohttp's
// ContentTypeError). Also an aio::json::JsonError, code
// aio::json::Errc::unexpected_content_type: one catch of JsonError covers
// every way json() refuses a body's content.
class ContentTypeError : public ClientError, public aio::json::JsonError {
 public:
  explicit ContentTypeError(std::string message)
      : Error(aio::json::make_error_code(aio::json::Errc::unexpected_content_type), std::move(message)) {}
};

// raise_for_status() on a status >= 400.
class ResponseError : public ClientError {
 public:
  ResponseError(int status, std::string message)
      : Error(make_error_code(Errc::bad_status), std::move(message)), status_(status) {}
  int status() const noexcept { return status_; }

 private:
  int status_;
};

}  // namespace aio::http

template <>
struct std::is_error_code_enum<aio::http::Errc> : std::true_type {};
