// Options shared by the commands that make requests (get/post/..., fetch,
// bench): how they are parsed and how they become Session options.
#pragma once

#include <string>
#include <vector>

#include <aio/http/options.hpp>

#include "args.hpp"

namespace aiocpp_cli {

struct ClientConfig {
  aio::http::Headers headers;
  std::optional<double> timeout_s;          // --timeout / --max-time: total
  std::optional<double> connect_timeout_s;  // --connect-timeout
  bool follow = false;                      // -L
  int max_redirs = 10;                      // --max-redirs
  bool fail = false;                        // -f / --fail
  bool insecure = false;                    // -k (TLS)
  std::string cacert, cert, key;            // TLS files

  // Consumes one option this struct knows; false if the next argument is
  // something else.
  bool parse(Args& a);
  aio::http::SessionOptions session_options() const;
};

// "K: V" -> header; UsageError when there is no colon.
void add_header(aio::http::Headers& h, const std::string& spec);

extern const char* const kClientOptionsHelp;

}  // namespace aiocpp_cli
