// Finding where a JSON text goes wrong. simdjson's DOM parser says what is
// wrong but not where; on that (rare) path this validator walks the text
// again and finds the first offending byte. It only runs after simdjson has
// refused a text, so it favours clarity over speed.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "../error.hpp"

namespace aio::json::detail {

// The offset of the first error of the grammar (RFC 8259), of a number out
// of the range simdjson accepts (int64, uint64, finite double), of a bad
// string escape, or of a value nested deeper than `max_depth` (simdjson's
// rule: the root is at depth 1, the elements and member values of a
// container at depth d are at d + 1). Iterative: the only memory used grows
// with the nesting, which stops at max_depth. std::nullopt when it finds
// nothing wrong. Bytes >= 0x80 are not checked for UTF-8 here.
std::optional<std::size_t> first_syntax_error(std::string_view text, std::size_t max_depth);

// The offset of `kind` of error in `text`: the first invalid UTF-8 sequence
// for Errc::invalid_utf8, the first syntax error otherwise.
std::optional<std::size_t> locate(Errc kind, std::string_view text, std::size_t max_depth);

}  // namespace aio::json::detail
