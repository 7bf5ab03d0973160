#include "verify.hpp"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <cstdio>
#include <cstring>

namespace aio::tls {
namespace {

constexpr unsigned char kSanDns = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2;
constexpr unsigned char kSanIp = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view strip_dot(std::string_view s) noexcept {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

bool has_san(const mbedtls_x509_crt& c) noexcept {
  return (c.ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) != 0 &&
         c.subject_alt_names.buf.p != nullptr;
}

std::string dn(const mbedtls_x509_name& name) {
  char buf[512];
  int n = mbedtls_x509_dn_gets(buf, sizeof buf, &name);
  return n < 0 ? std::string("?") : std::string(buf, static_cast<std::size_t>(n));
}

bool same_raw(const mbedtls_x509_buf& a, const mbedtls_x509_buf& b) noexcept {
  return a.len == b.len && a.p != nullptr && b.p != nullptr && std::memcmp(a.p, b.p, a.len) == 0;
}

std::string date(const mbedtls_x509_time& t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d UTC", t.year, t.mon, t.day, t.hour,
                t.min, t.sec);
  return buf;
}

void append(std::string& out, const std::string& reason) {
  if (!out.empty()) out += "; ";
  out += reason;
}

}  // namespace

std::size_t parse_ip(std::string_view host, unsigned char out[16]) noexcept {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  char text[64];
  if (host.empty() || host.size() >= sizeof text) return 0;
  std::memcpy(text, host.data(), host.size());
  text[host.size()] = '\0';
  if (inet_pton(AF_INET, text, out) == 1) return 4;
  if (inet_pton(AF_INET6, text, out) == 1) return 16;
  return 0;
}

bool dns_name_matches(std::string_view pattern, std::string_view host) noexcept {
  pattern = strip_dot(pattern);
  host = strip_dot(host);
  if (pattern.empty() || host.empty()) return false;
  unsigned char ip[16];
  if (parse_ip(host, ip) != 0) return false;  // a DNS name never names an IP
  if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
    std::string_view rest = pattern.substr(1);                      // ".example.com"
    if (rest.find('.', 1) == std::string_view::npos) return false;  // "*.com"
    if (rest.find('*') != std::string_view::npos) return false;
    std::size_t dot = host.find('.');
    if (dot == 0 || dot == std::string_view::npos) return false;
    return iequals(host.substr(dot), rest);
  }
  if (pattern.find('*') != std::string_view::npos) return false;  // partial wildcards
  return iequals(pattern, host);
}

std::string describe_san(const mbedtls_x509_crt& leaf) {
  std::string out;
  if (!has_san(leaf)) return out;
  for (const mbedtls_x509_sequence* s = &leaf.subject_alt_names; s != nullptr; s = s->next) {
    if (s->buf.p == nullptr) continue;
    if (!out.empty()) out += ", ";
    if (s->buf.tag == kSanDns) {
      out += "DNS:";
      out.append(reinterpret_cast<const char*>(s->buf.p), s->buf.len);
    } else if (s->buf.tag == kSanIp && (s->buf.len == 4 || s->buf.len == 16)) {
      char text[64];
      inet_ntop(s->buf.len == 4 ? AF_INET : AF_INET6, s->buf.p, text, sizeof text);
      out += "IP:";
      out += text;
    } else {
      out += "other";
    }
  }
  return out;
}

std::string check_host(const mbedtls_x509_crt& leaf, std::string_view host) {
  if (!has_san(leaf))
    return "certificate has no subjectAltName (its common name '" + dn(leaf.subject) +
           "' is not used)";
  unsigned char ip[16];
  std::size_t ip_len = parse_ip(host, ip);
  for (const mbedtls_x509_sequence* s = &leaf.subject_alt_names; s != nullptr; s = s->next) {
    if (s->buf.p == nullptr) continue;
    if (ip_len != 0) {
      if (s->buf.tag == kSanIp && s->buf.len == ip_len && std::memcmp(s->buf.p, ip, ip_len) == 0)
        return {};
    } else if (s->buf.tag == kSanDns) {
      std::string_view name(reinterpret_cast<const char*>(s->buf.p), s->buf.len);
      if (dns_name_matches(name, host)) return {};
    }
  }
  std::string what = "hostname mismatch: '" + std::string(host) + "' is not ";
  what += ip_len != 0 ? "an iPAddress entry of the certificate" : "named by the certificate";
  return what + " (subjectAltName: " + describe_san(leaf) + ")";
}

std::string describe_failure(std::uint32_t flags, const mbedtls_x509_crt* chain,
                             const std::string& name_reason, bool peer_is_server) {
  std::string out;
  const mbedtls_x509_crt* leaf = chain != nullptr && chain->version != 0 ? chain : nullptr;
  if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
    std::string r = "certificate has expired";
    if (leaf && mbedtls_x509_time_is_past(&leaf->valid_to))
      r += " (notAfter " + date(leaf->valid_to) + ")";
    append(out, r);
  }
  if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
    std::string r = "certificate is not yet valid";
    if (leaf && mbedtls_x509_time_is_future(&leaf->valid_from))
      r += " (notBefore " + date(leaf->valid_from) + ")";
    append(out, r);
  }
  if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    std::string r;
    if (leaf && same_raw(leaf->issuer_raw, leaf->subject_raw)) {
      r = "self-signed certificate '" + dn(leaf->subject) + "' (not trusted)";
    } else if (leaf) {
      // Did the peer send the issuer, and is it not a CA?
      const mbedtls_x509_crt* issuer = nullptr;
      for (const mbedtls_x509_crt* c = leaf->next; c != nullptr && c->version != 0; c = c->next)
        if (same_raw(c->subject_raw, leaf->issuer_raw)) issuer = c;
      if (issuer && !issuer->ca_istrue)
        r = "the issuer '" + dn(issuer->subject) + "' is not a CA (basicConstraints CA:FALSE)";
      else if (issuer && same_raw(issuer->issuer_raw, issuer->subject_raw))
        r = "self-signed certificate in the chain: unknown issuer '" + dn(issuer->subject) + "'";
      else if (issuer)
        r = "unknown issuer: no trusted root for '" + dn(issuer->issuer) + "'";
      else
        r = "unknown issuer '" + dn(leaf->issuer) +
            "' (not trusted, or an intermediate the peer did not send)";
    } else {
      r = "unknown issuer (no trusted root)";
    }
    append(out, r);
  }
  if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
    append(out, name_reason.empty() ? "hostname mismatch" : name_reason);
  if (flags & (MBEDTLS_X509_BADCERT_EXT_KEY_USAGE | MBEDTLS_X509_BADCERT_KEY_USAGE |
               MBEDTLS_X509_BADCERT_NS_CERT_TYPE)) {
    std::string r = peer_is_server ? "certificate is not valid for TLS server authentication"
                                   : "certificate is not valid for TLS client authentication";
    r += (flags & MBEDTLS_X509_BADCERT_EXT_KEY_USAGE) ? " (extendedKeyUsage)" : " (keyUsage)";
    append(out, r);
  }
  if (flags & MBEDTLS_X509_BADCERT_REVOKED) append(out, "certificate has been revoked");
  if (flags & MBEDTLS_X509_BADCERT_SKIP_VERIFY) append(out, "certificate verification was skipped");
  if (flags & MBEDTLS_X509_BADCERT_MISSING) append(out, "no certificate was sent");
  std::uint32_t known = MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
                        MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_CN_MISMATCH |
                        MBEDTLS_X509_BADCERT_EXT_KEY_USAGE | MBEDTLS_X509_BADCERT_KEY_USAGE |
                        MBEDTLS_X509_BADCERT_NS_CERT_TYPE | MBEDTLS_X509_BADCERT_REVOKED |
                        MBEDTLS_X509_BADCERT_SKIP_VERIFY | MBEDTLS_X509_BADCERT_MISSING;
  if (flags & ~known) {
    char info[512];
    int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags & ~known);
    std::string text = n > 0 ? std::string(info, static_cast<std::size_t>(n)) : "unknown reason";
    for (char& c : text)
      if (c == '\n') c = ';';
    while (!text.empty() && (text.back() == ';' || text.back() == ' ')) text.pop_back();
    append(out, text);
  }
  return out.empty() ? "unknown reason" : out;
}

}  // namespace aio::tls
