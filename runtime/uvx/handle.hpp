// uvx: the C-style layer between libuv and the coroutine runtime.
//
// Every libuv handle aiocpp uses is made by one of the uvx_*_new() functions,
// lives on the heap, and is closed only through uvx_close(). The close
// protocol is libuv's: a handle stays in use until its close callback runs in
// a later loop pass, and only then is its memory freed (by uvx, never by the
// caller). Requests (connect, write, shutdown, getaddrinfo) are owned by their
// callback: the caller may detach from one at any time, and the request frees
// itself when libuv is done with it.
//
// Errors are libuv's negative int codes, passed through unchanged.
#pragma once

#include <uv.h>

// Callback of a request or of a readiness wait: `data` is what the caller
// passed, `status` is 0 or a negative libuv error code.
typedef void (*uvx_status_cb)(void* data, int status);

// Closes a handle made by uvx and frees it (and what it owns) in its close
// callback. Idempotent: closing a handle that is already closing does nothing.
// After this call the caller must not touch the handle again.
void uvx_close(uv_handle_t* handle);

// True when uvx made this handle (so uvx_close may free it).
bool uvx_owns(const uv_handle_t* handle);

// Closes every handle of `loop` that is not closing yet (uvx's are freed,
// foreign ones only closed), then runs the loop until every close callback
// has run. Returns uv_loop_close(loop): 0 when nothing is left.
int uvx_loop_close_all(uv_loop_t* loop);

// Allocates a zeroed handle of `size` bytes that uvx_close() will free.
// Used by the uvx_*_new() functions; `size` covers the whole wrapper struct
// whose first member is the libuv handle.
void* uvx_handle_alloc(size_t size);

// Marks `handle` (already initialised by uv_*_init) as made by uvx.
void uvx_handle_adopt(uv_handle_t* handle);
