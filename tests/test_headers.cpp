#include <aio/http/headers.hpp>

#include <doctest/doctest.h>

using aio::http::Headers;

TEST_CASE("header lookup is case-insensitive and keeps repeats in order") {
  Headers h;
  h.add("Set-Cookie", "a=1");
  h.add("content-type", "text/plain");
  h.add("set-cookie", "b=2");
  CHECK(h.get("Content-Type") == "text/plain");
  CHECK(h.count("SET-COOKIE") == 2);
  auto all = h.get_all("Set-Cookie");
  REQUIRE(all.size() == 2);
  CHECK(all[0] == "a=1");
  CHECK(all[1] == "b=2");
  CHECK_FALSE(h.get("missing"));
  CHECK(h.get_or("missing", "x") == "x");
}

TEST_CASE("set replaces every field of a name and remove drops them") {
  Headers h{{"A", "1"}, {"a", "2"}, {"B", "3"}};
  h.set("A", "9");
  CHECK(h.count("a") == 1);
  CHECK(h.get("A") == "9");
  CHECK(h.remove("b") == 1);
  CHECK(h.size() == 1);
}

TEST_CASE("tokens and field values are validated") {
  CHECK(aio::http::is_token("X-Custom_1"));
  CHECK_FALSE(aio::http::is_token("X Custom"));
  CHECK_FALSE(aio::http::is_token(""));
  CHECK(aio::http::is_valid_field_value("a\tb c"));
  CHECK_FALSE(aio::http::is_valid_field_value("a\r\nb"));
}
