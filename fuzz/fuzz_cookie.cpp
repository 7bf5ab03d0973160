// libFuzzer target: the cookie jar (http/cookie_jar.hpp store/header_for/set).
//
// Input: lines. A line's first byte picks the request (host, path, https or
// not) and how far the clock moves; the rest is one Set-Cookie field value
// given to store(). A line starting with '!' is a set(name|value|domain|path)
// instead. After every line, and for every request context, the invariants:
//   - bounds: size() == cookies().size() <= max_total, per cookie domain
//     <= max_per_domain, every Cookie header <= max_header_bytes;
//   - every stored name and value is free of control bytes and ';' (and the
//     name of '='), the name is non-empty, the path starts with '/', the
//     domain is lowercase; a Cookie header holds no control byte;
//   - a Secure cookie is never sent over http; stored (not set()) cookies
//     honour the __Secure-/__Host- prefixes;
//   - store() throws nothing; set() throws only ClientError(invalid_argument).
#include <aio/http/cookie_jar.hpp>
#include <aio/http/error.hpp>

#include <map>
#include <string>
#include <string_view>

#include "fuzz_util.hpp"

using aio::http::CookieJar;

namespace {

struct Context {
  const char* host;
  const char* path;
  bool secure;
};
constexpr Context kContexts[] = {
    {"example.com", "/", false},          {"www.example.com", "/a/b", true},
    {"example.com", "/cookie/sub/x", true}, {"127.0.0.1", "/", false},
    {"::1", "/p/q", true},                {"a.b.co.uk", "/", false},
    {"localhost", "/x?y=1#z", false},     {"b.co.uk", "/a", true},
};
constexpr std::size_t kNumContexts = sizeof(kContexts) / sizeof(kContexts[0]);

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i], b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a + 32);
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b + 32);
    if (a != b) return false;
  }
  return true;
}

void check(const CookieJar& jar, const CookieJar::Limits& lim, bool any_set, CookieJar::Clock::time_point now) {
  auto all = jar.cookies();
  FUZZ_CHECK(all.size() == jar.size());
  FUZZ_CHECK(jar.size() <= lim.max_total);
  std::map<std::string, std::size_t> per_domain;
  for (const auto& c : all) {
    FUZZ_CHECK(++per_domain[c.domain] <= lim.max_per_domain);
    FUZZ_CHECK(!c.name.empty());
    FUZZ_CHECK(!fuzz::has_ctl(c.name) && !fuzz::has_ctl(c.value));
    FUZZ_CHECK(c.name.find(';') == std::string::npos && c.name.find('=') == std::string::npos);
    FUZZ_CHECK(c.value.find(';') == std::string::npos);
    FUZZ_CHECK(!c.path.empty() && c.path.front() == '/');
    for (char ch : c.domain) FUZZ_CHECK(!(ch >= 'A' && ch <= 'Z'));
    if (!any_set) {
      if (starts_with_ci(c.name, "__Secure-")) FUZZ_CHECK(c.secure);
      if (starts_with_ci(c.name, "__Host-")) FUZZ_CHECK(c.secure && c.host_only && c.path == "/");
    }
  }
  for (const Context& ctx : kContexts) {
    std::string h = jar.header_for(ctx.host, ctx.path, ctx.secure, now);
    FUZZ_CHECK(h.size() <= lim.max_header_bytes);
    for (unsigned char ch : h) FUZZ_CHECK(!(ch < 0x20 || ch == 0x7f));
    if (!ctx.secure) {
      // Every pair sent over http must belong to a stored non-Secure cookie.
      std::string_view rest = h;
      while (!rest.empty()) {
        std::size_t sep = rest.find("; ");
        std::string_view pair = rest.substr(0, sep);
        rest = sep == std::string_view::npos ? std::string_view() : rest.substr(sep + 2);
        bool found = false;
        for (const auto& c : all)
          if (!c.secure && (c.name + "=" + c.value == pair || (c.value.empty() && c.name == pair))) found = true;
        // A pair may also contain "; " inside a value; only check simple ones.
        if (pair.find(';') == std::string_view::npos) FUZZ_CHECK(found);
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  CookieJar::Limits lim;
  lim.max_cookie_bytes = 512;
  lim.max_per_domain = 4;
  lim.max_total = 10;
  lim.max_header_bytes = 300;
  CookieJar jar(lim);
  auto now = CookieJar::Clock::time_point(std::chrono::seconds(1'700'000'000));
  bool any_set = false;
  while (!in.empty()) {
    std::size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    if (line.empty()) continue;
    unsigned char sel = static_cast<unsigned char>(line.front());
    if (sel == '!') {
      // set(name|value|domain|path)
      std::string parts[4];
      std::string_view rest = line.substr(1);
      for (int i = 0; i < 4; ++i) {
        std::size_t bar = i < 3 ? rest.find('|') : std::string_view::npos;
        parts[i] = std::string(rest.substr(0, bar));
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
      try {
        jar.set(parts[0], parts[1], parts[2], parts[3].empty() ? "/" : parts[3]);
        any_set = true;
      } catch (const aio::http::ClientError& e) {
        FUZZ_CHECK(e.code() == aio::http::Errc::invalid_argument);
      }
    } else {
      const Context& ctx = kContexts[sel % kNumContexts];
      // Bits 3-4 of the selector: the clock moves 0 s, 1 s, 1 h or 400 days.
      static constexpr int kStep[] = {0, 1, 3600, 400 * 86400};
      now += std::chrono::seconds(kStep[(sel >> 3) & 3]);
      jar.store(ctx.host, ctx.path, ctx.secure, line.substr(1), now);
    }
    check(jar, lim, any_set, now);
  }
  return 0;
}
