#include "pool.hpp"

#include <cassert>

#include "../runtime/loop.hpp"
#include "../runtime/uvx/timer.hpp"
#include "error.hpp"

namespace aio::http {

using Clock = std::chrono::steady_clock;

// --- Lease ---

Pool::Lease::Lease(Lease&& o) noexcept
    : pool_(std::exchange(o.pool_, nullptr)), host_(o.host_), conn_(std::move(o.conn_)) {}

Pool::Lease& Pool::Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    release(false);
    pool_ = std::exchange(o.pool_, nullptr);
    host_ = o.host_;
    conn_ = std::move(o.conn_);
  }
  return *this;
}

void Pool::Lease::release(bool reusable) noexcept {
  if (Pool* p = std::exchange(pool_, nullptr)) p->give_back(*host_, std::move(conn_), reusable);
}

// --- Pool ---

Pool::Pool(Options options) : options_(options) {}

Pool::~Pool() {
  close();
  assert(open_ == 0 && "aio::http::Pool destroyed while connections are leased");
  if (sweeper_ != nullptr) Loop::current().release_timer(sweeper_);
}

std::size_t Pool::idle_count() const noexcept {
  std::size_t n = 0;
  for (const auto& [origin, h] : hosts_) n += h.idle.size();
  return n;
}

bool Pool::per_host_ok(const Host& h) const noexcept {
  return options_.limit_per_host == 0 || h.open < options_.limit_per_host;
}

void Pool::close_connection(Host& h, std::unique_ptr<Connection> c) noexcept {
  if (c) c->transport->close();
  --h.open;
  --open_;
}

bool Pool::evict_oldest_idle() noexcept {
  Host* oldest = nullptr;
  for (auto& [origin, h] : hosts_)
    if (!h.idle.empty() && (oldest == nullptr || h.idle.front()->idle_since < oldest->idle.front()->idle_since))
      oldest = &h;
  if (oldest == nullptr) return false;
  std::unique_ptr<Connection> c = std::move(oldest->idle.front());
  oldest->idle.erase(oldest->idle.begin());
  close_connection(*oldest, std::move(c));
  return true;
}

bool Pool::try_take(Host& h, Lease& out) {
  auto expiry = Clock::now() - options_.keepalive_timeout;
  while (!h.idle.empty()) {
    std::unique_ptr<Connection> c = std::move(h.idle.back());
    h.idle.pop_back();
    if (c->transport->idle_healthy() && c->idle_since > expiry) {
      out = Lease(this, &h, std::move(c));
      return true;
    }
    close_connection(h, std::move(c));  // stale, closed by the server, or sent junk
  }
  if (!per_host_ok(h)) return false;
  if (options_.limit != 0 && open_ >= options_.limit && !evict_oldest_idle()) return false;
  ++h.open;
  ++open_;
  out = Lease(this, &h, nullptr);
  return true;
}

void Pool::give_back(Host& h, std::unique_ptr<Connection> c, bool reusable) noexcept {
  if (reusable && c && !closed_ && c->transport->is_open() && c->transport->idle_healthy()) {
    c->idle_since = Clock::now();
    h.idle.push_back(std::move(c));
    arm_sweeper();
  } else {
    close_connection(h, std::move(c));
  }
  dispatch();
}

void Pool::dispatch() noexcept {
  // Serve waiters in FIFO order; one that cannot be served (its host is at
  // limit_per_host) does not block those behind it. The scan stops as soon
  // as nobody can be served (every slot taken, none idle).
  auto stuck = [this] { return options_.limit != 0 && open_ >= options_.limit && idle_count() == 0; };
  while (!waiters_.empty() && !stuck()) {
    // The scan stops at the first waiter served (a full walk per released
    // connection made 10,000 queued requests quadratic).
    Waiter* served = waiters_.find([&](Waiter* w) { return !stuck() && try_take(w->host_, w->lease_); });
    if (served == nullptr) return;
    waiters_.unlink(served);
    --waiters_count_;
    served->complete();
  }
}

void Pool::close() noexcept {
  if (closed_) return;
  closed_ = true;
  for (auto& [origin, h] : hosts_)
    while (!h.idle.empty()) {
      std::unique_ptr<Connection> c = std::move(h.idle.back());
      h.idle.pop_back();
      close_connection(h, std::move(c));
    }
  while (Waiter* w = waiters_.pop_front()) {
    --waiters_count_;
    w->complete();  // await_resume sees closed_ and throws
  }
}

Pool::Lease Pool::Waiter::await_resume() {
  end();
  if (!lease_ && pool_.closed_)
    throw ClientError(make_error_code(Errc::session_closed), "the session is closed");
  return std::move(lease_);
}

void Pool::arm_sweeper() noexcept {
  if (sweeper_ == nullptr) {
    try {
      sweeper_ = Loop::current().acquire_timer();
    } catch (...) {
      return;
    }
  } else if (uv_is_active(reinterpret_cast<uv_handle_t*>(sweeper_))) {
    return;
  }
  auto ms = static_cast<uint64_t>(options_.keepalive_timeout.count());
  uvx_timer_start(sweeper_, ms + 1, &Pool::on_sweep, this);
  // An idle connection must not keep the loop alive.
  uv_unref(reinterpret_cast<uv_handle_t*>(sweeper_));
}

void Pool::on_sweep(void* self) noexcept {
  auto* p = static_cast<Pool*>(self);
  auto expiry = Clock::now() - p->options_.keepalive_timeout;
  bool any_left = false;
  for (auto& [origin, h] : p->hosts_) {
    auto& idle = h.idle;
    for (std::size_t i = 0; i < idle.size();) {
      if (idle[i]->idle_since <= expiry || !idle[i]->transport->idle_healthy()) {
        std::unique_ptr<Connection> c = std::move(idle[i]);
        idle.erase(idle.begin() + static_cast<std::ptrdiff_t>(i));
        p->close_connection(h, std::move(c));
      } else {
        ++i;
        any_left = true;
      }
    }
  }
  if (any_left) p->arm_sweeper();
  p->dispatch();
}

}  // namespace aio::http
