// uvx TCP: a TCP handle with its own read buffer.
//
// Reading is buffered: once a reader waits, the handle keeps reading into
// its buffer until the buffer is full (back-pressure: reading stops when it
// is found full twice with nothing consumed in between) or the stream ends.
// The consumer looks at the buffered bytes, consumes what it used, and waits
// again when it needs more. The buffer grows only up to `max_buffer` bytes.
#pragma once

#include <cstddef>

#include "handle.hpp"
#include "req.hpp"

typedef struct uvx_tcp_s {
  uv_tcp_t uv;
  char* buf;        // read buffer; bytes [head, tail) are unread
  size_t head;
  size_t tail;
  size_t cap;
  size_t max_buffer;
  int read_status;  // 0, or sticky UV_EOF / a negative error
  int reading;      // uv_read_start is active
  int full_once;    // found full (UV_ENOBUFS) since the last consume
  uvx_status_cb on_readable;  // the one waiting reader, or NULL
  void* readable_data;
  // A reader's own memory (uvx_tcp_wait_into): while set, reads go to
  // dst[dst_got, dst_len) instead of `buf`, until it is full.
  char* dst;
  size_t dst_len;
  size_t dst_got;
} uvx_tcp_t;

// Makes a TCP handle. Close it with uvx_close((uv_handle_t*)tcp); that also
// completes its pending requests with UV_ECANCELED.
int uvx_tcp_new(uv_loop_t* loop, uvx_tcp_t** out);

// Connects to `addr`; cb(data, status) runs when done. *req_out receives the
// request (for uvx_req_detach). TCP_NODELAY is set on success.
int uvx_tcp_connect(uvx_tcp_t* tcp, const struct sockaddr* addr, uvx_status_cb cb,
                    void* data, uvx_req_t** req_out);

// Bytes buffered and not yet consumed.
static inline size_t uvx_tcp_buffered(const uvx_tcp_t* tcp) { return tcp->tail - tcp->head; }
static inline const char* uvx_tcp_data(const uvx_tcp_t* tcp) { return tcp->buf + tcp->head; }

// Marks `n` buffered bytes as used (n <= uvx_tcp_buffered()).
void uvx_tcp_consume(uvx_tcp_t* tcp, size_t n);

// Waits until at least one byte beyond what is buffered now arrives, or the
// stream ends (UV_EOF) or fails: then cb(data, status) runs once, with 0 or
// the sticky read status. Starts reading if needed. One waiter at a time.
// Returns the sticky read status at once (without calling cb) when the
// stream already ended, and UV_ENOBUFS when the buffer is full at max_buffer.
int uvx_tcp_wait_readable(uvx_tcp_t* tcp, uvx_status_cb cb, void* data);

// Like uvx_tcp_wait_readable, but the bytes are read straight into
// dst[0, len) (libuv's alloc callback hands out that memory): no copy
// through the stream's buffer. Requires uvx_tcp_buffered() == 0 and len > 0.
// cb runs once the first bytes landed in dst (or at the end or an error);
// later reads keep filling dst until uvx_tcp_take_into() or
// uvx_tcp_unwait(). Once dst is full, reading pauses until then (and stops
// as for a full buffer if it stays full); afterwards reads go to the
// stream's buffer again. dst must stay valid until one of those two is
// called.
int uvx_tcp_wait_into(uvx_tcp_t* tcp, char* dst, size_t len, uvx_status_cb cb, void* data);

// Forgets the destination given to uvx_tcp_wait_into and returns how many
// bytes were read into it.
size_t uvx_tcp_take_into(uvx_tcp_t* tcp);

// Forgets the waiting reader (and its destination) and stops reading.
void uvx_tcp_unwait(uvx_tcp_t* tcp);

// Writes `bufs`. Tries a synchronous write first: when everything was
// written, returns 0 and sets *req_out to NULL (cb is not called).
// Otherwise queues the rest and sets *req_out; cb(data, status) runs when it
// is written. The bytes must stay valid until then (or until the request is
// detached and the stream closed).
int uvx_tcp_write(uvx_tcp_t* tcp, const uv_buf_t* bufs, unsigned nbufs, uvx_status_cb cb,
                  void* data, uvx_req_t** req_out);

// Shuts down the write side after pending writes; cb(data, status) when done.
int uvx_tcp_shutdown(uvx_tcp_t* tcp, uvx_status_cb cb, void* data, uvx_req_t** req_out);

// Server side: binds and listens; on_connection(data, status) runs per
// pending connection, then uvx_tcp_accept() takes it.
int uvx_tcp_listen(uvx_tcp_t* tcp, const struct sockaddr* addr, int backlog,
                   uvx_status_cb on_connection, void* data);
int uvx_tcp_accept(uvx_tcp_t* server, uvx_tcp_t* client);
