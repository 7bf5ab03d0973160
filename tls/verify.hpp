// Name checks that mbedTLS 2.28.3 does not make right (HOSTILE.md), and the
// text of a failed verification.
//
// mbedTLS matches only dNSName SANs, lets a DNS wildcard such as "*.0.0.1"
// match the IP literal "127.0.0.1", never matches an iPAddress SAN, and
// falls back to the subject CN when a certificate has no SAN. aiocpp clears
// mbedTLS's name verdict and decides itself (engine.cpp's verify callback):
//
// * a certificate without a subjectAltName extension never matches (no CN
//   fallback);
// * an IP literal host matches only an iPAddress SAN of the same family and
//   bytes (tag [7], 4 or 16 bytes); DNS names, wildcards included, never
//   match an IP;
// * a DNS host matches a dNSName SAN case-insensitively, trailing dots
//   ignored; a wildcard is only a whole leftmost label "*.", matches exactly
//   one non-empty label, and needs at least two labels after it ("*.com" and
//   "f*.example.com" match nothing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct mbedtls_x509_crt;

namespace aio::tls {

// The bytes of an IP literal ("127.0.0.1", "::1", "[::1]") into `out`:
// returns 4 or 16, or 0 when `host` is not an IP literal.
std::size_t parse_ip(std::string_view host, unsigned char out[16]) noexcept;

// Whether the dNSName `pattern` names `host` (a DNS name, not an IP).
bool dns_name_matches(std::string_view pattern, std::string_view host) noexcept;

// Checks `host` against the leaf's subjectAltName entries as above. Returns
// an empty string on a match, else the reason ("hostname mismatch: ...",
// "certificate has no subjectAltName ...").
std::string check_host(const mbedtls_x509_crt& leaf, std::string_view host);

// "DNS:a.example, IP:127.0.0.1": the leaf's subjectAltName entries.
std::string describe_san(const mbedtls_x509_crt& leaf);

// The reason(s) for a failed verification, most telling first: expired, not
// yet valid, self-signed, unknown issuer, issuer not a CA, hostname
// mismatch (`name_reason`, from check_host), not for server
// authentication... `flags` are MBEDTLS_X509_BADCERT_* bits, `peer_chain`
// the certificates the peer sent (may be null).
std::string describe_failure(std::uint32_t flags, const mbedtls_x509_crt* peer_chain,
                             const std::string& name_reason, bool peer_is_server);

}  // namespace aio::tls
