#include "sleep.hpp"

#include "uvx/timer.hpp"

namespace aio::detail {

SleepAwaiter::~SleepAwaiter() {
  if (timer_ != nullptr) Loop::current().release_timer(timer_);
}

void SleepAwaiter::start() {
  if (ms_ == 0) {
    // asyncio's sleep(0): a yield, no timer.
    Loop::current().schedule(handle());
    return;
  }
  timer_ = Loop::current().acquire_timer();
  uvx_timer_start(timer_, ms_, &SleepAwaiter::on_timer, this);
}

void SleepAwaiter::on_timer(void* self) noexcept { static_cast<SleepAwaiter*>(self)->complete(); }

bool SleepAwaiter::on_cancel() noexcept {
  if (timer_ == nullptr) return false;  // sleep(0): already queued to resume
  uvx_timer_stop(timer_);
  return true;
}

}  // namespace aio::detail
