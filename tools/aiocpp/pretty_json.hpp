// Pretty-printing of a JSON response for a terminal (aiocpp get).
#pragma once

#include <string>
#include <string_view>

namespace aiocpp_cli {

// `text` re-indented with two spaces, when it is valid JSON (checked with
// aio::json::parse); otherwise std::nullopt-like: an empty string.
std::string pretty_json(std::string_view text);

// application/json or any +json media type.
bool is_json_media_type(std::string_view content_type);

}  // namespace aiocpp_cli
