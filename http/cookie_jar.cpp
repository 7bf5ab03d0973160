#include "cookie_jar.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

#include "error.hpp"

namespace aio::http {
namespace {

using Clock = CookieJar::Clock;
using Cookie = CookieJar::Cookie;

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// RFC 6265 trims only SP and HTAB (WSP).
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

// An IPv6 literal has a ':'; a host whose last label is all digits is an IPv4
// address in some notation (WHATWG URL treats it so), never a registrable
// name. Either way it must not domain-match a suffix.
bool is_ip(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  std::string_view last = host.substr(host.rfind('.') + 1);  // npos + 1 == 0
  return !last.empty() && std::all_of(last.begin(), last.end(), [](char c) { return is_digit(c); });
}

// §5.1.3.
bool domain_match(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return !is_ip(host) && host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

std::string_view request_path_of(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  return path;
}

// §5.1.4.
std::string default_path(std::string_view uri_path) {
  uri_path = request_path_of(uri_path);
  if (uri_path.empty() || uri_path.front() != '/') return "/";
  size_t last = uri_path.rfind('/');
  if (last == 0) return "/";
  return std::string(uri_path.substr(0, last));
}

// §5.1.4.
bool path_match(std::string_view request_path, std::string_view cookie_path) {
  if (request_path == cookie_path) return true;
  if (!request_path.starts_with(cookie_path)) return false;
  return cookie_path.back() == '/' || request_path[cookie_path.size()] == '/';
}

// Saturating time arithmetic: Clock's nanoseconds span only 1678-2262.
Clock::time_point from_unix_seconds(int64_t s) {
  constexpr Clock::rep per_second = Clock::duration(std::chrono::seconds(1)).count();
  Clock::rep ticks;
  if (__builtin_mul_overflow(s, per_second, &ticks))
    return s < 0 ? Clock::time_point::min() : Clock::time_point::max();
  return Clock::time_point(Clock::duration(ticks));
}

Clock::time_point add_seconds(Clock::time_point t, int64_t s) {
  constexpr Clock::rep per_second = Clock::duration(std::chrono::seconds(1)).count();
  Clock::rep ticks, sum;
  if (__builtin_mul_overflow(s, per_second, &ticks) ||
      __builtin_add_overflow(t.time_since_epoch().count(), ticks, &sum))
    return Clock::time_point::max();
  return Clock::time_point(Clock::duration(sum));
}

// --- §5.1.1 date parsing ---------------------------------------------------

bool is_date_delimiter(unsigned char c) {
  return c == 0x09 || (c >= 0x20 && c <= 0x2f) || (c >= 0x3b && c <= 0x40) ||
         (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

// Reads min..max digits at s[i...] into *value; the token must then end or go
// on with a non-digit. Returns the index after the digits, or npos.
size_t read_digits(std::string_view s, size_t i, size_t min, size_t max, int* value) {
  size_t start = i;
  int v = 0;
  while (i < s.size() && i - start < max && is_digit(s[i])) v = v * 10 + (s[i++] - '0');
  if (i - start < min) return std::string_view::npos;
  *value = v;
  return i;
}

bool ends_or_non_digit(std::string_view s, size_t i) { return i == s.size() || !is_digit(s[i]); }

bool match_time(std::string_view t, int* h, int* m, int* s) {
  size_t i = read_digits(t, 0, 1, 2, h);
  if (i == std::string_view::npos || i >= t.size() || t[i] != ':') return false;
  i = read_digits(t, i + 1, 1, 2, m);
  if (i == std::string_view::npos || i >= t.size() || t[i] != ':') return false;
  i = read_digits(t, i + 1, 1, 2, s);
  return i != std::string_view::npos && ends_or_non_digit(t, i);
}

bool match_number(std::string_view t, size_t min, size_t max, int* value) {
  size_t i = read_digits(t, 0, min, max, value);
  return i != std::string_view::npos && ends_or_non_digit(t, i);
}

bool match_month(std::string_view t, int* month) {
  static constexpr std::array<std::string_view, 12> names = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (t.size() < 3) return false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (iequals(t.substr(0, 3), names[i])) {
      *month = static_cast<int>(i) + 1;
      return true;
    }
  }
  return false;
}

std::optional<Clock::time_point> parse_cookie_date(std::string_view s) {
  bool found_time = false, found_day = false, found_month = false, found_year = false;
  int hour = 0, minute = 0, second = 0, day = 0, month = 0, year = 0;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_date_delimiter(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !is_date_delimiter(s[i])) ++i;
    std::string_view token = s.substr(start, i - start);
    if (token.empty()) continue;
    if (!found_time && match_time(token, &hour, &minute, &second)) {
      found_time = true;
    } else if (!found_day && match_number(token, 1, 2, &day)) {
      found_day = true;
    } else if (!found_month && match_month(token, &month)) {
      found_month = true;
    } else if (!found_year && match_number(token, 2, 4, &year)) {
      found_year = true;
    }
  }
  if (year >= 70 && year <= 99) year += 1900;
  if (year >= 0 && year <= 69) year += 2000;
  if (!found_time || !found_day || !found_month || !found_year) return std::nullopt;
  if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                     std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;  // "no such date" (31 Feb)
  int64_t secs = static_cast<int64_t>(sys_days(ymd).time_since_epoch().count()) * 86400 +
                 hour * 3600 + minute * 60 + second;
  return from_unix_seconds(secs);
}

// --- §5.2 Set-Cookie parsing ------------------------------------------------

struct Parsed {
  Cookie cookie;
  std::optional<std::string> domain;  // attribute value, leading dot stripped, lowercase
  std::optional<std::string> path;
  std::optional<int64_t> max_age;
  std::optional<Clock::time_point> expires;
};

// Max-Age: an optional '-' then digits only; anything else is ignored.
std::optional<int64_t> parse_max_age(std::string_view v) {
  bool negative = !v.empty() && v.front() == '-';
  if (negative) v.remove_prefix(1);
  if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return is_digit(c); }))
    return std::nullopt;
  if (negative) return 0;  // "earliest representable": any delta <= 0 expires at once
  int64_t n = 0;
  for (char c : v) {
    if (n > (std::numeric_limits<int64_t>::max() - 9) / 10)
      return std::numeric_limits<int64_t>::max();
    n = n * 10 + (c - '0');
  }
  return n;
}

std::optional<Parsed> parse_set_cookie(std::string_view line) {
  Parsed p;
  size_t semi = line.find(';');
  std::string_view pair = line.substr(0, semi);
  size_t eq = pair.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  std::string_view name = trim(pair.substr(0, eq));
  std::string_view value = trim(pair.substr(eq + 1));
  if (name.empty() || name.find('\t') != std::string_view::npos ||
      value.find('\t') != std::string_view::npos)
    return std::nullopt;
  p.cookie.name = name;
  p.cookie.value = value;

  std::string_view rest =
      semi == std::string_view::npos ? std::string_view() : line.substr(semi + 1);
  while (!rest.empty()) {
    size_t next = rest.find(';');
    std::string_view av = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    size_t aeq = av.find('=');
    std::string_view key = trim(av.substr(0, aeq));
    std::string_view val =
        aeq == std::string_view::npos ? std::string_view() : trim(av.substr(aeq + 1));
    // The last occurrence of an attribute wins (§5.3 step 3 and friends).
    if (iequals(key, "expires")) {
      if (auto t = parse_cookie_date(val)) p.expires = *t;
    } else if (iequals(key, "max-age")) {
      if (auto n = parse_max_age(val)) p.max_age = *n;
    } else if (iequals(key, "domain")) {
      if (!val.empty() && val.front() == '.') val.remove_prefix(1);
      if (val.empty())
        p.domain.reset();  // §5.2.3: behaviour undefined; treated as absent
      else
        p.domain = lowercase(val);
    } else if (iequals(key, "path")) {
      if (val.empty() || val.front() != '/')
        p.path.reset();  // §5.2.4: the default-path
      else
        p.path = std::string(val);
    } else if (iequals(key, "secure")) {
      p.cookie.secure = true;
    } else if (iequals(key, "httponly")) {
      p.cookie.http_only = true;
    }
  }
  return p;
}

bool older(const Cookie& a, const Cookie& b) {
  if (a.creation != b.creation) return a.creation < b.creation;
  return a.order < b.order;
}

}  // namespace

CookieJar::CookieJar() : CookieJar(Limits{}) {}
CookieJar::CookieJar(Limits limits) : limits_(limits) {}

bool CookieJar::store(std::string_view request_host, std::string_view request_path,
                      bool secure_scheme, std::string_view set_cookie, Clock::time_point now) {
  if (set_cookie.size() > limits_.max_cookie_bytes) return false;
  // RFC 6265bis §5.7 step 1: a CTL other than HTAB anywhere rejects it all.
  for (unsigned char c : set_cookie)
    if (is_ctl(c) && c != '\t') return false;
  std::string host = lowercase(request_host);
  if (host.empty()) return false;

  std::optional<Parsed> parsed = parse_set_cookie(set_cookie);
  if (!parsed) return false;
  Parsed& p = *parsed;
  Cookie& c = p.cookie;

  // §5.3 step 3: Max-Age wins over Expires.
  if (p.max_age) {
    c.persistent = true;
    c.expiry = *p.max_age <= 0 ? Clock::time_point::min() : add_seconds(now, *p.max_age);
  } else if (p.expires) {
    c.persistent = true;
    c.expiry = *p.expires;
  }

  // §5.3 steps 4-6, with an IP host and dotless domains restricted.
  if (p.domain) {
    const std::string& d = *p.domain;
    if (is_ip(host)) {
      if (d != host) return false;
    } else {
      if (d.find('.') == std::string::npos && d != host) return false;
      if (!domain_match(host, d)) return false;
    }
    c.host_only = false;
    c.domain = d;
  } else {
    c.host_only = true;
    c.domain = host;
  }
  c.path = p.path ? *p.path : default_path(request_path);

  // RFC 6265bis §5.7 step 14 and the cookie prefixes (§4.1.3).
  if (c.secure && !secure_scheme) return false;
  if (istarts_with(c.name, "__Secure-") && !c.secure) return false;
  if (istarts_with(c.name, "__Host-") && (!c.secure || !c.host_only || c.path != "/")) return false;

  // RFC 6265bis §5.7 step 15: an insecure origin may not overwrite or shadow
  // a Secure cookie.
  if (!secure_scheme) {
    for (const auto& [domain, bucket] : by_domain_) {
      if (!domain_match(domain, c.domain) && !domain_match(c.domain, domain)) continue;
      for (const Cookie& old : bucket)
        if (old.secure && old.name == c.name && path_match(c.path, old.path)) return false;
    }
  }

  c.creation = now;
  c.order = next_order_++;
  bool expired = c.expiry <= now;
  auto it = by_domain_.find(c.domain);
  if (it != by_domain_.end()) {
    auto& bucket = it->second;
    auto old = std::find_if(bucket.begin(), bucket.end(),
                            [&](const Cookie& o) { return o.name == c.name && o.path == c.path; });
    if (old != bucket.end()) {
      // §5.3 step 11: the replacement keeps the old creation time.
      c.creation = old->creation;
      c.order = old->order;
      if (expired) {
        bucket.erase(old);
        --size_;
        if (bucket.empty()) by_domain_.erase(it);
      } else {
        *old = std::move(c);
      }
      return true;
    }
  }
  if (expired) return true;  // a deletion of nothing
  std::string domain = c.domain;
  uint64_t order = c.order;
  by_domain_[domain].push_back(std::move(c));
  ++size_;
  enforce_limits(domain, now);
  // With a limit of 0 the new cookie itself was evicted.
  auto kept = by_domain_.find(domain);
  return kept != by_domain_.end() && std::any_of(kept->second.begin(), kept->second.end(),
                                                 [&](const Cookie& o) { return o.order == order; });
}

void CookieJar::evict_expired(std::vector<Cookie>& bucket, Clock::time_point now) {
  size_t before = bucket.size();
  std::erase_if(bucket, [&](const Cookie& c) { return c.expiry <= now; });
  size_ -= before - bucket.size();
}

void CookieJar::enforce_limits(const std::string& domain, Clock::time_point now) {
  auto it = by_domain_.find(domain);
  if (it != by_domain_.end()) {
    auto& bucket = it->second;
    evict_expired(bucket, now);
    while (bucket.size() > limits_.max_per_domain) {
      bucket.erase(std::min_element(bucket.begin(), bucket.end(), older));
      --size_;
    }
    if (bucket.empty()) by_domain_.erase(it);
  }
  if (size_ <= limits_.max_total) return;
  for (auto b = by_domain_.begin(); b != by_domain_.end();) {
    evict_expired(b->second, now);
    b = b->second.empty() ? by_domain_.erase(b) : std::next(b);
  }
  while (size_ > limits_.max_total) {
    auto oldest_bucket = by_domain_.end();
    std::vector<Cookie>::iterator oldest;
    for (auto b = by_domain_.begin(); b != by_domain_.end(); ++b) {
      auto m = std::min_element(b->second.begin(), b->second.end(), older);
      if (oldest_bucket == by_domain_.end() || older(*m, *oldest)) oldest_bucket = b, oldest = m;
    }
    oldest_bucket->second.erase(oldest);
    --size_;
    if (oldest_bucket->second.empty()) by_domain_.erase(oldest_bucket);
  }
}

std::string CookieJar::header_for(std::string_view host_in, std::string_view path_in,
                                  bool secure_scheme, Clock::time_point now) const {
  std::string host = lowercase(host_in);
  std::string_view path = request_path_of(path_in);
  if (path.empty() || path.front() != '/') path = "/";

  std::vector<const Cookie*> matches;
  auto collect = [&](std::string_view domain, bool exact_host) {
    auto it = by_domain_.find(domain);
    if (it == by_domain_.end()) return;
    for (const Cookie& c : it->second) {
      if (c.host_only && !exact_host) continue;
      if (c.secure && !secure_scheme) continue;
      if (c.expiry <= now) continue;
      if (!path_match(path, c.path)) continue;
      matches.push_back(&c);
    }
  };
  if (!host.empty()) {
    collect(host, true);
    if (!is_ip(host)) {
      // Parent domains: "a.b.c" looks at "b.c" and "c".
      for (size_t dot = host.find('.'); dot != std::string::npos; dot = host.find('.', dot + 1))
        if (dot + 1 < host.size()) collect(std::string_view(host).substr(dot + 1), false);
    }
  }
  collect("", false);  // set() cookies for every host

  std::stable_sort(matches.begin(), matches.end(), [](const Cookie* a, const Cookie* b) {
    if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
    return older(*a, *b);
  });
  std::string header;
  for (const Cookie* c : matches) {
    size_t add = (header.empty() ? 0 : 2) + c->name.size() + 1 + c->value.size();
    if (header.size() + add > limits_.max_header_bytes) continue;  // leave out what does not fit
    if (!header.empty()) header += "; ";
    header += c->name;
    header += '=';
    header += c->value;
  }
  return header;
}

void CookieJar::set(std::string name, std::string value, std::string domain, std::string path) {
  auto invalid = [](const char* why) {
    return ClientError(make_error_code(Errc::invalid_argument), std::string("cookie: ") + why);
  };
  if (name.empty()) throw invalid("empty name");
  for (std::string_view s : {std::string_view(name), std::string_view(value),
                             std::string_view(domain), std::string_view(path)})
    for (unsigned char ch : s)
      if (is_ctl(ch)) throw invalid("control character");
  if (name.find_first_of(";=") != std::string::npos) throw invalid("';' or '=' in the name");
  if (value.find(';') != std::string::npos) throw invalid("';' in the value");
  if (!domain.empty() && domain.front() == '.') domain.erase(0, 1);
  domain = lowercase(domain);
  if (path.empty() || path.front() != '/') path = "/";
  if (name.size() + value.size() + domain.size() + path.size() > limits_.max_cookie_bytes)
    throw invalid("larger than max_cookie_bytes");

  Clock::time_point now = Clock::now();
  Cookie c;
  c.name = std::move(name);
  c.value = std::move(value);
  c.domain = std::move(domain);
  c.path = std::move(path);
  c.host_only = false;
  c.creation = now;
  c.order = next_order_++;
  auto& bucket = by_domain_[c.domain];
  auto old = std::find_if(bucket.begin(), bucket.end(),
                          [&](const Cookie& o) { return o.name == c.name && o.path == c.path; });
  if (old != bucket.end()) {
    c.creation = old->creation;
    c.order = old->order;
    *old = std::move(c);
    return;
  }
  std::string key = c.domain;
  bucket.push_back(std::move(c));
  ++size_;
  enforce_limits(key, now);
}

std::vector<Cookie> CookieJar::cookies() const {
  std::vector<Cookie> all;
  all.reserve(size_);
  for (const auto& [domain, bucket] : by_domain_) {
    size_t first = all.size();
    all.insert(all.end(), bucket.begin(), bucket.end());
    std::sort(all.begin() + static_cast<std::ptrdiff_t>(first), all.end(), older);
  }
  return all;
}

void CookieJar::clear() {
  by_domain_.clear();
  size_ = 0;
}

}  // namespace aio::http
