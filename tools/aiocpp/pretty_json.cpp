#include "pretty_json.hpp"

#include <aio/json/parse.hpp>

namespace aiocpp_cli {

bool is_json_media_type(std::string_view ct) {
  return ct == "application/json" || (ct.size() > 5 && ct.substr(ct.size() - 5) == "+json");
}

std::string pretty_json(std::string_view text) {
  try {
    (void)aio::json::parse(text);
  } catch (const aio::json::JsonError&) {
    return {};
  }
  // Valid JSON: re-indent token by token, leaving strings untouched.
  std::string out;
  out.reserve(text.size() * 2);
  int depth = 0;
  bool in_string = false, escaped = false;
  auto newline = [&] {
    out.push_back('\n');
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out.push_back(c);
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    switch (c) {
      case ' ':
      case '\t':
      case '\n':
      case '\r':
        break;
      case '"':
        in_string = true;
        out.push_back(c);
        break;
      case '{':
      case '[': {
        out.push_back(c);
        std::size_t j = i + 1;
        while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
        if (j < text.size() && (text[j] == '}' || text[j] == ']')) {  // empty: {} or []
          out.push_back(text[j]);
          i = j;
          break;
        }
        ++depth;
        newline();
        break;
      }
      case '}':
      case ']':
        --depth;
        newline();
        out.push_back(c);
        break;
      case ',':
        out.push_back(c);
        newline();
        break;
      case ':':
        out.append(": ");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace aiocpp_cli
