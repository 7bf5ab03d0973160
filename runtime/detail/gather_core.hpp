// The type-erased part of gather: starts children, counts them down, cancels
// the rest on the first failure, and resumes the parent when all have ended.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>

#include "promise.hpp"

namespace aio::detail {

struct GatherChild {
  std::coroutine_handle<> handle;
  PromiseBase* promise;
};

class GatherCore final : public Cancellable {
 public:
  GatherCore(GatherChild* children, std::size_t count, bool return_exceptions) noexcept
      : children_(children), count_(count), return_exceptions_(return_exceptions) {}
  GatherCore(const GatherCore&) = delete;
  GatherCore& operator=(const GatherCore&) = delete;

  bool await_ready() const noexcept { return count_ == 0; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return start(h.promise(), h);
  }
  // Rethrows the first failure (unless return_exceptions), or CancelledError
  // when the gather itself was cancelled.
  void await_resume();

  void cancel() noexcept override;

 private:
  bool start(PromiseBase& parent, std::coroutine_handle<> h) noexcept;
  static void on_child_done(PromiseBase& child, void* self) noexcept;
  void cancel_children() noexcept;

  GatherChild* children_;
  std::size_t count_;
  std::size_t pending_ = 0;
  PromiseBase* parent_ = nullptr;
  std::coroutine_handle<> parent_handle_;
  std::exception_ptr first_error_;
  bool return_exceptions_;
  bool suspended_ = false;
  bool cancelled_ = false;
};

}  // namespace aio::detail
