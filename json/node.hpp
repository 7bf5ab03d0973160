// aio::json::Node, Array and Object: JSON values built in code, for request
// bodies and other JSON you send.
//
//   aio::json::Object body{
//       {"name", "Zoë"},                          // UTF-8 goes out as is
//       {"tags", aio::json::Array{"a", "b"}},
//       {"id", std::int64_t{9007199254740993}},   // integers stay exact
//       {"score", 0.1},                           // doubles round-trip
//       {"nick", nullptr},
//   };
//   body.set("extra", true);
//   auto r = co_await session.post(url, aio::http::RequestOptions().json(body));
//
// Build the body in a statement of its own, as above: g++ 12 does not
// compile a braced list inside a statement that has co_await ("array used
// as initializer", TOOLCHAIN.md §2) -- a compile error, not a silent bug.
//
// Node owns its value (and Array and Object their elements): copy and move
// freely. Object keeps members in insertion order; set() replaces a member
// of the same key in place. Serialise with Node::to_json() or a Writer
// (json/writer.hpp); serialisation is iterative, but destroying a Node is
// recursive, so keep nesting to thousands of levels, not millions.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "value.hpp"

namespace aio::json {

class Node;
struct Field;

class Array {
 public:
  Array() = default;
  Array(std::initializer_list<Node> items);

  Array& push_back(Node item);
  // (Defined below, where Node is complete: clang instantiates the
  // constexpr members of std::vector<Node> at once.)
  std::size_t size() const noexcept;
  bool empty() const noexcept;
  const Node& operator[](std::size_t i) const;
  Node& operator[](std::size_t i);
  std::vector<Node>::const_iterator begin() const noexcept;
  std::vector<Node>::const_iterator end() const noexcept;

 private:
  std::vector<Node> items_;
};

class Object {
 public:
  Object() = default;
  // Members in this order (a repeated key: the last one wins, in the place
  // of the first).
  Object(std::initializer_list<Field> fields);
  // Declared here, defined below where Field is complete (clang 14 would
  // instantiate std::vector<Field>'s members here at once).
  Object(const Object&);
  Object(Object&&) noexcept;
  Object& operator=(const Object&);
  Object& operator=(Object&&) noexcept;
  ~Object();

  // Sets member `key`: replaces its value if present, else appends it.
  Object& set(std::string_view key, Node value);
  // The member's value, or nullptr.
  const Node* find(std::string_view key) const noexcept;
  std::size_t size() const noexcept;  // defined below, as Array's
  bool empty() const noexcept;
  std::vector<Field>::const_iterator begin() const noexcept;
  std::vector<Field>::const_iterator end() const noexcept;

 private:
  std::vector<Field> fields_;
};

class Node {
 public:
  Node() noexcept : v_(nullptr) {}
  Node(std::nullptr_t) noexcept : v_(nullptr) {}
  Node(bool b) noexcept : v_(b) {}
  // Integers: kept as int64 when they fit, else uint64.
  template <std::integral T>
  requires(!std::same_as<T, bool> && !detail::is_char_like<T>) Node(T v)
  noexcept {
    if constexpr (std::is_signed_v<T>)
      v_ = static_cast<std::int64_t>(v);
    else if (static_cast<std::uint64_t>(v) <= static_cast<std::uint64_t>(INT64_MAX))
      v_ = static_cast<std::int64_t>(v);
    else
      v_ = static_cast<std::uint64_t>(v);
  }
  // NaN and infinities are refused when written (JsonError invalid_value).
  template <std::floating_point T>
  Node(T v) noexcept : v_(static_cast<double>(v)) {}
  Node(const char* s) : v_(std::string(s)) {}
  Node(std::string_view s) : v_(std::string(s)) {}
  Node(std::string s) noexcept : v_(std::move(s)) {}
  Node(Array a) noexcept : v_(std::move(a)) {}
  Node(Object o) noexcept : v_(std::move(o)) {}

  Type type() const noexcept { return static_cast<Type>(kTypes[v_.index()]); }
  // Pointers to the alternatives, nullptr when the Node holds another type.
  const Array* array() const noexcept { return std::get_if<Array>(&v_); }
  const Object* object() const noexcept { return std::get_if<Object>(&v_); }
  const std::string* string() const noexcept { return std::get_if<std::string>(&v_); }

  // Compact JSON text. Throws JsonError: invalid_utf8 (a string that is not
  // UTF-8), invalid_value (NaN, infinity).
  std::string to_json() const;

 private:
  friend class Writer;
  static constexpr int kTypes[] = {
      static_cast<int>(Type::null),     static_cast<int>(Type::boolean),
      static_cast<int>(Type::int64),    static_cast<int>(Type::uint64),
      static_cast<int>(Type::floating), static_cast<int>(Type::string),
      static_cast<int>(Type::array),    static_cast<int>(Type::object)};
  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, Array,
               Object>
      v_;
};

// One member of an Object: {"key", value} in a braced list.
struct Field {
  Field(std::string_view k, Node v) : key(k), value(std::move(v)) {}
  std::string key;
  Node value;
};

inline Array::Array(std::initializer_list<Node> items) : items_(items) {}
inline std::size_t Array::size() const noexcept { return items_.size(); }
inline bool Array::empty() const noexcept { return items_.empty(); }
inline const Node& Array::operator[](std::size_t i) const { return items_.at(i); }
inline Node& Array::operator[](std::size_t i) { return items_.at(i); }
inline std::vector<Node>::const_iterator Array::begin() const noexcept { return items_.begin(); }
inline std::vector<Node>::const_iterator Array::end() const noexcept { return items_.end(); }

inline Object::Object(const Object&) = default;
inline Object::Object(Object&&) noexcept = default;
inline Object& Object::operator=(const Object&) = default;
inline Object& Object::operator=(Object&&) noexcept = default;
inline Object::~Object() = default;
inline std::size_t Object::size() const noexcept { return fields_.size(); }
inline bool Object::empty() const noexcept { return fields_.empty(); }
inline std::vector<Field>::const_iterator Object::begin() const noexcept { return fields_.begin(); }
inline std::vector<Field>::const_iterator Object::end() const noexcept { return fields_.end(); }

inline Array& Array::push_back(Node item) {
  items_.push_back(std::move(item));
  return *this;
}

inline Object::Object(std::initializer_list<Field> fields) {
  fields_.reserve(fields.size());
  for (const Field& f : fields) set(f.key, f.value);
}

inline Object& Object::set(std::string_view key, Node value) {
  for (Field& f : fields_) {
    if (f.key == key) {
      f.value = std::move(value);
      return *this;
    }
  }
  fields_.emplace_back(key, std::move(value));
  return *this;
}

inline const Node* Object::find(std::string_view key) const noexcept {
  for (const Field& f : fields_)
    if (f.key == key) return &f.value;
  return nullptr;
}

}  // namespace aio::json
