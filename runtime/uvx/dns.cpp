#include "dns.hpp"

#include <cstdlib>

namespace {

void on_getaddrinfo(uv_getaddrinfo_t* uv, int status, struct addrinfo* res) {
  auto* req = static_cast<uvx_req_t*>(uv->data);
  uvx_addrinfo_cb cb = req->addrinfo_cb;
  void* data = req->data;
  std::free(req);
  if (cb != nullptr)
    cb(data, status, res);
  else
    uv_freeaddrinfo(res);
}

}  // namespace

int uvx_getaddrinfo(uv_loop_t* loop, const char* host, const char* service,
                    const struct addrinfo* hints, uvx_addrinfo_cb cb, void* data,
                    uvx_req_t** req_out) {
  uvx_req_t* req = uvx_req_new(nullptr, data);
  if (req == nullptr) return UV_ENOMEM;
  req->addrinfo_cb = cb;
  int rc = uv_getaddrinfo(loop, &req->uv.getaddrinfo, on_getaddrinfo, host, service, hints);
  if (rc != 0) {
    std::free(req);
    return rc;
  }
  req->uv.req.data = req;  // uv_getaddrinfo does not touch data, but be explicit
  *req_out = req;
  return 0;
}
