// aio::Loop: a libuv loop plus the runtime's ready queue.
//
// A Loop either owns its uv_loop_t (Loop()) or wraps one the host owns
// (Loop(uv_loop_t*)); in the second case it adds only its own handles to it
// and removes them in close(), leaving the host's handles untouched.
//
// Coroutines are never resumed from inside a libuv, timer or waiter-list
// callback: they are put on the ready queue with schedule(), and the loop
// resumes them between its passes (run(), tick()) or in its idle phase, at
// most kBudget per pass, so a busy task cannot starve I/O.
//
// Threads: a Loop belongs to the thread that runs it. Only post() may be
// called from other threads.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "scope.hpp"
#include "task.hpp"

struct uv_loop_s;
struct uvx_hook_s;
struct uvx_timer_s;

namespace aio {

class Loop {
 public:
  // Resumptions per loop pass before I/O gets its turn.
  static constexpr std::size_t kBudget = 1024;

  // Makes a loop that owns a new uv_loop_t.
  Loop();
  // Wraps `host`, which must outlive this Loop. Its other handles are not
  // touched; after close() the host must run its loop once more so the close
  // callbacks of this Loop's handles run.
  explicit Loop(uv_loop_s* host);
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  // Calls close() if it was not called.
  ~Loop();

  // Closes this Loop's handles. For an owned loop: every handle still open
  // is closed, the loop runs until all close callbacks ran, and the result
  // of uv_loop_close() is returned (0: nothing was left behind). For a
  // wrapped loop: 0. Idempotent.
  int close();

  uv_loop_s* uv() const noexcept { return loop_; }

  // The loop running on this thread (the most recently created or run one).
  // Precondition: there is one.
  static Loop& current() noexcept;
  static Loop* current_or_null() noexcept;

  // Queues `h` to be resumed in a later part of this pass or the next one.
  // Loop thread only.
  void schedule(std::coroutine_handle<> h) noexcept;

  // Runs fn on the loop's thread soon. Thread-safe; wakes the loop.
  void post(std::function<void()> fn);

  // While a KeepAlive lives, the loop counts as waiting for another
  // thread's post(): run() does not take "nothing left to wait on" for a
  // deadlock, and tick() reports work pending. Hold one while a worker
  // thread owes the loop a result:
  //
  //   auto keep = aio::Loop::current().keep_alive();
  //   std::thread([&loop, &done] { ...; loop.post([&] { done.set(); }); }).detach();
  //   co_await done.wait();
  //
  // Made, moved and destroyed on the loop's thread only.
  class KeepAlive {
   public:
    KeepAlive() noexcept = default;
    KeepAlive(KeepAlive&& o) noexcept : loop_(std::exchange(o.loop_, nullptr)) {}
    KeepAlive& operator=(KeepAlive&& o) noexcept {
      if (this != &o) {
        reset();
        loop_ = std::exchange(o.loop_, nullptr);
      }
      return *this;
    }
    ~KeepAlive() { reset(); }
    void reset() noexcept;

   private:
    friend class Loop;
    explicit KeepAlive(Loop* l) noexcept : loop_(l) {}
    Loop* loop_ = nullptr;
  };
  [[nodiscard]] KeepAlive keep_alive() noexcept;

  // Starts `task` on this loop, owned by the loop: close() cancels what is
  // still running and waits for it to unwind. Loop thread only.
  template <class T>
  void spawn(Task<T> task) {
    Loop* saved = current_or_null();
    make_current();
    tasks_.spawn(std::move(task));
    restore_current(saved);
  }
  // spawn() from any thread: the task starts on the loop's thread.
  template <class T>
  void spawn_threadsafe(Task<T> task) {
    auto held = std::make_shared<Task<T>>(std::move(task));
    post([this, held] { spawn(std::move(*held)); });
  }

  // For hosts that own the frame loop: runs ready tasks and I/O without
  // blocking, for at most about `budget` (checked between resumptions), and
  // returns whether anything is still pending (tasks, timers, I/O).
  bool tick(std::chrono::microseconds budget);
  // For hosts that sleep between frames: milliseconds until this loop needs
  // a tick (0: work is ready), or -1 when nothing is pending. Work posted
  // from another thread meanwhile does not shorten a sleep the host already
  // started; a host that posts from threads ticks every frame.
  int next_timeout() const noexcept;

  // Runs `task` on this loop until it ends; returns its value or rethrows.
  // Throws Error(Errc::deadlock) when the task waits on nothing that can
  // ever wake it.
  template <class T>
  T run(Task<T> task) {
    bool done = false;
    auto h = task.handle();
    h.promise().start_callback([](detail::PromiseBase&, void* d) { *static_cast<bool*>(d) = true; },
                               &done);
    schedule(h);
    run_until(done, h.promise());
    return h.promise().result();
  }

  // Timers borrowed by sleep, timeouts and I/O deadlines; kept for reuse.
  uvx_timer_s* acquire_timer();
  void release_timer(uvx_timer_s* timer) noexcept;

 private:
  void init();
  void run_until(const bool& done, detail::PromiseBase& root);
  static void on_idle(void* self) noexcept;
  static void on_async(void* self) noexcept;
  void drain() noexcept;
  void push(std::coroutine_handle<> h) noexcept;
  void make_current() noexcept;
  static void restore_current(Loop* saved) noexcept;

  uv_loop_s* loop_ = nullptr;
  bool owned_ = false;
  bool closed_ = false;
  bool idle_active_ = false;
  uvx_hook_s* idle_ = nullptr;
  uvx_hook_s* async_ = nullptr;
  std::size_t keep_alive_ = 0;  // live KeepAlives: the async handle is referenced
  Loop* previous_ = nullptr;

  // Ready queue: a ring buffer of handles, capacity a power of two.
  std::vector<std::coroutine_handle<>> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;

  std::vector<uvx_timer_s*> timers_;

  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;

  // tick()'s time limit, checked by drain().
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();

  // Tasks spawned on the loop itself (destroyed before the handles close).
  Scope tasks_;
};

// Runs `task` on a new Loop until it ends, closes every handle and the loop,
// and returns the task's value or rethrows its exception.
template <class T>
T run(Task<T> task) {
  Loop loop;
  return loop.run(std::move(task));
}

}  // namespace aio
