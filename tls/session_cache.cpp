#include "session_cache.hpp"

namespace aio::tls {

std::string SessionCache::key(std::string_view host, std::uint16_t port, const Config& config) {
  std::string k(host);
  k += ':';
  k += std::to_string(port);
  k += config.verifies() ? "|verify|" : "|insecure|";
  k += std::to_string(config.id());
  return k;
}

std::shared_ptr<const SavedSession> SessionCache::find(const std::string& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second.at);
  return it->second.session;
}

void SessionCache::store(const std::string& key, std::shared_ptr<const SavedSession> session) {
  if (!session) {
    erase(key);
    return;
  }
  auto it = map_.find(key);
  if (it != map_.end()) {
    it->second.session = std::move(session);
    order_.splice(order_.begin(), order_, it->second.at);
    return;
  }
  order_.push_front(key);
  map_.emplace(key, Entry{std::move(session), order_.begin()});
  while (map_.size() > capacity_) {
    map_.erase(order_.back());
    order_.pop_back();
  }
}

void SessionCache::erase(const std::string& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  order_.erase(it->second.at);
  map_.erase(it);
}

void SessionCache::clear() noexcept {
  map_.clear();
  order_.clear();
}

}  // namespace aio::tls
