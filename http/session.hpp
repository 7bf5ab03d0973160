// aio::http::Session: aiohttp's ClientSession — one keep-alive pool, a
// cookie jar, a DNS cache, default headers and timeouts, shared by every
// request made through it.
//
//   aio::http::Session session({.timeout = {.total = 10s}});
//   aio::http::Response r = co_await session.get("http://127.0.0.1:8080/hello");
//   std::string body = co_await r.text();
//   co_await session.close();
//
// Requests may run concurrently (gather, Scope): each takes a connection of
// its own from the pool for as long as its response body is being read.
//
// What a request does: resolve the URL (against base_url), add query
// params, check every header for CR/LF/NUL before any byte is sent, take a
// pooled connection or open one (DNS with a TTL cache, every address tried
// in turn), send, read the head, follow redirects (at most max_redirects;
// 303 and 301/302 after POST become GET; 307/308 replay the body;
// Authorization, Cookie and URL credentials are dropped across origins),
// store cookies, and return the Response with its body still unread. A
// request that fails on a reused connection before any response byte
// arrived is retried once on a new connection when its method is
// idempotent and its body can be replayed (HOSTILE.md).
//
// https:// runs TLS 1.2 on mbedTLS (tls/), verified by default against the
// system CA bundle: see SessionOptions::tls. TLS sessions are resumed per
// origin; the handshake has its own timeout phase (tls_handshake_timeout).
//
// Errors: see error.hpp. Timeouts (Timeout in options.hpp) throw
// aio::http::TimeoutError naming the phase; cancelling the request's task
// closes the connection it was using.
//
// The Session belongs to the loop it was created on. It must outlive every
// request task and Response made through it; call co_await close() before
// destroying it to close the pooled connections.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "../runtime/task.hpp"
#include "../tls/session_cache.hpp"
#include "cookie_jar.hpp"
#include "dns_cache.hpp"
#include "options.hpp"
#include "pool.hpp"
#include "response.hpp"
#include "url.hpp"

namespace aio::http {

class Session {
 public:
  explicit Session(SessionOptions options = SessionOptions());
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  Task<Response> request(std::string method, std::string url, RequestOptions options = RequestOptions());
  Task<Response> get(std::string url, RequestOptions options = RequestOptions());
  Task<Response> post(std::string url, RequestOptions options = RequestOptions());
  Task<Response> put(std::string url, RequestOptions options = RequestOptions());
  Task<Response> patch(std::string url, RequestOptions options = RequestOptions());
  Task<Response> delete_(std::string url, RequestOptions options = RequestOptions());
  Task<Response> head(std::string url, RequestOptions options = RequestOptions());
  Task<Response> options(std::string url, RequestOptions options = RequestOptions());

  // Closes every pooled connection; later requests throw ClientError
  // (Errc::session_closed). Connections still carrying a response body close
  // when that response is released.
  Task<void> close();
  bool closed() const noexcept { return pool_.closed(); }

  CookieJar& cookie_jar() noexcept { return jar_; }
  const SessionOptions& settings() const noexcept { return options_; }
  // Open connections (idle and in use) and idle ones, for tests and stats.
  std::size_t open_connections() const noexcept { return pool_.open_count(); }
  std::size_t idle_connections() const noexcept { return pool_.idle_count(); }

 private:
  struct Prepared;
  // Member coroutines below take the request by reference: it lives in the
  // frame of request(), which awaits them.
  Task<Response> send(const Prepared& req, const Url& url, std::string method, bool with_body);
  Task<Pool::Lease> connect(const Prepared& req, const Url& url);
  Task<std::unique_ptr<ByteStream>> open_transport(const Prepared& req, const Url& url,
                                                  std::optional<std::chrono::steady_clock::time_point> connect_deadline);
  // https://: the TLS handshake over a connected TCP stream, under its own
  // timeout phase (Errc::tls_handshake_timeout).
  Task<std::unique_ptr<ByteStream>> start_tls(const Prepared& req, const Url& url, TcpStream tcp,
                                             std::optional<std::chrono::steady_clock::time_point> connect_deadline,
                                             std::string peer);
  Task<void> write_request(const Prepared& req, Connection& c, const std::string& head, bool with_body,
                           const std::string& peer);
  Task<void> read_head(const Prepared& req, Connection& c, const std::string& peer);
  Headers headers_for(const Prepared& req, const Url& url, bool with_body) const;

  SessionOptions options_;
  std::optional<Url> base_url_;
  Pool pool_;
  CookieJar jar_;
  DnsCache dns_;
  // TLS: one mbedTLS config, made at the first https:// request, and the
  // sessions to resume, per origin.
  std::shared_ptr<const tls::Config> tls_config_;
  tls::SessionCache tls_sessions_;
};

}  // namespace aio::http
