// aio::http::DnsCache: name lookups through libuv with a TTL cache.
//
// A numeric host (IPv4 or IPv6 literal) needs no lookup. Other names are
// resolved with aio::resolve and the answer kept for `ttl`; the cache holds
// at most `max_entries` names (the oldest entry goes first). Every address
// of an answer is returned, in the resolver's order, so the caller can try
// them in turn.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "../runtime/address.hpp"
#include "../runtime/task.hpp"

namespace aio::http {

class DnsCache {
 public:
  DnsCache(std::chrono::milliseconds ttl, std::size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

  // The addresses of `host` with `port` set. Throws IoError (UV_EAI_*) when
  // the name does not resolve. The cache must outlive the task.
  Task<std::vector<Address>> resolve(std::string host, uint16_t port);

  std::size_t size() const noexcept { return entries_.size(); }
  void clear() noexcept { entries_.clear(); }

 private:
  struct Entry {
    std::vector<Address> addresses;
    std::chrono::steady_clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace aio::http
