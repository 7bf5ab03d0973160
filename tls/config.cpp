#include "config.hpp"

#include <atomic>
#include <cstdlib>
#include <mutex>

#include "detail/state.hpp"
#include "error.hpp"

namespace aio::tls {

using detail::CaChain;
using detail::ConfigState;
using detail::Random;

namespace detail {

Random::Random() {
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  static const char personal[] = "aiocpp tls";
  int rc =
      mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                            reinterpret_cast<const unsigned char*>(personal), sizeof personal - 1);
  if (rc != 0) {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    throw TlsError(make_error_code(Errc::config),
                   "cannot seed the TLS random generator: " + mbedtls_message(rc));
  }
}

Random::~Random() {
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
}

std::shared_ptr<Random> shared_random() {
  // Seeded once per process; configs hold it, so it outlives them all.
  static std::mutex m;
  static std::shared_ptr<Random> rng;
  std::lock_guard<std::mutex> lock(m);
  if (!rng) rng = std::make_shared<Random>();
  return rng;
}

ConfigState::ConfigState() {
  mbedtls_x509_crt_init(&own_cert);
  mbedtls_pk_init(&own_key);
  mbedtls_ssl_ticket_init(&tickets);
  mbedtls_ssl_config_init(&conf);
}

ConfigState::~ConfigState() {
  mbedtls_ssl_config_free(&conf);
  mbedtls_ssl_ticket_free(&tickets);
  mbedtls_pk_free(&own_key);
  mbedtls_x509_crt_free(&own_cert);
}

}  // namespace detail

namespace {

// ALPN: HTTP/1.1 only (mbedTLS keeps the pointer: static storage).
const char* kAlpn[] = {"http/1.1", nullptr};

std::atomic<std::uint64_t> next_id{1};

[[noreturn]] void config_error(const std::string& what) {
  throw TlsError(make_error_code(Errc::config), what);
}

int count_certs(const mbedtls_x509_crt& chain) {
  int n = 0;
  for (const mbedtls_x509_crt* c = &chain; c != nullptr && c->version != 0; c = c->next) ++n;
  return n;
}

// Appends PEM/DER certificates from a file; a positive mbedTLS return counts
// certificates that failed to parse (not an error while some parsed).
void add_cert_file(mbedtls_x509_crt& chain, const std::string& path, const char* what) {
  int before = count_certs(chain);
  int rc = mbedtls_x509_crt_parse_file(&chain, path.c_str());
  if (rc < 0)
    config_error(std::string("cannot load ") + what + " '" + path + "': " + mbedtls_message(rc));
  if (count_certs(chain) == before)
    config_error(std::string("no certificate in ") + what + " '" + path + "'");
}

void add_cert_pem(mbedtls_x509_crt& chain, const std::string& pem, const char* what) {
  int before = count_certs(chain);
  // PEM input must include its terminating NUL in the length.
  int rc = mbedtls_x509_crt_parse(&chain, reinterpret_cast<const unsigned char*>(pem.c_str()),
                                  pem.size() + 1);
  if (rc < 0) config_error(std::string("cannot parse ") + what + ": " + mbedtls_message(rc));
  if (count_certs(chain) == before) config_error(std::string("no certificate in ") + what);
}

std::shared_ptr<const CaChain> load_ca(const std::string& file, const std::string& pem,
                                       const char* what) {
  auto ca = std::make_shared<CaChain>();
  if (!file.empty()) add_cert_file(ca->crt, file, what);
  if (!pem.empty()) add_cert_pem(ca->crt, pem, what);
  ca->count = count_certs(ca->crt);
  ca->source = !file.empty() ? "file:" + file : "memory";
  return ca;
}

// The system bundle, parsed once per process; a failure is remembered.
std::shared_ptr<const CaChain> system_ca() {
  static std::once_flag once;
  static std::shared_ptr<const CaChain> ca;
  static std::string failure;
  std::call_once(once, [] {
    std::string path = system_ca_path();
    auto chain = std::make_shared<CaChain>();
    int rc = mbedtls_x509_crt_parse_file(&chain->crt, path.c_str());
    chain->count = count_certs(chain->crt);
    if (rc < 0 || chain->count == 0) {
      failure = "cannot load the system CA bundle '" + path + "'" +
                (rc < 0 ? ": " + mbedtls_message(rc) : "");
      return;
    }
    chain->source = "system:" + path;
    ca = std::move(chain);
  });
  if (!ca) config_error(failure + " (set SSL_CERT_FILE, or give a CA file)");
  return ca;
}

void load_own(ConfigState& s, const std::string& cert_file, const std::string& cert_pem,
              const std::string& key_file, const std::string& key_pem,
              const std::string& password) {
  if (cert_file.empty() && cert_pem.empty()) {
    if (!key_file.empty() || !key_pem.empty())
      config_error("a private key was given without its certificate");
    return;
  }
  if (key_file.empty() && key_pem.empty())
    config_error("a certificate was given without its private key");
  if (!cert_file.empty())
    add_cert_file(s.own_cert, cert_file, "certificate file");
  else
    add_cert_pem(s.own_cert, cert_pem, "certificate");
  int rc;
  if (!key_file.empty()) {
    rc = mbedtls_pk_parse_keyfile(&s.own_key, key_file.c_str(),
                                  password.empty() ? nullptr : password.c_str());
    if (rc != 0)
      config_error("cannot load the private key '" + key_file + "': " + mbedtls_message(rc));
  } else {
    rc = mbedtls_pk_parse_key(
        &s.own_key, reinterpret_cast<const unsigned char*>(key_pem.c_str()), key_pem.size() + 1,
        reinterpret_cast<const unsigned char*>(password.data()), password.size());
    if (rc != 0) config_error("cannot parse the private key: " + mbedtls_message(rc));
  }
  rc = mbedtls_pk_check_pair(&s.own_cert.pk, &s.own_key);
  if (rc != 0)
    config_error("the private key does not match the certificate: " + mbedtls_message(rc));
  rc = mbedtls_ssl_conf_own_cert(&s.conf, &s.own_cert, &s.own_key);
  if (rc != 0) config_error("cannot use the certificate: " + mbedtls_message(rc));
  s.has_own_cert = true;
}

void common(ConfigState& s, int endpoint) {
  int rc = mbedtls_ssl_config_defaults(&s.conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                       MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) config_error("mbedtls_ssl_config_defaults: " + mbedtls_message(rc));
  s.rng = detail::shared_random();
  s.id = next_id.fetch_add(1);
  mbedtls_ssl_conf_rng(&s.conf, mbedtls_ctr_drbg_random, &s.rng->drbg);
  // TLS 1.2 minimum (REQ-TLS); 2.28 speaks nothing newer.
  mbedtls_ssl_conf_min_version(&s.conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_renegotiation(&s.conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
  rc = mbedtls_ssl_conf_alpn_protocols(&s.conf, kAlpn);
  if (rc != 0) config_error("mbedtls_ssl_conf_alpn_protocols: " + mbedtls_message(rc));
}

}  // namespace

std::string system_ca_path() {
  const char* env = std::getenv("SSL_CERT_FILE");
  return env != nullptr && *env != '\0' ? env : "/etc/ssl/certs/ca-certificates.crt";
}

Config::Config(std::unique_ptr<ConfigState> s) noexcept : state_(std::move(s)) {}
Config::~Config() = default;

std::shared_ptr<const Config> Config::client(const ClientOptions& o) {
  auto s = std::make_unique<ConfigState>();
  s->client = true;
  s->verify = o.verify;
  s->resumption = o.session_resumption;
  common(*s, MBEDTLS_SSL_IS_CLIENT);
  mbedtls_ssl_conf_session_tickets(&s->conf, o.session_resumption
                                                 ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                 : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
  if (o.verify) {
    s->ca = !o.ca_file.empty() || !o.ca_pem.empty() ? load_ca(o.ca_file, o.ca_pem, "CA file")
                                                    : system_ca();
    mbedtls_ssl_conf_ca_chain(&s->conf, const_cast<mbedtls_x509_crt*>(&s->ca->crt), nullptr);
    mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  } else {
    mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_NONE);
  }
  load_own(*s, o.cert_file, o.cert_pem, o.key_file, o.key_pem, o.key_password);
  return std::shared_ptr<const Config>(new Config(std::move(s)));
}

std::shared_ptr<const Config> Config::server(const ServerOptions& o) {
  auto s = std::make_unique<ConfigState>();
  s->client = false;
  common(*s, MBEDTLS_SSL_IS_SERVER);
  load_own(*s, o.cert_file, o.cert_pem, o.key_file, o.key_pem, "");
  if (!s->has_own_cert) config_error("a TLS server needs a certificate and a key");
  if (!o.client_ca_file.empty() || !o.client_ca_pem.empty()) {
    s->ca = load_ca(o.client_ca_file, o.client_ca_pem, "client CA file");
    mbedtls_ssl_conf_ca_chain(&s->conf, const_cast<mbedtls_x509_crt*>(&s->ca->crt), nullptr);
    mbedtls_ssl_conf_authmode(&s->conf, o.require_client_cert ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                              : MBEDTLS_SSL_VERIFY_OPTIONAL);
    s->verify = true;
  } else {
    if (o.require_client_cert) config_error("require_client_cert needs a client CA");
    mbedtls_ssl_conf_authmode(&s->conf, MBEDTLS_SSL_VERIFY_NONE);
    s->verify = false;
  }
  s->resumption = o.session_tickets;
  if (o.session_tickets) {
    int rc = mbedtls_ssl_ticket_setup(&s->tickets, mbedtls_ctr_drbg_random, &s->rng->drbg,
                                      MBEDTLS_CIPHER_AES_256_GCM, 86400);
    if (rc != 0) config_error("mbedtls_ssl_ticket_setup: " + mbedtls_message(rc));
    s->has_ticket_keys = true;
    mbedtls_ssl_conf_session_tickets_cb(&s->conf, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &s->tickets);
  }
  return std::shared_ptr<const Config>(new Config(std::move(s)));
}

bool Config::is_client() const noexcept { return state_->client; }
bool Config::verifies() const noexcept { return state_->verify; }
bool Config::session_resumption() const noexcept { return state_->resumption; }
std::uint64_t Config::id() const noexcept { return state_->id; }

const std::string& Config::ca_source() const noexcept {
  static const std::string none = "none";
  return state_->ca ? state_->ca->source : none;
}

int Config::ca_count() const noexcept { return state_->ca ? state_->ca->count : 0; }

}  // namespace aio::tls
