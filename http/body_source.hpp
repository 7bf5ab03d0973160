// Request bodies that are not in memory: sent piece by piece while the
// request is written, with back-pressure (the next piece is read only once
// the previous one was written).
//
// A BodySource is made when the request starts: a file (RequestOptions::
// file), a generator (RequestOptions::stream) or a multipart form
// (RequestOptions::multipart, form_data.hpp). Its size(), when known, is sent
// as Content-Length; otherwise the body goes out chunked. A replayable body
// (a regular file, a form of bytes and regular files) is sent again from its
// start for a 307/308 redirect or the stale-connection retry; one that is
// not (a generator, a pipe, stdin) makes such a redirect fail with
// ClientError (Errc::body_not_replayable) and is never retried.
//
// A file that cannot be opened or read throws ClientError with
// Errc::body_read_failed (curl's exit 26), naming the file.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "../runtime/file.hpp"
#include "../runtime/task.hpp"

namespace aio::http {

class BodySource {
 public:
  virtual ~BodySource() = default;
  // Bytes in the whole body when known before sending; std::nullopt: chunked.
  virtual std::optional<std::uint64_t> size() const noexcept = 0;
  virtual bool replayable() const noexcept = 0;
  // Goes back to the first byte (each send starts with it).
  virtual void rewind() = 0;
  // The next piece, empty at the end. Valid until the next call.
  virtual Task<std::span<const char>> next() = 0;
};

// A streamed body: each call returns the next chunk, std::nullopt at the
// end. It cannot be replayed.
using BodyGenerator = std::function<Task<std::optional<std::string>>()>;

namespace detail {

// The bytes of a file, read in pieces of kPiece bytes on the thread pool. A
// regular file is sent as it was when opened (size() bytes; a file that
// shrinks meanwhile is an error); anything else is read to its end, once.
class FileSource final : public BodySource {
 public:
  static constexpr std::size_t kPiece = 256 * 1024;
  // Open the file now (ClientError Errc::body_read_failed when it cannot be).
  explicit FileSource(const std::string& path);
  explicit FileSource(int fd);
  std::optional<std::uint64_t> size() const noexcept override;
  bool replayable() const noexcept override { return file_.regular(); }
  void rewind() override;
  Task<std::span<const char>> next() override;

 private:
  File file_;
  FileBuffer buf_{kPiece};
  std::uint64_t sent_ = 0;
  bool started_ = false;
};

class GeneratorSource final : public BodySource {
 public:
  explicit GeneratorSource(BodyGenerator next) : next_(std::move(next)) {}
  std::optional<std::uint64_t> size() const noexcept override { return std::nullopt; }
  bool replayable() const noexcept override { return false; }
  void rewind() override;
  Task<std::span<const char>> next() override;

 private:
  BodyGenerator next_;
  std::string chunk_;
  bool started_ = false;
};

// Throws ClientError(Errc::body_read_failed) for `what` failing on `name`.
[[noreturn]] void throw_body_read_failed(const std::string& name, const std::string& why);

}  // namespace detail

}  // namespace aio::http
