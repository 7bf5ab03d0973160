#include "loop.hpp"

#include <signal.h>
#include <uv.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "error.hpp"
#include "uvx/hook.hpp"
#include "uvx/timer.hpp"

namespace aio {
namespace {

thread_local Loop* current_loop = nullptr;

// libuv writes with write(2), so a peer reset raises SIGPIPE, which kills a
// host whose SIGPIPE is at its default (TOOLCHAIN.md §5). While the loop
// runs, SIGPIPE is blocked on this thread (writes fail with EPIPE instead);
// a pending one is drained before the host's mask comes back. Other threads
// of the host are untouched.
class SigpipeBlock {
 public:
  SigpipeBlock() noexcept {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &saved_);
  }
  ~SigpipeBlock() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
      timespec zero{0, 0};
      sigtimedwait(&pipe, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t saved_;
};

constexpr std::size_t kPooledTimers = 1024;

}  // namespace

Loop::Loop() {
  loop_ = static_cast<uv_loop_t*>(std::malloc(sizeof(uv_loop_t)));
  if (loop_ == nullptr || uv_loop_init(loop_) != 0) {
    std::free(loop_);
    throw std::bad_alloc();
  }
  owned_ = true;
  init();
}

Loop::Loop(uv_loop_s* host) : loop_(host) { init(); }

void Loop::init() {
  ring_.resize(64);
  if (uvx_idle_new(loop_, &Loop::on_idle, this, &idle_) != 0 ||
      uvx_async_new(loop_, &Loop::on_async, this, &async_) != 0)
    throw std::bad_alloc();
  // The async hook must not keep the loop alive on its own.
  uv_unref(&async_->uv.handle);
  previous_ = current_loop;
  current_loop = this;
}

Loop::KeepAlive Loop::keep_alive() noexcept {
  if (keep_alive_++ == 0 && !closed_) uv_ref(&async_->uv.handle);
  return KeepAlive(this);
}

void Loop::KeepAlive::reset() noexcept {
  Loop* l = std::exchange(loop_, nullptr);
  if (l != nullptr && --l->keep_alive_ == 0 && !l->closed_) uv_unref(&l->async_->uv.handle);
}

Loop::~Loop() {
  int rc = close();
  (void)rc;
  assert(rc == 0 && "a libuv handle outlived the loop");
}

int Loop::close() {
  if (closed_) return 0;
  if (tasks_.active() > 0) {
    // Cancel what was spawned on the loop and let it unwind.
    make_current();
    tasks_.cancel();
    while (tasks_.active() > 0 && (uv_run(loop_, UV_RUN_ONCE) != 0 || size_ != 0)) {
    }
  }
  closed_ = true;
  assert(size_ == 0 && "tasks still queued when the loop closed");
  if (current_loop == this) current_loop = previous_;
  for (uvx_timer_s* t : timers_) uvx_close(reinterpret_cast<uv_handle_t*>(t));
  timers_.clear();
  uvx_close(&idle_->uv.handle);
  uvx_close(&async_->uv.handle);
  if (!owned_) return 0;
  int rc = uvx_loop_close_all(loop_);
  if (rc == 0) std::free(loop_);
  return rc;
}

Loop& Loop::current() noexcept {
  assert(current_loop != nullptr && "no aio::Loop on this thread");
  return *current_loop;
}

Loop* Loop::current_or_null() noexcept { return current_loop; }

void Loop::push(std::coroutine_handle<> h) noexcept {
  if (size_ == ring_.size()) {
    std::vector<std::coroutine_handle<>> bigger(ring_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) & (ring_.size() - 1)];
    ring_.swap(bigger);
    head_ = 0;
  }
  ring_[(head_ + size_) & (ring_.size() - 1)] = h;
  ++size_;
}

void Loop::schedule(std::coroutine_handle<> h) noexcept {
  push(h);
  // Inside tick() the queue is drained by tick() itself (see there).
  if (!idle_active_ && deadline_ == std::chrono::steady_clock::time_point::max()) {
    idle_active_ = true;
    uvx_idle_start(idle_);
  }
}

void Loop::make_current() noexcept { current_loop = this; }

void Loop::restore_current(Loop* saved) noexcept {
  if (saved != nullptr) current_loop = saved;
}

void Loop::drain() noexcept {
  Loop* saved = current_loop;
  current_loop = this;
  // Under tick() the clock is read after every resumption: ~20 ns against
  // the microseconds an I/O resumption costs. Checking every 32nd let a tick
  // with 1000 requests in flight overrun by 32 resumptions (~0.6 ms).
  bool timed = deadline_ != std::chrono::steady_clock::time_point::max();
  for (std::size_t n = 0; n < kBudget && size_ != 0; ++n) {
    if (timed && n != 0 && std::chrono::steady_clock::now() >= deadline_) break;
    std::coroutine_handle<> h = ring_[head_];
    head_ = (head_ + 1) & (ring_.size() - 1);
    --size_;
    h.resume();
  }
  if (size_ == 0 && idle_active_) {
    idle_active_ = false;
    uvx_idle_stop(idle_);
  }
  current_loop = saved;
}

void Loop::on_idle(void* self) noexcept { static_cast<Loop*>(self)->drain(); }

void Loop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  uvx_async_send(async_);
}

void Loop::on_async(void* self) noexcept {
  auto* loop = static_cast<Loop*>(self);
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(loop->posted_mutex_);
    batch.swap(loop->posted_);
  }
  for (auto& fn : batch) fn();
}

void Loop::run_until(const bool& done, detail::PromiseBase& root) {
  SigpipeBlock no_sigpipe;
  Loop* saved = current_loop;
  current_loop = this;
  // Each pass first resumes what is ready (and so stops the idle hook when
  // the queue empties), then runs libuv once. libuv 1.44's UV_RUN_ONCE does
  // not block when an idle handle is active as the pass begins, even if it
  // stops within the pass: resuming only from the hook cost every I/O
  // wake-up a second, non-blocking pass (a second epoll_wait). The hook
  // stays for what callbacks queue within a pass (timers fire before the
  // poll): it keeps that pass from blocking.
  auto pass = [&] {  // false: the task is not done and nothing can wake it
    uv_update_time(loop_);  // timers started in the drain count from now
    drain();
    // Once done, not into a poll that may block (on idle keep-alive timers).
    bool alive = !done && uv_run(loop_, UV_RUN_ONCE) != 0;
    return done || alive || size_ != 0;
  };
  while (!done) {
    if (pass()) continue;
    // Nothing can wake the task: cancel it so that it unwinds, then report.
    root.cancel();
    while (!done && pass()) {
    }
    current_loop = saved;
    if (!done) std::abort();  // a suspended frame that nothing will ever resume
    throw Error(make_error_code(Errc::deadlock), "aio::run: the task waits on nothing that can wake it");
  }
  current_loop = saved;
}

bool Loop::tick(std::chrono::microseconds budget) {
  using Clock = std::chrono::steady_clock;
  SigpipeBlock no_sigpipe;
  Loop* saved = current_loop;
  current_loop = this;
  Clock::time_point start = Clock::now();
  deadline_ = start + budget;
  // tick() drains the ready queue itself, after each I/O pass, not from the
  // idle hook inside uv_run(): uv_run() runs its poll phase (every ready
  // socket's read) after the idle phase even when the drain stopped at the
  // deadline, so a tick that ran out of time in the drain still paid for a
  // full I/O pass (1.6 ms median overrun at a 4 ms budget with 1000
  // requests in flight, bench/tick_overrun.cpp). Now a tick ends right after
  // the drain that hit the deadline, and starts another I/O pass only when
  // the longest one of this tick still fits before the deadline.
  if (idle_active_) {
    idle_active_ = false;
    uvx_idle_stop(idle_);
  }
  // uv_run does not poll a loop with no active handle, and the async hook is
  // unreferenced: take what other threads posted directly.
  on_async(this);
  Clock::duration longest_io{0};
  for (;;) {
    Clock::time_point io_start = Clock::now();
    uv_run(loop_, UV_RUN_NOWAIT);  // timers, I/O callbacks: they only queue tasks
    Clock::time_point io_end = Clock::now();
    longest_io = std::max(longest_io, io_end - io_start);
    if (size_ == 0) break;
    drain();  // at least one resumption, even past the deadline: every tick makes progress
    if (size_ == 0 || Clock::now() + longest_io >= deadline_) break;
  }
  deadline_ = Clock::time_point::max();
  // What is still queued runs in the next tick, or under uv_run() if the
  // host runs its (shared) uv loop itself.
  if (size_ != 0 && !idle_active_) {
    idle_active_ = true;
    uvx_idle_start(idle_);
  }
  current_loop = saved;
  return size_ != 0 || uv_loop_alive(loop_) != 0;
}

int Loop::next_timeout() const noexcept {
  if (size_ != 0) return 0;
  if (uv_loop_alive(loop_) == 0) return -1;
  return uv_backend_timeout(loop_);
}

uvx_timer_s* Loop::acquire_timer() {
  if (!timers_.empty()) {
    uvx_timer_s* t = timers_.back();
    timers_.pop_back();
    return t;
  }
  uvx_timer_t* t = nullptr;
  if (uvx_timer_new(loop_, &t) != 0) throw std::bad_alloc();
  return t;
}

void Loop::release_timer(uvx_timer_s* timer) noexcept {
  uvx_timer_stop(timer);
  uv_ref(reinterpret_cast<uv_handle_t*>(timer));  // a borrower may have unref'd it
  if (timers_.size() < kPooledTimers && !closed_) {
    timers_.push_back(timer);
    return;
  }
  uvx_close(reinterpret_cast<uv_handle_t*>(timer));
}

}  // namespace aio
