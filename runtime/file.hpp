// aio::File: a file read without blocking the loop — each read runs on
// libuv's thread pool — for request bodies streamed from disk or stdin.
//
//   aio::File f = aio::File::open("upload.bin");   // throws IoError
//   aio::FileBuffer buf(256 * 1024);
//   std::size_t n = co_await f.read(buf, 0);         // 0: end of file
//   std::span<const char> bytes = buf.data(n);
//
// open() and borrow() are synchronous (an open(2) and an fstat(2)). A read
// owns its buffer while it runs: a cancelled read leaves the buffer to the
// request, which frees it when the worker thread is done, so nothing touches
// the cancelled task's memory. A read already running on a pipe cannot be
// stopped: the loop waits for it when it closes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "detail/suspension.hpp"

struct uvx_fs_s;

namespace aio {

// Memory for File::read: malloc'd, handed to the read while it runs.
class FileBuffer {
 public:
  explicit FileBuffer(std::size_t capacity);
  std::size_t capacity() const noexcept { return capacity_; }
  // The first n bytes (n <= capacity()); empty while a read holds the memory.
  std::span<const char> data(std::size_t n) const noexcept { return {bytes_.get(), bytes_ ? n : 0}; }

 private:
  friend class File;
  struct Free {
    void operator()(char* p) const noexcept;
  };
  std::unique_ptr<char, Free> bytes_;
  std::size_t capacity_;
};

class File {
 public:
  File() noexcept = default;
  // Opens `path` read-only. Throws IoError naming the path.
  static File open(const std::string& path);
  // Uses an open descriptor, which stays the caller's (never closed here).
  // Throws IoError when fstat fails.
  static File borrow(int fd);
  File(File&& o) noexcept;
  File& operator=(File&& o) noexcept;
  ~File();

  bool is_open() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }
  // A regular file: its size is known and it can be read at any offset.
  // Otherwise (a pipe, a terminal) it is read once, from where it stands.
  bool regular() const noexcept { return regular_; }
  std::uint64_t size() const noexcept { return size_; }
  // For a borrowed regular file: where its descriptor stood when borrowed.
  std::uint64_t start() const noexcept { return start_; }
  const std::string& name() const noexcept { return name_; }

  class ReadAwaiter final : public detail::Suspension {
   public:
    ReadAwaiter(File& f, FileBuffer& buf, std::int64_t offset) noexcept : f_(f), buf_(buf), offset_(offset) {}
    ~ReadAwaiter();
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
      if (!begin(h)) return false;
      return start();
    }
    std::size_t await_resume();

   private:
    bool start() noexcept;
    bool on_cancel() noexcept override;
    static void on_done(void* self, long result, char* buf) noexcept;

    File& f_;
    FileBuffer& buf_;
    std::int64_t offset_;
    uvx_fs_s* req_ = nullptr;
    long result_ = 0;
  };

  // Reads up to buf.capacity() bytes at `offset` (-1: from the current
  // position). Returns the count, 0 at end of file; throws IoError.
  [[nodiscard]] ReadAwaiter read(FileBuffer& buf, std::int64_t offset) noexcept { return {*this, buf, offset}; }

 private:
  int fd_ = -1;
  bool owned_ = false;
  bool regular_ = false;
  std::uint64_t size_ = 0;
  std::uint64_t start_ = 0;
  std::string name_;
};

}  // namespace aio
