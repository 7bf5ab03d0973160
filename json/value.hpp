// aio::json::Value: a read-only view of one value inside a parsed Document.
//
//   aio::json::Document doc = co_await resp.json();
//   std::int64_t id = doc["user"]["id"].get<std::int64_t>();
//   std::string_view name = doc["user"]["name"].get<std::string_view>();
//   for (aio::json::Value tag : doc["tags"].as_array()) use(tag.get<std::string_view>());
//   for (auto [key, value] : doc["user"].as_object()) use(key, value);
//   if (auto nick = doc["user"].find("nick")) use(nick->get<std::string_view>());
//   std::optional<double> score = doc["score"].get<std::optional<double>>();  // null -> nullopt
//
// Lifetime. A Value, ArrayView, ObjectView, their iterators and every
// std::string_view they hand out point into the Document they came from:
// they are valid while that Document lives (moving the Document keeps them
// valid; destroying it, or assigning another document to it, does not).
// Document deletes its accessors on temporaries, so the common dangling form
// `(co_await resp.json())["id"]` does not compile; a Value kept past its
// Document's scope is the caller's bug, as with std::string_view. Values are
// two words, cheap to copy; read them from any number of threads at once.
//
// Errors. Every accessor that can fail throws aio::json::JsonError:
// incorrect_type (get<std::int64_t>() of a string, as_array() of an object),
// number_out_of_range (get<std::int32_t>() of 5'000'000'000, get<std::uint64_t>()
// of -1), no_such_field (operator[](key)), index_out_of_bounds. find(),
// try_get() and get<std::optional<T>>() are the non-throwing forms for
// optional members and types.
//
// Numbers. A JSON integer is an int64 when it fits, else a uint64 (up to
// 2^64 - 1); anything with a fraction or an exponent is a double. get<T>()
// for an integral T accepts either integer kind when the value fits in T;
// get<double>() accepts every number. "-0" is the integer 0; "-0.0" is the
// double -0.0.
//
// simdjson stays out of this header: the views hold simdjson's DOM handles
// as opaque bytes (json/value.cpp checks their size and that they are
// trivially copyable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "error.hpp"

namespace aio::json {

class Document;
class ArrayView;
class ObjectView;

enum class Type { null, boolean, int64, uint64, floating, string, array, object };

// "null", "boolean", "int64", "uint64", "double", "string", "array", "object".
const char* type_name(Type t) noexcept;

namespace detail {
// Room for one simdjson DOM handle (a document pointer and a tape index).
struct alignas(alignof(void*)) Handle {
  unsigned char bytes[2 * sizeof(void*)];
};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
// Character types are not numbers here (std::int8_t and std::uint8_t, which
// are signed and unsigned char, are).
template <class T>
inline constexpr bool is_char_like =
    std::is_same_v<T, char> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;
// An array index: any integer type but bool and the character types.
template <class T>
concept Index = std::is_integral_v<T> && !std::is_same_v<T, bool> && !is_char_like<T>;
}  // namespace detail

class Value {
 public:
  Type type() const noexcept;
  bool is_null() const noexcept { return type() == Type::null; }
  bool is_bool() const noexcept { return type() == Type::boolean; }
  // An integer that fits in int64 (every int64-typed value).
  bool is_int64() const noexcept { return type() == Type::int64; }
  // An integer above INT64_MAX (up to UINT64_MAX).
  bool is_uint64() const noexcept { return type() == Type::uint64; }
  // A number written with a fraction or an exponent.
  bool is_double() const noexcept { return type() == Type::floating; }
  bool is_number() const noexcept {
    Type t = type();
    return t == Type::int64 || t == Type::uint64 || t == Type::floating;
  }
  bool is_string() const noexcept { return type() == Type::string; }
  bool is_array() const noexcept { return type() == Type::array; }
  bool is_object() const noexcept { return type() == Type::object; }

  // The value as a T: bool, an integral type (range-checked), float or
  // double, std::string_view (into the Document), std::string, Value,
  // ArrayView, ObjectView, or std::optional<T> of one of these (nullopt for a
  // JSON null). Throws JsonError (incorrect_type, number_out_of_range).
  template <class T>
  T get() const;

  // True when get<T>() would succeed (for an integral T: an integer that
  // fits in T).
  template <class T>
  bool is() const noexcept;

  // get<T>(), or std::nullopt where get<T>() would throw.
  template <class T>
  std::optional<T> try_get() const;

  // The member `key` of an object (the first, if the key repeats). Throws
  // JsonError: no_such_field, or incorrect_type when this is not an object.
  // Linear in the number of members, as in simdjson's DOM.
  Value operator[](std::string_view key) const;
  Value operator[](const char* key) const { return (*this)[std::string_view(key)]; }
  // Element `index` of an array. Throws JsonError: index_out_of_bounds, or
  // incorrect_type. Linear in `index`: iterate as_array() to visit them all.
  // (A template so that v[0] is not ambiguous with the const char* key.)
  template <detail::Index I>
  Value operator[](I index) const {
    return at(static_cast<std::size_t>(index));
  }
  Value at(std::size_t index) const;

  // The member `key`, or std::nullopt when the object has none. Throws
  // JsonError(incorrect_type) when this is not an object.
  std::optional<Value> find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key).has_value(); }

  // Elements of an array or members of an object. Throws incorrect_type.
  std::size_t size() const;
  ArrayView as_array() const;
  ObjectView as_object() const;

  // The value as compact JSON text (numbers as they round-trip; strings
  // re-escaped; member order kept).
  std::string to_json() const;

 private:
  friend class Document;
  friend class ArrayView;
  friend class ObjectView;
  Value() = default;

  bool get_bool() const;
  std::int64_t get_int64() const;
  std::uint64_t get_uint64() const;
  double get_double() const;
  std::string_view get_string() const;
  [[noreturn]] void throw_out_of_range(const char* type) const;

  template <class T>
  T get_integral() const;

  detail::Handle h_{};
};

// A JSON array, iterable: for (aio::json::Value v : value.as_array()).
class ArrayView {
 public:
  class iterator {
   public:
    using value_type = Value;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;
    using iterator_concept = std::forward_iterator_tag;
    using reference = Value;
    using pointer = void;

    iterator() = default;
    Value operator*() const noexcept;
    iterator& operator++() noexcept;
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& o) const noexcept;

   private:
    friend class ArrayView;
    detail::Handle h_{};
  };

  iterator begin() const noexcept;
  iterator end() const noexcept;
  // Constant time below 2^24 elements (simdjson counts them past that).
  std::size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }
  // Element `index` (linear in index); throws index_out_of_bounds.
  template <detail::Index I>
  Value operator[](I index) const {
    return at(static_cast<std::size_t>(index));
  }
  Value at(std::size_t index) const;

 private:
  friend class Value;
  ArrayView() = default;
  detail::Handle h_{};
};

// One member of an object: for (auto [key, value] : v.as_object()).
struct Member {
  std::string_view key;
  Value value;
};

// A JSON object, iterable in document order (repeated keys included).
class ObjectView {
 public:
  class iterator {
   public:
    using value_type = Member;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;
    using iterator_concept = std::forward_iterator_tag;
    using reference = Member;
    using pointer = void;

    iterator() = default;
    Member operator*() const noexcept;
    iterator& operator++() noexcept;
    iterator operator++(int) noexcept {
      iterator old = *this;
      ++*this;
      return old;
    }
    bool operator==(const iterator& o) const noexcept;

   private:
    friend class ObjectView;
    detail::Handle h_{};
  };

  iterator begin() const noexcept;
  iterator end() const noexcept;
  std::size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }
  // The member `key` (the first of repeats); throws no_such_field.
  Value operator[](std::string_view key) const;
  std::optional<Value> find(std::string_view key) const noexcept;

 private:
  friend class Value;
  ObjectView() = default;
  detail::Handle h_{};
};

// ---- implementation of the templates

template <class T>
T Value::get_integral() const {
  if constexpr (std::is_signed_v<T>) {
    std::int64_t v = 0;
    if (is_uint64()) throw_out_of_range(sizeof(T) == 8 ? "int64" : "a signed integer");
    v = get_int64();
    if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        v > static_cast<std::int64_t>(std::numeric_limits<T>::max()))
      throw_out_of_range("a smaller signed integer");
    return static_cast<T>(v);
  } else {
    std::uint64_t v = get_uint64();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<T>::max()))
      throw_out_of_range("a smaller unsigned integer");
    return static_cast<T>(v);
  }
}

template <class T>
T Value::get() const {
  if constexpr (detail::is_optional<T>::value) {
    if (is_null()) return std::nullopt;
    return T(get<typename T::value_type>());
  } else if constexpr (std::is_same_v<T, bool>) {
    return get_bool();
  } else if constexpr (std::is_integral_v<T>) {
    static_assert(!detail::is_char_like<T>,
                  "get<char>(): read a string, or ask for an integer type");
    return get_integral<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(get_double());
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    return get_string();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::string(get_string());
  } else if constexpr (std::is_same_v<T, Value>) {
    return *this;
  } else if constexpr (std::is_same_v<T, ArrayView>) {
    return as_array();
  } else if constexpr (std::is_same_v<T, ObjectView>) {
    return as_object();
  } else {
    static_assert(!sizeof(T*), "Value::get<T>(): unsupported T");
  }
}

template <class T>
bool Value::is() const noexcept {
  if constexpr (detail::is_optional<T>::value) {
    return is_null() || is<typename T::value_type>();
  } else if constexpr (std::is_same_v<T, bool>) {
    return is_bool();
  } else if constexpr (std::is_integral_v<T>) {
    static_assert(!detail::is_char_like<T>, "is<char>(): ask for an integer type");
    Type t = type();
    if (t == Type::int64) {
      std::int64_t v = get_int64();
      if constexpr (std::is_signed_v<T>)
        return v >= static_cast<std::int64_t>(std::numeric_limits<T>::min()) &&
               v <= static_cast<std::int64_t>(std::numeric_limits<T>::max());
      else
        return v >= 0 && static_cast<std::uint64_t>(v) <= std::numeric_limits<T>::max();
    }
    if (t == Type::uint64) {
      if constexpr (std::is_signed_v<T>)
        return false;
      else
        return get_uint64() <= std::numeric_limits<T>::max();
    }
    return false;
  } else if constexpr (std::is_floating_point_v<T>) {
    return is_number();
  } else if constexpr (std::is_same_v<T, std::string_view> || std::is_same_v<T, std::string>) {
    return is_string();
  } else if constexpr (std::is_same_v<T, Value>) {
    return true;
  } else if constexpr (std::is_same_v<T, ArrayView>) {
    return is_array();
  } else if constexpr (std::is_same_v<T, ObjectView>) {
    return is_object();
  } else {
    static_assert(!sizeof(T*), "Value::is<T>(): unsupported T");
  }
}

template <class T>
std::optional<T> Value::try_get() const {
  if (!is<T>()) return std::nullopt;
  return get<T>();
}

}  // namespace aio::json
