// ArithU256: the compact-bits vectors (Bitcoin Core's bignum_SetCompact cases and genesis
// block work), arithmetic properties against 128-bit reference arithmetic, and an
// exhaustive-by-sampling check of the compact encoding.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "chain/arith_uint256.h"

namespace waybill::chain {
namespace {

__extension__ typedef unsigned __int128 U128;

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(TESTDATA_DIR) + "/compact_bits_vectors.json");
  EXPECT_TRUE(in.good()) << "cannot open compact_bits_vectors.json";
  return nlohmann::json::parse(in);
}

uint32_t ParseBits(const nlohmann::json& v) {
  return static_cast<uint32_t>(std::stoul(v.get<std::string>(), nullptr, 16));
}

ArithU256 ParseU256(const nlohmann::json& v) {
  const std::optional<ArithU256> r = ArithU256::FromHex(v.get<std::string>());
  EXPECT_TRUE(r.has_value()) << v;
  return r.value_or(ArithU256());
}

std::string BitsHex(uint32_t bits) {
  char buf[11];
  std::snprintf(buf, sizeof(buf), "0x%08x", bits);
  return buf;
}

ArithU256 FromU128(U128 v) {
  return (ArithU256(static_cast<uint64_t>(v >> 64)) << 64) + static_cast<uint64_t>(v);
}

ArithU256 Pow2(unsigned int n) { return ArithU256(1) << n; }

// A random value with a random bit length in [0, 256], so that small and large magnitudes
// are both common.
ArithU256 RandomU256(std::mt19937_64& rng) {
  ArithU256 v =
      (ArithU256(rng()) << 192) + (ArithU256(rng()) << 128) + (ArithU256(rng()) << 64) + rng();
  const unsigned int len = static_cast<unsigned int>(rng() % 257);
  return len == 0 ? ArithU256(0) : v >> (256 - len);
}

TEST(ArithU256Vectors, SetCompact) {
  const auto doc = LoadVectors();
  ASSERT_EQ(doc.at("set_compact").size(), 19u);
  for (const auto& v : doc.at("set_compact")) {
    const uint32_t bits = ParseBits(v.at("bits"));
    SCOPED_TRACE(BitsHex(bits));
    bool negative = !v.at("negative").get<bool>();  // start wrong: the call must set both
    bool overflow = !v.at("overflow").get<bool>();
    ArithU256 value;
    value.SetCompact(bits, &negative, &overflow);
    EXPECT_EQ(value.ToHex(), v.at("value").get<std::string>());
    EXPECT_EQ(negative, v.at("negative").get<bool>());
    EXPECT_EQ(overflow, v.at("overflow").get<bool>());
    EXPECT_EQ(BitsHex(value.GetCompact(negative)), v.at("get_compact").get<std::string>());
    // Null flag pointers are allowed and give the same value.
    ArithU256 again;
    again.SetCompact(bits);
    EXPECT_EQ(again, value);
  }
}

TEST(ArithU256Vectors, GetCompactCases) {
  const auto doc = LoadVectors();
  ASSERT_FALSE(doc.at("get_compact_cases").empty());
  for (const auto& v : doc.at("get_compact_cases")) {
    const ArithU256 value = ParseU256(v.at("value"));
    EXPECT_EQ(value.GetCompact(), ParseBits(v.at("bits"))) << v;
    EXPECT_EQ(value.GetCompact() & 0x00800000u, 0u);
  }
}

TEST(ArithU256Vectors, SetCompactFlagsOnly) {
  const auto doc = LoadVectors();
  ASSERT_FALSE(doc.at("set_compact_flags_only").empty());
  for (const auto& v : doc.at("set_compact_flags_only")) {
    const uint32_t bits = ParseBits(v.at("bits"));
    bool negative = !v.at("negative").get<bool>();
    bool overflow = !v.at("overflow").get<bool>();
    ArithU256 value;
    value.SetCompact(bits, &negative, &overflow);
    EXPECT_EQ(negative, v.at("negative").get<bool>()) << v;
    EXPECT_EQ(overflow, v.at("overflow").get<bool>()) << v;
    EXPECT_FALSE(TargetFromBits(bits).has_value());
  }
}

TEST(ArithU256Vectors, BlockWork) {
  const auto doc = LoadVectors();
  ASSERT_FALSE(doc.at("block_work").empty());
  for (const auto& v : doc.at("block_work")) {
    const uint32_t bits = ParseBits(v.at("bits"));
    const ArithU256 target = ParseU256(v.at("target"));
    const std::optional<ArithU256> decoded = TargetFromBits(bits);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, target);
    EXPECT_EQ(target.GetCompact(), bits);
    EXPECT_EQ(BlockWork(target).ToHex(), v.at("work").get<std::string>());
  }
}

TEST(ArithU256, TargetFromBitsRejectsNegativeZeroOverflow) {
  EXPECT_FALSE(TargetFromBits(0x00000000).has_value());
  EXPECT_FALSE(TargetFromBits(0x01003456).has_value());  // decodes to zero
  EXPECT_FALSE(TargetFromBits(0x04923456).has_value());  // negative
  EXPECT_FALSE(TargetFromBits(0xff123456).has_value());  // overflow
  EXPECT_FALSE(TargetFromBits(0x21010000).has_value());  // 2^256: overflow
  ASSERT_TRUE(TargetFromBits(0x1d00ffff).has_value());
  ASSERT_TRUE(TargetFromBits(0x01010000).has_value());
  EXPECT_EQ(*TargetFromBits(0x01010000), ArithU256(1));
  EXPECT_EQ(*TargetFromBits(0x207fffff), ArithU256(0x7fffff) << 232);
}

TEST(ArithU256, BlockWorkEdges) {
  const ArithU256 max = ~ArithU256(0);
  EXPECT_EQ(BlockWork(max), ArithU256(1));                 // 2^256 / 2^256
  EXPECT_EQ(BlockWork(max >> 1), ArithU256(2));            // 2^256 / 2^255
  EXPECT_EQ(BlockWork(ArithU256(1)), Pow2(255));           // 2^256 / 2
  EXPECT_EQ(BlockWork(ArithU256(0)), max);                 // saturates
  EXPECT_EQ(BlockWork(Pow2(224) - 1), Pow2(32));           // 2^256 / 2^224
  EXPECT_EQ(BlockWork(ArithU256(2)), max / ArithU256(3));  // floor(2^256 / 3)
  // Against 128-bit arithmetic in a scaled domain: floor(2^256/(t+1)) for t = 2^128*k - 1
  // is floor(2^128 / k).
  for (uint64_t k : {1ull, 2ull, 3ull, 7ull, 1000003ull, 0xffffffffffffffffull}) {
    const ArithU256 target = (ArithU256(k) << 128) - 1;
    const U128 expected = (k == 1) ? 0 : (~U128{0}) / k + (((~U128{0}) % k + 1 == k) ? 1 : 0);
    if (k == 1) {
      EXPECT_EQ(BlockWork(target), Pow2(128));
    } else {
      EXPECT_EQ(BlockWork(target), FromU128(expected)) << k;
    }
  }
}

TEST(ArithU256, HexRoundTripAndParsing) {
  EXPECT_EQ(ArithU256(0).ToHex(), std::string(64, '0'));
  EXPECT_EQ(ArithU256(0x1234).ToHex(), std::string(60, '0') + "1234");
  EXPECT_EQ((~ArithU256(0)).ToHex(), std::string(64, 'f'));
  ASSERT_TRUE(ArithU256::FromHex("0x1234").has_value());
  EXPECT_EQ(*ArithU256::FromHex("0x1234"), ArithU256(0x1234));
  EXPECT_EQ(*ArithU256::FromHex("ABCdef"), ArithU256(0xabcdef));
  EXPECT_EQ(*ArithU256::FromHex("1" + std::string(63, '0')), Pow2(252));
  EXPECT_FALSE(ArithU256::FromHex("").has_value());
  EXPECT_FALSE(ArithU256::FromHex("0x").has_value());
  EXPECT_FALSE(ArithU256::FromHex(std::string(65, '1')).has_value());
  EXPECT_FALSE(ArithU256::FromHex("12g4").has_value());
  EXPECT_FALSE(ArithU256::FromHex(" 12").has_value());
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1000; ++i) {
    const ArithU256 v = RandomU256(rng);
    const std::string hex = v.ToHex();
    ASSERT_EQ(hex.size(), 64u);
    ASSERT_EQ(ArithU256::FromHex(hex), v);
  }
}

TEST(ArithU256, BigEndianRoundTrip) {
  Hash256 h;
  for (int i = 0; i < 32; ++i) h.bytes[i] = static_cast<uint8_t>(i + 1);
  const ArithU256 v = ArithU256::FromBigEndian(h);
  // bytes[0] is the most significant byte, so the hex of both agrees.
  EXPECT_EQ(v.ToHex(), h.ToHex());
  EXPECT_EQ(v.ToBigEndian(), h);
  EXPECT_EQ(v.low64(), 0x191a1b1c1d1e1f20ull);

  Hash256 one;
  one.bytes[31] = 1;
  EXPECT_EQ(ArithU256::FromBigEndian(one), ArithU256(1));
  Hash256 top;
  top.bytes[0] = 0x80;
  EXPECT_EQ(ArithU256::FromBigEndian(top), Pow2(255));

  std::mt19937_64 rng(2);
  for (int i = 0; i < 1000; ++i) {
    const ArithU256 a = RandomU256(rng);
    const ArithU256 b = RandomU256(rng);
    ASSERT_EQ(ArithU256::FromBigEndian(a.ToBigEndian()), a);
    // Big-endian byte order is numeric order.
    ASSERT_EQ(a.ToBigEndian() <=> b.ToBigEndian(), a <=> b);
  }
}

TEST(ArithU256, CompareAndBits) {
  EXPECT_LT(ArithU256(1), ArithU256(2));
  EXPECT_LT(ArithU256(~0ull), Pow2(64));
  EXPECT_GT(Pow2(255), Pow2(254) + Pow2(253));
  EXPECT_EQ(ArithU256(5), 5);
  EXPECT_EQ(ArithU256(0).bits(), 0);
  EXPECT_EQ(ArithU256(1).bits(), 1);
  EXPECT_EQ(ArithU256(0x80).bits(), 8);
  for (unsigned int n = 0; n < 256; ++n) {
    ASSERT_EQ(Pow2(n).bits(), static_cast<int>(n) + 1);
    ASSERT_EQ((Pow2(n) - 1).bits(), static_cast<int>(n));
    ASSERT_TRUE(Pow2(n) > Pow2(n) - 1);
  }
  EXPECT_TRUE(ArithU256(0).IsZero());
  EXPECT_FALSE(Pow2(200).IsZero());
}

TEST(ArithU256, AddSubWrap) {
  const ArithU256 max = ~ArithU256(0);
  EXPECT_EQ(max + 1, ArithU256(0));
  EXPECT_EQ(ArithU256(0) - 1, max);
  EXPECT_EQ(ArithU256(~0ull) + 1, Pow2(64));
  EXPECT_EQ(Pow2(192) - 1, (~ArithU256(0)) >> 64);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    const U128 a = (static_cast<U128>(rng()) << 64) | rng();
    const U128 b = (static_cast<U128>(rng()) << 64) | rng();
    ASSERT_EQ((FromU128(a) + FromU128(b)) >> 128, ArithU256((a + b) < a ? 1 : 0));
    ASSERT_EQ(((FromU128(a) + FromU128(b)) << 128) >> 128, FromU128(a + b));
    const ArithU256 x = RandomU256(rng);
    const ArithU256 y = RandomU256(rng);
    ASSERT_EQ(x + y - y, x);
    ASSERT_EQ(x - y + y, x);
  }
}

TEST(ArithU256, Multiply) {
  const ArithU256 max = ~ArithU256(0);
  EXPECT_EQ(Pow2(128) * Pow2(128), ArithU256(0));
  EXPECT_EQ(Pow2(127) * Pow2(128), Pow2(255));
  // (2^128 - 1)^2 = 2^256 - 2^129 + 1
  EXPECT_EQ((Pow2(128) - 1) * (Pow2(128) - 1), ArithU256(0) - Pow2(129) + 1);
  EXPECT_EQ(max * max, ArithU256(1));  // (-1)^2 mod 2^256
  EXPECT_EQ(max * 2ull, max - 1);
  EXPECT_EQ(ArithU256(0x123456789abcdefull) * 0x10000ull, ArithU256(0x123456789abcdefull) << 16);
  std::mt19937_64 rng(4);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t a = rng();
    const uint64_t b = rng();
    ASSERT_EQ(ArithU256(a) * b, FromU128(static_cast<U128>(a) * b));
    ASSERT_EQ(ArithU256(a) * ArithU256(b), FromU128(static_cast<U128>(a) * b));
    const ArithU256 x = RandomU256(rng);
    const ArithU256 y = RandomU256(rng);
    const ArithU256 z = RandomU256(rng);
    ASSERT_EQ(x * y, y * x);
    ASSERT_EQ(x * (y + z), x * y + x * z);  // distributive mod 2^256
    ASSERT_EQ(x * static_cast<uint64_t>(a), x * ArithU256(a));
  }
}

TEST(ArithU256, Division) {
  const ArithU256 max = ~ArithU256(0);
  EXPECT_EQ(max / max, ArithU256(1));
  EXPECT_EQ(max / ArithU256(1), max);
  EXPECT_EQ(ArithU256(7) / ArithU256(8), ArithU256(0));
  EXPECT_EQ(Pow2(255) / Pow2(200), Pow2(55));
  EXPECT_EQ(ArithU256(5) / ArithU256(0), max);  // documented: division by zero
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const U128 a = (static_cast<U128>(rng()) << 64) | rng();
    const U128 b = ((static_cast<U128>(rng()) << 64) | rng()) >> (rng() % 128);
    if (b != 0) {
      ASSERT_EQ(FromU128(a) / FromU128(b), FromU128(a / b));
    }
    const ArithU256 x = RandomU256(rng);
    const ArithU256 y = RandomU256(rng);
    if (y.IsZero()) continue;
    const ArithU256 q = x / y;
    const ArithU256 r = x - q * y;
    ASSERT_LT(r, y);
    ASSERT_LE(q * y, x);
    ASSERT_EQ(q * y + r, x);
    if (q.bits() + y.bits() <= 256) {
      ASSERT_EQ((q * y) / y, q);
    }
  }
}

TEST(ArithU256, Shifts) {
  const ArithU256 max = ~ArithU256(0);
  for (unsigned int n = 0; n < 256; ++n) {
    ASSERT_EQ((max << n) >> n, max >> n);
    ASSERT_EQ((max >> n) << n, ~(Pow2(n) - 1));
    ASSERT_EQ((ArithU256(1) << n) >> n, ArithU256(1));
    ASSERT_EQ(Pow2(255) >> n, Pow2(255 - n));
  }
  EXPECT_EQ(max << 256, ArithU256(0));
  EXPECT_EQ(max >> 256, ArithU256(0));
  EXPECT_EQ(max << 1000, ArithU256(0));
  EXPECT_EQ(max >> 4000000000u, ArithU256(0));
  std::mt19937_64 rng(6);
  for (int i = 0; i < 2000; ++i) {
    const U128 a = (static_cast<U128>(rng()) << 64) | rng();
    const unsigned int n = static_cast<unsigned int>(rng() % 128);
    ASSERT_EQ(FromU128(a) >> n, FromU128(a >> n));
    ASSERT_EQ(FromU128(a) << n, FromU128(a) * (n < 64 ? ArithU256(1ull << n) : Pow2(n)));
    ASSERT_EQ((FromU128(a) << n) >> n, FromU128(a));  // a < 2^128, n < 128: no bits lost
    const ArithU256 x = RandomU256(rng);
    const unsigned int m = static_cast<unsigned int>(rng() % 300);
    ASSERT_EQ(x >> m, m >= 256 ? ArithU256(0) : x / Pow2(m));
  }
}

TEST(ArithU256, Complement) {
  EXPECT_EQ(~ArithU256(0) + 1, ArithU256(0));
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const ArithU256 x = RandomU256(rng);
    ASSERT_EQ(~~x, x);
    ASSERT_EQ(x + ~x, ~ArithU256(0));
  }
}

// Every compact size that decodes to something other than a plain overflow, and mantissas
// sampled densely (plus every boundary), with and without the sign bit. Each decoded value
// is checked against a hex string built from the digits, and encoding is checked to be the
// canonical inverse of decoding.
TEST(ArithU256, CompactRoundTripExhaustiveSample) {
  std::vector<uint32_t> mantissas = {0x0,     0x1,      0x7f,     0x80,    0xff,
                                     0x100,   0x7fff,   0x8000,   0xffff,  0x10000,
                                     0x12345, 0x7fffff, 0x800000, 0x7ffffe};
  for (uint32_t m = 0; m <= 0x7fffff; m += 997) mantissas.push_back(m);
  int checked = 0;
  int canonical = 0;
  for (uint32_t size = 0; size <= 36; ++size) {
    for (uint32_t m : mantissas) {
      for (uint32_t sign : {0u, 0x00800000u}) {
        const uint32_t bits = (size << 24) | sign | (m & 0x7fffff);
        const uint32_t word = size <= 3 ? (m & 0x7fffff) >> (8 * (3 - size)) : (m & 0x7fffff);
        bool negative = false;
        bool overflow = false;
        ArithU256 v;
        v.SetCompact(bits, &negative, &overflow);
        // Independent value: the mantissa's digits followed by 2 * (size - 3) zeros.
        char digits[16];
        std::snprintf(digits, sizeof(digits), "%x", word);
        std::string hex = digits;
        if (size > 3 && word != 0) hex += std::string(2 * (size - 3), '0');
        const bool true_overflow = hex.size() > 64 && word != 0;
        ASSERT_EQ(overflow, true_overflow) << BitsHex(bits);
        ASSERT_EQ(negative, sign != 0 && word != 0) << BitsHex(bits);
        if (true_overflow) {
          ASSERT_FALSE(TargetFromBits(bits).has_value());
          continue;
        }
        ASSERT_EQ(v, *ArithU256::FromHex(hex)) << BitsHex(bits);

        // Encoding: no sign bit, re-decodes to the same value, and is a fixed point.
        const uint32_t c = v.GetCompact();
        ASSERT_EQ(c & 0x00800000u, 0u) << BitsHex(bits);
        ArithU256 back;
        bool back_negative = true;
        bool back_overflow = true;
        back.SetCompact(c, &back_negative, &back_overflow);
        ASSERT_EQ(back, v) << BitsHex(bits);
        ASSERT_FALSE(back_negative);
        ASSERT_FALSE(back_overflow);
        ASSERT_EQ(back.GetCompact(), c);
        // With the sign requested, only the sign bit changes (and only for non-zero).
        ASSERT_EQ(v.GetCompact(true), v.IsZero() ? c : (c | 0x00800000u));
        // Canonical nBits (what GetCompact produces) round-trip exactly.
        const uint32_t mant = m & 0x7fffff;
        if (sign == 0 && size >= 3 && mant >= 0x8000) {
          ASSERT_EQ(c, bits);
          ++canonical;
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 400000);
  EXPECT_GT(canonical, 200000);
}

// GetCompact rounds down to a 3-byte mantissa: the decoded value never exceeds the input
// and keeps at least its top 16 significant bits (values below 2^16 stay exact).
TEST(ArithU256, GetCompactRoundsDown) {
  std::mt19937_64 rng(8);
  for (int i = 0; i < 5000; ++i) {
    ArithU256 v = RandomU256(rng);
    if (v.bits() > 255) v >>= 1;  // the largest compact value is below 2^255 * 2 anyway
    ArithU256 back;
    bool overflow = false;
    back.SetCompact(v.GetCompact(), nullptr, &overflow);
    ASSERT_FALSE(overflow);
    ASSERT_LE(back, v);
    if (v.bits() > 16) {
      const unsigned int drop = static_cast<unsigned int>(v.bits() - 16);
      ASSERT_EQ(back >> drop, v >> drop) << v.ToHex();
    } else {
      ASSERT_EQ(back, v);
    }
  }
}

}  // namespace
}  // namespace waybill::chain
