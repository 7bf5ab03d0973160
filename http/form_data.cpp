#include "form_data.hpp"

#include <random>

#include "error.hpp"

namespace aio::http {

namespace detail {

std::string quote_disposition(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      case '\0': out += "%00"; break;
      default: out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

namespace {

std::string random_boundary() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device rd;
  std::string b = "aiocpp-";
  for (int i = 0; i < 4; ++i) {
    std::uint32_t r = rd();
    for (int k = 0; k < 8; ++k, r >>= 4) b.push_back(kHex[r & 15]);
  }
  return b;
}

std::string basename_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The parts in order: the delimiters and part heads in memory, file
// contents from their FileSource.
class MultipartSource final : public BodySource {
 public:
  struct Piece {
    std::string bytes;
    std::unique_ptr<FileSource> file;
  };
  explicit MultipartSource(std::vector<Piece> pieces) : pieces_(std::move(pieces)) {}

  std::optional<std::uint64_t> size() const noexcept override {
    std::uint64_t n = 0;
    for (const Piece& p : pieces_) {
      if (!p.file) {
        n += p.bytes.size();
        continue;
      }
      auto s = p.file->size();
      if (!s) return std::nullopt;
      n += *s;
    }
    return n;
  }
  bool replayable() const noexcept override {
    for (const Piece& p : pieces_)
      if (p.file && !p.file->replayable()) return false;
    return true;
  }
  void rewind() override {
    if (started_ && !replayable())
      throw ClientError(make_error_code(Errc::body_not_replayable), "a multipart body with a pipe cannot be sent again");
    started_ = true;
    at_ = 0;
    for (Piece& p : pieces_)
      if (p.file) p.file->rewind();
  }
  Task<std::span<const char>> next() override {
    while (at_ < pieces_.size()) {
      Piece& p = pieces_[at_];
      if (!p.file) {
        ++at_;
        co_return std::span<const char>(p.bytes.data(), p.bytes.size());
      }
      std::span<const char> got = co_await p.file->next();
      if (!got.empty()) co_return got;
      ++at_;
    }
    co_return std::span<const char>();
  }

 private:
  std::vector<Piece> pieces_;
  std::size_t at_ = 0;
  bool started_ = false;
};

void check_header_value(std::string_view v) {
  if (v.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
    throw ClientError(make_error_code(Errc::invalid_argument),
                      "a multipart Content-Type contains CR, LF or NUL");
}

}  // namespace

}  // namespace detail

FormData::FormData() : boundary_(detail::random_boundary()) {}

FormData& FormData::field(std::string name, std::string value, std::string content_type) {
  parts_.push_back(Part{std::move(name), "", std::move(content_type), std::move(value), false, false});
  return *this;
}

FormData& FormData::file(std::string name, std::string path, std::string filename, std::string content_type) {
  if (filename.empty()) filename = detail::basename_of(path);
  if (content_type.empty()) content_type = "application/octet-stream";
  parts_.push_back(Part{std::move(name), std::move(filename), std::move(content_type), std::move(path), true, true});
  return *this;
}

FormData& FormData::bytes(std::string name, std::string data, std::string filename, std::string content_type) {
  if (content_type.empty()) content_type = "application/octet-stream";
  parts_.push_back(Part{std::move(name), std::move(filename), std::move(content_type), std::move(data), false, true});
  return *this;
}

bool FormData::boundary_fits() const {
  for (const Part& p : parts_) {
    for (std::string_view s : {std::string_view(p.name), std::string_view(p.filename), std::string_view(p.content_type)})
      if (s.find(boundary_) != std::string_view::npos) return false;
    if (!p.from_file && p.data.find(boundary_) != std::string::npos) return false;
  }
  return true;
}

std::unique_ptr<BodySource> FormData::open() {
  while (!boundary_fits()) boundary_ = detail::random_boundary();
  std::vector<detail::MultipartSource::Piece> pieces;
  std::string head;
  for (const Part& p : parts_) {
    detail::check_header_value(p.content_type);
    head += "--" + boundary_ + "\r\nContent-Disposition: form-data; name=" + detail::quote_disposition(p.name);
    if (p.has_filename) head += "; filename=" + detail::quote_disposition(p.filename);
    head += "\r\n";
    if (!p.content_type.empty()) head += "Content-Type: " + p.content_type + "\r\n";
    head += "\r\n";
    if (p.from_file) {
      pieces.push_back({std::move(head), nullptr});
      head.clear();
      pieces.push_back({"", std::make_unique<detail::FileSource>(p.data)});
    } else {
      head += p.data;
    }
    head += "\r\n";
  }
  head += "--" + boundary_ + "--\r\n";
  pieces.push_back({std::move(head), nullptr});
  return std::make_unique<detail::MultipartSource>(std::move(pieces));
}

}  // namespace aio::http
