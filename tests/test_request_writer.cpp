#include <aio/http/request_writer.hpp>

#include <doctest/doctest.h>

#include <aio/http/error.hpp>

#include <ostream>

using namespace aio::http;

TEST_CASE("a GET head is serialised byte for byte") {
  std::string out;
  Headers h{{"User-Agent", "aiocpp"}, {"Accept", "*/*"}};
  validate_request("GET", h, BodyFraming::none, 0);
  write_request_head(out, "GET", "/a?b=1", "example.com:8080", h, BodyFraming::none, 0);
  CHECK(out ==
        "GET /a?b=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: aiocpp\r\nAccept: */*\r\n\r\n");
}

TEST_CASE("bodies get Content-Length or chunked framing") {
  std::string sized, chunked, empty_post;
  write_request_head(sized, "PUT", "/", "h", {}, BodyFraming::sized, 12);
  CHECK(sized == "PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 12\r\n\r\n");
  write_request_head(chunked, "POST", "/", "h", {}, BodyFraming::chunked, 0);
  CHECK(chunked == "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  write_request_head(empty_post, "POST", "/", "h", {}, BodyFraming::none, 0);
  CHECK(empty_post == "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  CHECK(chunk_header(255) == "ff\r\n");
}

TEST_CASE("CR, LF and NUL in a method, header name or value are refused before sending") {
  CHECK_THROWS_AS(validate_request("GET\r\nX", {}, BodyFraming::none, 0), ClientError);
  CHECK_THROWS_AS(validate_request("GE T", {}, BodyFraming::none, 0), ClientError);
  CHECK_THROWS_AS(validate_request("GET", Headers{{"X-A\r\nB", "v"}}, BodyFraming::none, 0), ClientError);
  CHECK_THROWS_AS(validate_request("GET", Headers{{"X-A", "v\r\nInjected: 1"}}, BodyFraming::none, 0), ClientError);
  CHECK_THROWS_AS(validate_request("GET", Headers{{"X-A", std::string("v\0w", 3)}}, BodyFraming::none, 0), ClientError);
  CHECK_THROWS_AS(validate_request("GET", Headers{{"X A", "v"}}, BodyFraming::none, 0), ClientError);
  CHECK_NOTHROW(validate_request("GET", Headers{{"X-A", "tab\tok"}}, BodyFraming::none, 0));
}

TEST_CASE("a user Content-Length must match the body and never sit next to Transfer-Encoding") {
  CHECK_THROWS_AS(validate_request("POST", Headers{{"Content-Length", "5"}}, BodyFraming::sized, 4), ClientError);
  CHECK_NOTHROW(validate_request("POST", Headers{{"Content-Length", "4"}}, BodyFraming::sized, 4));
  CHECK_THROWS_AS(validate_request("POST", Headers{{"Content-Length", "4"}, {"Transfer-Encoding", "chunked"}},
                                   BodyFraming::chunked, 0),
                  ClientError);
  CHECK_THROWS_AS(validate_request("POST", Headers{{"Transfer-Encoding", "chunked"}}, BodyFraming::sized, 3), ClientError);
  try {
    validate_request("POST", Headers{{"Content-Length", "5"}}, BodyFraming::sized, 4);
  } catch (const ClientError& e) {
    CHECK(e.code() == Errc::invalid_argument);
  }
}
