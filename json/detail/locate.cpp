#include "locate.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

#include "utf8.hpp"

namespace aio::json::detail {
namespace {

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  void skip_ws() {
    while (pos_ < s_.size() && is_ws(s_[pos_])) ++pos_;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }
  std::size_t pos() const { return pos_; }
  void advance() { ++pos_; }

  // A string starting at its opening quote. On error, the offset of the bad
  // byte (the opening quote when the string never closes).
  std::optional<std::size_t> string() {
    std::size_t open = pos_++;
    for (;;) {
      if (at_end()) return open;
      unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return std::nullopt;
      }
      if (c < 0x20) return pos_;
      if (c != '\\') {
        ++pos_;
        continue;
      }
      std::size_t esc = pos_++;
      if (at_end()) return open;
      char e = s_[pos_++];
      if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
          e == 't')
        continue;
      if (e != 'u') return esc;
      int cp = hex4();
      if (cp < 0) return esc;
      if (cp >= 0xDC00 && cp <= 0xDFFF) return esc;  // a low surrogate alone
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (pos_ + 1 >= s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') return esc;
        pos_ += 2;
        int low = hex4();
        if (low < 0xDC00 || low > 0xDFFF) return esc;
      }
    }
  }

  // A number starting at its first byte; on error, that offset.
  std::optional<std::size_t> number() {
    std::size_t start = pos_;
    bool negative = peek() == '-';
    if (negative) ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (is_digit(peek())) return start;  // a leading zero
    } else if (is_digit(peek())) {
      while (is_digit(peek())) ++pos_;
    } else {
      return start;
    }
    bool integer = true;
    bool negative_exponent = false;
    if (peek() == '.') {
      integer = false;
      ++pos_;
      if (!is_digit(peek())) return start;
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integer = false;
      ++pos_;
      if (peek() == '+' || peek() == '-') negative_exponent = s_[pos_++] == '-';
      if (!is_digit(peek())) return start;
      while (is_digit(peek())) ++pos_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    if (integer) {
      if (negative) {
        std::int64_t v = 0;
        if (std::from_chars(first, last, v).ec != std::errc()) return start;
      } else {
        std::uint64_t v = 0;
        if (std::from_chars(first, last, v).ec != std::errc()) return start;
      }
    } else {
      double v = 0;
      auto r = std::from_chars(first, last, v);
      // Underflow is fine (simdjson rounds to zero); overflow is not.
      if (r.ec == std::errc::result_out_of_range && !negative_exponent) return start;
      if (r.ec == std::errc() && std::isinf(v)) return start;
    }
    return std::nullopt;
  }

  // A literal (true, false, null) starting at its first byte.
  std::optional<std::size_t> literal() {
    std::string_view word = s_[pos_] == 't' ? "true" : s_[pos_] == 'f' ? "false" : "null";
    if (s_.substr(pos_, word.size()) != word) return pos_;
    pos_ += word.size();
    return std::nullopt;
  }

 private:
  int hex4() {
    if (pos_ + 4 > s_.size()) return -1;
    int v = 0;
    for (int k = 0; k < 4; ++k) {
      int h = hex_value(s_[pos_ + static_cast<std::size_t>(k)]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    pos_ += 4;
    return v;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::size_t> first_syntax_error(std::string_view text, std::size_t max_depth) {
  Scanner sc(text);
  std::vector<char> open;  // '[' or '{' per enclosing container
  sc.skip_ws();
  if (sc.at_end()) return sc.pos();
  enum class Next { value, after_value, key };
  Next next = Next::value;
  for (;;) {
    switch (next) {
      case Next::key: {
        // Inside an object, after '{' or ',': a key, a colon, then a value.
        if (sc.peek() != '"') return sc.pos();
        if (auto bad = sc.string()) return bad;
        sc.skip_ws();
        if (sc.peek() != ':') return sc.pos();
        sc.advance();
        sc.skip_ws();
        next = Next::value;
        break;
      }
      case Next::value: {
        if (open.size() + 1 > max_depth && !open.empty()) return sc.pos();
        char c = sc.peek();
        if (c == '[' || c == '{') {
          open.push_back(c);
          sc.advance();
          sc.skip_ws();
          char close = c == '[' ? ']' : '}';
          if (sc.peek() == close) {
            open.pop_back();
            sc.advance();
            next = Next::after_value;
          } else {
            next = c == '[' ? Next::value : Next::key;
          }
          break;
        }
        std::optional<std::size_t> bad;
        if (c == '"') {
          bad = sc.string();
        } else if (c == '-' || is_digit(c)) {
          bad = sc.number();
        } else if (c == 't' || c == 'f' || c == 'n') {
          bad = sc.literal();
        } else {
          return sc.pos();
        }
        if (bad) return bad;
        next = Next::after_value;
        break;
      }
      case Next::after_value: {
        sc.skip_ws();
        if (open.empty()) {
          if (sc.at_end()) return std::nullopt;
          return sc.pos();
        }
        char c = sc.peek();
        char close = open.back() == '[' ? ']' : '}';
        if (c == close) {
          open.pop_back();
          sc.advance();
        } else if (c == ',') {
          sc.advance();
          sc.skip_ws();
          next = open.back() == '[' ? Next::value : Next::key;
        } else {
          return sc.pos();
        }
        break;
      }
    }
  }
}

std::optional<std::size_t> locate(Errc kind, std::string_view text, std::size_t max_depth) {
  if (kind == Errc::invalid_utf8) {
    std::size_t at = first_invalid_utf8(text);
    if (at == std::string_view::npos) return std::nullopt;
    return at;
  }
  return first_syntax_error(text, max_depth);
}

}  // namespace aio::json::detail
