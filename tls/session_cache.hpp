// aio::tls::SessionCache: resumable TLS sessions by origin, so that a new
// connection to a known host resumes (an abbreviated handshake: no
// certificate sent, no key exchange) instead of a full handshake.
//
// A resumed session skips certificate verification, so the key holds
// everything the first verification depended on: host, port, and the
// Config (its id stands for the trust anchors and the verify mode;
// Config::id() is unique per Config). An aio::http::Session owns one cache
// for its connections.
//
// Bounded (least recently used goes first); not thread-safe: one loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config.hpp"

namespace aio::tls {

struct SavedSession;

class SessionCache {
 public:
  explicit SessionCache(std::size_t capacity = 256) : capacity_(capacity == 0 ? 1 : capacity) {}

  static std::string key(std::string_view host, std::uint16_t port, const Config& config);

  // The session stored under `key`, or null.
  std::shared_ptr<const SavedSession> find(const std::string& key);
  // Stores (replaces) the session for `key`; a null session erases it.
  void store(const std::string& key, std::shared_ptr<const SavedSession> session);
  void erase(const std::string& key);
  void clear() noexcept;
  std::size_t size() const noexcept { return map_.size(); }

 private:
  using Order = std::list<std::string>;
  struct Entry {
    std::shared_ptr<const SavedSession> session;
    Order::iterator at;
  };
  std::size_t capacity_;
  Order order_;  // most recently used first
  std::unordered_map<std::string, Entry> map_;
};

}  // namespace aio::tls
