#include "stream.hpp"

#include "uvx/tcp.hpp"

namespace aio {

Task<std::span<const char>> TcpByteStream::read() { co_return co_await stream_.read(); }

Task<void> TcpByteStream::write(std::span<const uv_buf_t> bufs) { co_await stream_.write(bufs); }

bool TcpByteStream::idle_healthy() const noexcept {
  uvx_tcp_s* h = stream_.handle();
  return h != nullptr && uvx_tcp_buffered(h) == 0 && h->read_status == 0;
}

}  // namespace aio
