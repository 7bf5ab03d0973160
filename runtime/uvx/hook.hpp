// uvx hooks: idle, check, prepare and async handles that call one function.
// The loop uses them for its ready queue (idle) and cross-thread wake-up
// (async). Close with uvx_close((uv_handle_t*)hook).
#pragma once

#include "handle.hpp"

typedef void (*uvx_hook_cb)(void* data);

struct uvx_hook_s {
  union {
    uv_handle_t handle;
    uv_idle_t idle;
    uv_async_t async;
  } uv;
  uvx_hook_cb cb;
  void* data;
};
typedef struct uvx_hook_s uvx_hook_t;

// An idle hook: while started, the loop does not block and calls cb once per
// pass.
int uvx_idle_new(uv_loop_t* loop, uvx_hook_cb cb, void* data, uvx_hook_t** out);
int uvx_idle_start(uvx_hook_t* hook);
int uvx_idle_stop(uvx_hook_t* hook);

// An async hook: uvx_async_send() may be called from any thread and makes
// the loop call cb once soon after (several sends may coalesce into one call).
int uvx_async_new(uv_loop_t* loop, uvx_hook_cb cb, void* data, uvx_hook_t** out);
int uvx_async_send(uvx_hook_t* hook);
