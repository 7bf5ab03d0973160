// aio::ByteStream: a byte stream as the protocols above see it. The HTTP
// layer talks to a ByteStream and does not know whether TLS (tls/) or plain
// TCP (TcpByteStream, here) is under it.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <span>

#include "address.hpp"
#include "task.hpp"
#include "tcp.hpp"

namespace aio {

// What read_into() delivered on the calling thread (every stream): bytes
// written straight into the caller's memory by the socket read (TCP) or by
// the decryption (TLS), and bytes copied there from a stream's own buffer
// (Response::json() adds the body bytes it copies from buffered() too). For
// tests and benchmarks: `direct_bytes` grows only when no copy happened.
struct ReadIntoStats {
  std::uint64_t direct_bytes = 0;
  std::uint64_t copied_bytes = 0;
};
ReadIntoStats& read_into_stats() noexcept;

class ByteStream {
 public:
  virtual ~ByteStream() = default;

  // Bytes received and not yet consumed (at least one), waiting for some
  // when none are buffered; an empty span at end of stream. Throws IoError.
  // The caller must keep the Transport alive until the task completes.
  virtual Task<std::span<const char>> read() = 0;
  virtual std::span<const char> buffered() const noexcept = 0;
  virtual void consume(std::size_t n) noexcept = 0;

  // Reads into the caller's memory: bytes already buffered are copied from
  // the buffer (and consumed) first, without waiting; otherwise it waits
  // and the transport writes into `dst` itself (TCP: the socket read lands
  // there; TLS: mbedtls_ssl_read decrypts there). Returns the bytes written
  // (1 .. dst.size()), 0 at a clean end of stream or for an empty `dst`.
  // Throws as read(). `dst` must stay valid until the task completes; a
  // cancelled read_into leaves the stream usable and writes nothing more.
  // The default reads through read() and copies.
  virtual Task<std::size_t> read_into(std::span<char> dst);

  // Writes every buffer (gathered). The bytes must outlive the task.
  virtual Task<void> write(std::span<const uv_buf_t> bufs) = 0;

  // Closes at once; pending operations end with an error.
  virtual void close() noexcept = 0;
  virtual bool is_open() const noexcept = 0;

  // An idle connection can be reused only while nothing arrived on it and
  // the peer has not closed it (a stale keep-alive connection).
  virtual bool idle_healthy() const noexcept = 0;

  virtual Address peer_address() const noexcept = 0;
};

// Plain TCP.
class TcpByteStream final : public ByteStream {
 public:
  explicit TcpByteStream(TcpStream stream) noexcept : stream_(std::move(stream)) {}
  Task<std::span<const char>> read() override;
  std::span<const char> buffered() const noexcept override { return stream_.buffered(); }
  void consume(std::size_t n) noexcept override { stream_.consume(n); }
  Task<std::size_t> read_into(std::span<char> dst) override;
  Task<void> write(std::span<const uv_buf_t> bufs) override;
  void close() noexcept override { stream_.close(); }
  bool is_open() const noexcept override { return stream_.is_open(); }
  bool idle_healthy() const noexcept override;
  Address peer_address() const noexcept override { return stream_.peer_address(); }
  TcpStream& stream() noexcept { return stream_; }

 private:
  TcpStream stream_;
};

}  // namespace aio
