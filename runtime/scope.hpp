// aio::Scope: tasks spawned to run concurrently, owned by a scope that must
// be joined (structured concurrency; asyncio.TaskGroup, Trio's nursery).
//
//   aio::Scope scope;
//   scope.spawn(handle(client));          // starts on the next loop pass
//   ...
//   co_await scope.join();                // waits for all, rethrows the first failure
//
// The first spawned task that fails with an exception cancels the others;
// join() waits until every task has ended and rethrows that exception.
// Cancelling the task that waits in join() cancels every spawned task and
// join() then throws CancelledError after they have unwound.
//
// Lifetime: the Scope must outlive its tasks; its destructor asserts that no
// task is still running (join it, or cancel() and join it, first). Finished
// tasks' frames are freed on the next spawn() or join().
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <vector>

#include "detail/promise.hpp"
#include "detail/waiter_list.hpp"
#include "task.hpp"

namespace aio {

class Scope {
  class Joiner;

 public:
  Scope() = default;
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  ~Scope();

  // Starts `task` on the next pass of the current loop. Its value is
  // discarded; its exception (other than CancelledError) is kept for join().
  template <class T>
  void spawn(Task<T> task) {
    auto h = task.release();
    add(h, h.promise());
  }

  // Cancels every running task.
  void cancel() noexcept;

  // Tasks that have not ended.
  std::size_t active() const noexcept { return active_; }

  // co_await scope.join(): waits until no task runs, then rethrows the first
  // failure.
  [[nodiscard]] Joiner join() noexcept;

 private:
  struct Child : detail::WaiterNode {
    Scope* scope;
    std::coroutine_handle<> handle;
    detail::PromiseBase* promise;
  };

  class Joiner final : public detail::Cancellable {
   public:
    explicit Joiner(Scope& s) noexcept : scope_(s) {}
    bool await_ready() noexcept { return scope_.active_ == 0; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
      parent_ = &h.promise();
      handle_ = h;
      if (parent_->cancelled()) scope_.cancel();
      parent_->set_waiting_on(this);
      scope_.joiner_ = this;
      return true;
    }
    void await_resume();
    void cancel() noexcept override {
      cancelled_ = true;
      scope_.cancel();
    }

   private:
    friend class Scope;
    Scope& scope_;
    detail::PromiseBase* parent_ = nullptr;
    std::coroutine_handle<> handle_;
    bool cancelled_ = false;
  };

  void add(std::coroutine_handle<> h, detail::PromiseBase& p);
  static void on_done(detail::PromiseBase& p, void* child) noexcept;
  void reap() noexcept;

  detail::WaiterList<Child> running_;
  std::vector<Child*> finished_;
  std::size_t active_ = 0;
  std::exception_ptr first_error_;
  Joiner* joiner_ = nullptr;
  bool cancelled_ = false;
};

inline Scope::Joiner Scope::join() noexcept { return Joiner(*this); }

}  // namespace aio
