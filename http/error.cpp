#include "error.hpp"

namespace aio::http {
namespace {

class HttpCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "aio.http"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::connect_failed: return "cannot connect";
      case Errc::resolve_failed: return "cannot resolve host";
      case Errc::server_disconnected: return "server disconnected";
      case Errc::empty_reply: return "empty reply from server";
      case Errc::send_failed: return "failure sending the request";
      case Errc::receive_failed: return "failure receiving the response";
      case Errc::connect_timeout: return "connect timeout";
      case Errc::read_timeout: return "read timeout";
      case Errc::total_timeout: return "total timeout";
      case Errc::pool_timeout: return "timeout waiting for a connection";
      case Errc::tls_handshake_timeout: return "TLS handshake timeout";
      case Errc::write_timeout: return "write timeout";
      case Errc::bad_status: return "HTTP error status";
      case Errc::truncated_body: return "truncated body";
      case Errc::bad_body: return "malformed body";
      case Errc::bad_encoding: return "bad content encoding";
      case Errc::malformed_response: return "malformed response";
      case Errc::invalid_url: return "invalid URL";
      case Errc::invalid_argument: return "invalid argument";
      case Errc::too_many_redirects: return "too many redirects";
      case Errc::tls_failed: return "TLS failure";
      case Errc::certificate_invalid: return "certificate verification failed";
      case Errc::session_closed: return "session closed";
      case Errc::body_read_failed: return "cannot read the request body";
      case Errc::body_not_replayable: return "the request body cannot be sent again";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& http_category() noexcept {
  static const HttpCategory category;
  return category;
}

}  // namespace aio::http
