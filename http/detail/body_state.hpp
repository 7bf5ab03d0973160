// What a Response needs to read its body: the pooled connection it holds,
// the decoder, and the request's deadlines.
#pragma once

#include <optional>
#include <string>

#include "../content_decoder.hpp"
#include "../pool.hpp"
#include "../../runtime/detail/buffer_cache.hpp"
#include "../../runtime/detail/frame_alloc.hpp"
#include "timed.hpp"

namespace aio::http::detail {

// Recycled like coroutine frames (FrameAllocated): one is made per response.
// Its byte buffers come from and go back to the per-thread buffer cache.
struct BodyState : aio::detail::FrameAllocated {
  BodyState() noexcept : raw(aio::detail::take_buffer(aio::detail::BufferUse::large)) {}
  ~BodyState() {
    aio::detail::give_buffer(raw);
    aio::detail::give_buffer(chunk);
    aio::detail::give_block(landing);
  }
  BodyState(const BodyState&) = delete;
  BodyState& operator=(const BodyState&) = delete;

  Pool::Lease lease;
  std::string raw;      // body bytes with transfer framing removed
  std::string chunk;    // decoded bytes last handed to the caller (taken with the decoder)
  // Where a Content-Length body's socket reads land (aio::detail::kBlockSize
  // bytes, taken on the first such read): read_chunk() hands out views of it.
  char* landing = nullptr;
  std::string encoding;  // Content-Encoding to undo ("" : none)
  std::optional<ContentDecoder> decoder;
  Clock::time_point deadline = Clock::time_point::max();
  std::optional<Millis> sock_read;
  Millis total{0};
  std::size_t max_body = 0;
  RequestName context;  // "GET http://host/path", for messages
  std::string peer;     // "127.0.0.1:8080"
  bool done = false;
};

}  // namespace aio::http::detail
