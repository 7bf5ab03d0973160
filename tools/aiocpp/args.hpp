// Command-line parsing for the aiocpp tool: curl's spelling of options.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace aiocpp_cli {

// Thrown for a usage error (exit code 2).
struct UsageError {
  std::string message;
};

// A cursor over argv that understands "-x VALUE", "--long VALUE" and
// "--long=VALUE".
class Args {
 public:
  Args(int argc, char** argv, int first) : argv_(argv + first, argv + argc) {}

  bool done() const { return pos_ >= argv_.size(); }
  // The next argument, consumed.
  std::string next() { return argv_[pos_++]; }
  const std::string& peek() const { return argv_[pos_]; }

  // If the next argument is the flag `name` (or `alias`), consumes it.
  bool flag(const char* name, const char* alias = nullptr);
  // If the next argument is the option `name` (or `alias`), consumes it and
  // its value ("--name V", "--name=V", "-n V"); a missing value is a
  // UsageError.
  std::optional<std::string> option(const char* name, const char* alias = nullptr);

 private:
  std::vector<std::string> argv_;
  std::size_t pos_ = 0;
};

// Parses a positive number of seconds ("2", "0.5"); UsageError otherwise.
double parse_seconds(const std::string& text, const char* option);
// Parses a non-negative integer; UsageError otherwise.
long parse_count(const std::string& text, const char* option);

}  // namespace aiocpp_cli
