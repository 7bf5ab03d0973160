#include "address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace aio {

Address::Address() noexcept { std::memset(&storage_, 0, sizeof storage_); }

Address::Address(const sockaddr* sa) noexcept : Address() {
  if (sa->sa_family == AF_INET)
    std::memcpy(&storage_, sa, sizeof(sockaddr_in));
  else if (sa->sa_family == AF_INET6)
    std::memcpy(&storage_, sa, sizeof(sockaddr_in6));
}

std::optional<Address> Address::parse(std::string_view ip, uint16_t port) {
  std::string s(ip);
  Address a;
  auto* in4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (inet_pton(AF_INET, s.c_str(), &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, s.c_str(), &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
  } else {
    return std::nullopt;
  }
  a.set_port(port);
  return a;
}

uint16_t Address::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void Address::set_port(uint16_t port) noexcept {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

std::string Address::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
  else if (family() == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
  return buf;
}

std::string Address::to_string() const {
  std::string host = family() == AF_INET6 ? "[" + ip() + "]" : ip();
  return host + ":" + std::to_string(port());
}

bool operator==(const Address& a, const Address& b) noexcept {
  if (a.family() != b.family()) return false;
  std::size_t n = a.family() == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  return std::memcmp(&a.storage_, &b.storage_, n) == 0;
}

}  // namespace aio
