// aio::sleep and aio::yield.
#pragma once

#include <chrono>
#include <cstdint>

#include "detail/suspension.hpp"

struct uvx_timer_s;

namespace aio {

namespace detail {

class SleepAwaiter final : public Suspension {
 public:
  explicit SleepAwaiter(uint64_t ms) noexcept : ms_(ms) {}
  ~SleepAwaiter();
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h)) return false;
    start();
    return true;
  }
  void await_resume() { end(); }

 private:
  void start();
  bool on_cancel() noexcept override;
  static void on_timer(void* self) noexcept;
  uint64_t ms_;
  uvx_timer_s* timer_ = nullptr;
};

class YieldAwaiter final : public Suspension {
 public:
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h)) return false;
    Loop::current().schedule(h);
    return true;
  }
  void await_resume() { end(); }

 private:
  bool on_cancel() noexcept override { return false; }  // already queued
};

// Milliseconds, rounded up (libuv's timers count whole milliseconds).
template <class Rep, class Period>
uint64_t ceil_ms(std::chrono::duration<Rep, Period> d) noexcept {
  if (d <= d.zero()) return 0;
  return static_cast<uint64_t>(std::chrono::ceil<std::chrono::milliseconds>(d).count());
}

}  // namespace detail

// Suspends the calling task for at least `d` (rounded up to whole
// milliseconds). Cancellation stops the timer and throws CancelledError.
template <class Rep, class Period>
[[nodiscard]] detail::SleepAwaiter sleep(std::chrono::duration<Rep, Period> d) noexcept {
  return detail::SleepAwaiter(detail::ceil_ms(d));
}

// Lets every other ready task and the loop's I/O run once, then continues.
[[nodiscard]] inline detail::YieldAwaiter yield() noexcept { return {}; }

}  // namespace aio
