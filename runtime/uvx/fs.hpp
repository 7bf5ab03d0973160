// uvx file reads: uv_fs_read on libuv's thread pool, with a buffer the
// request owns while it runs.
//
// A thread-pool read cannot be stopped once a worker has started it, so the
// buffer must not belong to the caller's frame: the caller hands a malloc'd
// buffer to the request and gets it back in the callback. A caller that goes
// away detaches (uvx_fs_detach): libuv cancels the read if it is still
// queued, and the request frees itself and the buffer when it ends.
#pragma once

#include <sys/types.h>

#include "handle.hpp"

// result: bytes read (0 at end of file) or a negative libuv error code.
// `buf` is the caller's again.
typedef void (*uvx_read_cb)(void* data, ssize_t result, char* buf);

typedef struct uvx_fs_s uvx_fs_t;

// Reads up to len bytes of `file` into buf (malloc'd; owned by the request
// until the callback) at `offset` (-1: the file's current position, for pipes
// and terminals). On failure to start returns an error code and the buffer
// stays the caller's.
int uvx_fs_read(uv_loop_t* loop, uv_file file, char* buf, size_t len, int64_t offset, uvx_read_cb cb,
                void* data, uvx_fs_t** req_out);

// The caller will not take the result: cb is not called, and buf is freed.
void uvx_fs_detach(uvx_fs_t* req);
