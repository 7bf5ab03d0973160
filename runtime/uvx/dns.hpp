// uvx DNS: cancellable uv_getaddrinfo.
#pragma once

#include "req.hpp"

// Starts a lookup of host/service; cb(data, status, res) runs when it ends,
// and owns `res`. Detach with uvx_req_detach(*req_out): libuv then cancels
// it if it is still queued (the result, if any, is freed unseen).
int uvx_getaddrinfo(uv_loop_t* loop, const char* host, const char* service,
                    const struct addrinfo* hints, uvx_addrinfo_cb cb, void* data,
                    uvx_req_t** req_out);
