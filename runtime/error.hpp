// aiocpp's exception root and the runtime's errors.
//
// Every exception aiocpp throws derives from aio::Error, which carries a
// std::error_code and a message naming what failed. Modules derive their
// own trees from it (aio::http::ClientError, ...). The bases are virtual so
// that an error can belong to two families: aio::http::TimeoutError is both
// an aio::TimeoutError and an aio::http::ClientError.
//
// I/O failures from libuv carry their libuv code (negative int) in
// aio::uv_category(); message() is libuv's uv_strerror text.
#pragma once

#include <exception>
#include <string>
#include <system_error>

namespace aio {

// The libuv error category: value() is a libuv code (e.g. UV_ECONNREFUSED).
const std::error_category& uv_category() noexcept;

// A libuv code as a std::error_code.
inline std::error_code uv_error(int code) noexcept { return {code, uv_category()}; }

// Runtime error conditions that are not libuv's.
enum class Errc {
  cancelled = 1,  // the task was cancelled
  timeout,        // a deadline passed
  deadlock,       // aio::run's task waits on nothing that can wake it
  closed,         // the object was closed while the operation waited
};
const std::error_category& runtime_category() noexcept;
inline std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), runtime_category()};
}

// The root of every aiocpp exception.
class Error : public std::exception {
 public:
  Error(std::error_code code, std::string message)
      : code_(code), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  const std::error_code& code() const noexcept { return code_; }

 protected:
  // Virtual bases are built by the most derived class; this one is for
  // derived classes that pass code and message on.
  Error() = default;

 private:
  std::error_code code_;
  std::string message_;
};

// The task was cancelled (task.cancel(), a cancelled parent, gather's first
// failure, a timeout around it). Cancellation is sticky: every later
// suspension point of a cancelled task throws it again.
class CancelledError : public virtual Error {
 public:
  explicit CancelledError(std::string message = "operation cancelled")
      : Error(make_error_code(Errc::cancelled), std::move(message)) {}
};

// A deadline passed (aio::with_timeout and the modules' own timeouts).
class TimeoutError : public virtual Error {
 public:
  explicit TimeoutError(std::string message)
      : Error(make_error_code(Errc::timeout), std::move(message)) {}

 protected:
  TimeoutError() = default;
};

// A libuv operation failed; code() is in uv_category().
class IoError : public virtual Error {
 public:
  IoError(int uv_code, const std::string& what)
      : Error(uv_error(uv_code), what + ": " + uv_error(uv_code).message()) {}
};

// Throws IoError when `rc` is a libuv error (negative).
void throw_if_uv_error(int rc, const char* what);

}  // namespace aio

template <>
struct std::is_error_code_enum<aio::Errc> : std::true_type {};
