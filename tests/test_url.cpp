#include <aio/http/url.hpp>

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using aio::http::InvalidUrl;
using aio::http::Url;

namespace {

using namespace std::string_literals;

// The message of the InvalidUrl that parse(text) throws; fails the test when
// it throws nothing or something else.
std::string parse_error(std::string_view text) {
  try {
    Url u = Url::parse(text);
    FAIL("parsed, expected InvalidUrl: ", u.to_string());
  } catch (const InvalidUrl& e) {
    CHECK((e.code() == aio::http::Errc::invalid_url));
    return e.what();
  }
  return {};
}

bool has_control_or_space(std::string_view s) {
  for (char c : s) {
    auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b >= 0x7F) return true;
  }
  return false;
}

// What every successfully parsed URL must satisfy.
void check_invariants(const Url& u) {
  INFO("url: ", u.redacted());
  CHECK_FALSE(has_control_or_space(u.target()));
  CHECK_FALSE(has_control_or_space(u.to_string()));
  CHECK_FALSE(has_control_or_space(u.host_header()));
  CHECK_FALSE(has_control_or_space(u.fragment()));
  for (char c : u.host()) CHECK_FALSE((c >= 'A' && c <= 'Z'));
  for (char c : u.scheme()) CHECK_FALSE((c >= 'A' && c <= 'Z'));
  if (u.is_http()) {
    CHECK_FALSE(u.host().empty());
    CHECK(u.path().starts_with("/"));
    CHECK(u.port() != 0);
  }
  // The normalised form parses back to the same URL (minus the fragment).
  Url again = Url::parse(u.to_string());
  CHECK(again.to_string() == u.to_string());
  CHECK(again.target() == u.target());
  CHECK(again.username() == u.username());
  CHECK(again.password() == u.password());
  CHECK(again.host() == u.host());
  CHECK(again.port() == u.port());
  CHECK(again.is_ipv6() == u.is_ipv6());
  CHECK(again.is_ip_literal() == u.is_ip_literal());
}

}  // namespace

TEST_CASE("parse splits an absolute URL into its components") {
  Url u = Url::parse("https://user:pw@www.example.com:8443/a/b;c?x=1&y=2#frag");
  CHECK(u.scheme() == "https");
  CHECK(u.username() == "user");
  CHECK(u.password() == "pw");
  CHECK(u.has_credentials());
  CHECK(u.host() == "www.example.com");
  CHECK(u.port() == 8443);
  CHECK_FALSE(u.is_default_port());
  CHECK(u.path() == "/a/b;c");
  CHECK(u.has_query());
  CHECK(u.query() == "x=1&y=2");
  CHECK(u.has_fragment());
  CHECK(u.fragment() == "frag");
  CHECK(u.is_http());
  CHECK(u.is_https());
  CHECK_FALSE(u.is_ip_literal());
  CHECK(u.target() == "/a/b;c?x=1&y=2");
  CHECK(u.to_string() == "https://user:pw@www.example.com:8443/a/b;c?x=1&y=2");
  CHECK(u.redacted() == "https://www.example.com:8443/a/b;c?x=1&y=2");
}

TEST_CASE("scheme and host are lowercased but the path keeps its case") {
  Url u = Url::parse("HTTP://WWW.Example.COM/Path/To?Q=V");
  CHECK(u.scheme() == "http");
  CHECK(u.host() == "www.example.com");
  CHECK(u.path() == "/Path/To");
  CHECK(u.query() == "Q=V");
}

TEST_CASE("default ports come from the scheme and an explicit default port is dropped") {
  CHECK(Url::parse("http://h/").port() == 80);
  CHECK(Url::parse("https://h/").port() == 443);
  CHECK(Url::parse("ws://h/").port() == 80);
  CHECK(Url::parse("wss://h/").port() == 443);
  CHECK(Url::parse("http://h/").is_default_port());

  Url explicit_default = Url::parse("http://h:80/x");
  CHECK(explicit_default.port() == 80);
  CHECK(explicit_default.is_default_port());
  CHECK(explicit_default.to_string() == "http://h/x");
  CHECK(explicit_default.host_header() == "h");
  CHECK(Url::parse("https://h:443/").to_string() == "https://h/");
  CHECK(Url::parse("http://h:0080/").is_default_port());

  Url other = Url::parse("http://h:443/");
  CHECK(other.port() == 443);
  CHECK_FALSE(other.is_default_port());
  CHECK(other.host_header() == "h:443");

  CHECK(Url::parse("http://h:/").port() == 80);  // an empty port means the default
  CHECK(Url::parse("http://h:/").to_string() == "http://h/");
  CHECK(Url::parse("ftp://h/").port() == 0);
  CHECK(Url::parse("ftp://h:21/").port() == 21);
  CHECK(Url::default_port("gopher") == 0);
}

TEST_CASE("IPv6 literals are unbracketed, canonicalised and bracketed again on output") {
  Url u = Url::parse("http://[::1]:8080/x?y");
  CHECK(u.host() == "::1");
  CHECK(u.port() == 8080);
  CHECK(u.is_ipv6());
  CHECK(u.is_ip_literal());
  CHECK(u.host_header() == "[::1]:8080");
  CHECK(u.origin() == "http://[::1]:8080");
  CHECK(u.to_string() == "http://[::1]:8080/x?y");
  CHECK(u.target() == "/x?y");

  Url d = Url::parse("https://[2001:DB8:0:0:0:0:0:1]/");
  CHECK(d.host() == "2001:db8::1");
  CHECK(d.port() == 443);
  CHECK(d.host_header() == "[2001:db8::1]");
  CHECK(d.origin() == "https://[2001:db8::1]:443");
  CHECK(d.to_string() == "https://[2001:db8::1]/");

  CHECK(Url::parse("http://[0:0:0:0:0:0:0:1]/").host() == "::1");
  CHECK(Url::parse("http://[::ffff:192.0.2.1]:1/").host() == "::ffff:192.0.2.1");
  CHECK(Url::parse("http://u:p@[fe80::a]:65535").host_header() == "[fe80::a]:65535");
  CHECK(same_origin(Url::parse("http://[::1]/"), Url::parse("http://[0::1]:80/a")));
}

TEST_CASE("dotted-quad IPv4 hosts are IP literals and other numeric hosts are refused") {
  Url u = Url::parse("http://192.0.2.10:81/");
  CHECK(u.host() == "192.0.2.10");
  CHECK(u.is_ip_literal());
  CHECK_FALSE(u.is_ipv6());
  CHECK(u.host_header() == "192.0.2.10:81");
  CHECK_FALSE(Url::parse("http://example.com/").is_ip_literal());
  CHECK_FALSE(Url::parse("http://1.2.3.example/").is_ip_literal());

  // Forms the C library's resolver would read as an IPv4 address.
  for (const char* text :
       {"http://127.1/", "http://0x7f.0.0.1/", "http://2130706433/", "http://010.0.0.1/",
        "http://1.2.3.256/", "http://1.2.3.4./", "http://example.0x10/"}) {
    INFO(text);
    CHECK(parse_error(text).find("numeric host") != std::string::npos);
  }
}

TEST_CASE("userinfo is percent-decoded and re-encoded on output") {
  Url u = Url::parse("http://us%40er:p%3Ass%20w%C3%B6rd@h/");
  CHECK(u.username() == "us@er");
  CHECK(u.password() == "p:ss w\xC3\xB6rd");
  CHECK(u.has_credentials());
  CHECK(u.to_string() == "http://us%40er:p%3Ass%20w%C3%B6rd@h/");
  CHECK(Url::parse(u.to_string()).password() == u.password());

  // Raw bytes RFC 3986 does not allow in userinfo are encoded, and the
  // userinfo ends at the last '@'.
  Url raw = Url::parse("http://me:p@ss word@h/");
  CHECK(raw.username() == "me");
  CHECK(raw.password() == "p@ss word");
  CHECK(raw.host() == "h");
  CHECK(raw.to_string() == "http://me:p%40ss%20word@h/");

  Url user_only = Url::parse("http://me@h/");
  CHECK(user_only.username() == "me");
  CHECK(user_only.password().empty());
  CHECK(user_only.has_credentials());

  // A %00 or %0D%0A in a password decodes (it goes into base64), but the URL
  // text never carries it raw.
  Url nul = Url::parse("http://a:b%00%0D%0A@h/");
  CHECK(nul.password() == "b\0\r\n"s);
  CHECK(nul.to_string() == "http://a:b%00%0D%0A@h/");

  CHECK_FALSE(Url::parse("http://@h/").has_credentials());
  CHECK_FALSE(Url::parse("http://:@h/").has_credentials());
  CHECK(Url::parse("http://@h/").to_string() == "http://h/");
  CHECK_FALSE(Url::parse("http://h/").has_credentials());
}

TEST_CASE("without_credentials and redacted drop the userinfo and nothing else") {
  Url u = Url::parse("https://alice:secret@h:8443/p?q#f");
  Url bare = u.without_credentials();
  CHECK_FALSE(bare.has_credentials());
  CHECK(bare.username().empty());
  CHECK(bare.password().empty());
  CHECK(bare.to_string() == "https://h:8443/p?q");
  CHECK(u.redacted() == "https://h:8443/p?q");
  CHECK(u.redacted().find("secret") == std::string::npos);
  CHECK(bare.fragment() == "f");
  CHECK(aio::http::same_origin(u, bare));
}

TEST_CASE("percent_encode and percent_decode round-trip every byte") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::string encoded = aio::http::percent_encode(all);
  CHECK(aio::http::percent_decode(encoded) == all);
  CHECK(encoded.size() == 66 * 1 + 190 * 3);  // 66 unreserved bytes stay as they are
  CHECK_FALSE(has_control_or_space(encoded));

  CHECK(aio::http::percent_encode("a b&c=d/é~") == "a%20b%26c%3Dd%2F%C3%A9~");
  CHECK(aio::http::percent_encode("a b/c", "/") == "a%20b/c");
  CHECK(aio::http::percent_encode("100%") == "100%25");
  CHECK(aio::http::percent_encode("") == "");

  CHECK(aio::http::percent_decode("%41%62%2f%2F") == "Ab//");
  CHECK(aio::http::percent_decode("a+b") == "a+b");  // '+' is not a space here
  CHECK(aio::http::percent_decode("100%") == "100%");
  CHECK(aio::http::percent_decode("%zz%4") == "%zz%4");
  CHECK(aio::http::percent_decode("%00") == "\0"s);
}

TEST_CASE("a literal space or non-ASCII byte in the path, query or fragment is percent-encoded") {
  Url u = Url::parse("http://h/a b/\xC3\xA9t\xC3\xA9?q=a b&x=\xC3\xBC#f g");
  CHECK(u.path() == "/a%20b/%C3%A9t%C3%A9");
  CHECK(u.query() == "q=a%20b&x=%C3%BC");
  CHECK(u.fragment() == "f%20g");
  CHECK(u.target() == "/a%20b/%C3%A9t%C3%A9?q=a%20b&x=%C3%BC");

  CHECK(Url::parse("http://h/a\"<>\\^`{|}").path() == "/a%22%3C%3E%5C%5E%60%7B%7C%7D");
  CHECK(Url::parse("http://h/p#a#b").fragment() == "a%23b");
  CHECK(Url::parse("http://h/p?a?b/c:d@e").query() == "a?b/c:d@e");
  // A '%' that starts no escape is itself encoded.
  CHECK(Url::parse("http://h/100%?a=%zz&b=%4").target() == "/100%25?a=%25zz&b=%254");
}

TEST_CASE("an existing percent-escape such as %0d%0a stays encoded exactly as given") {
  Url u = Url::parse("http://h/p%0d%0aX?q=%0d%0aSet-Cookie:%20a=b&r=%0D%0A#%0a");
  CHECK(u.target() == "/p%0d%0aX?q=%0d%0aSet-Cookie:%20a=b&r=%0D%0A");
  CHECK(u.to_string() == "http://h/p%0d%0aX?q=%0d%0aSet-Cookie:%20a=b&r=%0D%0A");
  CHECK(u.fragment() == "%0a");
  CHECK(Url::parse("http://h/%2e%2e/%2F%41").path() == "/%2e%2e/%2F%41");
  CHECK(Url::parse("http://h/").resolve("/x%0d%0a?y=%00").target() == "/x%0d%0a?y=%00");
}

TEST_CASE("CR, LF, NUL, TAB and other control bytes are rejected anywhere, never stripped") {
  // '|' marks where the bad byte goes: every component of a URL.
  const std::vector<std::string> templates = {
      "ht|tp://h/",    "http://h|/",     "http://us|er:pw@h/", "http://u:p|w@h/",
      "http://h:8|0/", "http://h/p|ath", "http://h/?q=|",      "http://h/#fr|ag",
      "|http://h/",    "http://h/|",     "http://[::|1]/",     "data:text/plain,|",
  };
  const std::vector<std::string> bad = {"\r",   "\n",   "\r\n", "\0"s,  "\t",
                                        "\x7f", "\x01", "\x1b", "\x1f", "%0d\r\n"};
  for (const auto& t : templates) {
    for (const auto& b : bad) {
      std::string text = t;
      text.replace(text.find('|'), 1, b);
      INFO("input: ", aio::http::percent_encode(text, ":/?#[]@"));
      std::string message = parse_error(text);
      CHECK(message.find("control character") != std::string::npos);
      // The message shows the byte escaped, never raw.
      for (char c : message) CHECK_FALSE(static_cast<unsigned char>(c) < 0x20);
    }
  }
  Url base = Url::parse("http://h/a");
  CHECK_THROWS_AS(base.resolve("/x\r\nHost: evil"), InvalidUrl);
  CHECK_THROWS_AS(base.resolve("\n"), InvalidUrl);
  CHECK_THROWS_AS(base.resolve("x\0y"s), InvalidUrl);
  CHECK_THROWS_AS(base.resolve("http://evil\t.com/"), InvalidUrl);
}

TEST_CASE("error messages name the URL and the reason but not the password") {
  std::string m = parse_error("http://alice:s3cret@h:99999/x");
  CHECK(m.find("http://***@h:99999/x") != std::string::npos);
  CHECK(m.find("port") != std::string::npos);
  CHECK(m.find("s3cret") == std::string::npos);

  std::string crlf = parse_error("http://h/a\r\nb");
  CHECK(crlf.find("http://h/a%0D%0Ab") != std::string::npos);
  CHECK(crlf.find("0x0D") != std::string::npos);

  std::string long_url = parse_error("http://h:x/" + std::string(10000, 'a'));
  CHECK(long_url.size() < 400);

  try {
    (void)Url::parse("https://u:pw@base.example/").resolve("//h:0/");
    FAIL("resolved");
  } catch (const InvalidUrl& e) {
    std::string what = e.what();
    CHECK(what.find("//h:0/") != std::string::npos);
    CHECK(what.find("https://base.example/") != std::string::npos);
    CHECK(what.find("pw") == std::string::npos);
  }
}

TEST_CASE("invalid ports are rejected") {
  for (const char* text :
       {"http://h:65536/", "http://h:99999999999999999999/", "http://h:0/", "http://h:00000/"}) {
    INFO(text);
    CHECK(parse_error(text).find("port") != std::string::npos);
  }
  for (const char* text : {"http://h:abc/", "http://h:-1/", "http://h:8080x/", "http://h: 80/",
                           "http://h:+80/", "http://h:8 0/", "http://h:0x50/", "http://h:80:80/"}) {
    INFO(text);
    CHECK(parse_error(text).find("port") != std::string::npos);
  }
  CHECK(Url::parse("http://h:65535/").port() == 65535);
  CHECK(Url::parse("http://h:1").port() == 1);
  CHECK(Url::parse("http://h:000000000000000008080/").port() == 8080);
}

TEST_CASE("empty, malformed and unsupported hosts are rejected") {
  for (const char* text : {
           "http:///path",                 // empty host
           "http://:80/",                  // empty host with a port
           "http://user@/",                // empty host with userinfo
           "https://",                     // nothing at all
           "http:",                        // http without an authority
           "http:foo",                     //
           "http:/foo",                    //
           "http://[::1/",                 // unterminated bracket
           "http://[::1",                  //
           "http://[",                     //
           "http://[]/",                   //
           "http://[::1]x/",               // junk after the bracket
           "http://[::1]]/",               //
           "http://a]/",                   // a bracket outside a literal
           "http://a[b]/",                 //
           "http://::1/",                  // IPv6 without brackets
           "http://[fe80::1%25eth0]/",     // zone id
           "http://[fe80::1%eth0]/",       //
           "http://[v1.x]/",               // IPvFuture
           "http://[1:2:3:4:5:6:7:8:9]/",  // too many groups
           "http://[::g]/",                //
           "http://[127.0.0.1]/",          //
           "http://exa mple.com/",         // space
           "http://ex%61mple.com/",        // percent-encoded host
           "http://m\xC3\xBCnchen.de/",    // non-ASCII (no IDNA)
           "http://a\\@b/",                // backslash in the authority
           "http://a\\b/",                 //
           "http://a..b/",                 // empty labels
           "http://.a/",                   //
           "http://a!b/",                  // sub-delims are not host characters here
           "http://a;b/",                  //
           "http://a=b/",                  //
           "http://a~b/",                  //
       }) {
    INFO(text);
    CHECK_THROWS_AS(Url::parse(text), InvalidUrl);
  }
  CHECK(parse_error("http://[::1/x").find("unterminated") != std::string::npos);
  CHECK(parse_error("http://exa mple.com/").find("invalid character \" \" in the host") !=
        std::string::npos);
  CHECK(parse_error("http:///x").find("empty host") != std::string::npos);
  CHECK(parse_error("http://[fe80::1%25eth0]/").find("zone") != std::string::npos);
  CHECK(parse_error("http://m\xC3\xBCnchen.de/").find("non-ASCII") != std::string::npos);
  CHECK(parse_error("http://" + std::string(64, 'a') + ".com/").find("63") != std::string::npos);
  CHECK(parse_error("http://" + std::string(300, 'a') + "/").find("253") != std::string::npos);

  CHECK(Url::parse("http://under_score.example./").host() == "under_score.example.");
  CHECK(Url::parse("http://" + std::string(63, 'a') + ".com/").host().size() == 67);
}

TEST_CASE("a URL without a scheme is rejected") {
  for (const char* text : {"example.com/x", "//example.com/x", "/x", "", "1http://h/", ":x",
                           " http://h/", "?q", "#f", "h\xC3\xA9:x"}) {
    INFO(text);
    CHECK_THROWS_AS(Url::parse(text), InvalidUrl);
  }
  CHECK(parse_error("example.com/x").find("missing scheme") != std::string::npos);
}

TEST_CASE("other schemes parse so that the caller can refuse them") {
  Url file = Url::parse("file:///etc/passwd");
  CHECK(file.scheme() == "file");
  CHECK_FALSE(file.is_http());
  CHECK(file.host().empty());
  CHECK(file.path() == "/etc/passwd");
  CHECK(file.port() == 0);
  CHECK(file.origin() == "null");
  CHECK(file.to_string() == "file:///etc/passwd");
  CHECK_FALSE(same_origin(file, file));

  Url bare_file = Url::parse("file:/etc/passwd");
  CHECK(bare_file.path() == "/etc/passwd");
  CHECK(bare_file.to_string() == "file:/etc/passwd");

  Url data = Url::parse("data:text/plain;base64,SGVsbG8=");
  CHECK(data.scheme() == "data");
  CHECK_FALSE(data.is_http());
  CHECK(data.path() == "text/plain;base64,SGVsbG8=");
  CHECK(data.to_string() == "data:text/plain;base64,SGVsbG8=");
  CHECK(Url::parse("data:,hello world").path() == ",hello%20world");
  CHECK(Url::parse("DATA:").scheme() == "data");

  Url ftp = Url::parse("FTP://ftp.example.com/pub/x");
  CHECK(ftp.scheme() == "ftp");
  CHECK_FALSE(ftp.is_http());
  CHECK(ftp.host() == "ftp.example.com");

  CHECK_FALSE(Url::parse("mailto:a@b.example").is_http());
  CHECK_FALSE(Url::parse("javascript:alert(1)").is_http());
  CHECK(Url::parse("x:/.//g").path() == "//g");
  CHECK(Url::parse("x:/.//g").to_string() == "x:/.//g");
}

TEST_CASE("target is the path and query, with '/' for an empty path and no fragment") {
  CHECK(Url::parse("http://h").target() == "/");
  CHECK(Url::parse("http://h").path() == "/");
  CHECK(Url::parse("http://h?").target() == "/?");
  CHECK(Url::parse("http://h?").has_query());
  CHECK_FALSE(Url::parse("http://h/").has_query());
  CHECK(Url::parse("http://h?a=b").target() == "/?a=b");
  CHECK(Url::parse("http://h/p#f").target() == "/p");
  CHECK(Url::parse("http://h/p#f").to_string() == "http://h/p");
  CHECK(Url::parse("http://h//double//slash").target() == "//double//slash");
  CHECK(Url::parse("http://h/p/").target() == "/p/");
}

TEST_CASE("dot segments are removed from the path but not from the query") {
  CHECK(Url::parse("http://h/a/./b/../c").path() == "/a/c");
  CHECK(Url::parse("http://h/a/b/..").path() == "/a/");
  CHECK(Url::parse("http://h/../../x").path() == "/x");
  CHECK(Url::parse("http://h/..").path() == "/");
  CHECK(Url::parse("http://h/a?b/../c").query() == "b/../c");
}

TEST_CASE("host_header, origin and redacted follow the port and host kind") {
  Url u = Url::parse("http://alice:pw@Example.com:8080/p?q#f");
  CHECK(u.host_header() == "example.com:8080");
  CHECK(u.origin() == "http://example.com:8080");
  CHECK(u.redacted() == "http://example.com:8080/p?q");
  CHECK(u.to_string() == "http://alice:pw@example.com:8080/p?q");

  Url d = Url::parse("https://example.com");
  CHECK(d.host_header() == "example.com");
  CHECK(d.origin() == "https://example.com:443");
  CHECK(d.redacted() == "https://example.com/");

  Url v6 = Url::parse("http://[::1]/");
  CHECK(v6.host_header() == "[::1]");
  CHECK(v6.origin() == "http://[::1]:80");
}

TEST_CASE("same_origin compares scheme, host and port") {
  Url a = Url::parse("http://h/a");
  CHECK(same_origin(a, Url::parse("http://h:80/b?c")));
  CHECK(same_origin(a, Url::parse("HTTP://H/")));
  CHECK(same_origin(a, Url::parse("http://user:pw@h/")));
  CHECK_FALSE(same_origin(a, Url::parse("https://h/")));
  CHECK_FALSE(same_origin(a, Url::parse("http://h:8080/")));
  CHECK_FALSE(same_origin(a, Url::parse("http://h.example/")));
  CHECK_FALSE(same_origin(Url::parse("http://h:443/"), Url::parse("https://h/")));
}

TEST_CASE("with_query_params percent-encodes keys and values and appends them") {
  Url u = Url::parse("http://h/p");
  Url q = u.with_query_params({{"a", "1"},
                               {"k&=", "v&w=x"},
                               {"plus", "1+1"},
                               {"space", "a b"},
                               {"uni", "\xC3\xBC\xE2\x82\xAC"},
                               {"hash;semi", "#;"},
                               {"kept", "/?:@!$'()*,"},
                               {"empty", ""}});
  CHECK(q.query() ==
        "a=1&k%26%3D=v%26w%3Dx&plus=1%2B1&space=a%20b&uni=%C3%BC%E2%82%AC&hash%3Bsemi=%23%3B"
        "&kept=/?:@!$'()*,&empty=");
  CHECK(q.has_query());
  CHECK(q.target() == "/p?" + q.query());
  CHECK(Url::parse(q.to_string()) == q);

  CHECK(Url::parse("http://h/p?x=1").with_query_params({{"y", "2"}}).query() == "x=1&y=2");
  CHECK(Url::parse("http://h/p?").with_query_params({{"y", "2"}}).query() == "y=2");
  CHECK(Url::parse("http://h/p?x=1#f").with_query_params({{"y", "2"}}).fragment() == "f");
  CHECK(u.with_query_params({}) == u);
  CHECK_FALSE(u.with_query_params({}).has_query());
  // CR/LF in a value stays encoded on the wire.
  CHECK(u.with_query_params({{"h", "a\r\nb"}}).target() == "/p?h=a%0D%0Ab");
}

TEST_CASE("form_urlencode encodes like aiohttp with '+' for a space") {
  CHECK(aio::http::form_urlencode({}) == "");
  CHECK(aio::http::form_urlencode({{"a", "b c"}}) == "a=b+c");
  CHECK(aio::http::form_urlencode({{"x&y", "1+1=2"}, {"\xC3\xBC", "~-._*"}, {"", ""}}) ==
        "x%26y=1%2B1%3D2&%C3%BC=~-._%2A&=");
  CHECK(aio::http::form_urlencode({{"nl", "a\r\nb"}, {"slash", "/?#"}}) ==
        "nl=a%0D%0Ab&slash=%2F%3F%23");
}

namespace {

// RFC 3986 §5.4: base "http://a/b/c/d;p?q". The results are compared as
// parsed URLs (our normal form writes "http://g/" for "http://g").
void check_resolution(const std::vector<std::pair<const char*, const char*>>& cases) {
  Url base = Url::parse("http://a/b/c/d;p?q");
  for (const auto& c : cases) {
    INFO("reference: ", c.first, "  expected: ", c.second);
    Url got = base.resolve(c.first);
    CHECK(got == Url::parse(c.second));
  }
}

}  // namespace

TEST_CASE("resolve gives every RFC 3986 normal example") {
  check_resolution({
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"g;x", "http://a/b/c/g;x"},
      {"g;x?y#s", "http://a/b/c/g;x?y#s"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../", "http://a/"},
      {"../../g", "http://a/g"},
  });
  Url base = Url::parse("http://a/b/c/d;p?q");
  CHECK(base.resolve("//g").to_string() == "http://g/");
  CHECK(base.resolve("g:h").to_string() == "g:h");
  CHECK(base.resolve("?y").target() == "/b/c/d;p?y");
  CHECK(base.resolve("#s").fragment() == "s");
}

TEST_CASE("resolve gives every RFC 3986 abnormal example") {
  check_resolution({
      {"../../../g", "http://a/g"},
      {"../../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"/../g", "http://a/g"},
      {"g.", "http://a/b/c/g."},
      {".g", "http://a/b/c/.g"},
      {"g..", "http://a/b/c/g.."},
      {"..g", "http://a/b/c/..g"},
      {"./../g", "http://a/b/g"},
      {"./g/.", "http://a/b/c/g/"},
      {"g/./h", "http://a/b/c/g/h"},
      {"g/../h", "http://a/b/c/h"},
      {"g;x=1/./y", "http://a/b/c/g;x=1/y"},
      {"g;x=1/../y", "http://a/b/c/y"},
      {"g?y/./x", "http://a/b/c/g?y/./x"},
      {"g?y/../x", "http://a/b/c/g?y/../x"},
      {"g#s/./x", "http://a/b/c/g#s/./x"},
      {"g#s/../x", "http://a/b/c/g#s/../x"},
      // The strict reading gives "http:g", which has no host; like browsers,
      // urljoin and aiohttp we take the backward-compatible one (§5.4.2).
      {"http:g", "http://a/b/c/g"},
  });
}

TEST_CASE("resolve handles Location values seen in redirects") {
  Url base = Url::parse("https://user:pw@example.com:8443/dir/page?x=1#top");
  Url abs = base.resolve("http://other.example/new");
  CHECK(abs.to_string() == "http://other.example/new");
  CHECK_FALSE(same_origin(base, abs));

  Url scheme_relative = base.resolve("//cdn.example:9000/a");
  CHECK(scheme_relative.scheme() == "https");
  CHECK(scheme_relative.host() == "cdn.example");
  CHECK(scheme_relative.port() == 9000);
  CHECK_FALSE(scheme_relative.has_credentials());

  Url path = base.resolve("/login?next=/dir/page");
  CHECK(path.to_string() == "https://user:pw@example.com:8443/login?next=/dir/page");
  CHECK(same_origin(base, path));
  CHECK(path.fragment().empty());

  CHECK(base.resolve("../up").target() == "/up");
  CHECK(base.resolve("a b/\xC3\xA9").target() == "/dir/a%20b/%C3%A9");
  CHECK(base.resolve("  ").target() == "/dir/%20%20");
  CHECK(base.resolve("HTTPS://EXAMPLE.COM:8443/").host() == "example.com");

  Url v6 = Url::parse("http://[::1]:8080/a/b");
  CHECK(v6.resolve("c").to_string() == "http://[::1]:8080/a/c");
  CHECK(v6.resolve("//[2001:db8::2]/").host_header() == "[2001:db8::2]");
  CHECK(Url::parse("http://a").resolve("g").to_string() == "http://a/g");

  // Non-http targets resolve; the redirect logic refuses them via is_http().
  CHECK_FALSE(base.resolve("file:///etc/passwd").is_http());
  CHECK_FALSE(base.resolve("ftp://ftp.example/x").is_http());
  CHECK_FALSE(base.resolve("data:text/html,<script>").is_http());
  CHECK(base.resolve("data:text/html,<script>").path() == "text/html,%3Cscript%3E");

  // Only an identical scheme makes "scheme:path" relative (in any case).
  CHECK(Url::parse("http://a/b/c").resolve("HTTP:g").to_string() == "http://a/b/g");
  CHECK_THROWS_AS(Url::parse("http://a/b/c").resolve("https:g"), InvalidUrl);

  // Bad references.
  CHECK_THROWS_AS(base.resolve("http://[::1/"), InvalidUrl);
  CHECK_THROWS_AS(base.resolve("//:80/"), InvalidUrl);
  CHECK_THROWS_AS(base.resolve("http:///x"), InvalidUrl);
  CHECK_THROWS_AS(base.resolve("https://h:70000/"), InvalidUrl);
  CHECK_THROWS_AS(base.resolve("1x:y"), InvalidUrl);
  CHECK_THROWS_AS(base.resolve("//a\\@b/"), InvalidUrl);
}

TEST_CASE("resolving from a URL without an authority throws cleanly or succeeds") {
  for (const char* text :
       {"data:text/plain,x", "file:/etc/passwd", "mailto:a@b", "x:", "file:///"}) {
    Url base = Url::parse(text);
    for (const char* reference : {"", "g", "../g", "/g", "//h/g", "?q", "#f", "http:g", "x:y"}) {
      INFO(text, " + ", reference);
      try {
        check_invariants(base.resolve(reference));
      } catch (const InvalidUrl&) {
      }
    }
  }
}

TEST_CASE("the normal form parses back to the same URL") {
  for (const char* text :
       {"http://h", "https://u:p@H:1/a/../b?c#d", "http://[::1]:80/", "http://h/%7e%41 x?y z",
        "http://a:b%40c@h/", "file:///x", "data:,x", "x:/.//y", "ws://h:80/", "http://h/?"}) {
    INFO(text);
    check_invariants(Url::parse(text));
  }
}

TEST_CASE("megabyte-long URLs parse without exhausting the stack") {
  std::string many_segments = "http://h/";
  for (int i = 0; i < 200'000; ++i) many_segments += "a/../";
  CHECK(Url::parse(many_segments).path() == "/");
  std::string long_query = "http://h/?" + std::string(1 << 20, 'q');
  CHECK(Url::parse(long_query).query().size() == 1 << 20);
  CHECK(Url::parse("http://h/").resolve(std::string(1 << 20, 'x')).path().size() == 1 + (1 << 20));
  CHECK_THROWS_AS(Url::parse("http://" + std::string(1 << 20, 'h') + "/"), InvalidUrl);
}

TEST_CASE("parse and resolve either succeed or throw InvalidUrl on thousands of random inputs") {
  const std::vector<std::string> seeds = {
      "http://user:pass@www.example.com:8080/a/b/../c?x=1&y=%20#frag",
      "https://[2001:db8::1]:443/p;q?r",
      "http://127.0.0.1/",
      "file:///etc/passwd",
      "data:text/plain;base64,SGVsbG8=",
      "//host/path",
      "../../g?y#s",
      "http://h:65535/%0d%0a",
      "HTTP://[::FFFF:1.2.3.4]/",
      "mailto:a@b",
  };
  const std::string alphabet = "aZ09:/?#[]@!$&'()*+,;=%-._~ \\\"<>^`{|}\r\n\t";
  std::mt19937 rng(20240601);
  auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  auto random_byte = [&]() -> char {
    if (pick(3) == 0) return static_cast<char>(pick(256));
    return alphabet[pick(alphabet.size())];
  };

  Url base = Url::parse("http://a/b/c/d;p?q");
  int parsed = 0;
  int rejected = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string s;
    if (i % 4 == 0) {
      std::size_t n = pick(40);
      for (std::size_t k = 0; k < n; ++k) s += random_byte();
      if (pick(2) == 0) s = "http://" + s;
    } else {
      s = seeds[pick(seeds.size())];
      std::size_t edits = 1 + pick(4);
      for (std::size_t e = 0; e < edits; ++e) {
        std::size_t at = s.empty() ? 0 : pick(s.size() + 1);
        switch (pick(5)) {
          case 0:
            s.insert(at, 1, random_byte());
            break;
          case 1:
            if (at < s.size()) s.erase(at, 1 + pick(3));
            break;
          case 2:
            if (at < s.size()) s[at] = random_byte();
            break;
          case 3:
            s.insert(at, s.substr(pick(s.size() + 1)));
            break;
          default:
            s.insert(at, seeds[pick(seeds.size())]);
            break;
        }
      }
    }
    INFO("input (escaped): ", aio::http::percent_encode(s, ":/?#[]@!$&'()*+,;=%"));
    try {
      Url u = Url::parse(s);
      ++parsed;
      check_invariants(u);
    } catch (const InvalidUrl&) {
      ++rejected;
    }
    try {
      check_invariants(base.resolve(s));
    } catch (const InvalidUrl&) {
    }
  }
  MESSAGE("random inputs: ", parsed, " parsed, ", rejected, " rejected");
  CHECK(parsed > 100);
  CHECK(rejected > 100);
}

// Found by fuzz/fuzz_url.cpp: uriparser keeps a "." segment in front of a
// path that starts with "//" ("/.//b"), which is right without an authority
// and wrong after one: the Url sent "/.//b/c/g" where "//b/c/g" was meant,
// and to_string() did not parse back to the same URL.
TEST_CASE("fuzz regression: no \"/.\" in front of a path that starts with // after an authority") {
  Url base = Url::parse("http://h///b/c/d;p?q");
  CHECK(base.path() == "///b/c/d;p");
  Url r = base.resolve("g;x?y#s");
  CHECK(r.path() == "///b/c/g;x");
  CHECK(r.target() == "///b/c/g;x?y");
  CHECK(r.to_string() == "http://h///b/c/g;x?y");
  CHECK(Url::parse(r.to_string()).to_string() == r.to_string());
  CHECK(Url::parse("http://h/.//b").path() == "//b");
  CHECK(Url::parse("http://h/a/..//b").path() == "//b");
  CHECK(base.resolve("..//x").to_string() == Url::parse(base.resolve("..//x").to_string()).to_string());
  // Without an authority the "/." stays in the serialised form, so that
  // the path does not read back as one.
  Url data = Url::parse("x:/.//p");
  CHECK(data.path() == "//p");
  CHECK(data.to_string() == "x:/.//p");
}

// Found by fuzz/fuzz_url.cpp too: "../" from a path without an authority
// left "/./" where "/" was meant (to_string() "htp:/./" parsed back as
// "htp:/").
TEST_CASE("fuzz regression: no \".\" segment left in front of a resolved path") {
  Url r = Url::parse("htp:/;pIq").resolve("../");
  CHECK(r.path() == "/");
  CHECK(r.to_string() == "htp:/");
  CHECK(Url::parse(r.to_string()) == r);
  CHECK(Url::parse("http://h/a/b").resolve("../../").target() == "/");
  CHECK(Url::parse("x:/a/b").resolve("../..//c").to_string() ==
        Url::parse(Url::parse("x:/a/b").resolve("../..//c").to_string()).to_string());
}
