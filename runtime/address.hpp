// aio::Address: an IPv4 or IPv6 socket address (sockaddr_storage).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aio {

class Address {
 public:
  Address() noexcept;
  // Copies `sa` (AF_INET or AF_INET6).
  explicit Address(const sockaddr* sa) noexcept;

  // Parses a numeric IPv4 or IPv6 address (no brackets, no name lookup).
  static std::optional<Address> parse(std::string_view ip, uint16_t port);

  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  int family() const noexcept { return storage_.ss_family; }
  uint16_t port() const noexcept;
  void set_port(uint16_t port) noexcept;

  // "127.0.0.1" or "::1".
  std::string ip() const;
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string to_string() const;

  friend bool operator==(const Address& a, const Address& b) noexcept;

 private:
  sockaddr_storage storage_;
};

}  // namespace aio
