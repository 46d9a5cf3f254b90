#include "node/rpc/json_writer.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chain/types.h"

namespace waybill::node {
namespace {

using nlohmann::json;

TEST(JsonWriterTest, WritesNestedValuesThatParseBackToTheSameDocument) {
  JsonWriter w;
  w.BeginObject()
      .Field("name", "lot 7")
      .Field("count", uint64_t{3})
      .Field("delta", int64_t{-12})
      .Field("ok", true)
      .Key("none")
      .Null()
      .Key("list")
      .BeginArray()
      .Uint(1)
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .String("x")
      .EndArray()
      .Key("raw")
      .Raw(R"({"a":[1,2]})")
      .EndObject();
  ASSERT_TRUE(w.Complete());
  EXPECT_EQ(w.str(),
            R"({"name":"lot 7","count":3,"delta":-12,"ok":true,"none":null,)"
            R"("list":[1,{},[],"x"],"raw":{"a":[1,2]}})");
  json expected = {{"name", "lot 7"},
                   {"count", 3},
                   {"delta", -12},
                   {"ok", true},
                   {"none", nullptr},
                   {"list", {1, json::object(), json::array(), "x"}},
                   {"raw", {{"a", {1, 2}}}}};
  EXPECT_EQ(json::parse(w.str()), expected);
}

TEST(JsonWriterTest, IntegersAtTheirLimits) {
  JsonWriter w;
  w.BeginArray()
      .Uint(std::numeric_limits<uint64_t>::max())
      .Int(std::numeric_limits<int64_t>::min())
      .Int(std::numeric_limits<int64_t>::max())
      .Uint(0)
      .EndArray();
  EXPECT_EQ(w.str(), "[18446744073709551615,-9223372036854775808,9223372036854775807,0]");
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  std::string s = "a\"b\\c\b\f\n\r\t";
  s.push_back('\0');
  s += "\x01\x1f\x7f/";
  JsonWriter w;
  w.String(s);
  EXPECT_EQ(w.str(), R"("a\"b\\c\b\f\n\r\t\u0000\u0001\u001f)"
                     "\x7f"
                     R"(/")");
  EXPECT_EQ(json::parse(w.str()).get<std::string>(), s);
}

TEST(JsonWriterTest, KeepsWellFormedUtf8AndReplacesWhatIsNot) {
  const std::string good = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8D\x8C \xEF\xBF\xBF \xF4\x8F\xBF\xBF";
  JsonWriter w;
  w.String(good);
  EXPECT_EQ(w.str(), "\"" + good + "\"");

  const std::string replacement = "\xEF\xBF\xBD";
  const std::pair<std::string, std::string> bad[] = {
      {"\xC0\xAF", replacement + replacement},                         // overlong '/'
      {"\xE0\x80\xAF", replacement + replacement + replacement},       // overlong, 3 bytes
      {"\xED\xA0\x80", replacement + replacement + replacement},       // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", replacement + replacement + replacement + replacement},  // > U+10FFFF
      {"a\xC3", "a" + replacement},                                   // cut short at the end
      {"\xC3(", replacement + "("},                                   // bad continuation
      {"\x80", replacement},                                          // lone continuation
      {"\xFF", replacement},
  };
  for (const auto& [in, out] : bad) {
    JsonWriter bw;
    bw.String(in);
    EXPECT_EQ(bw.str(), "\"" + out + "\"") << json(out).dump();
    EXPECT_NO_THROW(json::parse(bw.str()));
  }
}

// Random bytes, keys and values alike: the text always parses (nlohmann rejects malformed
// UTF-8 and unescaped control characters), and well-formed input comes back unchanged.
TEST(JsonWriterTest, RandomBytesAlwaysGiveValidJson) {
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> len_dist(0, 24), byte_dist(0, 255), pick(0, 3);
  const char* alphabet[] = {"\xC3\xA9", "\xF0\x9F\x8D\x8C", "\"", "\\"};
  int round_trips = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string s;
    for (int n = len_dist(rng); n > 0; --n) {
      if (pick(rng) == 0) {
        s += alphabet[pick(rng)];
      } else {
        s.push_back(static_cast<char>(byte_dist(rng)));
      }
    }
    JsonWriter w;
    w.BeginObject().Field(s, s).EndObject();
    json parsed;
    ASSERT_NO_THROW(parsed = json::parse(w.str())) << w.str();
    ASSERT_EQ(parsed.size(), 1u);
    // Well-formed UTF-8 (nlohmann's strict dump accepts it) comes back unchanged.
    bool well_formed = true;
    try {
      (void)json(s).dump();
    } catch (const json::type_error&) {
      well_formed = false;
    }
    if (well_formed) {
      EXPECT_EQ(parsed.begin().value().get<std::string>(), s);
      EXPECT_EQ(parsed.begin().key(), s);
      ++round_trips;
    }
  }
  EXPECT_GT(round_trips, 100);  // both kinds of input were exercised
}

TEST(JsonWriterTest, CompleteOnlyAfterOneWholeValueAndTakeResets) {
  JsonWriter w;
  EXPECT_FALSE(w.Complete());
  w.BeginObject();
  EXPECT_FALSE(w.Complete());
  w.Key("k");
  EXPECT_FALSE(w.Complete());
  w.Uint(1).EndObject();
  EXPECT_TRUE(w.Complete());
  EXPECT_EQ(w.Take(), R"({"k":1})");
  EXPECT_FALSE(w.Complete());
  EXPECT_EQ(w.size(), 0u);
  w.String("again");
  EXPECT_TRUE(w.Complete());
  EXPECT_EQ(w.str(), R"("again")");
}

TEST(JsonWriterTest, HexWritesLowercaseDigitsAsHexEncode) {
  const std::vector<uint8_t> bytes = {0x00, 0x0f, 0xa5, 0xff, 0x10};
  JsonWriter w;
  w.BeginArray().Hex(bytes).Hex({}).EndArray();
  EXPECT_EQ(w.str(), "[\"" + chain::HexEncode(bytes) + "\",\"\"]");
  EXPECT_EQ(w.str(), "[\"000fa5ff10\",\"\"]");
}

}  // namespace
}  // namespace waybill::node
