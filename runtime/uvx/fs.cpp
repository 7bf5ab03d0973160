#include "fs.hpp"

#include <cstdlib>

struct uvx_fs_s {
  uv_fs_t fs;
  char* buf;
  uvx_read_cb cb;
  void* data;
};

namespace {

void on_read(uv_fs_t* fs) {
  auto* req = static_cast<uvx_fs_t*>(fs->data);
  ssize_t result = fs->result;
  uv_fs_req_cleanup(fs);
  uvx_read_cb cb = req->cb;
  void* data = req->data;
  char* buf = req->buf;
  std::free(req);
  if (cb != nullptr)
    cb(data, result, buf);
  else
    std::free(buf);
}

}  // namespace

int uvx_fs_read(uv_loop_t* loop, uv_file file, char* buf, size_t len, int64_t offset, uvx_read_cb cb,
                void* data, uvx_fs_t** req_out) {
  auto* req = static_cast<uvx_fs_t*>(std::calloc(1, sizeof(uvx_fs_t)));
  if (req == nullptr) return UV_ENOMEM;
  req->buf = buf;
  req->cb = cb;
  req->data = data;
  req->fs.data = req;
  uv_buf_t b = uv_buf_init(buf, static_cast<unsigned>(len));
  int rc = uv_fs_read(loop, &req->fs, file, &b, 1, offset, on_read);
  if (rc != 0) {
    std::free(req);
    return rc;
  }
  *req_out = req;
  return 0;
}

void uvx_fs_detach(uvx_fs_t* req) {
  if (req == nullptr) return;
  req->cb = nullptr;
  req->data = nullptr;
  // Succeeds only while the read is queued; a running one ends normally.
  uv_cancel(reinterpret_cast<uv_req_t*>(&req->fs));
}
