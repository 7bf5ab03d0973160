#include "timeout.hpp"

#include <string>

#include "uvx/timer.hpp"

namespace aio::detail {

void Deadline::start(uint64_t ms, PromiseBase& target) {
  target_ = &target;
  timer_ = Loop::current().acquire_timer();
  uvx_timer_start(timer_, ms, &Deadline::on_timer, this);
}

void Deadline::stop() noexcept {
  if (timer_ == nullptr) return;
  Loop::current().release_timer(timer_);
  timer_ = nullptr;
}

void Deadline::on_timer(void* self) noexcept {
  auto* d = static_cast<Deadline*>(self);
  d->fired_ = true;
  d->target_->cancel();
}

void rethrow_timed_out(std::exception_ptr e, uint64_t ms) {
  try {
    std::rethrow_exception(e);
  } catch (const CancelledError&) {
    throw TimeoutError("timed out after " + std::to_string(ms) + " ms");
  }
}

}  // namespace aio::detail
