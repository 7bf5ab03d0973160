// aio::http::CookieJar: the session's cookie store (aiohttp's CookieJar),
// following RFC 6265 §5 with the hardening of RFC 6265bis that costs nothing.
//
//   CookieJar jar;
//   jar.store("example.com", "/a/b", true, "sid=1; Path=/; Secure; HttpOnly");
//   std::string cookie = jar.header_for("www.example.com", "/a", true);  // "" or "sid=1"
//
// The jar knows no URL class: callers pass the request's host (lowercase, an
// IPv6 literal without brackets), its path (without query; one is stripped at
// '?' or '#' anyway) and whether the scheme is secure (https). Loopback hosts
// get no special treatment.
//
// Storing (RFC 6265 §5.2, §5.3):
// - The whole Set-Cookie value is ignored when it holds a control character
//   other than HTAB, has no '=' in its name-value pair, has an empty name, a
//   name or value containing HTAB, or is longer than Limits::max_cookie_bytes
//   (the RFC measures a cookie as its name, value and attributes together).
// - Domain (a leading dot ignored, case-insensitive) is accepted only when the
//   request host domain-matches it; then the cookie also goes to subdomains.
//   An IP host accepts only its own exact address as Domain, and never
//   domain-matches a suffix. With no public suffix list, a Domain without a
//   dot is rejected unless it equals the host ("Domain=com" is refused;
//   "Domain=co.uk" from "x.co.uk" is not: a known limit). Without Domain the
//   cookie is host-only: sent back to that exact host only.
// - Path: the attribute when it starts with '/', else the default-path of the
//   request path (§5.1.4: up to, not including, its right-most '/').
// - Max-Age wins over Expires (parsed by the §5.1.1 date algorithm; an
//   unparsable date is ignored); neither makes a session cookie. Max-Age<=0 or
//   a past Expires removes a stored cookie of the same name, domain and path
//   and stores nothing.
// - Secure cookies are accepted only over a secure scheme, and an insecure
//   response cannot overwrite or shadow a Secure cookie of the same name
//   (RFC 6265bis §5.7 steps 14-15). The prefixes "__Secure-" (needs Secure)
//   and "__Host-" (needs Secure, no Domain, Path=/) are enforced too.
// - A cookie replacing one of the same name, domain and path keeps the old
//   creation time (§5.3 step 11).
// - Bounds: expired cookies are evicted on every store(); past max_per_domain
//   (counted per cookie domain) the oldest cookie of that domain goes, past
//   max_total the oldest of all.
//
// Sending (§5.4): cookies whose domain matches (host-only: identical host),
// whose path path-matches, Secure only over a secure scheme, not expired;
// longer paths first, then earlier creation; a cookie that would take the
// header past Limits::max_header_bytes is left out.
//
// Not thread-safe; the session owns one per event loop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aio::http {

class CookieJar {
 public:
  struct Limits {
    size_t max_cookie_bytes = 4096;          // one Set-Cookie value / one set() cookie
    size_t max_per_domain = 50;              // cookies per cookie domain
    size_t max_total = 3000;                 // cookies in the jar
    size_t max_header_bytes = 8 * 1024 - 1;  // the Cookie header header_for() builds
  };
  using Clock = std::chrono::system_clock;

  // A stored cookie (RFC 6265 §5.3's fields).
  struct Cookie {
    std::string name;
    std::string value;
    std::string domain;  // "" only for a set() cookie that goes to every host
    std::string path;
    Clock::time_point expiry = Clock::time_point::max();  // max() for a session cookie
    Clock::time_point creation;
    uint64_t order = 0;  // creation order, breaks ties between equal creation times
    bool persistent = false;
    bool host_only = true;
    bool secure = false;
    bool http_only = false;  // kept, though a client has no script to hide it from
  };

  // (Two constructors, not `Limits limits = {}`: g++ 12 cannot use a nested
  // struct's default member initialisers in a default argument of its class.)
  CookieJar();
  explicit CookieJar(Limits limits);

  // Stores one Set-Cookie field value received in the response to a request
  // for (request_host, request_path) over https (secure_scheme) or http.
  // Returns false when the cookie is rejected (see above); true when it was
  // stored, or when it was a valid deletion (expired on arrival).
  bool store(std::string_view request_host, std::string_view request_path, bool secure_scheme,
             std::string_view set_cookie, Clock::time_point now = Clock::now());

  // The Cookie header value for a request ("" when no cookie applies).
  std::string header_for(std::string_view host, std::string_view path, bool secure_scheme,
                         Clock::time_point now = Clock::now()) const;

  // Seeds a session cookie as aiohttp's ClientSession(cookies=...) does: with
  // an empty domain it is sent to every host; with a domain (a leading dot
  // ignored) to that domain and its subdomains. An empty path or one not
  // starting with '/' means "/". Replaces a cookie of the same name, domain
  // and path. Throws ClientError(Errc::invalid_argument) for an empty name, a
  // control character anywhere, ';' or '=' in the name, ';' in the value, or
  // a cookie over max_cookie_bytes (name, value, domain and path together).
  void set(std::string name, std::string value, std::string domain = "", std::string path = "/");

  // Stored cookies, expired ones included until the next store() evicts them.
  size_t size() const { return size_; }

  // A copy of every stored cookie, by domain then creation.
  std::vector<Cookie> cookies() const;

  void clear();

 private:
  void evict_expired(std::vector<Cookie>& bucket, Clock::time_point now);
  void enforce_limits(const std::string& domain, Clock::time_point now);

  Limits limits_;
  // Keyed by cookie domain, so header_for() looks at the host and its parent
  // domains only.
  std::map<std::string, std::vector<Cookie>, std::less<>> by_domain_;
  size_t size_ = 0;
  uint64_t next_order_ = 0;
};

}  // namespace aio::http
