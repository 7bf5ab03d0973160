#include "detail/buffer_cache.hpp"

#include <cstddef>
#include <utility>

namespace aio::detail {

namespace {

constexpr std::size_t kKeep = 256;               // buffers of each size
constexpr std::size_t kLarge = 4096;             // from this capacity on, a buffer is large
constexpr std::size_t kKeepBytes = 256 * 1024;    // the largest kept (a transport's read buffer)
constexpr std::size_t kKeepTotal = 16 << 20;      // what one thread keeps at most

constexpr std::size_t kKeepBlocks = kKeepTotal / kBlockSize;

// Small and large buffers are kept apart: a body taking the small buffer a
// request head gave back would have to grow it (an allocation) while a
// large one waits below it.
struct Stack {
  std::string items[kKeep];
  std::size_t n = 0;
};

struct BufferCache {
  Stack small, large;
  char* blocks[kKeepBlocks];
  std::size_t n_blocks = 0;
  std::size_t bytes = 0;  // strings' capacity and blocks, together
  ~BufferCache();
};

// Trivially destructible, so that a buffer given back after the thread's
// cache was destroyed (by a static object, at exit) sees that it is gone.
thread_local bool cache_gone = false;
thread_local BufferCache cache;

BufferCache::~BufferCache() {
  cache_gone = true;
  while (n_blocks > 0) delete[] blocks[--n_blocks];
}

bool pop(Stack& from, std::string& s) noexcept {
  if (from.n == 0) return false;
  s = std::move(from.items[--from.n]);
  cache.bytes -= s.capacity();
  return true;
}

}  // namespace

std::string take_buffer(BufferUse use) noexcept {
  std::string s;
  if (cache_gone) return s;
  Stack& first = use == BufferUse::large ? cache.large : cache.small;
  Stack& second = use == BufferUse::large ? cache.small : cache.large;
  if (!pop(first, s)) pop(second, s);
  return s;
}

void give_buffer(std::string& s) noexcept {
  s.clear();
  if (cache_gone || s.capacity() <= 15 || s.capacity() > kKeepBytes) {
    std::string().swap(s);
    return;
  }
  BufferCache& c = cache;
  Stack& to = s.capacity() >= kLarge ? c.large : c.small;
  if (to.n == kKeep || c.bytes + s.capacity() > kKeepTotal) {
    std::string().swap(s);
    return;
  }
  c.bytes += s.capacity();
  to.items[to.n++] = std::move(s);  // s is left empty
}

char* take_block() {
  if (!cache_gone && cache.n_blocks > 0) {
    cache.bytes -= kBlockSize;
    return cache.blocks[--cache.n_blocks];
  }
  return new char[kBlockSize];
}

void give_block(char* block) noexcept {
  if (block == nullptr) return;
  if (cache_gone || cache.n_blocks == kKeepBlocks || cache.bytes + kBlockSize > kKeepTotal) {
    delete[] block;
    return;
  }
  cache.bytes += kBlockSize;
  cache.blocks[cache.n_blocks++] = block;
}

}  // namespace aio::detail
