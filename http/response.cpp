#include "response.hpp"

#include <algorithm>
#include <charconv>

#include "../runtime/detail/buffer_cache.hpp"
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

const detail::Phase kReadingBody{Errc::read_timeout, "reading the response body from"};
// From this many body bytes still to come, read_chunk() reads them into a
// block of its own rather than copying them from the stream's buffer.
constexpr std::uint64_t kDirectRead = 16 * 1024;

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

void Response::body_read_failed(const aio::IoError& e) {
  // UV_EOF: a TLS stream ended without close_notify (tls/stream.hpp), so the
  // body may have been cut short whatever its framing (REQ-TLS). Anything
  // else (a reset) also cuts the body: an HTTP error either way.
  std::string failure = e.code() == aio::uv_error(UV_EOF)
                            ? "body truncated: the connection was closed without TLS close_notify"
                            : "failure receiving the body: " + e.code().message();
  std::string what = body_->context + ": " + failure + " (" + body_->peer + ")";
  release();
  throw PayloadError(make_error_code(Errc::receive_failed), what);
}

Task<std::size_t> Response::read_body_direct(std::span<char> dst) {
  detail::BodyState& b = *body_;
  Connection& c = *b.lease.connection();
  std::size_t n = 0;
  try {
    n = co_await detail::timed(c.transport->read_into(dst), b.deadline, b.sock_read, kReadingBody, b.total,
                               b.context, b.peer);
  } catch (const aio::IoError& e) {
    body_read_failed(e);
  }
  if (n == 0) {
    c.parser.finish();  // the peer closed before the end: truncated
    co_return 0;
  }
  // The same bytes, where they landed: llhttp counts them, no copy.
  c.parser.feed(std::string_view(dst.data(), n), nullptr);
  co_return n;
}

Task<std::string_view> Response::read_chunk() {
  if (!body_ || body_->done) co_return std::string_view();
  detail::BodyState& b = *body_;
  Connection& c = *b.lease.connection();
  b.chunk.clear();
  if (!b.encoding.empty() && !b.decoder) {
    try {
      b.chunk = aio::detail::take_buffer(aio::detail::BufferUse::large);
      b.decoder.emplace(b.encoding, b.max_body);
    } catch (const PayloadError& e) {
      release();
      throw PayloadError(e.code(), b.context + ": " + e.what());
    }
  }
  std::string_view out;  // what the caller gets
  while (out.empty() && !b.done) {
    std::span<const char> buf = c.transport->buffered();
    std::optional<std::uint64_t> left = c.parser.length_remaining();
    std::string_view raw;  // body bytes, transfer framing removed
    if (buf.empty() && left && *left >= kDirectRead) {
      // Content-Length framing, nothing buffered, a large rest: the read
      // lands in the body's own block, and the caller sees it there (no
      // copy). A small rest is copied (below) and takes no block.
      if (b.landing == nullptr) b.landing = aio::detail::take_block();
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(*left, aio::detail::kBlockSize));
      std::size_t n = co_await read_body_direct(std::span<char>(b.landing, want));
      raw = std::string_view(b.landing, n);
    } else if (buf.empty()) {
      std::span<const char> got;
      try {
        got = co_await detail::timed(c.transport->read(), b.deadline, b.sock_read, kReadingBody, b.total,
                                     b.context, b.peer);
      } catch (const aio::IoError& e) {
        body_read_failed(e);
      }
      if (got.empty()) c.parser.finish();
    } else {
      // Bytes already buffered (they came with the head, or the framing is
      // chunked): the parser copies the body bytes out, framing removed. At
      // most buf.size() of them: one reservation, not a growth copy per append.
      b.raw.clear();
      if (b.raw.capacity() < buf.size()) b.raw.reserve(buf.size());
      std::size_t n = c.parser.feed(std::string_view(buf.data(), buf.size()), &b.raw);
      c.transport->consume(n);
      raw = b.raw;
    }
    if (b.decoder && !raw.empty()) {
      try {
        b.decoder->feed(raw, b.chunk);
      } catch (const PayloadError& e) {
        release();
        throw PayloadError(e.code(), b.context + ": " + e.what());
      }
      out = b.chunk;
    } else {
      out = raw;
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
        out = b.chunk;
      }
      finish_body();
    }
  }
  co_return out;
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
