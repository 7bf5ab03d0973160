#include "args.hpp"

#include <cstdlib>
#include <cstring>

namespace aiocpp_cli {

bool Args::flag(const char* name, const char* alias) {
  if (done()) return false;
  const std::string& a = peek();
  if (a == name || (alias && a == alias)) {
    ++pos_;
    return true;
  }
  return false;
}

std::optional<std::string> Args::option(const char* name, const char* alias) {
  if (done()) return std::nullopt;
  const std::string& a = peek();
  std::size_t n = std::strlen(name);
  if (a.size() > n + 1 && a.compare(0, n, name) == 0 && a[n] == '=') {
    ++pos_;
    return a.substr(n + 1);
  }
  if (a != name && !(alias && a == alias)) return std::nullopt;
  ++pos_;
  if (done()) throw UsageError{std::string("option ") + name + " needs a value"};
  return next();
}

double parse_seconds(const std::string& text, const char* option) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0)) throw UsageError{std::string(option) + ": expected seconds, got '" + text + "'"};
  return v;
}

long parse_count(const std::string& text, const char* option) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 0) throw UsageError{std::string(option) + ": expected a number, got '" + text + "'"};
  return v;
}

}  // namespace aiocpp_cli
