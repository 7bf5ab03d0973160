// TLS settings of a client (aio::http::SessionOptions::tls) and of a server
// (tests, the embedded server). Plain aggregates: every member has a
// default, so designated initialisers may name only what they change:
//
//   aio::http::Session s({.tls = {.ca_file = "ca.pem"}});
//
// (Build an options value in its own statement, not inside a co_await
// expression: TOOLCHAIN.md §2.)
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace aio::tls {

struct ClientOptions {
  // Verify the server's certificate chain and name. false is insecure (any
  // certificate, any name: curl's -k) and must be asked for explicitly.
  bool verify = true;
  // Trust anchors (PEM). Neither set: the system bundle, $SSL_CERT_FILE or
  // /etc/ssl/certs/ca-certificates.crt, parsed once per process and shared.
  // Either set: only these (both set: both), as curl's --cacert does.
  std::string ca_file{};
  std::string ca_pem{};
  // A client certificate (PEM, the leaf first, then intermediates) and its
  // private key (PEM or DER, PKCS#1/SEC1/PKCS#8), from a file or in memory:
  // sent when the server asks (mTLS).
  std::string cert_file{};
  std::string key_file{};
  std::string cert_pem{};
  std::string key_pem{};
  std::string key_password{};
  // Resume sessions (TLS 1.2 session tickets / IDs) per origin.
  bool session_resumption = true;
  // The TLS handshake's own limit (besides what is left of the connect
  // budget and the total timeout). std::nullopt: no limit of its own.
  std::optional<std::chrono::milliseconds> handshake_timeout{};
};

struct ServerOptions {
  // The server's certificate chain and key (PEM), from files or memory.
  std::string cert_file{};
  std::string key_file{};
  std::string cert_pem{};
  std::string key_pem{};
  // Client certificates: trusted issuers (PEM); with require_client_cert a
  // client without a valid certificate fails the handshake, without it the
  // certificate is asked for but optional.
  std::string client_ca_file{};
  std::string client_ca_pem{};
  bool require_client_cert = false;
  // Issue RFC 5077 session tickets (AES-256-GCM keys made at start-up).
  bool session_tickets = true;
};

}  // namespace aio::tls
