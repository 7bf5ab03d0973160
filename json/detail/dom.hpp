// The only header of json/ that includes simdjson.h (for json/document.cpp
// and json/value.cpp): the storage a Document owns, and the conversions
// between simdjson's DOM handles and the opaque detail::Handle of the views.
#pragma once

#include <simdjson.h>

#include <bit>
#include <cstdlib>
#include <type_traits>

#include "../document.hpp"

namespace aio::json::detail {

struct DocumentStorage {
  DocumentStorage() = default;
  DocumentStorage(const DocumentStorage&) = delete;
  DocumentStorage& operator=(const DocumentStorage&) = delete;
  ~DocumentStorage() { std::free(buf); }

  char* buf = nullptr;          // the text, then SIMDJSON_PADDING spare bytes
  std::size_t size = 0;         // bytes of text
  std::size_t cap = 0;          // bytes allocated (size + padding <= cap)
  simdjson::dom::document doc;  // the tape and strings: independent of buf
  simdjson::dom::element root;
  bool parsed = false;
};

// simdjson's DOM handles are a document pointer and a tape index: trivially
// copyable, two words. The views keep them as bytes.
template <class T>
Handle to_handle(const T& v) noexcept {
  static_assert(sizeof(T) == sizeof(Handle) && std::is_trivially_copyable_v<T>);
  return std::bit_cast<Handle>(v);
}
template <class T>
T from_handle(const Handle& h) noexcept {
  static_assert(sizeof(T) == sizeof(Handle) && std::is_trivially_copyable_v<T>);
  return std::bit_cast<T>(h);
}

// simdjson's error code as ours.
Errc to_errc(simdjson::error_code e) noexcept;

}  // namespace aio::json::detail
