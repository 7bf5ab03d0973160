// aio::resolve: asynchronous name lookup (uv_getaddrinfo on libuv's thread
// pool).
//
//   std::vector<aio::Address> addrs = co_await aio::resolve("localhost", 80);
//
// Returns every address the resolver gave, in its order (TCP, any family).
// A name that does not resolve throws IoError with a UV_EAI_* code.
// Cancellation cancels the lookup if it is still queued; a lookup already
// running is detached and its late result freed unseen, so nothing touches
// the cancelled task's frame.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "address.hpp"
#include "detail/suspension.hpp"

struct addrinfo;
struct uvx_req_s;

namespace aio {

namespace detail {

class ResolveAwaiter final : public Suspension {
 public:
  ResolveAwaiter(std::string host, uint16_t port) noexcept : host_(std::move(host)), port_(port) {}
  ~ResolveAwaiter();
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    if (!begin(h)) return false;
    return start();
  }
  std::vector<Address> await_resume();

 private:
  bool start();
  bool on_cancel() noexcept override;
  static void on_done(void* self, int status, addrinfo* res) noexcept;

  std::string host_;
  uint16_t port_;
  uvx_req_s* req_ = nullptr;
  int status_ = 0;
  std::vector<Address> addresses_;
};

}  // namespace detail

[[nodiscard]] inline detail::ResolveAwaiter resolve(std::string host, uint16_t port) noexcept {
  return detail::ResolveAwaiter(std::move(host), port);
}

}  // namespace aio
