#include "error.hpp"

#include <mbedtls/error.h>

#include <cstdio>

namespace aio::tls {
namespace {

class TlsCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "aio.tls"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::config:
        return "TLS configuration error";
      case Errc::handshake_failed:
        return "TLS handshake failed";
      case Errc::alert:
        return "TLS alert from the peer";
      case Errc::certificate_invalid:
        return "certificate verification failed";
      case Errc::closed_without_notify:
        return "TLS connection closed without close_notify";
      case Errc::protocol:
        return "TLS protocol error";
    }
    return "unknown TLS error";
  }
};

}  // namespace

const std::error_category& tls_category() noexcept {
  static const TlsCategory category;
  return category;
}

std::string mbedtls_message(int code) {
  char text[160];
  mbedtls_strerror(code, text, sizeof text);
  char hex[24];
  std::snprintf(hex, sizeof hex, " (-0x%04X)", static_cast<unsigned>(-code));
  return std::string(text) + hex;
}

}  // namespace aio::tls
