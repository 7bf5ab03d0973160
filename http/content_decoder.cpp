#include "content_decoder.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace aio::http {
namespace {

constexpr size_t kStep = 16 * 1024;  // output per inflate() call, per stage

enum class Kind { gzip, deflate };

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A coding name for an error message: bounded, printable.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 40) out += "...";
  return out;
}

// RFC 1950 §2.2: CM = 8 (deflate), CINFO <= 7, FCHECK makes CMF*256+FLG a
// multiple of 31. A raw deflate stream passes this by chance rarely enough
// that curl and browsers sniff the same way.
bool is_zlib_header(unsigned char cmf, unsigned char flg) {
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && (cmf * 256 + flg) % 31 == 0;
}

size_t saturating_add(size_t a, size_t b) {
  return a > std::numeric_limits<size_t>::max() - b ? std::numeric_limits<size_t>::max() : a + b;
}

}  // namespace

struct ContentDecoder::Stage {
  explicit Stage(Kind k) : kind(k), buffer(new unsigned char[kStep]) {}
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;
  ~Stage() {
    if (initialized) inflateEnd(&zs);
  }
  const char* name() const { return kind == Kind::gzip ? "gzip" : "deflate"; }

  Kind kind;
  z_stream zs{};  // zlib keeps a pointer back to it: the Stage never moves
  bool initialized = false;
  bool ended = false;      // at the end of a stream (gzip: of a member)
  unsigned char sniff[2];  // deflate: the first two bytes, to tell zlib from raw
  size_t sniffed = 0;
  size_t produced = 0;
  std::unique_ptr<unsigned char[]> buffer;
};

ContentDecoder::ContentDecoder(std::string_view content_encoding, size_t max_output)
    : max_output_(max_output) {
  std::vector<Kind> applied;
  size_t count = 0;
  std::string_view rest = content_encoding;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view coding = trim_ows(rest.substr(0, comma));
    if (!coding.empty()) {  // RFC 9110 §5.6.1: empty list elements are ignored
      if (++count > kMaxCodings)
        throw PayloadError(
            make_error_code(Errc::bad_encoding),
            "Content-Encoding: more than " + std::to_string(kMaxCodings) + " codings");
      if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) {
        applied.push_back(Kind::gzip);
      } else if (iequals(coding, "deflate")) {
        applied.push_back(Kind::deflate);
      } else if (!iequals(coding, "identity")) {
        throw PayloadError(make_error_code(Errc::bad_encoding),
                           "Content-Encoding: unsupported coding '" + printable(coding) + "'");
      }
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  // The server applied them left to right; undo them right to left.
  for (auto it = applied.rbegin(); it != applied.rend(); ++it)
    stages_.push_back(std::make_unique<Stage>(*it));
}

ContentDecoder::~ContentDecoder() = default;
ContentDecoder::ContentDecoder(ContentDecoder&&) noexcept = default;
ContentDecoder& ContentDecoder::operator=(ContentDecoder&&) noexcept = default;

void ContentDecoder::fail(Errc code, std::string message) {
  failed_ = code;
  failure_ = message;
  throw PayloadError(make_error_code(code), std::move(message));
}

void ContentDecoder::check_failed() const {
  if (failed_ != Errc{}) throw PayloadError(make_error_code(failed_), failure_);
}

void ContentDecoder::feed(std::string_view in, std::string& out) {
  check_failed();
  auto data = reinterpret_cast<const unsigned char*>(in.data());
  if (stages_.empty())
    emit(data, in.size(), out);
  else
    push(0, data, in.size(), out);
}

void ContentDecoder::emit(const unsigned char* data, size_t size, std::string& out) {
  if (size > max_output_ - produced_)
    fail(Errc::bad_body,
         "decoded body larger than the limit of " + std::to_string(max_output_) + " bytes");
  out.append(reinterpret_cast<const char*>(data), size);
  produced_ += size;
}

// Pushes `size` bytes into stage `index`; everything it can decode from them
// goes on to the next stage (or `out`) before this returns, 16 KiB at a time.
void ContentDecoder::push(size_t index, const unsigned char* data, size_t size, std::string& out) {
  Stage& s = *stages_[index];
  if (size == 0) return;

  if (!s.initialized) {
    int window_bits = 15 + 16;  // gzip only
    if (s.kind == Kind::deflate) {
      while (s.sniffed < 2 && size > 0) {
        s.sniff[s.sniffed++] = *data++;
        --size;
      }
      if (s.sniffed < 2) return;
      window_bits = is_zlib_header(s.sniff[0], s.sniff[1]) ? 15 : -15;
    }
    if (inflateInit2(&s.zs, window_bits) != Z_OK)
      fail(Errc::bad_encoding, std::string(s.name()) + ": cannot initialise zlib");
    s.initialized = true;
    if (s.kind == Kind::deflate) {
      push(index, s.sniff, 2, out);
      push(index, data, size, out);
      return;
    }
  }

  // Intermediate stages are capped too: see the header.
  const size_t stage_cap = saturating_add(saturating_add(max_output_, max_output_ / 16), 64 * 1024);
  const bool last = index + 1 == stages_.size();

  while (size > 0) {
    if (s.ended) {
      if (s.kind == Kind::deflate)
        fail(Errc::bad_encoding, "deflate: data after the end of the stream");
      // Another gzip member, or trailing garbage. zlib checks the magic only
      // once it has both bytes; look at the first one now so that one stray
      // byte fails here rather than at finish().
      if (data[0] != 0x1f) fail(Errc::bad_encoding, "gzip: data after the end of the stream");
      inflateReset(&s.zs);
      s.ended = false;
    }
    s.zs.next_in = const_cast<unsigned char*>(data);  // zlib < 1.2.12 lacks const
    s.zs.avail_in = static_cast<uInt>(std::min<size_t>(size, std::numeric_limits<uInt>::max()));
    const uInt given = s.zs.avail_in;
    while (true) {
      s.zs.next_out = s.buffer.get();
      s.zs.avail_out = static_cast<uInt>(kStep);
      int rc = inflate(&s.zs, Z_NO_FLUSH);
      if (rc == Z_NEED_DICT)
        fail(Errc::bad_encoding, std::string(s.name()) + ": needs a preset dictionary");
      if (rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR)
        fail(Errc::bad_encoding, std::string(s.name()) + ": corrupt data (" +
                                     (s.zs.msg ? s.zs.msg : "zlib error") + ")");
      size_t got = kStep - s.zs.avail_out;
      if (got > 0) {
        if (last) {
          emit(s.buffer.get(), got, out);
        } else {
          s.produced += got;
          if (s.produced > stage_cap)
            fail(Errc::bad_body, std::string(s.name()) + ": intermediate stream larger than " +
                                     std::to_string(stage_cap) + " bytes");
          push(index + 1, s.buffer.get(), got, out);
        }
      }
      if (rc == Z_STREAM_END) {
        s.ended = true;
        break;
      }
      // Z_OK with room left means all input consumed and all output flushed;
      // Z_BUF_ERROR means no progress was possible (no input left).
      if (s.zs.avail_out != 0 || rc == Z_BUF_ERROR) break;
    }
    size_t consumed = given - s.zs.avail_in;
    if (consumed == 0 && !s.ended)  // cannot happen with zlib; never spin
      fail(Errc::bad_encoding, std::string(s.name()) + ": no progress");
    data += consumed;
    size -= consumed;
    s.zs.next_in = nullptr;
    s.zs.avail_in = 0;
  }
}

void ContentDecoder::finish(std::string& out) {
  (void)out;  // every byte has been passed on by feed(): inflate holds nothing back
  check_failed();
  for (const auto& s : stages_) {
    bool no_input = !s->initialized && s->sniffed == 0;
    if (!no_input && !s->ended)
      fail(Errc::bad_encoding, std::string(s->name()) + ": truncated stream");
  }
}

}  // namespace aio::http
