#include <aio/http/headers.hpp>

#include <cctype>
#include <string>
#include <utility>
#include <vector>

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

TEST_CASE("fields are spans into one buffer: values that point into the same Headers are safe") {
  Headers h;
  h.add("Accept", "text/html");
  // Views into h itself, which the appends below may move.
  for (int i = 0; i < 200; ++i) h.add("X-Copy", *h.get("Accept"));
  CHECK(h.count("x-copy") == 200);
  for (std::string_view v : h.get_all("X-Copy")) CHECK(v == "text/html");
  h.set("Accept", *h.get("accept"));  // set() from its own old value
  CHECK(h.get("Accept") == "text/html");
  h.add((*h.begin()).second, (*h.begin()).first);  // name and value swapped, both from h
  CHECK(h.get("text/html") == "X-Copy");
}

TEST_CASE("copies, moves, clear and iteration keep every field in order") {
  Headers h{{"A", "1"}, {"B", std::string(100, 'b')}, {"A", "3"}};
  Headers copy = h;
  Headers moved = std::move(h);
  CHECK(h.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [name, value] : moved) seen.emplace_back(name, value);
  REQUIRE(seen.size() == 3);
  CHECK(seen[1].second == std::string(100, 'b'));
  CHECK(seen[2] == std::pair<std::string, std::string>("A", "3"));
  copy.remove("A");
  CHECK(copy.size() == 1);
  CHECK(moved.count("A") == 2);  // the copy is independent
  copy = moved;
  CHECK(copy.size() == 3);
  copy.clear();
  CHECK(copy.empty());
  copy.add("C", "4");
  CHECK(copy.get("c") == "4");
  std::size_t n = 0;
  moved.for_each("a", [&](std::string_view v) { n += v.size(); });
  CHECK(n == 2);
}

TEST_CASE("recycled buffers never carry fields from one Headers to the next") {
  for (int round = 0; round < 100; ++round) {
    Headers a;
    for (int i = 0; i < 20; ++i) a.add("Name-" + std::to_string(i), std::string(40, static_cast<char>('a' + round % 26)));
    Headers b;  // takes a buffer that an earlier round's Headers gave back
    CHECK(b.empty());
    b.add("Only", "one");
    CHECK(b.size() == 1);
    CHECK(b.get("Only") == "one");
    CHECK_FALSE(b.get("Name-0"));
    CHECK(a.get("Name-19") == std::string(40, static_cast<char>('a' + round % 26)));
  }
}

TEST_CASE("lookups skip absent names by a bit per name, never a present one") {
  // Names of many lengths and first bytes (letters in either case, a
  // digit, punctuation; '@' and '`', which the bit folds together), so that
  // many share a bit: a shared bit may only cost a scan, never hide a field.
  Headers h;
  std::vector<std::string> names;
  for (char first : std::string("aZ0-!~x@`")) {
    for (std::size_t len = 1; len <= 20; ++len) names.push_back(first + std::string(len - 1, 'q'));
  }
  for (std::size_t i = 0; i < names.size(); i += 2) h.add(names[i], std::to_string(i));
  for (std::size_t i = 0; i < names.size(); ++i) {
    CAPTURE(names[i]);
    std::string upper = names[i];
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (i % 2 == 0) {
      CHECK(h.get(names[i]) == std::to_string(i));
      CHECK(h.get(upper) == std::to_string(i));
      CHECK(h.count(upper) == 1);
    } else {
      CHECK_FALSE(h.get(names[i]));
      CHECK(h.count(upper) == 0);
    }
  }
  // Removal recomputes the bits: what is left is still found.
  CHECK(h.remove("AQQ") == 1);
  CHECK_FALSE(h.contains("aqq"));
  CHECK(h.remove("aq") == 0);  // never added
  CHECK(h.get("aqqqq") == "4");
  // Moved-from and cleared stores find nothing; the moved-to one finds all.
  Headers moved(std::move(h));
  CHECK(moved.get("ZQQ") == "22");
  CHECK_FALSE(h.contains("zqq"));
  moved.clear();
  CHECK_FALSE(moved.contains("zqq"));
  moved.add("Zqq", "again");
  CHECK(moved.get("zQQ") == "again");
}
