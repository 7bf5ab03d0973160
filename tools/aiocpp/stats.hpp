// Latency percentiles for fetch and bench.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace aiocpp_cli {

// Microsecond samples; percentile() sorts lazily.
class Latencies {
 public:
  void add(std::uint64_t us) {
    samples_.push_back(us);
    sorted_ = false;
  }
  void merge(const Latencies& o) {
    samples_.insert(samples_.end(), o.samples_.begin(), o.samples_.end());
    sorted_ = false;
  }
  std::size_t count() const { return samples_.size(); }
  // p in [0, 100]; 0 when empty.
  std::uint64_t percentile(double p) {
    if (samples_.empty()) return 0;
    if (!sorted_) std::sort(samples_.begin(), samples_.end()), sorted_ = true;
    std::size_t i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(samples_.size() - 1) + 0.5);
    return samples_[std::min(i, samples_.size() - 1)];
  }
  std::uint64_t max() { return percentile(100); }

 private:
  std::vector<std::uint64_t> samples_;
  bool sorted_ = true;
};

}  // namespace aiocpp_cli
