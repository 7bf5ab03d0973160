// aio::Event: a flag that tasks can wait for (asyncio.Event).
//
// set() wakes every waiter (through the ready queue) and lets later waits
// pass at once until clear(). The Event must outlive its waiters.
#pragma once

#include "detail/suspension.hpp"
#include "detail/waiter_list.hpp"

namespace aio {

class Event {
  class Waiter;

 public:
  Event() = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  bool is_set() const noexcept { return set_; }
  void set() noexcept;
  void clear() noexcept { set_ = false; }

  // co_await event.wait(): returns when the event is set.
  [[nodiscard]] Waiter wait() noexcept;

 private:
  class Waiter final : public detail::Suspension, public detail::WaiterNode {
   public:
    explicit Waiter(Event& e) noexcept : event_(e) {}
    bool await_ready() const noexcept { return event_.set_; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      event_.waiters_.push_back(this);
      return true;
    }
    void await_resume() { end(); }

   private:
    friend class Event;
    bool on_cancel() noexcept override {
      event_.waiters_.unlink(this);
      return true;
    }
    Event& event_;
  };

  bool set_ = false;
  detail::WaiterList<Waiter> waiters_;
};

inline Event::Waiter Event::wait() noexcept { return Waiter(*this); }

inline void Event::set() noexcept {
  set_ = true;
  while (Waiter* w = waiters_.pop_front()) w->complete();
}

}  // namespace aio
