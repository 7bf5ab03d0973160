#include "url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <uriparser/Uri.h>

#include <charconv>
#include <cstring>

namespace aio::http {
namespace {

constexpr std::string_view kSubDelims = "!$&'()*+,;=";
// What RFC 3986 allows unescaped (besides unreserved and pct-encoded) in
// each component; everything else gets percent-encoded before uriparser
// sees it.
constexpr std::string_view kUserinfoSafe = "!$&'()*+,;=:";
constexpr std::string_view kPathSafe = "!$&'()*+,;=:@/";
constexpr std::string_view kQuerySafe = "!$&'()*+,;=:@/?";

constexpr char kHex[] = "0123456789ABCDEF";

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int hex_value(char c) noexcept {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
bool is_unreserved(char c) noexcept {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7F; }
char to_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

void append_escape(std::string& out, unsigned char c) {
  out += '%';
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

// The offset of the end of a scheme ("http" in "http:..."), or npos.
std::size_t scheme_end(std::string_view s) noexcept {
  if (s.empty() || !is_alpha(s[0])) return std::string_view::npos;
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':') return i;
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') break;
  }
  return std::string_view::npos;
}

// What an error message shows of a URL: the userinfo replaced by "***",
// unprintable and non-ASCII bytes as %XX (a message may end up in a log or a
// terminal), at most 200 bytes.
std::string shown(std::string_view url) {
  std::string redacted;
  std::size_t colon = scheme_end(url);
  std::size_t start = colon == std::string_view::npos ? 0 : colon + 1;
  if (url.substr(start).starts_with("//")) {
    std::size_t auth = start + 2;
    std::size_t end = url.find_first_of("/?#", auth);
    if (end == std::string_view::npos) end = url.size();
    std::size_t at = url.substr(auth, end - auth).rfind('@');
    if (at != std::string_view::npos) {
      redacted.append(url.substr(0, auth)).append("***").append(url.substr(auth + at));
      url = redacted;
    }
  }
  std::string out;
  for (std::size_t i = 0; i < url.size(); ++i) {
    if (out.size() >= 200) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(url[i]);
    if (is_control(c) || c >= 0x80) {
      append_escape(out, c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Names the input (and, for resolve(), the base) in error messages.
struct Context {
  std::string_view input;
  const Url* base = nullptr;
};

[[noreturn]] void fail(const Context& ctx, std::string_view reason) {
  std::string message = "invalid URL \"" + shown(ctx.input) + "\"";
  if (ctx.base != nullptr) message += " (relative to \"" + shown(ctx.base->redacted()) + "\")";
  message += ": ";
  message += reason;
  throw InvalidUrl(make_error_code(Errc::invalid_url), std::move(message));
}

// Copies `s`, percent-encoding what is neither unreserved, nor in `safe`,
// nor part of a valid escape ("%0d" stays as given; a lone '%' -> "%25").
void append_encoded(std::string& out, std::string_view s, std::string_view safe) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      out.append(s.substr(i, 3));
      i += 2;
    } else if (is_unreserved(c) || (c != '%' && safe.find(c) != std::string_view::npos)) {
      out += c;
    } else {
      append_escape(out, static_cast<unsigned char>(c));
    }
  }
}

// Checks the host[:port] part of an authority for what uriparser would only
// call a syntax error, so that the message can say what is wrong.
void check_host_port(std::string_view hp, const Context& ctx) {
  for (char c : hp) {
    if (static_cast<unsigned char>(c) >= 0x80) fail(ctx, "non-ASCII host (IDNA is not supported)");
  }
  std::string_view port;
  if (!hp.empty() && hp[0] == '[') {
    std::size_t close = hp.find(']');
    if (close == std::string_view::npos) fail(ctx, "unterminated '[' in the host");
    std::string_view after = hp.substr(close + 1);
    if (!after.empty() && after[0] != ':')
      fail(ctx, "unexpected characters after the IPv6 literal");
    if (hp.substr(1, close - 1).find('%') != std::string_view::npos) {
      fail(ctx, "IPv6 zone identifiers are not supported");
    }
    if (!after.empty()) port = after.substr(1);
  } else {
    if (hp.find_first_of("[]") != std::string_view::npos) {
      fail(ctx, "'[' or ']' outside an IPv6 literal");
    }
    std::size_t colon = hp.find(':');
    if (colon != std::string_view::npos) port = hp.substr(colon + 1);
    for (char c : hp.substr(0, colon)) {
      if (!is_unreserved(c) && c != '%' && kSubDelims.find(c) == std::string_view::npos) {
        fail(ctx, "invalid character \"" + shown(std::string_view(&c, 1)) + "\" in the host");
      }
    }
  }
  for (char c : port) {
    if (is_digit(c)) continue;
    std::string reason = "invalid port \"" + shown(port) + "\" (not a decimal number";
    if (port.find(':') != std::string_view::npos) reason += "; an IPv6 address needs brackets";
    fail(ctx, reason + ")");
  }
}

// Turns `text` into something uriparser accepts when it is a sensible URL:
// rejects control bytes and percent-encodes, per component, the characters
// RFC 3986 does not allow there (see url.hpp). The authority's host and port
// are checked, never rewritten.
std::string prepare(std::string_view text, bool require_scheme, const Context& ctx) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (is_control(c)) {
      std::string reason = "control character 0x";
      reason += kHex[c >> 4];
      reason += kHex[c & 0xF];
      reason += " at offset " + std::to_string(i);
      fail(ctx, reason);
    }
  }
  std::string out;
  out.reserve(text.size() + 16);
  std::string_view rest = text;
  std::size_t colon = scheme_end(text);
  if (colon != std::string_view::npos) {
    // Lowercased now so that uriparser's same-scheme check ("HTTP:g" against
    // an http base) sees equal schemes.
    for (char c : text.substr(0, colon + 1)) out += to_lower(c);
    rest.remove_prefix(colon + 1);
  } else if (require_scheme) {
    fail(ctx, "missing scheme (expected e.g. \"http://\")");
  }
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    std::size_t end = rest.find_first_of("/?#");
    if (end == std::string_view::npos) end = rest.size();
    std::string_view authority = rest.substr(0, end);
    rest.remove_prefix(end);
    if (authority.find('\\') != std::string_view::npos) fail(ctx, "backslash in the authority");
    out += "//";
    std::size_t at = authority.rfind('@');
    std::string_view host_port = authority;
    if (at != std::string_view::npos) {
      append_encoded(out, authority.substr(0, at), kUserinfoSafe);
      out += '@';
      host_port = authority.substr(at + 1);
    }
    check_host_port(host_port, ctx);
    out.append(host_port);
  }
  std::size_t hash = rest.find('#');
  std::string_view fragment;
  bool has_fragment = hash != std::string_view::npos;
  if (has_fragment) {
    fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  std::size_t question = rest.find('?');
  append_encoded(out, rest.substr(0, question), kPathSafe);
  if (question != std::string_view::npos) {
    out += '?';
    append_encoded(out, rest.substr(question + 1), kQuerySafe);
  }
  if (has_fragment) {
    out += '#';
    append_encoded(out, fragment, kQuerySafe);
  }
  return out;
}

// Owns a UriUriA filled by uriparser.
struct UriHolder {
  UriUriA uri;
  bool live = false;
  UriHolder() noexcept { std::memset(&uri, 0, sizeof uri); }
  UriHolder(const UriHolder&) = delete;
  UriHolder& operator=(const UriHolder&) = delete;
  ~UriHolder() {
    if (live) uriFreeUriMembersA(&uri);
  }
};

// Parses prepared text; the holder's ranges point into `text`.
void parse_uri(const std::string& text, UriHolder& out, const Context& ctx) {
  const char* error_pos = nullptr;
  int rc = uriParseSingleUriExA(&out.uri, text.data(), text.data() + text.size(), &error_pos);
  if (rc != URI_SUCCESS) {
    std::string reason = "syntax error";
    if (error_pos != nullptr && error_pos >= text.data() && error_pos < text.data() + text.size()) {
      reason += " at \"" + shown(std::string_view(error_pos, text.data() + text.size())) + "\"";
    }
    fail(ctx, reason);
  }
  out.live = true;
}

void resolve_uri(UriHolder& out, const UriHolder& ref, const UriHolder& base,
                 UriResolutionOptions options, const Context& ctx) {
  int rc = uriAddBaseUriExA(&out.uri, &ref.uri, &base.uri, options);
  if (rc != URI_SUCCESS) fail(ctx, "cannot resolve the reference");
  out.live = true;
}

std::string_view range(const UriTextRangeA& r) noexcept {
  if (r.first == nullptr || r.afterLast == nullptr) return {};
  return {r.first, static_cast<std::size_t>(r.afterLast - r.first)};
}

bool all_digits(std::string_view s) noexcept {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return !s.empty();
}

// A label that the C library's inet_aton (and so getaddrinfo) reads as a
// number: decimal, octal (leading 0) or "0x" hex.
bool is_numeric_label(std::string_view label) noexcept {
  if (all_digits(label)) return true;
  if (label.size() >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
    for (char c : label.substr(2)) {
      if (!is_hex(c)) return false;
    }
    return true;
  }
  return false;
}

void check_reg_name(const std::string& host, const Context& ctx) {
  for (char c : host) {
    if (c == '%') fail(ctx, "percent-encoded host names are not supported");
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_') {
      fail(ctx, std::string("invalid character '") + c + "' in the host");
    }
  }
  std::string_view name = host;
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.size() > 253) fail(ctx, "host name longer than 253 bytes");
  std::string_view last;
  while (!name.empty()) {
    std::size_t dot = name.find('.');
    last = name.substr(0, dot);
    if (last.empty()) fail(ctx, "empty label in the host name");
    if (last.size() > 63) fail(ctx, "host name label longer than 63 bytes");
    name.remove_prefix(dot == std::string_view::npos ? name.size() : dot + 1);
    if (dot != std::string_view::npos && name.empty()) fail(ctx, "empty label in the host name");
  }
  if (is_numeric_label(last)) {
    fail(ctx, "numeric host that is not a dotted-quad IPv4 address");
  }
}

}  // namespace

// Builds a Url from what uriparser produced, applying the policy of url.hpp.
class UrlBuilder {
 public:
  static Url build(const UriUriA& u, const Context& ctx) {
    Url url;
    std::string_view scheme = range(u.scheme);
    if (scheme.empty()) fail(ctx, "missing scheme");
    url.scheme_ = lowercase(scheme);
    bool http = url.is_http();

    url.has_authority_ = u.hostText.first != nullptr;
    if (url.has_authority_) {
      std::string_view userinfo = range(u.userInfo);
      std::size_t colon = userinfo.find(':');
      url.username_ = percent_decode(userinfo.substr(0, colon));
      if (colon != std::string_view::npos)
        url.password_ = percent_decode(userinfo.substr(colon + 1));

      if (u.hostData.ipFuture.first != nullptr) fail(ctx, "IPvFuture addresses are not supported");
      if (u.hostData.ip6 != nullptr) {
        char buf[INET6_ADDRSTRLEN];
        if (inet_ntop(AF_INET6, u.hostData.ip6->data, buf, sizeof buf) == nullptr) {
          fail(ctx, "invalid IPv6 address");
        }
        url.host_ = buf;
        url.host_kind_ = Url::HostKind::ipv6;
      } else if (u.hostData.ip4 != nullptr) {
        const unsigned char* b = u.hostData.ip4->data;
        url.host_ = std::to_string(b[0]) + '.' + std::to_string(b[1]) + '.' + std::to_string(b[2]) +
                    '.' + std::to_string(b[3]);
        url.host_kind_ = Url::HostKind::ipv4;
      } else {
        url.host_ = lowercase(range(u.hostText));
        if (!url.host_.empty()) check_reg_name(url.host_, ctx);
      }

      std::string_view port = range(u.portText);
      if (!port.empty()) {
        if (!all_digits(port)) fail(ctx, "invalid port (not a decimal number)");
        while (port.size() > 1 && port[0] == '0') port.remove_prefix(1);
        unsigned value = 0;
        if (port.size() > 5) fail(ctx, "port out of range (over 65535)");
        std::from_chars(port.data(), port.data() + port.size(), value);
        if (value > 65535) fail(ctx, "port out of range (over 65535)");
        if (value == 0) fail(ctx, "port 0 is not a valid destination");
        if (value != Url::default_port(url.scheme_)) url.port_ = static_cast<uint16_t>(value);
      }
    }
    if (http && url.host_.empty()) fail(ctx, url.has_authority_ ? "empty host" : "missing host");

    // The path, from uriparser's segment list. With an authority the path is
    // empty or absolute; without one, absolutePath says whether it starts
    // with '/'.
    bool first = true;
    const UriPathSegmentA* head = u.pathHead;
    // uriparser may leave a leading "." segment after removing dot segments
    // ("/.//b", and "/./" for "/"), so that a path cannot read as an
    // authority. It is a dot segment all the same: drop it, or "/.//b" would
    // be sent instead of "//b". serialise() adds "/." back where a path
    // without an authority starts with "//".
    if (head != nullptr && head->next != nullptr && range(head->text) == ".") head = head->next;
    for (const UriPathSegmentA* s = head; s != nullptr; s = s->next) {
      if (!first || url.has_authority_ || u.absolutePath) url.path_ += '/';
      url.path_.append(range(s->text));
      first = false;
    }
    if (url.path_.empty() && (url.has_authority_ || u.absolutePath)) url.path_ = "/";

    url.has_query_ = u.query.first != nullptr;
    url.query_ = range(u.query);
    url.has_fragment_ = u.fragment.first != nullptr;
    url.fragment_ = range(u.fragment);
    return url;
  }
};

Url Url::parse(std::string_view text) {
  Context ctx{text};
  std::string prepared = prepare(text, true, ctx);
  UriHolder uri;
  parse_uri(prepared, uri, ctx);
  // Resolving an absolute URL against itself is how uriparser removes its
  // dot segments (RFC 3986 §5.2.2: T.path = remove_dot_segments(R.path))
  // without touching its percent-escapes, which uriNormalizeSyntax would.
  UriHolder normal;
  resolve_uri(normal, uri, uri, URI_RESOLVE_STRICTLY, ctx);
  return UrlBuilder::build(normal.uri, ctx);
}

Url Url::resolve(std::string_view reference) const {
  Context ctx{reference, this};
  std::string prepared = prepare(reference, false, ctx);
  UriHolder ref;
  parse_uri(prepared, ref, ctx);
  std::string base_text = serialise(true);
  UriHolder base;
  parse_uri(base_text, base, ctx);
  UriHolder out;
  resolve_uri(out, ref, base, URI_RESOLVE_IDENTICAL_SCHEME_COMPAT, ctx);
  return UrlBuilder::build(out.uri, ctx);
}

uint16_t Url::default_port(std::string_view scheme) noexcept {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return 0;
}

std::string Url::authority(bool with_userinfo) const {
  std::string out;
  if (with_userinfo && has_credentials()) {
    out = percent_encode(username_, kSubDelims);
    if (!password_.empty()) {
      out += ':';
      out += percent_encode(password_, kSubDelims);
    }
    out += '@';
  }
  out += host_header();
  return out;
}

std::string Url::serialise(bool with_userinfo) const {
  std::string out = scheme_;
  out += ':';
  if (has_authority_) {
    out += "//";
    out += authority(with_userinfo);
  } else if (path_.starts_with("//")) {
    // Without this, the path would read back as an authority (RFC 3986
    // §5.3 leaves it to the writer; WHATWG's URL serialiser does the same).
    out += "/.";
  }
  out += path_;
  if (has_query_) {
    out += '?';
    out += query_;
  }
  return out;
}

std::string Url::target() const {
  std::string out = path_;
  if (has_query_) {
    out += '?';
    out += query_;
  }
  return out;
}

std::string Url::host_header() const {
  std::string out;
  if (host_kind_ == HostKind::ipv6) {
    out = '[' + host_ + ']';
  } else {
    out = host_;
  }
  if (port_ != 0) {
    out += ':';
    out += std::to_string(port_);
  }
  return out;
}

std::string Url::origin() const {
  if (host_.empty()) return "null";
  std::string out = scheme_ + "://";
  out += host_kind_ == HostKind::ipv6 ? '[' + host_ + ']' : host_;
  out += ':';
  out += std::to_string(port());
  return out;
}

std::string Url::to_string() const { return serialise(true); }

std::string Url::redacted() const { return serialise(false); }

Url Url::with_query_params(const std::vector<std::pair<std::string, std::string>>& params) const {
  Url out = *this;
  if (params.empty()) return out;
  for (const auto& [key, value] : params) {
    if (!out.query_.empty()) out.query_ += '&';
    out.query_ += percent_encode(key, kQueryParamSafe);
    out.query_ += '=';
    out.query_ += percent_encode(value, kQueryParamSafe);
  }
  out.has_query_ = true;
  return out;
}

Url Url::without_credentials() const {
  Url out = *this;
  out.username_.clear();
  out.password_.clear();
  return out;
}

bool same_origin(const Url& a, const Url& b) noexcept {
  return !a.host_.empty() && a.scheme_ == b.scheme_ && a.host_ == b.host_ && a.port() == b.port();
}

std::string percent_encode(std::string_view s, std::string_view extra_safe) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_unreserved(c) || extra_safe.find(c) != std::string_view::npos) {
      out += c;
    } else {
      append_escape(out, static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string form_urlencode(const std::vector<std::pair<std::string, std::string>>& fields) {
  auto encode = [](std::string& out, std::string_view s) {
    for (char c : s) {
      if (c == ' ') {
        out += '+';
      } else if (is_unreserved(c)) {
        out += c;
      } else {
        append_escape(out, static_cast<unsigned char>(c));
      }
    }
  };
  std::string out;
  for (const auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    encode(out, key);
    out += '=';
    encode(out, value);
  }
  return out;
}

}  // namespace aio::http
