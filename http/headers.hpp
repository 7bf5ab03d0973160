// aio::http::Headers: an ordered list of header fields with case-insensitive
// names. Repeated fields are kept (Set-Cookie, Via, ...) in arrival order.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aio::http {

// ASCII case-insensitive equality (header names, tokens).
bool iequals(std::string_view a, std::string_view b) noexcept;

// RFC 9110 token (method, header name): non-empty, tchar only.
bool is_token(std::string_view s) noexcept;
// A header field value we may send: no CR, LF, NUL or other control byte
// except horizontal tab (REQ-INJ).
bool is_valid_field_value(std::string_view s) noexcept;

class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  Headers() = default;
  Headers(std::initializer_list<Field> fields) : fields_(fields) {}

  // Appends a field (kept even when the name repeats).
  void add(std::string name, std::string value);
  // Replaces every field of that name by one.
  void set(std::string name, std::string value);
  // Removes every field of that name; returns how many.
  std::size_t remove(std::string_view name);

  // The first value of `name`, if any.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  std::string get_or(std::string_view name, std::string_view fallback) const;
  // Every value of `name`, in order.
  std::vector<std::string_view> get_all(std::string_view name) const;
  bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
  std::size_t count(std::string_view name) const noexcept;

  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  void clear() noexcept { fields_.clear(); }
  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace aio::http
