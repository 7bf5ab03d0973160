// uvx requests: a libuv request owned by its callback.
//
// The caller gets a uvx_req_t* back from the call that started the request
// and may detach from it with uvx_req_detach(): the callback is then never
// called, and the request frees itself when libuv completes it. This is how
// a cancelled coroutine leaves a connect, write, shutdown or DNS lookup
// behind without anything touching its freed frame.
#pragma once

#include "handle.hpp"

struct addrinfo;

// Called when a getaddrinfo request ends; owns `res` (free it with
// uv_freeaddrinfo). `status` is 0 or a negative libuv code (UV_EAI_*).
typedef void (*uvx_addrinfo_cb)(void* data, int status, struct addrinfo* res);

typedef struct uvx_req_s {
  union {
    uv_req_t req;
    uv_connect_t connect;
    uv_write_t write;
    uv_shutdown_t shutdown;
    uv_getaddrinfo_t getaddrinfo;
  } uv;
  uvx_status_cb cb;
  uvx_addrinfo_cb addrinfo_cb;
  void* data;
} uvx_req_t;

// Allocates a request whose completion calls cb(data, status).
uvx_req_t* uvx_req_new(uvx_status_cb cb, void* data);

// Detaches the caller: the request's callback will not be called. For a
// getaddrinfo request this also asks libuv to cancel it (which only succeeds
// while the lookup is still queued; otherwise the result is discarded when it
// arrives). For connect/write/shutdown the request completes when the stream
// is closed or the operation ends.
void uvx_req_detach(uvx_req_t* req);

// The request's completion: calls the callback unless detached, then frees.
void uvx_req_finish(uvx_req_t* req, int status);
