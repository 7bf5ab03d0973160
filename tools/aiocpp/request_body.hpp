// The request body options of `aiocpp get|post|...`, in curl's spelling:
//
//   -d, --data DATA | @FILE | @-     form data; from a file or stdin with CR
//                                     and LF removed (curl); several are joined by '&'
//       --data-binary DATA | @FILE | @-   as given; a file or stdin is streamed
//       --json JSON                   application/json (Accept too)
//   -T, --upload-file FILE | -        the file streamed (PUT unless -X)
//   -F, --form name=value | name=@FILE[;type=T][;filename=N] | name=<FILE
//                                     multipart/form-data
//
// Files named with @ or -T are streamed from disk while they are sent; a
// file that cannot be read ends the command with exit 26.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <aio/http/options.hpp>

#include "args.hpp"

namespace aiocpp_cli {

class RequestBody {
 public:
  // Consumes one body option; false when the next argument is not one.
  bool parse(Args& a);
  bool empty() const noexcept { return kind_ == Kind::none; }
  // The method a body implies when the command was `get` and no -X was
  // given (curl: -d/-F POST, -T PUT).
  const char* implied_method() const noexcept { return kind_ == Kind::upload ? "PUT" : "POST"; }
  // -T FILE to a URL ending in '/': the file's name is appended (curl).
  std::string adjust_url(const std::string& url) const;
  // Sets the body on `o` (reading -d @FILE now) and returns what -v prints
  // after the head ("[N bytes of body]", "[body streamed from F]"). Throws
  // ClientError (Errc::body_read_failed) when a file cannot be read.
  std::string apply(aio::http::RequestOptions& o, aio::http::Headers& headers) const;

 private:
  enum class Kind { none, data, binary, json, upload, form };
  void set_kind(Kind k, const char* option);
  std::string streamed() const;

  Kind kind_ = Kind::none;
  std::vector<std::string> data_;   // -d pieces (joined by '&'); --data-binary/--json text
  std::string file_;                // --data-binary @FILE, -T FILE ("-": stdin)
  std::vector<std::string> form_;   // -F specs
};

}  // namespace aiocpp_cli
