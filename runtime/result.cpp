#include "result.hpp"

#include <new>

namespace aio {
namespace {

class ForeignCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "aio.foreign"; }
  std::string message(int) const override { return "exception outside aiocpp's error tree"; }
};

}  // namespace

const std::error_category& foreign_category() noexcept {
  static const ForeignCategory category;
  return category;
}

namespace detail {

std::string exception_message(const std::exception_ptr& e) {
  if (!e) return {};
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

// One rethrow, here, so that nothing later has to. The pointers taken inside
// the handlers point into the exception object, which `ptr_` keeps alive.
ErrorInfo::ErrorInfo(std::exception_ptr e) : ptr_(std::move(e)) {
  if (!ptr_) return;
  try {
    std::rethrow_exception(ptr_);
  } catch (const Error& x) {
    exception_ = &x;
    code_ = x.code();
  } catch (const std::system_error& x) {
    exception_ = &x;
    code_ = x.code();
  } catch (const std::bad_alloc& x) {
    exception_ = &x;
    code_ = std::make_error_code(std::errc::not_enough_memory);
  } catch (const std::exception& x) {
    exception_ = &x;
    code_ = foreign_error();
  } catch (...) {
  }
  if (!code_) code_ = foreign_error();
}

std::string ErrorInfo::message() const {
  if (!ptr_) return {};
  return exception_ != nullptr ? exception_->what() : "unknown exception";
}

}  // namespace detail
}  // namespace aio
