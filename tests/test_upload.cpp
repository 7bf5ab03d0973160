// Request bodies streamed from files, pipes, generators and multipart forms
// (issue #11), against tests/peers/upload_sink.py — a Python receiver that
// hashes what it got and parses multipart bodies with Python's email
// package — and the hostile server for the stale-connection retry.
#include <aio/http/form_data.hpp>
#include <aio/http/session.hpp>
#include <aio/json/parse.hpp>
#include <aio/runtime/file.hpp>
#include <aio/runtime/timeout.hpp>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "support/http_helpers.hpp"
#include "support/process.hpp"

using namespace std::chrono_literals;
using aio::http::Errc;
using aio::http::FormData;
using aio::http::RequestOptions;
using aio::http::Session;
using aio::http::SessionOptions;
using test::Outcome;

namespace {

class UploadSink {
 public:
  UploadSink() : process_({test::python(), test::source_dir() + "/peers/upload_sink.py"}) {
    port_ = process_.port(std::chrono::seconds(20));
  }
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  test::Process process_;
  int port_ = 0;
};

UploadSink& sink() {
  static UploadSink s;
  return s;
}

test::HostileServer& hostile() {
  static test::HostileServer s;
  return s;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(gen());
  return s;
}

std::string sha256(std::string_view bytes) {
  unsigned char out[32];
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out, 0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : out) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 15]);
  }
  return hex;
}

// What the sink answered: its JSON reply as a Document.
struct Reply {
  Outcome outcome = Outcome::other;
  std::string message;
  int status = 0;
  aio::json::Document doc;
};

aio::Task<Reply> upload(Session& s, std::string url, std::string method, RequestOptions opts) {
  test::Fetch f = co_await test::fetch(s, std::move(url), std::move(method), std::move(opts));
  Reply r{f.outcome, f.message, f.status, aio::json::Document()};
  if (f.outcome == Outcome::ok) r.doc = aio::json::parse(f.body);
  co_return r;
}

std::string str(const aio::json::Document& d, const char* key) { return std::string(d[key].get<std::string_view>()); }

}  // namespace

TEST_CASE("a file body streams with Content-Length and arrives intact") {
  test::TempDir dir;
  std::string bytes = random_bytes(5 * 1024 * 1024 + 17, 1);
  dir.write("up.bin", bytes);
  auto body = [](std::string path, std::string want) -> aio::Task<void> {
    Session s;
    Reply r = co_await upload(s, sink().url("/sink"), "PUT", RequestOptions().file(path, "image/png"));
    REQUIRE_MESSAGE(r.outcome == Outcome::ok, r.message);
    CHECK(str(r.doc, "framing") == "length");
    CHECK(r.doc["bytes"].get<std::int64_t>() == static_cast<std::int64_t>(want.size()));
    CHECK(str(r.doc, "sha256") == sha256(want));
    CHECK(str(r.doc, "content_type") == "image/png");
    // The same session again: the connection went back to the pool.
    Reply again = co_await upload(s, sink().url("/sink"), "POST", RequestOptions().file(path));
    CHECK(str(again.doc, "sha256") == sha256(want));
    CHECK(str(again.doc, "content_type") == "application/octet-stream");
    CHECK(s.open_connections() == 1);
    co_await s.close();
  };
  test::run(body(dir.file("up.bin"), bytes));
}

TEST_CASE("an open descriptor is read from where it stands") {
  test::TempDir dir;
  std::string bytes = random_bytes(300000, 2);
  dir.write("up.bin", bytes);
  int fd = ::open(dir.file("up.bin").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::lseek(fd, 1000, SEEK_SET) == 1000);
  auto body = [](int fd, std::string want) -> aio::Task<void> {
    Session s;
    Reply r = co_await upload(s, sink().url("/sink"), "POST", RequestOptions().file(fd));
    REQUIRE_MESSAGE(r.outcome == Outcome::ok, r.message);
    CHECK(str(r.doc, "framing") == "length");
    CHECK(str(r.doc, "sha256") == sha256(want));
    co_await s.close();
  };
  test::run(body(fd, bytes.substr(1000)));
  CHECK(::fcntl(fd, F_GETFD) != -1);  // still the caller's
  ::close(fd);
}

TEST_CASE("a pipe is sent chunked, read to its end") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  std::string bytes = random_bytes(3 * 1024 * 1024 + 5, 3);
  std::thread writer([&] {
    std::size_t at = 0;
    while (at < bytes.size()) {
      ssize_t n = ::write(fds[1], bytes.data() + at, std::min<std::size_t>(70000, bytes.size() - at));
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
  });
  auto body = [](int fd, std::string want) -> aio::Task<void> {
    Session s;
    Reply r = co_await upload(s, sink().url("/sink"), "POST", RequestOptions().file(fd));
    REQUIRE_MESSAGE(r.outcome == Outcome::ok, r.message);
    CHECK(str(r.doc, "framing") == "chunked");
    CHECK(r.doc["bytes"].get<std::int64_t>() == static_cast<std::int64_t>(want.size()));
    CHECK(str(r.doc, "sha256") == sha256(want));
    co_await s.close();
  };
  test::run(body(fds[0], bytes));
  writer.join();
  ::close(fds[0]);
}

TEST_CASE("a generator body is sent chunked") {
  auto body = []() -> aio::Task<void> {
    Session s;
    auto gen = [n = 0]() mutable -> aio::Task<std::optional<std::string>> {
      if (n >= 3) co_return std::nullopt;
      ++n;
      co_return std::optional<std::string>(n == 2 ? "" : "part");  // an empty piece is skipped
    };
    Reply r = co_await upload(s, sink().url("/sink"), "POST", RequestOptions().stream(gen, "text/plain"));
    REQUIRE_MESSAGE(r.outcome == Outcome::ok, r.message);
    CHECK(str(r.doc, "framing") == "chunked");
    CHECK(str(r.doc, "sha256") == sha256("partpart"));
    co_await s.close();
  };
  test::run(body());
}

TEST_CASE("multipart/form-data is parsed by Python's email package as it was meant") {
  test::TempDir dir;
  std::string binary = random_bytes(1024 * 1024 + 3, 4);
  dir.write("photo.bin", binary);
  auto body = [](std::string path, std::string binary) -> aio::Task<void> {
    Session s;
    FormData form;
    form.field("title", "Zoë says \"hi\"")
        .field("empty", "")
        .file("photo", path, "we\"ird\\näme.png", "image/png")
        .bytes("notes", "line1\r\nline2", "a\r\nb.txt", "text/plain")
        .file("same", path);
    Reply r = co_await upload(s, sink().url("/multipart"), "POST", RequestOptions().multipart(std::move(form)));
    REQUIRE_MESSAGE(r.outcome == Outcome::ok, r.message);
    CHECK(r.doc["multipart"].get<bool>());
    CHECK(r.doc["defects"].size() == 0);
    aio::json::Value parts = r.doc["parts"];
    REQUIRE(parts.size() == 5);
    CHECK(parts[0]["name"].get<std::string_view>() == "title");
    CHECK(parts[0]["value"].get<std::string_view>() == "Zoë says \"hi\"");
    CHECK(parts[0]["filename"].is_null());
    CHECK(parts[1]["value"].get<std::string_view>() == "");
    CHECK(parts[2]["name"].get<std::string_view>() == "photo");
    CHECK(parts[2]["filename"].get<std::string_view>() == "we\"ird\\näme.png");  // escaped, then unescaped
    CHECK(parts[2]["content_type"].get<std::string_view>() == "image/png");
    CHECK(parts[2]["size"].get<std::int64_t>() == static_cast<std::int64_t>(binary.size()));
    CHECK(parts[2]["sha256"].get<std::string_view>() == sha256(binary));
    CHECK(parts[3]["filename"].get<std::string_view>() == "a%0D%0Ab.txt");  // CR LF cannot be in a header
    CHECK(parts[3]["value"].get<std::string_view>() == "line1\r\nline2");
    CHECK(parts[4]["filename"].get<std::string_view>() == "photo.bin");  // the path's last component
    CHECK(parts[4]["content_type"].get<std::string_view>() == "application/octet-stream");
    co_await s.close();
  };
  test::run(body(dir.file("photo.bin"), binary));
}

TEST_CASE("the multipart boundary never occurs in a part and the size is exact") {
  FormData form;
  std::string first = form.boundary();
  CHECK(first.size() == 7 + 32);
  form.field("trap", "--" + first + "\r\n");
  std::unique_ptr<aio::http::BodySource> src = form.open();
  CHECK(form.boundary() != first);
  CHECK(form.content_type() == "multipart/form-data; boundary=" + form.boundary());
  REQUIRE(src->size());
  auto body = [](aio::http::BodySource& src) -> aio::Task<void> {
    src.rewind();
    std::string all;
    for (;;) {
      std::span<const char> piece = co_await src.next();
      if (piece.empty()) break;
      all.append(piece.data(), piece.size());
    }
    CHECK(all.size() == *src.size());
  };
  test::run(body(*src));
  CHECK(FormData().boundary() != FormData().boundary());
}

TEST_CASE("a header injection through a part's Content-Type is refused") {
  auto body = []() -> aio::Task<void> {
    Session s;
    FormData form;
    form.bytes("f", "x", "f.txt", "text/plain\r\nX-Injected: 1");
    Reply r = co_await upload(s, sink().url("/multipart"), "POST", RequestOptions().multipart(std::move(form)));
    CHECK(r.outcome == Outcome::client);
    co_await s.close();
  };
  test::run(body());
}

TEST_CASE("307 and 308 replay a file body; a generator body fails cleanly") {
  test::TempDir dir;
  std::string bytes = random_bytes(2 * 1024 * 1024, 5);
  dir.write("up.bin", bytes);
  auto body = [](std::string path, std::string want) -> aio::Task<void> {
    Session s;
    for (const char* status : {"307", "308"}) {
      Reply r = co_await upload(s, sink().url(std::string("/redirect?status=") + status + "&to=/sink"), "PUT",
                                RequestOptions().file(path));
      REQUIRE_MESSAGE(r.outcome == Outcome::ok, r.message);
      CHECK(str(r.doc, "method") == "PUT");
      CHECK(str(r.doc, "sha256") == sha256(want));
    }
    FormData form;
    form.field("a", "1").file("f", path);
    Reply m = co_await upload(s, sink().url("/redirect?status=307&to=/multipart"), "POST",
                              RequestOptions().multipart(std::move(form)));
    REQUIRE_MESSAGE(m.outcome == Outcome::ok, m.message);
    CHECK(m.doc["parts"][1]["sha256"].get<std::string_view>() == sha256(want));

    auto gen = [n = 0]() mutable -> aio::Task<std::optional<std::string>> {
      if (n++ < 2) co_return std::optional<std::string>("chunk");
      co_return std::nullopt;
    };
    std::exception_ptr err;
    try {
      auto resp = co_await s.request("POST", sink().url("/redirect?status=307&to=/sink"), RequestOptions().stream(gen));
    } catch (const aio::http::ClientError& e) {
      CHECK(e.code() == Errc::body_not_replayable);
      CHECK(std::string(e.what()).find("cannot follow a 307") != std::string::npos);
      err = std::current_exception();
    }
    CHECK(err);
    co_await s.close();
  };
  test::run(body(dir.file("up.bin"), bytes));
}

TEST_CASE("a file body is replayed on the stale-connection retry; a pipe is not retried") {
  test::TempDir dir;
  std::string bytes = random_bytes(100000, 6);
  dir.write("up.bin", bytes);
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  REQUIRE(::write(fds[1], "piped", 5) == 5);
  ::close(fds[1]);
  auto body = [](std::string base, std::string path, int pipe_fd) -> aio::Task<void> {
    Session s;
    CHECK((co_await test::fetch(s, base + "/pool/close-on-next")).body == "ok");
    test::Fetch put = co_await test::fetch(s, base + "/echo", "PUT", RequestOptions().file(path));
    CHECK_MESSAGE(put.outcome == Outcome::ok, put.message);
    CHECK(test::json_int(put.body, "body_length") == 100000);

    CHECK((co_await test::fetch(s, base + "/pool/close-on-next")).body == "ok");
    test::Fetch piped = co_await test::fetch(s, base + "/echo", "PUT", RequestOptions().file(pipe_fd));
    CHECK(piped.outcome == Outcome::disconnected);
    co_await s.close();
  };
  test::run(body(test::base_url(hostile().port()), dir.file("up.bin"), fds[0]));
  ::close(fds[0]);
}

TEST_CASE("a file that cannot be read fails before anything is sent") {
  test::TempDir dir;
  auto body = [](std::string missing, std::string a_dir) -> aio::Task<void> {
    Session s;
    std::vector<std::string> paths;
    paths.push_back(missing);
    paths.push_back(a_dir);
    for (const std::string& path : paths) {
      std::exception_ptr err;
      try {
        auto resp = co_await s.put(sink().url("/sink"), RequestOptions().file(path));
      } catch (const aio::http::ClientError& e) {
        CHECK(e.code() == Errc::body_read_failed);
        CHECK(std::string(e.what()).find(path) != std::string::npos);
        err = std::current_exception();
      }
      CHECK(err);
    }
    CHECK(s.open_connections() == 0);
    co_await s.close();
  };
  test::run(body(dir.file("missing.bin"), dir.path()));
}

TEST_CASE("a server that never reads a 64 MiB upload ends in TimeoutError at the deadline") {
  test::TempDir dir;
  std::string bytes(64 * 1024 * 1024, 'u');
  dir.write("big.bin", bytes);
  auto body = [](std::string path, std::string bytes) -> aio::Task<void> {
    Session s;
    aio::http::Timeout total{.total = 1000ms};
    auto t0 = std::chrono::steady_clock::now();
    Reply mem = co_await upload(s, sink().url("/never-read"), "POST", RequestOptions().body(bytes).timeout(total));
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK_MESSAGE(mem.outcome == Outcome::timeout, mem.message);
    CHECK(mem.message.find("sending the request") != std::string::npos);
    CHECK(took >= 900ms);
    CHECK(took < 2500ms);

    t0 = std::chrono::steady_clock::now();
    Reply file = co_await upload(s, sink().url("/never-read"), "PUT", RequestOptions().file(path).timeout(total));
    took = std::chrono::steady_clock::now() - t0;
    CHECK_MESSAGE(file.outcome == Outcome::timeout, file.message);
    CHECK(took < 2500ms);

    // The per-write limit: no progress for 300 ms.
    aio::http::Timeout stall{.total = 10000ms, .sock_write = 300ms};
    t0 = std::chrono::steady_clock::now();
    std::exception_ptr err;
    try {
      auto resp = co_await s.put(sink().url("/never-read"), RequestOptions().file(path).timeout(stall));
    } catch (const aio::http::TimeoutError& e) {
      CHECK(e.code() == Errc::write_timeout);
      err = std::current_exception();
    }
    CHECK(err);
    CHECK(std::chrono::steady_clock::now() - t0 < 3000ms);
    CHECK(s.open_connections() == 0);
    co_await s.close();
  };
  test::run(body(dir.file("big.bin"), bytes));
}

TEST_CASE("a reset mid-upload is ServerDisconnectedError, with SIGPIPE at its default") {
  struct sigaction old {};
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, &old);
  test::TempDir dir;
  dir.write("big.bin", std::string(64 * 1024 * 1024, 'r'));
  auto body = [](std::string path) -> aio::Task<void> {
    Session s;
    Reply r = co_await upload(s, sink().url("/reset?after=1000000"), "PUT", RequestOptions().file(path));
    CHECK_MESSAGE(r.outcome == Outcome::disconnected, r.message);
    Reply mem = co_await upload(s, sink().url("/reset?after=1000000"), "POST",
                                RequestOptions().body(std::string(32 * 1024 * 1024, 'm')));
    CHECK_MESSAGE(mem.outcome == Outcome::disconnected, mem.message);
    // The session is still good.
    Reply ok = co_await upload(s, sink().url("/sink"), "POST", RequestOptions().body("after"));
    CHECK(ok.outcome == Outcome::ok);
    co_await s.close();
  };
  test::run(body(dir.file("big.bin")));
  sigaction(SIGPIPE, &old, nullptr);
}

TEST_CASE("a cancelled file read leaves its buffer to the request, and the loop closes clean") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  std::thread closer([&] {
    std::this_thread::sleep_for(300ms);
    REQUIRE(::write(fds[1], "late", 4) == 4);  // lands in a buffer nobody waits for
    ::close(fds[1]);
  });
  auto body = [](int fd) -> aio::Task<void> {
    aio::File f = aio::File::borrow(fd);
    CHECK_FALSE(f.regular());
    aio::FileBuffer buf(4096);
    auto read_once = [&f, &buf]() -> aio::Task<std::size_t> { co_return co_await f.read(buf, -1); };
    bool timed_out = false;
    try {
      co_await aio::wait_for(read_once(), 50ms);
    } catch (const aio::TimeoutError&) {
      timed_out = true;
    }
    CHECK(timed_out);
    CHECK(buf.data(10).empty());  // the request still holds the memory
  };
  test::run(body(fds[0]));  // checks uv_loop_close() == 0 after the read ended
  closer.join();
  ::close(fds[0]);
}
