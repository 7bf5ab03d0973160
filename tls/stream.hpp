// aio::tls::TlsStream: a ByteStream that runs an Engine over a TcpStream.
// The HTTP layer reads and writes plaintext through it and does not know
// TLS is there.
//
//   auto cfg = aio::tls::Config::client({});                 // once per session
//   aio::TcpStream tcp = co_await aio::TcpStream::connect(addr);
//   std::unique_ptr<aio::tls::TlsStream> s =
//       co_await aio::tls::connect(std::move(tcp), cfg, "example.com", 443, &cache);
//
// Reading (ByteStream::read): decrypted bytes buffered in the stream (at
// least one), pulling everything mbedTLS holds before waiting on the socket
// (mbedtls_ssl_check_pending); an empty span once the peer's close_notify
// arrived (a clean end). End of stream WITHOUT close_notify is not a clean
// end (the bytes may have been cut by an attacker or a crash): read()
// throws aio::IoError with code UV_EOF — TcpStream never throws UV_EOF, so
// that code means exactly this. The HTTP layer turns it into PayloadError
// for a body (REQ-TLS) and into ServerDisconnectedError before a response.
//
// Writing: the buffers are coalesced into records of up to 16 KiB; a
// record mbedTLS could not hand over (want_write) is retried with the same
// bytes after the output was sent.
//
// Errors after the handshake (a bad record, a fatal alert) throw
// aio::IoError with code UV_EPROTO and mbedTLS's text: like a reset TCP
// connection, curl's 55/56. Errors during the handshake throw
// tls::TlsError / tls::CertificateError (a TCP failure during the handshake
// included).
//
// One operation at a time: read() and write() must not overlap (the HTTP
// layer never overlaps them on a connection). close() sends close_notify
// when it can without waiting (a non-blocking send), then closes the TCP
// stream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "../runtime/stream.hpp"
#include "../runtime/task.hpp"
#include "../runtime/tcp.hpp"
#include "engine.hpp"
#include "session_cache.hpp"

namespace aio::tls {

class TlsStream final : public ByteStream {
 public:
  TlsStream(TcpStream tcp, Engine engine);
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;
  ~TlsStream() override;

  // Runs the handshake to its end (both roles). Throws TlsError /
  // CertificateError. The stream must outlive the task.
  Task<void> handshake();

  Task<std::span<const char>> read() override;
  std::span<const char> buffered() const noexcept override;
  void consume(std::size_t n) noexcept override;
  // Decrypts straight into `dst` (mbedtls_ssl_read's output is the
  // caller's memory) once the stream's plaintext buffer is empty.
  Task<std::size_t> read_into(std::span<char> dst) override;
  Task<void> write(std::span<const uv_buf_t> bufs) override;
  void close() noexcept override;
  bool is_open() const noexcept override { return tcp_.is_open(); }
  bool idle_healthy() const noexcept override;
  Address peer_address() const noexcept override { return tcp_.peer_address(); }

  // Sends close_notify and waits until it is written (then close()).
  Task<void> shutdown();

  Engine& engine() noexcept { return engine_; }
  const Engine& engine() const noexcept { return engine_; }
  TcpStream& tcp() noexcept { return tcp_; }

 private:
  Task<void> flush();
  Task<void> fill();
  Status pull();
  Status pull_into(std::span<char> dst, std::size_t& n);
  void send_now() noexcept;

  TcpStream tcp_;
  Engine engine_;
  std::unique_ptr<char[]> plain_;  // decrypted, [phead_, ptail_) unread
  std::size_t phead_ = 0;
  std::size_t ptail_ = 0;
  std::string wbuf_;   // ciphertext being written to TCP
  std::string stage_;  // plaintext coalesced into one record
  bool writing_ = false;
};

// Client side: TLS over `tcp` to `host` (name or IP literal) at `port`.
// Offers the session `cache` holds for this origin and config (cache may be
// null), stores the new one after the handshake, and forgets the old one
// when the handshake fails. Throws TlsError / CertificateError.
Task<std::unique_ptr<TlsStream>> connect(TcpStream tcp, std::shared_ptr<const Config> config,
                                         std::string host, std::uint16_t port, SessionCache* cache);

}  // namespace aio::tls
