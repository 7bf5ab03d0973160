#include "req.hpp"

#include <cstdlib>

uvx_req_t* uvx_req_new(uvx_status_cb cb, void* data) {
  auto* req = static_cast<uvx_req_t*>(std::calloc(1, sizeof(uvx_req_t)));
  if (req == nullptr) return nullptr;
  req->uv.req.data = req;
  req->cb = cb;
  req->data = data;
  return req;
}

void uvx_req_detach(uvx_req_t* req) {
  if (req == nullptr) return;
  req->cb = nullptr;
  req->addrinfo_cb = nullptr;
  req->data = nullptr;
  // Only a queued lookup can be cancelled; for one that already runs libuv
  // answers UV_EBUSY and its callback arrives (and is discarded) later.
  if (req->uv.req.type == UV_GETADDRINFO) uv_cancel(&req->uv.req);
}

void uvx_req_finish(uvx_req_t* req, int status) {
  uvx_status_cb cb = req->cb;
  void* data = req->data;
  std::free(req);
  if (cb != nullptr) cb(data, status);
}
