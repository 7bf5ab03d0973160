#include <aio/http/cookie_jar.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <aio/http/error.hpp>

using aio::http::CookieJar;
using Clock = CookieJar::Clock;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

const Clock::time_point t0 = sys_days{2024y / March / 1} + 12h;

CookieJar::Cookie only_cookie(const CookieJar& jar) {
  REQUIRE(jar.size() == 1);
  return jar.cookies().front();
}

}  // namespace

TEST_CASE("a cookie is stored and sent back to the host that set it") {
  CookieJar jar;
  CHECK(jar.store("example.com", "/", false, "sid=abc", t0));
  CHECK(jar.size() == 1);
  CHECK(jar.header_for("example.com", "/", false, t0) == "sid=abc");
  CHECK(jar.header_for("example.com", "/other/page", true, t0) == "sid=abc");
  CHECK(jar.header_for("example.org", "/", false, t0) == "");
}

TEST_CASE("name and value are trimmed of spaces and tabs and a quoted value is kept as is") {
  CookieJar jar;
  CHECK(jar.store("example.com", "/", false, " \tsid = \"a b\" \t; Path=/", t0));
  CHECK(jar.header_for("example.com", "/", false, t0) == "sid=\"a b\"");
  CHECK(jar.store("example.com", "/", false, "empty=", t0));
  CHECK(jar.header_for("example.com", "/", false, t0) == "sid=\"a b\"; empty=");
}

TEST_CASE("a Set-Cookie with no '=' or an empty name is ignored entirely") {
  CookieJar jar;
  CHECK_FALSE(jar.store("example.com", "/", false, "justaname", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "justaname; Path=/x=y", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "=value", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "  =value", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "", t0));
  CHECK(jar.size() == 0);
}

TEST_CASE("a name or value with a control character is rejected") {
  CookieJar jar;
  CHECK_FALSE(jar.store("example.com", "/", false, std::string("a\0b=1", 5), t0));
  CHECK_FALSE(jar.store("example.com", "/", false, std::string("a=1\0", 4), t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=1\r\nX-Injected: 1", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=b\nc", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=\x01", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a\x7f=1", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=x\ty", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a\tb=1", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=1; Path=/\x01", t0));
  CHECK(jar.size() == 0);
}

TEST_CASE("attribute names are case-insensitive and unknown attributes are ignored") {
  CookieJar jar;
  CHECK(jar.store("example.com", "/", true,
                  "a=1; pATh=/p; SECURE; httponly; SameSite=Lax; Priority=High; junk", t0));
  auto c = only_cookie(jar);
  CHECK(c.path == "/p");
  CHECK(c.secure);
  CHECK(c.http_only);
}

TEST_CASE("a host-only cookie goes back to that exact host only") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1", t0));
  CHECK(only_cookie(jar).host_only);
  CHECK(jar.header_for("example.com", "/", false, t0) == "a=1");
  CHECK(jar.header_for("www.example.com", "/", false, t0) == "");
  CHECK(jar.header_for("com", "/", false, t0) == "");
  CHECK(jar.header_for("xexample.com", "/", false, t0) == "");

  REQUIRE(jar.store("127.0.0.1", "/", false, "ip=1", t0));
  CHECK(jar.header_for("127.0.0.1", "/", false, t0) == "ip=1");
  CHECK(jar.header_for("localhost", "/", false, t0) == "");
  CHECK(jar.header_for("127.0.0.2", "/", false, t0) == "");

  REQUIRE(jar.store("localhost", "/", false, "lh=1", t0));
  CHECK(jar.header_for("localhost", "/", false, t0) == "lh=1");
  CHECK(jar.header_for("127.0.0.1", "/", false, t0) == "ip=1");
}

TEST_CASE("the host is compared case-insensitively") {
  CookieJar jar;
  REQUIRE(jar.store("Example.COM", "/", false, "a=1", t0));
  CHECK(jar.header_for("example.com", "/", false, t0) == "a=1");
  CHECK(jar.header_for("EXAMPLE.com", "/", false, t0) == "a=1");
}

TEST_CASE(
    "a Domain the request host domain-matches makes a cookie for the domain and its subdomains") {
  CookieJar jar;
  REQUIRE(jar.store("www.example.com", "/", false, "a=1; Domain=example.com", t0));
  REQUIRE(jar.store("www.example.com", "/", false, "b=2; Domain=.Example.COM", t0));
  auto c = jar.cookies().front();
  CHECK(c.domain == "example.com");
  CHECK_FALSE(c.host_only);
  CHECK(jar.header_for("example.com", "/", false, t0) == "a=1; b=2");
  CHECK(jar.header_for("www.example.com", "/", false, t0) == "a=1; b=2");
  CHECK(jar.header_for("a.b.example.com", "/", false, t0) == "a=1; b=2");
  CHECK(jar.header_for("badexample.com", "/", false, t0) == "");
  CHECK(jar.header_for("example.org", "/", false, t0) == "");
}

TEST_CASE("a Domain equal to the host is accepted and also covers subdomains") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1; Domain=example.com", t0));
  CHECK(jar.header_for("sub.example.com", "/", false, t0) == "a=1");
}

TEST_CASE("a Domain the request host does not domain-match is rejected") {
  CookieJar jar;
  CHECK_FALSE(jar.store("www.example.com", "/", false, "a=1; Domain=example.org", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=1; Domain=www.example.com", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=1; Domain=ample.com", t0));
  CHECK_FALSE(jar.store("www.example.com", "/", false, "a=1; Domain=w.example.com", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=1; Domain=example.com.", t0));
  CHECK(jar.size() == 0);
}

TEST_CASE("an empty Domain attribute is ignored and the cookie is host-only") {
  CookieJar jar;
  REQUIRE(jar.store("www.example.com", "/", false, "a=1; Domain=", t0));
  REQUIRE(jar.store("www.example.com", "/", false, "b=1; Domain=.", t0));
  for (const auto& c : jar.cookies()) {
    CHECK(c.host_only);
    CHECK(c.domain == "www.example.com");
  }
}

TEST_CASE("the last Domain attribute wins") {
  CookieJar jar;
  REQUIRE(
      jar.store("www.example.com", "/", false, "a=1; Domain=other.org; Domain=example.com", t0));
  CHECK(only_cookie(jar).domain == "example.com");
  CHECK_FALSE(
      jar.store("www.example.com", "/", false, "b=1; Domain=example.com; Domain=x.org", t0));
}

TEST_CASE("a Domain without a dot is rejected unless it is the host itself") {
  CookieJar jar;
  CHECK_FALSE(jar.store("example.com", "/", false, "a=1; Domain=com", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "a=1; Domain=.com", t0));
  CHECK_FALSE(jar.store("a.localhost", "/", false, "a=1; Domain=localhost", t0));
  CHECK(jar.size() == 0);
  CHECK(jar.store("localhost", "/", false, "a=1; Domain=localhost", t0));
  CHECK(jar.header_for("localhost", "/", false, t0) == "a=1");
}

TEST_CASE("an IPv4 host accepts no Domain but its own exact address") {
  CookieJar jar;
  CHECK_FALSE(jar.store("127.0.0.1", "/", false, "a=1; Domain=0.0.1", t0));
  CHECK_FALSE(jar.store("127.0.0.1", "/", false, "a=1; Domain=.0.0.1", t0));
  CHECK_FALSE(jar.store("127.0.0.1", "/", false, "a=1; Domain=0.1", t0));
  CHECK_FALSE(jar.store("127.0.0.1", "/", false, "a=1; Domain=1", t0));
  CHECK_FALSE(jar.store("127.0.0.1", "/", false, "a=1; Domain=localhost", t0));
  CHECK_FALSE(jar.store("127.0.0.1", "/", false, "a=1; Domain=127.0.0.2", t0));
  CHECK(jar.size() == 0);

  CHECK(jar.store("127.0.0.1", "/", false, "a=1; Domain=127.0.0.1", t0));
  CHECK(jar.header_for("127.0.0.1", "/", false, t0) == "a=1");
  CHECK(jar.header_for("x.127.0.0.1", "/", false, t0) == "");
  CHECK(jar.header_for("10.127.0.0.1", "/", false, t0) == "");
  CHECK(jar.header_for("localhost", "/", false, t0) == "");
}

TEST_CASE("an IPv6 host accepts no Domain but its own exact address") {
  CookieJar jar;
  CHECK_FALSE(jar.store("::1", "/", false, "a=1; Domain=1", t0));
  CHECK_FALSE(jar.store("fe80::1", "/", false, "a=1; Domain=::1", t0));
  CHECK(jar.store("::1", "/", false, "a=1", t0));
  CHECK(jar.store("::1", "/", false, "b=1; Domain=::1", t0));
  CHECK(jar.header_for("::1", "/", false, t0) == "a=1; b=1");
  CHECK(jar.header_for("fe80::1", "/", false, t0) == "");
  CHECK(jar.header_for("localhost", "/", false, t0) == "");
}

TEST_CASE("a cookie stored for a domain name is not sent to an IP that ends like it") {
  CookieJar jar;
  REQUIRE(jar.store("x.0.0.1.example", "/", false, "a=1; Domain=0.0.1.example", t0));
  CHECK(jar.header_for("0.0.1.example", "/", false, t0) == "a=1");
  CHECK(jar.header_for("127.0.0.1", "/", false, t0) == "");
}

TEST_CASE("the Path attribute limits where a cookie is sent") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1; Path=/docs", t0));
  CHECK(jar.header_for("example.com", "/docs", false, t0) == "a=1");
  CHECK(jar.header_for("example.com", "/docs/", false, t0) == "a=1");
  CHECK(jar.header_for("example.com", "/docs/web/page.html", false, t0) == "a=1");
  CHECK(jar.header_for("example.com", "/docs?x=1", false, t0) == "a=1");
  CHECK(jar.header_for("example.com", "/docsets", false, t0) == "");
  CHECK(jar.header_for("example.com", "/", false, t0) == "");
  CHECK(jar.header_for("example.com", "/Docs", false, t0) == "");
  CHECK(jar.header_for("example.com", "", false, t0) == "");

  REQUIRE(jar.store("example.com", "/", false, "b=2; Path=/dir/", t0));
  CHECK(jar.header_for("example.com", "/dir/x", false, t0) == "b=2");
  CHECK(jar.header_for("example.com", "/dir", false, t0) == "");
}

TEST_CASE("without a usable Path attribute the cookie gets the default path") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/a/b/c", false, "a=1", t0));
  REQUIRE(jar.store("example.com", "/a/b/c?q=/x/y", false, "b=1; Path=relative", t0));
  REQUIRE(jar.store("example.com", "/a/b/", false, "c=1; Path=", t0));
  REQUIRE(jar.store("example.com", "/top", false, "d=1", t0));
  REQUIRE(jar.store("example.com", "", false, "e=1", t0));
  REQUIRE(jar.store("example.com", "noslash", false, "f=1", t0));
  auto all = jar.cookies();
  REQUIRE(all.size() == 6);
  CHECK(all[0].path == "/a/b");
  CHECK(all[1].path == "/a/b");
  CHECK(all[2].path == "/a/b");
  CHECK(all[3].path == "/");
  CHECK(all[4].path == "/");
  CHECK(all[5].path == "/");
  CHECK(jar.header_for("example.com", "/a/b", false, t0) == "a=1; b=1; c=1; d=1; e=1; f=1");
  CHECK(jar.header_for("example.com", "/a", false, t0) == "d=1; e=1; f=1");
}

TEST_CASE("cookies are ordered longer paths first then earlier creation") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "root1=1; Path=/", t0));
  REQUIRE(jar.store("example.com", "/", false, "deep=1; Path=/a/b", t0 + 1s));
  REQUIRE(jar.store("example.com", "/", false, "mid=1; Path=/a", t0 + 2s));
  REQUIRE(jar.store("example.com", "/", false, "root0=1; Path=/", t0 - 5s));
  // Same creation time: the order they arrived in.
  REQUIRE(jar.store("example.com", "/", false, "mid2=1; Path=/a", t0 + 2s));
  CHECK(jar.header_for("example.com", "/a/b/c", false, t0 + 3s) ==
        "deep=1; mid=1; mid2=1; root0=1; root1=1");
}

TEST_CASE("a replaced cookie keeps its creation time and takes the new value") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1", t0));
  REQUIRE(jar.store("example.com", "/", false, "b=1", t0 + 1s));
  REQUIRE(jar.store("example.com", "/", false, "a=2; HttpOnly", t0 + 2s));
  CHECK(jar.size() == 2);
  CHECK(jar.header_for("example.com", "/", false, t0 + 3s) == "a=2; b=1");
  CHECK(jar.cookies().front().creation == t0);
  CHECK(jar.cookies().front().http_only);
}

TEST_CASE("same name with another path or domain is a different cookie") {
  CookieJar jar;
  REQUIRE(jar.store("www.example.com", "/", false, "a=1; Path=/", t0));
  REQUIRE(jar.store("www.example.com", "/", false, "a=2; Path=/x", t0));
  REQUIRE(jar.store("www.example.com", "/", false, "a=3; Domain=example.com", t0));
  CHECK(jar.size() == 3);
  CHECK(jar.header_for("www.example.com", "/x", false, t0) == "a=2; a=1; a=3");
}

TEST_CASE("Secure cookies are stored and sent only over https, loopback included") {
  CookieJar jar;
  CHECK_FALSE(jar.store("example.com", "/", false, "s=1; Secure", t0));
  CHECK_FALSE(jar.store("127.0.0.1", "/", false, "s=1; Secure", t0));
  CHECK_FALSE(jar.store("localhost", "/", false, "s=1; Secure", t0));
  CHECK(jar.size() == 0);

  REQUIRE(jar.store("example.com", "/", true, "s=1; Secure", t0));
  REQUIRE(jar.store("example.com", "/", true, "p=1", t0));
  CHECK(jar.header_for("example.com", "/", true, t0) == "s=1; p=1");
  CHECK(jar.header_for("example.com", "/", false, t0) == "p=1");

  REQUIRE(jar.store("127.0.0.1", "/", true, "s=1; Secure", t0));
  CHECK(jar.header_for("127.0.0.1", "/", true, t0) == "s=1");
  CHECK(jar.header_for("127.0.0.1", "/", false, t0) == "");
  REQUIRE(jar.store("localhost", "/", true, "s=1; Secure", t0));
  CHECK(jar.header_for("localhost", "/", false, t0) == "");
}

TEST_CASE("an insecure response cannot overwrite or shadow a Secure cookie") {
  CookieJar jar;
  REQUIRE(jar.store("www.example.com", "/", true, "s=1; Secure; Domain=example.com", t0));
  CHECK_FALSE(jar.store("www.example.com", "/", false, "s=evil", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "s=evil; Path=/deeper", t0));
  CHECK_FALSE(jar.store("www.example.com", "/", false, "s=; Max-Age=0; Domain=example.com", t0));
  CHECK(jar.header_for("www.example.com", "/deeper", true, t0) == "s=1");
  // Another name, or over https, is fine.
  CHECK(jar.store("www.example.com", "/", false, "t=1", t0));
  CHECK(jar.store("www.example.com", "/", true, "s=2; Domain=example.com", t0));
  // The https response replaced it with a cookie that is not Secure.
  CHECK(jar.header_for("www.example.com", "/", false, t0) == "s=2; t=1");
}

TEST_CASE("the __Secure- and __Host- prefixes are enforced") {
  CookieJar jar;
  CHECK_FALSE(jar.store("example.com", "/", true, "__Secure-a=1", t0));
  CHECK(jar.store("example.com", "/", true, "__Secure-a=1; Secure", t0));
  CHECK_FALSE(jar.store("example.com", "/", true, "__Host-a=1; Path=/", t0));
  CHECK_FALSE(jar.store("example.com", "/", true, "__Host-a=1; Secure; Path=/x", t0));
  CHECK_FALSE(jar.store("example.com", "/x/y", true, "__Host-a=1; Secure", t0));
  CHECK_FALSE(jar.store("example.com", "/", true, "__host-a=1; Secure; Domain=example.com", t0));
  CHECK(jar.store("example.com", "/", true, "__Host-a=1; Secure; Path=/", t0));
  CHECK(jar.size() == 2);
}

TEST_CASE("HttpOnly is stored and the cookie is still sent") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "h=1; HttpOnly", t0));
  CHECK(only_cookie(jar).http_only);
  CHECK(jar.header_for("example.com", "/", false, t0) == "h=1");
}

TEST_CASE("Max-Age sets the expiry and the cookie is not sent once it passes") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1; Max-Age=100", t0));
  auto c = only_cookie(jar);
  CHECK(c.persistent);
  CHECK(c.expiry == t0 + 100s);
  CHECK(jar.header_for("example.com", "/", false, t0 + 99s) == "a=1");
  CHECK(jar.header_for("example.com", "/", false, t0 + 100s) == "");
}

TEST_CASE("a cookie without Max-Age or Expires is a session cookie") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1; Max-Age=abc; Expires=not a date", t0));
  auto c = only_cookie(jar);
  CHECK_FALSE(c.persistent);
  CHECK(c.expiry == Clock::time_point::max());
  CHECK(jar.header_for("example.com", "/", false, t0 + 24h * 365 * 100) == "a=1");
}

TEST_CASE("Max-Age wins over Expires whatever their order") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false,
                    "a=1; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT", t0));
  CHECK(jar.header_for("example.com", "/", false, t0) == "a=1");
  REQUIRE(jar.store("example.com", "/", false,
                    "b=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=0", t0));
  CHECK(jar.header_for("example.com", "/", false, t0) == "a=1");
  CHECK(jar.size() == 1);
}

TEST_CASE("Max-Age that is not an optional minus and digits is ignored") {
  CookieJar jar;
  for (const char* bad : {"Max-Age=", "Max-Age=+5", "Max-Age=5s", "Max-Age=-", "Max-Age= 1 2",
                          "Max-Age=0x10", "Max-Age=--1"}) {
    CAPTURE(bad);
    jar.clear();
    REQUIRE(jar.store("example.com", "/", false, std::string("a=1; ") + bad, t0));
    CHECK_FALSE(only_cookie(jar).persistent);
  }
}

TEST_CASE("a huge Max-Age saturates instead of overflowing") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1; Max-Age=99999999999999999999999999", t0));
  CHECK(only_cookie(jar).expiry == Clock::time_point::max());
  CHECK(jar.header_for("example.com", "/", false, t0 + 24h * 365 * 200) == "a=1");
  REQUIRE(jar.store("example.com", "/", false, "b=1; Max-Age=9223372036", t0));
  CHECK(jar.header_for("example.com", "/", false, t0) == "a=1; b=1");
}

TEST_CASE("Max-Age=0 or a negative Max-Age deletes an existing cookie") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1", t0));
  REQUIRE(jar.store("example.com", "/", false, "b=1", t0));
  CHECK(jar.store("example.com", "/", false, "a=; Max-Age=0", t0 + 1s));
  CHECK(jar.header_for("example.com", "/", false, t0 + 1s) == "b=1");
  CHECK(jar.store("example.com", "/", false, "b=x; Max-Age=-1", t0 + 1s));
  CHECK(jar.header_for("example.com", "/", false, t0 + 1s) == "");
  CHECK(jar.size() == 0);
}

TEST_CASE("a past Expires deletes an existing cookie") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1", t0));
  CHECK(jar.store("example.com", "/", false, "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", t0));
  CHECK(jar.size() == 0);
  CHECK(jar.header_for("example.com", "/", false, t0) == "");
}

TEST_CASE("a deletion removes only the cookie with the same name, domain and path") {
  CookieJar jar;
  REQUIRE(jar.store("www.example.com", "/", false, "a=1; Path=/x", t0));
  REQUIRE(jar.store("www.example.com", "/", false, "a=2; Domain=example.com", t0));
  REQUIRE(jar.store("www.example.com", "/", false, "a=3", t0));
  CHECK(jar.store("www.example.com", "/", false, "a=; Max-Age=0", t0));  // host-only, path /
  CHECK(jar.size() == 2);
  CHECK(jar.header_for("www.example.com", "/x", false, t0) == "a=1; a=2");
  // A deletion of a cookie that does not exist stores nothing.
  CHECK(jar.store("www.example.com", "/", false, "zzz=1; Max-Age=0", t0));
  CHECK(jar.size() == 2);
}

TEST_CASE("expired cookies are evicted by the next store") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1; Max-Age=10", t0));
  REQUIRE(jar.store("example.com", "/", false, "b=1; Max-Age=1000", t0));
  CHECK(jar.size() == 2);
  REQUIRE(jar.store("example.com", "/", false, "c=1", t0 + 11s));
  CHECK(jar.size() == 2);
  CHECK(jar.header_for("example.com", "/", false, t0 + 11s) == "b=1; c=1");
}

TEST_CASE("Expires is parsed with the RFC 6265 date algorithm") {
  struct Case {
    const char* text;
    sys_seconds when;
  };
  const sys_seconds nov6 = sys_days{1994y / November / 6} + 8h + 49min + 37s;
  const sys_seconds y2015 = sys_days{2015y / October / 21} + 7h + 28min;
  const Case cases[] = {
      {"Sun, 06 Nov 1994 08:49:37 GMT", nov6},        // RFC 1123
      {"Sunday, 06-Nov-94 08:49:37 GMT", nov6},       // RFC 850, two-digit year 70-99
      {"Sun Nov  6 08:49:37 1994", nov6},             // asctime
      {"06 nov 1994 08:49:37", nov6},                 // no weekday, lower case
      {"Sun, 6 November 1994 8:49:37 UTC", nov6},     // long month, one-digit fields
      {"1994 Nov 6 08:49:37", nov6},                  // any order
      {"Wed, 21 Oct 15 07:28:00 GMT", y2015},         // two-digit year 00-69
      {"Wed, 21-Oct-2015 07:28:00 GMT;junk", y2015},  // trailing junk after a delimiter
      {"21 Oct 2015 07:28:00xyz", y2015},             // time followed by non-digits
      {"Thu, 01 Jan 1970 00:00:00 GMT", sys_seconds{}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    CookieJar jar;
    REQUIRE(jar.store("example.com", "/", false, std::string("a=1; Expires=") + c.text,
                      Clock::time_point(sys_days{1900y / 1 / 1})));
    auto cookie = only_cookie(jar);
    CHECK(cookie.persistent);
    CHECK(cookie.expiry == Clock::time_point(c.when));
  }
}

TEST_CASE("an Expires that is not a valid date is ignored") {
  for (const char* text :
       {"", "garbage", "Sun, 06 Nov 1994", "06 Nov 1994 08:49", "Sun, 31 Feb 2015 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT", "Sun, 06 Nov 1600 08:49:37 GMT",
        "Sun, 06 Xyz 1994 08:49:37 GMT", "Sun, 06 Nov 19945 08:49:37 GMT",
        "Sun, 006 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 008:49:37 GMT"}) {
    CAPTURE(text);
    CookieJar jar;
    REQUIRE(jar.store("example.com", "/", false, std::string("a=1; Expires=") + text, t0));
    CHECK_FALSE(only_cookie(jar).persistent);
  }
}

TEST_CASE("an Expires outside the clock's range saturates") {
  CookieJar jar;
  REQUIRE(jar.store("example.com", "/", false, "a=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT", t0));
  CHECK(only_cookie(jar).expiry == Clock::time_point::max());
  CHECK(jar.store("example.com", "/", false, "a=1; Expires=Mon, 01 Jan 1601 00:00:00 GMT", t0));
  CHECK(jar.size() == 0);  // deleted: the earliest time the clock has
}

TEST_CASE("a Set-Cookie longer than max_cookie_bytes is rejected") {
  CookieJar jar;
  std::string fits = "a=" + std::string(4096 - 2, 'v');
  CHECK(jar.store("example.com", "/", false, fits, t0));
  CHECK_FALSE(jar.store("example.com", "/", false, fits + "v", t0));
  CHECK_FALSE(jar.store("example.com", "/", false, "b=1; Path=/" + std::string(5000, 'p'), t0));
  CHECK(jar.size() == 1);
}

TEST_CASE("past max_per_domain the oldest cookie of that domain is evicted") {
  CookieJar jar;
  REQUIRE(jar.store("other.com", "/", false, "keep=1", t0 - 1h));
  for (int i = 0; i < 50; ++i)
    REQUIRE(jar.store("example.com", "/", false, "c" + std::to_string(i) + "=1", t0 + seconds(i)));
  CHECK(jar.size() == 51);
  REQUIRE(jar.store("example.com", "/", false, "new=1", t0 + 100s));
  CHECK(jar.size() == 51);
  std::string header = jar.header_for("example.com", "/", false, t0 + 101s);
  CHECK(header.find("c0=1") == std::string::npos);
  CHECK(header.starts_with("c1=1; "));
  CHECK(header.ends_with("; new=1"));
  CHECK(jar.header_for("other.com", "/", false, t0 + 101s) == "keep=1");
  // Host-only and domain cookies of the same domain string count together.
  REQUIRE(jar.store("www.example.com", "/", false, "d=1; Domain=example.com", t0 + 200s));
  CHECK(jar.size() == 51);
  CHECK(jar.header_for("example.com", "/", false, t0 + 201s).starts_with("c2=1; "));
}

TEST_CASE("past max_total the oldest cookie of all is evicted") {
  CookieJar::Limits limits;
  limits.max_total = 10;
  CookieJar jar(limits);
  for (int i = 0; i < 10; ++i)
    REQUIRE(jar.store("h" + std::to_string(i) + ".com", "/", false, "a=1", t0 + seconds(i)));
  REQUIRE(jar.store("new.com", "/", false, "a=1", t0 + 20s));
  CHECK(jar.size() == 10);
  CHECK(jar.header_for("h0.com", "/", false, t0 + 21s) == "");
  CHECK(jar.header_for("h1.com", "/", false, t0 + 21s) == "a=1");
  CHECK(jar.header_for("new.com", "/", false, t0 + 21s) == "a=1");
}

TEST_CASE("expired cookies go before live ones when the jar is full") {
  CookieJar::Limits limits;
  limits.max_total = 3;
  CookieJar jar(limits);
  REQUIRE(jar.store("a.com", "/", false, "old=1", t0));
  REQUIRE(jar.store("b.com", "/", false, "short=1; Max-Age=5", t0 + 1s));
  REQUIRE(jar.store("c.com", "/", false, "x=1", t0 + 2s));
  REQUIRE(jar.store("d.com", "/", false, "y=1", t0 + 10s));
  CHECK(jar.size() == 3);
  CHECK(jar.header_for("a.com", "/", false, t0 + 10s) == "old=1");
}

TEST_CASE("the Cookie header never exceeds max_header_bytes and leaves out what does not fit") {
  CookieJar::Limits many;
  many.max_per_domain = 1000;
  CookieJar jar(many);
  // 100 cookies of ~100 bytes from 10 hosts: over 10 KiB in all.
  for (int i = 0; i < 100; ++i) {
    std::string domain = "d" + std::to_string(i % 10) + ".example.com";
    REQUIRE(jar.store(domain, "/", false,
                      "c" + std::to_string(i) + "=" + std::string(96, 'v') + "; Domain=example.com",
                      t0 + seconds(i)));
  }
  std::string header = jar.header_for("example.com", "/", false, t0 + 1000s);
  CHECK(header.size() <= 8 * 1024 - 1);
  CHECK(header.size() > 7 * 1024);

  CookieJar::Limits limits;
  limits.max_header_bytes = 20;
  CookieJar small(limits);
  REQUIRE(small.store("example.com", "/", false, "a=1", t0));
  REQUIRE(small.store("example.com", "/", false, "big=" + std::string(20, 'x'), t0 + 1s));
  REQUIRE(small.store("example.com", "/", false, "b=2", t0 + 2s));
  CHECK(small.header_for("example.com", "/", false, t0 + 3s) == "a=1; b=2");
  limits.max_header_bytes = 8;
  CookieJar tiny(limits);
  REQUIRE(tiny.store("example.com", "/", false, "a=1", t0));
  REQUIRE(tiny.store("example.com", "/", false, "b=2", t0 + 1s));
  CHECK(tiny.header_for("example.com", "/", false, t0 + 3s) == "a=1; b=2");
  REQUIRE(tiny.store("example.com", "/", false, "c=3", t0 + 2s));
  CHECK(tiny.header_for("example.com", "/", false, t0 + 3s) == "a=1; b=2");
}

TEST_CASE("a seeded cookie with no domain goes to every host") {
  CookieJar jar;
  jar.set("token", "xyz");
  CHECK(jar.size() == 1);
  CHECK(jar.header_for("example.com", "/", false) == "token=xyz");
  CHECK(jar.header_for("127.0.0.1", "/deep/path", true) == "token=xyz");
  CHECK(jar.header_for("::1", "/", false) == "token=xyz");
  CHECK(jar.header_for("localhost", "/", false) == "token=xyz");
}

TEST_CASE("a seeded cookie with a domain goes to that domain and its subdomains") {
  CookieJar jar;
  jar.set("a", "1", ".Example.com", "/api");
  jar.set("b", "2", "example.com", "");
  CHECK(jar.header_for("example.com", "/api/x", false) == "a=1; b=2");
  CHECK(jar.header_for("www.example.com", "/api", false) == "a=1; b=2");
  CHECK(jar.header_for("www.example.com", "/", false) == "b=2");
  CHECK(jar.header_for("example.org", "/api", false) == "");
  jar.set("b", "3", "example.com", "/");
  CHECK(jar.size() == 2);
  CHECK(jar.header_for("example.com", "/", false) == "b=3");
}

TEST_CASE("a response cookie and a seeded cookie are sent together") {
  CookieJar jar;
  jar.set("seed", "1");
  REQUIRE(jar.store("example.com", "/", false, "resp=2"));
  CHECK(jar.header_for("example.com", "/", false) == "seed=1; resp=2");
  CHECK(jar.header_for("other.com", "/", false) == "seed=1");
}

TEST_CASE("seeding an invalid cookie throws an argument error") {
  CookieJar jar;
  auto is_invalid = [&](std::string name, std::string value, std::string domain = "") {
    try {
      jar.set(std::move(name), std::move(value), std::move(domain));
    } catch (const aio::http::ClientError& e) {
      return e.code() == aio::http::Errc::invalid_argument;
    }
    return false;
  };
  CHECK(is_invalid("", "v"));
  CHECK(is_invalid("a;b", "v"));
  CHECK(is_invalid("a=b", "v"));
  CHECK(is_invalid("a", "v;w"));
  CHECK(is_invalid("a", "v\r\nX: y"));
  CHECK(is_invalid(std::string("a\0", 2), "v"));
  CHECK(is_invalid("a", "v", "exa\nmple.com"));
  CHECK(is_invalid("a", std::string(5000, 'v')));
  CHECK(jar.size() == 0);
}

TEST_CASE("clear empties the jar") {
  CookieJar jar;
  jar.set("a", "1");
  REQUIRE(jar.store("example.com", "/", false, "b=1"));
  CHECK(jar.size() == 2);
  jar.clear();
  CHECK(jar.size() == 0);
  CHECK(jar.cookies().empty());
  CHECK(jar.header_for("example.com", "/", false) == "");
}

TEST_CASE("an empty request host stores nothing") {
  CookieJar jar;
  CHECK_FALSE(jar.store("", "/", false, "a=1", t0));
  CHECK(jar.header_for("", "/", false, t0) == "");
}
