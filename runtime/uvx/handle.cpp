#include "handle.hpp"

#include <cstdlib>
#include <cstring>

#include "tcp.hpp"

namespace {

// Handles made by uvx carry this address in uv_handle_t::data, so a walk at
// teardown knows which handles it may free.
char uvx_tag;

void on_close(uv_handle_t* handle) {
  if (handle->type == UV_TCP) std::free(reinterpret_cast<uvx_tcp_t*>(handle)->buf);
  std::free(handle);
}

void close_any(uv_handle_t* handle, void*) {
  if (uv_is_closing(handle)) return;
  if (uvx_owns(handle))
    uvx_close(handle);
  else
    uv_close(handle, nullptr);
}

}  // namespace

void* uvx_handle_alloc(size_t size) { return std::calloc(1, size); }

void uvx_handle_adopt(uv_handle_t* handle) { handle->data = &uvx_tag; }

bool uvx_owns(const uv_handle_t* handle) { return handle->data == &uvx_tag; }

void uvx_close(uv_handle_t* handle) {
  if (handle == nullptr || uv_is_closing(handle)) return;
  uv_close(handle, on_close);
}

int uvx_loop_close_all(uv_loop_t* loop) {
  uv_walk(loop, close_any, nullptr);
  // Close callbacks run in the next pass; a closed stream's write callbacks
  // (UV_ECANCELED) run before them.
  while (uv_run(loop, UV_RUN_NOWAIT) != 0) {
  }
  return uv_loop_close(loop);
}
