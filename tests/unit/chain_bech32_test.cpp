// Bech32 and Bech32m: every BIP-173 and BIP-350 vector (valid and invalid strings, segwit
// addresses), and Waybill account addresses.
#include "chain/bech32.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace waybill::chain::bech32 {
namespace {

constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(TESTDATA_DIR) + "/bech32_vectors.json");
  EXPECT_TRUE(in.good()) << "cannot open bech32_vectors.json";
  return nlohmann::json::parse(in);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The JSON parser gives U+0080 and U+00FF as two UTF-8 bytes each; the BIPs mean the single
// Latin-1 bytes. Returns the Latin-1 form, or nullopt when it equals the input.
std::optional<std::string> Latin1(const std::string& utf8) {
  std::string out;
  bool changed = false;
  for (size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if ((c == 0xc2 || c == 0xc3) && i + 1 < utf8.size()) {
      const auto next = static_cast<unsigned char>(utf8[i + 1]);
      out.push_back(static_cast<char>(((c & 0x1f) << 6) | (next & 0x3f)));
      ++i;
      changed = true;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (!changed) return std::nullopt;
  return out;
}

// Replaces each data or checksum character with every other one (keeping the case): a Bech32
// checksum detects any single substitution.
void ExpectEverySubstitutionRejected(const std::string& s) {
  const size_t sep = s.rfind('1');
  ASSERT_NE(sep, std::string::npos);
  const bool upper = s != Lower(s);
  for (size_t pos = sep + 1; pos < s.size(); ++pos) {
    for (char c : kCharset) {
      const char replacement = upper ? static_cast<char>(std::toupper(c)) : c;
      if (replacement == s[pos]) continue;
      std::string mutated = s;
      mutated[pos] = replacement;
      EXPECT_FALSE(Decode(mutated).has_value()) << mutated;
    }
  }
}

void CheckValidList(const nlohmann::json& list, Encoding encoding) {
  ASSERT_EQ(list.size(), 7u);
  for (const auto& v : list) {
    const std::string s = v.get<std::string>();
    SCOPED_TRACE(s);
    const std::optional<Decoded> dec = Decode(s);
    ASSERT_TRUE(dec.has_value());
    EXPECT_EQ(dec->encoding, encoding);  // and therefore not the other kind
    EXPECT_EQ(dec->hrp, Lower(s.substr(0, s.rfind('1'))));
    for (uint8_t d : dec->data) EXPECT_LT(d, 32);
    EXPECT_EQ(Encode(encoding, dec->hrp, dec->data), Lower(s));
    ExpectEverySubstitutionRejected(s);
  }
}

void CheckInvalidList(const nlohmann::json& list, size_t expected_size) {
  ASSERT_EQ(list.size(), expected_size);
  for (const auto& v : list) {
    const std::string s = v.at("string").get<std::string>();
    SCOPED_TRACE(v.at("reason").get<std::string>() + ": " + s);
    EXPECT_FALSE(Decode(s).has_value());
    if (const std::optional<std::string> latin1 = Latin1(s)) {
      EXPECT_FALSE(Decode(*latin1).has_value());
    }
  }
}

TEST(Bech32VectorsTest, Bech32Valid) {
  CheckValidList(LoadVectors().at("bech32_valid"), Encoding::kBech32);
}

TEST(Bech32VectorsTest, Bech32mValid) {
  CheckValidList(LoadVectors().at("bech32m_valid"), Encoding::kBech32m);
}

TEST(Bech32VectorsTest, Bech32Invalid) { CheckInvalidList(LoadVectors().at("bech32_invalid"), 12); }

TEST(Bech32VectorsTest, Bech32mInvalid) {
  CheckInvalidList(LoadVectors().at("bech32m_invalid"), 14);
}

TEST(Bech32VectorsTest, NonAsciiStringsAreCovered) {
  // The four strings the README calls out; each must have been tested in both forms.
  int found = 0;
  const auto doc = LoadVectors();
  for (const char* key : {"bech32_invalid", "bech32m_invalid"}) {
    for (const auto& v : doc.at(key)) {
      if (Latin1(v.at("string").get<std::string>())) ++found;
    }
  }
  EXPECT_EQ(found, 3);  // \u0080 in both lists, \u00ff in the Bech32 list
}

TEST(Bech32VectorsTest, SegwitValid) {
  const auto doc = LoadVectors();
  ASSERT_EQ(doc.at("segwit_valid").size(), 8u);
  for (const auto& v : doc.at("segwit_valid")) {
    const std::string address = v.at("address").get<std::string>();
    SCOPED_TRACE(address);
    const std::string hrp = Lower(address.substr(0, address.rfind('1')));
    const std::optional<SegwitAddress> dec = DecodeSegwit(hrp, address);
    ASSERT_TRUE(dec.has_value());
    Bytes script = {static_cast<uint8_t>(dec->version == 0 ? 0 : 0x50 + dec->version),
                    static_cast<uint8_t>(dec->program.size())};
    script.insert(script.end(), dec->program.begin(), dec->program.end());
    EXPECT_EQ(HexEncode(script), v.at("script_pubkey").get<std::string>());
    const std::optional<std::string> encoded = EncodeSegwit(hrp, dec->version, dec->program);
    ASSERT_TRUE(encoded.has_value());
    EXPECT_EQ(*encoded, Lower(address));
    // The other network's prefix is refused.
    EXPECT_FALSE(DecodeSegwit(hrp == "bc" ? "tb" : "bc", address).has_value());
  }
}

TEST(Bech32VectorsTest, SegwitInvalid) {
  const auto doc = LoadVectors();
  ASSERT_EQ(doc.at("segwit_invalid").size(), 27u);
  for (const auto& v : doc.at("segwit_invalid")) {
    const std::string address = v.at("address").get<std::string>();
    SCOPED_TRACE(v.at("from").get<std::string>() + ", " + v.at("reason").get<std::string>() + ": " +
                 address);
    EXPECT_FALSE(DecodeSegwit("bc", address).has_value());
    EXPECT_FALSE(DecodeSegwit("tb", address).has_value());
  }
}

TEST(Bech32Test, EncodeSegwitRejectsBadPrograms) {
  EXPECT_FALSE(EncodeSegwit("bc", 0, std::vector<uint8_t>(21, 1)).has_value());
  EXPECT_FALSE(EncodeSegwit("bc", 1, std::vector<uint8_t>(1, 1)).has_value());
  EXPECT_FALSE(EncodeSegwit("bc", 1, std::vector<uint8_t>(41, 1)).has_value());
  EXPECT_FALSE(EncodeSegwit("bc", 17, std::vector<uint8_t>(32, 1)).has_value());
  EXPECT_FALSE(EncodeSegwit("bc", -1, std::vector<uint8_t>(32, 1)).has_value());
  EXPECT_TRUE(EncodeSegwit("bc", 16, std::vector<uint8_t>(2, 1)).has_value());
}

TEST(Bech32Test, ConvertBits) {
  std::mt19937 rng(3);
  for (size_t len = 0; len < 70; ++len) {
    std::vector<uint8_t> bytes(len);
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
    const auto five = ConvertBits(bytes, 8, 5, true);
    ASSERT_TRUE(five.has_value());
    EXPECT_EQ(five->size(), (len * 8 + 4) / 5);
    const auto back = ConvertBits(*five, 5, 8, false);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_FALSE(ConvertBits({32}, 5, 8, true).has_value());        // value out of range
  EXPECT_FALSE(ConvertBits({0, 1}, 5, 8, false).has_value());     // non-zero padding bits
  EXPECT_FALSE(ConvertBits({0, 0, 0}, 5, 8, false).has_value());  // a whole group of padding
  EXPECT_FALSE(ConvertBits({1}, 0, 8, true).has_value());
  EXPECT_FALSE(ConvertBits({1}, 8, 9, true).has_value());
}

TEST(Bech32Test, DecoderLimits) {
  EXPECT_TRUE(Decode(Encode(Encoding::kBech32m, "a", std::vector<uint8_t>(82, 0))).has_value());
  const std::string too_long = Encode(Encoding::kBech32m, "a", std::vector<uint8_t>(83, 0));
  EXPECT_EQ(too_long.size(), 91u);
  EXPECT_FALSE(Decode(too_long).has_value());
  EXPECT_FALSE(Decode("").has_value());
  EXPECT_FALSE(Decode("1").has_value());
  EXPECT_FALSE(Decode("a1qqqqq").has_value());   // 5 checksum characters
  EXPECT_FALSE(Decode("A1LqFN3A").has_value());  // mixed case
}

// Waybill addresses.

constexpr std::string_view kHrp = "wbd";

AccountId RandomId(std::mt19937_64& rng) {
  AccountId id;
  for (uint8_t& b : id.bytes) b = static_cast<uint8_t>(rng());
  return id;
}

std::vector<uint8_t> AddressData(const AccountId& id, uint8_t version) {
  std::vector<uint8_t> data = {version};
  const auto five = ConvertBits(std::vector<uint8_t>(id.bytes.begin(), id.bytes.end()), 8, 5, true);
  data.insert(data.end(), five->begin(), five->end());
  return data;
}

void ExpectInvalid(std::string_view address, std::string_view reason_part) {
  const Result<AccountId> r = DecodeAddress(kHrp, address);
  ASSERT_FALSE(r.ok()) << address;
  EXPECT_TRUE(r.status().IsInvalid());
  EXPECT_NE(r.status().reason().find(reason_part), std::string::npos)
      << "reason: " << r.status().reason();
}

TEST(AddressTest, RoundTrip) {
  std::mt19937_64 rng(11);
  std::vector<AccountId> ids = {AccountId()};
  AccountId ones;
  ones.bytes.fill(0xff);
  ids.push_back(ones);
  for (int i = 0; i < 200; ++i) ids.push_back(RandomId(rng));
  for (const AccountId& id : ids) {
    const std::string address = EncodeAddress(kHrp, id);
    EXPECT_EQ(address.size(), kHrp.size() + 1 + 53 + 6);
    EXPECT_EQ(address.substr(0, 4), "wbd1");
    EXPECT_EQ(address[4], 'q');  // version 0
    const Result<AccountId> decoded = DecodeAddress(kHrp, address);
    ASSERT_TRUE(decoded.ok()) << decoded.status().reason();
    EXPECT_EQ(*decoded, id);

    const std::optional<Decoded> raw = Decode(address);
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(raw->encoding, Encoding::kBech32m);
    EXPECT_EQ(raw->data.size(), 53u);
    EXPECT_EQ(raw->data, AddressData(id, 0));
  }
}

TEST(AddressTest, UppercaseIsAccepted) {
  std::mt19937_64 rng(12);
  const AccountId id = RandomId(rng);
  std::string upper = EncodeAddress(kHrp, id);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const Result<AccountId> decoded = DecodeAddress(kHrp, upper);
  ASSERT_TRUE(decoded.ok()) << decoded.status().reason();
  EXPECT_EQ(*decoded, id);
  std::string mixed = EncodeAddress(kHrp, id);
  mixed[10] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[10])));
  if (mixed != EncodeAddress(kHrp, id)) ExpectInvalid(mixed, "mixed case");
}

TEST(AddressTest, WrongPrefixRejected) {
  std::mt19937_64 rng(13);
  const AccountId id = RandomId(rng);
  ExpectInvalid(EncodeAddress("wbt", id), "wrong address prefix: expected wbd");
  ExpectInvalid(EncodeAddress("bc", id), "wrong address prefix: expected wbd");
  const Result<AccountId> ok_elsewhere = DecodeAddress("wbt", EncodeAddress("wbt", id));
  ASSERT_TRUE(ok_elsewhere.ok());
  EXPECT_EQ(*ok_elsewhere, id);
}

TEST(AddressTest, ParseAccountTakesAnAddressOrAHexId) {
  std::mt19937_64 rng(15);
  const AccountId id = RandomId(rng);
  EXPECT_EQ(*ParseAccount(kHrp, EncodeAddress(kHrp, id)), id);
  EXPECT_EQ(*ParseAccount(kHrp, id.ToHex()), id);
  std::string upper_hex = id.ToHex();
  for (char& c : upper_hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(*ParseAccount(kHrp, upper_hex), id);
  // Another network's address, nothing, 64 characters that are not hex, 63 hex digits.
  const Result<AccountId> other = ParseAccount(kHrp, EncodeAddress("wbt", id));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().reason().find("wrong address prefix"), std::string::npos);
  EXPECT_FALSE(ParseAccount(kHrp, "").ok());
  EXPECT_FALSE(ParseAccount(kHrp, std::string(64, 'x')).ok());
  EXPECT_FALSE(ParseAccount(kHrp, id.ToHex().substr(1)).ok());
}

TEST(AddressTest, Bech32ChecksumRejected) {
  std::mt19937_64 rng(14);
  const AccountId id = RandomId(rng);
  const std::string bech32 = Encode(Encoding::kBech32, kHrp, AddressData(id, 0));
  ASSERT_TRUE(Decode(bech32).has_value());
  ExpectInvalid(bech32, "not a Bech32m address");
}

TEST(AddressTest, EverySingleCharacterChangeRejected) {
  std::mt19937_64 rng(15);
  const AccountId id = RandomId(rng);
  const std::string address = EncodeAddress(kHrp, id);
  for (size_t pos = kHrp.size() + 1; pos < address.size(); ++pos) {
    for (char c : kCharset) {
      if (c == address[pos]) continue;
      std::string mutated = address;
      mutated[pos] = c;
      ExpectInvalid(mutated, "bad checksum");
    }
  }
  std::string bad_char = address;
  bad_char[10] = 'b';  // not in the Bech32 alphabet
  ExpectInvalid(bad_char, "malformed address");
}

TEST(AddressTest, VersionLengthAndPaddingRejected) {
  std::mt19937_64 rng(16);
  const AccountId id = RandomId(rng);
  ExpectInvalid(Encode(Encoding::kBech32m, kHrp, AddressData(id, 1)),
                "unsupported address version 1");

  std::vector<uint8_t> short_data = AddressData(id, 0);
  short_data.pop_back();
  ExpectInvalid(Encode(Encoding::kBech32m, kHrp, short_data), "wrong length");
  std::vector<uint8_t> long_data = AddressData(id, 0);
  long_data.push_back(0);
  ExpectInvalid(Encode(Encoding::kBech32m, kHrp, long_data), "wrong length");
  ExpectInvalid(Encode(Encoding::kBech32m, kHrp, {}), "wrong length");

  // 52 five-bit values carry 260 bits: the last 4 must be zero, or two strings would name
  // the same account.
  std::vector<uint8_t> padded = AddressData(id, 0);
  padded.back() |= 1;
  ExpectInvalid(Encode(Encoding::kBech32m, kHrp, padded), "padding");
}

TEST(AddressTest, MalformedRejectedWithoutCrashing) {
  for (std::string_view s : {"", "wbd", "wbd1", "1qqqqqqq", "wbd1qqqqq", " wbd1qqqqqqqqq"}) {
    ExpectInvalid(s, "");
  }
  ExpectInvalid(std::string(91, 'q'), "malformed address");
}

}  // namespace
}  // namespace waybill::chain::bech32
