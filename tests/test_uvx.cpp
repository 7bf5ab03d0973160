// The C-style layer on its own: the close protocol and request detachment.
#include <aio/runtime/uvx/handle.hpp>

#include <doctest/doctest.h>

#include <netinet/in.h>

#include <aio/runtime/uvx/dns.hpp>
#include <aio/runtime/uvx/tcp.hpp>
#include <aio/runtime/uvx/timer.hpp>

namespace {

struct LoopGuard {
  uv_loop_t loop;
  LoopGuard() { uv_loop_init(&loop); }
  ~LoopGuard() { CHECK(uvx_loop_close_all(&loop) == 0); }
};

void count(void* data) { ++*static_cast<int*>(data); }
void record_status(void* data, int status) { *static_cast<int*>(data) = status; }

}  // namespace

TEST_CASE("uvx timer fires once and is freed by uvx_close") {
  LoopGuard g;
  uvx_timer_t* t = nullptr;
  REQUIRE(uvx_timer_new(&g.loop, &t) == 0);
  CHECK(uvx_owns(reinterpret_cast<uv_handle_t*>(t)));
  int fired = 0;
  uvx_timer_start(t, 1, count, &fired);
  uv_run(&g.loop, UV_RUN_DEFAULT);
  CHECK(fired == 1);
  uvx_close(reinterpret_cast<uv_handle_t*>(t));
  uvx_close(reinterpret_cast<uv_handle_t*>(t));  // idempotent while closing
}

TEST_CASE("a stopped uvx timer never calls back") {
  LoopGuard g;
  uvx_timer_t* t = nullptr;
  REQUIRE(uvx_timer_new(&g.loop, &t) == 0);
  int fired = 0;
  uvx_timer_start(t, 1, count, &fired);
  uvx_timer_stop(t);
  uv_run(&g.loop, UV_RUN_NOWAIT);
  CHECK(fired == 0);
  uvx_close(reinterpret_cast<uv_handle_t*>(t));
}

TEST_CASE("a detached connect request completes after close without calling back") {
  LoopGuard g;
  uvx_tcp_t* tcp = nullptr;
  REQUIRE(uvx_tcp_new(&g.loop, &tcp) == 0);
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", 1, &addr);  // nothing listens on port 1
  int status = 12345;
  uvx_req_t* req = nullptr;
  REQUIRE(uvx_tcp_connect(tcp, reinterpret_cast<sockaddr*>(&addr), record_status, &status, &req) == 0);
  uvx_req_detach(req);
  uvx_close(reinterpret_cast<uv_handle_t*>(tcp));
  uv_run(&g.loop, UV_RUN_DEFAULT);
  CHECK(status == 12345);  // the callback was not called; the request freed itself
}

TEST_CASE("uvx_loop_close_all closes and frees handles left open") {
  LoopGuard g;
  uvx_tcp_t* tcp = nullptr;
  uvx_timer_t* t = nullptr;
  REQUIRE(uvx_tcp_new(&g.loop, &tcp) == 0);
  REQUIRE(uvx_timer_new(&g.loop, &t) == 0);
  int fired = 0;
  uvx_timer_start(t, 100000, count, &fired);
  // LoopGuard's destructor closes both and checks uv_loop_close() == 0.
}

TEST_CASE("a detached getaddrinfo frees its result unseen") {
  LoopGuard g;
  uvx_req_t* req = nullptr;
  auto cb = [](void* data, int, struct addrinfo* res) {
    *static_cast<int*>(data) = 1;
    uv_freeaddrinfo(res);
  };
  int called = 0;
  REQUIRE(uvx_getaddrinfo(&g.loop, "localhost", "80", nullptr, cb, &called, &req) == 0);
  uvx_req_detach(req);
  uv_run(&g.loop, UV_RUN_DEFAULT);
  CHECK(called == 0);
}
