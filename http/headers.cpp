#include "headers.hpp"

#include <algorithm>

#include "../runtime/detail/buffer_cache.hpp"

namespace aio::http {

namespace {
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

namespace {

// Byte classes, looked up once per byte (these run on every header of every
// request and response).
struct ByteClasses {
  bool tchar[256] = {};
  bool bad_in_value[256] = {};  // control bytes but HTAB, and DEL
  constexpr ByteClasses() {
    for (int c = '0'; c <= '9'; ++c) tchar[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) tchar[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) tchar[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) tchar[static_cast<unsigned char>(c)] = true;
    for (int c = 0; c < 0x20; ++c) bad_in_value[c] = c != '\t';
    bad_in_value[0x7f] = true;
  }
};
constexpr ByteClasses kBytes;

}  // namespace

bool is_token(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (!kBytes.tchar[c]) return false;
  return true;
}

bool is_valid_field_value(std::string_view s) noexcept {
  for (unsigned char c : s)
    if (kBytes.bad_in_value[c]) return false;
  return true;
}

void Headers::add(std::string_view name, std::string_view value) {
  if (bytes_.capacity() <= 15 || entries_.capacity() == 0) reserve_from_cache();
  // The views may point into bytes_, which the appends below can move.
  const char* base = bytes_.data();
  bool name_inside = name.data() >= base && name.data() < base + bytes_.size();
  bool value_inside = value.data() >= base && value.data() < base + bytes_.size();
  std::size_t name_off = name_inside ? static_cast<std::size_t>(name.data() - base) : 0;
  std::size_t value_off = value_inside ? static_cast<std::size_t>(value.data() - base) : 0;
  Entry e{};
  e.name_at = static_cast<std::uint32_t>(bytes_.size());
  e.name_len = static_cast<std::uint32_t>(name.size());
  if (name_inside)
    bytes_.append(bytes_, name_off, name.size());
  else
    bytes_.append(name);
  e.value_at = static_cast<std::uint32_t>(bytes_.size());
  e.value_len = static_cast<std::uint32_t>(value.size());
  if (value_inside)
    bytes_.append(bytes_, value_off, value.size());
  else
    bytes_.append(value);
  entries_.push_back(e);
  names_ |= name_bit(name);
}

void Headers::set(std::string_view name, std::string_view value) {
  // remove() keeps the bytes, so views into this Headers stay valid.
  remove(name);
  add(name, value);
}

std::size_t Headers::remove(std::string_view name) {
  if ((names_ & name_bit(name)) == 0) return 0;
  auto it = std::remove_if(entries_.begin(), entries_.end(),
                           [&](const Entry& e) { return iequals(view(e.name_at, e.name_len), name); });
  std::size_t n = static_cast<std::size_t>(entries_.end() - it);
  entries_.erase(it, entries_.end());
  names_ = 0;
  for (const Entry& e : entries_) names_ |= name_bit(view(e.name_at, e.name_len));
  return n;
}

std::optional<std::string_view> Headers::get(std::string_view name) const noexcept {
  if ((names_ & name_bit(name)) == 0) return std::nullopt;
  for (const Entry& e : entries_)
    if (iequals(view(e.name_at, e.name_len), name)) return view(e.value_at, e.value_len);
  return std::nullopt;
}

std::string Headers::get_or(std::string_view name, std::string_view fallback) const {
  auto v = get(name);
  return std::string(v ? *v : fallback);
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for_each(name, [&](std::string_view v) { out.push_back(v); });
  return out;
}

std::size_t Headers::count(std::string_view name) const noexcept {
  std::size_t n = 0;
  for_each(name, [&](std::string_view) { ++n; });
  return n;
}

// --- copies and buffer recycling ---

// The byte buffer comes from and goes back to the per-thread buffer cache
// (runtime/detail/buffer_cache.hpp); the entry vectors have a free list of
// their own here, bounded in count and in the size of what it keeps.
struct HeadersRecycler {
  static constexpr std::size_t kKeep = 64;
  static constexpr std::size_t kKeepBytes = 16 * 1024;
  std::vector<Headers::Entry> entries[kKeep];
  std::size_t entries_n = 0;
  HeadersRecycler() noexcept;
  ~HeadersRecycler();
};

namespace {
// Trivially destructible, so that a Headers destroyed after the thread's
// recycler (a static one, at exit) sees that it is gone.
thread_local bool recycler_gone = false;
thread_local HeadersRecycler recycler;
}  // namespace

HeadersRecycler::HeadersRecycler() noexcept = default;
HeadersRecycler::~HeadersRecycler() { recycler_gone = true; }

void Headers::reserve_from_cache() {
  if (bytes_.capacity() <= 15) {
    std::string b = aio::detail::take_buffer();
    b.append(bytes_);  // keeps what this one held (at most 15 bytes)
    bytes_.swap(b);
  }
  if (recycler_gone) return;
  HeadersRecycler& r = recycler;
  if (entries_.capacity() == 0 && r.entries_n > 0) entries_.swap(r.entries[--r.entries_n]);
}

void Headers::recycle() noexcept {
  aio::detail::give_buffer(bytes_);
  if (recycler_gone) return;
  HeadersRecycler& r = recycler;
  if (entries_.capacity() != 0 && entries_.capacity() * sizeof(Entry) <= HeadersRecycler::kKeepBytes &&
      r.entries_n < HeadersRecycler::kKeep) {
    entries_.clear();
    entries_.swap(r.entries[r.entries_n++]);
  }
}

Headers::Headers(std::initializer_list<Field> fields) {
  for (const Field& f : fields) add(f.first, f.second);
}

Headers::Headers(const Headers& o) {
  for (const Field& f : o) add(f.first, f.second);
}

Headers& Headers::operator=(const Headers& o) {
  if (this != &o) {
    clear();
    for (const Field& f : o) add(f.first, f.second);
  }
  return *this;
}

Headers& Headers::operator=(Headers&& o) noexcept {
  if (this != &o) {
    recycle();
    bytes_ = std::move(o.bytes_);
    entries_ = std::move(o.entries_);
    names_ = o.names_;
    o.bytes_.clear();
    o.entries_.clear();
    o.names_ = 0;
  }
  return *this;
}

Headers::~Headers() { recycle(); }

}  // namespace aio::http
