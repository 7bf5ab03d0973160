// tls/verify.hpp: the name rules mbedTLS 2.28.3 gets wrong (HOSTILE.md),
// on names alone and on the test PKI's certificates.
#include <aio/tls/verify.hpp>

#include <doctest/doctest.h>
#include <mbedtls/x509_crt.h>

#include <string>

#include "support/tls_peers.hpp"

using aio::tls::check_host;
using aio::tls::dns_name_matches;
using aio::tls::parse_ip;

namespace {

struct Cert {
  explicit Cert(const std::string& name) {
    mbedtls_x509_crt_init(&crt);
    REQUIRE(mbedtls_x509_crt_parse_file(&crt, test::pki_file(name + ".crt").c_str()) == 0);
  }
  ~Cert() { mbedtls_x509_crt_free(&crt); }
  Cert(const Cert&) = delete;
  Cert& operator=(const Cert&) = delete;
  mbedtls_x509_crt crt;
};

}  // namespace

TEST_CASE("IP literals parse to 4 or 16 bytes, names to nothing") {
  unsigned char b[16];
  CHECK(parse_ip("127.0.0.1", b) == 4);
  CHECK(b[0] == 127);
  CHECK(b[3] == 1);
  CHECK(parse_ip("::1", b) == 16);
  CHECK(b[15] == 1);
  CHECK(parse_ip("[::1]", b) == 16);
  CHECK(parse_ip("localhost", b) == 0);
  CHECK(parse_ip("1.2.3", b) == 0);
  CHECK(parse_ip("", b) == 0);
}

TEST_CASE("DNS names match exactly, case-insensitively, trailing dots ignored") {
  CHECK(dns_name_matches("example.com", "example.com"));
  CHECK(dns_name_matches("Example.COM", "example.com"));
  CHECK(dns_name_matches("example.com.", "example.com"));
  CHECK(dns_name_matches("example.com", "example.com."));
  CHECK_FALSE(dns_name_matches("example.com", "www.example.com"));
  CHECK_FALSE(dns_name_matches("www.example.com", "example.com"));
  CHECK_FALSE(dns_name_matches("", "example.com"));
}

TEST_CASE("a wildcard is a whole leftmost label matching exactly one label") {
  CHECK(dns_name_matches("*.example.com", "www.example.com"));
  CHECK(dns_name_matches("*.EXAMPLE.com", "a.example.com"));
  CHECK_FALSE(dns_name_matches("*.example.com", "example.com"));
  CHECK_FALSE(dns_name_matches("*.example.com", "a.b.example.com"));
  CHECK_FALSE(dns_name_matches("*.example.com", ".example.com"));
  CHECK_FALSE(dns_name_matches("*.com", "example.com"));
  CHECK_FALSE(dns_name_matches("f*.example.com", "foo.example.com"));
  CHECK_FALSE(dns_name_matches("*oo.example.com", "foo.example.com"));
  CHECK_FALSE(dns_name_matches("www.*.com", "www.example.com"));
  CHECK_FALSE(dns_name_matches("*.*.example.com", "a.b.example.com"));
}

TEST_CASE("a DNS name, wildcard or not, never matches an IP literal") {
  CHECK_FALSE(dns_name_matches("*.0.0.1", "127.0.0.1"));
  CHECK_FALSE(dns_name_matches("127.0.0.1", "127.0.0.1"));
  CHECK_FALSE(dns_name_matches("*.1", "::1"));
}

TEST_CASE("check_host: DNS SANs for names, iPAddress SANs for IPs") {
  Cert good("good");
  CHECK(check_host(good.crt, "localhost").empty());
  CHECK(check_host(good.crt, "LOCALHOST").empty());
  CHECK(check_host(good.crt, "a.wild.test").empty());
  CHECK(check_host(good.crt, "a.b.wild.test").find("hostname mismatch") != std::string::npos);
  CHECK(check_host(good.crt, "127.0.0.1").find("hostname mismatch") != std::string::npos);

  Cert ip("ip");
  CHECK(check_host(ip.crt, "127.0.0.1").empty());
  CHECK(check_host(ip.crt, "::1").empty());
  CHECK(check_host(ip.crt, "[::1]").empty());
  CHECK_FALSE(check_host(ip.crt, "127.0.0.2").empty());
  CHECK_FALSE(check_host(ip.crt, "::2").empty());
  CHECK_FALSE(check_host(ip.crt, "localhost").empty());
  // ::ffff:127.0.0.1 is 16 bytes: it does not match the 4-byte entry.
  CHECK_FALSE(check_host(ip.crt, "::ffff:127.0.0.1").empty());

  Cert as_dns("ip-as-dns");
  std::string why = check_host(as_dns.crt, "127.0.0.1");
  CHECK(why.find("hostname mismatch") != std::string::npos);
  CHECK(why.find("DNS:*.0.0.1") != std::string::npos);
}

TEST_CASE("check_host: no subjectAltName means no match (no CN fallback)") {
  Cert cn_only("cn-only");
  std::string why = check_host(cn_only.crt, "localhost");
  CHECK(why.find("no subjectAltName") != std::string::npos);
  CHECK(why.find("CN=localhost") != std::string::npos);
}

TEST_CASE("describe_san lists DNS and IP entries") {
  Cert ip("ip");
  CHECK(aio::tls::describe_san(ip.crt) == "IP:127.0.0.1, IP:::1");
  Cert good("good");
  CHECK(aio::tls::describe_san(good.crt) == "DNS:localhost, DNS:*.wild.test");
}
