#include "engine.hpp"

#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "detail/state.hpp"
#include "error.hpp"
#include "verify.hpp"

namespace aio::tls {

struct SavedSession {
  SavedSession() { mbedtls_ssl_session_init(&s); }
  ~SavedSession() { mbedtls_ssl_session_free(&s); }
  SavedSession(const SavedSession&) = delete;
  SavedSession& operator=(const SavedSession&) = delete;
  mbedtls_ssl_session s;
};

namespace {

constexpr std::size_t kDefaultOutputLimit = 64 * 1024;

const char* alert_name(int alert) noexcept {
  switch (alert) {
    case 0:
      return "close_notify";
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 22:
      return "record_overflow";
    case 40:
      return "handshake_failure";
    case 42:
      return "bad_certificate";
    case 43:
      return "unsupported_certificate";
    case 44:
      return "certificate_revoked";
    case 45:
      return "certificate_expired";
    case 46:
      return "certificate_unknown";
    case 47:
      return "illegal_parameter";
    case 48:
      return "unknown_ca";
    case 49:
      return "access_denied";
    case 50:
      return "decode_error";
    case 51:
      return "decrypt_error";
    case 70:
      return "protocol_version";
    case 71:
      return "insufficient_security";
    case 80:
      return "internal_error";
    case 86:
      return "inappropriate_fallback";
    case 90:
      return "user_canceled";
    case 100:
      return "no_renegotiation";
    case 109:
      return "missing_extension";
    case 110:
      return "unsupported_extension";
    case 112:
      return "unrecognized_name";
    case 115:
      return "unknown_psk_identity";
    case 116:
      return "certificate_required";
    case 120:
      return "no_application_protocol";
  }
  return "unknown alert";
}

}  // namespace

const char* to_string(Status s) noexcept {
  switch (s) {
    case Status::ok:
      return "ok";
    case Status::want_read:
      return "want_read";
    case Status::want_write:
      return "want_write";
    case Status::closed:
      return "closed";
    case Status::eof:
      return "eof";
  }
  return "?";
}

struct Engine::Impl {
  explicit Impl(std::shared_ptr<const Config> c) : config(std::move(c)) { mbedtls_ssl_init(&ssl); }
  ~Impl() { mbedtls_ssl_free(&ssl); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::shared_ptr<const Config> config;
  mbedtls_ssl_context ssl;
  std::string host;
  bool is_client = true;

  std::string in;  // ciphertext received, [in_head, size) unread
  std::size_t in_head = 0;
  bool in_eof = false;
  std::string out;  // ciphertext to send
  std::size_t out_limit = kDefaultOutputLimit;

  bool done = false;
  bool saw_certificate = false;
  bool peer_closed = false;
  bool at_eof = false;
  bool close_sent = false;
  std::exception_ptr failure;  // sticky: the context is dead

  // From the verify callback (the chain is freed when verification fails).
  std::uint32_t chain_flags = 0;
  std::string name_reason;
  std::string chain_reason;

  static int on_send(void* p, const unsigned char* buf, std::size_t len) noexcept {
    auto* self = static_cast<Impl*>(p);
    if (self->out.size() >= self->out_limit) return MBEDTLS_ERR_SSL_WANT_WRITE;
    std::size_t n = std::min(len, self->out_limit - self->out.size());
    try {
      self->out.append(reinterpret_cast<const char*>(buf), n);
    } catch (...) {
      return MBEDTLS_ERR_SSL_ALLOC_FAILED;
    }
    return static_cast<int>(n);
  }

  static int on_recv(void* p, unsigned char* buf, std::size_t len) noexcept {
    auto* self = static_cast<Impl*>(p);
    std::size_t avail = self->in.size() - self->in_head;
    if (avail == 0) return self->in_eof ? 0 : MBEDTLS_ERR_SSL_WANT_READ;
    std::size_t n = std::min(len, avail);
    std::memcpy(buf, self->in.data() + self->in_head, n);
    self->in_head += n;
    if (self->in_head == self->in.size()) {
      self->in.clear();
      self->in_head = 0;
    }
    return static_cast<int>(n);
  }

  // Runs for each certificate of the chain, the leaf (depth 0) last. C
  // callback: records, never throws.
  static int on_verify(void* p, mbedtls_x509_crt* crt, int depth, std::uint32_t* flags) noexcept {
    auto* self = static_cast<Impl*>(p);
    try {
      if (depth == 0 && self->is_client) {
        // HOSTILE.md: aiocpp's name rules replace mbedTLS's.
        *flags &= ~static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_CN_MISMATCH);
        self->name_reason = check_host(*crt, self->host);
        if (!self->name_reason.empty()) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
      }
      self->chain_flags |= *flags;
      if (depth == 0 && self->chain_flags != 0)
        self->chain_reason =
            describe_failure(self->chain_flags, crt, self->name_reason, self->is_client);
    } catch (...) {
      *flags |= MBEDTLS_X509_BADCERT_OTHER;
    }
    return 0;
  }

  [[noreturn]] void fail(int rc) {
    std::exception_ptr e;
    std::uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
    bool cert = rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ||
                rc == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE ||
                (rc == MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE && flags != 0 && flags != 0xFFFFFFFFu);
    if (cert) {
      if (flags == 0xFFFFFFFFu) flags = chain_flags;
      if (rc == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) flags |= MBEDTLS_X509_BADCERT_MISSING;
      std::string reason = chain_reason;
      std::uint32_t extra = flags & ~chain_flags;
      if (extra != 0) {
        std::string more = describe_failure(extra, nullptr, name_reason, is_client);
        reason = reason.empty() ? more : reason + "; " + more;
      }
      if (reason.empty()) reason = describe_failure(flags, nullptr, name_reason, is_client);
      e = std::make_exception_ptr(CertificateError(reason, flags));
    } else if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
      int alert = ssl.in_msg != nullptr ? ssl.in_msg[1] : -1;
      std::string what = std::string("the peer sent a fatal TLS alert: ") + alert_name(alert) +
                         " (" + std::to_string(alert) + ")";
      if (!done) what = "TLS handshake failed: " + what;
      e = std::make_exception_ptr(TlsError(make_error_code(Errc::alert), what));
    } else if (!done) {
      std::string what = "TLS handshake failed: ";
      if (rc == MBEDTLS_ERR_SSL_CONN_EOF)
        what += "the peer closed the connection";
      else if (rc == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
        what += "the peer does not speak TLS 1.2: " + mbedtls_message(rc);
      else
        what += mbedtls_message(rc);
      e = std::make_exception_ptr(TlsError(make_error_code(Errc::handshake_failed), what));
    } else {
      e = std::make_exception_ptr(
          TlsError(make_error_code(Errc::protocol), "TLS error: " + mbedtls_message(rc)));
    }
    failure = e;
    std::rethrow_exception(e);
  }

  void check_alive() const {
    if (failure) std::rethrow_exception(failure);
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;
Engine::~Engine() = default;

namespace {

[[noreturn]] void setup_error(const char* what, int rc) {
  throw TlsError(make_error_code(Errc::config), std::string(what) + ": " + mbedtls_message(rc));
}

}  // namespace

Engine Engine::client(std::shared_ptr<const Config> config, std::string host) {
  if (!config || !config->is_client())
    throw TlsError(make_error_code(Errc::config), "Engine::client needs a client Config");
  auto impl = std::make_unique<Impl>(std::move(config));
  impl->is_client = true;
  // The name without IPv6 brackets, as certificates and SNI carry it.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  impl->host = std::move(host);
  detail::ConfigState& st = impl->config->state();
  int rc = mbedtls_ssl_setup(&impl->ssl, &st.conf);
  if (rc != 0) setup_error("mbedtls_ssl_setup", rc);
  // Always: SNI, and the name verified (TOOLCHAIN.md §7). For an IP literal
  // mbedTLS's own verdict is replaced in on_verify.
  rc = mbedtls_ssl_set_hostname(&impl->ssl, impl->host.c_str());
  if (rc != 0) setup_error("mbedtls_ssl_set_hostname", rc);
  if (st.verify) mbedtls_ssl_set_verify(&impl->ssl, &Impl::on_verify, impl.get());
  mbedtls_ssl_set_bio(&impl->ssl, impl.get(), &Impl::on_send, &Impl::on_recv, nullptr);
  return Engine(std::move(impl));
}

Engine Engine::server(std::shared_ptr<const Config> config) {
  if (!config || config->is_client())
    throw TlsError(make_error_code(Errc::config), "Engine::server needs a server Config");
  auto impl = std::make_unique<Impl>(std::move(config));
  impl->is_client = false;
  detail::ConfigState& st = impl->config->state();
  int rc = mbedtls_ssl_setup(&impl->ssl, &st.conf);
  if (rc != 0) setup_error("mbedtls_ssl_setup", rc);
  if (st.verify) mbedtls_ssl_set_verify(&impl->ssl, &Impl::on_verify, impl.get());
  mbedtls_ssl_set_bio(&impl->ssl, impl.get(), &Impl::on_send, &Impl::on_recv, nullptr);
  return Engine(std::move(impl));
}

void Engine::feed(std::span<const char> bytes) {
  Impl& m = *impl_;
  if (bytes.empty()) return;
  if (m.in_head > 0 && m.in_head >= m.in.size() / 2) {
    m.in.erase(0, m.in_head);
    m.in_head = 0;
  }
  m.in.append(bytes.data(), bytes.size());
}

void Engine::feed_eof() noexcept { impl_->in_eof = true; }
std::size_t Engine::input_size() const noexcept { return impl_->in.size() - impl_->in_head; }

void Engine::take_output(std::string& into) {
  into.clear();
  into.swap(impl_->out);
}

std::size_t Engine::output_size() const noexcept { return impl_->out.size(); }
void Engine::set_output_limit(std::size_t bytes) noexcept {
  impl_->out_limit = bytes == 0 ? 1 : bytes;
}

Status Engine::handshake() {
  Impl& m = *impl_;
  m.check_alive();
  if (m.done) return Status::ok;
  while (m.ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    // A resumed handshake skips the certificate states (both roles).
    if (m.ssl.state == MBEDTLS_SSL_SERVER_CERTIFICATE) m.saw_certificate = true;
    int rc = mbedtls_ssl_handshake_step(&m.ssl);
    if (rc == 0) continue;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) return Status::want_read;
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Status::want_write;
    m.fail(rc);
  }
  m.done = true;
  return Status::ok;
}

bool Engine::handshake_done() const noexcept { return impl_->done; }

bool Engine::offer_session(const SavedSession& s) noexcept {
  if (impl_->done || !impl_->is_client) return false;
  return mbedtls_ssl_set_session(&impl_->ssl, &s.s) == 0;
}

std::shared_ptr<const SavedSession> Engine::save_session() const {
  Impl& m = *impl_;
  if (!m.done || !m.is_client || m.failure) return nullptr;
  auto saved = std::make_shared<SavedSession>();
  if (mbedtls_ssl_get_session(&m.ssl, &saved->s) != 0) return nullptr;
  if (saved->s.ticket_len == 0 && saved->s.id_len == 0) return nullptr;
  return saved;
}

bool Engine::resumed() const noexcept { return impl_->done && !impl_->saw_certificate; }

std::string Engine::alpn() const {
  const char* p = mbedtls_ssl_get_alpn_protocol(&impl_->ssl);
  return p ? p : "";
}

std::string Engine::version() const {
  return impl_->done ? mbedtls_ssl_get_version(&impl_->ssl) : "";
}
std::string Engine::ciphersuite() const {
  return impl_->done ? mbedtls_ssl_get_ciphersuite(&impl_->ssl) : "";
}

std::string Engine::peer_subject() const {
  const mbedtls_x509_crt* c = impl_->done ? mbedtls_ssl_get_peer_cert(&impl_->ssl) : nullptr;
  if (c == nullptr) return "";
  char buf[512];
  int n = mbedtls_x509_dn_gets(buf, sizeof buf, &c->subject);
  return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
}

IoResult Engine::read(std::span<char> into) {
  Impl& m = *impl_;
  m.check_alive();
  if (m.peer_closed) return {Status::closed, 0};
  if (m.at_eof) return {Status::eof, 0};
  if (!m.done) {
    Status s = handshake();
    if (s != Status::ok) return {s, 0};
  }
  if (into.empty()) return {Status::ok, 0};
  int rc = mbedtls_ssl_read(&m.ssl, reinterpret_cast<unsigned char*>(into.data()), into.size());
  if (rc > 0) return {Status::ok, static_cast<std::size_t>(rc)};
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return {Status::want_read, 0};
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {Status::want_write, 0};
  if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
    m.peer_closed = true;
    return {Status::closed, 0};
  }
  if (rc == 0 || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
    m.at_eof = true;
    return {Status::eof, 0};
  }
  m.fail(rc);
}

IoResult Engine::write(std::span<const char> bytes) {
  Impl& m = *impl_;
  m.check_alive();
  if (!m.done) {
    Status s = handshake();
    if (s != Status::ok) return {s, 0};
  }
  int rc =
      mbedtls_ssl_write(&m.ssl, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  if (rc >= 0) return {Status::ok, static_cast<std::size_t>(rc)};
  if (rc == MBEDTLS_ERR_SSL_WANT_READ) return {Status::want_read, 0};
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return {Status::want_write, 0};
  m.fail(rc);
}

Status Engine::close_notify() noexcept {
  Impl& m = *impl_;
  if (m.failure || !m.done || m.close_sent) return Status::ok;
  // After want_write the alert is already queued: the call only flushes.
  int rc = mbedtls_ssl_close_notify(&m.ssl);
  if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return Status::want_write;
  m.close_sent = true;
  return Status::ok;
}

bool Engine::pending() const noexcept {
  return impl_->in_head < impl_->in.size() || mbedtls_ssl_check_pending(&impl_->ssl) != 0;
}

bool Engine::failed() const noexcept { return static_cast<bool>(impl_->failure); }
bool Engine::peer_closed() const noexcept { return impl_->peer_closed; }

}  // namespace aio::tls
