// The part of every task's promise that the runtime works with: how a task
// reports completion, and how cancellation travels down the tree of awaits.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>

namespace aio::detail {

// What a suspended task waits on, when it can be cancelled: a child task, a
// gather, a timer, an I/O request, a waiter list. cancel() makes the wait end
// soon with CancelledError (or, for a child task, cancels the child).
class Cancellable {
 public:
  virtual void cancel() noexcept = 0;

 protected:
  ~Cancellable() = default;
};

class PromiseBase {
 public:
  // How the task was started, which decides what its final suspension does.
  enum class Start : uint8_t {
    none,      // not started
    inline_,   // started by an awaiter that is still inside resume()
    awaited,   // an awaiting task continues from final suspension
    callback,  // on_done_ is called at final suspension
  };

  bool started() const noexcept { return start_ != Start::none; }

  // Whether the task was cancelled. Sticky: set once, never cleared.
  bool cancelled() const noexcept { return cancelled_; }

  // Cancels this task and, through what it waits on, its children.
  void cancel() noexcept {
    cancelled_ = true;
    if (Cancellable* w = waiting_on_) {
      waiting_on_ = nullptr;
      w->cancel();
    }
  }

  // Registered by an awaiter while this task is suspended on it.
  void set_waiting_on(Cancellable* w) noexcept { waiting_on_ = w; }
  void inherit_cancel(const PromiseBase& parent) noexcept {
    if (parent.cancelled_) cancelled_ = true;
  }

  std::exception_ptr exception() const noexcept { return exception_; }
  void unhandled_exception() noexcept { exception_ = std::current_exception(); }

  // Start modes (see Start).
  void start_inline() noexcept { start_ = Start::inline_; }
  void start_awaited(std::coroutine_handle<> parent) noexcept {
    start_ = Start::awaited;
    continuation_ = parent;
  }
  void start_callback(void (*on_done)(PromiseBase&, void*), void* arg) noexcept {
    start_ = Start::callback;
    on_done_ = on_done;
    on_done_arg_ = arg;
  }

  // Final suspension: tells the starter that the task is done. Returns the
  // coroutine to transfer to.
  std::coroutine_handle<> on_final() noexcept {
    switch (start_) {
      case Start::awaited:
        return continuation_;
      case Start::callback: {
        // The callback may destroy this frame's owner's state; touch nothing
        // of *this after it.
        auto* on_done = on_done_;
        on_done(*this, on_done_arg_);
        return std::noop_coroutine();
      }
      case Start::none:
      case Start::inline_:
        break;
    }
    return std::noop_coroutine();
  }

 private:
  Cancellable* waiting_on_ = nullptr;
  void (*on_done_)(PromiseBase&, void*) = nullptr;
  void* on_done_arg_ = nullptr;
  std::coroutine_handle<> continuation_;
  std::exception_ptr exception_;
  Start start_ = Start::none;
  bool cancelled_ = false;
};

}  // namespace aio::detail
