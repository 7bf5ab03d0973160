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
// Request bodies (options.hpp): bytes, or streamed while they are sent — a
// file or descriptor, a generator, a multipart form (body_source.hpp,
// form_data.hpp) — with Content-Length when the size is known, chunked
// otherwise. The total timeout and Timeout::sock_write cover the upload.
//
// https:// runs TLS 1.2 on mbedTLS (tls/), verified by default against the
// system CA bundle: see SessionOptions::tls. TLS sessions are resumed per
// origin; a connection opened while a full handshake to its origin is in
// flight waits for it (at most 1 s) and resumes its session. The handshake
// has its own timeout phase (tls_handshake_timeout).
//
// Errors: see error.hpp. Timeouts (Timeout in options.hpp) throw
// aio::http::TimeoutError naming the phase; cancelling the request's task
// closes the connection it was using.
//
// The Session belongs to the loop it was created on. It must outlive every
// request task and Response made through it; call co_await close() before
// destroying it to close the pooled connections.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>

#include "../runtime/as_result.hpp"
#include "../runtime/event.hpp"
#include "../runtime/task.hpp"
#include "../tls/session_cache.hpp"
#include "request_writer.hpp"
#include "cookie_jar.hpp"
#include "detail/target.hpp"
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

  Task<Response> request(std::string method, std::string url, RequestOptions options = RequestOptions()) {
    return perform(std::move(method), std::move(url), std::move(options));
  }
  Task<Response> get(std::string url, RequestOptions options = RequestOptions());

  // The same with a Url parsed beforehand (aiohttp takes a yarl.URL too): a
  // request loop over one Url copies no string (short URL parts are kept
  // inline) and parses nothing. A relative Url is not resolved against
  // base_url: parse an absolute one.
  Task<Response> request(std::string method, Url url, RequestOptions options = RequestOptions()) {
    return perform(std::move(method), std::move(url), std::move(options));
  }
  Task<Response> get(Url url, RequestOptions options = RequestOptions()) {
    return perform("GET", std::move(url), std::move(options));
  }
  Task<Response> post(std::string url, RequestOptions options = RequestOptions());
  Task<Response> put(std::string url, RequestOptions options = RequestOptions());
  Task<Response> patch(std::string url, RequestOptions options = RequestOptions());
  Task<Response> delete_(std::string url, RequestOptions options = RequestOptions());
  Task<Response> head(std::string url, RequestOptions options = RequestOptions());
  Task<Response> options(std::string url, RequestOptions options = RequestOptions());

  // The same requests with errors as values (runtime/as_result.hpp): the
  // tag last, after the options if any. A failure is a Result holding the
  // error a plain co_await would have thrown; the cancellation of the
  // awaiting task still propagates as CancelledError.
  //   aio::Result<Response> r = co_await session.get(url, aio::as_result);
  //   if (!r && r.error_is<ConnectorError>()) ...
  Task<Result<Response>> request(std::string method, std::string url, AsResult tag) {
    return tag(request(std::move(method), std::move(url)));
  }
  Task<Result<Response>> request(std::string method, std::string url, RequestOptions options, AsResult tag) {
    return tag(request(std::move(method), std::move(url), std::move(options)));
  }
  Task<Result<Response>> get(std::string url, AsResult tag) { return tag(get(std::move(url))); }
  Task<Result<Response>> get(std::string url, RequestOptions options, AsResult tag) {
    return tag(get(std::move(url), std::move(options)));
  }
  Task<Result<Response>> post(std::string url, AsResult tag) { return tag(post(std::move(url))); }
  Task<Result<Response>> post(std::string url, RequestOptions options, AsResult tag) {
    return tag(post(std::move(url), std::move(options)));
  }
  Task<Result<Response>> put(std::string url, AsResult tag) { return tag(put(std::move(url))); }
  Task<Result<Response>> put(std::string url, RequestOptions options, AsResult tag) {
    return tag(put(std::move(url), std::move(options)));
  }
  Task<Result<Response>> patch(std::string url, AsResult tag) { return tag(patch(std::move(url))); }
  Task<Result<Response>> patch(std::string url, RequestOptions options, AsResult tag) {
    return tag(patch(std::move(url), std::move(options)));
  }
  Task<Result<Response>> delete_(std::string url, AsResult tag) { return tag(delete_(std::move(url))); }
  Task<Result<Response>> delete_(std::string url, RequestOptions options, AsResult tag) {
    return tag(delete_(std::move(url), std::move(options)));
  }
  Task<Result<Response>> head(std::string url, AsResult tag) { return tag(head(std::move(url))); }
  Task<Result<Response>> head(std::string url, RequestOptions options, AsResult tag) {
    return tag(head(std::move(url), std::move(options)));
  }
  Task<Result<Response>> options(std::string url, AsResult tag) { return tag(options(std::move(url))); }
  Task<Result<Response>> options(std::string url, RequestOptions options, AsResult tag) {
    return tag(this->options(std::move(url), std::move(options)));
  }

  // JSON request bodies (application/json), serialised compactly when
  // called (aio::json::Node::to_json, or the Writer's text):
  //   aio::json::Object body{{"name", "Zoe"}, {"ids", aio::json::Array{1, 2}}};
  //   aio::http::Response r = co_await session.post(url, body);
  // Build the value in a statement of its own, as above: g++ 12 does not
  // compile a braced list inside a statement with co_await (TOOLCHAIN.md
  // §2). `body` is read before the call returns, so a temporary is fine.
  // Only these exact types (Object, Array, Node, a finished Writer) select
  // these overloads: a std::string or const char* is not turned into a JSON
  // string, and post(url, {}) still means RequestOptions. A JSON body in
  // `options` is replaced. Throws aio::json::JsonError at the call for a
  // string that is not UTF-8, a NaN or infinity, an unfinished Writer.
  template <class B>
  static constexpr bool is_json_body =
      std::is_same_v<B, aio::json::Object> || std::is_same_v<B, aio::json::Array> ||
      std::is_same_v<B, aio::json::Node> || std::is_same_v<B, aio::json::Writer>;
  template <class B>
    requires is_json_body<B>
  Task<Response> post(std::string url, const B& body, RequestOptions options = RequestOptions()) {
    options.json(body);
    return request("POST", std::move(url), std::move(options));
  }
  template <class B>
    requires is_json_body<B>
  Task<Response> put(std::string url, const B& body, RequestOptions options = RequestOptions()) {
    options.json(body);
    return request("PUT", std::move(url), std::move(options));
  }
  template <class B>
    requires is_json_body<B>
  Task<Response> patch(std::string url, const B& body, RequestOptions options = RequestOptions()) {
    options.json(body);
    return request("PATCH", std::move(url), std::move(options));
  }

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
  using UrlInput = std::variant<std::string, Url>;
  Task<Response> perform(std::string method, UrlInput url, RequestOptions options);
  // Member coroutines below take the request by reference: it lives in the
  // frame of request(), which awaits them.
  Task<Response> send(const Prepared& req, const detail::Target& target, std::string method, bool with_body);
  Task<Pool::Lease> connect(const Prepared& req, const detail::Target& target);
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
  // `given` plus User-Agent, Accept, Accept-Encoding and (with a body)
  // Content-Type where it has none.
  Headers defaults_for(const Headers& given, bool with_body, std::string_view content_type = {}) const;
  static BodyFraming framing_of(const Prepared& req, bool with_body);
  static std::uint64_t body_size(const Prepared& req);
  // The Target for a URL text (resolved against base_url), from the cache
  // of the last few when `params` is empty. Throws InvalidUrl.
  std::shared_ptr<const detail::Target> target_for(const UrlInput& url,
                                                   const std::vector<std::pair<std::string, std::string>>& params);

  // A request head's buffer, from the per-thread buffer cache and back
  // (runtime/detail/buffer_cache.hpp): no allocation once warm.
  struct HeadBuffer {
    HeadBuffer() noexcept;
    ~HeadBuffer();
    HeadBuffer(const HeadBuffer&) = delete;
    HeadBuffer& operator=(const HeadBuffer&) = delete;
    std::string text;
  };

  SessionOptions options_;
  std::optional<Url> base_url_;
  Pool pool_;
  CookieJar jar_;
  DnsCache dns_;
  std::array<std::pair<std::string, std::shared_ptr<const detail::Target>>, 8> targets_;
  std::size_t next_target_ = 0;
  // The session's header lines as every simple request sends them (see
  // Prepared::simple), when default_head_ok_.
  std::string default_head_;
  bool default_head_ok_ = false;
  // TLS: an mbedTLS config per verification mode ([1]: verified), made at
  // the first https:// request that needs it, and the sessions to resume
  // per origin — kept apart, so that a session made without verification is
  // never resumed by a request that verifies.
  std::shared_ptr<const tls::Config> tls_configs_[2];
  tls::SessionCache tls_sessions_[2];
  // Full handshakes in flight, by session-cache key (start_tls: the others
  // to that origin wait for the first and resume its session).
  using HandshakeMap = std::unordered_map<std::string, std::shared_ptr<aio::Event>>;
  HandshakeMap handshakes_;
  struct HandshakeInFlight {
    using Map = HandshakeMap;
    HandshakeInFlight() = default;
    HandshakeInFlight(const HandshakeInFlight&) = delete;
    HandshakeInFlight& operator=(const HandshakeInFlight&) = delete;
    ~HandshakeInFlight();
    void begin(Map& map, const std::string& key);
    Map* map_ = nullptr;
    std::string key_;
    std::shared_ptr<aio::Event> event_;
  };
  static constexpr std::chrono::milliseconds kHandshakeWait{1000};
};

}  // namespace aio::http
