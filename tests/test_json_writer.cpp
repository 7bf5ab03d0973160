// aio::json::Writer and Node/Array/Object: escaping, numbers that
// round-trip, structure checks, and text that parses back to the same values.
#include <aio/json/writer.hpp>

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <aio/json/parse.hpp>
#include "support/json_corpus.hpp"

using aio::json::Array;
using aio::json::Document;
using aio::json::Errc;
using aio::json::JsonError;
using aio::json::Node;
using aio::json::Object;
using aio::json::Writer;

namespace {

template <class F>
JsonError error_of(F f) {
  try {
    f();
    FAIL("no error");
  } catch (const JsonError& e) {
    return e;
  }
  return JsonError(aio::json::make_error_code(Errc::internal), "unreachable");
}

std::string quoted(std::string_view s) {
  std::string out;
  aio::json::append_quoted(out, s);
  return out;
}

std::uint64_t next(std::uint64_t& s) {
  s += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

TEST_CASE("strings: quotes, backslashes and every control character are escaped") {
  CHECK(quoted("plain") == "\"plain\"");
  CHECK(quoted("say \"hi\"\\") == R"("say \"hi\"\\")");
  CHECK(quoted("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(quoted(std::string_view("\0", 1)) == R"("\u0000")");
  CHECK(quoted("\x01\x1f") == R"("\u0001\u001f")");
  CHECK(quoted("a/b\x7f") == "\"a/b\x7f\"");  // '/' and DEL need no escape
  // Every byte below 0x20 round-trips through the parser.
  std::string all;
  for (int c = 0; c < 0x20; ++c) all += static_cast<char>(c);
  all += "\"\\/";
  std::string text = quoted(all);
  for (char c : text) CHECK(static_cast<unsigned char>(c) >= 0x20);
  Document back = aio::json::parse(text);
  CHECK(back.get<std::string>() == all);
}

TEST_CASE("strings: non-ASCII UTF-8 passes through; invalid UTF-8 is refused with its offset") {
  std::string utf8 =
      "Z\xc3\xbcrich \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80 \xef\xbf\xbf \xf4\x8f\xbf\xbf";
  CHECK(quoted(utf8) == "\"" + utf8 + "\"");
  CHECK(aio::json::parse(quoted(utf8)).get<std::string>() == utf8);
  struct Bad {
    std::string s;
    std::size_t at;
  };
  for (const Bad& b : {Bad{"ab\xff", 2}, Bad{"\xc3\x28", 0}, Bad{"ok\xed\xa0\x80", 2},
                       Bad{"\xc0\xaf", 0}, Bad{"x\xf4\x90\x80\x80", 1}, Bad{"cut\xe2\x82", 3}}) {
    CAPTURE(b.s);
    JsonError e = error_of([&] { (void)quoted(b.s); });
    CHECK(e.code() == Errc::invalid_utf8);
    CHECK(e.offset() == b.at);
  }
  // A refused string leaves the Writer as it was.
  Writer w;
  w.begin_array().value("ok");
  CHECK_THROWS_AS(w.value("bad\xff"), JsonError);
  CHECK_THROWS_AS(w.begin_object().key("k\xff"), JsonError);
  w.end_object().end_array();
  CHECK(w.str() == R"(["ok",{}])");
}

TEST_CASE("numbers: integers exact, doubles in the shortest form that round-trips") {
  Writer w;
  w.begin_array()
      .value(std::numeric_limits<std::int64_t>::min())
      .value(std::numeric_limits<std::int64_t>::max())
      .value(std::numeric_limits<std::uint64_t>::max())
      .value(1e308)
      .value(-0.0)
      .value(5e-324)
      .value(0.1)
      .value(1.0)
      .value(-2.5e10)
      .value(std::numeric_limits<double>::max())
      .value(std::numeric_limits<double>::min())
      .value(1e21)
      .value(123456789.0)
      .value(0)
      .value(-1)
      .value(static_cast<unsigned short>(65535))
      .value(static_cast<std::int8_t>(-128))
      .value(1.5f)
      .end_array();
  CHECK(w.str() ==
        "[-9223372036854775808,9223372036854775807,18446744073709551615,1e+308,-0.0,5e-324,0.1,"
        "1.0,-2.5e+10,1.7976931348623157e+308,2.2250738585072014e-308,1e+21,123456789.0,0,-1,"
        "65535,-128,1.5]");
  Document d = aio::json::parse(w.str());
  CHECK(d[0].get<std::int64_t>() == std::numeric_limits<std::int64_t>::min());
  CHECK(d[2].get<std::uint64_t>() == std::numeric_limits<std::uint64_t>::max());
  CHECK(d[4].is_double());
  CHECK(std::signbit(d[4].get<double>()));
  CHECK(d[5].get<double>() == 5e-324);
  CHECK(d[7].is_double());  // 1.0 stays a double
  CHECK(d[9].get<double>() == std::numeric_limits<double>::max());

  // NaN and infinities have no JSON form.
  CHECK(error_of([] { Writer().value(std::nan("")); }).code() == Errc::invalid_value);
  CHECK(error_of([] { Writer().value(-HUGE_VAL); }).code() == Errc::invalid_value);
  CHECK(error_of([] { (void)Node(std::numeric_limits<double>::infinity()).to_json(); }).code() ==
        Errc::invalid_value);
}

TEST_CASE("a million random doubles come back with the same bits") {
  std::uint64_t seed = 1;
  Writer w;
  w.begin_array();
  std::vector<double> sent;
  while (sent.size() < 1000000) {
    double d = std::bit_cast<double>(next(seed));
    if (!std::isfinite(d)) continue;
    sent.push_back(d);
    w.value(d);
  }
  w.end_array();
  Document d = aio::json::parse(w.str());
  std::size_t i = 0, same = 0;
  for (aio::json::Value v : d.as_array()) {
    same += std::bit_cast<std::uint64_t>(v.get<double>()) == std::bit_cast<std::uint64_t>(sent[i]);
    ++i;
  }
  CHECK(i == sent.size());
  CHECK(same == sent.size());
}

TEST_CASE("structure is checked as it is written") {
  auto misuse = [](auto f) { return error_of(f).code() == Errc::writer_misuse; };
  CHECK(misuse([] { Writer().key("k"); }));
  CHECK(misuse([] { Writer().begin_array().key("k"); }));
  CHECK(misuse([] { Writer().begin_object().value(1); }));
  CHECK(misuse([] { Writer().begin_object().key("a").key("b"); }));
  CHECK(misuse([] { Writer().begin_object().key("a").end_object(); }));
  CHECK(misuse([] { Writer().begin_object().end_array(); }));
  CHECK(misuse([] { Writer().end_array(); }));
  CHECK(misuse([] { Writer().value(1).value(2); }));
  CHECK(misuse([] { (void)Writer().str(); }));
  CHECK(misuse([] { (void)Writer().begin_array().str(); }));
  Writer w;
  w.begin_object()
      .key("a")
      .value(1)
      .key("b")
      .begin_array()
      .null()
      .value(true)
      .end_array()
      .end_object();
  CHECK(w.complete());
  CHECK(w.str() == R"({"a":1,"b":[null,true]})");
  CHECK(Writer().value("x").str() == "\"x\"");
}

TEST_CASE("Node, Array and Object literals build request bodies") {
  Object body{
      {"name", "Zo\xc3\xab \"Z\""},
      {"tags", Array{"a", "b", 3, nullptr, false}},
      {"id", std::int64_t{9007199254740993}},
      {"big", std::uint64_t{18446744073709551615u}},
      {"ratio", 0.1},
      {"nested", Object{{"empty", Array{}}, {"obj", Object{}}}},
      {"name", "replaced"},
  };
  body.set("extra", true);
  CHECK(body.size() == 7);
  CHECK(body.find("name")->string()->compare("replaced") == 0);
  std::string text = Node(body).to_json();
  CHECK(text ==
        R"({"name":"replaced","tags":["a","b",3,null,false],"id":9007199254740993,)"
        R"("big":18446744073709551615,"ratio":0.1,"nested":{"empty":[],"obj":{}},"extra":true})");
  Writer w;
  w.value(body);
  CHECK(w.str() == text);
  Document d = aio::json::parse(text);
  CHECK(d["id"].get<std::int64_t>() == 9007199254740993);
  CHECK(d["tags"][2].get<int>() == 3);
  CHECK(Node().type() == aio::json::Type::null);
  CHECK(Node(std::uint64_t{5}).type() == aio::json::Type::int64);
  CHECK(Node(std::string("s")).type() == aio::json::Type::string);
  CHECK(Node(Array{1}).array()->size() == 1);
  // A Node holding a bad string refuses to serialise, and leaves no half text.
  Writer part;
  part.begin_array();
  CHECK_THROWS_AS(part.value(Array{1, "bad\xff"}), JsonError);
  part.value(2).end_array();
  CHECK(part.str() == "[2]");
}

TEST_CASE("deep values are written without recursion") {
  Writer w;
  for (int i = 0; i < 100000; ++i) w.begin_array();
  for (int i = 0; i < 100000; ++i) w.end_array();
  CHECK(w.str().size() == 200000);
  Node deep = Array{};
  for (int i = 0; i < 2000; ++i) deep = Array{std::move(deep)};
  CHECK(deep.to_json() == std::string(2001, '[') + std::string(2001, ']'));
}

TEST_CASE("a parsed document written back parses to the same text again") {
  test::JsonCorpus c = test::realistic_json(1 << 20);
  Document d = aio::json::parse(c.text);
  Writer w;
  w.value(d.root());
  std::string once = w.str();
  CHECK(once.size() < c.text.size());  // compact
  Document again = aio::json::parse(once);
  CHECK(again.to_json() == once);
  CHECK(again["statuses"].size() == c.statuses);
  // Values of a Document go into a Writer alongside built ones.
  Writer mix;
  mix.begin_object().key("first").value(d["statuses"][0]["user"]).key("n").value(1).end_object();
  Document m = aio::json::parse(mix.str());
  CHECK(m["first"]["screen_name"].get<std::string_view>() == "u0");
}
