// The C API (aiocpp.h) over aio::Loop and aio::http::Session.
//
// Each request is two tasks: perform() does the HTTP work and throws as C++
// code does; drive(), spawned on the loop, awaits it, turns its ending into
// an aiocpp_response and calls the C callback. Keeping perform() as a Task
// that the request owns lets aiocpp_request_cancel() cancel exactly it.
// Every entry point catches everything: no exception reaches C.
#include "aiocpp.h"

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../http/error.hpp"
#include "../http/session.hpp"
#include "../runtime/event.hpp"
#include "../runtime/loop.hpp"
#include "../runtime/result.hpp"
#include "../tls/error.hpp"

namespace {

struct Request;

}  // namespace

struct aiocpp_loop {
  std::unique_ptr<aio::Loop> loop;
  std::unordered_map<aiocpp_request_id, Request*> requests;  // in flight
  std::unordered_set<aiocpp_session*> sessions;              // not freed yet
  std::size_t closing = 0;                                   // freed, still closing
  aiocpp_request_id next_id = 1;
  int in_callback = 0;
  aio::Event* idle = nullptr;  // aiocpp_loop_run's wait

  bool busy() const noexcept { return !requests.empty() || closing != 0; }
  void notify_idle() noexcept {
    if (!busy() && idle != nullptr) idle->set();
  }
};

struct aiocpp_session {
  aiocpp_session(aiocpp_loop* l, aio::http::SessionOptions o) : loop(l), session(std::move(o)) {}
  aiocpp_loop* loop;
  aio::http::Session session;
  std::unordered_set<Request*> requests;  // in flight
  bool freed = false;
  aio::Event drained;  // set when freed and the last request ended
};

namespace {

struct Request {
  aiocpp_loop* loop = nullptr;
  aiocpp_session* session = nullptr;
  aiocpp_request_id id = 0;
  std::string method;
  std::string url;
  aio::http::RequestOptions options;
  aiocpp_callback callback = nullptr;
  void* user_data = nullptr;
  aio::Task<void> work;
  // The outcome, filled by perform().
  int status = 0;
  aio::http::Headers headers;
  std::string body;
  std::string final_url;
};

aiocpp_error_kind kind_of(const aio::detail::ErrorInfo& e) {
  namespace http = aio::http;
  if (e.as<aio::CancelledError>()) return AIOCPP_ERR_CANCELLED;
  if (e.as<aio::TimeoutError>()) return AIOCPP_ERR_TIMEOUT;
  if (e.as<http::CertificateError>() || e.as<aio::tls::CertificateError>()) return AIOCPP_ERR_CERTIFICATE;
  if (e.as<http::TlsError>() || e.as<aio::tls::TlsError>()) return AIOCPP_ERR_TLS;
  if (e.as<http::ConnectorError>()) return AIOCPP_ERR_CONNECTOR;
  if (e.as<http::ServerDisconnectedError>()) return AIOCPP_ERR_SERVER_DISCONNECTED;
  if (e.as<http::ResponseError>()) return AIOCPP_ERR_RESPONSE;
  if (e.as<http::PayloadError>()) return AIOCPP_ERR_PAYLOAD;
  if (e.as<http::ProtocolError>()) return AIOCPP_ERR_PROTOCOL;
  if (e.as<http::InvalidUrl>()) return AIOCPP_ERR_INVALID_URL;
  if (e.as<http::TooManyRedirects>()) return AIOCPP_ERR_TOO_MANY_REDIRECTS;
  if (e.as<http::ClientError>()) return AIOCPP_ERR_CLIENT;
  if (e.as<aio::IoError>()) return AIOCPP_ERR_IO;
  if (e.as<std::bad_alloc>()) return AIOCPP_ERR_OUT_OF_MEMORY;
  return AIOCPP_ERR_OTHER;
}

aio::Task<void> perform(Request* r) {
  aio::http::Response resp = co_await r->session->session.request(r->method, r->url, std::move(r->options));
  r->status = resp.status();
  r->headers = resp.headers();
  r->final_url = resp.url().redacted();
  r->body = co_await resp.read();
}

// Ends a request: leaves the books, calls back, frees it.
void finish(Request* r, std::exception_ptr error) noexcept {
  aiocpp_loop* l = r->loop;
  aiocpp_session* s = r->session;
  l->requests.erase(r->id);
  s->requests.erase(r);
  if (s->freed && s->requests.empty()) s->drained.set();

  aio::detail::ErrorInfo info;
  std::string category, message;
  std::vector<aiocpp_header> headers;
  std::vector<std::string> header_text;  // NUL-terminated copies: name, value, ...
  aiocpp_response resp{};
  try {
    info = aio::detail::ErrorInfo(error);
    if (info) {
      resp.error = kind_of(info);
      category = info.code().category().name();
      message = info.message();
      resp.error_code = info.code().value();
      resp.url = r->url.c_str();
    } else {
      resp.error = AIOCPP_OK;
      resp.status = r->status;
      headers.reserve(r->headers.size());
      header_text.reserve(2 * r->headers.size());
      for (const auto& [name, value] : r->headers) {
        header_text.emplace_back(name);
        header_text.emplace_back(value);
      }
      for (std::size_t i = 0; i < header_text.size(); i += 2) {
        aiocpp_header h;
        h.name = header_text[i].c_str();
        h.value = header_text[i + 1].c_str();
        headers.push_back(h);
      }
      resp.headers = headers.data();
      resp.header_count = headers.size();
      resp.body = r->body.c_str();
      resp.body_size = r->body.size();
      resp.url = r->final_url.c_str();
    }
  } catch (...) {
    resp = aiocpp_response{};
    resp.error = AIOCPP_ERR_OUT_OF_MEMORY;
    resp.url = r->url.c_str();
  }
  resp.error_category = category.c_str();
  resp.error_message = message.c_str();
  if (resp.body == nullptr) resp.body = "";

  ++l->in_callback;
  r->callback(r->id, &resp, r->user_data);
  --l->in_callback;
  delete r;
  l->notify_idle();
}

aio::Task<void> drive(Request* r) {
  std::exception_ptr error;
  try {
    co_await std::move(r->work);
  } catch (...) {
    error = std::current_exception();
  }
  finish(r, error);
}

void cancel_request(aiocpp_loop* l, Request* r) noexcept {
  if (aio::Loop::current_or_null() == l->loop.get()) {
    r->work.cancel();
    return;
  }
  // Another loop is current on this thread: cancel from inside our own, so
  // that the wake-ups go to its ready queue.
  try {
    aiocpp_request_id id = r->id;
    auto later = [](aiocpp_loop* l, aiocpp_request_id id) -> aio::Task<void> {
      auto it = l->requests.find(id);
      if (it != l->requests.end()) it->second->work.cancel();
      co_return;
    };
    l->loop->spawn(later(l, id));
  } catch (...) {
  }
}

aio::Task<void> close_session(aiocpp_session* s) {
  bool cancelled = false;
  try {
    if (!s->requests.empty()) co_await s->drained.wait();
    co_await s->session.close();
  } catch (...) {
    cancelled = true;  // the loop itself is closing: nothing left to wait for
  }
  (void)cancelled;
  aiocpp_loop* l = s->loop;
  delete s;
  --l->closing;
  l->notify_idle();
}

aio::Task<void> wait_idle(aiocpp_loop* l) {
  while (l->busy()) {
    aio::Event ev;
    l->idle = &ev;
    co_await ev.wait();
    l->idle = nullptr;
  }
}

aiocpp_loop* make_loop(uv_loop_t* host) noexcept {
  try {
    auto* l = new aiocpp_loop;
    try {
      l->loop = host != nullptr ? std::make_unique<aio::Loop>(host) : std::make_unique<aio::Loop>();
    } catch (...) {
      delete l;
      return nullptr;
    }
    return l;
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

extern "C" {

const char* aiocpp_error_kind_name(aiocpp_error_kind kind) {
  switch (kind) {
    case AIOCPP_OK: return "ok";
    case AIOCPP_ERR_CANCELLED: return "cancelled";
    case AIOCPP_ERR_TIMEOUT: return "timeout";
    case AIOCPP_ERR_CONNECTOR: return "connector";
    case AIOCPP_ERR_SERVER_DISCONNECTED: return "server_disconnected";
    case AIOCPP_ERR_RESPONSE: return "response";
    case AIOCPP_ERR_PAYLOAD: return "payload";
    case AIOCPP_ERR_PROTOCOL: return "protocol";
    case AIOCPP_ERR_INVALID_URL: return "invalid_url";
    case AIOCPP_ERR_TOO_MANY_REDIRECTS: return "too_many_redirects";
    case AIOCPP_ERR_TLS: return "tls";
    case AIOCPP_ERR_CERTIFICATE: return "certificate";
    case AIOCPP_ERR_CLIENT: return "client";
    case AIOCPP_ERR_IO: return "io";
    case AIOCPP_ERR_OUT_OF_MEMORY: return "out_of_memory";
    case AIOCPP_ERR_OTHER: return "other";
  }
  return "unknown";
}

aiocpp_loop* aiocpp_loop_new(void) { return make_loop(nullptr); }

aiocpp_loop* aiocpp_loop_new_on(struct uv_loop_s* host) {
  if (host == nullptr) return nullptr;
  return make_loop(host);
}

int aiocpp_loop_free(aiocpp_loop* l) {
  if (l == nullptr) return 0;
  if (l->in_callback != 0) return -1;
  try {
    std::vector<aiocpp_session*> sessions(l->sessions.begin(), l->sessions.end());
    for (aiocpp_session* s : sessions) aiocpp_session_free(s);
    std::vector<Request*> left;
    for (auto& [id, r] : l->requests) left.push_back(r);
    for (Request* r : left) cancel_request(l, r);
    if (l->busy()) l->loop->run(wait_idle(l));
  } catch (...) {
  }
  l->loop->close();
  l->loop.reset();
  delete l;
  return 0;
}

int aiocpp_loop_tick(aiocpp_loop* l, uint32_t budget_ms) {
  if (l == nullptr || l->in_callback != 0) return -1;
  try {
    return l->loop->tick(std::chrono::milliseconds(budget_ms)) ? 1 : 0;
  } catch (...) {
    return -1;
  }
}

int aiocpp_loop_run(aiocpp_loop* l) {
  if (l == nullptr || l->in_callback != 0) return -1;
  if (!l->busy()) return 0;
  try {
    l->loop->run(wait_idle(l));
    return 0;
  } catch (...) {
    return -1;
  }
}

int aiocpp_loop_next_timeout(const aiocpp_loop* l) {
  if (l == nullptr) return -1;
  return l->loop->next_timeout();
}

size_t aiocpp_loop_pending(const aiocpp_loop* l) { return l == nullptr ? 0 : l->requests.size(); }

struct uv_loop_s* aiocpp_loop_uv(const aiocpp_loop* l) { return l == nullptr ? nullptr : l->loop->uv(); }

int aiocpp_loop_post(aiocpp_loop* l, void (*fn)(void*), void* arg) {
  if (l == nullptr || fn == nullptr) return -1;
  try {
    l->loop->post([fn, arg] { fn(arg); });
    return 0;
  } catch (...) {
    return -1;
  }
}

void aiocpp_session_options_init(aiocpp_session_options* o) {
  if (o == nullptr) return;
  *o = aiocpp_session_options{};
  o->total_timeout_ms = 300000;
  o->connect_timeout_ms = 30000;
  o->read_timeout_ms = 0;
  o->limit = 100;
  o->verify_tls = 1;
  o->ca_file = nullptr;
  o->follow_redirects = 1;
  o->raise_for_status = 0;
  o->user_agent = nullptr;
}

aiocpp_session* aiocpp_session_new(aiocpp_loop* l, const aiocpp_session_options* options) {
  if (l == nullptr) return nullptr;
  aiocpp_session_options o;
  aiocpp_session_options_init(&o);
  if (options != nullptr) o = *options;
  try {
    using std::chrono::milliseconds;
    aio::http::SessionOptions so;
    so.timeout.total = o.total_timeout_ms ? std::optional<milliseconds>(milliseconds(o.total_timeout_ms)) : std::nullopt;
    so.timeout.connect =
        o.connect_timeout_ms ? std::optional<milliseconds>(milliseconds(o.connect_timeout_ms)) : std::nullopt;
    so.timeout.sock_read = o.read_timeout_ms ? std::optional<milliseconds>(milliseconds(o.read_timeout_ms)) : std::nullopt;
    so.limit = o.limit;
    so.tls.verify = o.verify_tls != 0;
    if (o.ca_file != nullptr) so.tls.ca_file = o.ca_file;
    so.follow_redirects = o.follow_redirects != 0;
    so.raise_for_status = o.raise_for_status != 0;
    if (o.user_agent != nullptr) so.headers.add("User-Agent", o.user_agent);
    auto* s = new aiocpp_session(l, std::move(so));
    try {
      l->sessions.insert(s);
    } catch (...) {
      delete s;
      return nullptr;
    }
    return s;
  } catch (...) {
    return nullptr;
  }
}

void aiocpp_session_free(aiocpp_session* s) {
  if (s == nullptr || s->freed) return;
  aiocpp_loop* l = s->loop;
  s->freed = true;
  l->sessions.erase(s);
  ++l->closing;
  std::vector<Request*> left(s->requests.begin(), s->requests.end());
  for (Request* r : left) cancel_request(l, r);
  try {
    l->loop->spawn(close_session(s));
  } catch (...) {
    // Out of memory: the session stays behind until the process ends.
    --l->closing;
  }
}

aiocpp_request_id aiocpp_request_start(aiocpp_session* s, const char* method, const char* url,
                                       const aiocpp_header* headers, size_t header_count, const void* body,
                                       size_t body_size, aiocpp_callback callback, void* user_data) {
  if (s == nullptr || s->freed || url == nullptr || callback == nullptr) return 0;
  if (header_count != 0 && headers == nullptr) return 0;
  if (body_size != 0 && body == nullptr) return 0;
  aiocpp_loop* l = s->loop;
  try {
    auto r = std::make_unique<Request>();
    r->loop = l;
    r->session = s;
    r->method = method != nullptr ? method : "GET";
    r->url = url;
    for (size_t i = 0; i < header_count; ++i) {
      if (headers[i].name == nullptr || headers[i].value == nullptr) return 0;
      r->options.header(headers[i].name, headers[i].value);
    }
    if (body != nullptr && body_size != 0)
      r->options.body(std::string(static_cast<const char*>(body), body_size), "");
    r->callback = callback;
    r->user_data = user_data;
    r->work = perform(r.get());
    r->id = l->next_id++;
    l->requests.emplace(r->id, r.get());
    try {
      s->requests.insert(r.get());
      l->loop->spawn(drive(r.get()));
    } catch (...) {
      l->requests.erase(r->id);
      s->requests.erase(r.get());
      throw;
    }
    return r.release()->id;
  } catch (...) {
    return 0;
  }
}

int aiocpp_request_cancel(aiocpp_loop* l, aiocpp_request_id id) {
  if (l == nullptr) return -1;
  auto it = l->requests.find(id);
  if (it == l->requests.end()) return -1;
  cancel_request(l, it->second);
  return 0;
}

}  // extern "C"
