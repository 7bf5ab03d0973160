// Response::json(): the body read into a Document's padded buffer, then
// parsed in place (json/document.hpp).
#include <string>
#include <string_view>

#include "../json/document.hpp"
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

}  // namespace

Task<aio::json::Document> Response::json(JsonOptions options) {
  std::string context = body_ ? body_->context : method_ + " " + url_.redacted();
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
