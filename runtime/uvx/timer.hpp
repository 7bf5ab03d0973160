// uvx timers: one-shot timers that call one function.
#pragma once

#include <cstdint>

#include "handle.hpp"

typedef void (*uvx_timer_cb)(void* data);

struct uvx_timer_s {
  uv_timer_t uv;
  uvx_timer_cb cb;
  void* data;
};
typedef struct uvx_timer_s uvx_timer_t;

// Makes a stopped timer. Close it with uvx_close((uv_handle_t*)timer).
int uvx_timer_new(uv_loop_t* loop, uvx_timer_t** out);

// Starts (or restarts) the timer: cb(data) runs once, `timeout_ms` after the
// loop's current time.
int uvx_timer_start(uvx_timer_t* timer, uint64_t timeout_ms, uvx_timer_cb cb, void* data);

// Stops the timer; its callback will not run. Idempotent.
void uvx_timer_stop(uvx_timer_t* timer);
