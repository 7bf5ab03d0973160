#include "tcp.hpp"

#include <cstdlib>
#include <cstring>

namespace {

constexpr size_t kInitialBuffer = 16 * 1024;
// 64 KiB: a 512 KiB body cost 255-290 us of client CPU per request at
// 256 KiB and 180-215 at 32-64 KiB (bench: 64 connections to nginx): the
// kernel copies into, and the parser reads from, buffers that stay in cache.
constexpr size_t kDefaultMaxBuffer = 64 * 1024;
constexpr size_t kMinRead = 4 * 1024;

void on_alloc(uv_handle_t* handle, size_t, uv_buf_t* out) {
  auto* tcp = reinterpret_cast<uvx_tcp_t*>(handle);
  if (tcp->dst != nullptr) {
    // The reader's memory: the kernel copies into it, nothing else does.
    // Once it is full, no more reading until the reader takes it (no room:
    // UV_ENOBUFS, see on_read): a reader that reads into its own memory
    // again right away gets the next bytes there too, not a copy from
    // `buf`.
    size_t room = tcp->dst_len - tcp->dst_got;
    if (room > 0x7fffffff) room = 0x7fffffff;
    *out = uv_buf_init(tcp->dst + tcp->dst_got, static_cast<unsigned>(room));
    return;
  }
  if (tcp->head == tcp->tail) tcp->head = tcp->tail = 0;
  if (tcp->cap - tcp->tail < kMinRead && tcp->head > 0) {
    std::memmove(tcp->buf, tcp->buf + tcp->head, tcp->tail - tcp->head);
    tcp->tail -= tcp->head;
    tcp->head = 0;
  }
  if (tcp->cap - tcp->tail < kMinRead && tcp->cap < tcp->max_buffer) {
    size_t cap = tcp->cap ? tcp->cap * 2 : kInitialBuffer;
    if (cap > tcp->max_buffer) cap = tcp->max_buffer;
    char* buf = static_cast<char*>(std::realloc(tcp->buf, cap));
    if (buf != nullptr) {
      tcp->buf = buf;
      tcp->cap = cap;
    }
  }
  // Full at max_buffer: no room, and libuv calls on_read with UV_ENOBUFS.
  *out = uv_buf_init(tcp->buf + tcp->tail, static_cast<unsigned>(tcp->cap - tcp->tail));
}

void notify_reader(uvx_tcp_t* tcp, int status) {
  uvx_status_cb cb = tcp->on_readable;
  if (cb == nullptr) return;
  tcp->on_readable = nullptr;
  cb(tcp->readable_data, status);
}

void stop_reading(uvx_tcp_t* tcp) {
  if (!tcp->reading) return;
  tcp->reading = 0;
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp->uv));
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* tcp = reinterpret_cast<uvx_tcp_t*>(stream);
  if (nread == 0) return;  // EAGAIN: nothing now, not EOF
  if (nread == UV_ENOBUFS) {
    // Back-pressure, lazily: the buffer is full. The first time, reading
    // goes on (the socket stays readable, so the next pass comes back here):
    // a consumer that was just woken up empties the buffer before that, and
    // stopping and restarting would cost two epoll_ctl calls for nothing.
    // Full again with nothing consumed in between: the consumer is slow;
    // stop until it waits for more.
    if (tcp->full_once) stop_reading(tcp);
    tcp->full_once = 1;
    return;
  }
  if (nread < 0) {
    tcp->read_status = static_cast<int>(nread);
    stop_reading(tcp);  // libuv already stopped for UV_EOF; errors too
    notify_reader(tcp, tcp->read_status);
    return;
  }
  if (tcp->dst != nullptr && tcp->dst_got < tcp->dst_len && buf->base == tcp->dst + tcp->dst_got) {
    tcp->dst_got += static_cast<size_t>(nread);
    notify_reader(tcp, 0);
    return;
  }
  tcp->tail += static_cast<size_t>(nread);
  notify_reader(tcp, 0);
}

int start_reading(uvx_tcp_t* tcp) {
  if (tcp->reading) return 0;
  int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp->uv), on_alloc, on_read);
  if (rc == 0) tcp->reading = 1;
  return rc;
}

void on_connect(uv_connect_t* uv, int status) {
  auto* req = static_cast<uvx_req_t*>(uv->data);
  if (status == 0) uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(uv->handle), 1);
  uvx_req_finish(req, status);
}

void on_write(uv_write_t* uv, int status) { uvx_req_finish(static_cast<uvx_req_t*>(uv->data), status); }

void on_shutdown(uv_shutdown_t* uv, int status) {
  uvx_req_finish(static_cast<uvx_req_t*>(uv->data), status);
}

void on_connection(uv_stream_t* server, int status) {
  auto* tcp = reinterpret_cast<uvx_tcp_t*>(server);
  if (tcp->on_readable != nullptr) tcp->on_readable(tcp->readable_data, status);
}

}  // namespace

int uvx_tcp_new(uv_loop_t* loop, uvx_tcp_t** out) {
  auto* tcp = static_cast<uvx_tcp_t*>(uvx_handle_alloc(sizeof(uvx_tcp_t)));
  if (tcp == nullptr) return UV_ENOMEM;
  int rc = uv_tcp_init(loop, &tcp->uv);
  if (rc != 0) {
    std::free(tcp);
    return rc;
  }
  uvx_handle_adopt(reinterpret_cast<uv_handle_t*>(&tcp->uv));
  tcp->max_buffer = kDefaultMaxBuffer;
  *out = tcp;
  return 0;
}

int uvx_tcp_connect(uvx_tcp_t* tcp, const struct sockaddr* addr, uvx_status_cb cb, void* data,
                    uvx_req_t** req_out) {
  uvx_req_t* req = uvx_req_new(cb, data);
  if (req == nullptr) return UV_ENOMEM;
  int rc = uv_tcp_connect(&req->uv.connect, &tcp->uv, addr, on_connect);
  if (rc != 0) {
    std::free(req);
    return rc;
  }
  *req_out = req;
  return 0;
}

void uvx_tcp_consume(uvx_tcp_t* tcp, size_t n) {
  if (n > 0) tcp->full_once = 0;
  tcp->head += n;
  if (tcp->head == tcp->tail) tcp->head = tcp->tail = 0;
}

int uvx_tcp_wait_readable(uvx_tcp_t* tcp, uvx_status_cb cb, void* data) {
  if (tcp->read_status != 0) return tcp->read_status;
  if (tcp->tail - tcp->head >= tcp->max_buffer) return UV_ENOBUFS;
  int rc = start_reading(tcp);
  if (rc != 0) return rc;
  tcp->on_readable = cb;
  tcp->readable_data = data;
  return 0;
}

int uvx_tcp_wait_into(uvx_tcp_t* tcp, char* dst, size_t len, uvx_status_cb cb, void* data) {
  if (tcp->read_status != 0) return tcp->read_status;
  if (len == 0 || tcp->tail != tcp->head) return UV_EINVAL;
  int rc = start_reading(tcp);
  if (rc != 0) return rc;
  tcp->dst = dst;
  tcp->dst_len = len;
  tcp->dst_got = 0;
  tcp->on_readable = cb;
  tcp->readable_data = data;
  return 0;
}

size_t uvx_tcp_take_into(uvx_tcp_t* tcp) {
  size_t got = tcp->dst_got;
  if (got > 0) tcp->full_once = 0;
  tcp->dst = nullptr;
  tcp->dst_len = tcp->dst_got = 0;
  return got;
}

void uvx_tcp_unwait(uvx_tcp_t* tcp) {
  tcp->on_readable = nullptr;
  tcp->readable_data = nullptr;
  tcp->dst = nullptr;
  tcp->dst_len = tcp->dst_got = 0;
  stop_reading(tcp);
}

int uvx_tcp_write(uvx_tcp_t* tcp, const uv_buf_t* bufs, unsigned nbufs, uvx_status_cb cb,
                  void* data, uvx_req_t** req_out) {
  *req_out = nullptr;
  auto* stream = reinterpret_cast<uv_stream_t*>(&tcp->uv);
  int written = uv_try_write(stream, bufs, nbufs);
  if (written < 0 && written != UV_EAGAIN) return written;
  size_t skip = written > 0 ? static_cast<size_t>(written) : 0;
  // Drop what the synchronous write took; uv_write copies the buffer array.
  uv_buf_t rest[16];
  unsigned n = 0;
  for (unsigned i = 0; i < nbufs; ++i) {
    if (skip >= bufs[i].len) {
      skip -= bufs[i].len;
      continue;
    }
    if (n == sizeof rest / sizeof rest[0]) return UV_E2BIG;
    rest[n++] = uv_buf_init(bufs[i].base + skip, static_cast<unsigned>(bufs[i].len - skip));
    skip = 0;
  }
  if (n == 0) return 0;
  uvx_req_t* req = uvx_req_new(cb, data);
  if (req == nullptr) return UV_ENOMEM;
  int rc = uv_write(&req->uv.write, stream, rest, n, on_write);
  if (rc != 0) {
    std::free(req);
    return rc;
  }
  *req_out = req;
  return 0;
}

int uvx_tcp_shutdown(uvx_tcp_t* tcp, uvx_status_cb cb, void* data, uvx_req_t** req_out) {
  uvx_req_t* req = uvx_req_new(cb, data);
  if (req == nullptr) return UV_ENOMEM;
  int rc = uv_shutdown(&req->uv.shutdown, reinterpret_cast<uv_stream_t*>(&tcp->uv), on_shutdown);
  if (rc != 0) {
    std::free(req);
    return rc;
  }
  *req_out = req;
  return 0;
}

int uvx_tcp_listen(uvx_tcp_t* tcp, const struct sockaddr* addr, int backlog,
                   uvx_status_cb on_conn, void* data) {
  int rc = uv_tcp_bind(&tcp->uv, addr, 0);
  if (rc != 0) return rc;
  tcp->on_readable = on_conn;
  tcp->readable_data = data;
  return uv_listen(reinterpret_cast<uv_stream_t*>(&tcp->uv), backlog, on_connection);
}

int uvx_tcp_accept(uvx_tcp_t* server, uvx_tcp_t* client) {
  int rc = uv_accept(reinterpret_cast<uv_stream_t*>(&server->uv),
                     reinterpret_cast<uv_stream_t*>(&client->uv));
  if (rc == 0) uv_tcp_nodelay(&client->uv, 1);
  return rc;
}
