// aio::Result<T>: a value or the error that took its place.
//
// gather(..., aio::return_exceptions) returns one per task, and
// aio::as_result (as_result.hpp) turns any awaitable into one:
//
//   aio::Result<Response> r = co_await session.get(url, aio::as_result);
//   if (!r) {
//     r.code();                                  // std::error_code (aio::http::Errc::connect_failed, ...)
//     r.error_message();                         // "GET http://...: cannot connect: connection refused"
//     if (r.error_is<aio::http::ConnectorError>()) ...        // the exception tree, as a test
//     if (auto* e = r.error_as<aio::http::ResponseError>()) e->status();
//   }
//
// `if (r)` tests for a value; value() returns it or rethrows the error;
// error() is the exception_ptr itself.
//
// The error side is inspected once, when the Result is made: code(),
// error_message(), error_as<E>() and error_is<E>() then neither throw nor
// rethrow. error_as<E>() is a dynamic_cast on the exception object that
// error() holds (C++20 [propagation]: rethrow_exception throws that very
// object), so the pointer is valid for as long as this Result (or a copy of
// error()) lives. E is any class of the tree: aio::Error, CancelledError,
// aio::TimeoutError, aio::http::ClientError and its subclasses,
// aio::json::JsonError, or std::exception for anything else.
//
// code() is the aio::Error's code (categories "aio", "libuv", "aio.http",
// "aio.json", "aio.tls"), a std::system_error's code,
// std::errc::not_enough_memory for std::bad_alloc, and
// aio::foreign_error() (category "aio.foreign") for any other exception.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "error.hpp"

namespace aio {

// The code of an exception that is neither an aio::Error nor a
// std::system_error (a std::runtime_error thrown by user code, say).
const std::error_category& foreign_category() noexcept;
inline std::error_code foreign_error() noexcept { return {1, foreign_category()}; }

namespace detail {

std::string exception_message(const std::exception_ptr& e);

// An exception_ptr inspected once: its std::exception (if it is one) and code.
class ErrorInfo {
 public:
  ErrorInfo() = default;
  explicit ErrorInfo(std::exception_ptr e);

  explicit operator bool() const noexcept { return static_cast<bool>(ptr_); }
  const std::exception_ptr& ptr() const noexcept { return ptr_; }
  const std::error_code& code() const noexcept { return code_; }
  std::string message() const;
  template <class E>
  const E* as() const noexcept {
    if (exception_ == nullptr) return nullptr;
    if constexpr (std::is_same_v<E, std::exception>)
      return exception_;
    else
      return dynamic_cast<const E*>(exception_);
  }

 private:
  std::exception_ptr ptr_;
  const std::exception* exception_ = nullptr;  // inside *ptr_, when it is a std::exception
  std::error_code code_;
};

// The error side that Result<T> and Result<void> share.
class ResultBase {
 public:
  explicit operator bool() const noexcept { return !error_; }
  bool has_value() const noexcept { return !error_; }

  // The error side (empty / null when there is a value).
  const std::exception_ptr& error() const noexcept { return error_.ptr(); }
  const std::error_code& code() const noexcept { return error_.code(); }
  std::string error_message() const { return error_.message(); }
  template <class E>
  const E* error_as() const noexcept {
    return error_.template as<E>();
  }
  template <class E>
  bool error_is() const noexcept {
    return error_as<E>() != nullptr;
  }
  bool cancelled() const noexcept { return error_is<CancelledError>(); }
  bool timed_out() const noexcept { return error_is<TimeoutError>(); }

 protected:
  ResultBase() = default;
  explicit ResultBase(std::exception_ptr error) : error_(std::move(error)) {}
  void rethrow_if_error() const {
    if (error_) std::rethrow_exception(error_.ptr());
  }

  ErrorInfo error_;
};

}  // namespace detail

template <class T>
class Result : public detail::ResultBase {
 public:
  Result(T value) : value_(std::move(value)) {}
  Result(std::exception_ptr error) : ResultBase(std::move(error)) {}

  // The value; rethrows the error when there is none.
  T& value() & {
    rethrow_if_error();
    return *value_;
  }
  const T& value() const& {
    rethrow_if_error();
    return *value_;
  }
  T&& value() && {
    rethrow_if_error();
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // The value, or `fallback` when there is an error (never throws but for
  // T's own copy or move).
  template <class U>
  T value_or(U&& fallback) const& {
    return error_ ? static_cast<T>(std::forward<U>(fallback)) : *value_;
  }
  template <class U>
  T value_or(U&& fallback) && {
    return error_ ? static_cast<T>(std::forward<U>(fallback)) : std::move(*value_);
  }

 private:
  std::optional<T> value_;
};

template <>
class Result<void> : public detail::ResultBase {
 public:
  Result() = default;
  Result(std::exception_ptr error) : ResultBase(std::move(error)) {}
  void value() const { rethrow_if_error(); }
};

}  // namespace aio
