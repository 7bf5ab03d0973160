#include "dns.hpp"

#include <netdb.h>

#include "uvx/dns.hpp"

namespace aio::detail {

ResolveAwaiter::~ResolveAwaiter() { uvx_req_detach(req_); }

bool ResolveAwaiter::start() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string service = std::to_string(port_);
  status_ = uvx_getaddrinfo(Loop::current().uv(), host_.c_str(), service.c_str(), &hints,
                            &ResolveAwaiter::on_done, this, &req_);
  return status_ == 0;
}

void ResolveAwaiter::on_done(void* self, int status, addrinfo* res) noexcept {
  auto* a = static_cast<ResolveAwaiter*>(self);
  a->req_ = nullptr;
  a->status_ = status;
  try {
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next)
      if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) a->addresses_.emplace_back(ai->ai_addr);
  } catch (...) {
    a->status_ = UV_ENOMEM;
  }
  uv_freeaddrinfo(res);
  a->complete();
}

bool ResolveAwaiter::on_cancel() noexcept {
  uvx_req_detach(std::exchange(req_, nullptr));
  return true;
}

std::vector<Address> ResolveAwaiter::await_resume() {
  end();
  if (status_ == 0 && addresses_.empty()) status_ = UV_EAI_NONAME;
  if (status_ != 0) throw IoError(status_, "resolve " + host_);
  return std::move(addresses_);
}

}  // namespace aio::detail
