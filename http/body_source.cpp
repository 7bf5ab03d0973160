#include "body_source.hpp"

#include <algorithm>

#include "error.hpp"

namespace aio::http::detail {

void throw_body_read_failed(const std::string& name, const std::string& why) {
  throw ClientError(make_error_code(Errc::body_read_failed), "cannot read the request body from " + name + ": " + why);
}

namespace {

File open_file(const std::string& path) {
  std::string why;
  try {
    return File::open(path);
  } catch (const IoError& e) {
    why = e.code().message();
  }
  throw_body_read_failed(path, why);
}

File borrow_file(int fd) {
  std::string why;
  try {
    return File::borrow(fd);
  } catch (const IoError& e) {
    why = e.code().message();
  }
  throw_body_read_failed("fd " + std::to_string(fd), why);
}

}  // namespace

FileSource::FileSource(const std::string& path) : file_(open_file(path)) {}

FileSource::FileSource(int fd) : file_(borrow_file(fd)) {}

std::optional<std::uint64_t> FileSource::size() const noexcept {
  if (!file_.regular()) return std::nullopt;
  return file_.size();
}

void FileSource::rewind() {
  if (started_ && !file_.regular())
    throw ClientError(make_error_code(Errc::body_not_replayable), "the body from " + file_.name() + " cannot be sent again");
  started_ = true;
  sent_ = 0;
}

Task<std::span<const char>> FileSource::next() {
  std::int64_t offset = -1;
  std::size_t want = buf_.capacity();
  if (file_.regular()) {
    if (sent_ == file_.size()) co_return std::span<const char>();
    offset = static_cast<std::int64_t>(file_.start() + sent_);
    want = static_cast<std::size_t>(std::min<std::uint64_t>(want, file_.size() - sent_));
  }
  std::size_t n = 0;
  std::string why;
  try {
    n = co_await file_.read(buf_, offset);
  } catch (const IoError& e) {
    why = e.code().message();
  }
  if (!why.empty()) throw_body_read_failed(file_.name(), why);
  if (n == 0 && file_.regular())
    throw_body_read_failed(file_.name(), "the file shrank while it was sent (" + std::to_string(sent_) + " of " +
                                             std::to_string(file_.size()) + " bytes)");
  n = std::min(n, want);
  sent_ += n;
  co_return buf_.data(n);
}

void GeneratorSource::rewind() {
  if (started_)
    throw ClientError(make_error_code(Errc::body_not_replayable), "a streamed body cannot be sent again");
  started_ = true;
}

Task<std::span<const char>> GeneratorSource::next() {
  for (;;) {
    std::optional<std::string> chunk = co_await next_();
    if (!chunk) co_return std::span<const char>();
    if (chunk->empty()) continue;
    chunk_ = std::move(*chunk);
    co_return std::span<const char>(chunk_.data(), chunk_.size());
  }
}

}  // namespace aio::http::detail
