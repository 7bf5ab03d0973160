// Recycled coroutine frames.
//
// Task frames are allocated and freed at a high rate (one per call of a
// coroutine). FrameAllocated gives a promise type a class-level operator
// new/delete that keeps freed frames in per-thread free lists by size class
// (64-byte steps up to 2 KiB) and hands them out again, so the steady state
// allocates nothing. Larger frames go to the global allocator. Under
// AddressSanitizer recycling is off, so that a use after free is still seen.
#pragma once

#include <cstddef>

namespace aio::detail {

void* frame_allocate(std::size_t size);
void frame_deallocate(void* p, std::size_t size) noexcept;

struct FrameAllocated {
  static void* operator new(std::size_t size) { return frame_allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { frame_deallocate(p, size); }
};

}  // namespace aio::detail
