#include "transport.hpp"

#include "../runtime/uvx/tcp.hpp"

namespace aio::http {

Task<std::span<const char>> TcpTransport::read() { co_return co_await stream_.read(); }

Task<void> TcpTransport::write(std::span<const uv_buf_t> bufs) { co_await stream_.write(bufs); }

bool TcpTransport::idle_healthy() const noexcept {
  uvx_tcp_s* h = stream_.handle();
  return h != nullptr && uvx_tcp_buffered(h) == 0 && h->read_status == 0;
}

}  // namespace aio::http
