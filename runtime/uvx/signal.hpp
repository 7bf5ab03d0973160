// uvx signals: a one-shot wait for a POSIX signal on the loop's thread.
#pragma once

#include "handle.hpp"

typedef void (*uvx_signal_cb)(void* data, int signum);

struct uvx_signal_s {
  uv_signal_t uv;
  uvx_signal_cb cb;
  void* data;
};
typedef struct uvx_signal_s uvx_signal_t;

// Makes a signal handle. Close it with uvx_close((uv_handle_t*)sig).
int uvx_signal_new(uv_loop_t* loop, uvx_signal_t** out);
// cb(data, signum) runs once, the next time `signum` arrives.
int uvx_signal_start_oneshot(uvx_signal_t* sig, int signum, uvx_signal_cb cb, void* data);
