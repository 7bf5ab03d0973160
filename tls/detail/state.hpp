// Internal: the mbedTLS objects behind tls::Config (config.cpp, engine.cpp).
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include <cstdint>
#include <memory>
#include <string>

namespace aio::tls::detail {

// The process's random generator: seeded once, shared by every config.
struct Random {
  Random();
  ~Random();
  Random(const Random&) = delete;
  Random& operator=(const Random&) = delete;
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
};
std::shared_ptr<Random> shared_random();

// A parsed set of trust anchors.
struct CaChain {
  CaChain() { mbedtls_x509_crt_init(&crt); }
  ~CaChain() { mbedtls_x509_crt_free(&crt); }
  CaChain(const CaChain&) = delete;
  CaChain& operator=(const CaChain&) = delete;
  mbedtls_x509_crt crt;
  int count = 0;
  std::string source;
};

struct ConfigState {
  ConfigState();
  ~ConfigState();
  ConfigState(const ConfigState&) = delete;
  ConfigState& operator=(const ConfigState&) = delete;

  bool client = true;
  bool verify = true;
  bool resumption = true;
  std::uint64_t id = 0;
  std::shared_ptr<Random> rng;
  std::shared_ptr<const CaChain> ca;
  bool has_own_cert = false;
  mbedtls_x509_crt own_cert;
  mbedtls_pk_context own_key;
  bool has_ticket_keys = false;
  mbedtls_ssl_ticket_context tickets;
  mbedtls_ssl_config conf;
};

}  // namespace aio::tls::detail
