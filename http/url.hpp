// aio::http::Url: a parsed, validated, normalised absolute URL.
//
//   Url u = Url::parse("https://user:p%40ss@Example.COM:8443/a b?q=1#top");
//   u.host();         // "example.com"
//   u.port();         // 8443
//   u.password();     // "p@ss" (decoded)
//   u.target();       // "/a%20b?q=1"   (the request-target, as sent)
//   u.host_header();  // "example.com:8443"
//   u.redacted();     // "https://example.com:8443/a%20b?q=1"
//   Url next = u.resolve("../c");  // for a Location header
//
// RFC 3986 syntax and §5.2 reference resolution come from liburiparser; this
// unit adds the HTTP client's policy around it:
//
// * Control bytes (0x00-0x1F, 0x7F: CR, LF, NUL, TAB, ...) anywhere in the
//   input are rejected with InvalidUrl, never stripped: they must never reach
//   the wire (HOSTILE.md REQ-INJ).
// * Bytes that RFC 3986 does not allow in the path, query, fragment or
//   userinfo (space, non-ASCII, `"<>\^`{|}`, a '%' not followed by two hex
//   digits, a second '#') are percent-encoded, as browsers and yarl do. A
//   valid escape stays exactly as given: "%0d%0a" is neither decoded nor
//   re-cased, so it reaches the request-target encoded.
// * The authority is strict. The host is lowercased; a reg-name may contain
//   only ASCII letters, digits, '-', '.', '_' (no percent-escapes, no IDNA:
//   pass an already punycoded name). A host whose last label is numeric must
//   be a dotted-quad IPv4 address ("127.1", "0x7f.1", "010.0.0.1" and
//   "2130706433" are rejected: the system resolver would read them as
//   127.0.0.1 / 8.0.0.1 while this class would not call them IP literals).
//   IPv6 literals are canonicalised (RFC 5952: "[0:0::1]" -> "::1"); zone
//   ids and IPvFuture are rejected. A backslash anywhere in the authority is
//   rejected (browsers read "http://a\@b/" as host "a", RFC 3986 as host
//   "b"). The userinfo ends at the *last* '@'.
// * Ports: decimal, 1..65535; an empty port ("http://h:/") means the default.
//   An explicit port equal to the scheme's default is dropped.
// * Dot segments are removed from the path of URLs with an authority
//   ("http://h/a/../b" -> "/b"); percent-encoded dots are left alone.
// * Any scheme parses (lowercased), so that a caller can recognise and refuse
//   `file:`, `ftp:`, `data:`, `mailto:` targets with is_http(). http and https
//   require a non-empty host; other schemes may have none (`data:text/plain,x`,
//   `file:///etc/passwd`).
//
// Every failure is an InvalidUrl with code Errc::invalid_url whose message
// names the URL (userinfo replaced by "***", unprintable bytes shown as %XX,
// cut after 200 bytes) and the reason. Parsing is total: any byte string
// either parses or throws InvalidUrl.
//
// Url is a plain value (copyable, movable, thread-compatible); it owns its
// strings and keeps no reference to the input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error.hpp"

namespace aio::http {

class Url {
 public:
  // Parses an absolute URL ("scheme:..."). Throws InvalidUrl: no scheme, a
  // control byte, bad syntax, empty host (http/https), bad port or host.
  static Url parse(std::string_view text);

  // RFC 3986 §5.2 resolution of `reference` (a Location header value)
  // against this URL: absolute ("https://b/x"), scheme-relative ("//h/p"),
  // absolute-path ("/p"), relative ("../p", "g;x"), query-only ("?y"),
  // fragment-only ("#s") and empty, with dot-segment removal. A reference
  // whose scheme equals this URL's and that has no authority ("http:g") is
  // resolved as a relative one, as browsers, Python's urljoin and aiohttp
  // do (RFC 3986 §5.4.2's "backward compatible" reading). The result can
  // have any scheme: check is_http(). Throws InvalidUrl like parse().
  Url resolve(std::string_view reference) const;

  // Lowercased, e.g. "https".
  const std::string& scheme() const noexcept { return scheme_; }
  // Lowercased reg-name, dotted-quad IPv4, or canonical IPv6 WITHOUT
  // brackets ("::1"). Empty only for non-http URLs without one.
  const std::string& host() const noexcept { return host_; }
  // The explicit port, else the scheme's default (http/ws 80, https/wss
  // 443), else 0.
  uint16_t port() const noexcept { return port_ != 0 ? port_ : default_port(scheme_); }
  // True when no explicit port other than the scheme's default was given.
  bool is_default_port() const noexcept { return port_ == 0; }

  // The userinfo's two parts, percent-decoded (they may hold any byte; they
  // are meant for an Authorization header, base64-encoded).
  const std::string& username() const noexcept { return username_; }
  const std::string& password() const noexcept { return password_; }
  // True when the username or the password is non-empty ("http://@h/" and
  // "http://:@h/" carry none).
  bool has_credentials() const noexcept { return !username_.empty() || !password_.empty(); }

  // The path as sent on the wire (percent-encoded). "/" when empty in a URL
  // with an authority; a URL without one keeps its path as written
  // ("data:text/plain,x" -> "text/plain,x").
  const std::string& path() const noexcept { return path_; }
  // Encoded, without the '?'. has_query() tells "/p?" (empty query) from "/p".
  const std::string& query() const noexcept { return query_; }
  bool has_query() const noexcept { return has_query_; }
  // Encoded, without the '#'. Never sent, never part of to_string().
  const std::string& fragment() const noexcept { return fragment_; }
  bool has_fragment() const noexcept { return has_fragment_; }

  bool is_ip_literal() const noexcept { return host_kind_ != HostKind::name; }
  bool is_ipv6() const noexcept { return host_kind_ == HostKind::ipv6; }
  bool is_http() const noexcept { return scheme_ == "http" || scheme_ == "https"; }
  bool is_https() const noexcept { return scheme_ == "https"; }

  // The request-target (origin-form): path, then "?" and the query when
  // has_query(). Contains only printable ASCII, never a space.
  std::string target() const;
  // The Host header value: "host", "host:port" when the port is not the
  // default, IPv6 always bracketed ("[::1]", "[::1]:8080").
  std::string host_header() const;
  // "scheme://host:port", always with the port ("http://a:80",
  // "https://[::1]:443"): a pool key and what same_origin compares. "null"
  // for a URL without a host (an opaque origin).
  std::string origin() const;
  // The normalised URL, credentials included, fragment excluded. Parsing it
  // again gives an equal Url (minus the fragment).
  std::string to_string() const;
  // to_string() without the userinfo: for messages and logs.
  std::string redacted() const;

  // A copy with `params` appended to the query, each as
  // percent_encode(key, kQueryParamSafe) "=" percent_encode(value, ...),
  // joined by '&' (also to an existing non-empty query). A space becomes
  // "%20" and '+', '&', '=', ';', '#' are escaped, so every server decodes
  // the pair as given whether it reads the query form-style ('+' = space) or
  // not. An empty `params` returns an unchanged copy.
  Url with_query_params(const std::vector<std::pair<std::string, std::string>>& params) const;
  // A copy without username and password (for a redirect to another origin).
  Url without_credentials() const;

  // Same scheme, host and port(); false when either has no host.
  friend bool same_origin(const Url& a, const Url& b) noexcept;
  // Every component equal, fragment included.
  friend bool operator==(const Url& a, const Url& b) = default;

  // The default port of `scheme` (lowercase), 0 when unknown.
  static uint16_t default_port(std::string_view scheme) noexcept;

  // Characters percent_encode leaves alone in with_query_params (besides the
  // unreserved ones): RFC 3986 query characters minus the pair separators
  // and '+'.
  static constexpr std::string_view kQueryParamSafe = "/?:@!$'()*,";

  // An empty URL (no scheme, no host), to be assigned a parsed one.
  Url() = default;

 private:
  enum class HostKind : uint8_t { name, ipv4, ipv6 };

  friend class UrlBuilder;  // url.cpp: builds a Url from uriparser's result

  std::string authority(bool with_userinfo) const;
  std::string serialise(bool with_userinfo) const;

  std::string scheme_;
  std::string username_;
  std::string password_;
  std::string host_;
  std::string path_;
  std::string query_;
  std::string fragment_;
  uint16_t port_ = 0;  // 0: none given, or the default
  HostKind host_kind_ = HostKind::name;
  bool has_authority_ = false;
  bool has_query_ = false;
  bool has_fragment_ = false;
};

// Declared here too so that aio::http::same_origin(a, b) also works qualified.
bool same_origin(const Url& a, const Url& b) noexcept;

// Percent-encodes (uppercase hex) every byte that is neither RFC 3986
// unreserved (ALPHA DIGIT - . _ ~) nor in `extra_safe`. '%' itself is
// encoded unless listed in `extra_safe`.
std::string percent_encode(std::string_view s, std::string_view extra_safe = "");

// Decodes every "%XX" (either case of hex); a '%' not followed by two hex
// digits stays as it is. '+' is not a space here. The result may hold any
// byte, NUL and CR/LF included: never put it on the wire unchecked.
std::string percent_decode(std::string_view s);

// application/x-www-form-urlencoded, as aiohttp/yarl (Python's urlencode)
// produce it: "k=v&k2=v2", every byte but the unreserved ones
// percent-encoded, a space as '+'.
std::string form_urlencode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace aio::http
