#include "response_parser.hpp"

#include <llhttp.h>

#include <charconv>

namespace aio::http {

struct ResponseParser::Impl {
  llhttp_t parser;
};

namespace {
ResponseParser* self(llhttp_t* p) { return static_cast<ResponseParser*>(p->data); }

// A Transfer-Encoding value whose last coding is "chunked".
bool chunked_last(std::string_view te) {
  std::size_t comma = te.rfind(',');
  std::string_view last = comma == std::string_view::npos ? te : te.substr(comma + 1);
  while (!last.empty() && (last.front() == ' ' || last.front() == '\t')) last.remove_prefix(1);
  while (!last.empty() && (last.back() == ' ' || last.back() == '\t')) last.remove_suffix(1);
  return iequals(last, "chunked");
}
}  // namespace

struct ResponseParser::Callbacks {
  static int on_message_begin(llhttp_t* p) {
    ResponseParser* r = self(p);
    r->headers_.clear();
    r->reason_.clear();
    r->field_.clear();
    r->value_.clear();
    r->in_value_ = false;
    r->in_trailers_ = false;
    r->informational_ = false;
    r->line_bytes_ = 0;
    return 0;
  }
  static int on_status(llhttp_t* p, const char* at, std::size_t len) {
    ResponseParser* r = self(p);
    if (int e = r->check_head_budget(at, len)) return e;
    r->line_bytes_ += len;
    if (r->line_bytes_ > r->limits_.max_line_bytes)
      return r->fail(Errc::malformed_response, "status line longer than the limit");
    for (std::size_t i = 0; i < len; ++i) {
      unsigned char c = static_cast<unsigned char>(at[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7f) return r->fail(Errc::malformed_response, "control byte in the status line");
    }
    r->reason_.append(at, len);
    return 0;
  }
  static int on_header_field(llhttp_t* p, const char* at, std::size_t len) {
    ResponseParser* r = self(p);
    if (r->in_value_)
      if (int e = r->end_field()) return e;
    if (int e = r->check_head_budget(at, len)) return e;
    r->line_bytes_ += len;
    if (r->line_bytes_ > r->limits_.max_line_bytes)
      return r->fail(Errc::malformed_response, "header line longer than the limit");
    if (!r->in_trailers_) r->field_.append(at, len);
    return 0;
  }
  static int on_header_value(llhttp_t* p, const char* at, std::size_t len) {
    ResponseParser* r = self(p);
    r->in_value_ = true;
    if (int e = r->check_head_budget(at, len)) return e;
    r->line_bytes_ += len;
    if (r->line_bytes_ > r->limits_.max_line_bytes)
      return r->fail(Errc::malformed_response, "header line longer than the limit");
    if (!r->in_trailers_) r->value_.append(at, len);
    return 0;
  }
  static int on_headers_complete(llhttp_t* p) { return self(p)->on_headers_complete(); }
  static int on_body(llhttp_t* p, const char* at, std::size_t len) {
    ResponseParser* r = self(p);
    if (r->body_ != nullptr) r->body_->append(at, len);
    if (r->chunk_left_ > 0) {
      // llhttp 8.1 accepts chunk data not followed by CRLF: check it here.
      r->chunk_left_ -= len;
      if (r->chunk_left_ == 0) {
        r->crlf_pending_ = 2;
        return r->check_chunk_crlf(at + len);
      }
    }
    return 0;
  }
  static int on_chunk_header(llhttp_t* p) {
    ResponseParser* r = self(p);
    if (p->content_length == 0) r->in_trailers_ = true;
    r->chunk_left_ = p->content_length;
    return 0;
  }
  static int on_message_complete(llhttp_t* p) {
    ResponseParser* r = self(p);
    if (r->informational_) return 0;  // a 1xx: the real response follows
    r->state_ = State::done;
    r->keep_alive_ = r->keep_alive_ && llhttp_should_keep_alive(p) != 0;
    return HPE_PAUSED;
  }

  static const llhttp_settings_t& settings() {
    static const llhttp_settings_t s = [] {
      llhttp_settings_t s;
      llhttp_settings_init(&s);
      s.on_message_begin = on_message_begin;
      s.on_status = on_status;
      s.on_header_field = on_header_field;
      s.on_header_value = on_header_value;
      s.on_headers_complete = Callbacks::on_headers_complete;
      s.on_body = on_body;
      s.on_chunk_header = on_chunk_header;
      s.on_message_complete = on_message_complete;
      return s;
    }();
    return s;
  }
};

ResponseParser::ResponseParser(ResponseLimits limits) : impl_(new Impl), limits_(limits) {
  llhttp_init(&impl_->parser, HTTP_RESPONSE, &Callbacks::settings());
  impl_->parser.data = this;
}

ResponseParser::~ResponseParser() = default;

void ResponseParser::reset(bool head_request) {
  llhttp_reset(&impl_->parser);
  impl_->parser.data = this;
  state_ = State::head;
  head_request_ = head_request;
  informational_ = in_trailers_ = in_value_ = close_delimited_ = false;
  keep_alive_ = false;
  status_ = 0;
  version_minor_ = 1;
  content_length_ = -1;
  bytes_seen_ = head_bytes_ = trailer_bytes_ = line_bytes_ = 0;
  chunk_left_ = 0;
  crlf_pending_ = 0;
  reason_.clear();
  field_.clear();
  value_.clear();
  headers_.clear();
  error_detail_.clear();
}

int ResponseParser::fail(Errc e, std::string detail) noexcept {
  if (state_ != State::failed) {
    state_ = State::failed;
    error_ = e;
    error_detail_ = std::move(detail);
  }
  return HPE_USER;
}

int ResponseParser::check_head_budget(const char* at, std::size_t len) noexcept {
  std::size_t upto = static_cast<std::size_t>(at + len - feed_start_);
  if (in_trailers_) {
    trailer_bytes_ += len;
    if (trailer_bytes_ > limits_.max_trailer_bytes)
      return fail(Errc::malformed_response, "trailers larger than the limit");
    return 0;
  }
  if (head_bytes_ + upto > limits_.max_head_bytes)
    return fail(Errc::malformed_response, "response head larger than the limit");
  return 0;
}

int ResponseParser::check_chunk_crlf(const char* from) noexcept {
  static constexpr char kCrlf[] = "\r\n";
  while (crlf_pending_ > 0 && from < feed_end_) {
    if (*from != kCrlf[2 - crlf_pending_]) return fail(Errc::bad_body, "chunk data not followed by CRLF");
    --crlf_pending_;
    ++from;
  }
  return 0;
}

int ResponseParser::end_field() noexcept {
  in_value_ = false;
  line_bytes_ = 0;
  if (in_trailers_) return 0;
  // llhttp 8.1 lets "Name : value" through with the space in the name.
  if (!is_token(field_)) return fail(Errc::malformed_response, "invalid header field name");
  if (!is_valid_field_value(value_)) return fail(Errc::malformed_response, "control byte in a header value");
  if (headers_.size() >= limits_.max_header_count)
    return fail(Errc::malformed_response, "more header fields than the limit");
  // llhttp keeps obs-fold and trailing whitespace out of the value already.
  headers_.add(field_, value_);  // copied: field_ and value_ keep their buffers
  field_.clear();
  value_.clear();
  return 0;
}

int ResponseParser::validate_framing() noexcept {
  std::size_t lengths = headers_.count("Content-Length");
  std::optional<std::string_view> te;  // the last Transfer-Encoding field
  headers_.for_each("Transfer-Encoding", [&](std::string_view v) { te = v; });
  if (lengths > 1) return fail(Errc::malformed_response, "several Content-Length fields");
  if (lengths == 1) {
    std::string_view v = *headers_.get("Content-Length");
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || v.front() == '+' ||
        n > static_cast<std::uint64_t>(INT64_MAX))
      return fail(Errc::malformed_response, "invalid Content-Length");
    content_length_ = static_cast<std::int64_t>(n);
  }
  if (te && lengths != 0)
    return fail(Errc::malformed_response, "both Transfer-Encoding and Content-Length");
  if (te && !chunked_last(*te)) {
    // Not chunked: the body runs to the end of the connection.
    close_delimited_ = true;
    keep_alive_ = false;
  }
  return 0;
}

int ResponseParser::on_headers_complete() noexcept {
  llhttp_t* p = &impl_->parser;
  if (in_value_ || !field_.empty())
    if (int e = end_field()) return e;
  line_bytes_ = 0;
  if (p->http_major != 1 || p->http_minor > 1)
    return fail(Errc::malformed_response, "unsupported HTTP version " + std::to_string(p->http_major) +
                                              "." + std::to_string(p->http_minor));
  status_ = p->status_code;
  version_minor_ = p->http_minor;
  if (status_ < 100 || status_ > 999) return fail(Errc::malformed_response, "invalid status code");
  if (status_ == 101) return fail(Errc::malformed_response, "unsolicited 101 Switching Protocols");
  if (status_ < 200) {
    informational_ = true;
    return 1;  // no body; parse the next message
  }
  keep_alive_ = true;
  if (int e = validate_framing()) return e;
  state_ = State::body;
  bool no_body = head_request_ || status_ == 204 || status_ == 304;
  if (no_body) {
    // llhttp 8.1 would read a body for 204/304 with Content-Length; skip it
    // ourselves. The message completes at once (on_message_complete pauses).
    close_delimited_ = false;
    return 1;
  }
  if (content_length_ < 0 && (p->flags & F_CHUNKED) == 0) close_delimited_ = true;
  // An empty body completes in this same call (on_message_complete pauses
  // there); pausing here would leave the message open until more bytes come.
  if (content_length_ == 0) return 0;
  return HPE_PAUSED;
}

std::size_t ResponseParser::feed(std::string_view data, std::string* body) {
  if (state_ == State::done || state_ == State::failed || data.empty()) return 0;
  llhttp_t* p = &impl_->parser;
  body_ = body;
  feed_start_ = data.data();
  feed_end_ = data.data() + data.size();
  if (crlf_pending_ > 0 && check_chunk_crlf(data.data()) != 0) return 0;
  bool in_head = state_ == State::head;
  llhttp_errno_t err = llhttp_execute(p, data.data(), data.size());
  std::size_t consumed = data.size();
  if (err == HPE_PAUSED) {
    consumed = static_cast<std::size_t>(llhttp_get_error_pos(p) - data.data());
    llhttp_resume(p);
  } else if (err != HPE_OK) {
    if (state_ != State::failed) {
      // A malformed trailer section is a malformed response, as trailers
      // over the limit are: the class must not depend on how the bytes were
      // split (llhttp reports a bad byte only before a span callback).
      bool body_error = state_ == State::body && !in_trailers_;
      fail(body_error ? Errc::bad_body : Errc::malformed_response, llhttp_get_error_reason(p));
    }
    consumed = 0;
  }
  bytes_seen_ += consumed;
  if (in_head && state_ == State::head) head_bytes_ += consumed;
  body_ = nullptr;
  return consumed;
}

std::optional<std::uint64_t> ResponseParser::length_remaining() const noexcept {
  if (state_ != State::body || close_delimited_ || content_length_ < 0) return std::nullopt;
  const llhttp_t* p = &impl_->parser;
  if ((p->flags & F_CHUNKED) != 0) return std::nullopt;
  // llhttp counts the Content-Length body down in `content_length`.
  return p->content_length;
}

void ResponseParser::finish() {
  if (state_ == State::done || state_ == State::failed) return;
  if (state_ == State::head) {
    if (bytes_seen_ == 0)
      fail(Errc::empty_reply, "the server closed the connection without replying");
    else
      fail(Errc::server_disconnected, "the server closed the connection before the end of the response head");
    return;
  }
  if (close_delimited_) {
    state_ = State::done;
    keep_alive_ = false;
    return;
  }
  fail(Errc::truncated_body, "the server closed the connection before the end of the body");
}

}  // namespace aio::http
