#include <dlfcn.h>
#include <malloc.h>
#include <cstdio>
#include <cstdlib>
#include <execinfo.h>
#include <aio/aio.hpp>
extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
extern "C" void __libc_free(void*);
static thread_local long g_count = 0;
static thread_local bool g_trace = false;
static thread_local bool g_in = false;
static void note(size_t n) {
  ++g_count;
  if (g_trace && !g_in) {
    g_in = true;
    void* bt[12]; int k = backtrace(bt, 12);
    fprintf(stderr, "--- malloc %zu\n", n);
    backtrace_symbols_fd(bt, k, 2);
    g_in = false;
  }
}
extern "C" void* malloc(size_t n) { note(n); return __libc_malloc(n); }
extern "C" void* calloc(size_t a, size_t b) { note(a*b); return __libc_calloc(a, b); }
extern "C" void* realloc(void* p, size_t n) { note(n); return __libc_realloc(p, n); }
extern "C" void free(void* p) { __libc_free(p); }

aio::Task<void> loop1(aio::http::Session& s, aio::http::Url url, int n) {
  for (int i = 0; i < n; ++i) {
    auto r = co_await s.get(url);
    for (;;) { auto p = co_await r.read_chunk(); if (p.empty()) break; }
  }
}
aio::Task<void> main_task(std::string text, int conns, int n) {
  aio::http::Session s;
  aio::http::Url url = aio::http::Url::parse(text);
  std::vector<aio::Task<void>> v;
  for (int c = 0; c < conns; ++c) v.push_back(loop1(s, url, 200));
  co_await aio::gather(std::move(v));
  std::vector<aio::Task<void>> w;
  w.reserve(conns);
  for (int c = 0; c < conns; ++c) w.push_back(loop1(s, url, n));
  long before = g_count;
  if (getenv("TRACE_ALL")) g_trace = true;
  co_await aio::gather(std::move(w));
  g_trace = false;
  long after = g_count;
  printf("%.4f allocations per request\n", double(after - before) / (double(conns) * n));
  if (getenv("TRACE")) { g_trace = true; co_await loop1(s, url, 1); g_trace = false; }
  co_await s.close();
}
int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: alloc_count URL CONNECTIONS REQUESTS_PER_CONNECTION  (TRACE=1: backtraces)\n");
    return 2;
  }
  aio::run(main_task(argv[1], atoi(argv[2]), atoi(argv[3])));
}
