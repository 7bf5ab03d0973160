#include "document.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>

#include "detail/dom.hpp"
#include "detail/locate.hpp"
#include "parse.hpp"

namespace aio::json {
namespace detail {
namespace {

constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;

// Storage and parsers for texts up to this size are kept per thread for
// reuse; larger ones are freed when done.
constexpr std::size_t kKeepLimit = std::size_t{4} << 20;

// Recycling hides a Value that outlives its Document from AddressSanitizer
// (the storage stays allocated): sanitized builds free everything at once.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRecycle = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRecycle = false;
#else
constexpr bool kRecycle = true;
#endif
#else
constexpr bool kRecycle = true;
#endif

struct ThreadCache {
  // 0: not built yet, 1: alive, 2: destroyed (a Document freed during
  // thread exit, after the cache, must not touch it).
  static inline thread_local int state = 0;
  ThreadCache() { state = 1; }
  ~ThreadCache() { state = 2; }
  std::unique_ptr<DocumentStorage> spare;
  std::unique_ptr<simdjson::dom::parser> parser;
};

ThreadCache* thread_cache() noexcept {
  if (ThreadCache::state == 2) return nullptr;
  thread_local ThreadCache cache;
  return &cache;
}

StoragePtr acquire() {
  ThreadCache* c = kRecycle ? thread_cache() : nullptr;
  if (c && c->spare) return StoragePtr(c->spare.release());
  auto* s = new (std::nothrow) DocumentStorage;
  if (!s) throw JsonError(Errc::out_of_memory, "cannot allocate a JSON document");
  return StoragePtr(s);
}

// Room for `text` bytes plus the padding; `exact`: no more than that.
void ensure_room(DocumentStorage& s, std::size_t text, bool exact) {
  if (text > std::numeric_limits<std::size_t>::max() / 2 - kPadding)
    throw JsonError(Errc::too_large, "JSON text too large");
  std::size_t need = text + kPadding;
  if (s.cap >= need) return;
  std::size_t want = exact ? need : std::max(need, s.cap * 2);
  auto* nb = static_cast<char*>(std::realloc(s.buf, want));
  if (!nb)
    throw JsonError(Errc::out_of_memory,
                    "cannot allocate " + std::to_string(want) + " bytes for a JSON text");
  s.buf = nb;
  s.cap = want;
}

[[noreturn]] void throw_parse_error(simdjson::error_code e, std::string_view text,
                                    std::size_t max_depth) {
  Errc kind = to_errc(e);
  std::string what = json_category().message(static_cast<int>(kind));
  if (kind == Errc::too_deep) what += " (deeper than " + std::to_string(max_depth) + " levels)";
  if (kind == Errc::internal) what += std::string(" (") + simdjson::error_message(e) + ")";
  std::optional<std::size_t> at;
  switch (kind) {
    case Errc::syntax_error:
    case Errc::invalid_string:
    case Errc::invalid_number:
    case Errc::invalid_utf8:
    case Errc::too_deep:
      at = locate(kind, text, max_depth);
      break;
    default:
      break;
  }
  throw JsonError(kind, at ? describe_position(what, text, *at) : what, at);
}

}  // namespace

void StorageDeleter::operator()(DocumentStorage* s) const noexcept {
  if (!s) return;
  ThreadCache* c = kRecycle ? thread_cache() : nullptr;
  if (c && !c->spare && s->cap <= kKeepLimit + kPadding && s->doc.capacity() <= kKeepLimit) {
    s->size = 0;
    s->parsed = false;
    c->spare.reset(s);
    return;
  }
  delete s;
}

Errc to_errc(simdjson::error_code e) noexcept {
  using namespace simdjson;
  switch (e) {
    case EMPTY:
      return Errc::empty;
    case TAPE_ERROR:
    case T_ATOM_ERROR:
    case F_ATOM_ERROR:
    case N_ATOM_ERROR:
    case INCOMPLETE_ARRAY_OR_OBJECT:
    case TRAILING_CONTENT:
      return Errc::syntax_error;
    case STRING_ERROR:
    case UNESCAPED_CHARS:
    case UNCLOSED_STRING:
      return Errc::invalid_string;
    case NUMBER_ERROR:
      return Errc::invalid_number;
    case UTF8_ERROR:
      return Errc::invalid_utf8;
    case DEPTH_ERROR:
      return Errc::too_deep;
    case CAPACITY:
      return Errc::too_large;
    case MEMALLOC:
      return Errc::out_of_memory;
    case INCORRECT_TYPE:
      return Errc::incorrect_type;
    case NUMBER_OUT_OF_RANGE:
      return Errc::number_out_of_range;
    case INDEX_OUT_OF_BOUNDS:
      return Errc::index_out_of_bounds;
    case NO_SUCH_FIELD:
      return Errc::no_such_field;
    default:
      return Errc::internal;
  }
}

}  // namespace detail

// ---- Document

Document::Document() noexcept = default;
Document::Document(detail::StoragePtr s) noexcept : s_(std::move(s)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Value Document::root() const& {
  if (!s_ || !s_->parsed) throw JsonError(Errc::empty, "the Document holds no value");
  Value v;
  v.h_ = detail::to_handle(s_->root);
  return v;
}

std::string_view Document::text() const& noexcept {
  if (!s_) return {};
  return std::string_view(s_->buf, s_->size);
}

bool Document::has_value() const noexcept { return s_ && s_->parsed; }

// ---- PaddedBuffer

PaddedBuffer::PaddedBuffer() = default;
PaddedBuffer::PaddedBuffer(PaddedBuffer&&) noexcept = default;
PaddedBuffer& PaddedBuffer::operator=(PaddedBuffer&&) noexcept = default;
PaddedBuffer::~PaddedBuffer() = default;

void PaddedBuffer::reserve(std::size_t bytes) {
  if (!s_) s_ = detail::acquire();
  detail::ensure_room(*s_, bytes, true);
}

void PaddedBuffer::append(std::string_view bytes) {
  if (bytes.empty()) return;
  if (!s_) s_ = detail::acquire();
  detail::ensure_room(*s_, s_->size + bytes.size(), false);
  std::memcpy(s_->buf + s_->size, bytes.data(), bytes.size());
  s_->size += bytes.size();
}

std::size_t PaddedBuffer::size() const noexcept { return s_ ? s_->size : 0; }

std::size_t PaddedBuffer::capacity() const noexcept {
  return s_ && s_->cap >= detail::kPadding ? s_->cap - detail::kPadding : 0;
}

std::span<char> PaddedBuffer::unused() noexcept {
  if (!s_) return {};
  return std::span<char>(s_->buf + s_->size, capacity() - s_->size);
}

void PaddedBuffer::commit(std::size_t n) noexcept {
  if (s_) s_->size += std::min(n, capacity() - s_->size);
}

std::string_view PaddedBuffer::view() const noexcept {
  return s_ ? std::string_view(s_->buf, s_->size) : std::string_view();
}

Document PaddedBuffer::parse(const ParseOptions& options) && {
  detail::StoragePtr s = std::move(s_);
  if (!s) s = detail::acquire();
  detail::ensure_room(*s, s->size, false);
  // simdjson reads into the padding; zeroed, it reads defined bytes.
  std::memset(s->buf + s->size, 0, detail::kPadding);

  std::size_t depth = options.max_depth();
  std::size_t capacity = std::max<std::size_t>(s->size, simdjson::dom::MINIMAL_DOCUMENT_CAPACITY);
  std::unique_ptr<simdjson::dom::parser> own;
  simdjson::dom::parser* parser = nullptr;
  detail::ThreadCache* cache =
      detail::kRecycle && s->size <= detail::kKeepLimit ? detail::thread_cache() : nullptr;
  if (cache) {
    if (!cache->parser) cache->parser = std::make_unique<simdjson::dom::parser>();
    parser = cache->parser.get();
    capacity = std::max(capacity, parser->capacity());
  } else {
    own = std::make_unique<simdjson::dom::parser>();
    parser = own.get();
  }
  if (parser->capacity() < capacity || parser->max_depth() != depth) {
    if (simdjson::error_code e = parser->allocate(capacity, depth))
      detail::throw_parse_error(e, std::string_view(), depth);
  }
  auto result = parser->parse_into_document(s->doc, s->buf, s->size, false);
  if (result.error())
    detail::throw_parse_error(result.error(), std::string_view(s->buf, s->size), depth);
  s->root = result.value_unsafe();
  s->parsed = true;
  return Document(std::move(s));
}

Document parse(std::string_view text, const ParseOptions& options) {
  PaddedBuffer buf;
  buf.reserve(text.size());
  buf.append(text);
  return std::move(buf).parse(options);
}

void release_thread_cache() noexcept {
  if (detail::ThreadCache* c = detail::thread_cache()) {
    c->spare.reset();
    c->parser.reset();
  }
}

}  // namespace aio::json
