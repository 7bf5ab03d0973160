// aio::Result<T>: a value or the exception that took its place.
//
// gather(..., aio::return_exceptions) returns one per task. `if (r)` tests
// for a value; value() returns it or rethrows the exception; error() is the
// exception_ptr; error_message() its what() text.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace aio {

namespace detail {
std::string exception_message(const std::exception_ptr& e);
}

template <class T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(std::exception_ptr error) : error_(std::move(error)) {}

  explicit operator bool() const noexcept { return !error_; }
  bool has_value() const noexcept { return !error_; }

  T& value() & {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }
  T&& value() && {
    if (error_) std::rethrow_exception(error_);
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }

  const std::exception_ptr& error() const noexcept { return error_; }
  std::string error_message() const { return detail::exception_message(error_); }

 private:
  std::optional<T> value_;
  std::exception_ptr error_;
};

template <>
class Result<void> {
 public:
  Result() = default;
  Result(std::exception_ptr error) : error_(std::move(error)) {}
  explicit operator bool() const noexcept { return !error_; }
  bool has_value() const noexcept { return !error_; }
  void value() const {
    if (error_) std::rethrow_exception(error_);
  }
  const std::exception_ptr& error() const noexcept { return error_; }
  std::string error_message() const { return detail::exception_message(error_); }

 private:
  std::exception_ptr error_;
};

}  // namespace aio
