// libFuzzer target: URL parsing and reference resolution (http/url.hpp).
//
// Input: "BASE\nREFERENCE" (or a lone URL). Invariants, for every URL that
// parses (Url::parse, Url::resolve, with_query_params):
//   - failures are InvalidUrl with Errc::invalid_url, nothing else;
//   - to_string(), target(), host_header() and origin() hold printable ASCII
//     only (no space, no control byte: REQ-INJ); the host is lowercase and
//     non-empty for http/https;
//   - round trip: parse(to_string()) gives the same URL minus the fragment,
//     and serialises to the same text; redacted() carries no credentials;
//   - percent_decode(percent_encode(s)) == s.
#include <aio/http/url.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_util.hpp"

using aio::http::InvalidUrl;
using aio::http::Url;

namespace {

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

std::optional<Url> try_parse(std::string_view text) {
  try {
    return Url::parse(text);
  } catch (const InvalidUrl& e) {
    FUZZ_CHECK(e.code() == aio::http::Errc::invalid_url);
    return std::nullopt;
  }
}

void check(const Url& u) {
  for (char c : u.host()) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  for (char c : u.scheme()) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  if (u.is_http()) FUZZ_CHECK(!u.host().empty());
  std::string text = u.to_string();
  FUZZ_CHECK(printable(text));
  FUZZ_CHECK(printable(u.target()));
  FUZZ_CHECK(printable(u.redacted()));
  if (!u.host().empty()) {
    FUZZ_CHECK(printable(u.host_header()));
    FUZZ_CHECK(printable(u.origin()));
    FUZZ_CHECK(same_origin(u, u));
  }
  std::optional<Url> again = try_parse(text);
  FUZZ_CHECK(again.has_value());
  if (again->to_string() != text)
    std::fprintf(stderr, "to_string: '%s'\nreparsed:  '%s'\n", text.c_str(), again->to_string().c_str());
  FUZZ_CHECK(again->to_string() == text);
  FUZZ_CHECK(again->scheme() == u.scheme());
  FUZZ_CHECK(again->host() == u.host());
  FUZZ_CHECK(again->port() == u.port());
  FUZZ_CHECK(again->username() == u.username());
  FUZZ_CHECK(again->password() == u.password());
  FUZZ_CHECK(again->path() == u.path());
  FUZZ_CHECK(again->query() == u.query());
  FUZZ_CHECK(again->has_query() == u.has_query());
  FUZZ_CHECK(again->is_ipv6() == u.is_ipv6());
  FUZZ_CHECK(!again->has_fragment());
  std::optional<Url> redacted = try_parse(u.redacted());
  FUZZ_CHECK(redacted.has_value());
  FUZZ_CHECK(!redacted->has_credentials());
  FUZZ_CHECK(!u.without_credentials().has_credentials());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t nl = in.find('\n');
  std::string_view base_text = in.substr(0, nl);
  std::string_view ref = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  FUZZ_CHECK(aio::http::percent_decode(aio::http::percent_encode(ref)) == ref);
  FUZZ_CHECK(aio::http::percent_decode(aio::http::percent_encode(ref, Url::kQueryParamSafe)) == ref);
  (void)aio::http::form_urlencode({{std::string(base_text), std::string(ref)}});

  std::optional<Url> base = try_parse(base_text);
  if (!base) return 0;
  check(*base);
  if (nl == std::string_view::npos) return 0;
  try {
    Url r = base->resolve(ref);
    check(r);
  } catch (const InvalidUrl& e) {
    FUZZ_CHECK(e.code() == aio::http::Errc::invalid_url);
  }
  std::vector<std::pair<std::string, std::string>> params{{std::string(ref), std::string(base_text)}};
  Url q = base->with_query_params(params);
  check(q);
  FUZZ_CHECK(q.has_query());
  return 0;
}
