#include "sleep.hpp"

#include "uvx/timer.hpp"

namespace aio::detail {

SleepAwaiter::~SleepAwaiter() {
  if (timer_ != nullptr) Loop::current().release_timer(timer_);
}

void SleepAwaiter::start() {
  timer_ = Loop::current().acquire_timer();
  uvx_timer_start(timer_, ms_, &SleepAwaiter::on_timer, this);
}

void SleepAwaiter::on_timer(void* self) noexcept { static_cast<SleepAwaiter*>(self)->complete(); }

bool SleepAwaiter::on_cancel() noexcept {
  uvx_timer_stop(timer_);
  return true;
}

}  // namespace aio::detail
