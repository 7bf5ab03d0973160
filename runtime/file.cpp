#include "file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <new>
#include <utility>

#include "uvx/fs.hpp"

namespace aio {

void FileBuffer::Free::operator()(char* p) const noexcept { std::free(p); }

FileBuffer::FileBuffer(std::size_t capacity) : bytes_(static_cast<char*>(std::malloc(capacity))), capacity_(capacity) {
  if (!bytes_) throw std::bad_alloc();
}

File File::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(-errno, "open " + path);
  File f;
  f.fd_ = fd;
  f.owned_ = true;
  f.name_ = path;
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw IoError(-errno, "stat " + path);
  if (S_ISDIR(st.st_mode)) throw IoError(UV_EISDIR, "read " + path);
  f.regular_ = S_ISREG(st.st_mode);
  f.size_ = f.regular_ ? static_cast<std::uint64_t>(st.st_size) : 0;
  return f;
}

File File::borrow(int fd) {
  File f;
  f.fd_ = fd;
  f.name_ = fd == 0 ? "stdin" : "fd " + std::to_string(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw IoError(-errno, "stat " + f.name_);
  f.regular_ = S_ISREG(st.st_mode);
  if (f.regular_) {
    off_t at = ::lseek(fd, 0, SEEK_CUR);
    f.start_ = at > 0 ? static_cast<std::uint64_t>(at) : 0;
    f.size_ = static_cast<std::uint64_t>(st.st_size) > f.start_ ? static_cast<std::uint64_t>(st.st_size) - f.start_ : 0;
  }
  return f;
}

File::File(File&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      owned_(std::exchange(o.owned_, false)),
      regular_(o.regular_),
      size_(o.size_),
      start_(o.start_),
      name_(std::move(o.name_)) {}

File& File::operator=(File&& o) noexcept {
  if (this != &o) {
    if (owned_ && fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    owned_ = std::exchange(o.owned_, false);
    regular_ = o.regular_;
    size_ = o.size_;
    start_ = o.start_;
    name_ = std::move(o.name_);
  }
  return *this;
}

File::~File() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

File::ReadAwaiter::~ReadAwaiter() { uvx_fs_detach(req_); }

bool File::ReadAwaiter::start() noexcept {
  if (!buf_.bytes_) {
    result_ = UV_ENOBUFS;
    return false;
  }
  char* mem = buf_.bytes_.get();
  int rc = uvx_fs_read(Loop::current().uv(), f_.fd_, mem, buf_.capacity_, offset_,
                       [](void* self, ssize_t result, char* buf) { on_done(self, static_cast<long>(result), buf); },
                       this, &req_);
  if (rc != 0) {
    result_ = rc;
    return false;
  }
  (void)buf_.bytes_.release();  // the request owns it until on_done
  return true;
}

void File::ReadAwaiter::on_done(void* self, long result, char* buf) noexcept {
  auto* a = static_cast<ReadAwaiter*>(self);
  a->req_ = nullptr;
  a->buf_.bytes_.reset(buf);
  a->result_ = result;
  a->complete();
}

bool File::ReadAwaiter::on_cancel() noexcept {
  uvx_fs_detach(std::exchange(req_, nullptr));
  return true;
}

std::size_t File::ReadAwaiter::await_resume() {
  end();
  if (result_ < 0) throw IoError(static_cast<int>(result_), "read " + f_.name_);
  return static_cast<std::size_t>(result_);
}

}  // namespace aio
