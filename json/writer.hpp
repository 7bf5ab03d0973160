// aio::json::Writer: JSON text written value by value, escaped correctly.
//
//   aio::json::Writer w;
//   w.begin_object()
//       .key("name").value("Zoë \"Z\"\n")        // -> "Zoë \"Z\"\n"
//       .key("ids").begin_array().value(1).value(std::uint64_t{18446744073709551615u}).end_array()
//       .key("ratio").value(0.1)                // -> 0.1 (shortest form that round-trips)
//       .end_object();
//   std::string text = std::move(w).str();
//   auto r = co_await session.post(url, aio::http::RequestOptions().json(w));
//
// Strings: '"' and '\' are escaped, control characters (U+0000-U+001F) as
// \b \f \n \r \t or \u00XX; everything else, non-ASCII UTF-8 included, goes
// out as is ("/" and U+007F too). A string that is not valid UTF-8 throws
// JsonError(invalid_utf8) with the offset inside that string.
//
// Numbers: integers exactly (int64 and uint64); doubles in the shortest form
// that parses back to the same bits, with ".0" added where that form would
// read as an integer (1.0 -> "1.0", -0.0 -> "-0.0"), so a double stays a
// double through a round trip. NaN and infinities throw JsonError
// (invalid_value): JSON cannot represent them.
//
// Structure is checked as it is written: a key outside an object, a value
// where a key is due, a second root value, a mismatched end_*(), or str()
// before the text is complete throw JsonError(writer_misuse). A call that
// throws writes nothing.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node.hpp"
#include "value.hpp"

namespace aio::json {

class Writer {
 public:
  Writer() = default;

  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  // The key of the next member of the enclosing object.
  Writer& key(std::string_view k);

  Writer& null();
  Writer& value(std::nullptr_t) { return null(); }
  Writer& value(bool b);
  template <std::integral T>
  requires(!std::same_as<T, bool> && !detail::is_char_like<T>) Writer& value(T v) {
    if constexpr (std::is_signed_v<T>)
      return write_int(static_cast<std::int64_t>(v));
    else
      return write_uint(static_cast<std::uint64_t>(v));
  }
  Writer& value(double d);
  Writer& value(std::string_view s);
  Writer& value(const char* s) { return value(std::string_view(s)); }
  Writer& value(const std::string& s) { return value(std::string_view(s)); }
  // A built value, or a value of a parsed Document (written anew: numbers
  // and strings as this Writer writes them). Iterative at any depth.
  Writer& value(const Node& n);
  Writer& value(const Array& a);
  Writer& value(const Object& o);
  Writer& value(const Value& v);

  // One root value written and every array and object closed.
  bool complete() const noexcept { return started_ && stack_.empty(); }
  // The text; throws JsonError(writer_misuse) unless complete().
  const std::string& str() const&;
  std::string str() &&;

 private:
  struct Level {
    bool object;
    bool first = true;
    bool awaiting_value = false;  // object: a key was written
  };
  void before_value();
  Writer& write_built(const Node* node, const Array* array, const Object* object);
  Writer& write_int(std::int64_t v);
  Writer& write_uint(std::uint64_t v);
  void open(bool object);
  void close(bool object);
  void check_complete() const;

  std::string out_;
  std::vector<Level> stack_;
  bool started_ = false;
};

// Appends `s` to `out` as a quoted, escaped JSON string. Throws
// JsonError(invalid_utf8) (appending nothing) when `s` is not UTF-8.
void append_quoted(std::string& out, std::string_view s);

}  // namespace aio::json
