#include "error.hpp"

#include <uv.h>

namespace aio {
namespace {

class UvCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "libuv"; }
  std::string message(int code) const override { return uv_strerror(code); }
};

class RuntimeCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "aio"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::cancelled: return "operation cancelled";
      case Errc::timeout: return "operation timed out";
      case Errc::deadlock: return "task waits on nothing that can wake it";
      case Errc::closed: return "closed while waiting";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& uv_category() noexcept {
  static const UvCategory category;
  return category;
}

const std::error_category& runtime_category() noexcept {
  static const RuntimeCategory category;
  return category;
}

void throw_if_uv_error(int rc, const char* what) {
  if (rc < 0) throw IoError(rc, what);
}

}  // namespace aio
