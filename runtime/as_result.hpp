// aio::as_result: errors as values, for callers that do not use exceptions.
//
//   aio::Result<int> r = co_await aio::as_result(compute());          // any Task<T>
//   aio::Result<void> s = co_await aio::as_result(aio::sleep(1s));    // any awaitable
//   auto t = co_await aio::as_result(aio::with_timeout(2s, compute()));
//   auto resp = co_await session.get(url, aio::as_result);            // the tag form
//   if (!resp) log(resp.code(), resp.error_message());
//
// The operation runs exactly as it would under a plain co_await; only its
// ending changes: instead of throwing, the co_await returns an aio::Result<T>
// (result.hpp) holding either the value or the error, with code(),
// error_message() and error_is<E>() / error_as<E>() over the same exception
// tree (aio::Error, CancelledError, TimeoutError, aio::http::ConnectorError,
// ...). Nothing is lost: error() is the very exception that a plain co_await
// would have thrown.
//
// The forms:
//   as_result(Task<T>)      -> Task<Result<T>>: a task like any other, which
//                              can also go to gather, a Scope, with_timeout.
//   as_result(awaitable)    -> an awaiter of Result<T> (sleep, Event::wait,
//                              Semaphore::acquire, with_timeout, TCP reads,
//                              ...). It refers to a non-movable awaitable
//                              (every leaf awaiter is one): co_await it in
//                              the statement that makes it.
//   f(args..., as_result)   -> the tag on Session's request methods
//                              (http/session.hpp): Task<Result<Response>>.
//
// Cancellation: the one outcome that is not turned into a value is the
// cancellation of the awaiting task itself. Cancelling a task is its owner
// (gather, a Scope, with_timeout, Loop::close) asking it to unwind, not a
// failure of the operation, so when the awaiting task has been cancelled and
// the operation ends in CancelledError, that CancelledError propagates out of
// the co_await as usual: the caller still gets cancelled, and cancellation
// stays sticky. The caller needs no catch for it: the exception ends at the
// owner that asked for it (gather and Scope treat it as the normal ending of
// a cancelled task). A CancelledError that does not come from the caller's
// own cancellation (the awaited task was cancel()led directly, or
// session.close() cancelled the request) is an ordinary error value:
// r.cancelled() is true.
//
// Order matters with timeouts: as_result(with_timeout(d, t)) gives a Result
// whose error is the TimeoutError; with_timeout(d, as_result(t)) cancels the
// as_result task at the deadline, which is that task's own cancellation, so
// with_timeout throws TimeoutError as usual.
//
// Cost: on success, none beyond the Result (the Task form adds one
// coroutine frame, recycled like every task frame); on failure, the one
// rethrow that inspects the error (result.hpp).
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "detail/promise.hpp"
#include "error.hpp"
#include "result.hpp"
#include "task.hpp"

namespace aio {

namespace detail {

template <class A>
struct IsTask : std::false_type {};
template <class T>
struct IsTask<Task<T>> : std::true_type {};

// The awaiter that `co_await a` uses: a.operator co_await(), operator
// co_await(a), or `a` itself.
template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (requires { static_cast<A&&>(a).operator co_await(); })
    return static_cast<A&&>(a).operator co_await();
  else if constexpr (requires { operator co_await(static_cast<A&&>(a)); })
    return operator co_await(static_cast<A&&>(a));
  else
    return static_cast<A&&>(a);
}

template <class A>
using AwaiterOf = decltype(get_awaiter(std::declval<A>()));

template <class A>
using AwaitValue = std::remove_cvref_t<decltype(std::declval<std::remove_reference_t<AwaiterOf<A>>&>().await_resume())>;

// Builds a (possibly non-movable) awaiter in place from get_awaiter's
// prvalue, through guaranteed copy elision.
template <class A, class Aw>
struct AwaiterMaker {
  A&& a;
  operator Aw() { return get_awaiter(static_cast<A&&>(a)); }
};

// Wraps the awaiter of `A` so that its ending becomes a Result. `A` is a
// value type (the wrapper owns the awaitable) or a reference (it refers to
// one that lives until the end of the co_await's statement).
template <class A>
class ResultAwaiter {
  using Raw = AwaiterOf<A>;  // a prvalue type, or a reference to `a` itself
  static constexpr bool kOwnAwaiter = !std::is_reference_v<Raw>;
  using Awaiter = std::remove_reference_t<Raw>;

 public:
  using value_type = AwaitValue<A>;

  template <class U>
  explicit ResultAwaiter(U&& a) noexcept(std::is_nothrow_constructible_v<A, U&&>) : a_(std::forward<U>(a)) {}
  ResultAwaiter(const ResultAwaiter&) = delete;
  ResultAwaiter& operator=(const ResultAwaiter&) = delete;

  // Always suspends into await_suspend, which learns who awaits (for the
  // cancellation rule) and then asks the inner await_ready.
  bool await_ready() const noexcept { return false; }

  // Returns what the inner await_suspend returns (void becomes true), so
  // that a synchronous completion continues without a nested resume()
  // (TOOLCHAIN.md section 1): bool unless the inner awaiter transfers to a
  // coroutine handle.
  template <class P>
  auto await_suspend(std::coroutine_handle<P> h) noexcept {
    if constexpr (std::is_base_of_v<PromiseBase, P>) caller_ = &h.promise();
    using R = decltype(std::declval<Awaiter&>().await_suspend(h));
    if constexpr (std::is_void_v<R> || std::is_same_v<R, bool>) {
      try {
        Awaiter& aw = start();
        if (aw.await_ready()) return false;
        if constexpr (std::is_void_v<R>) {
          aw.await_suspend(h);
          return true;
        } else {
          return static_cast<bool>(aw.await_suspend(h));
        }
      } catch (...) {
        // As if await_suspend had thrown: the caller resumes with the error.
        early_ = std::current_exception();
        return false;
      }
    } else {
      try {
        Awaiter& aw = start();
        if (aw.await_ready()) return std::coroutine_handle<>(h);
        return std::coroutine_handle<>(aw.await_suspend(h));
      } catch (...) {
        early_ = std::current_exception();
        return std::coroutine_handle<>(h);
      }
    }
  }

  Result<value_type> await_resume() {
    if (early_) return settle(std::exchange(early_, nullptr));
    try {
      if constexpr (std::is_void_v<value_type>) {
        awaiter().await_resume();
        return Result<void>();
      } else {
        return Result<value_type>(awaiter().await_resume());
      }
    } catch (const CancelledError&) {
      if (caller_ != nullptr && caller_->cancelled()) throw;  // the caller's own cancellation
      return Result<value_type>(std::current_exception());
    } catch (...) {
      return Result<value_type>(std::current_exception());
    }
  }

 private:
  // An error from await_ready/await_suspend, under the same cancellation rule.
  Result<value_type> settle(std::exception_ptr e) {
    if (caller_ != nullptr && caller_->cancelled()) {
      try {
        std::rethrow_exception(e);
      } catch (const CancelledError&) {
        throw;
      } catch (...) {
      }
    }
    return Result<value_type>(std::move(e));
  }

  Awaiter& start() {
    if constexpr (kOwnAwaiter) awaiter_.emplace(AwaiterMaker<A, Awaiter>{static_cast<A&&>(a_)});
    return awaiter();
  }

  Awaiter& awaiter() noexcept {
    if constexpr (kOwnAwaiter)
      return *awaiter_;
    else
      return a_;
  }

  A a_;
  std::conditional_t<kOwnAwaiter, std::optional<Awaiter>, char> awaiter_{};
  PromiseBase* caller_ = nullptr;
  std::exception_ptr early_;
};

template <class T>
Task<Result<T>> as_result_task(Task<T> task) {
  Result<T> r = co_await ResultAwaiter<Task<T>>(std::move(task));
  co_return r;
}

}  // namespace detail

// The tag and the function: `aio::as_result(x)` and `f(..., aio::as_result)`.
struct AsResult {
  // Not default-constructible (like std::nullopt_t), so that
  // `session.get(url, {})` still means the options, not this tag.
  struct Key {
    explicit constexpr Key() = default;
  };
  explicit constexpr AsResult(Key) noexcept {}

  // A task: the result is a task too (composes with gather, Scope, ...).
  template <class T>
  [[nodiscard]] Task<Result<T>> operator()(Task<T> task) const {
    return detail::as_result_task(std::move(task));
  }
  // Any other awaitable. A movable one is moved into the awaiter; a
  // non-movable temporary is referred to, so co_await it in the same
  // statement; an lvalue is referred to and must outlive the co_await.
  template <class A>
    requires(!detail::IsTask<std::remove_cvref_t<A>>::value)
  [[nodiscard]] auto operator()(A&& awaitable) const {
    using Held = std::conditional_t<std::is_lvalue_reference_v<A>, A,
                                    std::conditional_t<std::is_move_constructible_v<std::remove_cvref_t<A>>,
                                                       std::remove_cvref_t<A>, A&&>>;
    return detail::ResultAwaiter<Held>(std::forward<A>(awaitable));
  }
};

inline constexpr AsResult as_result{AsResult::Key()};

// The type of `co_await aio::as_result(a)`'s value: Result<T> for an
// awaitable of T.
template <class A>
using ResultOf = Result<detail::AwaitValue<A>>;

}  // namespace aio
