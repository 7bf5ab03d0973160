// Response::json() and JSON request bodies, end to end: the hostile server's
// /json scenarios and /echo, and a canned server on the test's own loop for
// exact body sizes, framings and encodings.
#include <aio/http/response.hpp>

#include <doctest/doctest.h>

#include <mbedtls/sha256.h>
#include <zlib.h>

#include <string>
#include <vector>

#include <aio/json/parse.hpp>
#include <aio/json/writer.hpp>
#include <aio/runtime/scope.hpp>
#include <aio/runtime/sleep.hpp>
#include <aio/runtime/stream.hpp>
#include <aio/runtime/tcp.hpp>
#include <aio/runtime/timeout.hpp>
#include <aio/tls/error.hpp>
#include <aio/tls/stream.hpp>
#include "support/http_helpers.hpp"
#include "support/json_corpus.hpp"
#include "support/tls_peers.hpp"

using aio::http::JsonOptions;
using aio::http::RequestOptions;
using aio::http::Session;
using aio::http::SessionOptions;
using aio::json::Document;
using aio::json::Errc;
using aio::json::JsonError;

namespace {

test::HostileServer& server() {
  static test::HostileServer s;
  return s;
}

// What json() of a GET ended in.
struct Got {
  std::string kind = "ok";  // ok, json, content-type, payload, other
  std::optional<Errc> code;
  std::optional<std::size_t> offset;
  std::string message;
  std::optional<Document> doc;
};

aio::Task<Got> get_json(Session& s, std::string url, JsonOptions o = JsonOptions()) {
  Got g;
  try {
    aio::http::Response r = co_await s.get(url);
    Document d = co_await r.json(o);
    g.doc.emplace(std::move(d));
  } catch (const aio::http::ContentTypeError& e) {
    g.kind = "content-type";
    g.code = static_cast<Errc>(e.code().value());
    g.message = e.what();
  } catch (const JsonError& e) {
    g.kind = "json";
    g.code = static_cast<Errc>(e.code().value());
    g.offset = e.offset();
    g.message = e.what();
  } catch (const aio::http::PayloadError& e) {
    g.kind = "payload";
    g.message = e.what();
  } catch (const aio::http::TimeoutError& e) {
    g.kind = "timeout";
    g.message = e.what();
  } catch (const aio::CancelledError&) {
    throw;
  } catch (const std::exception& e) {
    g.kind = "other";
    g.message = e.what();
  }
  co_return g;
}

aio::Task<Got> get_json_once(std::string url, JsonOptions o = JsonOptions(),
                             std::size_t max_body = 64 * 1024 * 1024) {
  SessionOptions so;
  so.max_body_size = max_body;
  Session s(so);
  Got g = co_await get_json(s, std::move(url), o);
  co_await s.close();
  co_return g;
}

std::string sha256_hex(std::string_view s) {
  unsigned char out[32];
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out, 0);
  static const char* hex = "0123456789abcdef";
  std::string h;
  for (unsigned char c : out) {
    h += hex[c >> 4];
    h += hex[c & 15];
  }
  return h;
}

// ---- the canned server: every request on a connection gets the next
// response, written in `segment`-byte writes (0: at once).

std::string response(std::string_view body, std::string_view ctype = "application/json",
                     std::size_t chunk = 0, std::string_view extra = "") {
  std::string r = "HTTP/1.1 200 OK\r\n";
  if (!ctype.empty()) r += "Content-Type: " + std::string(ctype) + "\r\n";
  r += extra;
  if (chunk == 0) {
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    r += body;
    return r;
  }
  r += "Transfer-Encoding: chunked\r\n\r\n";
  char size[32];
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    std::string_view piece = body.substr(at, chunk);
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    r += size;
    r += piece;
    r += "\r\n";
  }
  r += "0\r\n\r\n";
  return r;
}

aio::Task<void> serve(aio::TcpListener& l, std::vector<std::string> responses,
                      std::size_t segment) {
  aio::TcpStream c;
  std::size_t next = 0;
  while (next < responses.size()) {
    if (!c.is_open()) c = co_await l.accept();
    std::string head;
    bool eof = false;
    while (head.find("\r\n\r\n") == std::string::npos) {
      std::span<const char> got = co_await c.read();
      if (got.empty()) {
        eof = true;
        break;
      }
      head.append(got.data(), got.size());
      c.consume(got.size());
    }
    if (eof) {
      c.close();
      continue;
    }
    const std::string& r = responses[next++];
    if (segment == 0) {
      co_await c.write(r);
    } else {
      for (std::size_t at = 0; at < r.size(); at += segment)
        co_await c.write(std::string_view(r).substr(at, segment));
    }
  }
  if (c.is_open()) (void)co_await c.read();  // until the client closes (or cancel)
}

// GETs each canned response once, in order, through one Session.
aio::Task<std::vector<Got>> fetch_canned(std::vector<std::string> responses, std::size_t segment,
                                         JsonOptions o = JsonOptions(),
                                         std::size_t max_body = 64 * 1024 * 1024) {
  aio::TcpListener l(aio::Address::parse("127.0.0.1", 0).value());
  std::string url = "http://127.0.0.1:" + std::to_string(l.local_address().port()) + "/doc";
  std::size_t n = responses.size();
  aio::Scope scope;
  scope.spawn(serve(l, std::move(responses), segment));
  SessionOptions so;
  so.max_body_size = max_body;
  Session s(so);
  std::vector<Got> out;
  for (std::size_t i = 0; i < n; ++i) {
    Got g = co_await get_json(s, url, o);
    out.push_back(std::move(g));
  }
  co_await s.close();
  scope.cancel();
  co_await scope.join();
  co_return out;
}

// A JSON text of exactly `size` bytes: {"pad":"xxx...","n":size}.
std::string sized_json(std::size_t size) {
  std::string tail = "\",\"n\":" + std::to_string(size) + "}";
  std::string head = "{\"pad\":\"";
  REQUIRE(size >= head.size() + tail.size());
  std::string pad(size - head.size() - tail.size(), 'x');
  for (std::size_t i = 0; i < pad.size(); i += 97) pad[i] = static_cast<char>('a' + i % 26);
  return head + pad + tail;
}

}  // namespace

TEST_CASE("json() parses /json/ok, whole and in one-byte segments") {
  for (std::string path : {"/json/ok", "/json/ok?split=1"}) {
    CAPTURE(path);
    Got g = test::run(get_json_once(server().url(path)));
    REQUIRE_MESSAGE(g.kind == "ok", g.message);
    const Document& d = *g.doc;
    CHECK(d["ok"].get<bool>());
    CHECK(d["n"].get<std::int64_t>() == 42);
    CHECK(d["s"].get<std::string_view>() == "text");
    CHECK(d.text() == R"({"ok": true, "n": 42, "s": "text"})");
  }
}

TEST_CASE("a Content-Type that is not JSON is a ContentTypeError; the body stays readable") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    aio::http::Response r = co_await s.get(base + "/ok");  // text/plain
    bool refused = false;
    try {
      Document d = co_await r.json();
    } catch (const aio::http::ContentTypeError& e) {
      refused = true;
      const aio::http::ClientError& client = e;  // aiohttp's tree
      const JsonError& json = e;                 // and json's
      CHECK(json.code() == Errc::unexpected_content_type);
      CHECK(std::string(client.what()) ==
            "GET " + base +
                "/ok: expected JSON (application/json or +json), got Content-Type text/plain");
    }
    CHECK(refused);
    std::string text = co_await r.text();
    CHECK(text == "ok");  // nothing was read by json()
    // Told not to check, it parses, and "ok" is not JSON.
    aio::http::Response again = co_await s.get(base + "/ok");
    bool syntax = false;
    try {
      Document d = co_await again.json(JsonOptions().content_type_check(false));
    } catch (const JsonError& e) {
      syntax = e.code() == Errc::syntax_error && e.offset() == 0 &&
               std::string(e.what()).find("GET " + base + "/ok: JSON syntax error at byte 0") == 0;
    }
    CHECK(syntax);
    CHECK(s.idle_connections() == 1);  // the body was read to its end
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("application/json with parameters and +json types are JSON; others are not") {
  std::string doc = R"({"k": 1})";
  std::vector<std::string> responses = {
      response(doc, "application/json; charset=utf-8"),
      response(doc, "Application/JSON"),
      response(doc, "application/problem+json"),
      response(doc, "application/vnd.api+json; v=2"),
      response(doc, "text/json"),
      response(doc, ""),
      response(doc, "application/jsonp"),
      response(doc, "application/+json"),
  };
  std::vector<Got> got = test::run(fetch_canned(responses, 0));
  REQUIRE(got.size() == 8);
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    REQUIRE_MESSAGE(got[i].kind == "ok", got[i].message);
    CHECK((*got[i].doc)["k"].get<int>() == 1);
  }
  for (int i = 4; i < 8; ++i) {
    CAPTURE(i);
    CHECK(got[i].kind == "content-type");
    CHECK(got[i].code == Errc::unexpected_content_type);
  }
  CHECK(got[5].message.find("got no Content-Type") != std::string::npos);
}

TEST_CASE("REQ-JSON: 100,000 nested arrays are a JsonError, not a stack overflow") {
  Got deep = test::run(get_json_once(server().url("/json/deep?n=100000")));
  CHECK(deep.kind == "json");
  CHECK(deep.code == Errc::too_deep);
  CHECK(deep.offset == 1024);
  CHECK(deep.message.find(
            "/json/deep?n=100000: JSON nested too deeply (deeper than 1024 levels) at byte 1024") !=
        std::string::npos);
  Got shallow =
      test::run(get_json_once(server().url("/json/deep?n=5"), JsonOptions().max_depth(3)));
  CHECK(shallow.code == Errc::too_deep);
  CHECK(shallow.offset == 3);
  Got fits = test::run(get_json_once(server().url("/json/deep?n=5"), JsonOptions().max_depth(5)));
  CHECK(fits.kind == "ok");
}

TEST_CASE("REQ-JSON: invalid UTF-8 is a JsonError at its byte") {
  // The bytes of the hostile server's /json/bad-utf8, served here with a
  // matching Content-Length (the scenario declares 13 bytes and sends 11,
  // so a correct client waits for the rest), whole and byte by byte.
  std::string bad = "{\"s\": \"\xff\xfe\"}";
  for (std::size_t segment : {0, 1}) {
    CAPTURE(segment);
    std::vector<Got> got =
        test::run(fetch_canned({response(bad), response(bad, "application/json", 3)}, segment));
    for (const Got& g : got) {
      CHECK(g.kind == "json");
      CHECK(g.code == Errc::invalid_utf8);
      CHECK(g.offset == 7);
    }
  }
}

TEST_CASE("REQ-JSON: the body limit applies before parsing") {
  // Endless chunks: stopped at the limit, never parsed.
  Got endless = test::run(get_json_once(server().url("/body/endless-chunked?size=4096"),
                                        JsonOptions().content_type_check(false), 100000));
  CHECK(endless.kind == "payload");
  CHECK(endless.message.find("body larger than the limit of 100000 bytes") != std::string::npos);
  // A Content-Length over the limit is refused before a byte of body is read.
  Got declared = test::run(get_json_once(server().url("/echo"), JsonOptions(), 100));
  CHECK(declared.kind == "payload");
  CHECK(declared.message.find("is over the body limit of 100 bytes") != std::string::npos);
  // Chunked (no Content-Length) and exactly at the limit: fine; one over: not.
  std::string doc = sized_json(5000);
  std::vector<Got> got = test::run(fetch_canned(
      {response(doc, "application/json", 1000), response(doc + " ", "application/json", 1000)}, 0,
      JsonOptions(), 5000));
  CHECK(got[0].kind == "ok");
  CHECK(got[1].kind == "payload");
}

TEST_CASE("JSON request bodies from literals and the Writer reach the server byte for byte") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    aio::json::Object literal{
        {"name", "Zo\xc3\xab \"quoted\" \\ tab\t nl\n nul" + std::string(1, '\0')},
        {"emoji", "\xf0\x9f\x98\x80"},
        {"edges", aio::json::Array{std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::uint64_t>::max(), 1e308, -0.0, 5e-324}},
        {"nested", aio::json::Object{{"list", aio::json::Array{1, "two", nullptr, true}}}},
    };
    std::string text = aio::json::Node(literal).to_json();
    std::vector<std::string> paths = {"/echo", "/echo?split=1"};
    for (const std::string& path : paths) {
      aio::http::Response r = co_await s.post(base + path, RequestOptions().json(literal));
      Document echo = co_await r.json();
      CHECK(echo["method"].get<std::string_view>() == "POST");
      CHECK(echo["body_length"].get<std::size_t>() == text.size());
      CHECK(echo["body_sha256"].get<std::string_view>() == sha256_hex(text));
      std::string ctype;
      for (aio::json::Value h : echo["headers"].as_array())
        if (test::lower(h[0].get<std::string>()) == "content-type") ctype = h[1].get<std::string>();
      CHECK(ctype == "application/json");
    }
    // What was sent parses back to the same values.
    Document sent = aio::json::parse(text);
    CHECK(sent["name"].get<std::string_view>() ==
          "Zo\xc3\xab \"quoted\" \\ tab\t nl\n nul" + std::string(1, '\0'));
    CHECK(sent["edges"][2].get<double>() == 1e308);
    CHECK(sent["edges"][4].get<double>() == 5e-324);

    aio::json::Writer w;
    w.begin_object().key("ids").begin_array();
    for (int i = 0; i < 1000; ++i) w.value(i);
    w.end_array().key("k\xc3\xa9y").value("v").end_object();
    aio::http::Response r = co_await s.post(base + "/echo", RequestOptions().json(w));
    Document echo = co_await r.json();
    CHECK(echo["body_sha256"].get<std::string_view>() == sha256_hex(w.str()));
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}

TEST_CASE("bodies whose last byte ends a read buffer exactly, in every framing") {
  // The stream reads into a 16 KiB buffer that doubles up to 256 KiB; the
  // Document's buffer is reserved from Content-Length, or doubles.
  std::vector<std::size_t> sizes = {16384, 32768, 65536, 262144, 1 << 20};
  std::vector<std::string> responses;
  for (std::size_t n : sizes) {
    std::string doc = sized_json(n);
    responses.push_back(response(doc));                         // Content-Length
    responses.push_back(response(doc, "application/json", n));  // one chunk of n
    responses.push_back(response(doc, "application/json", 4096));
  }
  // Head and body together exactly 16 KiB: the first read fills the buffer.
  std::size_t head = response(sized_json(100)).size() - 100 - 3;  // without the length's digits
  std::size_t exact = 16384 - head - 5;                           // a five-digit length
  std::string fill = response(sized_json(exact));
  REQUIRE(fill.size() == 16384);
  responses.push_back(fill);
  std::vector<Got> got = test::run(fetch_canned(responses, 0));
  REQUIRE(got.size() == responses.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    REQUIRE_MESSAGE(got[i].kind == "ok", got[i].message);
    std::size_t n = i / 3 < sizes.size() ? sizes[i / 3] : exact;
    CHECK((*got[i].doc)["n"].get<std::size_t>() == n);
    CHECK(got[i].doc->text().size() == n);
  }
}

TEST_CASE("a response written one byte at a time parses as a whole") {
  test::JsonCorpus c = test::realistic_json(2000);
  std::vector<Got> got =
      test::run(fetch_canned({response(c.text), response(c.text, "application/json", 7)}, 1));
  for (const Got& g : got) {
    REQUIRE_MESSAGE(g.kind == "ok", g.message);
    CHECK((*g.doc)["statuses"].size() == c.statuses);
  }
}

TEST_CASE("a realistic 1 MiB document, plain and deflate-encoded, downloads and parses") {
  test::JsonCorpus c = test::realistic_json(1 << 20);
  uLongf packed_size = compressBound(static_cast<uLong>(c.text.size()));
  std::string packed(packed_size, '\0');
  REQUIRE(compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                    reinterpret_cast<const Bytef*>(c.text.data()),
                    static_cast<uLong>(c.text.size()), 6) == Z_OK);
  packed.resize(packed_size);
  std::vector<Got> got = test::run(
      fetch_canned({response(c.text), response(c.text, "application/json", 16000),
                    response(packed, "application/json", 0, "Content-Encoding: deflate\r\n")},
                   0));
  for (const Got& g : got) {
    REQUIRE_MESSAGE(g.kind == "ok", g.message);
    const Document& d = *g.doc;
    CHECK(d.text() == c.text);
    CHECK(d["statuses"].size() == c.statuses);
    std::int64_t retweets = 0;
    for (aio::json::Value s : d["statuses"].as_array())
      retweets += s["retweet_count"].get<std::int64_t>();
    CHECK(retweets == c.retweet_sum);
    CHECK(d["search_metadata"]["max_id"].get<std::int64_t>() == c.last_id);
  }
}

TEST_CASE("json() of a body already read, or of an empty body, is an 'empty' JsonError") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    aio::http::Response r = co_await s.get(base + "/json/ok");
    std::string first = co_await r.read();
    CHECK(!first.empty());
    bool empty = false;
    try {
      Document d = co_await r.json();
    } catch (const JsonError& e) {
      empty = e.code() == Errc::empty;
    }
    CHECK(empty);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
  std::vector<Got> got = test::run(fetch_canned({response("")}, 0));
  CHECK(got[0].code == Errc::empty);
}

// ---- json() reads a Content-Length body straight into the Document
// (ByteStream::read_into): counted, over TCP and TLS, with the parser still
// seeing the end of the message (keep-alive) and its truncation.

namespace {

using namespace std::chrono_literals;

// How the scripted server ends a reply.
enum class End {
  keep,          // keep the connection for the next request
  close,         // a bare TCP close (no close_notify over TLS)
  close_notify,  // TLS: close_notify, then close
  stall,         // say nothing more until the client goes away
};

struct Reply {
  std::string bytes;
  End end = End::keep;
  std::size_t segment = 0;  // write in pieces of this size (0: at once)
};

struct ServerLog {
  int accepts = 0;
  int requests = 0;
};

aio::Task<void> write_bytes(aio::ByteStream& s, std::string_view b) {
  uv_buf_t buf = uv_buf_init(const_cast<char*>(b.data()), static_cast<unsigned>(b.size()));
  std::span<const uv_buf_t> bufs(&buf, 1);
  co_await s.write(bufs);
}

// Every request gets the next reply, over plain TCP or TLS (the test PKI's
// "good" leaf, for localhost).
aio::Task<void> serve_replies(aio::TcpListener& l, std::vector<Reply> replies, bool tls,
                              ServerLog& log) {
  std::unique_ptr<aio::ByteStream> c;
  std::size_t next = 0;
  while (next < replies.size()) {
    if (!c) {
      aio::TcpStream t = co_await l.accept();
      ++log.accepts;
      if (tls) {
        auto ts = std::make_unique<aio::tls::TlsStream>(
            std::move(t), aio::tls::Engine::server(test::test_server_config("good")));
        bool handshaken = true;
        try {
          co_await ts->handshake();
        } catch (const aio::tls::TlsError&) {
          handshaken = false;  // the client gave up (a timeout): wait for the next
        }
        if (!handshaken) continue;
        c = std::move(ts);
      } else {
        c = std::make_unique<aio::TcpByteStream>(std::move(t));
      }
    }
    std::string head;
    bool eof = false;
    while (head.find("\r\n\r\n") == std::string::npos) {
      std::span<const char> got;
      try {
        got = co_await c->read();
      } catch (const aio::IoError&) {
        eof = true;  // the client closed without close_notify
        break;
      }
      if (got.empty()) {
        eof = true;
        break;
      }
      head.append(got.data(), got.size());
      c->consume(got.size());
    }
    if (eof) {
      c.reset();
      continue;
    }
    ++log.requests;
    const Reply& r = replies[next++];
    if (r.segment == 0) {
      co_await write_bytes(*c, r.bytes);
    } else {
      for (std::size_t at = 0; at < r.bytes.size(); at += r.segment)
        co_await write_bytes(*c, std::string_view(r.bytes).substr(at, r.segment));
    }
    if (r.end == End::close) {
      if (tls)
        static_cast<aio::tls::TlsStream&>(*c).tcp().close();
      else
        c->close();
      c.reset();
    } else if (r.end == End::close_notify) {
      co_await static_cast<aio::tls::TlsStream&>(*c).shutdown();
      c.reset();
    } else if (r.end == End::stall) {
      try {
        (void)co_await c->read();  // until the client closes
      } catch (const aio::IoError&) {
      }
      c.reset();
    }
  }
  if (c) {
    try {
      (void)co_await c->read();  // until the client closes (or cancel)
    } catch (const aio::IoError&) {
    }
  }
}

struct Run {
  std::vector<Got> got;
  ServerLog log;
  std::size_t open_after = 0;  // the session's connections after the last json()
  std::size_t idle_after = 0;
  aio::ReadIntoStats delta;  // what read_into() did meanwhile
};

aio::Task<Run> fetch_replies(std::vector<Reply> replies, bool tls, SessionOptions so) {
  aio::TcpListener l(aio::Address::parse("127.0.0.1", 0).value());
  std::string url = std::string(tls ? "https://localhost:" : "http://127.0.0.1:") +
                    std::to_string(l.local_address().port()) + "/doc";
  std::size_t n = replies.size();
  Run run;
  aio::Scope scope;
  scope.spawn(serve_replies(l, std::move(replies), tls, run.log));
  if (tls) so.tls.ca_file = test::pki_file("root.crt");
  Session s(so);
  aio::ReadIntoStats before = aio::read_into_stats();
  for (std::size_t i = 0; i < n; ++i) {
    Got g = co_await get_json(s, url);
    run.got.push_back(std::move(g));
  }
  aio::ReadIntoStats after = aio::read_into_stats();
  run.delta.direct_bytes = after.direct_bytes - before.direct_bytes;
  run.delta.copied_bytes = after.copied_bytes - before.copied_bytes;
  run.open_after = s.open_connections();
  run.idle_after = s.idle_connections();
  co_await s.close();
  scope.cancel();
  co_await scope.join();
  co_return run;
}

Reply reply(std::string bytes, End end = End::keep, std::size_t segment = 0) {
  Reply r;
  r.bytes = std::move(bytes);
  r.end = end;
  r.segment = segment;
  return r;
}

}  // namespace

TEST_CASE("json() reads a Content-Length body into the Document without a copy, over TCP and TLS") {
  test::JsonCorpus c = test::realistic_json(1 << 20);
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    std::vector<Reply> replies = {reply(response(c.text)), reply(response(c.text))};
    Run run = test::run(fetch_replies(replies, tls, SessionOptions()));
    REQUIRE(run.got.size() == 2);
    for (const Got& g : run.got) {
      REQUIRE_MESSAGE(g.kind == "ok", g.message);
      CHECK(g.doc->text() == c.text);
      CHECK((*g.doc)["statuses"].size() == c.statuses);
    }
    // Every body byte is accounted for: only what arrived with the head (at
    // most the 64 KiB TCP buffer, or a 16 KiB TLS record) was copied from a
    // stream's buffer; the socket read (or the decryption) wrote the rest
    // where the parser reads it.
    CHECK(run.delta.direct_bytes + run.delta.copied_bytes == 2 * c.text.size());
    CHECK(run.delta.copied_bytes <= 2 * 64 * 1024);
    if (tls) CHECK(run.delta.copied_bytes <= 2 * 16 * 1024);
    CHECK(run.delta.direct_bytes >= 2 * (c.text.size() - 64 * 1024));
    // The message end was seen: one connection, back in the pool.
    CHECK(run.log.accepts == 1);
    CHECK(run.log.requests == 2);
    CHECK(run.open_after == 1);
    CHECK(run.idle_after == 1);
  }
}

TEST_CASE("json() over one-byte writes and exact buffer ends, then keep-alive reuse, TCP and TLS") {
  test::JsonCorpus small = test::realistic_json(3000);
  std::vector<std::size_t> sizes = {1, 2, 16384, 16384 + 1, 65536, 262144};
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    std::vector<Reply> replies;
    replies.push_back(reply(response(small.text), End::keep, 1));  // one byte per write
    replies.push_back(reply(response(small.text), End::keep, 7));
    for (std::size_t n : sizes) {
      std::string doc = n < 10 ? std::string(n, '7') : sized_json(n);
      replies.push_back(reply(response(doc)));
    }
    replies.push_back(reply(response(small.text)));  // and a last one at once
    Run run = test::run(fetch_replies(replies, tls, SessionOptions()));
    REQUIRE(run.got.size() == replies.size());
    for (std::size_t i = 0; i < run.got.size(); ++i) {
      CAPTURE(i);
      const Got& g = run.got[i];
      REQUIRE_MESSAGE(g.kind == "ok", g.message);
      if (i < 2 || i + 1 == run.got.size()) {
        CHECK((*g.doc)["statuses"].size() == small.statuses);
      } else {
        std::size_t n = sizes[i - 2];
        CHECK(g.doc->text().size() == n);
        if (n >= 10) CHECK((*g.doc)["n"].get<std::size_t>() == n);
      }
    }
    CHECK(run.log.accepts == 1);  // every reply on one kept-alive connection
    CHECK(run.idle_after == 1);
    CHECK(run.delta.direct_bytes > 0);
  }
}

TEST_CASE("a truncated Content-Length body is a PayloadError and closes the connection") {
  std::string doc = sized_json(100000);
  std::string whole = response(doc);
  std::size_t head = whole.size() - doc.size();
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    std::vector<End> ends = {End::close};
    if (tls) ends.push_back(End::close_notify);
    for (End end : ends) {
      // Cut in the head's packet, right after the head, and deep in the body.
      for (std::size_t keep : {head + 10, head, head + 70000}) {
        CAPTURE(keep);
        std::vector<Reply> replies = {reply(whole.substr(0, keep), end),
                                      reply(response(R"({"after": 1})"))};
        Run run = test::run(fetch_replies(replies, tls, SessionOptions()));
        REQUIRE(run.got.size() == 2);
        CHECK(run.got[0].kind == "payload");
        if (tls && end == End::close)
          CHECK(run.got[0].message.find("without TLS close_notify") != std::string::npos);
        else
          CHECK(run.got[0].message.find("before the end of the body") != std::string::npos);
        // The next request works, on a new connection.
        REQUIRE_MESSAGE(run.got[1].kind == "ok", run.got[1].message);
        CHECK((*run.got[1].doc)["after"].get<int>() == 1);
        CHECK(run.log.accepts == 2);
      }
    }
  }
}

TEST_CASE("the read timeout and cancellation apply to json()'s direct reads") {
  std::string doc = sized_json(200000);
  std::string whole = response(doc);
  for (bool tls : {false, true}) {
    CAPTURE(tls);
    // Half the body, then silence: sock_read ends it, the connection closes.
    SessionOptions so;
    so.timeout.sock_read = std::chrono::milliseconds(150);
    std::vector<Reply> replies = {reply(whole.substr(0, whole.size() / 2), End::stall),
                                  reply(response(R"({"after": 2})"))};
    Run run = test::run(fetch_replies(replies, tls, so));
    CHECK(run.got[0].kind == "timeout");
    CHECK(run.got[0].message.find("reading the response body") != std::string::npos);
    REQUIRE_MESSAGE(run.got[1].kind == "ok", run.got[1].message);
    CHECK(run.log.accepts == 2);

    // The total timeout too.
    SessionOptions total;
    total.timeout.total = std::chrono::milliseconds(300);
    Run t = test::run(fetch_replies({reply(whole.substr(0, 1000), End::stall)}, tls, total));
    CHECK(t.got[0].kind == "timeout");
    CHECK(t.open_after == 0);

    // Cancelling the task that awaits json(), once the server sent half the
    // body, stops the read and closes the connection; nothing writes into
    // the freed buffer afterwards (ASan, valgrind).
    auto body = [](std::string whole, bool tls) -> aio::Task<bool> {
      aio::TcpListener l(aio::Address::parse("127.0.0.1", 0).value());
      std::string url = std::string(tls ? "https://localhost:" : "http://127.0.0.1:") +
                        std::to_string(l.local_address().port()) + "/doc";
      ServerLog log;
      aio::Scope scope;
      std::vector<Reply> replies;
      replies.push_back(reply(whole.substr(0, whole.size() / 2), End::stall));
      scope.spawn(serve_replies(l, std::move(replies), tls, log));
      SessionOptions so;
      if (tls) so.tls.ca_file = test::pki_file("root.crt");
      Session s(so);
      auto fetch = [](Session& s, std::string url, bool& finished) -> aio::Task<void> {
        Got g = co_await get_json(s, url);
        finished = true;
      };
      bool finished = false;
      aio::Scope client;
      client.spawn(fetch(s, url, finished));
      for (int i = 0; i < 2000 && log.requests == 0; ++i) co_await aio::sleep(5ms);
      co_await aio::sleep(50ms);  // json() is reading the body by now
      client.cancel();
      co_await client.join();
      std::size_t open = s.open_connections();
      co_await aio::sleep(20ms);
      co_await s.close();
      scope.cancel();
      co_await scope.join();
      CHECK(log.requests == 1);
      co_return !finished && open == 0;
    };
    CHECK(test::run(body(whole, tls)));
  }
}

TEST_CASE("bytes after a Content-Length body stay out of it and keep the connection from the pool") {
  std::string doc = R"({"k": 5})";
  std::vector<Reply> replies = {reply(response(doc) + "HTTP/1.1 200 OK\r\n"),
                                reply(response(doc))};
  Run run = test::run(fetch_replies(replies, false, SessionOptions()));
  REQUIRE(run.got.size() == 2);
  for (const Got& g : run.got) {
    REQUIRE_MESSAGE(g.kind == "ok", g.message);
    CHECK(g.doc->text() == doc);
  }
  CHECK(run.log.accepts == 2);  // the first connection was not reused
}

TEST_CASE("session.post(url, object) sends application/json to a real peer") {
  auto body = [](std::string base) -> aio::Task<void> {
    Session s;
    aio::json::Object object{{"name", "Zo\xc3\xab"}, {"ids", aio::json::Array{1, 2, 3}}};
    aio::json::Array array{1, "two", nullptr};
    aio::json::Node node = object;
    aio::json::Writer w;
    w.begin_object().key("w").value(true).end_object();
    std::vector<std::pair<std::string, std::string>> seen;  // method, body text sent
    {
      aio::http::Response r = co_await s.post(base + "/echo", object);
      Document echo = co_await r.json();
      seen.emplace_back(echo["method"].get<std::string>(), echo["body_sha256"].get<std::string>());
      std::string ctype;
      for (aio::json::Value h : echo["headers"].as_array())
        if (test::lower(h[0].get<std::string>()) == "content-type") ctype = h[1].get<std::string>();
      CHECK(ctype == "application/json");
    }
    {
      aio::http::Response r = co_await s.post(base + "/echo", array, RequestOptions().header("X-A", "1"));
      Document echo = co_await r.json();
      seen.emplace_back(echo["method"].get<std::string>(), echo["body_sha256"].get<std::string>());
    }
    {
      aio::http::Response r = co_await s.put(base + "/echo", node);
      Document echo = co_await r.json();
      seen.emplace_back(echo["method"].get<std::string>(), echo["body_sha256"].get<std::string>());
    }
    {
      aio::http::Response r = co_await s.patch(base + "/echo", w);
      Document echo = co_await r.json();
      seen.emplace_back(echo["method"].get<std::string>(), echo["body_sha256"].get<std::string>());
    }
    REQUIRE(seen.size() == 4);
    CHECK(seen[0] == std::make_pair(std::string("POST"), sha256_hex(aio::json::Node(object).to_json())));
    CHECK(seen[1] == std::make_pair(std::string("POST"), sha256_hex(aio::json::Node(array).to_json())));
    CHECK(seen[2] == std::make_pair(std::string("PUT"), sha256_hex(node.to_json())));
    CHECK(seen[3] == std::make_pair(std::string("PATCH"), sha256_hex(w.str())));
    CHECK(aio::json::Node(object).to_json() == R"({"name":"Zo)" "\xc3\xab" R"(","ids":[1,2,3]})");
    // A plain string is not taken for JSON: post(url, RequestOptions) as before.
    aio::http::Response r = co_await s.post(base + "/echo", RequestOptions().text("plain"));
    Document echo = co_await r.json();
    CHECK(echo["body_length"].get<std::size_t>() == 5);
    co_await s.close();
  };
  test::run(body(test::base_url(server().port())));
}
