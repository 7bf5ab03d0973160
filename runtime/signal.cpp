#include "signal.hpp"

#include "uvx/signal.hpp"

namespace aio::detail {

SignalAwaiter::~SignalAwaiter() { stop(); }

void SignalAwaiter::start() {
  for (int signum : signums_) {
    uvx_signal_t* s = nullptr;
    error_ = uvx_signal_new(Loop::current().uv(), &s);
    if (error_ == 0) {
      handles_.push_back(s);
      error_ = uvx_signal_start_oneshot(s, signum, &SignalAwaiter::on_signal, this);
    }
    if (error_ != 0) {
      complete();
      return;
    }
  }
}

void SignalAwaiter::stop() noexcept {
  for (uvx_signal_s* s : handles_) uvx_close(reinterpret_cast<uv_handle_t*>(s));
  handles_.clear();
}

void SignalAwaiter::on_signal(void* self, int signum) noexcept {
  auto* a = static_cast<SignalAwaiter*>(self);
  if (a->received_ == 0) a->received_ = signum;
  a->complete();
}

bool SignalAwaiter::on_cancel() noexcept {
  stop();
  return true;
}

int SignalAwaiter::await_resume() {
  stop();
  end();
  if (error_ != 0) throw IoError(error_, "wait for a signal");
  return received_;
}

}  // namespace aio::detail
