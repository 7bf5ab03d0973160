// How far Loop::tick(budget) overruns its budget in a host's frame loop.
//
//   tick_overrun [--budget-ms B] [--frame-ms F] [--frames N] [--inflight C]
//                [--path /hello] [--url http://host:port] [--rt] [--trace]
//                [--reserve-fds N]
//
// A host frame loop (issue #8): every F ms (16) the host calls
// loop.tick(B ms) and then does its own "frame work" (here: it sleeps until
// the next frame). C requests (1000) are kept in flight the whole time: C
// client tasks on the host's loop each GET the path again as soon as the
// previous response's body was read, one connection each. The peer is
// aio::http::Server (its demo routes) on a second thread with its own loop,
// or --url (nginx, say).
//
// Output: one tab-separated line per metric (key value unit description),
// for the steady part (after the first second: connection set-up) and for
// every frame. overrun = wall time tick() took - budget, floored at 0.
// "quiet" ticks are those the kernel did not preempt (no involuntary context
// switch during the tick): on a loaded machine the others measure the
// scheduler, not aiocpp. --rt runs the host thread as SCHED_FIFO (priority
// 10; needs CAP_SYS_NICE), as engines raise their main thread, so that other
// processes do not preempt it; the server thread stays SCHED_OTHER at nice 10.
#include <aio/aio.hpp>
#include <aio/http/demo_routes.hpp>
#include <aio/http/server.hpp>

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Config {
  double budget_ms = 4;
  double frame_ms = 16;
  int frames = 600;
  int inflight = 1000;
  std::string path = "/hello";
  std::string url;  // empty: the embedded server on a thread
  bool rt = false;
  bool trace = false;  // each frame's tick time on stderr
  int reserve_fds = 0;  // grow the fd table to N entries before starting
};

// The peer: aio::http::Server with the demo routes on its own thread and loop.
class ServerThread {
 public:
  ServerThread() {
    std::promise<int> port;
    auto ready = port.get_future();
    thread_ = std::thread([this, &port] {
      // The peer must not compete with the host thread it serves.
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
      aio::Loop loop;
      aio::http::Server::Options options;
      options.keepalive_timeout = 60s;
      aio::http::Server server(options);
      aio::http::add_demo_routes(server);
      server.listen(aio::Address::parse("127.0.0.1", 0).value(), 4096);
      loop_ = &loop;
      server_ = &server;
      port.set_value(server.local_address().port());
      loop.run(serve(&server));
    });
    port_ = ready.get();
  }
  ~ServerThread() {
    aio::http::Server* server = server_;
    loop_->post([server] { server->close(); });  // Loop::post is thread-safe
    thread_.join();
  }
  int port() const { return port_; }

 private:
  static aio::Task<void> serve(aio::http::Server* server) { co_await server->serve(); }

  std::thread thread_;
  aio::Loop* loop_ = nullptr;
  aio::http::Server* server_ = nullptr;
  int port_ = 0;
};

struct Load {  // host loop thread only
  bool stop = false;
  long in_flight = 0;
  long completed = 0;
  long failed = 0;
  int workers = 0;
};

aio::Task<void> client(aio::http::Session* session, std::string url, Load* load) {
  ++load->workers;
  while (!load->stop) {
    ++load->in_flight;
    try {
      aio::http::Response r = co_await session->get(url);
      std::string body = co_await r.text();
      ++(r.status() == 200 ? load->completed : load->failed);
    } catch (const aio::CancelledError&) {
      --load->in_flight;
      --load->workers;
      throw;
    } catch (const std::exception&) {
      ++load->failed;
    }
    --load->in_flight;
  }
  --load->workers;
}

aio::Task<void> close_session(aio::http::Session* session, bool* done) {
  co_await session->close();
  *done = true;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

void report(const char* part, const std::vector<double>& overrun_ms, const std::vector<double>& took_ms) {
  std::printf("%s_ticks\t%zu\tticks\tticks measured\n", part, overrun_ms.size());
  std::printf("%s_overrun_median\t%.3f\tms\ttick() time beyond its budget, median\n", part,
              percentile(overrun_ms, 0.5));
  std::printf("%s_overrun_p99\t%.3f\tms\ttick() time beyond its budget, 99th percentile\n", part,
              percentile(overrun_ms, 0.99));
  std::printf("%s_overrun_max\t%.3f\tms\ttick() time beyond its budget, worst frame\n", part,
              overrun_ms.empty() ? 0.0 : *std::max_element(overrun_ms.begin(), overrun_ms.end()));
  std::printf("%s_tick_median\t%.3f\tms\ttime tick() took, median\n", part, percentile(took_ms, 0.5));
}

int usage() {
  std::fprintf(stderr,
               "usage: tick_overrun [--budget-ms B] [--frame-ms F] [--frames N] [--inflight C] "
               "[--path P] [--url http://host:port] [--rt] [--trace] [--reserve-fds N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* name) { return std::strcmp(argv[i], name) == 0 && i + 1 < argc; };
    if (arg("--budget-ms")) cfg.budget_ms = std::atof(argv[++i]);
    else if (arg("--frame-ms")) cfg.frame_ms = std::atof(argv[++i]);
    else if (arg("--frames")) cfg.frames = std::atoi(argv[++i]);
    else if (arg("--inflight")) cfg.inflight = std::atoi(argv[++i]);
    else if (arg("--path")) cfg.path = argv[++i];
    else if (arg("--url")) cfg.url = argv[++i];
    else if (std::strcmp(argv[i], "--rt") == 0) cfg.rt = true;
    else if (std::strcmp(argv[i], "--trace") == 0) cfg.trace = true;
    else if (arg("--reserve-fds")) cfg.reserve_fds = std::atoi(argv[++i]);
    else return usage();
  }
  if (cfg.frames < 1 || cfg.inflight < 1 || cfg.budget_ms <= 0 || cfg.frame_ms < cfg.budget_ms) return usage();

  // Two sockets per request when the server is in this process.
  rlimit nofile{};
  if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }

  if (cfg.rt) {
    sched_param param{};
    param.sched_priority = 10;
    if (int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param); rc != 0) {
      std::fprintf(stderr, "tick_overrun: --rt: SCHED_FIFO refused (%s)\n", std::strerror(rc));
      return 1;
    }
  }

  if (cfg.reserve_fds > 0) {
    // The kernel grows a process's fd table at 64, 128, 256, ... fds, and in
    // a multi-threaded process each growth waits for an RCU grace period
    // (expand_fdtable -> synchronize_rcu): the socket() or accept() that
    // crosses the line blocks for 3-9 ms. Growing the table once, up front,
    // keeps that out of the frames.
    int fd = dup2(2, cfg.reserve_fds - 1);
    if (fd >= 0) close(fd);
  }
  std::unique_ptr<ServerThread> server;
  std::string base = cfg.url;
  if (base.empty()) {
    server = std::make_unique<ServerThread>();
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }

  auto budget = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::duration<double, std::milli>(cfg.budget_ms));
  auto frame = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(cfg.frame_ms));
  int warmup_frames = static_cast<int>(1000.0 / cfg.frame_ms);

  Load load;
  {
    aio::Loop loop;
    aio::http::SessionOptions options;
    options.limit = static_cast<std::size_t>(cfg.inflight);  // one connection per request in flight
    options.keepalive_timeout = 60s;
    aio::http::Session session(options);
    for (int i = 0; i < cfg.inflight; ++i) loop.spawn(client(&session, base + cfg.path, &load));

    std::vector<double> overrun_all, overrun_steady, took_all, took_steady, overrun_quiet, took_quiet;
    double in_flight_sum = 0;
    long completed_at_warmup = 0;
    Clock::time_point steady_start{};
    Clock::time_point next_frame = Clock::now();
    for (int f = 0; f < cfg.frames; ++f) {
      if (f == warmup_frames) {
        completed_at_warmup = load.completed;
        steady_start = Clock::now();
      }
      auto t0 = Clock::now();
      rusage ru0{}, ru1{};
      getrusage(RUSAGE_THREAD, &ru0);
      loop.tick(budget);  // the host's slice for aiocpp in this frame
      getrusage(RUSAGE_THREAD, &ru1);
      double took = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      double overrun = std::max(0.0, took - cfg.budget_ms);
      if (cfg.trace)
        std::fprintf(stderr, "frame %d: tick %.3f ms, %ld preemptions, %ld in flight, %ld done\n", f, took,
                     ru1.ru_nivcsw - ru0.ru_nivcsw, load.in_flight, load.completed);
      overrun_all.push_back(overrun);
      took_all.push_back(took);
      if (f >= warmup_frames) {
        overrun_steady.push_back(overrun);
        took_steady.push_back(took);
        if (ru1.ru_nivcsw == ru0.ru_nivcsw) {
          overrun_quiet.push_back(overrun);
          took_quiet.push_back(took);
        }
        in_flight_sum += static_cast<double>(load.in_flight);
      }
      // The rest of the frame belongs to the host (gameplay, rendering).
      next_frame += frame;
      auto now = Clock::now();
      if (next_frame > now) std::this_thread::sleep_until(next_frame);
      else next_frame = now;  // a late frame: do not try to catch up
    }
    double steady_s = std::chrono::duration<double>(Clock::now() - steady_start).count();

    // Let the clients finish their current request, then close the session.
    load.stop = true;
    for (int i = 0; i < 100000 && load.workers > 0; ++i) loop.tick(5ms);
    bool closed = false;
    loop.spawn(close_session(&session, &closed));
    for (int i = 0; i < 100000 && !closed; ++i) loop.tick(5ms);

    std::printf("config\t%.1f/%.1f\tms\tbudget per tick / frame; %d requests in flight to %s%s\n", cfg.budget_ms,
                cfg.frame_ms, cfg.inflight, base.c_str(), cfg.path.c_str());
    report("steady", overrun_steady, took_steady);
    report("quiet", overrun_quiet, took_quiet);
    report("all", overrun_all, took_all);
    std::size_t steady_n = std::max<std::size_t>(1, overrun_steady.size());
    std::printf("in_flight_mean\t%.0f\trequests\tin flight at the end of a tick, mean (steady)\n",
                in_flight_sum / static_cast<double>(steady_n));
    std::printf("throughput\t%.0f\treq/s\tcompleted per second (steady)\n",
                static_cast<double>(load.completed - completed_at_warmup) / std::max(steady_s, 1e-9));
    std::printf("failed\t%ld\trequests\tnon-200 or errors\n", load.failed);
  }
  return load.failed == 0 ? 0 : 1;
}
