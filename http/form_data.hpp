// aio::http::FormData: a multipart/form-data body (RFC 7578), aiohttp's
// FormData and curl's -F.
//
//   aio::http::FormData form;
//   form.field("title", "Holiday").file("photo", "/tmp/beach.jpg", "", "image/jpeg");
//   auto r = co_await session.post(url, aio::http::RequestOptions().multipart(std::move(form)));
//
// Files are opened when the request starts and streamed from disk while it
// is sent; the body is never built in memory. Content-Length is sent when
// every file is a regular file (then the body can be replayed for a 307/308
// or the stale-connection retry); a pipe makes it chunked and not
// replayable.
//
// The boundary is "aiocpp-" and 32 random hex digits (128 bits, as
// aiohttp's uuid4), drawn again while it occurs in a field, name, filename
// or in-memory part; file contents are not scanned (a match is a 2^-128
// event per position). Names and filenames are sent as quoted strings:
// `"` and `\` are backslash-escaped, CR, LF and NUL are percent-encoded (they
// cannot appear in a header), non-ASCII is sent as UTF-8 (RFC 7578 §5.1.3).
// A Content-Type with CR, LF or NUL throws ClientError (invalid_argument)
// when the request starts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "body_source.hpp"

namespace aio::http {

class FormData {
 public:
  FormData();

  // A text field: no filename; Content-Type only when given.
  FormData& field(std::string name, std::string value, std::string content_type = "");
  // A file part read from `path` when the request starts. filename empty:
  // the path's last component; content_type empty: application/octet-stream.
  FormData& file(std::string name, std::string path, std::string filename = "", std::string content_type = "");
  // A file part from memory.
  FormData& bytes(std::string name, std::string data, std::string filename,
                  std::string content_type = "");

  const std::string& boundary() const noexcept { return boundary_; }
  // "multipart/form-data; boundary=...".
  std::string content_type() const { return "multipart/form-data; boundary=" + boundary_; }

  // The body: opens the files (ClientError Errc::body_read_failed) and
  // draws a new boundary if the current one occurs in a part.
  std::unique_ptr<BodySource> open();

 private:
  struct Part {
    std::string name;
    std::string filename;
    std::string content_type;
    std::string data;  // the content, or the path of a file part
    bool from_file = false;
    bool has_filename = false;
  };
  bool boundary_fits() const;

  std::vector<Part> parts_;
  std::string boundary_;
};

namespace detail {
// `value` as a quoted-string for a Content-Disposition parameter.
std::string quote_disposition(std::string_view value);
}  // namespace detail

}  // namespace aio::http
