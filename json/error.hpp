// aio::json::JsonError: what went wrong in parsing, reading or writing JSON.
//
//   try {
//     aio::json::Document doc = aio::json::parse(text);
//     std::int64_t id = doc["user"]["id"].get<std::int64_t>();
//   } catch (const aio::json::JsonError& e) {
//     e.code();    // aio::json::Errc::too_deep, ... (category "aio.json")
//     e.offset();  // byte offset into the text, when the error has a place
//   }
//
// Every error of json/ is a JsonError, an aio::Error. Parse errors carry the
// byte offset of the first offending byte, and their message says it with
// its line and column ("at byte 1024 (line 1, column 1025)"). Errors in
// reading a parsed value (a missing member, a wrong type) and in writing have
// no offset in a text; their message names the key, index or type.
//
// aio::http::Response::json() adds its own: a response whose Content-Type is
// not JSON throws aio::http::ContentTypeError, which is both a JsonError
// (code Errc::unexpected_content_type) and an aio::http::ClientError.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "../runtime/error.hpp"

namespace aio::json {

enum class Errc {
  empty = 1,            // no JSON value in the text (nothing, or only whitespace)
  syntax_error,         // a missing or extra comma, colon or bracket; a bad literal; trailing bytes
  invalid_string,       // a bad escape, an unescaped control character, a lone surrogate, unclosed
  invalid_number,       // a malformed number, or one outside int64, uint64 and double
  invalid_utf8,         // the text (or a string given to the Writer) is not valid UTF-8
  too_deep,             // values nested deeper than ParseOptions::max_depth
  too_large,            // the text is larger than simdjson can parse (4 GiB)
  out_of_memory,        // the document's storage could not be allocated
  incorrect_type,       // get<T>() or as_array()/as_object() on a value of another type
  number_out_of_range,  // get<T>() of a number that does not fit in T
  no_such_field,        // operator[](key) on an object without that key
  index_out_of_bounds,  // operator[](i) past the end of an array
  invalid_value,        // Writer: NaN or infinity, which JSON cannot represent
  writer_misuse,        // Writer: a key outside an object, a value where a key is due, ...
  unexpected_content_type,  // Response::json(): the Content-Type is not JSON
  internal,                 // simdjson reported an error it should not have
};
const std::error_category& json_category() noexcept;
inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), json_category()};
}

class JsonError : public virtual Error {
 public:
  JsonError(std::error_code code, std::string message,
            std::optional<std::size_t> offset = std::nullopt)
      : Error(code, std::move(message)), offset_(offset) {}

  // The byte offset into the parsed text of the first byte in error; none
  // for errors that have no place in a text.
  std::optional<std::size_t> offset() const noexcept { return offset_; }

 protected:
  // For classes that also derive from another aio::Error family: they build
  // the virtual aio::Error base themselves.
  explicit JsonError(std::optional<std::size_t> offset = std::nullopt) : offset_(offset) {}

 private:
  std::optional<std::size_t> offset_;
};

// The message of a parse error: "<what> at byte N (line L, column C)", the
// line and column (1-based, in bytes) counted in `text`.
std::string describe_position(std::string_view what, std::string_view text, std::size_t offset);

}  // namespace aio::json

template <>
struct std::is_error_code_enum<aio::json::Errc> : std::true_type {};
