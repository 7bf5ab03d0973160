// aio::ByteStream: a byte stream as the protocols above see it. The HTTP
// layer talks to a ByteStream and does not know whether TLS (tls/) or plain
// TCP (TcpByteStream, here) is under it.
#pragma once

#include <uv.h>

#include <memory>
#include <span>

#include "address.hpp"
#include "task.hpp"
#include "tcp.hpp"

namespace aio {

class ByteStream {
 public:
  virtual ~ByteStream() = default;

  // Bytes received and not yet consumed (at least one), waiting for some
  // when none are buffered; an empty span at end of stream. Throws IoError.
  // The caller must keep the Transport alive until the task completes.
  virtual Task<std::span<const char>> read() = 0;
  virtual std::span<const char> buffered() const noexcept = 0;
  virtual void consume(std::size_t n) noexcept = 0;

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
