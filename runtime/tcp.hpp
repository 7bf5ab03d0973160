// aio::TcpStream and aio::TcpListener: TCP over the uvx layer, as awaitables.
//
//   aio::TcpStream s = co_await aio::TcpStream::connect(addr);
//   co_await s.write("hello");
//   std::span<const char> got = co_await s.read();   // empty: the peer closed
//   s.consume(got.size());
//
// Reading is buffered by the stream (see uvx/tcp.hpp): read() returns every
// byte buffered so far, waiting only when there is none; consume() marks
// bytes as used. Bytes not consumed are returned again by the next read().
//
// Cancellation. A cancelled read stops reading; the stream stays usable. A
// cancelled connect, write or shutdown closes the stream (the bytes of a
// half-written message cannot be taken back), and its libuv request frees
// itself later.
//
// One reader and one writer at a time. A TcpStream closes its handle when
// destroyed; pending operations of other tasks then end with UV_ECANCELED.
#pragma once

#include <span>
#include <string_view>

#include "address.hpp"
#include "detail/suspension.hpp"

#include <uv.h>

struct uvx_tcp_s;
struct uvx_req_s;

namespace aio {

class TcpStream {
  class ConnectAwaiter;
  class ReadAwaiter;
  class ReadIntoAwaiter;
  class WriteAwaiter;
  class ShutdownAwaiter;

 public:
  TcpStream() noexcept = default;
  explicit TcpStream(uvx_tcp_s* handle) noexcept : h_(handle) {}
  TcpStream(TcpStream&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  TcpStream& operator=(TcpStream&& o) noexcept;
  ~TcpStream() { close(); }

  // co_await TcpStream::connect(addr) -> TcpStream. Throws IoError.
  [[nodiscard]] static ConnectAwaiter connect(const Address& addr) noexcept;

  // co_await s.read() -> the buffered bytes (at least one), or an empty span
  // at end of stream. Throws IoError on a read error. The span is valid until
  // the next read(), consume() or close().
  [[nodiscard]] ReadAwaiter read() noexcept;
  std::span<const char> buffered() const noexcept;
  void consume(std::size_t n) noexcept;

  // co_await s.read_into(dst) -> bytes written to dst (1 .. dst.size()), or
  // 0 at end of stream (or for an empty dst). Bytes already buffered are
  // copied from the buffer first (no waiting); otherwise the socket is read
  // straight into dst: libuv's alloc callback hands out dst, so the kernel's
  // copy is the only one (read_into_stats() counts both kinds). Never reads
  // past dst.size() into dst; what arrives once dst is full is buffered as
  // usual. dst must stay valid until the task completes (a cancelled or
  // destroyed read forgets dst at once). Throws IoError on a read error.
  [[nodiscard]] ReadIntoAwaiter read_into(std::span<char> dst) noexcept;

  // co_await s.write(bytes): writes all of it. `bytes` (the memory of each
  // buffer) must stay valid until the write completes. Throws IoError.
  [[nodiscard]] WriteAwaiter write(std::string_view bytes) noexcept;
  [[nodiscard]] WriteAwaiter write(std::span<const uv_buf_t> bufs) noexcept;

  // co_await s.shutdown(): sends FIN after pending writes.
  [[nodiscard]] ShutdownAwaiter shutdown() noexcept;

  // Closes the stream now (idempotent).
  void close() noexcept;
  bool is_open() const noexcept { return h_ != nullptr; }

  Address local_address() const noexcept;
  Address peer_address() const noexcept;
  uvx_tcp_s* handle() const noexcept { return h_; }

 private:
  class ConnectAwaiter final : public detail::Suspension {
   public:
    explicit ConnectAwaiter(const Address& a) noexcept : addr_(a) {}
    ~ConnectAwaiter();
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      return start();
    }
    TcpStream await_resume();

   private:
    bool start() noexcept;
    bool on_cancel() noexcept override;
    static void on_done(void* self, int status) noexcept;
    Address addr_;
    uvx_tcp_s* h_ = nullptr;
    uvx_req_s* req_ = nullptr;
    int status_ = 0;
  };

  class ReadAwaiter final : public detail::Suspension {
   public:
    explicit ReadAwaiter(TcpStream& s) noexcept : s_(s) {}
    bool await_ready() const noexcept;
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      return start();
    }
    std::span<const char> await_resume();

   private:
    bool start() noexcept;
    bool on_cancel() noexcept override;
    static void on_readable(void* self, int status) noexcept;
    TcpStream& s_;
    int status_ = 0;
  };

  class ReadIntoAwaiter final : public detail::Suspension {
   public:
    ReadIntoAwaiter(TcpStream& s, std::span<char> dst) noexcept : s_(s), dst_(dst) {}
    ~ReadIntoAwaiter();
    bool await_ready() const noexcept;
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      return start();
    }
    std::size_t await_resume();

   private:
    bool start() noexcept;
    bool on_cancel() noexcept override;
    void forget() noexcept;
    static void on_readable(void* self, int status) noexcept;
    TcpStream& s_;
    std::span<char> dst_;
    int status_ = 0;
    bool registered_ = false;  // dst_ is the handle's destination
  };

  class WriteAwaiter final : public detail::Suspension {
   public:
    WriteAwaiter(TcpStream& s, std::span<const uv_buf_t> bufs) noexcept;
    WriteAwaiter(TcpStream& s, std::string_view bytes) noexcept;
    ~WriteAwaiter();
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      return start();
    }
    void await_resume();

   private:
    bool start() noexcept;
    bool on_cancel() noexcept override;
    static void on_done(void* self, int status) noexcept;
    TcpStream& s_;
    const uv_buf_t* bufs_;
    std::size_t nbufs_;
    uv_buf_t one_;  // storage for write(string_view)
    uvx_req_s* req_ = nullptr;
    int status_ = 0;
  };

  class ShutdownAwaiter final : public detail::Suspension {
   public:
    explicit ShutdownAwaiter(TcpStream& s) noexcept : s_(s) {}
    ~ShutdownAwaiter();
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      return start();
    }
    void await_resume();

   private:
    bool start() noexcept;
    bool on_cancel() noexcept override;
    static void on_done(void* self, int status) noexcept;
    TcpStream& s_;
    uvx_req_s* req_ = nullptr;
    int status_ = 0;
  };

  uvx_tcp_s* h_ = nullptr;
};

// A listening TCP socket.
//
//   aio::TcpListener l(aio::Address::parse("127.0.0.1", 0).value());
//   uint16_t port = l.local_address().port();
//   aio::TcpStream peer = co_await l.accept();
class TcpListener {
  class AcceptAwaiter;

 public:
  // Binds and listens. Throws IoError.
  explicit TcpListener(const Address& addr, int backlog = 511);
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  ~TcpListener() { close(); }

  // co_await l.accept() -> TcpStream. Cancellable. One acceptor at a time.
  [[nodiscard]] AcceptAwaiter accept() noexcept;
  void close() noexcept;
  Address local_address() const noexcept;

 private:
  class AcceptAwaiter final : public detail::Suspension {
   public:
    explicit AcceptAwaiter(TcpListener& l) noexcept : l_(l) {}
    bool await_ready() const noexcept { return l_.pending_ > 0 || l_.status_ != 0; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      l_.acceptor_ = this;
      return true;
    }
    TcpStream await_resume();

   private:
    friend class TcpListener;
    bool on_cancel() noexcept override {
      l_.acceptor_ = nullptr;
      return true;
    }
    TcpListener& l_;
  };

  static void on_connection(void* self, int status) noexcept;

  uvx_tcp_s* h_ = nullptr;
  int pending_ = 0;
  int status_ = 0;
  AcceptAwaiter* acceptor_ = nullptr;
};

}  // namespace aio
