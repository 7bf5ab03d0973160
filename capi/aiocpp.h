/* aiocpp's C API: HTTP requests on a libuv loop, for C hosts and bindings
 * (C#, Lua, Python ctypes). Include it as <aio/aiocpp.h>; link libaiocpp.a
 * (pkg-config --static --libs aiocpp) with a C++ linker or -lstdc++.
 *
 *   aiocpp_loop* loop = aiocpp_loop_new();
 *   aiocpp_session* s = aiocpp_session_new(loop, NULL);       // default options
 *   aiocpp_request_start(s, "GET", "http://127.0.0.1:8080/", NULL, 0, NULL, 0, on_done, ctx);
 *   aiocpp_loop_run(loop);                                     // or aiocpp_loop_tick() per frame
 *   aiocpp_session_free(s);
 *   aiocpp_loop_free(loop);
 *
 *   void on_done(aiocpp_request_id id, const aiocpp_response* r, void* ctx) {
 *     if (r->error == AIOCPP_OK) use(r->status, r->body, r->body_size);
 *     else fprintf(stderr, "%s: %s\n", aiocpp_error_kind_name(r->error), r->error_message);
 *   }
 *
 * Handles. aiocpp_loop and aiocpp_session are opaque pointers. A request is
 * named by an aiocpp_request_id, an integer that is never reused within a
 * loop, so cancelling a request that has already finished is harmless (it
 * returns -1) rather than a use after free.
 *
 * Callbacks. Every request that aiocpp_request_start accepted (id != 0) gets
 * exactly one callback, with its outcome: a response, an error, or
 * AIOCPP_ERR_CANCELLED (aiocpp_request_cancel, aiocpp_session_free,
 * aiocpp_loop_free). Callbacks run only inside aiocpp_loop_tick,
 * aiocpp_loop_run and aiocpp_loop_free, on the loop's thread, never inside
 * aiocpp_request_start. Everything an aiocpp_response points to (headers,
 * body, message) belongs to the library and is valid only until the callback
 * returns: copy what you keep. A callback may start and cancel requests and
 * free sessions; it must not tick, run or free the loop.
 *
 * Errors. No C++ exception crosses this API: each function catches
 * everything and reports it (NULL, 0, -1, or an error kind in the callback).
 * The kinds mirror the C++ exception tree (aio::http::ConnectorError, ...);
 * error_code and error_category are the underlying std::error_code (a libuv
 * code in "libuv", an aio::http::Errc in "aio.http", ...).
 *
 * Threads. A loop and its sessions belong to the thread that created the
 * loop; call every function there, except aiocpp_loop_post, which any thread
 * may call until aiocpp_loop_free starts (the host makes sure of that).
 * Different loops on different threads are independent.
 *
 * Strings are UTF-8 and NUL-terminated unless a size is given; every input
 * is copied before the function returns.
 */
#ifndef AIOCPP_H
#define AIOCPP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct uv_loop_s; /* libuv's uv_loop_t */

typedef struct aiocpp_loop aiocpp_loop;
typedef struct aiocpp_session aiocpp_session;
/* A request's name: > 0, unique within its loop. 0 means "not started". */
typedef uint64_t aiocpp_request_id;

/* What a request ended in. One kind per class of the C++ exception tree. */
typedef enum aiocpp_error_kind {
  AIOCPP_OK = 0,                     /* a response (any status, unless raise_for_status) */
  AIOCPP_ERR_CANCELLED = 1,          /* aiocpp_request_cancel, session or loop freed */
  AIOCPP_ERR_TIMEOUT = 2,            /* a timeout of the session options; the message names the phase */
  AIOCPP_ERR_CONNECTOR = 3,          /* DNS failure, connection refused, unreachable (curl 6/7) */
  AIOCPP_ERR_SERVER_DISCONNECTED = 4,/* the server closed or reset the connection (curl 52/55/56) */
  AIOCPP_ERR_RESPONSE = 5,           /* status >= 400 with raise_for_status set (curl 22) */
  AIOCPP_ERR_PAYLOAD = 6,            /* bad or truncated body, bad encoding, body over the limit */
  AIOCPP_ERR_PROTOCOL = 7,           /* malformed response head or framing (curl 8) */
  AIOCPP_ERR_INVALID_URL = 8,        /* unparsable or unsupported URL (curl 3) */
  AIOCPP_ERR_TOO_MANY_REDIRECTS = 9, /* (curl 47) */
  AIOCPP_ERR_TLS = 10,               /* TLS handshake failure (curl 35) */
  AIOCPP_ERR_CERTIFICATE = 11,       /* certificate verification failed (curl 60) */
  AIOCPP_ERR_CLIENT = 12,            /* another client error: CR/LF in a header, session closed */
  AIOCPP_ERR_IO = 13,                /* another libuv error */
  AIOCPP_ERR_OUT_OF_MEMORY = 14,
  AIOCPP_ERR_OTHER = 15              /* anything else (a bug: please report it) */
} aiocpp_error_kind;

/* "ok", "cancelled", "timeout", "connector", ...; never NULL. */
const char* aiocpp_error_kind_name(aiocpp_error_kind kind);

typedef struct aiocpp_header {
  const char* name;
  const char* value;
} aiocpp_header;

/* A request's outcome, passed to its callback and valid only during it. */
typedef struct aiocpp_response {
  aiocpp_error_kind error;     /* AIOCPP_OK: status, headers and body are set */
  int status;                  /* the HTTP status; 0 when error != AIOCPP_OK */
  const aiocpp_header* headers;/* header_count fields, in order received */
  size_t header_count;
  const char* body;            /* body_size bytes (decoded), followed by a NUL */
  size_t body_size;
  const char* url;             /* the URL that answered (after redirects), or the one asked for */
  int error_code;              /* std::error_code value; 0 when error == AIOCPP_OK */
  const char* error_category;  /* its category ("libuv", "aio.http", "aio"); "" on success */
  const char* error_message;   /* names the request and what failed; "" on success */
} aiocpp_response;

typedef void (*aiocpp_callback)(aiocpp_request_id id, const aiocpp_response* response, void* user_data);

/* ---- loop ---------------------------------------------------------------
 * aiocpp_loop_new: a loop that owns its own uv_loop_t.
 * aiocpp_loop_new_on: a loop on a uv_loop_t the host owns (and must keep
 *   until after aiocpp_loop_free); the host's own handles are untouched, and
 *   after aiocpp_loop_free the host must run its loop once more so that
 *   aiocpp's handles finish closing.
 * Both return NULL on failure. */
aiocpp_loop* aiocpp_loop_new(void);
aiocpp_loop* aiocpp_loop_new_on(struct uv_loop_s* host);

/* Cancels every request still in flight (their callbacks run now, with
 * AIOCPP_ERR_CANCELLED), frees every session not freed yet, closes the
 * loop's handles and frees it. Returns 0, or -1 when called from inside a
 * callback (nothing is done then). NULL is ignored (returns 0). */
int aiocpp_loop_free(aiocpp_loop* loop);

/* For a host that owns the frame: runs ready I/O and callbacks without
 * blocking, for about budget_ms at most (0: one pass). Returns 1 while
 * something is pending (requests, timers, pooled connections' handles), 0
 * when nothing is, -1 when misused (from a callback). */
int aiocpp_loop_tick(aiocpp_loop* loop, uint32_t budget_ms);

/* Blocks, running the loop, until no request is in flight and every freed
 * session has finished closing. Returns 0, or -1 when misused. */
int aiocpp_loop_run(aiocpp_loop* loop);

/* For a host that sleeps between ticks: milliseconds until the loop needs a
 * tick (0: now), or -1 when nothing is pending. */
int aiocpp_loop_next_timeout(const aiocpp_loop* loop);

/* Requests in flight on this loop (started, callback not yet run). */
size_t aiocpp_loop_pending(const aiocpp_loop* loop);

/* The uv_loop_t under this loop (its own, or the host's). */
struct uv_loop_s* aiocpp_loop_uv(const aiocpp_loop* loop);

/* From any thread: runs fn(arg) on the loop's thread during a later tick or
 * run, and wakes a loop blocked in aiocpp_loop_run. Returns 0, or -1 when
 * out of memory. fn may start requests. */
int aiocpp_loop_post(aiocpp_loop* loop, void (*fn)(void* arg), void* arg);

/* ---- session ------------------------------------------------------------
 * A keep-alive connection pool, cookie jar and DNS cache shared by the
 * requests made through it. Fill the options with aiocpp_session_options_init
 * first, then change what you need. */
typedef struct aiocpp_session_options {
  uint32_t total_timeout_ms;    /* the whole request, body included; 0: none (default 300000) */
  uint32_t connect_timeout_ms;  /* pool wait plus connect; 0: none (default 30000) */
  uint32_t read_timeout_ms;     /* each socket read; 0: none (default) */
  uint32_t limit;               /* connections open at once; 0: no limit (default 100) */
  int verify_tls;               /* 1: verify https certificates (default); 0: insecure, like curl -k */
  const char* ca_file;          /* PEM trust anchors instead of the system bundle; NULL: system */
  int follow_redirects;         /* 1 (default): up to 10 redirects; 0: return 3xx as they are */
  int raise_for_status;         /* 1: status >= 400 is AIOCPP_ERR_RESPONSE; 0 (default): a response */
  const char* user_agent;       /* sent with every request; NULL: none */
} aiocpp_session_options;

void aiocpp_session_options_init(aiocpp_session_options* options);

/* A session on `loop` (options NULL: the defaults). NULL on failure. */
aiocpp_session* aiocpp_session_new(aiocpp_loop* loop, const aiocpp_session_options* options);

/* Cancels the session's requests (their callbacks come with
 * AIOCPP_ERR_CANCELLED during the next tick or run) and closes its pooled
 * connections; the memory goes once that is done, during later ticks (or
 * aiocpp_loop_run / aiocpp_loop_free). The pointer is invalid at once. May be
 * called from a callback. NULL is ignored. */
void aiocpp_session_free(aiocpp_session* session);

/* ---- requests -----------------------------------------------------------
 * Starts `method` (NULL: "GET") on `url` with `header_count` extra headers
 * and `body_size` bytes of body (NULL/0: none). Everything is copied. The
 * request runs during ticks; `callback(id, response, user_data)` runs once
 * when it has ended, with the whole body read. Returns the request's id, or
 * 0 when it cannot start (session, url or callback NULL, the session freed,
 * out of memory): no callback then. A bad URL or header is reported through
 * the callback (AIOCPP_ERR_INVALID_URL, AIOCPP_ERR_CLIENT). */
aiocpp_request_id aiocpp_request_start(aiocpp_session* session, const char* method, const char* url,
                                       const aiocpp_header* headers, size_t header_count, const void* body,
                                       size_t body_size, aiocpp_callback callback, void* user_data);

/* Cancels a request in flight: its I/O stops and its callback comes with
 * AIOCPP_ERR_CANCELLED during a later tick (or with its real outcome, when
 * that was already decided). Returns 0 while the request is in flight
 * (cancelling twice is harmless), -1 when no such request is in flight on
 * this loop: its callback has run, or the id is unknown. */
int aiocpp_request_cancel(aiocpp_loop* loop, aiocpp_request_id id);

#ifdef __cplusplus
}
#endif

#endif /* AIOCPP_H */
