#include "detail/frame_alloc.hpp"

#include <new>

namespace aio::detail {

thread_local FrameCache frame_cache;

namespace {

// Frees this thread's cached frames when the thread ends.
struct Cleaner {
  ~Cleaner() {
    for (std::size_t c = 0; c < FrameCache::kClasses; ++c)
      while (void* b = frame_cache.head[c]) {
        frame_cache.head[c] = *static_cast<void**>(b);
        ::operator delete(b);
      }
    frame_cache.cleaner_armed = false;
  }
};

thread_local Cleaner cleaner;

std::size_t block_size(std::size_t size) {
  std::size_t c = (size + FrameCache::kStep - 1) / FrameCache::kStep;
  return c <= FrameCache::kClasses ? c * FrameCache::kStep : size;
}

}  // namespace

void frame_cache_arm_cleaner() noexcept {
  (void)&cleaner;  // odr-use: constructs this thread's Cleaner
  frame_cache.cleaner_armed = true;
}

void* frame_allocate_slow(std::size_t size) {
  if (AIO_RECYCLE_FRAMES && !frame_cache.cleaner_armed) frame_cache_arm_cleaner();
  return ::operator new(block_size(size));
}

void frame_deallocate_slow(void* p, std::size_t size) noexcept {
  if (AIO_RECYCLE_FRAMES && !frame_cache.cleaner_armed) {
    // A frame made on another thread: cache it here from now on.
    frame_cache_arm_cleaner();
    frame_deallocate(p, size);
    return;
  }
  ::operator delete(p);
}

}  // namespace aio::detail
