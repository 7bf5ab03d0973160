// aio::tls::Engine: one TLS connection as a state machine with in-memory
// buffers and no I/O of its own (STYLE.md 13). The owner moves ciphertext:
//
//   feed(bytes)     ciphertext received from the peer      -> the engine
//   feed_eof()      the transport ended (TCP FIN)          -> the engine
//   take_output(s)  ciphertext to send to the peer         <- the engine
//
// and calls handshake() / read() / write(), which never block: each returns
// Status::want_read when it needs more input (feed, then call it again) or
// Status::want_write when the output buffer is at its limit (send what
// take_output gives, then call it again). A TlsStream (stream.hpp) does this
// over TCP; the tests do it between two engines in memory.
//
// The mbedTLS non-blocking contract (TOOLCHAIN.md §7), kept here:
// * the receive callback returns MBEDTLS_ERR_SSL_WANT_READ when no input is
//   buffered, and 0 (EOF) only after feed_eof();
// * after want_write, call write() again with the SAME bytes (mbedTLS may
//   already hold them in a record); a write takes at most one record
//   (16 KiB): loop on short counts;
// * plaintext can sit inside mbedTLS with no input left
//   (mbedtls_ssl_check_pending): call read() until it says want_read before
//   waiting for the transport — pending() says whether that is needed;
// * any other mbedTLS error kills the context: every later call rethrows
//   the first error.
//
// Verification (client): the hostname is always set (SNI, and the name
// mbedTLS checks); aiocpp's own check (verify.hpp) replaces mbedTLS's name
// verdict in a per-connection verify callback. A failed verification throws
// CertificateError naming the reason; other handshake failures throw
// TlsError (Errc::alert for a fatal alert from the peer, with its name).
//
// Ending: close_notify() queues our close_notify; read() returns
// Status::closed once the peer's close_notify arrived (a clean end) and
// Status::eof when the input ended without one (possible truncation). Both
// are sticky.
//
// An Engine is movable (its mbedTLS state lives on the heap), not
// thread-safe, and keeps its Config alive.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "config.hpp"

namespace aio::tls {

enum class Status {
  ok,          // done (handshake) or n bytes moved (read/write)
  want_read,   // feed more input, then call again
  want_write,  // take the output, send it, then call again (same arguments)
  closed,      // read: the peer sent close_notify
  eof,         // read: the input ended without close_notify
};

const char* to_string(Status s) noexcept;

struct IoResult {
  Status status = Status::ok;
  std::size_t n = 0;
};

// A resumable TLS session (a ticket or session ID with its master secret),
// as saved after a handshake. Opaque; shared read-only.
struct SavedSession;

class Engine {
 public:
  // A client of `host` (a DNS name or an IP literal, without brackets).
  // Throws TlsError when the config is not a client config or the name is
  // unusable (over 255 bytes).
  static Engine client(std::shared_ptr<const Config> config, std::string host);
  static Engine server(std::shared_ptr<const Config> config);

  Engine(Engine&&) noexcept;
  Engine& operator=(Engine&&) noexcept;
  ~Engine();

  // --- ciphertext ---------------------------------------------------------
  void feed(std::span<const char> bytes);
  void feed_eof() noexcept;
  // Ciphertext not consumed yet by mbedTLS.
  std::size_t input_size() const noexcept;
  // Moves all pending output into `into` (cleared first; capacities are
  // swapped, so a reused string does not reallocate).
  void take_output(std::string& into);
  std::size_t output_size() const noexcept;
  // The output buffer's limit: past it the engine says want_write (default
  // 64 KiB; at least one record always fits once the buffer was emptied).
  void set_output_limit(std::size_t bytes) noexcept;

  // --- the handshake --------------------------------------------------------
  // Runs the handshake as far as the buffered input allows. Status::ok when
  // it is complete. Throws CertificateError / TlsError.
  Status handshake();
  bool handshake_done() const noexcept;
  // Offers a saved session before the handshake (client). Returns false
  // when mbedTLS refused it (the handshake is then a full one).
  bool offer_session(const SavedSession& s) noexcept;
  // The session to resume later, after a complete handshake; null when the
  // server gave neither a ticket nor a session ID.
  std::shared_ptr<const SavedSession> save_session() const;
  // True when the completed handshake resumed a session (client).
  bool resumed() const noexcept;
  // Negotiated parameters (after the handshake): "http/1.1" or "",
  // "TLSv1.2", the ciphersuite name.
  std::string alpn() const;
  std::string version() const;
  std::string ciphersuite() const;
  // The peer's certificate subject, "" when none.
  std::string peer_subject() const;

  // --- application data ------------------------------------------------------
  // Decrypts into `into`: {ok, n > 0}, or want_read / want_write / closed /
  // eof with n = 0. Throws TlsError (Errc::alert or Errc::protocol).
  IoResult read(std::span<char> into);
  // Encrypts from `bytes` (at most one record per call): {ok, n}. After
  // want_write, call again with the same bytes. Throws TlsError.
  IoResult write(std::span<const char> bytes);
  // Queues close_notify (idempotent): ok, or want_write (send the output,
  // call again). Never throws.
  Status close_notify() noexcept;
  // Plaintext or ciphertext is buffered: read() may make progress without
  // more input.
  bool pending() const noexcept;
  // The context failed (every call rethrows) / the peer's close_notify came.
  bool failed() const noexcept;
  bool peer_closed() const noexcept;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aio::tls
