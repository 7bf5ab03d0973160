#include "response.hpp"

#include <algorithm>
#include <charconv>

#include "detail/body_state.hpp"
#include "error.hpp"

namespace aio::http {

Response::Response() = default;
Response::Response(Response&&) noexcept = default;
Response& Response::operator=(Response&&) noexcept = default;
Response::~Response() = default;  // an unfinished body's Lease closes its connection

const Url& Response::url() const noexcept {
  static const Url none;
  return target_ ? target_->url : none;
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string latin1_to_utf8(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

}  // namespace

void Response::raise_for_status() const {
  if (status_ < 400) return;
  std::string context = body_ ? body_->context.str() : method_ + " " + url().redacted();
  throw ResponseError(status_, context + ": " + std::to_string(status_) + " " + reason_);
}

std::optional<std::int64_t> Response::content_length() const {
  auto v = headers_.get("Content-Length");
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return std::nullopt;
  return n;
}

std::string Response::content_type() const {
  std::string_view v = headers_.get("Content-Type").value_or("");
  return lower(trim(v.substr(0, v.find(';'))));
}

std::string Response::charset() const {
  std::string ct = lower(headers_.get("Content-Type").value_or(""));
  std::size_t at = ct.find("charset=");
  if (at == std::string::npos) return {};
  std::string_view v = std::string_view(ct).substr(at + 8);
  v = v.substr(0, v.find(';'));
  v = trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

bool Response::body_complete() const noexcept { return !body_ || body_->done; }

void Response::release() noexcept {
  if (body_ && !body_->done) {
    body_->done = true;
    body_->lease.release(false);
  }
}

void Response::finish_body() noexcept {
  detail::BodyState& b = *body_;
  b.done = true;
  Connection* c = b.lease.connection();
  if (c == nullptr) return;
  ++c->requests;
  // REQ-POOL: bytes after the end of the message are nobody's response.
  bool reusable = c->parser.keep_alive() && c->transport->buffered().empty();
  b.lease.release(reusable);
}

Task<std::string_view> Response::read_chunk() {
  if (!body_ || body_->done) co_return std::string_view();
  detail::BodyState& b = *body_;
  Connection& c = *b.lease.connection();
  b.chunk.clear();
  if (!b.encoding.empty() && !b.decoder) {
    try {
      b.decoder.emplace(b.encoding, b.max_body);
    } catch (const PayloadError& e) {
      release();
      throw PayloadError(e.code(), b.context + ": " + e.what());
    }
  }
  while (b.chunk.empty() && !b.done) {
    std::span<const char> buf = c.transport->buffered();
    if (buf.empty()) {
      std::span<const char> got;
      std::string failure;
      try {
        got = co_await detail::timed(
            c.transport->read(), b.deadline, b.sock_read,
            detail::Phase{Errc::read_timeout, "reading the response body from"}, b.total, b.context,
            b.peer);
      } catch (const aio::IoError& e) {
        // UV_EOF: a TLS stream ended without close_notify (tls/stream.hpp),
        // so the body may have been cut short whatever its framing (REQ-TLS).
        // Anything else (a reset) also cuts the body: an HTTP error either way.
        failure = e.code() == aio::uv_error(UV_EOF)
                      ? "body truncated: the connection was closed without TLS close_notify"
                      : "failure receiving the body: " + e.code().message();
      }
      if (!failure.empty()) {
        std::string what = b.context + ": " + failure + " (" + b.peer + ")";
        release();
        throw PayloadError(make_error_code(Errc::receive_failed), what);
      }
      if (got.empty()) c.parser.finish();
    } else {
      b.raw.clear();
      // At most buf.size() body bytes: one reservation, not a growth copy per append.
      if (b.raw.capacity() < buf.size()) b.raw.reserve(buf.size());
      std::size_t n = c.parser.feed(std::string_view(buf.data(), buf.size()), &b.raw);
      c.transport->consume(n);
      if (b.decoder) {
        try {
          b.decoder->feed(b.raw, b.chunk);
        } catch (const PayloadError& e) {
          release();
          throw PayloadError(e.code(), b.context + ": " + e.what());
        }
      } else {
        b.chunk.swap(b.raw);
      }
    }
    if (c.parser.state() == ResponseParser::State::failed) {
      Errc e = c.parser.error();
      std::string what = b.context + ": " + c.parser.error_detail() + " (" + b.peer + ")";
      release();
      if (e == Errc::malformed_response) throw ProtocolError(make_error_code(e), what);  // trailers
      throw PayloadError(make_error_code(e), what);
    }
    if (c.parser.state() == ResponseParser::State::done) {
      if (b.decoder) {
        try {
          b.decoder->finish(b.chunk);
        } catch (const PayloadError& e) {
          release();
          throw PayloadError(e.code(), b.context + ": " + e.what());
        }
      }
      finish_body();
    }
  }
  co_return std::string_view(b.chunk);
}

Task<std::string> Response::read() {
  std::string out;
  for (;;) {
    std::string_view piece = co_await read_chunk();
    if (piece.empty()) break;
    if (out.size() + piece.size() > body_->max_body) {
      std::string what = body_->context + ": body larger than the limit of " + std::to_string(body_->max_body) + " bytes";
      release();
      throw PayloadError(make_error_code(Errc::bad_body), what);
    }
    out.append(piece);
  }
  co_return out;
}

Task<std::string> Response::text() {
  std::string bytes = co_await read();
  std::string cs = charset();
  if (cs == "iso-8859-1" || cs == "latin1" || cs == "latin-1" || cs == "l1") co_return latin1_to_utf8(bytes);
  co_return bytes;
}

Task<void> Response::drain() {
  // Not `while (!(co_await read_chunk()).empty())`: g++ 12 emits a trap for
  // a co_await in a loop condition here.
  for (;;) {
    std::string_view piece = co_await read_chunk();
    if (piece.empty()) break;
  }
}

Task<void> Response::discard(std::size_t limit) {
  std::size_t seen = 0;
  bool failed = false;
  try {
    while (seen <= limit) {
      std::string_view piece = co_await read_chunk();
      if (piece.empty()) break;
      seen += piece.size();
    }
  } catch (const aio::CancelledError&) {
    throw;
  } catch (const Error&) {
    failed = true;
  }
  if (failed || seen > limit) release();
}

}  // namespace aio::http
