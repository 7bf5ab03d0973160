// aio::json::Document, Value and parse(): reading, numbers at the edges,
// unicode, every parse error with its offset, depth, the padded buffer.
#include <aio/json/document.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <aio/json/parse.hpp>
#include "support/json_corpus.hpp"

using aio::json::Document;
using aio::json::Errc;
using aio::json::JsonError;
using aio::json::Type;
using aio::json::Value;

namespace {

// The error parse(text) throws (fails the test when it parses).
JsonError parse_error(std::string_view text,
                      aio::json::ParseOptions o = aio::json::ParseOptions()) {
  try {
    Document d = aio::json::parse(text, o);
    FAIL("parsed: ", std::string(text.substr(0, 80)));
  } catch (const JsonError& e) {
    return e;
  }
  return JsonError(aio::json::make_error_code(Errc::internal), "unreachable");
}

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

std::string nested(std::size_t n, std::string_view inner = "") {
  return std::string(n, '[') + std::string(inner) + std::string(n, ']');
}

}  // namespace

TEST_CASE("parse reads objects, arrays, strings, booleans, null and numbers") {
  Document doc = aio::json::parse(
      R"({"user": {"id": 42, "name": "ada", "admin": true, "nick": null},
          "scores": [1, 2.5, -3], "empty": {}, "none": []})");
  CHECK(doc.type() == Type::object);
  CHECK(doc.size() == 4);
  CHECK(doc["user"]["id"].get<std::int64_t>() == 42);
  CHECK(doc["user"]["id"].get<int>() == 42);
  CHECK(doc["user"]["name"].get<std::string_view>() == "ada");
  CHECK(doc["user"]["name"].get<std::string>() == "ada");
  CHECK(doc["user"]["admin"].get<bool>());
  CHECK(doc["user"]["nick"].is_null());
  CHECK(doc["scores"].is_array());
  CHECK(doc["scores"].size() == 3);
  CHECK(doc["scores"][1].get<double>() == 2.5);
  CHECK(doc["scores"][std::size_t{2}].get<std::int64_t>() == -3);
  CHECK(doc["scores"][0].get<double>() == 1.0);  // an integer reads as a double too
  CHECK(doc["empty"].as_object().empty());
  CHECK(doc["none"].as_array().empty());
  CHECK(doc.text().substr(0, 9) == R"({"user": )");
}

TEST_CASE("numbers at the edges keep their type and value") {
  Document doc = aio::json::parse(
      "[-9223372036854775808, 9223372036854775807, 18446744073709551615, 1e308, -0.0, 5e-324, -0,"
      " 9223372036854775808, 1.7976931348623157e308, 2.2250738585072014e-308, 0.1, 1e-400]");
  Value a = doc.root();
  CHECK(a[0].type() == Type::int64);
  CHECK(a[0].get<std::int64_t>() == std::numeric_limits<std::int64_t>::min());
  CHECK(a[1].get<std::int64_t>() == std::numeric_limits<std::int64_t>::max());
  CHECK(a[2].type() == Type::uint64);
  CHECK(a[2].get<std::uint64_t>() == std::numeric_limits<std::uint64_t>::max());
  CHECK(a[3].type() == Type::floating);
  CHECK(a[3].get<double>() == 1e308);
  CHECK(a[4].is_double());
  CHECK(a[4].get<double>() == 0.0);
  CHECK(std::signbit(a[4].get<double>()));
  CHECK(a[5].get<double>() == 5e-324);
  CHECK(a[5].get<double>() == std::numeric_limits<double>::denorm_min());
  CHECK(a[6].type() == Type::int64);  // "-0" is the integer 0
  CHECK(a[6].get<std::int64_t>() == 0);
  CHECK(a[7].get<std::uint64_t>() == 9223372036854775808ull);
  CHECK(a[8].get<double>() == std::numeric_limits<double>::max());
  CHECK(a[9].get<double>() == std::numeric_limits<double>::min());
  CHECK(a[10].get<double>() == 0.1);
  CHECK(a[11].get<double>() == 0.0);  // underflow rounds to zero, as in strtod

  // Range checks for narrower and other-signed types.
  CHECK(error_of([&] { (void)a[2].get<std::int64_t>(); }).code() == Errc::number_out_of_range);
  CHECK(error_of([&] { (void)a[0].get<std::uint64_t>(); }).code() == Errc::number_out_of_range);
  CHECK(error_of([&] { (void)a[1].get<std::int32_t>(); }).code() == Errc::number_out_of_range);
  CHECK(error_of([&] { (void)a[0].get<std::int16_t>(); }).code() == Errc::number_out_of_range);
  CHECK(error_of([&] { (void)a[2].get<std::uint32_t>(); }).code() == Errc::number_out_of_range);
  CHECK(error_of([&] { (void)a[3].get<std::int64_t>(); }).code() == Errc::incorrect_type);
  CHECK(a[1].is<std::int64_t>());
  CHECK_FALSE(a[1].is<std::int32_t>());
  CHECK(a[2].is<std::uint64_t>());
  CHECK_FALSE(a[2].is<std::int64_t>());
  CHECK_FALSE(a[0].is<unsigned>());
  CHECK(a[3].is<double>());
  CHECK(a[1].get<std::uint64_t>() == 9223372036854775807ull);
  CHECK(a[6].get<std::uint8_t>() == 0);
  CHECK(a[1].get<float>() == static_cast<float>(9223372036854775807.0));
}

TEST_CASE("unicode: raw UTF-8, escapes and surrogate pairs all read as UTF-8") {
  Document doc = aio::json::parse(
      "{\"raw\": \"Z\xc3\xbcrich \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80\","
      " \"esc\": \"\\u00fc\\u6771\\ud83d\\ude00\\u0000x\","
      " \"ctl\": \"\\b\\f\\n\\r\\t\\\"\\\\\\/\","
      " \"k\\u00e9y\": 1}");
  CHECK(doc["raw"].get<std::string_view>() ==
        "Z\xc3\xbcrich \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80");
  CHECK(doc["esc"].get<std::string_view>() ==
        std::string_view("\xc3\xbc\xe6\x9d\xb1\xf0\x9f\x98\x80\0x", 11));
  CHECK(doc["ctl"].get<std::string_view>() == "\b\f\n\r\t\"\\/");
  CHECK(doc["k\xc3\xa9y"].get<int>() == 1);  // keys are unescaped too
}

TEST_CASE("optional members and types: find, contains, try_get, get<std::optional<T>>") {
  Document doc = aio::json::parse(R"({"a": 1, "b": null, "c": "x"})");
  CHECK(doc.find("a").has_value());
  CHECK_FALSE(doc.find("zz").has_value());
  CHECK(doc.root().contains("b"));
  CHECK_FALSE(doc.root().contains("B"));  // case matters
  CHECK(doc["a"].try_get<std::int64_t>() == 1);
  CHECK_FALSE(doc["c"].try_get<std::int64_t>().has_value());
  CHECK(doc["c"].try_get<std::string>() == "x");
  CHECK(doc["b"].get<std::optional<std::int64_t>>() == std::nullopt);
  CHECK(doc["a"].get<std::optional<std::int64_t>>() == 1);
  CHECK(error_of([&] { (void)doc["c"].get<std::optional<std::int64_t>>(); }).code() ==
        Errc::incorrect_type);
  // find() on something that is not an object is a type error, not "absent".
  CHECK(error_of([&] { (void)doc["a"].find("x"); }).code() == Errc::incorrect_type);
  CHECK(doc.as_object().find("c")->get<std::string_view>() == "x");
}

TEST_CASE("iteration visits arrays and objects in document order, repeated keys too") {
  Document doc = aio::json::parse(R"({"list": [3, "two", [1], {"k": 0}, null],
                                      "obj": {"z": 1, "a": 2, "z": 3}})");
  std::vector<Type> types;
  for (Value v : doc["list"].as_array()) types.push_back(v.type());
  CHECK(types ==
        std::vector<Type>{Type::int64, Type::string, Type::array, Type::object, Type::null});
  std::string keys;
  std::int64_t sum = 0;
  for (auto [key, value] : doc["obj"].as_object()) {
    keys += key;
    sum += value.get<std::int64_t>();
  }
  CHECK(keys == "zaz");
  CHECK(sum == 6);
  CHECK(doc["obj"]["z"].get<int>() == 1);  // the first of repeated keys
  CHECK(doc["obj"].size() == 3);
  auto arr = doc["list"].as_array();
  CHECK(std::distance(arr.begin(), arr.end()) == 5);
  CHECK(arr[1].get<std::string_view>() == "two");
}

TEST_CASE("access errors are typed and say what was wanted") {
  Document doc = aio::json::parse(R"({"s": "text", "a": [1, 2], "n": 5})");
  JsonError type = error_of([&] { (void)doc["s"].get<std::int64_t>(); });
  CHECK(type.code() == Errc::incorrect_type);
  CHECK(std::string(type.what()) == "expected an integer, found string");
  CHECK_FALSE(type.offset().has_value());
  JsonError missing = error_of([&] { (void)doc["user"]; });
  CHECK(missing.code() == Errc::no_such_field);
  CHECK(std::string(missing.what()).find("\"user\"") != std::string::npos);
  JsonError index = error_of([&] { (void)doc["a"][2]; });
  CHECK(index.code() == Errc::index_out_of_bounds);
  CHECK(std::string(index.what()) == "index 2 out of bounds (array of 2)");
  CHECK(error_of([&] { (void)doc["n"]["x"]; }).code() == Errc::incorrect_type);
  CHECK(error_of([&] { (void)doc["n"][0]; }).code() == Errc::incorrect_type);
  CHECK(error_of([&] { (void)doc["n"].size(); }).code() == Errc::incorrect_type);
  CHECK(error_of([&] { (void)doc["n"].as_array(); }).code() == Errc::incorrect_type);
  CHECK(error_of([&] { (void)doc["a"].as_object(); }).code() == Errc::incorrect_type);
  CHECK(error_of([&] { (void)doc["s"].get<bool>(); }).code() == Errc::incorrect_type);
  CHECK(error_of([&] { (void)doc["n"].get<std::string_view>(); }).code() == Errc::incorrect_type);
  JsonError range = error_of([&] {
    (void)doc["n"].get<std::int64_t>(), (void)aio::json::parse("300").get<std::uint8_t>();
  });
  CHECK(range.code() == Errc::number_out_of_range);
  CHECK(std::string(range.what()) == "300 does not fit in a smaller unsigned integer");
  // Every json error is an aio::Error with the "aio.json" category.
  const aio::Error& base = type;
  CHECK(std::string(base.code().category().name()) == "aio.json");
  CHECK(aio::json::make_error_code(Errc::too_deep).message() == "JSON nested too deeply");
}

TEST_CASE("parse errors carry their kind and the byte offset of the first bad byte") {
  struct Case {
    std::string text;
    Errc code;
    std::optional<std::size_t> offset;
  };
  const std::vector<Case> cases = {
      {"", Errc::empty, std::nullopt},
      {" \n\t ", Errc::empty, std::nullopt},
      {"[1,]", Errc::syntax_error, 3},
      {"{\"a\":1,}", Errc::syntax_error, 7},
      {"[1 2]", Errc::syntax_error, 3},
      {"[1] x", Errc::syntax_error, 4},
      {"1 2", Errc::syntax_error, 2},
      {"{\"a\" 1}", Errc::syntax_error, 5},
      {"{1: 2}", Errc::syntax_error, 1},
      {"[1, 2", Errc::syntax_error, 5},
      {"]", Errc::syntax_error, 0},
      {"tru", Errc::syntax_error, 0},
      {"[true, nul]", Errc::syntax_error, 7},
      {"[false, fals]", Errc::syntax_error, 8},
      {"[\"a\x01\"]", Errc::invalid_string, 3},
      {"[\"\\x\"]", Errc::invalid_string, 2},
      {"[\"\\u12\"]", Errc::invalid_string, 2},
      {"[\"\\ud800\"]", Errc::invalid_string, 2},
      {"[\"\\udc00\"]", Errc::invalid_string, 2},
      {"[\"ok\", \"\\ud83d\\u0041\"]", Errc::invalid_string, 8},
      {"[01]", Errc::invalid_number, 1},
      {"[1.]", Errc::invalid_number, 1},
      {"[-]", Errc::invalid_number, 1},
      {"[.5]", Errc::syntax_error, 1},
      {"[1e]", Errc::invalid_number, 1},
      {"[18446744073709551616]", Errc::invalid_number, 1},
      {"[-9223372036854775809]", Errc::invalid_number, 1},
      {"[1e309]", Errc::invalid_number, 1},
      {"{\"s\": \"\xff\xfe\"}", Errc::invalid_utf8, 7},
      {"[\"\xc3\x28\"]", Errc::invalid_utf8, 2},
      {"[\"\xed\xa0\x80\"]", Errc::invalid_utf8, 2},      // a UTF-16 surrogate written as UTF-8
      {"[\"\xc0\xaf\"]", Errc::invalid_utf8, 2},          // overlong '/'
      {"[\"\xf4\x90\x80\x80\"]", Errc::invalid_utf8, 2},  // above U+10FFFF
      {"[\"ok\xe2\x82\"]", Errc::invalid_utf8, 4},        // cut sequence
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    JsonError e = parse_error(c.text);
    CHECK(e.code() == c.code);
    CHECK(e.offset() == c.offset);
    if (c.offset)
      CHECK(std::string(e.what()).find(" at byte " + std::to_string(*c.offset)) !=
            std::string::npos);
  }
  // Line and column in the message.
  JsonError lines = parse_error("[\n  1,\n  ]");
  CHECK(lines.offset() == 9);
  CHECK(std::string(lines.what()) == "JSON syntax error at byte 9 (line 3, column 3)");
  // An unclosed string: simdjson refuses the structure; the place is its quote.
  JsonError open = parse_error("[\"abc");
  CHECK((open.code() == Errc::invalid_string || open.code() == Errc::syntax_error));
  CHECK(open.offset() == 1);
}

TEST_CASE("an error deep inside a large document is located exactly") {
  test::JsonCorpus c = test::realistic_json(256 * 1024);
  std::string bad = c.text;
  std::size_t at = bad.find("\"truncated\": false", bad.size() / 2) + 13;
  bad.replace(at, 5, "fa1se");
  JsonError e = parse_error(bad);
  CHECK(e.code() == Errc::syntax_error);
  CHECK(e.offset() == at);
  std::string utf = c.text;
  std::size_t u = utf.size() * 3 / 4;
  u = utf.find("\"created_at\": \"", u) + 16;
  utf[u] = '\xff';
  JsonError e2 = parse_error(utf);
  CHECK(e2.code() == Errc::invalid_utf8);
  CHECK(e2.offset() == u);
}

TEST_CASE("depth: 100,000 nested arrays are refused at the limit, without recursion") {
  JsonError deep = parse_error(nested(100000));
  CHECK(deep.code() == Errc::too_deep);
  CHECK(deep.offset() == 1024);  // the 1025th '[' is the first value too deep
  CHECK(std::string(deep.what()).find("deeper than 1024 levels") != std::string::npos);
  // simdjson's rule: the root is at depth 1, a container's elements one deeper.
  CHECK(aio::json::parse(nested(1023, "1")).type() == Type::array);
  CHECK(aio::json::parse(nested(1024)).type() == Type::array);
  JsonError just_over = parse_error(nested(1024, "1"));
  CHECK(just_over.code() == Errc::too_deep);
  CHECK(just_over.offset() == 1024);
  CHECK(parse_error(nested(1025)).code() == Errc::too_deep);
  std::string objects;
  for (int i = 0; i < 2000; ++i) objects += "{\"k\":";
  objects += "1" + std::string(2000, '}');
  CHECK(parse_error(objects).offset() == 1024 * 5);  // the 1025th object

  aio::json::ParseOptions three;
  three.max_depth(3);
  CHECK(aio::json::parse(R"({"a": [1]})", three).type() == Type::object);
  JsonError small = parse_error(R"({"a": [[1]]})", three);
  CHECK(small.code() == Errc::too_deep);
  CHECK(small.offset() == 8);  // the 1 is at depth 4
  aio::json::ParseOptions big;
  big.max_depth(200000);
  Document very = aio::json::parse(nested(100000), big);
  Value v = very.root();
  for (int i = 0; i < 99999; ++i) v = v[0];
  CHECK(v.as_array().empty());
  CHECK(very.to_json().size() == 200000);  // writing back is iterative too
  CHECK(aio::json::ParseOptions().max_depth(0).max_depth() == 1);
}

TEST_CASE("a Document owns its text: temporaries are safe to parse, moves keep Values valid") {
  // The temporary string dies at the end of the statement; the Document
  // copied it into its own buffer.
  Document t = aio::json::parse(std::string(R"({"name": "first"})") + std::string(100, ' '));
  CHECK(t["name"].get<std::string_view>() == "first");
  CHECK(aio::json::parse(std::string("\"s\"")).get<std::string>() == "s");  // owning: fine
  Document a =
      aio::json::parse(std::string(R"({"name": "a string longer than any small buffer"})"));
  Value v = a["name"];
  std::string_view sv = v.get<std::string_view>();
  Document b = std::move(a);
  CHECK_FALSE(a.has_value());
  CHECK(v.get<std::string_view>() == "a string longer than any small buffer");
  CHECK(sv == "a string longer than any small buffer");
  CHECK(b["name"].get<std::string_view>() == sv);
  Document c;
  CHECK_FALSE(c.has_value());
  CHECK(error_of([&] { (void)c.root(); }).code() == Errc::empty);
  c = std::move(b);
  CHECK(c["name"].get<std::string_view>().size() == 37);
}

namespace misuse {
template <class D>
concept index_rvalue = requires(D d) {
  std::move(d)["x"];
};
template <class D>
concept root_rvalue = requires(D d) {
  std::move(d).root();
};
template <class D>
concept text_rvalue = requires(D d) {
  std::move(d).text();
};
template <class D>
concept index_lvalue = requires(D& d) {
  d["x"];
};
template <class D>
concept get_int_rvalue = requires(D d) {
  std::move(d).template get<std::int64_t>();
};
}  // namespace misuse

TEST_CASE("views of a temporary Document do not compile") {
  static_assert(!misuse::index_rvalue<Document>, "(co_await r.json())[\"x\"] must not compile");
  static_assert(!misuse::root_rvalue<Document>);
  static_assert(!misuse::text_rvalue<Document>);
  static_assert(misuse::index_lvalue<Document>);
  static_assert(misuse::get_int_rvalue<Document>);  // an owning result is fine
  static_assert(!std::is_copy_constructible_v<Document>);
  static_assert(std::is_nothrow_move_constructible_v<Document>);
  static_assert(!std::is_default_constructible_v<Value>);
  CHECK(aio::json::parse("[7]").to_json() == "[7]");
}

TEST_CASE("PaddedBuffer: one-byte appends, exact reserves, a text ending at the buffer's end") {
  for (std::size_t n : {1, 2, 63, 64, 65, 127, 128, 4095, 4096, 16384, 65536, 65537}) {
    CAPTURE(n);
    // A JSON string of exactly n bytes (n >= 2), or a digit.
    std::string text = n == 1 ? "7" : "\"" + std::string(n - 2, 'x') + "\"";
    REQUIRE(text.size() == n);
    aio::json::release_thread_cache();  // fresh storage: its room is exactly what was reserved
    aio::json::PaddedBuffer exact;
    exact.reserve(n);
    CHECK(exact.capacity() == n);
    exact.append(text);
    CHECK(exact.capacity() == n);  // the last byte ends the room exactly: padding is extra
    CHECK(exact.size() == n);
    Document d = std::move(exact).parse();
    CHECK(d.text() == text);
    CHECK(d.root().to_json() == text);

    aio::json::PaddedBuffer bytes;  // grows one byte at a time
    for (char ch : text) bytes.append(std::string_view(&ch, 1));
    CHECK(bytes.view() == text);
    Document grown = std::move(bytes).parse();
    CHECK(grown.text() == text);
  }
  aio::json::PaddedBuffer empty;
  CHECK(error_of([&] { (void)std::move(empty).parse(); }).code() == Errc::empty);
}

TEST_CASE("a realistic 1 MiB document reads back every fact it was built with") {
  test::JsonCorpus c = test::realistic_json(1 << 20);
  aio::json::PaddedBuffer buf;
  for (std::size_t i = 0; i < c.text.size(); i += 1500)
    buf.append(std::string_view(c.text).substr(i, 1500));
  Document doc = std::move(buf).parse();
  auto statuses = doc["statuses"].as_array();
  CHECK(statuses.size() == c.statuses);
  std::int64_t retweets = 0;
  std::size_t coords = 0, tags = 0, escaped = 0;
  std::int64_t last = 0;
  for (Value s : statuses) {
    retweets += s["retweet_count"].get<std::int64_t>();
    if (auto p = s["coordinates"]; !p.is_null()) {
      ++coords;
      double lon = p["coordinates"][0].get<double>();
      CHECK(lon >= -180.0);
      CHECK(lon < 180.0);
    }
    tags += s["entities"]["hashtags"].size();
    std::string_view text = s["text"].get<std::string_view>();
    if (text.rfind("Escaped: ", 0) == 0) {
      ++escaped;
      CHECK(text ==
            "Escaped: \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80 \"quoted\" back\\slash tab\tnewline\n");
    }
    CHECK(s["user"]["name"].get<std::string_view>().substr(0, 7) == "User \xc3\x98");
    CHECK(s["id_str"].get<std::string_view>() == std::to_string(s["id"].get<std::int64_t>()));
    CHECK(s["metrics"].size() == 2);
    last = s["id"].get<std::int64_t>();
  }
  CHECK(retweets == c.retweet_sum);
  CHECK(coords == c.with_coordinates);
  CHECK(tags == c.hashtags);
  CHECK(escaped > 0);
  CHECK(last == c.last_id);
  CHECK(doc["search_metadata"]["count"].get<std::size_t>() == c.statuses);
  // Written back and parsed again: the same document.
  std::string again = doc.to_json();
  Document doc2 = aio::json::parse(again);
  CHECK(doc2.to_json() == again);
  CHECK(doc2["statuses"].size() == c.statuses);
}

TEST_CASE("a loop of documents of every size reuses storage and stays correct") {
  std::vector<Document> kept;
  for (int round = 0; round < 3; ++round) {
    for (std::size_t size : {100, 100000, 300, 5 << 20, 1000}) {
      test::JsonCorpus c = test::realistic_json(size, static_cast<std::uint64_t>(size) + 7);
      Document d = aio::json::parse(c.text);
      CHECK(d["statuses"].size() == c.statuses);
      if (size == 300) kept.push_back(std::move(d));
    }
  }
  aio::json::release_thread_cache();
  for (const Document& d : kept) CHECK(d["statuses"].size() == 1);
  // A different depth on the thread's parser, then the default again.
  aio::json::ParseOptions two;
  two.max_depth(2);
  CHECK(parse_error("[[1]]", two).code() == Errc::too_deep);
  Document ok = aio::json::parse("[[1]]");
  CHECK(ok[0][0].get<int>() == 1);
}
