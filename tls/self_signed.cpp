#include "self_signed.hpp"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <memory>

#include "error.hpp"

namespace aio::tls {

namespace {

void check(int rc, const char* what) {
  if (rc != 0) throw TlsError(make_error_code(Errc::config), std::string("self-signed certificate: ") + what + " failed");
}

// subjectAltName: DNS:localhost, IP:127.0.0.1, IP:::1 (DER, RFC 5280 §4.2.1.6).
const unsigned char kSan[] = {
    0x30, 0x23,                                                        // SEQUENCE, 35 bytes
    0x82, 0x09, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',           // [2] dNSName
    0x87, 0x04, 127, 0, 0, 1,                                          // [7] iPAddress v4
    0x87, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,        // [7] iPAddress v6
};

}  // namespace

SelfSigned make_self_signed() {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_pk_context key;
  mbedtls_x509write_cert crt;
  mbedtls_mpi serial;
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  mbedtls_pk_init(&key);
  mbedtls_x509write_crt_init(&crt);
  mbedtls_mpi_init(&serial);
  struct Cleanup {
    mbedtls_entropy_context* e;
    mbedtls_ctr_drbg_context* d;
    mbedtls_pk_context* k;
    mbedtls_x509write_cert* c;
    mbedtls_mpi* s;
    ~Cleanup() {
      mbedtls_mpi_free(s);
      mbedtls_x509write_crt_free(c);
      mbedtls_pk_free(k);
      mbedtls_ctr_drbg_free(d);
      mbedtls_entropy_free(e);
    }
  } cleanup{&entropy, &drbg, &key, &crt, &serial};

  check(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, nullptr, 0), "seeding the DRBG");
  check(mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), "key setup");
  check(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), mbedtls_ctr_drbg_random, &drbg),
        "key generation");
  mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&crt, &key);
  mbedtls_x509write_crt_set_issuer_key(&crt, &key);
  check(mbedtls_x509write_crt_set_subject_name(&crt, "CN=localhost,O=aiocpp serve"), "subject name");
  check(mbedtls_x509write_crt_set_issuer_name(&crt, "CN=localhost,O=aiocpp serve"), "issuer name");
  unsigned char serial_bytes[16];
  check(mbedtls_ctr_drbg_random(&drbg, serial_bytes, sizeof serial_bytes), "serial");
  serial_bytes[0] &= 0x7f;
  check(mbedtls_mpi_read_binary(&serial, serial_bytes, sizeof serial_bytes), "serial");
  check(mbedtls_x509write_crt_set_serial(&crt, &serial), "serial");
  check(mbedtls_x509write_crt_set_validity(&crt, "20250101000000", "20350101000000"), "validity");
  check(mbedtls_x509write_crt_set_basic_constraints(&crt, 0, -1), "basic constraints");
  check(mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_DIGITAL_SIGNATURE), "key usage");
  check(mbedtls_x509write_crt_set_extension(&crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                            MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, kSan, sizeof kSan),
        "subjectAltName");

  SelfSigned out;
  std::unique_ptr<unsigned char[]> buf(new unsigned char[8192]);
  check(mbedtls_x509write_crt_pem(&crt, buf.get(), 8192, mbedtls_ctr_drbg_random, &drbg), "writing the certificate");
  out.cert_pem = reinterpret_cast<const char*>(buf.get());
  check(mbedtls_pk_write_key_pem(&key, buf.get(), 8192), "writing the key");
  out.key_pem = reinterpret_cast<const char*>(buf.get());
  return out;
}

}  // namespace aio::tls
