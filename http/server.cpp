#include "server.hpp"

#include <cassert>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <optional>
#include <stdexcept>

#include "../runtime/error.hpp"
#include "../runtime/sleep.hpp"
#include "../runtime/timeout.hpp"
#include "../tls/engine.hpp"
#include "../tls/stream.hpp"
#include "../runtime/stream.hpp"
#include "../runtime/timeout.hpp"
#include "request_parser.hpp"

namespace aio::http {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// --- ServerResponse ---

ServerResponse ServerResponse::text(int status, std::string body) {
  return bytes(status, std::move(body), "text/plain; charset=utf-8");
}

ServerResponse ServerResponse::json(int status, std::string body) {
  return bytes(status, std::move(body), "application/json");
}

ServerResponse ServerResponse::bytes(int status, std::string body, std::string content_type) {
  ServerResponse r;
  r.status = status;
  r.headers.add("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

ServerResponse ServerResponse::empty(int status) {
  ServerResponse r;
  r.status = status;
  return r;
}

ServerResponse ServerResponse::redirect(int status, std::string location) {
  ServerResponse r;
  r.status = status;
  r.headers.add("Location", std::move(location));
  return r;
}

ServerResponse ServerResponse::streamed(int status, BodyGenerator next, std::string content_type) {
  ServerResponse r;
  r.status = status;
  r.headers.add("Content-Type", std::move(content_type));
  r.stream = std::move(next);
  return r;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a teapot";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

// --- helpers ---

namespace {

void append_number(std::string& out, std::uint64_t n, int base = 10) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n, base);
  out.append(buf, r.ptr);
}

// IMF-fixdate, formatted once per second.
void append_date(std::string& out) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached = -1;
  thread_local char text[48];
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    std::tm g{};
    gmtime_r(&now, &g);
    std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[g.tm_wday % 7],
                  g.tm_mday, kMonths[g.tm_mon % 12], g.tm_year + 1900, g.tm_hour, g.tm_min,
                  g.tm_sec);
    cached = now;
  }
  out.append(text);
}

milliseconds remaining(Clock::time_point deadline) {
  auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
  return left < milliseconds(1) ? milliseconds(1) : left;
}

uv_buf_t buf_of(std::string_view s) {
  return uv_buf_init(const_cast<char*>(s.data()), static_cast<unsigned>(s.size()));
}

// Splits a request target into path and query. Origin-form ("/p?q"),
// absolute-form ("http://host/p?q") and "*" are accepted; authority-form
// (CONNECT's "host:port") is not served.
bool split_target(std::string_view t, std::string* path, std::string* query) {
  if (t == "*") {
    *path = "*";
    return true;
  }
  if (t.empty()) return false;
  if (t.front() != '/') {
    std::size_t scheme = t.find("://");
    if (scheme == std::string_view::npos) return false;
    std::string_view s = t.substr(0, scheme);
    if (!iequals(s, "http") && !iequals(s, "https")) return false;
    t.remove_prefix(scheme + 3);
    std::size_t rest = t.find_first_of("/?#");
    t = rest == std::string_view::npos ? std::string_view() : t.substr(rest);
  }
  std::size_t hash = t.find('#');
  if (hash != std::string_view::npos) t = t.substr(0, hash);
  std::size_t q = t.find('?');
  std::string_view p = t.substr(0, q);
  *path = p.empty() ? "/" : std::string(p);
  *query = q == std::string_view::npos ? std::string() : std::string(t.substr(q + 1));
  return true;
}

// A token list field value ("keep-alive, close") contains `token`.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool valid_response(const ServerResponse& r) {
  if (r.status < 200 || r.status > 999) return false;
  for (const auto& [name, value] : r.headers)
    if (!is_token(name) || !is_valid_field_value(value)) return false;
  return true;
}

Task<void> shutdown_stream(TcpStream* s) { co_await s->shutdown(); }

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view kLastChunk = "0\r\n\r\n";
constexpr std::string_view kCrlf = "\r\n";
// Requests answered from already-buffered bytes before the connection lets
// the others run (a client pipelining without pause must not starve them).
constexpr int kPipelineBurst = 16;

}  // namespace

// --- Server ---

struct Server::Connection {
  explicit Connection(RequestLimits limits) : parser(limits) {}
  std::unique_ptr<ByteStream> transport;
  RequestParser parser;
  Address peer;
  std::list<Connection>::iterator self;
  bool idle = true;  // waiting for a request's first byte, or lingering: close() may cut it
  std::string head;  // the response head being written (capacity reused)
};

struct Server::Exchange {
  ServerRequest request;
  ServerResponse response;
  bool head_only = false;
  bool keep_alive = true;
  bool aborted = false;  // the connection was cut mid-response
};

Server::Server() : Server(Options()) {}

Server::Server(Options options) : options_(options) {}

Server::~Server() {
  assert(!serving_ &&
         "aio::http::Server destroyed while serve() runs: close() it and await serve() first");
}

void Server::route(std::string method, std::string path, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(path), false,
                          std::make_shared<const Handler>(std::move(handler))});
}

void Server::route_prefix(std::string method, std::string prefix, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(prefix), true,
                          std::make_shared<const Handler>(std::move(handler))});
}

void Server::listen(const Address& addr, int backlog) {
  listener_ = std::make_unique<TcpListener>(addr, backlog);
  closing_ = false;
}

Address Server::local_address() const { return listener_ ? listener_->local_address() : Address(); }

void Server::close() {
  closing_ = true;
  if (listener_) listener_->close();
  for (Connection& c : connections_)
    if (c.idle) c.transport->close();  // its task wakes with an error and ends
}

Task<void> Server::serve() {
  if (!listener_) throw std::logic_error("aio::http::Server::serve: listen() first");
  assert(!serving_ && "serve() runs once at a time");
  serving_ = true;
  std::exception_ptr failure;
  try {
    co_await accept_loop();
  } catch (...) {
    failure = std::current_exception();  // cancelled
  }
  close();
  try {
    co_await scope_.join();
  } catch (...) {
    if (!failure) failure = std::current_exception();
  }
  serving_ = false;
  if (failure) std::rethrow_exception(failure);
}

Task<void> Server::accept_loop() {
  RequestLimits limits;
  limits.max_head_bytes = options_.max_head_bytes;
  limits.max_header_count = options_.max_header_count;
  limits.max_body_bytes = options_.max_body_bytes;
  while (!closing_) {
    TcpStream stream;
    bool failed = false;
    try {
      stream = co_await listener_->accept();
    } catch (const IoError&) {
      failed = true;
    }
    if (closing_) break;
    if (failed) {
      // EMFILE and the like: back off rather than spin on the error.
      co_await aio::sleep(milliseconds(10));
      continue;
    }
    connections_.emplace_back(limits);
    Connection& c = connections_.back();
    c.self = std::prev(connections_.end());
    c.peer = stream.peer_address();
    if (options_.tls)
      c.transport = std::make_unique<tls::TlsStream>(std::move(stream), tls::Engine::server(options_.tls));
    else
      c.transport = std::make_unique<TcpByteStream>(std::move(stream));
    scope_.spawn(run_connection(&c));
  }
}

Task<void> Server::run_connection(Connection* c) {
  try {
    if (options_.tls) co_await aio::with_timeout(options_.read_timeout, static_cast<tls::TlsStream&>(*c->transport).handshake());
    co_await serve_connection(c);
  } catch (...) {
    // A reset, a timeout, close() or cancellation: the connection is done.
  }
  c->transport->close();
  connections_.erase(c->self);
}

Task<void> Server::serve_connection(Connection* c) {
  ByteStream& t = *c->transport;
  RequestParser& parser = c->parser;
  bool first = true;
  int burst = 0;
  auto head_deadline = Clock::now() + options_.read_timeout;
  for (;;) {
    if (!first)
      head_deadline = Clock::now() + options_.read_timeout;  // a pipelined head already began
    parser.reset();
    Exchange x;
    x.request.peer = c->peer;
    bool waited = false;

    // The head: the first byte within keepalive_timeout (read_timeout for a
    // new connection), the rest within read_timeout of the first.
    while (parser.state() == RequestParser::State::head) {
      std::span<const char> data = t.buffered();
      if (data.empty()) {
        bool idle = !parser.started();
        if (idle && closing_) co_return;
        milliseconds limit = idle && !first ? options_.keepalive_timeout : remaining(head_deadline);
        c->idle = idle;
        data = co_await aio::with_timeout(limit, t.read());
        c->idle = false;
        waited = true;
        if (data.empty()) {
          if (!parser.started()) co_return;  // a clean close between requests
          parser.finish();
          break;
        }
        if (idle) head_deadline = Clock::now() + options_.read_timeout;
      }
      t.consume(parser.feed(std::string_view(data.data(), data.size()), &x.request.body));
    }
    if (parser.state() == RequestParser::State::failed) {
      co_await write_error(c, parser.error_status(), parser.error_detail());
      co_return;
    }

    ServerRequest& req = x.request;
    req.method = parser.method();
    req.target = parser.target();
    req.version_minor = parser.version_minor();
    req.headers = parser.take_headers();
    if (!split_target(req.target, &req.path, &req.query)) {
      co_await write_error(c, 400, "unsupported request target");
      co_return;
    }
    if (req.version_minor >= 1 && req.headers.count("Host") != 1) {
      co_await write_error(c, 400, "an HTTP/1.1 request needs exactly one Host field");
      co_return;
    }
    if (!parser.expect().empty()) {
      if (parser.expect() != "100-continue") {
        co_await write_error(c, 417, "unsupported expectation");
        co_return;
      }
      // The client waits for this before it sends the body (unless it
      // already started to).
      if (parser.state() == RequestParser::State::body && req.version_minor >= 1 &&
          t.buffered().empty()) {
        uv_buf_t cont = buf_of(kContinue);
        co_await write_within(c, std::span<const uv_buf_t>(&cont, 1));
      }
    }

    // The body: each read within read_timeout of the previous one.
    while (parser.state() == RequestParser::State::body) {
      std::span<const char> data = t.buffered();
      if (data.empty()) {
        data = co_await aio::with_timeout(options_.read_timeout, t.read());
        waited = true;
        if (data.empty()) {
          parser.finish();
          break;
        }
      }
      t.consume(parser.feed(std::string_view(data.data(), data.size()), &req.body));
    }
    if (parser.state() == RequestParser::State::failed) {
      co_await write_error(c, parser.error_status(), parser.error_detail());
      co_return;
    }

    x.head_only = req.method == "HEAD";
    x.keep_alive = parser.keep_alive();
    int status = 0;
    std::string allow;
    std::shared_ptr<const Handler> handler = find_route(req, &status, &allow);
    if (handler) {
      bool failed = false;
      try {
        x.response = co_await (*handler)(req);
      } catch (const CancelledError&) {
        throw;
      } catch (...) {
        failed = true;
      }
      if (failed) x.response = ServerResponse::text(500, "Internal Server Error\n");
    } else {
      std::string text = std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n";
      x.response = ServerResponse::text(status, std::move(text));
      if (status == 405) x.response.headers.add("Allow", std::move(allow));
    }
    if (closing_) x.keep_alive = false;
    co_await respond(c, &x);
    ++requests_served_;
    if (x.aborted) co_return;
    if (!x.keep_alive) {
      co_await linger(c);
      co_return;
    }
    first = false;
    if (waited) {
      burst = 0;
    } else if (++burst >= kPipelineBurst) {
      burst = 0;
      co_await aio::yield();
    }
  }
}

std::shared_ptr<const Handler> Server::find_route(ServerRequest& req, int* status,
                                                  std::string* allow) const {
  auto method_ok = [&req](const Route& r) {
    return r.method == "*" || r.method == req.method || (req.method == "HEAD" && r.method == "GET");
  };
  auto path_ok = [&req](const Route& r) {
    return r.prefix ? req.path.compare(0, r.path.size(), r.path) == 0 : req.path == r.path;
  };
  const Route* best = nullptr;
  for (const Route& r : routes_) {
    if (!path_ok(r) || !method_ok(r)) continue;
    if (!r.prefix) {
      best = &r;
      break;
    }
    if (best == nullptr || r.path.size() > best->path.size()) best = &r;
  }
  if (best != nullptr) {
    req.tail = best->prefix ? req.path.substr(best->path.size()) : std::string();
    return best->handler;
  }
  // 405 when some route has the path, with the methods it has in Allow.
  std::vector<std::string_view> methods;
  for (const Route& r : routes_) {
    if (!path_ok(r)) continue;
    auto add = [&methods](std::string_view m) {
      for (std::string_view have : methods)
        if (have == m) return;
      methods.push_back(m);
    };
    add(r.method);
    if (r.method == "GET") add("HEAD");
  }
  *status = methods.empty() ? 404 : 405;
  allow->clear();
  for (std::string_view m : methods) {
    if (!allow->empty()) allow->append(", ");
    allow->append(m);
  }
  return nullptr;
}

Task<void> Server::respond(Connection* c, Exchange* x) {
  if (!valid_response(x->response))
    x->response = ServerResponse::text(500, "Internal Server Error\n");
  ServerResponse& r = x->response;
  for (std::string_view v : r.headers.get_all("Connection"))
    if (has_token(v, "close")) x->keep_alive = false;
  r.headers.remove("Connection");
  r.headers.remove("Content-Length");
  r.headers.remove("Transfer-Encoding");
  const int minor = x->request.version_minor;
  const bool no_body = r.status == 204 || r.status == 304;
  const bool streaming = static_cast<bool>(r.stream) && !no_body;
  // HTTP/1.0 has no chunked framing: the body then ends with the connection.
  const bool chunked = streaming && minor >= 1;
  if (streaming && !chunked) x->keep_alive = false;

  std::string& head = c->head;
  head.clear();
  head.append("HTTP/1.1 ");
  append_number(head, static_cast<std::uint64_t>(r.status));
  head.append(" ").append(reason_phrase(r.status)).append("\r\n");
  if (!r.headers.contains("Server")) head.append("Server: aiocpp\r\n");
  if (!r.headers.contains("Date")) {
    head.append("Date: ");
    append_date(head);
    head.append("\r\n");
  }
  for (const auto& [name, value] : r.headers)
    head.append(name).append(": ").append(value).append("\r\n");
  if (chunked) {
    head.append("Transfer-Encoding: chunked\r\n");
  } else if (!streaming && r.status != 204 && r.status != 304) {
    head.append("Content-Length: ");
    append_number(head, r.body.size());
    head.append("\r\n");
  }
  if (!x->keep_alive)
    head.append("Connection: close\r\n");
  else if (minor == 0)
    head.append("Connection: keep-alive\r\n");
  head.append("\r\n");

  uv_buf_t bufs[4];
  if (x->head_only || no_body || !streaming) {
    bufs[0] = buf_of(head);
    unsigned n = 1;
    if (!x->head_only && !no_body && !r.body.empty()) bufs[n++] = buf_of(r.body);
    co_await write_within(c, std::span<const uv_buf_t>(bufs, n));
    co_return;
  }

  // Streamed: the head goes out with the first chunk.
  bool head_sent = false;
  char size_line[24];
  for (;;) {
    std::optional<std::string> piece;
    bool failed = false;
    try {
      piece = co_await r.stream();
    } catch (const CancelledError&) {
      throw;
    } catch (...) {
      failed = true;
    }
    if (failed) {
      // Nothing sent yet: a 500 can still replace it. Otherwise the body is
      // cut short, which the client sees as a truncated message.
      x->keep_alive = false;
      if (!head_sent) {
        x->response = ServerResponse::text(500, "Internal Server Error\n");
        co_await respond(c, x);
        co_return;
      }
      x->aborted = true;
      c->transport->close();
      co_return;
    }
    unsigned n = 0;
    if (!head_sent) bufs[n++] = buf_of(head);
    if (!piece) {
      if (chunked) bufs[n++] = buf_of(kLastChunk);
      if (n > 0) co_await write_within(c, std::span<const uv_buf_t>(bufs, n));
      co_return;
    }
    if (piece->empty()) continue;  // an empty chunk would end the body
    if (chunked) {
      auto end = std::to_chars(size_line, size_line + sizeof size_line - 2, piece->size(), 16).ptr;
      *end++ = '\r';
      *end++ = '\n';
      bufs[n++] = buf_of(std::string_view(size_line, static_cast<std::size_t>(end - size_line)));
    }
    bufs[n++] = buf_of(*piece);
    if (chunked) bufs[n++] = buf_of(kCrlf);
    co_await write_within(c, std::span<const uv_buf_t>(bufs, n));
    head_sent = true;
  }
}

Task<void> Server::write_error(Connection* c, int status, std::string detail) {
  std::string body = std::to_string(status) + " " + std::string(reason_phrase(status));
  if (!detail.empty()) body.append(": ").append(detail);
  body.append("\n");
  std::string& head = c->head;
  head.clear();
  head.append("HTTP/1.1 ");
  append_number(head, static_cast<std::uint64_t>(status));
  head.append(" ").append(reason_phrase(status)).append("\r\nServer: aiocpp\r\nDate: ");
  append_date(head);
  head.append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
  append_number(head, body.size());
  head.append("\r\nConnection: close\r\n\r\n");
  uv_buf_t bufs[2] = {buf_of(head), buf_of(body)};
  co_await write_within(c, std::span<const uv_buf_t>(bufs, 2));
  co_await linger(c);
}

// Closing a socket with unread input makes the kernel send a reset, which
// can destroy the response before the client read it. So: send FIN, then
// read and drop what the client still sends, for a while, until it closes.
Task<void> Server::linger(Connection* c) {
  ByteStream& t = *c->transport;
  if (!t.is_open() || closing_) co_return;
  c->idle = true;  // close() may cut this short
  if (auto* tcp = dynamic_cast<TcpByteStream*>(&t))
    co_await aio::with_timeout(options_.linger_timeout, shutdown_stream(&tcp->stream()));
  auto deadline = Clock::now() + options_.linger_timeout;
  for (;;) {
    t.consume(t.buffered().size());
    std::span<const char> data = co_await aio::with_timeout(remaining(deadline), t.read());
    if (data.empty()) break;
  }
}

Task<void> Server::write_within(Connection* c, std::span<const uv_buf_t> bufs) {
  co_await aio::with_timeout(options_.write_timeout, c->transport->write(bufs));
}

}  // namespace aio::http
