/* The C API (<aio/aiocpp.h>) driven from a C program, against the
 * scriptable server (tests/peers/hostile_server.py, started here), a port
 * nobody listens on, and a libuv loop the "host" owns. */
#include <aio/aiocpp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                       \
  do {                                                                    \
    ++checks;                                                             \
    if (!(cond)) {                                                        \
      ++failures;                                                         \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                     \
  } while (0)

/* ---- the peer ------------------------------------------------------------ */

static pid_t server_pid = -1;
static int server_port = 0;

static void start_server(void) {
  const char* dir = getenv("AIOCPP_TEST_DIR");
  char script[4096];
  snprintf(script, sizeof script, "%s/peers/hostile_server.py", dir != NULL ? dir : "tests");
  const char* python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  int fds[2];
  if (pipe(fds) != 0) {
    perror("pipe");
    exit(2);
  }
  server_pid = fork();
  if (server_pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    execlp(python, python, script, (char*)NULL);
    _exit(127);
  }
  close(fds[1]);
  char line[64];
  size_t n = 0;
  while (n + 1 < sizeof line) {
    ssize_t got = read(fds[0], line + n, 1);
    if (got <= 0 || line[n] == '\n') break;
    ++n;
  }
  line[n] = '\0';
  close(fds[0]);
  server_port = atoi(line);
  if (server_port <= 0) {
    fprintf(stderr, "the hostile server did not start (read '%s')\n", line);
    exit(2);
  }
}

static void stop_server(void) {
  if (server_pid > 0) {
    kill(server_pid, SIGTERM);
    waitpid(server_pid, NULL, 0);
  }
}

static void url_of(char* out, size_t size, int port, const char* path) {
  snprintf(out, size, "http://127.0.0.1:%d%s", port, path);
}

/* A port nothing listens on: bound to 0, then closed. */
static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  bind(s, (struct sockaddr*)&a, sizeof a);
  getsockname(s, (struct sockaddr*)&a, &len);
  close(s);
  return ntohs(a.sin_port);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

/* ---- what a callback saw ------------------------------------------------ */

typedef struct outcome {
  int calls;
  aiocpp_request_id id;
  aiocpp_error_kind error;
  int status;
  char body[4096];
  size_t body_size;
  char content_length[32];
  char category[32];
  char message[512];
  char url[256];
} outcome;

static void record(aiocpp_request_id id, const aiocpp_response* r, void* user_data) {
  outcome* o = (outcome*)user_data;
  o->calls++;
  o->id = id;
  o->error = r->error;
  o->status = r->status;
  o->body_size = r->body_size;
  snprintf(o->body, sizeof o->body, "%.*s", (int)(r->body_size < 4000 ? r->body_size : 4000), r->body);
  for (size_t i = 0; i < r->header_count; ++i)
    if (strcasecmp(r->headers[i].name, "Content-Length") == 0)
      snprintf(o->content_length, sizeof o->content_length, "%s", r->headers[i].value);
  snprintf(o->category, sizeof o->category, "%s", r->error_category);
  snprintf(o->message, sizeof o->message, "%s", r->error_message);
  snprintf(o->url, sizeof o->url, "%s", r->url);
}

/* Ticks (as a host's frame loop would) until `o` was called back or `ms`
 * passed; sleeps per next_timeout, capped at a 16 ms frame. */
static void tick_until(aiocpp_loop* loop, outcome* o, double ms) {
  double end = now_ms() + ms;
  while (o->calls == 0 && now_ms() < end) {
    aiocpp_loop_tick(loop, 2);
    int wait = aiocpp_loop_next_timeout(loop);
    if (o->calls == 0 && wait != 0) usleep((useconds_t)((wait < 0 || wait > 16 ? 16 : wait) * 1000));
  }
}

/* ---- the cases ---------------------------------------------------------- */

static void test_success(void) {
  aiocpp_loop* loop = aiocpp_loop_new();
  CHECK(loop != NULL);
  aiocpp_session* s = aiocpp_session_new(loop, NULL);
  CHECK(s != NULL);
  char url[256];
  url_of(url, sizeof url, server_port, "/ok");
  outcome ok;
  memset(&ok, 0, sizeof ok);
  aiocpp_request_id id = aiocpp_request_start(s, NULL, url, NULL, 0, NULL, 0, record, &ok);
  CHECK(id != 0);
  CHECK(aiocpp_loop_pending(loop) == 1);
  CHECK(ok.calls == 0); /* never called back from inside start */
  tick_until(loop, &ok, 10000);
  CHECK(ok.calls == 1);
  CHECK(ok.id == id);
  CHECK(ok.error == AIOCPP_OK);
  CHECK(ok.status == 200);
  CHECK(strcmp(ok.body, "ok") == 0);
  CHECK(ok.body_size == 2);
  CHECK(strcmp(ok.content_length, "2") == 0);
  CHECK(strcmp(ok.message, "") == 0);
  CHECK(aiocpp_loop_pending(loop) == 0);
  CHECK(aiocpp_request_cancel(loop, id) == -1); /* finished: harmless */

  /* POST with headers and a body, run to idle. */
  url_of(url, sizeof url, server_port, "/echo");
  aiocpp_header headers[2] = {{"X-From-C", "yes"}, {"Content-Type", "text/plain"}};
  const char body[] = "hello from C";
  outcome echo;
  memset(&echo, 0, sizeof echo);
  id = aiocpp_request_start(s, "POST", url, headers, 2, body, strlen(body), record, &echo);
  CHECK(id != 0);
  CHECK(aiocpp_loop_run(loop) == 0);
  CHECK(echo.calls == 1);
  CHECK(echo.error == AIOCPP_OK);
  CHECK(echo.status == 200);
  CHECK(strstr(echo.body, "\"method\": \"POST\"") != NULL);
  CHECK(strstr(echo.body, "X-From-C") != NULL);
  CHECK(strstr(echo.body, "\"body_length\": 12") != NULL);
  CHECK(strstr(echo.body, "text/plain") != NULL); /* the caller's Content-Type wins */
  CHECK(strstr(echo.body, "octet-stream") == NULL);

  aiocpp_session_free(s);
  CHECK(aiocpp_loop_free(loop) == 0);
}

static void test_refused_and_bad_url(void) {
  aiocpp_loop* loop = aiocpp_loop_new();
  aiocpp_session* s = aiocpp_session_new(loop, NULL);
  char url[256];
  url_of(url, sizeof url, free_port(), "/x");
  outcome refused, bad;
  memset(&refused, 0, sizeof refused);
  memset(&bad, 0, sizeof bad);
  CHECK(aiocpp_request_start(s, "GET", url, NULL, 0, NULL, 0, record, &refused) != 0);
  CHECK(aiocpp_request_start(s, "GET", "ftp://127.0.0.1/x", NULL, 0, NULL, 0, record, &bad) != 0);
  CHECK(aiocpp_loop_run(loop) == 0);
  CHECK(refused.calls == 1);
  CHECK(refused.error == AIOCPP_ERR_CONNECTOR);
  CHECK(strcmp(aiocpp_error_kind_name(refused.error), "connector") == 0);
  CHECK(refused.status == 0);
  CHECK(strcmp(refused.category, "aio.http") == 0);
  CHECK(refused.message[0] != '\0');
  CHECK(strstr(refused.message, "127.0.0.1") != NULL);
  CHECK(bad.calls == 1);
  CHECK(bad.error == AIOCPP_ERR_INVALID_URL);

  /* Refused up front: no id, no callback. */
  outcome none;
  memset(&none, 0, sizeof none);
  CHECK(aiocpp_request_start(s, "GET", NULL, NULL, 0, NULL, 0, record, &none) == 0);
  CHECK(aiocpp_request_start(NULL, "GET", url, NULL, 0, NULL, 0, record, &none) == 0);
  CHECK(aiocpp_request_start(s, "GET", url, NULL, 0, NULL, 0, NULL, &none) == 0);
  CHECK(aiocpp_loop_run(loop) == 0);
  CHECK(none.calls == 0);

  aiocpp_session_free(s);
  CHECK(aiocpp_loop_free(loop) == 0);
}

static void test_cancel(void) {
  aiocpp_loop* loop = aiocpp_loop_new();
  aiocpp_session* s = aiocpp_session_new(loop, NULL);
  char url[256], ok_url[256];
  url_of(url, sizeof url, server_port, "/time/silent");
  url_of(ok_url, sizeof ok_url, server_port, "/ok");
  outcome silent, other;
  memset(&silent, 0, sizeof silent);
  memset(&other, 0, sizeof other);
  aiocpp_request_id id = aiocpp_request_start(s, "GET", url, NULL, 0, NULL, 0, record, &silent);
  aiocpp_request_id id2 = aiocpp_request_start(s, "GET", ok_url, NULL, 0, NULL, 0, record, &other);
  /* Let it connect and send; the server never answers. */
  double end = now_ms() + 200;
  while (now_ms() < end) {
    aiocpp_loop_tick(loop, 2);
    usleep(2000);
  }
  CHECK(silent.calls == 0);
  CHECK(other.calls == 1); /* the other request is unaffected */
  CHECK(other.id == id2);
  CHECK(other.error == AIOCPP_OK);
  double t0 = now_ms();
  CHECK(aiocpp_request_cancel(loop, id) == 0);
  CHECK(silent.calls == 0); /* the callback comes from a tick, not from cancel */
  tick_until(loop, &silent, 5000);
  CHECK(silent.calls == 1);
  CHECK(silent.error == AIOCPP_ERR_CANCELLED);
  CHECK(now_ms() - t0 < 1000);
  CHECK(aiocpp_request_cancel(loop, id) == -1);
  CHECK(aiocpp_request_cancel(loop, 999999) == -1);

  /* Cancelled before it ever ran. */
  outcome early;
  memset(&early, 0, sizeof early);
  id = aiocpp_request_start(s, "GET", ok_url, NULL, 0, NULL, 0, record, &early);
  CHECK(aiocpp_request_cancel(loop, id) == 0);
  CHECK(aiocpp_loop_run(loop) == 0);
  CHECK(early.calls == 1);
  CHECK(early.error == AIOCPP_ERR_CANCELLED);

  /* Freeing the session cancels what it has in flight. */
  outcome orphan;
  memset(&orphan, 0, sizeof orphan);
  CHECK(aiocpp_request_start(s, "GET", url, NULL, 0, NULL, 0, record, &orphan) != 0);
  aiocpp_loop_tick(loop, 5);
  aiocpp_session_free(s);
  CHECK(aiocpp_loop_run(loop) == 0);
  CHECK(orphan.calls == 1);
  CHECK(orphan.error == AIOCPP_ERR_CANCELLED);

  /* Freeing the loop cancels the rest, calling back during the free. */
  s = aiocpp_session_new(loop, NULL);
  outcome last;
  memset(&last, 0, sizeof last);
  CHECK(aiocpp_request_start(s, "GET", url, NULL, 0, NULL, 0, record, &last) != 0);
  aiocpp_loop_tick(loop, 5);
  CHECK(aiocpp_loop_free(loop) == 0);
  CHECK(last.calls == 1);
  CHECK(last.error == AIOCPP_ERR_CANCELLED);
}

static void test_timeout(void) {
  aiocpp_loop* loop = aiocpp_loop_new();
  aiocpp_session_options o;
  aiocpp_session_options_init(&o);
  CHECK(o.total_timeout_ms == 300000);
  CHECK(o.verify_tls == 1);
  o.read_timeout_ms = 150;
  aiocpp_session* s = aiocpp_session_new(loop, &o);
  char url[256];
  url_of(url, sizeof url, server_port, "/time/silent");
  outcome t;
  memset(&t, 0, sizeof t);
  double t0 = now_ms();
  CHECK(aiocpp_request_start(s, "GET", url, NULL, 0, NULL, 0, record, &t) != 0);
  tick_until(loop, &t, 10000);
  double took = now_ms() - t0;
  CHECK(t.calls == 1);
  CHECK(t.error == AIOCPP_ERR_TIMEOUT);
  CHECK(strcmp(aiocpp_error_kind_name(t.error), "timeout") == 0);
  CHECK(strstr(t.message, "timeout") != NULL || strstr(t.message, "timed out") != NULL);
  CHECK(took >= 140 && took < 5000);

  /* The total timeout, over a slow body. */
  aiocpp_session_options_init(&o);
  o.total_timeout_ms = 200;
  aiocpp_session* s2 = aiocpp_session_new(loop, &o);
  url_of(url, sizeof url, server_port, "/slow/trickle?ms=50&bytes=100");
  outcome total;
  memset(&total, 0, sizeof total);
  CHECK(aiocpp_request_start(s2, "GET", url, NULL, 0, NULL, 0, record, &total) != 0);
  CHECK(aiocpp_loop_run(loop) == 0);
  CHECK(total.calls == 1);
  CHECK(total.error == AIOCPP_ERR_TIMEOUT);

  aiocpp_session_free(s);
  aiocpp_session_free(s2);
  CHECK(aiocpp_loop_free(loop) == 0);
}

/* A callback that starts the next request and frees its session at the end. */
typedef struct chain {
  aiocpp_session* session;
  char url[256];
  int left;
  int done;
  int errors;
} chain;

static void chain_step(aiocpp_request_id id, const aiocpp_response* r, void* user_data) {
  (void)id;
  chain* c = (chain*)user_data;
  if (r->error != AIOCPP_OK || r->status != 200) c->errors++;
  c->done++;
  if (--c->left > 0) {
    if (aiocpp_request_start(c->session, "GET", c->url, NULL, 0, NULL, 0, chain_step, c) == 0) c->errors++;
  } else {
    aiocpp_session_free(c->session);
  }
}

static void test_callbacks_reenter(void) {
  aiocpp_loop* loop = aiocpp_loop_new();
  chain c;
  memset(&c, 0, sizeof c);
  c.session = aiocpp_session_new(loop, NULL);
  url_of(c.url, sizeof c.url, server_port, "/ok");
  c.left = 5;
  CHECK(aiocpp_request_start(c.session, "GET", c.url, NULL, 0, NULL, 0, chain_step, &c) != 0);
  CHECK(aiocpp_loop_run(loop) == 0);
  CHECK(c.done == 5);
  CHECK(c.errors == 0);
  CHECK(aiocpp_loop_free(loop) == 0);
}

static void on_host_loop_cb(aiocpp_request_id id, const aiocpp_response* r, void* user_data) {
  record(id, r, user_data);
}

static void test_host_loop(void) {
  uv_loop_t host;
  CHECK(uv_loop_init(&host) == 0);
  aiocpp_loop* loop = aiocpp_loop_new_on(&host);
  CHECK(loop != NULL);
  CHECK(aiocpp_loop_uv(loop) == &host);
  aiocpp_session* s = aiocpp_session_new(loop, NULL);
  char url[256];
  url_of(url, sizeof url, server_port, "/ok");
  outcome ok;
  memset(&ok, 0, sizeof ok);
  CHECK(aiocpp_request_start(s, "GET", url, NULL, 0, NULL, 0, on_host_loop_cb, &ok) != 0);
  tick_until(loop, &ok, 10000);
  CHECK(ok.calls == 1);
  CHECK(ok.error == AIOCPP_OK);
  CHECK(ok.status == 200);
  aiocpp_session_free(s);
  CHECK(aiocpp_loop_free(loop) == 0);
  uv_run(&host, UV_RUN_DEFAULT); /* aiocpp's handles finish closing */
  CHECK(uv_loop_close(&host) == 0);
}

static int posted = 0;
static void on_post(void* arg) { *(int*)arg += 1; }

static void test_post(void) {
  aiocpp_loop* loop = aiocpp_loop_new();
  CHECK(aiocpp_loop_post(loop, on_post, &posted) == 0);
  CHECK(posted == 0);
  aiocpp_loop_tick(loop, 1);
  CHECK(posted == 1);
  CHECK(aiocpp_loop_free(loop) == 0);
}

int main(void) {
  start_server();
  test_success();
  test_refused_and_bad_url();
  test_cancel();
  test_timeout();
  test_callbacks_reenter();
  test_host_loop();
  test_post();
  stop_server();
  printf("test_capi: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
