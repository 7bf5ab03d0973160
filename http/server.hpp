// aio::http::Server: a small embedded HTTP/1.1 server (the `aiocpp serve`
// and `aiocpp demo` commands, the benchmarks' peer, the tests' origin).
//
//   aio::http::Server server;
//   server.route("GET", "/hello", hello);          // Task<ServerResponse>(ServerRequest&)
//   server.listen(aio::Address::parse("127.0.0.1", 0).value());
//   aio::Scope scope;
//   scope.spawn(server.serve());
//   ...
//   server.close();                                 // from any task on the loop
//   co_await scope.join();                          // serve() has returned
//
// Connections. Each accepted connection is served by its own task, owned by
// the server; it reads one request at a time (pipelined requests are parsed
// from what is already buffered and answered in order), runs the handler,
// writes the response with one gathered write, and keeps the connection for
// the next request unless the request, the response or the server says
// otherwise (HTTP/1.1 keep-alive by default; HTTP/1.0 only with
// `Connection: keep-alive`). `Expect: 100-continue` is answered before the
// body is read. HEAD is answered by the GET route, without the body.
//
// Refusals. A request the parser refuses (RequestParser: 400, 413, 431, 501,
// 505), an HTTP/1.1 request without exactly one Host (400), an unsupported
// Expect (417), an unknown path (404) or a method the path has no route for
// (405, with Allow) gets a small text response. Every refusal of the first
// kinds closes the connection; 404 and 405 keep it. A handler that throws
// gets a 500 (and nothing is logged). The server itself never throws out of a
// connection: a connection that fails is closed and forgotten.
//
// Timeouts (Options): an idle keep-alive connection is closed after
// keepalive_timeout; a request head must arrive within read_timeout of its
// first byte (of the accept, for a connection's first request); each read of
// a request body within read_timeout of the previous one; each response
// write within write_timeout.
//
// Closing. close() stops accepting, closes idle connections at once, and
// lets busy ones finish their current response (sent with
// `Connection: close`); serve() returns when every connection task has
// ended. Cancelling the task that awaits serve() is the hard stop: every
// connection task is cancelled, and serve() throws CancelledError after they
// have unwound.
//
// Threads and lifetimes. A Server belongs to the loop thread it listens on.
// It must outlive the task running serve(); serve() runs once per Server.
// Routes are added before serve() starts.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../runtime/address.hpp"
#include "../tls/config.hpp"
#include "../runtime/scope.hpp"
#include "../runtime/task.hpp"
#include "../runtime/tcp.hpp"
#include "headers.hpp"
#include "options.hpp"

namespace aio::http {

// What a handler sees. It lives in the connection's task until the handler's
// task completes; a handler may keep references into it until then, and may
// move from it (the body, say).
struct ServerRequest {
  std::string method;  // "GET", ... (as llhttp knows them; others were refused)
  std::string target;  // the request target as sent: "/path?query"
  std::string path;    // target up to '?' (absolute-form targets: the path part)
  std::string query;   // after '?', without it ("" when absent)
  std::string tail;    // for a route_prefix() route: path after the prefix
  int version_minor = 1;
  Headers headers;   // names as sent; values trimmed of surrounding whitespace
  std::string body;  // the whole body, chunked framing removed
  Address peer;
};

// What a handler returns. The server adds Server, Date, Content-Length (or
// Transfer-Encoding: chunked for a stream) and Connection; framing fields set
// by the handler (Content-Length, Transfer-Encoding, Connection) are
// replaced. A handler may set `Connection: close` to close after this
// response. Header names must be tokens and values free of CR, LF and other
// control bytes: a response that breaks this is replaced by a 500.
struct ServerResponse {
  int status = 200;  // 200..999; 204 and 304 carry no body
  Headers headers;
  std::string body;      // sent with Content-Length, unless `stream` is set
  BodyGenerator stream;  // when set: each chunk it yields is sent with chunked
                         // framing (close-delimited to an HTTP/1.0 client);
                         // it is called until it returns std::nullopt. An
                         // exception from it aborts the connection.

  // text/plain; charset=utf-8.
  static ServerResponse text(int status, std::string body);
  // application/json (the body must already be JSON text).
  static ServerResponse json(int status, std::string body);
  // Any bytes, with the given Content-Type.
  static ServerResponse bytes(int status, std::string body,
                              std::string content_type = "application/octet-stream");
  // No body at all (Content-Length: 0, or nothing for 204/304).
  static ServerResponse empty(int status);
  // A redirect (301, 302, 303, 307, 308) to `location`.
  static ServerResponse redirect(int status, std::string location);
  // A body streamed with chunked framing.
  static ServerResponse streamed(int status, BodyGenerator next,
                                 std::string content_type = "application/octet-stream");
};

// A handler: a coroutine that answers one request. The request outlives the
// returned task.
using Handler = std::function<Task<ServerResponse>(ServerRequest&)>;

// The reason phrase for a status ("Not Found"), or "" for an unknown one.
std::string_view reason_phrase(int status) noexcept;

class Server {
 public:
  struct Options {
    std::size_t max_head_bytes = 16 * 1024;             // request line + fields: beyond, 431
    std::size_t max_header_count = 100;                 // beyond, 431
    std::size_t max_body_bytes = 16 << 20;              // beyond, 413
    std::chrono::milliseconds keepalive_timeout{5000};  // idle between requests
    std::chrono::milliseconds read_timeout{30000};      // a request head; each body read
    std::chrono::milliseconds write_timeout{30000};     // each response write
    std::chrono::milliseconds linger_timeout{2000};     // draining input after a refusal
    // Serve https: every accepted connection runs a TLS handshake (under
    // read_timeout) with this server config (tls::Config::server) first.
    std::shared_ptr<const aio::tls::Config> tls{};
  };

  Server();
  explicit Server(Options options);
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Asserts that serve() is not running (close() and await it first).
  ~Server();

  // Routes. `method` is a method name, or "*" for any method; a "GET" route
  // also answers HEAD. route() matches `path` exactly (the query is not part
  // of it); route_prefix() matches every path that starts with `prefix`, and
  // the longest such prefix wins. Exact routes win over prefix routes.
  void route(std::string method, std::string path, Handler handler);
  void route_prefix(std::string method, std::string prefix, Handler handler);

  // Binds and listens on the current loop. Throws IoError. Port 0 picks a
  // free port: see local_address().
  void listen(const Address& addr, int backlog = 511);
  Address local_address() const;

  // Accepts connections until close(); returns once every connection task
  // has ended. Precondition: listen() succeeded. The Server must outlive the
  // returned task.
  [[nodiscard]] Task<void> serve();

  // Stops accepting and closes idle connections; serve() returns once the
  // busy ones have answered. Idempotent; callable before serve() starts.
  void close();
  bool closing() const noexcept { return closing_; }

  // Open connections, and requests answered so far (for tests and stats).
  std::size_t connection_count() const noexcept { return connections_.size(); }
  std::size_t requests_served() const noexcept { return requests_served_; }

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix;
    std::shared_ptr<const Handler> handler;
  };
  struct Connection;
  struct Exchange;

  // Member coroutines: the Server outlives them (serve() joins them all);
  // each Connection lives until its task ends.
  Task<void> accept_loop();
  Task<void> run_connection(Connection* c);
  Task<void> serve_connection(Connection* c);
  Task<void> respond(Connection* c, Exchange* x);
  Task<void> write_error(Connection* c, int status, std::string detail);
  Task<void> linger(Connection* c);
  Task<void> write_within(Connection* c, std::span<const uv_buf_t> bufs);

  // The handler for `req` (setting req.tail), or nullptr with the status to
  // answer (404, or 405 with `allow` filled).
  std::shared_ptr<const Handler> find_route(ServerRequest& req, int* status,
                                            std::string* allow) const;

  Options options_;
  std::vector<Route> routes_;
  std::unique_ptr<TcpListener> listener_;
  std::list<Connection> connections_;
  Scope scope_;
  std::size_t requests_served_ = 0;
  bool closing_ = false;
  bool serving_ = false;
};

}  // namespace aio::http
