// aio::Task<T>: a lazy, move-only coroutine that produces a T (or throws).
//
// A Task does nothing until it is awaited (or handed to gather, a Scope or
// aio::run). Awaiting it runs it to its first real suspension and resumes
// the awaiter when it ends; its exception propagates through co_await.
//
// Stack depth. g++ 12 does not turn symmetric transfer into a tail call
// under sanitizers or below -O2 (TOOLCHAIN.md §1), so the awaiter starts the
// child with an ordinary resume() and, when the child finished without
// suspending, continues the parent at once (await_suspend returns false).
// Only a child that suspended resumes its parent from final suspension. A
// loop of a million synchronously completing awaits therefore runs in
// constant stack; depth is bounded by the nesting of awaits.
//
// Cancellation. task.cancel() (or cancelling whatever awaits the task) marks
// the task and everything it awaits as cancelled: the suspension it is in
// ends with aio::CancelledError, and so does every later one.
//
// Ownership. Destroying a Task destroys its coroutine frame; a task must not
// be destroyed while it is suspended mid-way (structured concurrency: the
// owner awaits it). Coroutine parameters should be taken by value: a
// reference parameter bound to a temporary dangles once the task suspends.
#pragma once

#include <cassert>
#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/frame_alloc.hpp"
#include "detail/promise.hpp"

namespace aio {

template <class T = void>
class [[nodiscard]] Task;

namespace detail {

struct FinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
    return h.promise().on_final();
  }
  void await_resume() const noexcept {}
};

class TaskPromiseBase : public PromiseBase, public FrameAllocated {
 public:
  std::suspend_always initial_suspend() const noexcept { return {}; }
  FinalAwaiter final_suspend() const noexcept { return {}; }
};

template <class T>
class TaskPromise final : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  template <class U>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
  }
  T result() {
    if (exception()) std::rethrow_exception(exception());
    return std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class TaskPromise<void> final : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() const noexcept {}
  void result() const {
    if (exception()) std::rethrow_exception(exception());
  }
};

// Awaits a child task: starts it inline, continues at once if it finished.
template <class T>
class TaskAwaiter final : public Cancellable {
 public:
  explicit TaskAwaiter(std::coroutine_handle<TaskPromise<T>> child) noexcept : child_(child) {}

  bool await_ready() const noexcept { return false; }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> parent) {
    PromiseBase& pp = parent.promise();
    TaskPromise<T>& cp = child_.promise();
    parent_ = &pp;
    cp.inherit_cancel(pp);
    cp.start_inline();
    // Registered before the child runs, so that a cancel issued while it
    // runs reaches it.
    pp.set_waiting_on(this);
    child_.resume();
    if (child_.done()) {
      pp.set_waiting_on(nullptr);
      return false;
    }
    cp.start_awaited(parent);
    return true;
  }

  T await_resume() {
    parent_->set_waiting_on(nullptr);
    return child_.promise().result();
  }

  void cancel() noexcept override { child_.promise().cancel(); }

 private:
  std::coroutine_handle<TaskPromise<T>> child_;
  PromiseBase* parent_ = nullptr;
};

}  // namespace detail

template <class T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::TaskPromise<T>;
  using value_type = T;
  using Handle = std::coroutine_handle<promise_type>;

  Task() noexcept = default;
  explicit Task(Handle h) noexcept : h_(h) {}
  Task(Task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      destroy();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { destroy(); }

  // Awaiting consumes the task: `co_await std::move(task)` or a temporary.
  detail::TaskAwaiter<T> operator co_await() && noexcept {
    assert(h_ && !h_.done() && "a task is awaited once");
    return detail::TaskAwaiter<T>(h_);
  }

  // Cancels the task: its current suspension point (if any) and every later
  // one throw CancelledError. Cancelling a finished task does nothing.
  void cancel() noexcept {
    if (h_ && !h_.done()) h_.promise().cancel();
  }

  bool valid() const noexcept { return static_cast<bool>(h_); }
  bool done() const noexcept { return h_ && h_.done(); }

  // Low-level access for the runtime (gather, Scope, run).
  Handle handle() const noexcept { return h_; }
  Handle release() noexcept { return std::exchange(h_, {}); }

 private:
  void destroy() noexcept {
    if (h_) {
      // Destroying a suspended task would leave its I/O and children behind.
      assert((h_.done() || !started()) && "task destroyed while suspended mid-way");
      h_.destroy();
    }
  }
  bool started() const noexcept;

  Handle h_;
};

namespace detail {
template <class T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}
}  // namespace detail

template <class T>
bool Task<T>::started() const noexcept {
  return h_.promise().started();
}

}  // namespace aio
