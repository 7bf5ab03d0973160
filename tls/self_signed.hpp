// A throwaway self-signed certificate for local servers (aiocpp serve --tls):
// an EC P-256 key and a certificate valid for `localhost`, 127.0.0.1 and ::1
// (as subjectAltNames), for ten years. Clients must trust it explicitly
// (--cacert with the printed PEM, or -k).
#pragma once

#include <string>

namespace aio::tls {

struct SelfSigned {
  std::string cert_pem;
  std::string key_pem;
};

// Throws TlsError when mbedTLS fails.
SelfSigned make_self_signed();

}  // namespace aio::tls
