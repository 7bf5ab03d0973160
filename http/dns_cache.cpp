#include "dns_cache.hpp"

#include "../runtime/dns.hpp"

namespace aio::http {

Task<std::vector<Address>> DnsCache::resolve(std::string host, uint16_t port) {
  if (auto ip = Address::parse(host, port)) co_return std::vector<Address>{*ip};
  auto now = std::chrono::steady_clock::now();
  if (auto it = entries_.find(host); it != entries_.end()) {
    if (it->second.expires > now) {
      std::vector<Address> out = it->second.addresses;
      for (Address& a : out) a.set_port(port);
      co_return out;
    }
    entries_.erase(it);
  }
  std::vector<Address> found = co_await aio::resolve(host, port);
  if (ttl_.count() > 0 && max_entries_ > 0) {
    if (entries_.size() >= max_entries_) {
      auto oldest = entries_.begin();
      for (auto it = entries_.begin(); it != entries_.end(); ++it)
        if (it->second.expires < oldest->second.expires) oldest = it;
      entries_.erase(oldest);
    }
    Entry e;
    e.addresses = found;
    e.expires = std::chrono::steady_clock::now() + ttl_;
    entries_[host] = std::move(e);
  }
  co_return found;
}

}  // namespace aio::http
