// A JSON document of a real API's shape for the json/ tests and benchmark:
// a search result like Twitter's (statuses with nested users, entities,
// coordinates, unicode text raw and escaped, numbers at the edges), built
// with plain string appends (not aio::json::Writer, so that it checks the
// parser independently), with the facts a reader can check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace test {

struct JsonCorpus {
  std::string text;
  std::size_t statuses = 0;
  std::int64_t retweet_sum = 0;  // sum of statuses[*].retweet_count
  std::int64_t last_id = 0;      // statuses[last].id
  std::size_t with_coordinates = 0;
  std::size_t hashtags = 0;  // total entities.hashtags elements
};

namespace detail {
inline std::uint64_t next(std::uint64_t& s) {  // splitmix64: reproducible, no <random>
  s += 0x9E3779B97F4A7C15ull;
  std::uint64_t z = s;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
}  // namespace detail

// About `target` bytes (a little more: it ends the status it is in).
inline JsonCorpus realistic_json(std::size_t target, std::uint64_t seed = 42) {
  static const char* const kTexts[] = {
      "Just landed in Z\xc3\xbcrich \xe2\x9c\x88\xef\xb8\x8f caf\xc3\xa9 time",
      "\xe6\x9d\xb1\xe4\xba\xac\xe3\x81\xae\xe5\xa4\xa9\xe6\xb0\x97\xe3\x81\xaf\xe6\x99\xb4\xe3\x82"
      "\x8c "
      "\xf0\x9f\x8c\xa4 #weather",
      "Escaped: \\u00e9t\\u00e9 \\ud83d\\ude00 \\\"quoted\\\" back\\\\slash tab\\tnewline\\n",
      "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80! RT @user: "
      "http:\\/\\/t.co\\/abc",
      "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 "
      "\xd8\xa8\xd8\xa7\xd9\x84\xd8\xb9\xd8\xa7\xd9\x84\xd9\x85 "
      "\xf0\x9f\x91\x8b\xf0\x9f\x8f\xbd",
      "plain ascii status with some length to it, like most of them are in practice",
  };
  static const char* const kLangs[] = {"en", "ja", "ru", "ar", "de", "und"};
  static const char* const kNumbers[] = {"-9223372036854775808",
                                         "9223372036854775807",
                                         "18446744073709551615",
                                         "1e308",
                                         "-0.0",
                                         "5e-324",
                                         "0.1",
                                         "-2.5E+10",
                                         "1.7976931348623157e308",
                                         "2.2250738585072014e-308",
                                         "123456789012345678",
                                         "0",
                                         "-1",
                                         "3.141592653589793"};
  JsonCorpus c;
  std::uint64_t s = seed;
  std::string& o = c.text;
  o.reserve(target + 4096);
  o += "{\"statuses\": [\n";
  std::int64_t id = 1'100'000'000'000'000'000;
  while (o.size() < target) {
    if (c.statuses) o += ",\n";
    id += static_cast<std::int64_t>(detail::next(s) % 1'000'000);
    std::int64_t retweets = static_cast<std::int64_t>(detail::next(s) % 5000);
    std::size_t text = detail::next(s) % (sizeof kTexts / sizeof kTexts[0]);
    std::string ids = std::to_string(id);
    o += "  {\"created_at\": \"Mon Sep 24 03:35:21 +0000 2012\", \"id\": " + ids +
         ", \"id_str\": \"" + ids + "\",\n   \"text\": \"" + kTexts[text] +
         "\", \"truncated\": false, \"lang\": \"" + kLangs[text] + "\",\n";
    o += "   \"user\": {\"id\": " + std::to_string(detail::next(s) % 4'000'000'000ull) +
         ", \"name\": \"User \\u00d8 " + std::to_string(c.statuses) + "\", \"screen_name\": \"u" +
         std::to_string(c.statuses) +
         "\", \"followers_count\": " + std::to_string(detail::next(s) % 100000) +
         ", \"verified\": " + (detail::next(s) % 2 ? "true" : "false") +
         ", \"profile_background_color\": \"C0DEED\", \"description\": null,"
         " \"entities\": {\"description\": {\"urls\": []}}},\n";
    std::size_t tags = detail::next(s) % 4;
    o += "   \"entities\": {\"hashtags\": [";
    for (std::size_t t = 0; t < tags; ++t) {
      if (t) o += ", ";
      o += "{\"text\": \"tag" + std::to_string(t) + "\", \"indices\": [" + std::to_string(t * 5) +
           ", " + std::to_string(t * 5 + 4) + "]}";
    }
    c.hashtags += tags;
    o += "], \"urls\": [], \"user_mentions\": []},\n";
    if (detail::next(s) % 3 == 0) {
      char coords[96];
      double lon = static_cast<double>(detail::next(s) % 360'000'000) / 1e6 - 180.0;
      double lat = static_cast<double>(detail::next(s) % 180'000'000) / 1e6 - 90.0;
      std::snprintf(coords, sizeof coords, "{\"type\": \"Point\", \"coordinates\": [%.17g, %.17g]}",
                    lon, lat);
      o += std::string("   \"coordinates\": ") + coords + ",\n";
      ++c.with_coordinates;
    } else {
      o += "   \"coordinates\": null,\n";
    }
    o += "   \"metrics\": [" + std::string(kNumbers[detail::next(s) % 14]) + ", " +
         kNumbers[detail::next(s) % 14] + "],\n";
    o += "   \"retweet_count\": " + std::to_string(retweets) +
         ", \"favorited\": false, \"in_reply_to_status_id\": null}";
    c.retweet_sum += retweets;
    c.last_id = id;
    ++c.statuses;
  }
  o += "\n],\n\"search_metadata\": {\"completed_in\": 0.087, \"max_id\": " +
       std::to_string(c.last_id) +
       ", \"query\": \"%23freebandnames\", \"count\": " + std::to_string(c.statuses) + "}}\n";
  return c;
}

}  // namespace test
