#include "stream.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "../runtime/uvx/tcp.hpp"
#include "error.hpp"

namespace aio::tls {
namespace {

constexpr std::size_t kPlain = 16 * 1024;    // one record's plaintext
constexpr std::size_t kRecord = 16 * 1024;   // plaintext per mbedtls_ssl_write
constexpr std::size_t kFlushAt = 48 * 1024;  // ciphertext gathered before a TCP write

}  // namespace

TlsStream::TlsStream(TcpStream tcp, Engine engine)
    : tcp_(std::move(tcp)), engine_(std::move(engine)) {}

TlsStream::~TlsStream() { close(); }

Task<void> TlsStream::flush() {
  while (engine_.output_size() > 0) {
    engine_.take_output(wbuf_);
    writing_ = true;
    try {
      co_await tcp_.write(std::string_view(wbuf_));
    } catch (...) {
      writing_ = false;
      throw;
    }
    writing_ = false;
  }
}

Task<void> TlsStream::fill() {
  std::span<const char> got = co_await tcp_.read();
  if (got.empty()) {
    engine_.feed_eof();
    co_return;
  }
  engine_.feed(got);
  tcp_.consume(got.size());
}

Task<void> TlsStream::handshake() {
  std::string io_failure;
  try {
    for (;;) {
      Status st = engine_.handshake();
      if (engine_.output_size() > 0) co_await flush();
      if (st == Status::ok) break;
      if (st == Status::want_read) co_await fill();
    }
  } catch (const IoError& e) {
    io_failure = e.what();
  } catch (const TlsError&) {
    send_now();  // the alert mbedTLS queued, if the socket takes it at once
    throw;
  }
  if (!io_failure.empty())
    throw TlsError(make_error_code(Errc::handshake_failed), "TLS handshake failed: " + io_failure);
}

Status TlsStream::pull() {
  if (!plain_) plain_.reset(new char[kPlain]);
  Status st = Status::ok;
  try {
    // Everything mbedTLS can give without the socket (check_pending).
    while (ptail_ < kPlain) {
      IoResult r = engine_.read(std::span<char>(plain_.get() + ptail_, kPlain - ptail_));
      if (r.status != Status::ok) {
        st = r.status;
        break;
      }
      ptail_ += r.n;
    }
  } catch (const TlsError& e) {
    throw IoError(UV_EPROTO, e.what());
  }
  return st;
}

Task<std::span<const char>> TlsStream::read() {
  for (;;) {
    if (phead_ < ptail_) co_return std::span<const char>(plain_.get() + phead_, ptail_ - phead_);
    phead_ = ptail_ = 0;
    Status st = pull();
    if (engine_.output_size() > 0) co_await flush();
    if (ptail_ > 0) continue;
    if (st == Status::closed) co_return std::span<const char>();
    if (st == Status::eof)
      throw IoError(UV_EOF, "TLS: the peer closed the connection without close_notify");
    if (st == Status::want_read) co_await fill();
  }
}

Status TlsStream::pull_into(std::span<char> dst, std::size_t& n) {
  Status st = Status::ok;
  n = 0;
  try {
    while (n < dst.size()) {
      IoResult r = engine_.read(dst.subspan(n));
      if (r.status != Status::ok) {
        st = r.status;
        break;
      }
      n += r.n;
    }
  } catch (const TlsError& e) {
    throw IoError(UV_EPROTO, e.what());
  }
  return st;
}

Task<std::size_t> TlsStream::read_into(std::span<char> dst) {
  if (dst.empty()) co_return 0;
  for (;;) {
    if (phead_ < ptail_) {
      std::size_t n = std::min(dst.size(), ptail_ - phead_);
      std::memcpy(dst.data(), plain_.get() + phead_, n);
      phead_ += n;
      read_into_stats().copied_bytes += n;
      co_return n;
    }
    phead_ = ptail_ = 0;
    std::size_t n = 0;
    Status st = pull_into(dst, n);
    if (engine_.output_size() > 0) co_await flush();
    if (n > 0) {
      read_into_stats().direct_bytes += n;
      co_return n;
    }
    if (st == Status::closed) co_return 0;
    if (st == Status::eof)
      throw IoError(UV_EOF, "TLS: the peer closed the connection without close_notify");
    if (st == Status::want_read) co_await fill();
  }
}

std::span<const char> TlsStream::buffered() const noexcept {
  if (phead_ >= ptail_) return {};
  return std::span<const char>(plain_.get() + phead_, ptail_ - phead_);
}

void TlsStream::consume(std::size_t n) noexcept { phead_ += std::min(n, ptail_ - phead_); }

Task<void> TlsStream::write(std::span<const uv_buf_t> bufs) {
  std::size_t bi = 0;
  std::size_t off = 0;
  for (;;) {
    // The next record's plaintext: a large buffer is written from where it
    // is; small ones are coalesced (a head and a short body: one record).
    std::span<const char> record;
    stage_.clear();
    while (bi < bufs.size() && bufs[bi].len == off) {
      ++bi;
      off = 0;
    }
    if (bi == bufs.size()) break;
    if (bufs[bi].len - off >= kRecord) {
      record = std::span<const char>(bufs[bi].base + off, kRecord);
      off += kRecord;
    } else {
      while (bi < bufs.size() && stage_.size() < kRecord) {
        std::size_t take = std::min<std::size_t>(bufs[bi].len - off, kRecord - stage_.size());
        stage_.append(bufs[bi].base + off, take);
        off += take;
        if (off == bufs[bi].len) {
          ++bi;
          off = 0;
        }
      }
      record = std::span<const char>(stage_);
    }
    std::size_t done = 0;
    while (done < record.size()) {
      IoResult r;
      try {
        r = engine_.write(record.subspan(done));
      } catch (const TlsError& e) {
        throw IoError(UV_EPROTO, e.what());
      }
      if (r.status == Status::ok) {
        done += r.n;
      } else if (r.status == Status::want_write) {
        co_await flush();  // then the same bytes again (mbedTLS may hold them already)
      } else {
        throw IoError(UV_EPROTO, "TLS: the peer asked for a renegotiation (not supported)");
      }
    }
    if (engine_.output_size() >= kFlushAt) co_await flush();
  }
  if (engine_.output_size() > 0) co_await flush();
  // An idle connection keeps no upload-sized buffers (the engine's and ours
  // trade capacities in take_output).
  if (wbuf_.capacity() > kRecord + 1024) std::string().swap(wbuf_);
}

void TlsStream::send_now() noexcept {
  uvx_tcp_s* h = tcp_.handle();
  if (h == nullptr || writing_ || engine_.output_size() == 0) return;
  auto* stream = reinterpret_cast<uv_stream_t*>(&h->uv);
  if (uv_stream_get_write_queue_size(stream) != 0) return;
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&h->uv), &fd) != 0) return;
  engine_.take_output(wbuf_);
  // Non-blocking, and no SIGPIPE whatever the caller's signal mask.
  ssize_t n = ::send(fd, wbuf_.data(), wbuf_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)n;
}

void TlsStream::close() noexcept {
  if (!tcp_.is_open()) return;
  if (engine_.handshake_done() && !engine_.failed() && !writing_) {
    engine_.close_notify();
    send_now();
  }
  tcp_.close();
}

Task<void> TlsStream::shutdown() {
  if (tcp_.is_open() && engine_.handshake_done() && !engine_.failed()) {
    while (engine_.close_notify() == Status::want_write) co_await flush();
    co_await flush();
  }
  tcp_.close();
}

bool TlsStream::idle_healthy() const noexcept {
  uvx_tcp_s* h = tcp_.handle();
  return h != nullptr && uvx_tcp_buffered(h) == 0 && h->read_status == 0 && phead_ == ptail_ &&
         !engine_.pending() && !engine_.failed() && !engine_.peer_closed() &&
         engine_.output_size() == 0;
}

Task<std::unique_ptr<TlsStream>> connect(TcpStream tcp, std::shared_ptr<const Config> config,
                                         std::string host, std::uint16_t port,
                                         SessionCache* cache) {
  std::string key;
  if (cache != nullptr && config->session_resumption())
    key = SessionCache::key(host, port, *config);
  auto stream = std::make_unique<TlsStream>(std::move(tcp), Engine::client(config, host));
  if (!key.empty())
    if (std::shared_ptr<const SavedSession> saved = cache->find(key))
      stream->engine().offer_session(*saved);
  try {
    co_await stream->handshake();
  } catch (const aio::CancelledError&) {
    throw;  // a timeout or a cancel says nothing against the saved session
  } catch (...) {
    if (!key.empty()) cache->erase(key);
    throw;
  }
  if (!key.empty()) cache->store(key, stream->engine().save_session());
  co_return stream;
}

}  // namespace aio::tls
