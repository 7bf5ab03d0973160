// aio::wait_signal: suspends until a POSIX signal arrives (SIGINT, SIGTERM),
// delivered on the loop's thread by libuv.
//
//   int sig = co_await aio::wait_signal(SIGINT, SIGTERM);
//
// While the wait lasts, the signals' default action (such as terminating the
// process) does not happen; libuv restores it afterwards. Cancellable.
#pragma once

#include <vector>

#include "detail/suspension.hpp"

struct uvx_signal_s;

namespace aio {

namespace detail {

class SignalAwaiter final : public Suspension {
 public:
  explicit SignalAwaiter(std::vector<int> signums) noexcept : signums_(std::move(signums)) {}
  ~SignalAwaiter();
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h)) return false;
    start();
    return true;
  }
  // The signal that arrived.
  int await_resume();

 private:
  void start();
  void stop() noexcept;
  bool on_cancel() noexcept override;
  static void on_signal(void* self, int signum) noexcept;
  std::vector<int> signums_;
  std::vector<uvx_signal_s*> handles_;
  int received_ = 0;
  int error_ = 0;
};

}  // namespace detail

// Variadic rather than a braced list: g++ 12 rejects `co_await f({a, b})`
// (TOOLCHAIN.md §2).
template <class... Signums>
[[nodiscard]] detail::SignalAwaiter wait_signal(Signums... signums) {
  return detail::SignalAwaiter(std::vector<int>{static_cast<int>(signums)...});
}

}  // namespace aio
