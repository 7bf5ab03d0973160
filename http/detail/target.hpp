// A request's URL with what every request to it sends or keys on, computed
// once: Session keeps the last few per URL text, so a loop over the same
// URL neither re-parses it nor rebuilds these strings (issue #7).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "../url.hpp"

namespace aio::http::detail {

struct Target {
  explicit Target(Url u)
      : url(std::move(u)),
        origin(url.origin()),
        host_header(url.host_header()),
        request_target(url.target()),
        redacted(url.redacted()) {}
  Url url;
  std::string origin;          // the pool key
  std::string host_header;     // "host[:port]"
  std::string request_target;  // "/path?query"
  std::string redacted;        // the URL for messages, without credentials
};

// Names a request in error messages ("GET http://host/path"). The string is
// built only when a message is, so naming a request costs no allocation.
struct RequestName {
  std::string method;
  std::shared_ptr<const Target> target;
  std::string str() const { return method + " " + (target ? target->redacted : std::string()); }
};

// `name + ": ..."` in messages.
inline std::string operator+(const RequestName& n, std::string_view s) {
  std::string r = n.str();
  r.append(s);
  return r;
}

}  // namespace aio::http::detail
