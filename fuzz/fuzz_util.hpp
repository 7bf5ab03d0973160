// Helpers shared by the libFuzzer targets in fuzz/ (not part of the library).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// An invariant of the code under test: a failure aborts, which libFuzzer
// reports as a crash and saves the input.
#define FUZZ_CHECK(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

namespace fuzz {

// FNV-1a: split points and small choices derived from the input itself, so
// the seeds stay plain bytes (a real response, a real URL) and every mutation
// also moves the split points.
inline std::uint64_t hash(std::string_view s) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// xorshift64*: a stream of pseudo-random numbers from a seed.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : s_(seed != 0 ? seed : 0x9e3779b97f4a7c15ull) {}
  std::uint64_t next() noexcept {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 2685821657736338717ull;
  }
  // 1 .. max
  std::size_t piece(std::size_t max) noexcept { return 1 + static_cast<std::size_t>(next() % max); }

 private:
  std::uint64_t s_;
};

// A byte that must never reach a parsed header (controls other than HTAB).
inline bool is_ctl(unsigned char c) noexcept { return (c < 0x20 && c != '\t') || c == 0x7f; }
inline bool has_ctl(std::string_view s) noexcept {
  for (unsigned char c : s)
    if (is_ctl(c)) return true;
  return false;
}

}  // namespace fuzz
