// aio::tls::Config: one mbedTLS configuration (mbedtls_ssl_config with its
// trust anchors, own certificate and key), shared by every connection made
// with it. An aio::http::Session builds one, lazily, at its first https://
// request.
//
//   auto cfg = aio::tls::Config::client({.ca_file = "ca.pem"});   // throws TlsError
//   auto e = aio::tls::Engine::client(cfg, "example.com");
//
// What a client config always does: TLS 1.2 minimum (the highest mbedTLS
// 2.28 speaks), ALPN "http/1.1", session tickets on, renegotiation off,
// certificate verification required unless ClientOptions::verify is false.
// Engines made from it always set SNI and the hostname (engine.hpp).
//
// Shared, process-wide, created on first use and never reloaded:
// * the random generator: one CTR-DRBG seeded once from the system entropy
//   (mbedTLS is built with MBEDTLS_THREADING_PTHREAD: it locks inside);
// * the system CA bundle ($SSL_CERT_FILE, else
//   /etc/ssl/certs/ca-certificates.crt), parsed once (~10 ms; TOOLCHAIN.md
//   §7). A failure to load it is remembered too.
//
// A Config is immutable once made and may be used from several threads and
// loops at once. It must outlive its engines: they hold a shared_ptr to it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "options.hpp"

namespace aio::tls {

namespace detail {
struct ConfigState;
}

class Config {
 public:
  // Throw TlsError (Errc::config) naming the file and the cause when a CA
  // bundle, certificate or key cannot be loaded, or a key does not match
  // its certificate.
  static std::shared_ptr<const Config> client(const ClientOptions& options);
  static std::shared_ptr<const Config> server(const ServerOptions& options);

  Config(const Config&) = delete;
  Config& operator=(const Config&) = delete;
  ~Config();

  bool is_client() const noexcept;
  // Certificates are verified (client: always unless verify = false;
  // server: when client certificates are asked for).
  bool verifies() const noexcept;
  bool session_resumption() const noexcept;
  // Unique per Config made in this process: part of the session cache key,
  // so that a session verified under one trust setting is never resumed
  // under another (a resumed session skips verification).
  std::uint64_t id() const noexcept;
  // Where the trust anchors came from ("system:/etc/ssl/...", "file:...",
  // "memory", "none") and how many certificates they hold.
  const std::string& ca_source() const noexcept;
  int ca_count() const noexcept;

  // For the engine.
  detail::ConfigState& state() const noexcept { return *state_; }

 private:
  explicit Config(std::unique_ptr<detail::ConfigState> s) noexcept;
  std::unique_ptr<detail::ConfigState> state_;
};

// Path of the system CA bundle this process uses ($SSL_CERT_FILE or the
// Debian default).
std::string system_ca_path();

}  // namespace aio::tls
