// aio::http::Headers: an ordered list of header fields with case-insensitive
// names. Repeated fields are kept (Set-Cookie, Via, ...) in arrival order.
//
// Storage: every name and value is copied back to back into one byte
// buffer, and the fields are spans into it, so a parsed head costs two
// buffers however many fields it has. Those buffers are recycled: a Headers
// that is destroyed gives them back to per-thread free lists (bounded; the
// byte buffer to the runtime's buffer cache) and the next Headers that
// grows takes them, so a request loop in its steady state allocates
// nothing for headers.
// Iteration yields Field, a pair of string_views valid until the Headers
// is next modified or destroyed.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iterator>
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
  struct Entry {  // spans into bytes_
    std::uint32_t name_at, name_len, value_at, value_len;
  };

 public:
  using Field = std::pair<std::string_view, std::string_view>;

  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Field;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Field;
    const_iterator() noexcept = default;
    Field operator*() const noexcept { return owner_->field(*at_); }
    const_iterator& operator++() noexcept {
      ++at_;
      return *this;
    }
    const_iterator operator++(int) noexcept {
      const_iterator t = *this;
      ++at_;
      return t;
    }
    bool operator==(const const_iterator& o) const noexcept { return at_ == o.at_; }

   private:
    friend class Headers;
    const_iterator(const Headers* h, const Entry* at) noexcept : owner_(h), at_(at) {}
    const Headers* owner_ = nullptr;
    const Entry* at_ = nullptr;
  };

  Headers() noexcept = default;
  Headers(std::initializer_list<Field> fields);
  Headers(const Headers& o);
  Headers& operator=(const Headers& o);
  Headers(Headers&& o) noexcept
      : bytes_(std::move(o.bytes_)), entries_(std::move(o.entries_)), names_(std::exchange(o.names_, 0)) {}
  Headers& operator=(Headers&& o) noexcept;
  ~Headers();

  // Appends a field (kept even when the name repeats). The views may point
  // into this Headers.
  void add(std::string_view name, std::string_view value);
  // Replaces every field of that name by one.
  void set(std::string_view name, std::string_view value);
  // Removes every field of that name; returns how many.
  std::size_t remove(std::string_view name);

  // The first value of `name`, if any.
  std::optional<std::string_view> get(std::string_view name) const noexcept;
  std::string get_or(std::string_view name, std::string_view fallback) const;
  // Every value of `name`, in order.
  std::vector<std::string_view> get_all(std::string_view name) const;
  // Calls f(value) for every value of `name`, in order (allocates nothing).
  template <class F>
  void for_each(std::string_view name, F&& f) const {
    if ((names_ & name_bit(name)) == 0) return;
    for (const Entry& e : entries_)
      if (iequals(view(e.name_at, e.name_len), name)) f(view(e.value_at, e.value_len));
  }
  bool contains(std::string_view name) const noexcept { return get(name).has_value(); }
  std::size_t count(std::string_view name) const noexcept;

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  // Removes every field; keeps the buffers.
  void clear() noexcept {
    entries_.clear();
    bytes_.clear();
    names_ = 0;
  }
  const_iterator begin() const noexcept { return {this, entries_.data()}; }
  const_iterator end() const noexcept { return {this, entries_.data() + entries_.size()}; }

 private:
  // A name's bit in names_: from its length and its first byte with bit
  // 0x20 set (ASCII letters folded to lower case; a few punctuation pairs
  // fold together too, which only shares a bit), so that names equal but
  // for case get the same bit.
  static std::uint64_t name_bit(std::string_view name) noexcept {
    unsigned first = name.empty() ? 0u : (static_cast<unsigned char>(name[0]) | 0x20u);
    return std::uint64_t{1} << ((name.size() * 7 + first) & 63);
  }
  std::string_view view(std::uint32_t at, std::uint32_t len) const noexcept { return {bytes_.data() + at, len}; }
  Field field(const Entry& e) const noexcept { return {view(e.name_at, e.name_len), view(e.value_at, e.value_len)}; }
  void recycle() noexcept;
  void reserve_from_cache();
  friend struct HeadersRecycler;

  std::string bytes_;
  std::vector<Entry> entries_;
  // The bits of the names present (name_bit): a lookup of a name that is
  // not there (Location, Set-Cookie, Transfer-Encoding on most responses)
  // ends here instead of comparing every name.
  std::uint64_t names_ = 0;
};

}  // namespace aio::http
