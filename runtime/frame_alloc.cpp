#include "detail/frame_alloc.hpp"

#include <new>
#include <utility>

#if defined(__SANITIZE_ADDRESS__)
#define AIO_RECYCLE_FRAMES 0
#else
#define AIO_RECYCLE_FRAMES 1
#endif

namespace aio::detail {
namespace {

constexpr std::size_t kStep = 64;
constexpr std::size_t kClasses = 32;         // up to 2 KiB
constexpr std::size_t kMaxPerClass = 4096;   // bounds what an idle thread keeps

struct FreeBlock {
  FreeBlock* next;
};

struct FreeLists {
  FreeBlock* head[kClasses] = {};
  std::size_t count[kClasses] = {};
  ~FreeLists() {
    for (FreeBlock*& h : head)
      while (h) ::operator delete(std::exchange(h, h->next));
  }
};

thread_local FreeLists lists;

std::size_t size_class(std::size_t size) { return (size + kStep - 1) / kStep - 1; }

}  // namespace

void* frame_allocate(std::size_t size) {
  if (AIO_RECYCLE_FRAMES) {
    std::size_t c = size_class(size);
    if (c < kClasses) {
      if (FreeBlock* b = lists.head[c]) {
        lists.head[c] = b->next;
        --lists.count[c];
        return b;
      }
      return ::operator new((c + 1) * kStep);
    }
  }
  return ::operator new(size);
}

void frame_deallocate(void* p, std::size_t size) noexcept {
  if (AIO_RECYCLE_FRAMES) {
    std::size_t c = size_class(size);
    if (c < kClasses && lists.count[c] < kMaxPerClass) {
      auto* b = static_cast<FreeBlock*>(p);
      b->next = lists.head[c];
      lists.head[c] = b;
      ++lists.count[c];
      return;
    }
  }
  ::operator delete(p);
}

}  // namespace aio::detail
