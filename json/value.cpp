#include "value.hpp"

#include "detail/dom.hpp"
#include "writer.hpp"

namespace aio::json {

namespace dom = simdjson::dom;
using detail::from_handle;
using detail::to_handle;

namespace {

Type type_of(const dom::element& e) noexcept {
  switch (e.type()) {
    case dom::element_type::ARRAY:
      return Type::array;
    case dom::element_type::OBJECT:
      return Type::object;
    case dom::element_type::INT64:
      return Type::int64;
    case dom::element_type::UINT64:
      return Type::uint64;
    case dom::element_type::DOUBLE:
      return Type::floating;
    case dom::element_type::STRING:
      return Type::string;
    case dom::element_type::BOOL:
      return Type::boolean;
    case dom::element_type::NULL_VALUE:
      return Type::null;
  }
  return Type::null;
}

// A key or other text quoted for a message, cut to a readable length.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 64;
  std::string out = "\"";
  out.append(s.substr(0, kMax));
  out += s.size() > kMax ? "...\"" : "\"";
  return out;
}

[[noreturn]] void throw_type(const dom::element& e, const char* wanted) {
  throw JsonError(Errc::incorrect_type,
                  std::string("expected ") + wanted + ", found " + type_name(type_of(e)));
}

dom::array array_of(const dom::element& e) {
  dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) throw_type(e, "an array");
  return a;
}

dom::object object_of(const dom::element& e) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) throw_type(e, "an object");
  return o;
}

dom::element element_at(const dom::array& a, std::size_t index) {
  dom::element found;
  if (a.at(index).get(found) != simdjson::SUCCESS)
    throw JsonError(Errc::index_out_of_bounds, "index " + std::to_string(index) +
                                                   " out of bounds (array of " +
                                                   std::to_string(a.size()) + ")");
  return found;
}

}  // namespace

const char* type_name(Type t) noexcept {
  switch (t) {
    case Type::null:
      return "null";
    case Type::boolean:
      return "boolean";
    case Type::int64:
      return "int64";
    case Type::uint64:
      return "uint64";
    case Type::floating:
      return "double";
    case Type::string:
      return "string";
    case Type::array:
      return "array";
    case Type::object:
      return "object";
  }
  return "?";
}

// ---- Value

Type Value::type() const noexcept { return type_of(from_handle<dom::element>(h_)); }

bool Value::get_bool() const {
  auto e = from_handle<dom::element>(h_);
  bool v = false;
  if (e.get_bool().get(v) != simdjson::SUCCESS) throw_type(e, "a boolean");
  return v;
}

std::int64_t Value::get_int64() const {
  auto e = from_handle<dom::element>(h_);
  std::int64_t v = 0;
  simdjson::error_code err = e.get_int64().get(v);
  if (err == simdjson::NUMBER_OUT_OF_RANGE) throw_out_of_range("int64");
  if (err != simdjson::SUCCESS) throw_type(e, "an integer");
  return v;
}

std::uint64_t Value::get_uint64() const {
  auto e = from_handle<dom::element>(h_);
  std::uint64_t v = 0;
  simdjson::error_code err = e.get_uint64().get(v);
  if (err == simdjson::NUMBER_OUT_OF_RANGE) throw_out_of_range("an unsigned integer");
  if (err != simdjson::SUCCESS) throw_type(e, "an integer");
  return v;
}

double Value::get_double() const {
  auto e = from_handle<dom::element>(h_);
  double v = 0;
  if (e.get_double().get(v) != simdjson::SUCCESS) throw_type(e, "a number");
  return v;
}

std::string_view Value::get_string() const {
  auto e = from_handle<dom::element>(h_);
  std::string_view v;
  if (e.get_string().get(v) != simdjson::SUCCESS) throw_type(e, "a string");
  return v;
}

void Value::throw_out_of_range(const char* type) const {
  throw JsonError(Errc::number_out_of_range, to_json() + " does not fit in " + type);
}

Value Value::operator[](std::string_view key) const {
  dom::object o = object_of(from_handle<dom::element>(h_));
  dom::element found;
  if (o.at_key(key).get(found) != simdjson::SUCCESS)
    throw JsonError(Errc::no_such_field, "no member " + quoted(key) + " in the object");
  Value v;
  v.h_ = to_handle(found);
  return v;
}

Value Value::at(std::size_t index) const {
  Value v;
  v.h_ = to_handle(element_at(array_of(from_handle<dom::element>(h_)), index));
  return v;
}

std::optional<Value> Value::find(std::string_view key) const {
  dom::object o = object_of(from_handle<dom::element>(h_));
  dom::element found;
  if (o.at_key(key).get(found) != simdjson::SUCCESS) return std::nullopt;
  Value v;
  v.h_ = to_handle(found);
  return v;
}

std::size_t Value::size() const {
  auto e = from_handle<dom::element>(h_);
  if (e.is_array()) return e.get_array().value_unsafe().size();
  if (e.is_object()) return e.get_object().value_unsafe().size();
  throw_type(e, "an array or an object");
}

ArrayView Value::as_array() const {
  ArrayView a;
  a.h_ = to_handle(array_of(from_handle<dom::element>(h_)));
  return a;
}

ObjectView Value::as_object() const {
  ObjectView o;
  o.h_ = to_handle(object_of(from_handle<dom::element>(h_)));
  return o;
}

std::string Value::to_json() const {
  Writer w;
  w.value(*this);
  return std::move(w).str();
}

// ---- ArrayView

Value ArrayView::iterator::operator*() const noexcept {
  Value v;
  v.h_ = to_handle(*from_handle<dom::array::iterator>(h_));
  return v;
}

ArrayView::iterator& ArrayView::iterator::operator++() noexcept {
  auto it = from_handle<dom::array::iterator>(h_);
  ++it;
  h_ = to_handle(it);
  return *this;
}

bool ArrayView::iterator::operator==(const iterator& o) const noexcept {
  return from_handle<dom::array::iterator>(h_) == from_handle<dom::array::iterator>(o.h_);
}

ArrayView::iterator ArrayView::begin() const noexcept {
  iterator it;
  it.h_ = to_handle(from_handle<dom::array>(h_).begin());
  return it;
}

ArrayView::iterator ArrayView::end() const noexcept {
  iterator it;
  it.h_ = to_handle(from_handle<dom::array>(h_).end());
  return it;
}

std::size_t ArrayView::size() const noexcept { return from_handle<dom::array>(h_).size(); }

Value ArrayView::at(std::size_t index) const {
  Value v;
  v.h_ = to_handle(element_at(from_handle<dom::array>(h_), index));
  return v;
}

// ---- ObjectView

Member ObjectView::iterator::operator*() const noexcept {
  auto it = from_handle<dom::object::iterator>(h_);
  Value v;
  v.h_ = to_handle(it.value());
  return Member{it.key(), v};
}

ObjectView::iterator& ObjectView::iterator::operator++() noexcept {
  auto it = from_handle<dom::object::iterator>(h_);
  ++it;
  h_ = to_handle(it);
  return *this;
}

bool ObjectView::iterator::operator==(const iterator& o) const noexcept {
  return from_handle<dom::object::iterator>(h_) == from_handle<dom::object::iterator>(o.h_);
}

ObjectView::iterator ObjectView::begin() const noexcept {
  iterator it;
  it.h_ = to_handle(from_handle<dom::object>(h_).begin());
  return it;
}

ObjectView::iterator ObjectView::end() const noexcept {
  iterator it;
  it.h_ = to_handle(from_handle<dom::object>(h_).end());
  return it;
}

std::size_t ObjectView::size() const noexcept { return from_handle<dom::object>(h_).size(); }

Value ObjectView::operator[](std::string_view key) const {
  dom::element found;
  if (from_handle<dom::object>(h_).at_key(key).get(found) != simdjson::SUCCESS)
    throw JsonError(Errc::no_such_field, "no member " + quoted(key) + " in the object");
  Value v;
  v.h_ = to_handle(found);
  return v;
}

std::optional<Value> ObjectView::find(std::string_view key) const noexcept {
  dom::element found;
  if (from_handle<dom::object>(h_).at_key(key).get(found) != simdjson::SUCCESS) return std::nullopt;
  Value v;
  v.h_ = to_handle(found);
  return v;
}

}  // namespace aio::json
