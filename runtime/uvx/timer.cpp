#include "timer.hpp"

namespace {

void on_timer(uv_timer_t* uv) {
  auto* timer = reinterpret_cast<uvx_timer_t*>(uv);
  uvx_timer_cb cb = timer->cb;
  timer->cb = nullptr;
  if (cb != nullptr) cb(timer->data);
}

}  // namespace

int uvx_timer_new(uv_loop_t* loop, uvx_timer_t** out) {
  auto* timer = static_cast<uvx_timer_t*>(uvx_handle_alloc(sizeof(uvx_timer_t)));
  if (timer == nullptr) return UV_ENOMEM;
  uv_timer_init(loop, &timer->uv);  // cannot fail
  uvx_handle_adopt(reinterpret_cast<uv_handle_t*>(&timer->uv));
  *out = timer;
  return 0;
}

int uvx_timer_start(uvx_timer_t* timer, uint64_t timeout_ms, uvx_timer_cb cb, void* data) {
  timer->cb = cb;
  timer->data = data;
  return uv_timer_start(&timer->uv, on_timer, timeout_ms, 0);
}

void uvx_timer_stop(uvx_timer_t* timer) {
  timer->cb = nullptr;
  timer->data = nullptr;
  uv_timer_stop(&timer->uv);
}
