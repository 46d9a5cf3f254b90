#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "chain/quantity.h"

namespace waybill::chain {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

TEST(Quantity, FormatScaled) {
  EXPECT_EQ(FormatScaled(250, 3), "0.250");
  EXPECT_EQ(FormatScaled(1800000, 3), "1800.000");
  EXPECT_EQ(FormatScaled(7, 0), "7");
  EXPECT_EQ(FormatScaled(0, 0), "0");
  EXPECT_EQ(FormatScaled(0, 2), "0.00");
  EXPECT_EQ(FormatScaled(5, 9), "0.000000005");
  EXPECT_EQ(FormatScaled(1234567890, 9), "1.234567890");
  EXPECT_EQ(FormatScaled(kMax, 9), "18446744073.709551615");
  EXPECT_EQ(FormatScaled(kMax, 0), "18446744073709551615");
}

TEST(Quantity, ParseScaled) {
  EXPECT_EQ(*ParseScaled("0.25", 3), 250u);
  EXPECT_EQ(*ParseScaled("0.250", 3), 250u);
  EXPECT_EQ(*ParseScaled("12", 3), 12000u);
  EXPECT_EQ(*ParseScaled("12", 0), 12u);
  EXPECT_EQ(*ParseScaled("007.5", 1), 75u);
  EXPECT_EQ(*ParseScaled("18446744073.709551615", 9), kMax);
  EXPECT_EQ(*ParseScaled("18446744073709551615", 0), kMax);
  // Every formatted quantity parses back.
  for (uint64_t q : {uint64_t{0}, uint64_t{1}, uint64_t{999}, uint64_t{1000}, kMax}) {
    for (uint8_t scale = 0; scale <= kMaxUnitScale; ++scale) {
      EXPECT_EQ(*ParseScaled(FormatScaled(q, scale), scale), q) << q << " " << int{scale};
    }
  }
}

TEST(Quantity, ParseScaledRefuses) {
  auto reason = [](std::string_view text, uint8_t scale) {
    auto r = ParseScaled(text, scale);
    return r.ok() ? std::string("ok") : r.status().reason();
  };
  // More decimals than the scale: the message names the scale.
  EXPECT_NE(reason("0.2501", 3).find("scale allows 3"), std::string::npos);
  EXPECT_NE(reason("0.5", 0).find("scale allows 0"), std::string::npos);
  for (std::string_view bad :
       {"", ".", ".5", "5.", "1.2.3", "-1", "+1", "1e3", " 1", "1,5", "0x1"}) {
    EXPECT_NE(reason(bad, 3).find("not a decimal number"), std::string::npos) << bad;
  }
  // One step past 2^64 - 1, at each place the overflow can happen.
  EXPECT_NE(reason("18446744073709551616", 0).find("too large"), std::string::npos);
  EXPECT_NE(reason("18446744073.709551616", 9).find("too large"), std::string::npos);
  EXPECT_NE(reason("18446744074", 9).find("too large"), std::string::npos);
  EXPECT_NE(reason("99999999999999999999999", 0).find("too large"), std::string::npos);
}

TEST(Quantity, ScaleOf) {
  const UnitScales units = {{"kg", 3}, {"pcs", 0}, {"t", 3}};
  EXPECT_EQ(ScaleOf(units, "kg"), 3);
  EXPECT_EQ(ScaleOf(units, "pcs"), 0);
  EXPECT_EQ(ScaleOf(units, "g"), 0);  // absent: 0
  EXPECT_EQ(ScaleOf(units, "KG"), 0);
}

TEST(Quantity, YieldBoundaries) {
  // 1,000 kg in (scale 3), 830 kg out: 830,000 ppm.
  EXPECT_EQ(*YieldPpm(1'000'000, 3, 830'000, 3), 830'000u);
  // Exactly min and exactly max pass; one step outside fails.
  EXPECT_TRUE(YieldWithin(1'000'000, 3, 500'000, 3, 500'000, 1'000'000));
  EXPECT_FALSE(YieldWithin(1'000'000, 3, 499'999, 3, 500'000, 1'000'000));
  EXPECT_TRUE(YieldWithin(1'000'000, 3, 1'000'000, 3, 500'000, 1'000'000));
  EXPECT_FALSE(YieldWithin(1'000'000, 3, 1'000'001, 3, 500'000, 1'000'000));
  // Scales differ: 2 l (scale 3: 2000) into 8 pcs (scale 0) is 4 pcs a litre, 4,000,000 ppm.
  EXPECT_EQ(*YieldPpm(2000, 3, 8, 0), 4'000'000u);
  EXPECT_TRUE(YieldWithin(2000, 3, 8, 0, 4'000'000, 4'000'000));
  EXPECT_FALSE(YieldWithin(2000, 3, 7, 0, 4'000'000, 4'000'000));
  EXPECT_FALSE(YieldWithin(2000, 3, 9, 0, 4'000'000, 4'000'000));
  EXPECT_FALSE(YieldWithin(2001, 3, 8, 0, 4'000'000, 4'000'000));
  EXPECT_TRUE(YieldWithin(2001, 3, 8, 0, 3'998'000, 4'000'000));  // 3,998,000.9 ppm
  // min = max = 0 admits only an output of 0; any output passes max = 2^32 - 1 up to 4294x.
  EXPECT_FALSE(YieldWithin(1, 0, 1, 0, 0, 0));
  EXPECT_TRUE(YieldWithin(1, 0, 4294, 0, 0, UINT32_MAX));
  EXPECT_FALSE(YieldWithin(1, 0, 4295, 0, 0, UINT32_MAX));
}

TEST(Quantity, YieldBigQuantitiesDoNotOverflow) {
  // 16 inputs of 2^64 - 1 at scale 9 against a max ppm of 2^32 - 1: products of ~130 bits.
  const unsigned __int128 in = static_cast<unsigned __int128>(kMax) * 16;
  EXPECT_TRUE(YieldWithin(in, 9, in, 9, 1'000'000, 1'000'000));
  EXPECT_TRUE(YieldWithin(in, 9, in, 9, 0, UINT32_MAX));
  EXPECT_FALSE(YieldWithin(in, 9, in - 1, 9, 1'000'000, UINT32_MAX));
  EXPECT_FALSE(YieldWithin(in, 0, in, 9, 1, UINT32_MAX));  // out is 10^-9 of in: below 1 ppm
  EXPECT_EQ(*YieldPpm(in, 9, in, 9), 1'000'000u);
  EXPECT_EQ(*YieldPpm(in, 0, 1, 0), 0u);
  EXPECT_FALSE(YieldPpm(0, 0, 1, 0).has_value());
  EXPECT_FALSE(YieldPpm(1, 9, in, 0).has_value());  // past 2^64 - 1 ppm
}

}  // namespace
}  // namespace waybill::chain

namespace waybill::chain {
namespace {

TEST(Quantity, TransformYieldOfOneUnitEachSide) {
  const UnitScales units = {{"kg", 3}, {"l", 3}};
  UnitSum in, out;
  in.Add(600'000, "kg");
  in.Add(400'000, "kg");
  out.Add(830'000, "kg");
  EXPECT_TRUE(in.single() && out.single());
  EXPECT_EQ(in.total, 1'000'000u);
  EXPECT_EQ(*TransformYieldPpm(in, out, units), 830'000u);
  // Scales come from the table: 1 t (scale 0, absent) into 800 l (scale 3: 800,000).
  UnitSum t, l;
  t.Add(1, "t");
  l.Add(800'000, "l");
  EXPECT_EQ(*TransformYieldPpm(t, l, units), 800'000'000u);
  // Mixed units on either side, or nothing: no yield.
  UnitSum mixed = out;
  mixed.Add(1, "g");
  EXPECT_FALSE(mixed.single());
  EXPECT_FALSE(TransformYieldPpm(in, mixed, units).has_value());
  EXPECT_FALSE(TransformYieldPpm(mixed, out, units).has_value());
  EXPECT_FALSE(TransformYieldPpm(UnitSum{}, out, units).has_value());
}

}  // namespace
}  // namespace waybill::chain
