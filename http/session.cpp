#include "session.hpp"

#include <mbedtls/base64.h>

#include <algorithm>
#include <cctype>

#include "../runtime/tcp.hpp"
#include "../tls/config.hpp"
#include "../tls/error.hpp"
#include "../tls/stream.hpp"
#include "../runtime/detail/buffer_cache.hpp"
#include "detail/body_state.hpp"
#include "detail/timed.hpp"
#include "request_writer.hpp"

namespace aio::http {

using detail::Clock;
using detail::Millis;
using detail::Phase;

struct Session::Prepared {
  Headers headers;  // session headers overridden by the request's
  std::optional<std::string> body;
  std::unique_ptr<BodySource> source;  // a body streamed while it is sent
  std::string content_type;
  Timeout timeout;
  Clock::time_point deadline = Clock::time_point::max();
  Millis total{0};
  detail::RequestName context;  // "GET http://...": names the request in errors
  bool follow = true;
  int max_redirects = 10;
  bool raise = false;
  bool verify = true;  // https://: verify the certificate and name
  // No header of its own and no body: the head is the request line, Host
  // and the session's default_head_ (headers stays empty then).
  bool simple = false;
};

namespace {

constexpr std::size_t kRedirectDrainLimit = 64 * 1024;

bool idempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE";
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::string basic_auth(const std::string& user, const std::string& password) {
  std::string plain = user + ":" + password;
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  std::size_t n = 0;
  mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out.data()), out.size(), &n,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size());
  out.resize(n);
  return "Basic " + out;
}

// `origin` lives in the request's Target, which outlives this task.
Task<Pool::Lease> wait_for_slot(Pool& pool, const std::string& origin) { co_return co_await pool.acquire(origin); }

Task<TcpStream> tcp_connect(Address a) { co_return co_await TcpStream::connect(a); }

// The Event is shared: the first handshake's guard may drop its entry first.
Task<void> wait_event(std::shared_ptr<aio::Event> e) { co_await e->wait(); }

[[noreturn]] void throw_parse_failure(const ResponseParser& p, const detail::RequestName& context,
                                      const std::string& peer) {
  std::string what = context + ": " + p.error_detail() + " (" + peer + ")";
  switch (p.error()) {
    case Errc::empty_reply:
    case Errc::server_disconnected:
      throw ServerDisconnectedError(make_error_code(p.error()), what);
    case Errc::truncated_body:
    case Errc::bad_body:
      throw PayloadError(make_error_code(p.error()), what);
    default:
      throw ProtocolError(make_error_code(Errc::malformed_response), what);
  }
}

// The remaining connect budget (pool wait + connect) as a phase limit.
std::optional<Millis> left_until(std::optional<Clock::time_point> t) {
  if (!t) return std::nullopt;
  auto left = std::chrono::duration_cast<Millis>(*t - Clock::now());
  return left.count() < 0 ? Millis(0) : left;
}

}  // namespace

BodyFraming Session::framing_of(const Prepared& req, bool with_body) {
  if (!with_body) return BodyFraming::none;
  if (req.source && !req.source->size()) return BodyFraming::chunked;
  return BodyFraming::sized;
}

std::uint64_t Session::body_size(const Prepared& req) {
  if (req.body) return req.body->size();
  if (req.source) return req.source->size().value_or(0);
  return 0;
}

Session::Session(SessionOptions options)
    : options_(std::move(options)),
      pool_(Pool::Options{options_.limit, options_.limit_per_host, options_.keepalive_timeout}),
      dns_(options_.dns_ttl, options_.dns_cache_size) {
  if (!options_.base_url.empty()) base_url_ = Url::parse(options_.base_url);
  for (auto& [name, value] : options_.cookies) jar_.set(name, value);
  // The header lines every request without headers of its own sends, written
  // once. Not when the session's headers need the per-request path: invalid
  // ones (refused at each request), Host, framing, or secrets that a
  // cross-origin redirect must drop.
  const Headers& h = options_.headers;
  bool ok = !h.contains("Host") && !h.contains("Content-Length") && !h.contains("Transfer-Encoding") &&
            !h.contains("Authorization") && !h.contains("Proxy-Authorization") && !h.contains("Cookie");
  try {
    validate_request("GET", h, BodyFraming::none, 0);
  } catch (const ClientError&) {
    ok = false;
  }
  if (ok) {
    Headers lines = defaults_for(h, false);
    for (const auto& [name, value] : lines) default_head_.append(name).append(": ").append(value).append("\r\n");
    default_head_ok_ = true;
  }
}

Session::~Session() { pool_.close(); }

void Session::HandshakeInFlight::begin(Map& map, const std::string& key) {
  map_ = &map;
  key_ = key;
  event_ = std::make_shared<aio::Event>();
  map.emplace(key, event_);
}

Session::HandshakeInFlight::~HandshakeInFlight() {
  if (!map_) return;
  auto it = map_->find(key_);
  if (it != map_->end() && it->second == event_) map_->erase(it);
  event_->set();
}

Session::HeadBuffer::HeadBuffer() noexcept : text(aio::detail::take_buffer()) {}
Session::HeadBuffer::~HeadBuffer() { aio::detail::give_buffer(text); }

std::shared_ptr<const detail::Target> Session::target_for(
    const UrlInput& in, const std::vector<std::pair<std::string, std::string>>& params) {
  const std::string* text = std::get_if<std::string>(&in);
  auto parse = [&] {
    if (!text) return std::get<Url>(in);
    return base_url_ ? base_url_->resolve(*text) : Url::parse(*text);
  };
  if (!params.empty()) return std::make_shared<const detail::Target>(parse().with_query_params(params));
  for (const auto& [key, target] : targets_) {
    if (!target) continue;
    if (text ? key == *text : (key.empty() && target->url == std::get<Url>(in))) return target;
  }
  auto made = std::make_shared<const detail::Target>(parse());
  auto& slot = targets_[next_target_++ % targets_.size()];
  slot.first = text ? *text : std::string();  // "": keyed by the Url itself
  slot.second = made;
  return made;
}

Task<void> Session::close() {
  pool_.close();
  co_return;
}

Task<Response> Session::get(std::string url, RequestOptions o) { return request("GET", std::move(url), std::move(o)); }
Task<Response> Session::post(std::string url, RequestOptions o) { return request("POST", std::move(url), std::move(o)); }
Task<Response> Session::put(std::string url, RequestOptions o) { return request("PUT", std::move(url), std::move(o)); }
Task<Response> Session::patch(std::string url, RequestOptions o) { return request("PATCH", std::move(url), std::move(o)); }
Task<Response> Session::delete_(std::string url, RequestOptions o) { return request("DELETE", std::move(url), std::move(o)); }
Task<Response> Session::head(std::string url, RequestOptions o) { return request("HEAD", std::move(url), std::move(o)); }
Task<Response> Session::options(std::string url, RequestOptions o) { return request("OPTIONS", std::move(url), std::move(o)); }

Headers Session::defaults_for(const Headers& given, bool with_body, std::string_view content_type) const {
  Headers h = given;
  if (!h.contains("User-Agent")) h.add("User-Agent", "aiocpp/0.1");
  if (!h.contains("Accept")) h.add("Accept", "*/*");
  if (options_.auto_decompress && !h.contains("Accept-Encoding")) h.add("Accept-Encoding", "gzip, deflate");
  if (with_body && !h.contains("Content-Type")) h.add("Content-Type", content_type);
  return h;
}

Headers Session::headers_for(const Prepared& req, const Url& url, bool with_body) const {
  // Copies reuse recycled buffers (headers.hpp): no allocation in a steady loop.
  Headers h = defaults_for(req.simple ? options_.headers : req.headers, with_body, req.content_type);
  if (url.has_credentials() && !h.contains("Authorization"))
    h.add("Authorization", basic_auth(url.username(), url.password()));
  std::string cookies = jar_.header_for(url.host(), url.path(), url.is_https());
  if (!cookies.empty()) {
    if (auto own = h.get("Cookie"))
      h.set("Cookie", std::string(*own) + "; " + cookies);
    else
      h.add("Cookie", std::move(cookies));
  }
  return h;
}

Task<Response> Session::perform(std::string method, UrlInput url_in, RequestOptions opts) {
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (pool_.closed()) {
    const auto* text = std::get_if<std::string>(&url_in);
    throw ClientError(make_error_code(Errc::session_closed),
                      method + " " + (text ? *text : std::get<Url>(url_in).redacted()) + ": the session is closed");
  }

  std::shared_ptr<const detail::Target> target = target_for(url_in, opts.params_);
  if (!target->url.is_http())
    throw InvalidUrl(make_error_code(Errc::invalid_url),
                     method + " " + target->redacted + ": unsupported scheme '" + target->url.scheme() + "'");

  Prepared req;
  req.body = std::move(opts.body_);
  req.content_type = std::move(opts.content_type_);
  if (opts.source_) req.source = opts.source_(req.content_type);
  req.timeout = opts.timeout_ ? *opts.timeout_ : options_.timeout;
  if (req.timeout.total) {
    req.total = *req.timeout.total;
    req.deadline = Clock::now() + *req.timeout.total;
  }
  req.follow = opts.follow_.value_or(options_.follow_redirects);
  req.max_redirects = opts.max_redirects_.value_or(options_.max_redirects);
  req.raise = opts.raise_.value_or(options_.raise_for_status);
  req.verify = opts.verify_.value_or(options_.tls.verify);
  bool with_body = req.body.has_value() || req.source != nullptr;
  req.simple = default_head_ok_ && opts.headers_.empty() && !with_body && !method_expects_body(method);
  if (!req.simple) {
    req.headers = options_.headers;
    for (const auto& [name, value] : opts.headers_) req.headers.set(name, value);
  }
  // REQ-INJ: refuse before anything is sent (the simple head's lines were
  // checked when the session was made).
  std::string refused;
  try {
    validate_request(method, req.headers, framing_of(req, with_body), body_size(req));
  } catch (const ClientError& e) {
    refused = e.what();
  }
  if (!refused.empty())
    throw ClientError(make_error_code(Errc::invalid_argument), method + " " + target->redacted + ": " + refused);

  std::vector<Response> history;
  for (int redirects = 0;;) {
    const Url& url = target->url;
    req.context.method = method;
    req.context.target = target;
    Response resp = co_await send(req, *target, method, with_body);
    resp.headers().for_each("Set-Cookie", [&](std::string_view sc) { jar_.store(url.host(), url.path(), url.is_https(), sc); });

    auto location = resp.headers().get("Location");
    if (!req.follow || !is_redirect(resp.status()) || !location) {
      resp.history_ = std::move(history);
      if (req.raise) resp.raise_for_status();
      co_return resp;
    }
    if (++redirects > req.max_redirects)
      throw TooManyRedirects(make_error_code(Errc::too_many_redirects),
                             req.context + ": more than " + std::to_string(req.max_redirects) + " redirects");
    Url next = url.resolve(*location);
    if (!next.is_http())
      throw InvalidUrl(make_error_code(Errc::invalid_url),
                       req.context + ": redirect to unsupported URL '" + next.redacted() + "'");
    int status = resp.status();
    bool to_get = (status == 303 && method != "HEAD") || ((status == 301 || status == 302) && method == "POST");
    if (to_get) {
      method = "GET";
      with_body = false;
      req.body.reset();
      req.source.reset();
      req.headers.remove("Content-Type");
      req.headers.remove("Content-Length");
      req.headers.remove("Transfer-Encoding");
    } else if (with_body && req.source && !req.source->replayable()) {
      throw ClientError(make_error_code(Errc::body_not_replayable),
                        req.context + ": cannot follow a " + std::to_string(status) +
                            " redirect: a streamed body cannot be sent again");
    }
    if (!same_origin(url, next)) {
      // REQ-REDIR: secrets stay with the origin they were meant for.
      req.headers.remove("Authorization");
      req.headers.remove("Proxy-Authorization");
      req.headers.remove("Cookie");
      next = next.without_credentials();
    }
    co_await resp.discard(kRedirectDrainLimit);
    history.push_back(std::move(resp));
    target = std::make_shared<const detail::Target>(std::move(next));
  }
}

Task<std::unique_ptr<ByteStream>> Session::open_transport(const Prepared& req, const Url& url,
                                                         std::optional<Clock::time_point> connect_deadline) {
  std::string host_port = url.host_header();  // a new connection: not the hot path
  std::vector<Address> addresses;
  std::string resolve_error;
  try {
    addresses = co_await detail::timed(dns_.resolve(url.host(), url.port()), req.deadline,
                                       left_until(connect_deadline),
                                       Phase{Errc::connect_timeout, "resolving"}, req.total, req.context, host_port);
  } catch (const aio::IoError& e) {
    resolve_error = e.code().message();
  }
  if (!resolve_error.empty())
    throw ConnectorError(make_error_code(Errc::resolve_failed),
                         req.context + ": cannot resolve host '" + url.host() + "': " + resolve_error);
  std::string last_error;
  std::string last_peer;
  TcpStream tcp;
  for (const Address& a : addresses) {
    last_peer = a.to_string();
    auto limit = left_until(connect_deadline);
    if (req.timeout.sock_connect && (!limit || *req.timeout.sock_connect < *limit)) limit = req.timeout.sock_connect;
    try {
      TcpStream s = co_await detail::timed(tcp_connect(a), req.deadline, limit,
                                           Phase{Errc::connect_timeout, "connecting to"}, req.total, req.context,
                                           last_peer);
      if (!url.is_https()) co_return std::make_unique<TcpByteStream>(std::move(s));
      tcp = std::move(s);
      break;
    } catch (const aio::IoError& e) {
      last_error = e.code().message();
    }
  }
  if (!tcp.is_open())
    throw ConnectorError(make_error_code(Errc::connect_failed),
                         req.context + ": cannot connect to " + last_peer + ": " + last_error);
  co_return co_await start_tls(req, url, std::move(tcp), connect_deadline, last_peer);
}

Task<std::unique_ptr<ByteStream>> Session::start_tls(
    const Prepared& req, const Url& url, TcpStream tcp,
    std::optional<Clock::time_point> connect_deadline, std::string peer) {
  std::string failure;
  bool certificate = false;
  try {
    std::shared_ptr<const tls::Config>& config = tls_configs_[req.verify ? 1 : 0];
    if (!config) {
      tls::ClientOptions o = options_.tls;
      o.verify = req.verify;
      config = tls::Config::client(o);
    }
    // Coalescing: while a full handshake to this origin is in flight, a
    // second connection waits for it and resumes its session instead of
    // doing a full handshake of its own: 64 connections opened at once cost
    // one full handshake, not 64. The wait is kHandshakeWait at most, and
    // never beyond the request's connect or total deadline.
    tls::SessionCache& cache = tls_sessions_[req.verify ? 1 : 0];
    std::string key = tls::SessionCache::key(url.host(), url.port(), *config);
    HandshakeInFlight first;  // set for the first: wakes the others when done
    if (!cache.find(key)) {
      auto in_flight = handshakes_.find(key);
      if (in_flight == handshakes_.end()) {
        first.begin(handshakes_, key);
      } else {
        Millis wait = kHandshakeWait;
        detail::Limit budget = detail::limit_now(req.deadline, left_until(connect_deadline));
        if (budget.ms && *budget.ms < wait) wait = *budget.ms;
        try {
          if (wait.count() > 0) co_await aio::with_timeout(wait, wait_event(in_flight->second));
        } catch (const aio::TimeoutError&) {
          // The first is slow: go on with a handshake of our own.
        }
      }
    }
    // The handshake's limit: what is left of the connect budget, or the
    // TLS options' own handshake timeout when it is shorter.
    auto limit = left_until(connect_deadline);
    if (options_.tls.handshake_timeout && (!limit || *options_.tls.handshake_timeout < *limit))
      limit = options_.tls.handshake_timeout;
    std::unique_ptr<tls::TlsStream> s = co_await detail::timed(
        tls::connect(std::move(tcp), config, url.host(), url.port(), &cache),
        req.deadline, limit, Phase{Errc::tls_handshake_timeout, "in the TLS handshake with"},
        req.total, req.context, peer);
    co_return std::unique_ptr<ByteStream>(std::move(s));
  } catch (const tls::CertificateError& e) {
    failure = e.what();
    certificate = true;
  } catch (const tls::TlsError& e) {
    failure = e.what();
  }
  std::string what = req.context + ": " + failure + " (" + peer + ")";
  if (certificate) throw CertificateError(make_error_code(Errc::certificate_invalid), what);
  throw TlsError(make_error_code(Errc::tls_failed), what);
}

Task<Pool::Lease> Session::connect(const Prepared& req, const detail::Target& target) {
  const Url& url = target.url;
  std::optional<Clock::time_point> connect_deadline;
  if (req.timeout.connect) connect_deadline = Clock::now() + *req.timeout.connect;
  // Connections opened without verification are never lent to a request
  // that verifies.
  std::string unverified;
  if (!req.verify) unverified = target.origin + " (unverified)";
  const std::string& origin = req.verify ? target.origin : unverified;
  Pool::Lease lease = co_await detail::timed(wait_for_slot(pool_, origin), req.deadline, left_until(connect_deadline),
                                             Phase{Errc::connect_timeout, "waiting for a connection to"}, req.total,
                                             req.context, target.host_header);
  if (lease.connection() == nullptr) {
    std::unique_ptr<ByteStream> t = co_await open_transport(req, url, connect_deadline);
    lease.set_connection(std::make_unique<Connection>(std::move(t), options_.limits));
  }
  co_return lease;
}

Task<void> Session::write_request(const Prepared& req, Connection& c, const std::string& head, bool with_body,
                                  const std::string& peer) {
  Phase phase{Errc::write_timeout, "sending the request to"};
  std::optional<Millis> each = req.timeout.sock_write;
  if (with_body && req.body) {
    uv_buf_t bufs[2] = {uv_buf_init(const_cast<char*>(head.data()), static_cast<unsigned>(head.size())),
                        uv_buf_init(const_cast<char*>(req.body->data()), static_cast<unsigned>(req.body->size()))};
    co_await detail::timed(c.transport->write(bufs), req.deadline, each, phase, req.total, req.context, peer);
    co_return;
  }
  uv_buf_t head_buf[1] = {uv_buf_init(const_cast<char*>(head.data()), static_cast<unsigned>(head.size()))};
  co_await detail::timed(c.transport->write(head_buf), req.deadline, each, phase, req.total, req.context, peer);
  if (!with_body || !req.source) co_return;
  // Back-pressure: the next piece is read once the previous one is written.
  BodySource& source = *req.source;
  source.rewind();
  bool chunked = !source.size();
  for (;;) {
    std::span<const char> piece = co_await source.next();
    if (piece.empty()) break;
    char* bytes = const_cast<char*>(piece.data());
    if (!chunked) {
      uv_buf_t one[1] = {uv_buf_init(bytes, static_cast<unsigned>(piece.size()))};
      co_await detail::timed(c.transport->write(one), req.deadline, each, phase, req.total, req.context, peer);
      continue;
    }
    std::string size_line = chunk_header(piece.size());
    uv_buf_t bufs[3] = {uv_buf_init(size_line.data(), static_cast<unsigned>(size_line.size())),
                        uv_buf_init(bytes, static_cast<unsigned>(piece.size())),
                        uv_buf_init(const_cast<char*>(kChunkEnd.data()), static_cast<unsigned>(kChunkEnd.size()))};
    co_await detail::timed(c.transport->write(bufs), req.deadline, each, phase, req.total, req.context, peer);
  }
  if (!chunked) co_return;
  uv_buf_t last[1] = {uv_buf_init(const_cast<char*>(kLastChunk.data()), static_cast<unsigned>(kLastChunk.size()))};
  co_await detail::timed(c.transport->write(last), req.deadline, each, phase, req.total, req.context, peer);
}

Task<void> Session::read_head(const Prepared& req, Connection& c, const std::string& peer) {
  std::string no_body;
  for (;;) {
    std::span<const char> buf = c.transport->buffered();
    if (!buf.empty()) {
      std::size_t n = c.parser.feed(std::string_view(buf.data(), buf.size()), &no_body);
      c.transport->consume(n);
      if (c.parser.state() == ResponseParser::State::failed) throw_parse_failure(c.parser, req.context, peer);
      if (c.parser.head_complete()) co_return;
      if (n > 0) continue;
    }
    std::span<const char> got =
        co_await detail::timed(c.transport->read(), req.deadline, req.timeout.sock_read,
                               Phase{Errc::read_timeout, "reading the response from"}, req.total, req.context, peer);
    if (got.empty()) {
      c.parser.finish();
      throw_parse_failure(c.parser, req.context, peer);
    }
  }
}

Task<Response> Session::send(const Prepared& req, const detail::Target& target, std::string method,
                             bool with_body) {
  const Url& url = target.url;
  HeadBuffer buffer;
  std::string& head = buffer.text;
  std::string cookies;
  if (req.simple && jar_.size() != 0) cookies = jar_.header_for(url.host(), url.path(), url.is_https());
  if (req.simple && cookies.empty() && !url.has_credentials()) {
    // The same bytes write_request_head writes for these headers.
    head.append(method).append(" ").append(target.request_target).append(" HTTP/1.1\r\nHost: ");
    head.append(target.host_header).append("\r\n").append(default_head_).append("\r\n");
  } else {
    Headers headers = headers_for(req, url, with_body);
    write_request_head(head, method, target.request_target, target.host_header, headers,
                       framing_of(req, with_body), body_size(req));
  }
  bool may_retry = idempotent(method) && (!req.source || req.source->replayable());

  for (int attempt = 0;; ++attempt) {
    Pool::Lease lease = co_await connect(req, target);
    Connection& c = *lease.connection();
    bool reused = c.requests > 0;
    const std::string peer = c.peer;
    c.parser.reset(method == "HEAD");

    std::exception_ptr failure;
    bool before_response = false;
    bool writing = true;
    try {
      co_await write_request(req, c, head, with_body, peer);
      writing = false;
      co_await read_head(req, c, peer);
    } catch (const aio::IoError& e) {
      before_response = !c.parser.started();
      Errc code = writing ? Errc::send_failed : Errc::receive_failed;
      std::string what = req.context + ": " + (writing ? "failure sending the request to " : "failure receiving the response from ") +
                         peer + ": " + e.code().message();
      failure = std::make_exception_ptr(ServerDisconnectedError(make_error_code(code), what));
    } catch (const ServerDisconnectedError&) {
      before_response = !c.parser.started();
      failure = std::current_exception();
    }
    if (failure) {
      lease.release(false);
      // HOSTILE.md: one transparent retry, only for a stale reused connection
      // that gave no response byte, an idempotent method and a replayable body.
      if (before_response && reused && may_retry && attempt == 0) continue;
      std::rethrow_exception(failure);
    }

    Response resp;
    resp.status_ = c.parser.status();
    resp.reason_ = c.parser.reason();
    resp.version_minor_ = c.parser.version_minor();
    resp.headers_ = c.parser.take_headers();
    resp.target_ = req.context.target;
    resp.method_ = method;
    if (options_.keep_request_head) resp.request_head_ = head;
    auto body = std::make_unique<detail::BodyState>();
    body->deadline = req.deadline;
    body->sock_read = req.timeout.sock_read;
    body->total = req.total;
    body->max_body = options_.max_body_size;
    body->context = req.context;
    body->peer = peer;
    if (options_.auto_decompress)
      resp.headers_.for_each("Content-Encoding", [&](std::string_view coding) {
        body->encoding.append(body->encoding.empty() ? "" : ", ").append(coding);
      });
    body->lease = std::move(lease);
    resp.body_ = std::move(body);
    if (c.parser.state() == ResponseParser::State::done) resp.finish_body();
    co_return resp;
  }
}

}  // namespace aio::http
