// The base of every leaf awaiter: a suspension on something outside the task
// tree (a timer, an I/O request, a waiter list).
//
// Protocol, for a derived awaiter:
//   await_suspend(h): `if (!begin(h)) return false;` then start the operation
//                     and return true. begin() refuses when the task is
//                     already cancelled (await_resume then throws).
//   the operation's callback: complete()   (resumes the task via the loop)
//   on_cancel():      stop the operation; called once, only while pending.
//                     Return false if the task is already queued to resume
//                     (it must then not be scheduled again).
//   await_resume():   `end();` first (throws CancelledError if cancelled).
#pragma once

#include <coroutine>
#include <cstdint>

#include "../error.hpp"
#include "../loop.hpp"
#include "promise.hpp"

namespace aio::detail {

class Suspension : public Cancellable {
 public:
  enum class State : uint8_t { pending, done, cancelled };

  void cancel() noexcept final {
    if (state_ != State::pending) return;
    state_ = State::cancelled;
    if (on_cancel()) Loop::current().schedule(handle_);
  }

 protected:
  Suspension() = default;
  ~Suspension() = default;
  Suspension(const Suspension&) = delete;
  Suspension& operator=(const Suspension&) = delete;

  template <class P>
  bool begin(std::coroutine_handle<P> h) noexcept {
    PromiseBase& p = h.promise();
    promise_ = &p;
    handle_ = h;
    if (p.cancelled()) {
      state_ = State::cancelled;
      return false;
    }
    p.set_waiting_on(this);
    return true;
  }

  // The operation finished: resume the task (through the ready queue).
  void complete() noexcept {
    if (state_ != State::pending) return;
    state_ = State::done;
    Loop::current().schedule(handle_);
  }

  void end() {
    if (promise_) promise_->set_waiting_on(nullptr);
    if (state_ == State::cancelled) throw CancelledError();
  }

  virtual bool on_cancel() noexcept = 0;

  State state() const noexcept { return state_; }
  std::coroutine_handle<> handle() const noexcept { return handle_; }

 private:
  PromiseBase* promise_ = nullptr;
  std::coroutine_handle<> handle_;
  State state_ = State::pending;
};

}  // namespace aio::detail
