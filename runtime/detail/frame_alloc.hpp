// Recycled coroutine frames.
//
// Task frames are allocated and freed at a high rate (one per call of a
// coroutine). FrameAllocated gives a promise type a class-level operator
// new/delete that keeps freed frames in per-thread free lists by size class
// (16-byte steps up to 4 KiB) and hands them out again, so the steady state
// allocates nothing. Larger frames go to the global allocator. A frame freed
// on another thread than the one that made it joins that thread's lists.
// Under AddressSanitizer recycling is off, so that a use after free is
// still seen.
//
// The fast paths are inline over a trivially destructible thread_local (no
// initialisation guard on each access); a separate per-thread object frees
// the cached blocks at thread exit.
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#define AIO_RECYCLE_FRAMES 0
#else
#define AIO_RECYCLE_FRAMES 1
#endif

namespace aio::detail {

struct FrameCache {
  static constexpr std::size_t kStep = 16;
  static constexpr std::size_t kClasses = 256;        // up to 4 KiB
  static constexpr std::uint32_t kMaxPerClass = 4096;  // bounds what an idle thread keeps
  void* head[kClasses];
  std::uint32_t count[kClasses];
  bool cleaner_armed;
};

extern thread_local FrameCache frame_cache;

void* frame_allocate_slow(std::size_t size);
void frame_deallocate_slow(void* p, std::size_t size) noexcept;
void frame_cache_arm_cleaner() noexcept;

inline void* frame_allocate(std::size_t size) {
  if constexpr (AIO_RECYCLE_FRAMES) {
    std::size_t c = (size + FrameCache::kStep - 1) / FrameCache::kStep - 1;
    if (c < FrameCache::kClasses) {
      if (void* b = frame_cache.head[c]) {
        frame_cache.head[c] = *static_cast<void**>(b);
        --frame_cache.count[c];
        return b;
      }
    }
  }
  return frame_allocate_slow(size);
}

inline void frame_deallocate(void* p, std::size_t size) noexcept {
  if constexpr (AIO_RECYCLE_FRAMES) {
    std::size_t c = (size + FrameCache::kStep - 1) / FrameCache::kStep - 1;
    if (c < FrameCache::kClasses && frame_cache.count[c] < FrameCache::kMaxPerClass && frame_cache.cleaner_armed) {
      *static_cast<void**>(p) = frame_cache.head[c];
      frame_cache.head[c] = p;
      ++frame_cache.count[c];
      return;
    }
  }
  frame_deallocate_slow(p, size);
}

struct FrameAllocated {
  static void* operator new(std::size_t size) { return frame_allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { frame_deallocate(p, size); }
};

}  // namespace aio::detail
