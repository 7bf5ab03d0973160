#include "signal.hpp"

#include <cstdlib>

namespace {

void on_signal(uv_signal_t* uv, int signum) {
  auto* sig = reinterpret_cast<uvx_signal_t*>(uv);
  uvx_signal_cb cb = sig->cb;
  sig->cb = nullptr;
  if (cb != nullptr) cb(sig->data, signum);
}

}  // namespace

int uvx_signal_new(uv_loop_t* loop, uvx_signal_t** out) {
  auto* sig = static_cast<uvx_signal_t*>(uvx_handle_alloc(sizeof(uvx_signal_t)));
  if (sig == nullptr) return UV_ENOMEM;
  int rc = uv_signal_init(loop, &sig->uv);
  if (rc != 0) {
    std::free(sig);
    return rc;
  }
  uvx_handle_adopt(reinterpret_cast<uv_handle_t*>(&sig->uv));
  *out = sig;
  return 0;
}

int uvx_signal_start_oneshot(uvx_signal_t* sig, int signum, uvx_signal_cb cb, void* data) {
  sig->cb = cb;
  sig->data = data;
  return uv_signal_start_oneshot(&sig->uv, on_signal, signum);
}
