// aio::http::Pool: the keep-alive connection pool of a Session.
//
// A Lease is a slot in the pool for one origin: either an idle connection
// to reuse (LIFO: the most recently used first) or the right to open a new
// one. `limit` caps the connections open at once (idle ones included; an
// idle connection to another origin is closed to make room), and
// `limit_per_host` caps them per origin (0: no cap). When no slot is free,
// acquire() waits in FIFO order; a waiter that is cancelled or times out
// leaves the queue without taking anything, and a slot handed to a waiter
// that is cancelled before it resumes comes back through its Lease — no
// slot is ever lost (aiohttp #9670).
//
// Returning: lease.release(true) puts a healthy connection back as idle
// (its read timer and request state are gone; only the transport and the
// parser remain), release(false) or destroying the Lease closes it. Idle
// connections are closed after keepalive_timeout, and skipped when the
// server closed them or sent bytes nobody asked for.
//
// The Pool belongs to the loop it was created on and must outlive its
// leases and waiters.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "../runtime/detail/suspension.hpp"
#include "../runtime/detail/waiter_list.hpp"
#include "connection.hpp"

struct uvx_timer_s;

namespace aio::http {

class Pool {
  class Waiter;
  struct Host;

 public:
  struct Options {
    std::size_t limit = 100;         // 0: no limit
    std::size_t limit_per_host = 0;  // 0: no limit
    std::chrono::milliseconds keepalive_timeout{15'000};
  };

  class Lease {
   public:
    Lease() noexcept = default;
    Lease(Lease&& o) noexcept;
    Lease& operator=(Lease&& o) noexcept;
    ~Lease() { release(false); }

    explicit operator bool() const noexcept { return pool_ != nullptr; }
    // The connection, or nullptr when the slot is for a new one.
    Connection* connection() const noexcept { return conn_.get(); }
    void set_connection(std::unique_ptr<Connection> c) noexcept { conn_ = std::move(c); }

    // Gives the slot back: keeps the connection as idle when `reusable`
    // (and the pool is open), otherwise closes it.
    void release(bool reusable) noexcept;

   private:
    friend class Pool;
    Lease(Pool* p, Host* host, std::unique_ptr<Connection> c) noexcept
        : pool_(p), host_(host), conn_(std::move(c)) {}
    Pool* pool_ = nullptr;
    Host* host_ = nullptr;
    std::unique_ptr<Connection> conn_;
  };

  explicit Pool(Options options);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool();

  // co_await pool.acquire(origin) -> Lease. Throws ClientError
  // (Errc::session_closed) once the pool is closed.
  // The origin is looked up (and its entry made) here, not copied.
  [[nodiscard]] Waiter acquire(const std::string& origin);

  // Closes idle connections, fails waiters, and closes every connection
  // released from now on.
  void close() noexcept;
  bool closed() const noexcept { return closed_; }

  std::size_t open_count() const noexcept { return open_; }
  std::size_t idle_count() const noexcept;
  std::size_t waiting() const noexcept { return waiters_count_; }

 private:
  // One per origin, never removed: leases and waiters point at it.
  struct Host {
    std::size_t open = 0;
    std::vector<std::unique_ptr<Connection>> idle;  // back = most recently used
  };

  class Waiter final : public aio::detail::Suspension, public aio::detail::WaiterNode {
   public:
    Waiter(Pool& p, Host& host) noexcept : pool_(p), host_(host) {}
    bool await_ready() { return pool_.closed_ || pool_.try_take(host_, lease_); }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      pool_.waiters_.push_back(this);
      ++pool_.waiters_count_;
      return true;
    }
    Lease await_resume();

   private:
    friend class Pool;
    bool on_cancel() noexcept override {
      pool_.waiters_.unlink(this);
      --pool_.waiters_count_;
      return true;
    }
    Pool& pool_;
    Host& host_;
    Lease lease_;
  };

  bool try_take(Host& h, Lease& out);
  bool per_host_ok(const Host& h) const noexcept;
  bool evict_oldest_idle() noexcept;
  void close_connection(Host& h, std::unique_ptr<Connection> c) noexcept;
  void give_back(Host& h, std::unique_ptr<Connection> c, bool reusable) noexcept;
  void dispatch() noexcept;
  void arm_sweeper() noexcept;
  static void on_sweep(void* self) noexcept;

  Options options_;
  std::unordered_map<std::string, Host> hosts_;
  std::size_t open_ = 0;
  aio::detail::WaiterList<Waiter> waiters_;
  std::size_t waiters_count_ = 0;
  uvx_timer_s* sweeper_ = nullptr;
  bool closed_ = false;
};

inline Pool::Waiter Pool::acquire(const std::string& origin) {
  auto it = hosts_.find(origin);
  if (it == hosts_.end()) it = hosts_.emplace(origin, Host{}).first;
  return Waiter(*this, it->second);
}

}  // namespace aio::http
