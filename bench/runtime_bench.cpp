// Runtime microbenchmarks. Every benchmark runs inside aio::run on a real
// aio::Loop and times itself from inside its task.
//
//   runtime_bench               all benchmarks except rss, in one process
//   runtime_bench NAME...       only these: await, gather, scope, semaphore,
//                               timer0, timer1, rss
//
// bench/run_runtime.sh runs each one in its own process, several times, and
// prints the README's table. rss must have a process to itself: ru_maxrss is
// the process's peak, so anything run before it would raise it.
//
// Output: one tab-separated line per metric
//   key  value  unit  description  target
//
// Heap is counted by the global operator new/delete below (bytes requested,
// and calls); the frame allocator's size-class rounding is included, malloc's
// own chunk overhead is not. libuv handles are calloc()ed and not seen there:
// the rss benchmark measures all of malloc with mallinfo2() instead.
#include <aio/runtime/gather.hpp>
#include <aio/runtime/loop.hpp>
#include <aio/runtime/scope.hpp>
#include <aio/runtime/semaphore.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/task.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

// ---- heap counting ---------------------------------------------------------
// Plain counters: the benchmarks allocate on the loop thread only, and an
// atomic read-modify-write would cost more than the allocations it counts.

namespace {

std::uint64_t g_allocs = 0;
std::uint64_t g_bytes = 0;

void* counted_alloc(std::size_t n) noexcept {
  ++g_allocs;
  g_bytes += n;
  return std::malloc(n != 0 ? n : 1);
}

void* counted_aligned_alloc(std::size_t n, std::align_val_t al) noexcept {
  ++g_allocs;
  g_bytes += n;
  std::size_t a = static_cast<std::size_t>(al);
  return std::aligned_alloc(a, (n + a - 1) / a * a);
}

struct HeapMark {
  std::uint64_t allocs = g_allocs;
  std::uint64_t bytes = g_bytes;
};

}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t al) {
  if (void* p = counted_aligned_alloc(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al) {
  if (void* p = counted_aligned_alloc(n, al)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// ---- helpers ----------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

void report(const char* key, double value, const char* unit, const char* what, const char* target) {
  std::printf("%s\t%.3f\t%s\t%s\t%s\n", key, value, unit, what, target);
  std::fflush(stdout);
}

// Bytes malloc() has handed out and not taken back (heap arena + mmapped).
double malloc_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd);
}

double max_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) * 1024.0;  // Linux: KiB
}

// ---- await of a ready task --------------------------------------------------

aio::Task<int> ready(int v) { co_return v; }

aio::Task<double> await_loop(std::int64_t n) {
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < n / 10; ++i) sum += co_await ready(1);  // warm-up
  HeapMark h0;
  auto t0 = Clock::now();
  for (std::int64_t i = 0; i < n; ++i) sum += co_await ready(static_cast<int>(i & 1));
  double ns = ns_since(t0);
  HeapMark h1;
  if (sum != n / 10 + n / 2) std::abort();
  report("await_ns", ns / static_cast<double>(n), "ns/await", "await of a ready Task<int>",
         "<= 15");
  report("await_allocs", static_cast<double>(h1.allocs - h0.allocs) / static_cast<double>(n),
         "allocs/await", "↳ heap allocations per await", "");
  co_return ns;
}

// ---- spawn + gather of 1M trivial tasks --------------------------------------
//
// One cold round (the first in a fresh process: every frame is new memory
// and page-faults in) and three warm rounds (the heap already holds the
// memory; main() tells malloc to keep what is freed, so that glibc's dynamic
// trim threshold does not make the result depend on the heap's history).
// The warm rounds' median is the headline; the cold round is reported too.

aio::Task<int> trivial(int v) { co_return v; }

struct Round {
  double ns = 0;
  std::uint64_t allocs = 0;
  std::uint64_t bytes = 0;
};

// Builds the vector, gathers it, drops the results.
aio::Task<void> gather_round(int n, Round* r) {
  HeapMark h0;
  auto t0 = Clock::now();
  {
    std::vector<aio::Task<int>> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) tasks.push_back(trivial(i));
    std::vector<int> out = co_await aio::gather(std::move(tasks));
    if (out.size() != static_cast<std::size_t>(n) || out.back() != n - 1) std::abort();
  }
  r->ns = ns_since(t0);
  HeapMark h1;
  r->allocs = h1.allocs - h0.allocs;
  r->bytes = h1.bytes - h0.bytes;
}

aio::Task<void> scope_round(int n, Round* r) {
  HeapMark h0;
  auto t0 = Clock::now();
  {
    aio::Scope scope;
    for (int i = 0; i < n; ++i) scope.spawn(trivial(i));
    co_await scope.join();
  }
  r->ns = ns_since(t0);
  HeapMark h1;
  r->allocs = h1.allocs - h0.allocs;
  r->bytes = h1.bytes - h0.bytes;
}

Round median3(Round a, Round b, Round c) {
  if (a.ns > b.ns) std::swap(a, b);
  if (b.ns > c.ns) std::swap(b, c);
  if (a.ns > b.ns) std::swap(a, b);
  return b;
}

// kind: "gather" or "scope".
aio::Task<void> many_tasks_bench(const char* kind, int n) {
  bool gather = std::strcmp(kind, "gather") == 0;
  Round r[4];
  for (Round& x : r) {
    if (gather)
      co_await gather_round(n, &x);
    else
      co_await scope_round(n, &x);
  }
  Round w = median3(r[1], r[2], r[3]);
  double dn = n;
  std::string key = kind;
  const char* what = gather ? "spawn + gather of 1M Task<int>, warm heap"
                            : "Scope::spawn + join of 1M Task<int>, warm heap";
  report((key + "_ns").c_str(), w.ns / dn, "ns/task", what, "<= 100");
  report((key + "_cold_ns").c_str(), r[0].ns / dn, "ns/task", "↳ first round, cold heap", "");
  report((key + "_bytes").c_str(), static_cast<double>(w.bytes) / dn, "B/task", "↳ heap per task",
         "<= 200");
  report((key + "_allocs").c_str(), static_cast<double>(w.allocs) / dn, "allocs/task",
         "↳ heap allocations per task", "");
}

// ---- semaphore hand-off -----------------------------------------------------

aio::Task<void> ping(aio::Semaphore* sem, std::int64_t n, std::int64_t* count) {
  for (std::int64_t i = 0; i < n; ++i) {
    aio::Semaphore::Permit p = co_await sem->acquire();
    ++*count;
  }
}

// `tasks` tasks take turns holding a Semaphore(1): every release hands the
// permit to the longest waiter, which resumes through the ready queue.
aio::Task<void> semaphore_bench(int tasks, std::int64_t n) {
  aio::Semaphore sem(1);
  aio::Semaphore::Permit held = sem.try_acquire();
  std::int64_t count = 0;
  aio::Scope scope;
  for (int t = 0; t < tasks; ++t) scope.spawn(ping(&sem, n, &count));
  co_await aio::yield();  // every ping task now waits in acquire()
  auto t0 = Clock::now();
  held.release();
  co_await scope.join();
  double ns = ns_since(t0);
  if (count != tasks * n || sem.available() != 1) std::abort();
  report("semaphore_ns", ns / static_cast<double>(count), "ns/hand-off",
         "Semaphore(1) hand-off between 2 tasks", "");
}

// ---- timers -----------------------------------------------------------------

aio::Task<void> sleeper(int rounds, std::chrono::milliseconds d) {
  for (int i = 0; i < rounds; ++i) co_await aio::sleep(d);
}

aio::Task<void> timer_bench(const char* key, const char* what, int tasks, int rounds,
                            std::chrono::milliseconds d) {
  auto t0 = Clock::now();
  {
    std::vector<aio::Task<void>> v;
    v.reserve(static_cast<std::size_t>(tasks));
    for (int i = 0; i < tasks; ++i) v.push_back(sleeper(rounds, d));
    co_await aio::gather(std::move(v));
  }
  double s = ns_since(t0) / 1e9;
  report(key, static_cast<double>(tasks) * rounds / s / 1e6, "M timers/s", what, "");
}

// ---- 100k concurrently sleeping tasks: RSS ---------------------------------

struct RssProbe {
  double heap = 0;
  double rss = 0;
};

// Runs while every sleeper sleeps and samples the heap there.
aio::Task<void> probe(RssProbe* out) {
  co_await aio::sleep(150ms);
  out->heap = malloc_in_use();
  out->rss = max_rss_bytes();
}

aio::Task<void> rss_bench(int n) {
  double rss0 = max_rss_bytes();
  double heap0 = malloc_in_use();
  RssProbe p;
  auto t0 = Clock::now();
  {
    std::vector<aio::Task<void>> v;
    v.reserve(static_cast<std::size_t>(n) + 1);
    for (int i = 0; i < n; ++i) v.push_back(sleeper(1, 300ms));
    v.push_back(probe(&p));  // started last, wakes while the others sleep
    co_await aio::gather(std::move(v));
  }
  double ms = ns_since(t0) / 1e6;
  if (ms < 300 || p.rss == 0) std::abort();
  double rss1 = max_rss_bytes();
  constexpr double kMiB = 1024.0 * 1024.0;
  report("rss_peak", rss1 / kMiB, "MiB", "100k tasks in sleep(300ms): peak RSS", "<= 48");
  report("rss_base", rss0 / kMiB, "MiB", "↳ RSS before the tasks", "");
  report("rss_task", (p.heap - heap0) / n, "B/task", "↳ malloc'd heap per sleeping task", "");
}

bool wanted(const std::vector<std::string>& names, const char* name) {
  if (names.empty()) return std::strcmp(name, "rss") != 0;
  for (const auto& s : names)
    if (s == name) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> names(argv + 1, argv + argc);
  // Keep freed memory in the heap (see many_tasks_bench). Not for rss, whose
  // peak must be what a default process reaches.
  if (!wanted(names, "rss")) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  constexpr int kMillion = 1'000'000;
  if (wanted(names, "rss"))
    aio::run(rss_bench(100'000));  // first: nothing before it raises the peak
  if (wanted(names, "await")) aio::run(await_loop(20'000'000));
  if (wanted(names, "gather")) aio::run(many_tasks_bench("gather", kMillion));
  if (wanted(names, "scope")) aio::run(many_tasks_bench("scope", kMillion));
  if (wanted(names, "semaphore")) aio::run(semaphore_bench(2, kMillion));
  if (wanted(names, "timer0"))
    aio::run(timer_bench("timer0", "timers: 100k tasks × 10 sleep(0ms)", 100'000, 10, 0ms));
  if (wanted(names, "timer1"))
    aio::run(timer_bench("timer1", "timers: 100k tasks × 10 sleep(1ms)", 100'000, 10, 1ms));
  return 0;
}
