// Recycled byte buffers: a per-thread free list of std::string storage.
//
// What a request makes and drops each time — a request head, the body bytes
// of a response — takes its buffer here and gives it back when done, so a
// request loop in its steady state allocates nothing for them. Bounded in
// count, in the size of a buffer kept (256 KiB; larger ones go back to
// malloc) and in the total a thread keeps (16 MiB). A buffer given back on
// another thread joins that thread's list.
#pragma once

#include <cstddef>
#include <string>

namespace aio::detail {

// What a buffer is taken for: small (a request head, a header store) or
// large (body bytes, up to a read buffer's size). Each use is served from
// buffers of its size first.
enum class BufferUse { small, large };

// An empty string, with the storage of a recycled one when there is one.
std::string take_buffer(BufferUse use = BufferUse::small) noexcept;
// Keeps `s`'s storage for a later take_buffer() when it is small enough and
// the list has room; `s` is left empty either way.
void give_buffer(std::string& s) noexcept;

// Uninitialised blocks of kBlockSize bytes, for socket reads to land in
// (a response body's pieces): a std::string would be zero-filled each time
// it is sized for a read. Kept within the same per-thread total.
inline constexpr std::size_t kBlockSize = 64 * 1024;
// Throws std::bad_alloc.
char* take_block();
// Keeps `block` (from take_block) for reuse, or frees it; null is ignored.
void give_block(char* block) noexcept;

}  // namespace aio::detail
