#include "tcp.hpp"

#include <cstring>

#include "stream.hpp"
#include "uvx/tcp.hpp"

namespace aio {

namespace {

Address sockname(uvx_tcp_s* h, bool peer) noexcept {
  if (h == nullptr) return Address();
  sockaddr_storage ss{};
  int len = sizeof ss;
  auto* sa = reinterpret_cast<sockaddr*>(&ss);
  int rc = peer ? uv_tcp_getpeername(&h->uv, sa, &len) : uv_tcp_getsockname(&h->uv, sa, &len);
  return rc == 0 ? Address(sa) : Address();
}

}  // namespace

// --- TcpStream ---

TcpStream& TcpStream::operator=(TcpStream&& o) noexcept {
  if (this != &o) {
    close();
    h_ = std::exchange(o.h_, nullptr);
  }
  return *this;
}

void TcpStream::close() noexcept {
  if (uvx_tcp_s* h = std::exchange(h_, nullptr)) {
    // Wake a reader parked on this stream so it does not wait forever.
    if (h->on_readable != nullptr) {
      uvx_status_cb cb = h->on_readable;
      void* data = h->readable_data;
      uvx_tcp_unwait(h);
      cb(data, UV_ECANCELED);
    }
    uvx_close(reinterpret_cast<uv_handle_t*>(h));
  }
}

TcpStream::ConnectAwaiter TcpStream::connect(const Address& addr) noexcept {
  return ConnectAwaiter(addr);
}
TcpStream::ReadAwaiter TcpStream::read() noexcept { return ReadAwaiter(*this); }
TcpStream::ReadIntoAwaiter TcpStream::read_into(std::span<char> dst) noexcept {
  return ReadIntoAwaiter(*this, dst);
}
TcpStream::WriteAwaiter TcpStream::write(std::string_view bytes) noexcept {
  return WriteAwaiter(*this, bytes);
}
TcpStream::WriteAwaiter TcpStream::write(std::span<const uv_buf_t> bufs) noexcept {
  return WriteAwaiter(*this, bufs);
}
TcpStream::ShutdownAwaiter TcpStream::shutdown() noexcept { return ShutdownAwaiter(*this); }

std::span<const char> TcpStream::buffered() const noexcept {
  if (h_ == nullptr) return {};
  return {uvx_tcp_data(h_), uvx_tcp_buffered(h_)};
}

void TcpStream::consume(std::size_t n) noexcept {
  if (h_ != nullptr) uvx_tcp_consume(h_, n);
}

Address TcpStream::local_address() const noexcept { return sockname(h_, false); }
Address TcpStream::peer_address() const noexcept { return sockname(h_, true); }

// --- connect ---

TcpStream::ConnectAwaiter::~ConnectAwaiter() {
  uvx_req_detach(req_);
  if (h_ != nullptr) uvx_close(reinterpret_cast<uv_handle_t*>(h_));
}

bool TcpStream::ConnectAwaiter::start() noexcept {
  status_ = uvx_tcp_new(Loop::current().uv(), &h_);
  if (status_ == 0) status_ = uvx_tcp_connect(h_, addr_.get(), &ConnectAwaiter::on_done, this, &req_);
  return status_ == 0;
}

void TcpStream::ConnectAwaiter::on_done(void* self, int status) noexcept {
  auto* a = static_cast<ConnectAwaiter*>(self);
  a->req_ = nullptr;
  a->status_ = status;
  a->complete();
}

bool TcpStream::ConnectAwaiter::on_cancel() noexcept {
  uvx_req_detach(std::exchange(req_, nullptr));
  uvx_close(reinterpret_cast<uv_handle_t*>(std::exchange(h_, nullptr)));
  return true;
}

TcpStream TcpStream::ConnectAwaiter::await_resume() {
  end();
  if (status_ != 0) throw IoError(status_, "connect to " + addr_.to_string());
  return TcpStream(std::exchange(h_, nullptr));
}

// --- read ---

bool TcpStream::ReadAwaiter::await_ready() const noexcept {
  return s_.h_ == nullptr || uvx_tcp_buffered(s_.h_) > 0 || s_.h_->read_status != 0;
}

bool TcpStream::ReadAwaiter::start() noexcept {
  status_ = uvx_tcp_wait_readable(s_.h_, &ReadAwaiter::on_readable, this);
  return status_ == 0;
}

void TcpStream::ReadAwaiter::on_readable(void* self, int status) noexcept {
  auto* a = static_cast<ReadAwaiter*>(self);
  a->status_ = status;
  a->complete();
}

bool TcpStream::ReadAwaiter::on_cancel() noexcept {
  if (s_.h_ != nullptr) uvx_tcp_unwait(s_.h_);
  return true;
}

std::span<const char> TcpStream::ReadAwaiter::await_resume() {
  end();
  if (s_.h_ == nullptr) throw IoError(status_ != 0 ? status_ : UV_EBADF, "read");
  if (uvx_tcp_buffered(s_.h_) > 0) return s_.buffered();
  int status = status_ != 0 ? status_ : s_.h_->read_status;
  if (status == UV_EOF) return {};
  if (status != 0) throw IoError(status, "read");
  return s_.buffered();
}

// --- read_into ---

bool TcpStream::ReadIntoAwaiter::await_ready() const noexcept {
  return dst_.empty() || s_.h_ == nullptr || uvx_tcp_buffered(s_.h_) > 0 ||
         s_.h_->read_status != 0;
}

bool TcpStream::ReadIntoAwaiter::start() noexcept {
  status_ = uvx_tcp_wait_into(s_.h_, dst_.data(), dst_.size(), &ReadIntoAwaiter::on_readable, this);
  registered_ = status_ == 0;
  return registered_;
}

void TcpStream::ReadIntoAwaiter::on_readable(void* self, int status) noexcept {
  auto* a = static_cast<ReadIntoAwaiter*>(self);
  a->status_ = status;
  a->complete();
}

// The handle must not write into dst_ once this awaiter is gone: a frame
// destroyed while queued to resume takes dst_ with it.
void TcpStream::ReadIntoAwaiter::forget() noexcept {
  if (!registered_) return;
  registered_ = false;
  if (s_.h_ != nullptr && s_.h_->dst == dst_.data()) uvx_tcp_unwait(s_.h_);
}

TcpStream::ReadIntoAwaiter::~ReadIntoAwaiter() { forget(); }

bool TcpStream::ReadIntoAwaiter::on_cancel() noexcept {
  forget();
  return true;
}

std::size_t TcpStream::ReadIntoAwaiter::await_resume() {
  if (registered_) {
    registered_ = false;
    // Bytes that arrived after the wake-up and before now are in dst_ too.
    std::size_t got = s_.h_ != nullptr ? uvx_tcp_take_into(s_.h_) : 0;
    if (got > 0) {
      end();
      read_into_stats().direct_bytes += got;
      return got;
    }
  }
  end();
  if (dst_.empty()) return 0;
  if (s_.h_ == nullptr) throw IoError(status_ != 0 ? status_ : UV_EBADF, "read");
  if (std::size_t have = uvx_tcp_buffered(s_.h_); have > 0) {
    std::size_t n = have < dst_.size() ? have : dst_.size();
    std::memcpy(dst_.data(), uvx_tcp_data(s_.h_), n);
    uvx_tcp_consume(s_.h_, n);
    read_into_stats().copied_bytes += n;
    return n;
  }
  int status = status_ != 0 ? status_ : s_.h_->read_status;
  if (status == UV_EOF) return 0;
  if (status != 0) throw IoError(status, "read");
  return 0;  // not reached: a wake-up with status 0 means bytes arrived
}

// --- write ---

TcpStream::WriteAwaiter::WriteAwaiter(TcpStream& s, std::span<const uv_buf_t> bufs) noexcept
    : s_(s), bufs_(bufs.data()), nbufs_(bufs.size()), one_() {}

TcpStream::WriteAwaiter::WriteAwaiter(TcpStream& s, std::string_view bytes) noexcept
    : s_(s), bufs_(&one_), nbufs_(1) {
  one_ = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
}

TcpStream::WriteAwaiter::~WriteAwaiter() { uvx_req_detach(req_); }

bool TcpStream::WriteAwaiter::start() noexcept {
  if (s_.h_ == nullptr) {
    status_ = UV_EBADF;
    return false;
  }
  status_ = uvx_tcp_write(s_.h_, bufs_, static_cast<unsigned>(nbufs_), &WriteAwaiter::on_done,
                          this, &req_);
  return status_ == 0 && req_ != nullptr;
}

void TcpStream::WriteAwaiter::on_done(void* self, int status) noexcept {
  auto* a = static_cast<WriteAwaiter*>(self);
  a->req_ = nullptr;
  a->status_ = status;
  a->complete();
}

bool TcpStream::WriteAwaiter::on_cancel() noexcept {
  // The bytes may die with the task's frame: the stream must stop using them.
  uvx_req_detach(std::exchange(req_, nullptr));
  s_.close();
  return true;
}

void TcpStream::WriteAwaiter::await_resume() {
  end();
  if (status_ != 0) throw IoError(status_, "write");
}

// --- shutdown ---

TcpStream::ShutdownAwaiter::~ShutdownAwaiter() { uvx_req_detach(req_); }

bool TcpStream::ShutdownAwaiter::start() noexcept {
  if (s_.h_ == nullptr) {
    status_ = UV_EBADF;
    return false;
  }
  status_ = uvx_tcp_shutdown(s_.h_, &ShutdownAwaiter::on_done, this, &req_);
  return status_ == 0;
}

void TcpStream::ShutdownAwaiter::on_done(void* self, int status) noexcept {
  auto* a = static_cast<ShutdownAwaiter*>(self);
  a->req_ = nullptr;
  a->status_ = status;
  a->complete();
}

bool TcpStream::ShutdownAwaiter::on_cancel() noexcept {
  uvx_req_detach(std::exchange(req_, nullptr));
  s_.close();
  return true;
}

void TcpStream::ShutdownAwaiter::await_resume() {
  end();
  if (status_ != 0) throw IoError(status_, "shutdown");
}

// --- TcpListener ---

TcpListener::TcpListener(const Address& addr, int backlog) {
  throw_if_uv_error(uvx_tcp_new(Loop::current().uv(), &h_), "listen");
  int rc = uvx_tcp_listen(h_, addr.get(), backlog, &TcpListener::on_connection, this);
  if (rc != 0) {
    close();
    throw IoError(rc, "listen on " + addr.to_string());
  }
}

void TcpListener::close() noexcept {
  if (uvx_tcp_s* h = std::exchange(h_, nullptr)) {
    uvx_close(reinterpret_cast<uv_handle_t*>(h));
    status_ = UV_ECANCELED;
    if (AcceptAwaiter* a = std::exchange(acceptor_, nullptr)) a->complete();
  }
}

Address TcpListener::local_address() const noexcept { return sockname(h_, false); }

TcpListener::AcceptAwaiter TcpListener::accept() noexcept { return AcceptAwaiter(*this); }

void TcpListener::on_connection(void* self, int status) noexcept {
  auto* l = static_cast<TcpListener*>(self);
  if (status != 0)
    l->status_ = status;
  else
    ++l->pending_;
  if (AcceptAwaiter* a = std::exchange(l->acceptor_, nullptr)) a->complete();
}

TcpStream TcpListener::AcceptAwaiter::await_resume() {
  end();
  if (l_.h_ == nullptr) throw IoError(UV_ECANCELED, "accept");
  if (l_.pending_ == 0) throw IoError(std::exchange(l_.status_, 0), "accept");
  --l_.pending_;
  uvx_tcp_s* client = nullptr;
  throw_if_uv_error(uvx_tcp_new(Loop::current().uv(), &client), "accept");
  int rc = uvx_tcp_accept(l_.h_, client);
  if (rc != 0) {
    uvx_close(reinterpret_cast<uv_handle_t*>(client));
    throw IoError(rc, "accept");
  }
  return TcpStream(client);
}

}  // namespace aio
