// Response::json(): the body read into a Document's padded buffer, then
// parsed in place (json/document.hpp).
#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "../json/document.hpp"
#include "../runtime/stream.hpp"
#include "detail/body_state.hpp"
#include "error.hpp"
#include "response.hpp"

namespace aio::http {
namespace {

// application/json, or any type with the +json structured syntax suffix
// (RFC 6839: application/problem+json, application/vnd.api+json, ...).
// `media` is already lowercased and stripped of parameters.
bool is_json_media_type(std::string_view media) {
  if (media == "application/json") return true;
  std::size_t slash = media.find('/');
  if (slash == std::string_view::npos || slash == 0) return false;
  std::string_view subtype = media.substr(slash + 1);
  return subtype.size() > 5 && subtype.substr(subtype.size() - 5) == "+json";
}

// Parses outside the coroutine: the Document is built in one expression,
// and a JsonError gets the request named in its message.
aio::json::Document parse_body(aio::json::PaddedBuffer& buf, const aio::json::ParseOptions& o,
                               const std::string& context) {
  try {
    return std::move(buf).parse(o);
  } catch (const aio::json::JsonError& e) {
    throw aio::json::JsonError(e.code(), context + ": " + e.what(), e.offset());
  }
}

// The body has no content coding to undo (the bytes on the wire are the text).
bool identity(const std::string& encoding) {
  return encoding.empty() || iequals(encoding, "identity");
}

}  // namespace

Task<void> Response::read_body_into(aio::json::PaddedBuffer& buf, std::uint64_t rest) {
  detail::BodyState& b = *body_;
  Connection& c = *b.lease.connection();
  ResponseParser& parser = c.parser;
  buf.reserve(buf.size() + static_cast<std::size_t>(rest));
  // Body bytes that came with the head (or since) are in the transport's
  // buffer: one copy, unavoidable. The parser consumes them without a copy.
  std::span<const char> early = c.transport->buffered();
  if (!early.empty()) {
    std::size_t n = parser.feed(std::string_view(early.data(), early.size()), nullptr);
    std::span<char> room = buf.unused();
    if (n > 0) std::memcpy(room.data(), early.data(), n);
    buf.commit(n);
    c.transport->consume(n);
    read_into_stats().copied_bytes += n;
  }
  std::exception_ptr other;
  try {
    while (parser.state() == ResponseParser::State::body) {
      std::optional<std::uint64_t> left = parser.length_remaining();
      if (!left || *left == 0) break;  // not reached: the parser completes at 0
      std::span<char> room = buf.unused();
      std::size_t n = co_await read_body_direct(room.first(std::min<std::size_t>(room.size(), *left)));
      if (n == 0) break;  // truncated: the parser failed
      buf.commit(n);
    }
  } catch (const PayloadError&) {
    throw;  // a read error: the connection is released already
  } catch (...) {
    // A timeout or a cancellation: the bytes read so far are gone with
    // json()'s buffer, so the connection cannot serve this body again.
    other = std::current_exception();
  }
  if (other) {
    release();
    std::rethrow_exception(other);
  }
  if (parser.state() == ResponseParser::State::failed) {
    std::string what = b.context + ": " + parser.error_detail() + " (" + b.peer + ")";
    Errc e = parser.error();
    release();
    throw PayloadError(make_error_code(e), what);
  }
  if (parser.state() == ResponseParser::State::done) finish_body();
}

Task<aio::json::Document> Response::json(JsonOptions options) {
  std::string context = body_ ? body_->context.str() : method_ + " " + url().redacted();
  if (options.content_type_check()) {
    std::string media = content_type();
    if (!is_json_media_type(media)) {
      std::string shown = media.empty() ? "no Content-Type" : "Content-Type " + media;
      throw ContentTypeError(context + ": expected JSON (application/json or +json), got " + shown);
    }
  }
  aio::json::PaddedBuffer buf;
  if (body_ && !body_->done) {
    std::size_t limit = body_->max_body;
    // With no content coding, Content-Length is the size of the text: refuse
    // it at once when over the limit, else allocate the buffer once.
    std::optional<std::int64_t> length = content_length();
    if (length && !headers_.get("Content-Encoding")) {
      if (static_cast<std::uint64_t>(*length) > limit) {
        std::string what = context + ": Content-Length " + std::to_string(*length) +
                           " is over the body limit of " + std::to_string(limit) + " bytes";
        release();
        throw PayloadError(make_error_code(Errc::bad_body), what);
      }
      buf.reserve(static_cast<std::size_t>(*length));
    }
    std::optional<std::uint64_t> rest;
    if (identity(body_->encoding)) rest = body_->lease.connection()->parser.length_remaining();
    if (rest && *rest <= limit) co_await read_body_into(buf, *rest);
    for (;;) {
      std::string_view piece = co_await read_chunk();
      if (piece.empty()) break;
      if (piece.size() > limit - buf.size()) {
        std::string what =
            context + ": body larger than the limit of " + std::to_string(limit) + " bytes";
        release();
        throw PayloadError(make_error_code(Errc::bad_body), what);
      }
      buf.append(piece);
    }
  }
  co_return parse_body(buf, options.parse_options(), context);
}

}  // namespace aio::http
