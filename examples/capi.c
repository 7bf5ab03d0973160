/* The C API in use: fetch every URL on the command line concurrently from a
 * host-style frame loop (tick, then sleep until the loop needs us), print a
 * line per result, and cancel whatever is still running after a deadline.
 *
 *   build/examples/capi http://127.0.0.1:8080/ http://127.0.0.1:8080/missing
 *   (start `build/aiocpp serve` first for a local origin)
 */
#include <aio/aiocpp.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct job {
  const char* url;
  aiocpp_request_id id;
  int done;
} job;

static int finished = 0;
static int failed = 0;

static void on_done(aiocpp_request_id id, const aiocpp_response* r, void* user_data) {
  job* j = (job*)user_data;
  (void)id;
  j->done = 1;
  ++finished;
  if (r->error == AIOCPP_OK) {
    /* r->body, r->headers: valid only during this call; copy what you keep. */
    printf("%-40s %d  %zu bytes, %zu headers\n", j->url, r->status, r->body_size, r->header_count);
  } else {
    ++failed;
    printf("%-40s error %s: %s\n", j->url, aiocpp_error_kind_name(r->error), r->error_message);
  }
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s URL...\n", argv[0]);
    return 2;
  }
  aiocpp_loop* loop = aiocpp_loop_new();
  aiocpp_session_options options;
  aiocpp_session_options_init(&options);
  options.total_timeout_ms = 10000;
  options.connect_timeout_ms = 3000;
  options.user_agent = "aiocpp-capi-example";
  aiocpp_session* session = aiocpp_session_new(loop, &options);
  if (loop == NULL || session == NULL) return 1;

  int n = argc - 1;
  job* jobs = calloc((size_t)n, sizeof *jobs);
  for (int i = 0; i < n; ++i) {
    jobs[i].url = argv[i + 1];
    aiocpp_header accept = {"Accept", "*/*"};
    jobs[i].id = aiocpp_request_start(session, "GET", jobs[i].url, &accept, 1, NULL, 0, on_done, &jobs[i]);
    if (jobs[i].id == 0) {
      printf("%-40s not started\n", jobs[i].url);
      jobs[i].done = 1;
      ++finished;
      ++failed;
    }
  }

  /* The host's frame loop: at most 60 frames a second, 2 ms of aiocpp each. */
  double deadline = now_ms() + 15000;
  while (finished < n) {
    aiocpp_loop_tick(loop, 2);
    if (now_ms() > deadline) {
      for (int i = 0; i < n; ++i)
        if (!jobs[i].done) aiocpp_request_cancel(loop, jobs[i].id);  /* callbacks say "cancelled" */
      deadline = now_ms() + 60000;
    }
    int wait = aiocpp_loop_next_timeout(loop);
    if (finished < n && wait != 0) usleep((useconds_t)((wait < 0 || wait > 16 ? 16 : wait) * 1000));
  }

  aiocpp_session_free(session);
  aiocpp_loop_free(loop);  /* runs until the session has closed its connections */
  free(jobs);
  printf("%d requests, %d failed\n", n, failed);
  return failed == 0 ? 0 : 1;
}
