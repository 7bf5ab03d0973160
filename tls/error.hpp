// aio::tls errors: one enum (category "aio.tls") and two exceptions.
//
//   aio::Error
//   └── tls::TlsError           handshake failure, fatal alert, bad configuration
//       └── tls::CertificateError   the peer's certificate failed verification
//
// The tls module does not know about HTTP: aio::http::Session turns these
// into aio::http::TlsError / aio::http::CertificateError (curl's 35 / 60),
// adding the request to the message.
//
// After the handshake, a TlsStream reports failures as aio::IoError (what
// the HTTP layer already handles for TCP): see stream.hpp.
#pragma once

#include <string>
#include <system_error>

#include "../runtime/error.hpp"

namespace aio::tls {

enum class Errc {
  config = 1,             // a CA file, certificate or key cannot be loaded
  handshake_failed,       // the handshake failed (mbedTLS error, peer closed)
  alert,                  // the peer sent a fatal alert
  certificate_invalid,    // CertificateError: the chain or the name did not verify
  closed_without_notify,  // the transport ended without close_notify (truncation)
  protocol,               // a record-layer failure after the handshake
};
const std::error_category& tls_category() noexcept;
inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), tls_category()};
}

class TlsError : public virtual Error {
 public:
  TlsError(std::error_code code, std::string message) : Error(code, std::move(message)) {}

 protected:
  TlsError() = default;
};

// Verification failed. reason() is the short cause ("certificate has
// expired", "hostname mismatch: ...", "unknown issuer", "self-signed
// certificate", ...); what() is "certificate verification failed: <reason>".
class CertificateError : public TlsError {
 public:
  CertificateError(std::string reason, unsigned flags)
      : Error(make_error_code(Errc::certificate_invalid),
              "certificate verification failed: " + reason),
        reason_(std::move(reason)),
        flags_(flags) {}
  const std::string& reason() const noexcept { return reason_; }
  // mbedTLS's MBEDTLS_X509_BADCERT_* bits (after aiocpp's own name checks).
  unsigned flags() const noexcept { return flags_; }

 private:
  std::string reason_;
  unsigned flags_;
};

// mbedTLS's text for an error code ("SSL - ..."), with the code in hex.
std::string mbedtls_message(int code);

}  // namespace aio::tls

template <>
struct std::is_error_code_enum<aio::tls::Errc> : std::true_type {};
