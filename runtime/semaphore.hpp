// aio::Semaphore: a counting semaphore with FIFO hand-off (asyncio.Semaphore).
//
//   auto permit = co_await sem.acquire();   // released when permit dies
//
// Fairness: a released permit goes straight to the longest waiter, so a
// newcomer never overtakes a task that is already waiting. A waiter that is
// cancelled while queued leaves the queue and takes nothing; one cancelled
// after the permit was handed to it still receives it (its Permit releases
// it when the task unwinds), so no permit is ever lost or stolen.
//
// The Semaphore must outlive its waiters and permits.
#pragma once

#include <cstddef>
#include <utility>

#include "detail/suspension.hpp"
#include "detail/waiter_list.hpp"

namespace aio {

class Semaphore {
  class Waiter;

 public:
  // An RAII permit: releases the semaphore when destroyed (or release()d).
  class Permit {
   public:
    Permit() noexcept = default;
    explicit Permit(Semaphore* s) noexcept : sem_(s) {}
    Permit(Permit&& o) noexcept : sem_(std::exchange(o.sem_, nullptr)) {}
    Permit& operator=(Permit&& o) noexcept {
      if (this != &o) {
        release();
        sem_ = std::exchange(o.sem_, nullptr);
      }
      return *this;
    }
    ~Permit() { release(); }
    void release() noexcept {
      if (Semaphore* s = std::exchange(sem_, nullptr)) s->release();
    }
    explicit operator bool() const noexcept { return sem_ != nullptr; }

   private:
    Semaphore* sem_ = nullptr;
  };

  explicit Semaphore(std::size_t permits) noexcept : available_(permits) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  std::size_t available() const noexcept { return available_; }

  // co_await sem.acquire() -> Permit.
  [[nodiscard]] Waiter acquire() noexcept;

  // Takes a permit without waiting, if one is free and nobody waits.
  Permit try_acquire() noexcept {
    if (available_ == 0 || !waiters_.empty()) return Permit();
    --available_;
    return Permit(this);
  }

  // Gives a permit back (normally done by Permit): hands it to the first
  // waiter, or makes it available.
  void release() noexcept {
    if (Waiter* w = waiters_.pop_front()) {
      w->complete();  // the permit passes to w without touching available_
      return;
    }
    ++available_;
  }

 private:
  class Waiter final : public detail::Suspension, public detail::WaiterNode {
   public:
    explicit Waiter(Semaphore& s) noexcept : sem_(s) {}
    bool await_ready() noexcept {
      if (sem_.available_ == 0 || !sem_.waiters_.empty()) return false;
      --sem_.available_;
      return true;
    }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      sem_.waiters_.push_back(this);
      return true;
    }
    Permit await_resume() {
      end();  // throws if cancelled before a permit came
      return Permit(&sem_);
    }

   private:
    friend class Semaphore;
    bool on_cancel() noexcept override {
      sem_.waiters_.unlink(this);
      return true;
    }
    Semaphore& sem_;
  };

  std::size_t available_;
  detail::WaiterList<Waiter> waiters_;
};

inline Semaphore::Waiter Semaphore::acquire() noexcept { return Waiter(*this); }

}  // namespace aio
