#include "stream.hpp"

#include <algorithm>
#include <cstring>

#include "uvx/tcp.hpp"

namespace aio {

ReadIntoStats& read_into_stats() noexcept {
  thread_local ReadIntoStats stats;
  return stats;
}

Task<std::size_t> ByteStream::read_into(std::span<char> dst) {
  if (dst.empty()) co_return 0;
  std::span<const char> got = co_await read();
  std::size_t n = std::min(got.size(), dst.size());
  if (n == 0) co_return 0;
  std::memcpy(dst.data(), got.data(), n);
  consume(n);
  read_into_stats().copied_bytes += n;
  co_return n;
}

Task<std::span<const char>> TcpByteStream::read() { co_return co_await stream_.read(); }

Task<std::size_t> TcpByteStream::read_into(std::span<char> dst) {
  co_return co_await stream_.read_into(dst);
}

Task<void> TcpByteStream::write(std::span<const uv_buf_t> bufs) { co_await stream_.write(bufs); }

bool TcpByteStream::idle_healthy() const noexcept {
  uvx_tcp_s* h = stream_.handle();
  return h != nullptr && uvx_tcp_buffered(h) == 0 && h->read_status == 0;
}

}  // namespace aio
