// Test helpers: run a task on a fresh loop and prove teardown left nothing.
#pragma once

#include <doctest/doctest.h>

#include <aio/runtime/loop.hpp>
#include <aio/runtime/task.hpp>

namespace test {

// Runs `task` on its own Loop, closes the loop, and checks that no libuv
// handle was left behind (uv_loop_close() == 0).
template <class T>
T run(aio::Task<T> task) {
  aio::Loop loop;
  struct Closer {
    aio::Loop& loop;
    ~Closer() { CHECK(loop.close() == 0); }
  } closer{loop};
  return loop.run(std::move(task));
}

// Counts live instances, to prove nothing leaks or is destroyed twice.
struct Counted {
  static inline int alive = 0;
  static inline int constructed = 0;
  Counted() { ++alive, ++constructed; }
  Counted(const Counted&) { ++alive, ++constructed; }
  Counted(Counted&&) noexcept { ++alive, ++constructed; }
  Counted& operator=(const Counted&) = default;
  Counted& operator=(Counted&&) = default;
  ~Counted() { --alive; }
  static void reset() { alive = constructed = 0; }
};

}  // namespace test
