// aio::json::Document: a parsed JSON text that owns everything its values
// point into.
//
//   aio::json::Document doc = aio::json::parse(R"({"user": {"id": 7}})");
//   std::int64_t id = doc["user"]["id"].get<std::int64_t>();
//
//   aio::json::Document doc = co_await resp.json();        // http/response.hpp
//   for (aio::json::Value item : doc["items"].as_array()) ...
//
// Ownership. A Document owns its text in a buffer with simdjson's padding
// (the bytes are parsed where they were written: no copy between the socket
// and the parser) and the parsed DOM (simdjson's tape and string buffer).
// They live and die together; the Values it hands out point into them (see
// json/value.hpp). Moving a Document moves a pointer: Values stay valid.
//
// Misuse that cannot compile: every accessor that hands out a view (root(),
// operator[], find(), as_array(), as_object(), text(), get<std::string_view>())
// is deleted on an rvalue Document, so
//
//   auto id = (co_await resp.json())["id"];               // error: deleted
//   std::string_view s = aio::json::parse(t).get<std::string_view>();  // error
//
// do not compile; name the Document first. get<T>() of an owning T (a
// number, bool or std::string) works on a temporary too. Parsing a temporary
// string is safe: the Document copies the text into its own buffer.
//
// Parsing runs simdjson's DOM parser (its stage 1 picks the CPU's best
// kernel at run time). Its scratch memory is kept per thread, and one
// Document's storage per thread is recycled when a Document dies, so a loop
// of parse/json() calls reuses warm memory as a reused simdjson parser does;
// texts over 4 MiB use storage of their own that is freed with the Document.
// release_thread_cache() frees what the calling thread keeps. Under
// AddressSanitizer nothing is recycled, so that a Value used after its
// Document died is reported. Memory: a Document holds its text plus
// simdjson's tape and strings, about 10 times the text's size.
//
// Depth. Values nest at most ParseOptions::max_depth levels (default 1024;
// simdjson's rule: the root is at depth 1, the elements and member values of
// a container at depth d are at depth d + 1, so 1024 allows 1023 arrays
// nested around a number, or 1024 around nothing). Deeper texts throw
// JsonError(too_deep) with the offset of the first value too deep; the parser
// is iterative, so 100,000 nested arrays cost no stack.
//
// Errors: JsonError with Errc empty, syntax_error, invalid_string,
// invalid_number, invalid_utf8 (the whole text is validated), too_deep,
// too_large, out_of_memory; each with the byte offset where it has one.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "error.hpp"
#include "value.hpp"

namespace aio::json {

// A class with setters, not an aggregate, so that building it inside a
// co_await statement is safe on g++ 12 (TOOLCHAIN.md §2).
class ParseOptions {
 public:
  ParseOptions() = default;
  static constexpr std::size_t default_max_depth = 1024;
  // How deep values may nest (see above); at least 1.
  ParseOptions& max_depth(std::size_t depth) noexcept {
    max_depth_ = depth < 1 ? 1 : depth;
    return *this;
  }
  std::size_t max_depth() const noexcept { return max_depth_; }

 private:
  std::size_t max_depth_ = default_max_depth;
};

namespace detail {
struct DocumentStorage;
struct StorageDeleter {
  void operator()(DocumentStorage* s) const noexcept;
};
using StoragePtr = std::unique_ptr<DocumentStorage, StorageDeleter>;

// Types get<T>() may return from a temporary Document: they own their data.
template <class T>
inline constexpr bool is_owning_result = std::is_arithmetic_v<T> || std::is_same_v<T, std::string>;
template <class T>
inline constexpr bool is_owning_result<std::optional<T>> = is_owning_result<T>;
}  // namespace detail

class Document {
 public:
  // No value: root() throws JsonError(empty). Also the state of a
  // moved-from Document.
  Document() noexcept;
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  // The root value.
  Value root() const&;
  Value root() && = delete;

  // root()[key], root()[index], root().find(key): see Value.
  Value operator[](std::string_view key) const& { return root()[key]; }
  Value operator[](std::string_view key) && = delete;
  Value operator[](const char* key) const& { return root()[std::string_view(key)]; }
  Value operator[](const char* key) && = delete;
  template <detail::Index I>
  Value operator[](I index) const& {
    return root().at(static_cast<std::size_t>(index));
  }
  template <detail::Index I>
  Value operator[](I index) && = delete;
  std::optional<Value> find(std::string_view key) const& { return root().find(key); }
  std::optional<Value> find(std::string_view key) && = delete;
  ArrayView as_array() const& { return root().as_array(); }
  ArrayView as_array() && = delete;
  ObjectView as_object() const& { return root().as_object(); }
  ObjectView as_object() && = delete;

  // root().get<T>(). On a temporary Document only for owning T.
  template <class T>
  T get() const& {
    return root().get<T>();
  }
  template <class T>
  T get() && {
    static_assert(detail::is_owning_result<T>,
                  "a view from a temporary Document would dangle: name the Document first");
    return root().get<T>();
  }

  Type type() const { return root().type(); }
  std::size_t size() const { return root().size(); }
  std::string to_json() const { return root().to_json(); }

  // The JSON text that was parsed, as received.
  std::string_view text() const& noexcept;
  std::string_view text() && = delete;

  bool has_value() const noexcept;

 private:
  friend class PaddedBuffer;
  explicit Document(detail::StoragePtr s) noexcept;
  detail::StoragePtr s_;
};

// A buffer with simdjson's padding that collects a JSON text piece by piece
// (Response::json() appends each decoded body piece), then turns into a
// Document by parsing in place: no copy of the whole text.
//
//   aio::json::PaddedBuffer buf;
//   buf.reserve(content_length);          // optional: one allocation
//   buf.append(piece); ...
//   aio::json::Document doc = std::move(buf).parse();
//
// The buffer always keeps SIMDJSON_PADDING (64) spare bytes after the text,
// growing as needed, so a text that ends exactly at a reserved size is safe.
class PaddedBuffer {
 public:
  PaddedBuffer();
  PaddedBuffer(PaddedBuffer&&) noexcept;
  PaddedBuffer& operator=(PaddedBuffer&&) noexcept;
  ~PaddedBuffer();

  // Room for a text of `bytes` in all (padding added). Throws
  // JsonError(out_of_memory).
  void reserve(std::size_t bytes);
  // Appends to the text. Throws JsonError(out_of_memory).
  void append(std::string_view bytes);
  std::size_t size() const noexcept;
  // Bytes the text may grow to without reallocating.
  std::size_t capacity() const noexcept;
  std::string_view view() const noexcept;

  // Writing in place (a socket read straight into the buffer):
  //   buf.reserve(total);
  //   std::size_t n = read(buf.unused());   // writes to unused().data()
  //   buf.commit(n);                        // the text grew by n bytes
  // unused() is the room after the text, [size(), capacity()); it stays
  // valid until the next reserve(), append() or parse(). commit(n) requires
  // n <= unused().size().
  std::span<char> unused() noexcept;
  void commit(std::size_t n) noexcept;

  // Parses the text collected; the buffer becomes the Document's. Throws
  // JsonError (see Document). The PaddedBuffer is empty afterwards.
  Document parse(const ParseOptions& options = ParseOptions()) &&;

 private:
  detail::StoragePtr s_;
};

// Frees the parser scratch memory and the recycled Document storage that
// the calling thread keeps (see Document).
void release_thread_cache() noexcept;

}  // namespace aio::json
