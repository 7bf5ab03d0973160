#include "request_parser.hpp"

#include <llhttp.h>

#include <charconv>

namespace aio::http {

struct RequestParser::Impl {
  llhttp_t parser;
};

namespace {

RequestParser* self(llhttp_t* p) { return static_cast<RequestParser*>(p->data); }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

// Each chunk may spend this many bytes on its size line and CRLF, on top of
// the shared max_head_bytes budget for extensions and trailers.
constexpr std::size_t kChunkOverhead = 64;

}  // namespace

int status_for(RequestErrc e) noexcept {
  switch (e) {
    case RequestErrc::bad_request:
      return 400;
    case RequestErrc::head_too_large:
      return 431;
    case RequestErrc::too_many_headers:
      return 431;
    case RequestErrc::body_too_large:
      return 413;
    case RequestErrc::unsupported_transfer_coding:
      return 501;
    case RequestErrc::version_not_supported:
      return 505;
    case RequestErrc::truncated:
      return 400;
  }
  return 400;
}

struct RequestParser::Callbacks {
  static int on_message_begin(llhttp_t* p) {
    RequestParser* r = self(p);
    r->method_.clear();
    r->target_.clear();
    r->headers_.clear();
    r->field_.clear();
    r->value_.clear();
    r->in_value_ = false;
    r->in_trailers_ = false;
    return 0;
  }
  static int on_method(llhttp_t* p, const char* at, std::size_t len) {
    RequestParser* r = self(p);
    if (int e = r->check_head_budget(at, len)) return e;
    r->method_.append(at, len);
    return 0;
  }
  static int on_url(llhttp_t* p, const char* at, std::size_t len) {
    RequestParser* r = self(p);
    if (int e = r->check_head_budget(at, len)) return e;
    // llhttp 8.1 lets HT and FF (and other controls) through in the target.
    for (std::size_t i = 0; i < len; ++i) {
      unsigned char c = static_cast<unsigned char>(at[i]);
      if (c <= 0x20 || c == 0x7f) return r->fail(RequestErrc::bad_request, "control byte in the request target");
    }
    r->target_.append(at, len);
    return 0;
  }
  static int on_version(llhttp_t* p, const char* at, std::size_t len) {
    return self(p)->check_head_budget(at, len);
  }
  static int on_header_field(llhttp_t* p, const char* at, std::size_t len) {
    RequestParser* r = self(p);
    if (r->in_value_)
      if (int e = r->end_field()) return e;
    if (int e = r->check_head_budget(at, len)) return e;
    if (!r->in_trailers_) r->field_.append(at, len);
    return 0;
  }
  static int on_header_value(llhttp_t* p, const char* at, std::size_t len) {
    RequestParser* r = self(p);
    r->in_value_ = true;
    if (int e = r->check_head_budget(at, len)) return e;
    // An obs-fold continuation arrives as another fragment that starts with
    // its whitespace: appending joins the lines with a space (RFC 9112 5.2).
    if (!r->in_trailers_) r->value_.append(at, len);
    return 0;
  }
  static int on_headers_complete(llhttp_t* p) { return self(p)->on_headers_complete(); }
  static int on_chunk_header(llhttp_t* p) {
    RequestParser* r = self(p);
    ++r->chunks_;
    if (p->content_length == 0) {
      r->in_trailers_ = true;
      return 0;
    }
    if (p->content_length > r->limits_.max_body_bytes - r->body_bytes_)
      return r->fail(RequestErrc::body_too_large, "chunked request body larger than the limit");
    r->chunk_left_ = p->content_length;
    return 0;
  }
  static int on_body(llhttp_t* p, const char* at, std::size_t len) {
    RequestParser* r = self(p);
    if (len > r->limits_.max_body_bytes - r->body_bytes_)
      return r->fail(RequestErrc::body_too_large, "request body larger than the limit");
    r->body_bytes_ += len;
    r->body_->append(at, len);
    if (r->chunk_left_ > 0) {
      // llhttp 8.1 accepts chunk data not followed by CRLF: check it here,
      // or "5\r\nhelloXX..." would let XX... pass as framing.
      r->chunk_left_ -= len;
      if (r->chunk_left_ == 0) {
        r->crlf_pending_ = 2;
        return r->check_chunk_crlf(at + len);
      }
    }
    return 0;
  }
  static int on_message_complete(llhttp_t* p) {
    RequestParser* r = self(p);
    r->state_ = State::done;
    return HPE_PAUSED;  // the next request's bytes are left to the caller
  }

  static const llhttp_settings_t& settings() {
    static const llhttp_settings_t s = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_message_begin = on_message_begin;
      s.on_method = on_method;
      s.on_url = on_url;
      s.on_version = on_version;
      s.on_header_field = on_header_field;
      s.on_header_value = on_header_value;
      s.on_headers_complete = Callbacks::on_headers_complete;
      s.on_chunk_header = on_chunk_header;
      s.on_body = on_body;
      s.on_message_complete = on_message_complete;
      return s;
    }();
    return s;
  }
};

RequestParser::RequestParser(RequestLimits limits) : impl_(new Impl), limits_(limits) {
  llhttp_init(&impl_->parser, HTTP_REQUEST, &Callbacks::settings());
  impl_->parser.data = this;
}

RequestParser::~RequestParser() = default;

void RequestParser::reset() {
  llhttp_reset(&impl_->parser);
  impl_->parser.data = this;
  state_ = State::head;
  in_trailers_ = in_value_ = chunked_ = keep_alive_ = false;
  version_minor_ = 1;
  content_length_ = -1;
  bytes_seen_ = head_bytes_ = framing_bytes_ = chunks_ = body_bytes_ = 0;
  chunk_left_ = 0;
  crlf_pending_ = 0;
  method_.clear();
  target_.clear();
  field_.clear();
  value_.clear();
  expect_.clear();
  headers_.clear();
  error_ = RequestErrc::bad_request;
  error_detail_.clear();
}

int RequestParser::fail(RequestErrc e, std::string detail) noexcept {
  if (state_ != State::failed) {
    state_ = State::failed;
    error_ = e;
    error_detail_ = std::move(detail);
  }
  return HPE_USER;
}

int RequestParser::check_head_budget(const char* at, std::size_t len) noexcept {
  if (in_trailers_) return 0;  // counted with the chunk framing in feed()
  std::size_t upto = static_cast<std::size_t>(at + len - feed_start_);
  if (head_bytes_ + upto > limits_.max_head_bytes)
    return fail(RequestErrc::head_too_large, "request head larger than the limit");
  return 0;
}

int RequestParser::check_chunk_crlf(const char* from) noexcept {
  static constexpr char kCrlf[] = "\r\n";
  while (crlf_pending_ > 0 && from < feed_end_) {
    if (*from != kCrlf[2 - crlf_pending_])
      return fail(RequestErrc::bad_request, "chunk data not followed by CRLF");
    --crlf_pending_;
    ++from;
  }
  return 0;
}

int RequestParser::end_field() noexcept {
  in_value_ = false;
  if (in_trailers_) return 0;  // trailers are checked by llhttp and dropped
  // llhttp 8.1 lets "Name : value" through with the space in the name.
  if (!is_token(field_)) return fail(RequestErrc::bad_request, "invalid header field name");
  if (!is_valid_field_value(value_))
    return fail(RequestErrc::bad_request, "control byte in a header value");
  if (headers_.size() >= limits_.max_header_count)
    return fail(RequestErrc::too_many_headers, "more header fields than the limit");
  // llhttp drops leading whitespace but keeps trailing whitespace.
  headers_.add(field_, trim(value_));
  field_.clear();
  value_.clear();
  return 0;
}

int RequestParser::validate_framing() noexcept {
  auto lengths = headers_.get_all("Content-Length");
  auto te = headers_.get_all("Transfer-Encoding");
  if (!te.empty() && !lengths.empty())
    return fail(RequestErrc::bad_request, "both Transfer-Encoding and Content-Length");
  if (lengths.size() > 1) return fail(RequestErrc::bad_request, "several Content-Length fields");
  if (!lengths.empty()) {
    std::string_view v = lengths.front();
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || v.front() == '+' ||
        n > static_cast<std::uint64_t>(INT64_MAX))
      return fail(RequestErrc::bad_request, "invalid Content-Length");
    if (n > limits_.max_body_bytes)
      return fail(RequestErrc::body_too_large, "Content-Length larger than the limit");
    content_length_ = static_cast<std::int64_t>(n);
  }
  if (!te.empty()) {
    if (te.size() > 1 || !iequals(te.front(), "chunked"))
      return fail(RequestErrc::unsupported_transfer_coding, "unsupported Transfer-Encoding");
    chunked_ = true;
  }
  return 0;
}

int RequestParser::on_headers_complete() noexcept {
  llhttp_t* p = &impl_->parser;
  if (in_value_ || !field_.empty())
    if (int e = end_field()) return e;
  if (p->http_major != 1 || p->http_minor > 1)
    return fail(RequestErrc::version_not_supported, "unsupported HTTP version " +
                                                        std::to_string(p->http_major) + "." +
                                                        std::to_string(p->http_minor));
  version_minor_ = p->http_minor;
  if (int e = validate_framing()) return e;
  keep_alive_ = llhttp_should_keep_alive(p) != 0;
  // CONNECT and Upgrade hand the connection over to another protocol, which
  // this parser does not speak: answer, then close.
  if (p->upgrade || p->method == HTTP_CONNECT) keep_alive_ = false;
  if (auto e = headers_.get("Expect")) expect_ = lowercase(trim(*e));
  state_ = State::body;
  if (content_length_ > 0 || chunked_) return HPE_PAUSED;  // let the caller see the head first
  return 0;  // no body: llhttp completes the message at once
}

std::size_t RequestParser::feed(std::string_view data, std::string* body) {
  if (state_ == State::done || state_ == State::failed || data.empty()) return 0;
  llhttp_t* p = &impl_->parser;
  body_ = body;
  feed_start_ = data.data();
  feed_end_ = data.data() + data.size();
  if (crlf_pending_ > 0 && check_chunk_crlf(data.data()) != 0) return 0;
  bool in_head = state_ == State::head;
  std::size_t body_before = body_bytes_;
  llhttp_errno_t err = llhttp_execute(p, data.data(), data.size());
  std::size_t consumed = data.size();
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(p) - data.data());
    if (err == HPE_PAUSED)
      llhttp_resume(p);
    else
      llhttp_resume_after_upgrade(p);
  } else if (err != HPE_OK) {
    if (state_ != State::failed) {
      // llhttp 8.1 reports a well-formed version it does not know (HTTP/1.2,
      // HTTP/3.0) with this reason; other version errors are malformed lines.
      std::string_view reason = llhttp_get_error_reason(p);
      bool unsupported = err == HPE_INVALID_VERSION && reason == "Invalid HTTP version";
      fail(unsupported ? RequestErrc::version_not_supported : RequestErrc::bad_request,
           std::string(reason));
    }
    consumed = 0;
  }
  body_ = nullptr;
  bytes_seen_ += consumed;
  if (state_ == State::failed) return consumed;
  if (in_head) {
    // A head that completed here ends exactly at the pause (at the end of
    // the head for a request with a body, of the message without one).
    if (head_bytes_ + consumed > limits_.max_head_bytes)
      fail(RequestErrc::head_too_large, "request head larger than the limit");
    else if (state_ == State::head)
      head_bytes_ += consumed;
  } else {
    // Bounds what the body's framing may cost: endless chunk extensions,
    // trailers or blank padding must not keep the connection busy forever.
    // Also when this feed completed the message: trailers over the budget
    // that arrive in the same read as their end are refused too, as they
    // are when read in pieces.
    framing_bytes_ += consumed - (body_bytes_ - body_before);
    if (framing_bytes_ > limits_.max_head_bytes + kChunkOverhead * chunks_)
      fail(RequestErrc::bad_request, "chunk framing or trailers larger than the limit");
  }
  return consumed;
}

void RequestParser::finish() {
  if (state_ == State::done || state_ == State::failed) return;
  if (state_ == State::head)
    fail(RequestErrc::truncated, "the connection closed before the end of the request head");
  else
    fail(RequestErrc::truncated, "the connection closed before the end of the request body");
}

}  // namespace aio::http
