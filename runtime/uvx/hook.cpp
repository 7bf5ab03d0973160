#include "hook.hpp"

#include <cstdlib>

namespace {

void on_idle(uv_idle_t* idle) {
  auto* hook = reinterpret_cast<uvx_hook_t*>(idle);
  hook->cb(hook->data);
}

void on_async(uv_async_t* async) {
  auto* hook = reinterpret_cast<uvx_hook_t*>(async);
  hook->cb(hook->data);
}

uvx_hook_t* alloc_hook(uvx_hook_cb cb, void* data) {
  auto* hook = static_cast<uvx_hook_t*>(uvx_handle_alloc(sizeof(uvx_hook_t)));
  if (hook == nullptr) return nullptr;
  hook->cb = cb;
  hook->data = data;
  return hook;
}

}  // namespace

int uvx_idle_new(uv_loop_t* loop, uvx_hook_cb cb, void* data, uvx_hook_t** out) {
  uvx_hook_t* hook = alloc_hook(cb, data);
  if (hook == nullptr) return UV_ENOMEM;
  uv_idle_init(loop, &hook->uv.idle);  // cannot fail
  uvx_handle_adopt(&hook->uv.handle);
  *out = hook;
  return 0;
}

int uvx_idle_start(uvx_hook_t* hook) { return uv_idle_start(&hook->uv.idle, on_idle); }

int uvx_idle_stop(uvx_hook_t* hook) { return uv_idle_stop(&hook->uv.idle); }

int uvx_async_new(uv_loop_t* loop, uvx_hook_cb cb, void* data, uvx_hook_t** out) {
  uvx_hook_t* hook = alloc_hook(cb, data);
  if (hook == nullptr) return UV_ENOMEM;
  int rc = uv_async_init(loop, &hook->uv.async, on_async);
  if (rc != 0) {
    std::free(hook);
    return rc;
  }
  uvx_handle_adopt(&hook->uv.handle);
  *out = hook;
  return 0;
}

int uvx_async_send(uvx_hook_t* hook) { return uv_async_send(&hook->uv.async); }
