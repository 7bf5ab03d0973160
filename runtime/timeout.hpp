// aio::with_timeout / aio::wait_for: bound a task by a deadline.
//
//   int v = co_await aio::with_timeout(2s, compute());
//   int v = co_await aio::wait_for(compute(), 2s);     // asyncio's spelling
//
// When the deadline passes first, the task is cancelled and, once it has
// unwound (its I/O stopped, its children ended), TimeoutError is thrown. A
// task that finishes before the deadline returns its value. Cancelling the
// awaiting task cancels the inner one and throws CancelledError.
#pragma once

#include <chrono>
#include <cstdint>

#include "detail/promise.hpp"
#include "error.hpp"
#include "loop.hpp"
#include "sleep.hpp"
#include "task.hpp"

namespace aio {

namespace detail {

// Type-erased deadline: a pooled timer that cancels `target` when it fires.
class Deadline {
 public:
  Deadline() = default;
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  ~Deadline() { stop(); }
  void start(uint64_t ms, PromiseBase& target);
  void stop() noexcept;
  bool fired() const noexcept { return fired_; }

 private:
  static void on_timer(void* self) noexcept;
  uvx_timer_s* timer_ = nullptr;
  PromiseBase* target_ = nullptr;
  bool fired_ = false;
};

// Rethrows `e`, turning CancelledError into TimeoutError when the deadline
// caused it.
[[noreturn]] void rethrow_timed_out(std::exception_ptr e, uint64_t ms);

template <class T>
class TimeoutAwaiter final : public Cancellable {
 public:
  TimeoutAwaiter(uint64_t ms, Task<T> task) noexcept : ms_(ms), task_(std::move(task)) {}

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> parent) {
    PromiseBase& pp = parent.promise();
    auto child = task_.handle();
    auto& cp = child.promise();
    parent_ = &pp;
    cp.inherit_cancel(pp);
    cp.start_inline();
    pp.set_waiting_on(this);
    child.resume();
    if (child.done()) {
      pp.set_waiting_on(nullptr);
      return false;
    }
    deadline_.start(ms_, cp);
    cp.start_awaited(parent);
    return true;
  }

  T await_resume() {
    deadline_.stop();
    parent_->set_waiting_on(nullptr);
    auto& cp = task_.handle().promise();
    if (deadline_.fired() && cp.exception()) rethrow_timed_out(cp.exception(), ms_);
    return cp.result();
  }

  void cancel() noexcept override { task_.handle().promise().cancel(); }

 private:
  uint64_t ms_;
  Task<T> task_;
  Deadline deadline_;
  PromiseBase* parent_ = nullptr;
};

}  // namespace detail

template <class Rep, class Period, class T>
[[nodiscard]] detail::TimeoutAwaiter<T> with_timeout(std::chrono::duration<Rep, Period> d,
                                                     Task<T> task) noexcept {
  return detail::TimeoutAwaiter<T>(detail::ceil_ms(d), std::move(task));
}

template <class T, class Rep, class Period>
[[nodiscard]] detail::TimeoutAwaiter<T> wait_for(Task<T> task,
                                                 std::chrono::duration<Rep, Period> d) noexcept {
  return detail::TimeoutAwaiter<T>(detail::ceil_ms(d), std::move(task));
}

}  // namespace aio
