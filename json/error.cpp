#include "error.hpp"

#include <algorithm>

namespace aio::json {
namespace {

class JsonCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "aio.json"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::empty:
        return "no JSON value";
      case Errc::syntax_error:
        return "JSON syntax error";
      case Errc::invalid_string:
        return "invalid JSON string";
      case Errc::invalid_number:
        return "invalid JSON number";
      case Errc::invalid_utf8:
        return "invalid UTF-8";
      case Errc::too_deep:
        return "JSON nested too deeply";
      case Errc::too_large:
        return "JSON text too large";
      case Errc::out_of_memory:
        return "out of memory for the JSON document";
      case Errc::incorrect_type:
        return "JSON value of another type";
      case Errc::number_out_of_range:
        return "JSON number out of range";
      case Errc::no_such_field:
        return "no such JSON object member";
      case Errc::index_out_of_bounds:
        return "JSON array index out of bounds";
      case Errc::invalid_value:
        return "value not representable in JSON";
      case Errc::writer_misuse:
        return "JSON writer misuse";
      case Errc::unexpected_content_type:
        return "Content-Type is not JSON";
      case Errc::internal:
        return "internal JSON parser error";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& json_category() noexcept {
  static const JsonCategory category;
  return category;
}

std::string describe_position(std::string_view what, std::string_view text, std::size_t offset) {
  std::size_t at = std::min(offset, text.size());
  std::string_view before = text.substr(0, at);
  std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  std::size_t nl = before.rfind('\n');
  std::size_t column = nl == std::string_view::npos ? at + 1 : at - nl;
  std::string out(what);
  out += " at byte " + std::to_string(offset) + " (line " + std::to_string(line) + ", column " +
         std::to_string(column) + ")";
  return out;
}

}  // namespace aio::json
