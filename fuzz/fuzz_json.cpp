// libFuzzer target: JSON documents (json/document.hpp, json/parse.hpp).
//
// Input: a JSON text. It is parsed with the default depth limit and with a
// small one derived from the input, through aio::json::parse and through a
// PaddedBuffer filled in pseudo-random pieces. Invariants:
//   - failures are JsonError only; the two parse paths agree;
//   - an explicit, iterative walk of the result never finds a value deeper
//     than max_depth (the root is at depth 1), array and object sizes match
//     their iteration, find()/at() agree with iteration, every number and
//     string reads back through get<T>()/is<T>()/try_get<T>() consistently;
//   - round trip: to_json() parses again (same limit) to a document whose
//     to_json() is identical; Writer::value(root) writes that same text.
#include <aio/json/document.hpp>
#include <aio/json/parse.hpp>
#include <aio/json/writer.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_util.hpp"

namespace json = aio::json;

namespace {

std::optional<json::Document> try_parse(std::string_view text, const json::ParseOptions& opts, json::Errc* err) {
  try {
    return json::parse(text, opts);
  } catch (const json::JsonError& e) {
    *err = static_cast<json::Errc>(e.code().value());
    return std::nullopt;
  }
}

std::optional<json::Document> try_buffer(std::string_view text, const json::ParseOptions& opts, std::uint64_t seed,
                                         json::Errc* err) {
  try {
    json::PaddedBuffer buf;
    fuzz::Rng rng(seed);
    if (rng.next() & 1) buf.reserve(text.size());
    std::size_t off = 0;
    while (off < text.size()) {
      std::size_t n = rng.piece(128);
      if (n > text.size() - off) n = text.size() - off;
      buf.append(text.substr(off, n));
      off += n;
    }
    FUZZ_CHECK(buf.view() == text);
    return std::move(buf).parse(opts);
  } catch (const json::JsonError& e) {
    *err = static_cast<json::Errc>(e.code().value());
    return std::nullopt;
  }
}

void check_scalar(const json::Value& v) {
  switch (v.type()) {
    case json::Type::null:
      FUZZ_CHECK(v.is_null());
      FUZZ_CHECK(!v.get<std::optional<double>>().has_value());
      break;
    case json::Type::boolean:
      (void)v.get<bool>();
      break;
    case json::Type::int64: {
      std::int64_t i = v.get<std::int64_t>();
      (void)v.get<double>();
      FUZZ_CHECK(v.is<std::int32_t>() == (i >= INT32_MIN && i <= INT32_MAX));
      FUZZ_CHECK(v.try_get<std::uint64_t>().has_value() == (i >= 0));
      break;
    }
    case json::Type::uint64:
      FUZZ_CHECK(v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX));
      FUZZ_CHECK(!v.try_get<std::int64_t>().has_value());
      break;
    case json::Type::floating:
      (void)v.get<double>();
      FUZZ_CHECK(!v.is<std::int64_t>());
      break;
    case json::Type::string: {
      std::string_view s = v.get<std::string_view>();
      FUZZ_CHECK(v.get<std::string>() == s);
      FUZZ_CHECK(!v.try_get<double>().has_value());
      break;
    }
    default:
      FUZZ_CHECK(false);
  }
}

// Iterative: a deep document costs no stack here either.
void walk(const json::Document& doc, std::size_t max_depth) {
  std::vector<std::pair<json::Value, std::size_t>> pending;
  pending.emplace_back(doc.root(), 1);
  std::size_t visited = 0;
  while (!pending.empty()) {
    auto [v, depth] = pending.back();
    pending.pop_back();
    FUZZ_CHECK(depth <= max_depth);
    ++visited;
    if (v.is_array()) {
      json::ArrayView a = v.as_array();
      std::size_t n = 0;
      for (json::Value e : a) {
        if (n == 0) FUZZ_CHECK(a.at(0).to_json() == e.to_json() || visited > 64);
        pending.emplace_back(e, depth + 1);
        ++n;
      }
      FUZZ_CHECK(n == a.size() && n == v.size());
    } else if (v.is_object()) {
      json::ObjectView o = v.as_object();
      std::size_t n = 0;
      for (json::Member m : o) {
        if (visited <= 64) FUZZ_CHECK(o.find(m.key).has_value());  // find is linear: bound the cost
        pending.emplace_back(m.value, depth + 1);
        ++n;
      }
      FUZZ_CHECK(n == o.size() && n == v.size());
    } else {
      check_scalar(v);
    }
  }
}

void check(std::string_view text, const json::ParseOptions& opts, std::uint64_t seed) {
  json::Errc e1{}, e2{};
  std::optional<json::Document> doc = try_parse(text, opts, &e1);
  std::optional<json::Document> doc2 = try_buffer(text, opts, seed, &e2);
  FUZZ_CHECK(doc.has_value() == doc2.has_value());
  if (!doc) {
    FUZZ_CHECK(e1 == e2);
    return;
  }
  FUZZ_CHECK(doc->text() == text);
  walk(*doc, opts.max_depth());
  std::string t1 = doc->to_json();
  FUZZ_CHECK(doc2->to_json() == t1);
  json::Errc e3{};
  std::optional<json::Document> again = try_parse(t1, opts, &e3);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->to_json() == t1);
  json::Writer w;
  w.value(doc->root());
  FUZZ_CHECK(w.str() == t1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::uint64_t h = fuzz::hash(text);
  check(text, json::ParseOptions(), h);
  check(text, json::ParseOptions().max_depth(1 + h % 24), h >> 8);
  return 0;
}
