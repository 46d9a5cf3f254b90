// Coin amounts and asset quantities as the CLI reads and prints them (node/cli/amount.h).
#include <gtest/gtest.h>

#include "node/cli/amount.h"

namespace waybill::cli {
namespace {

chain::Amount Coins(std::string_view text) {
  auto a = ParseCoinAmount(text, "--amount");
  EXPECT_TRUE(a.ok()) << text << ": " << a.status().reason();
  return a.ok() ? *a : 0;
}

std::string CoinError(std::string_view text) {
  auto a = ParseCoinAmount(text, "--amount");
  EXPECT_FALSE(a.ok()) << text << " was accepted as " << (a.ok() ? *a : 0);
  return a.ok() ? "" : a.status().reason();
}

TEST(CliAmount, CoinsWithAndWithoutSymbol) {
  EXPECT_EQ(Coins("1.5"), 150'000'000u);
  EXPECT_EQ(Coins("1.5WBL"), 150'000'000u);
  EXPECT_EQ(Coins("2"), 200'000'000u);
  EXPECT_EQ(Coins("0.00000001"), 1u);
  EXPECT_EQ(Coins("0"), 0u);
  EXPECT_EQ(Coins("1200.25WBL"), 120'025'000'000u);
}

TEST(CliAmount, BaseUnitsNeedTheSuffix) {
  EXPECT_EQ(Coins("150000000base"), 150'000'000u);
  EXPECT_EQ(Coins("1base"), 1u);
  EXPECT_EQ(Coins("9223372036854775807base"), chain::kMaxAmount);
}

TEST(CliAmount, RefusedFormsNameBothWays) {
  for (std::string_view bad : {"", "1.", ".5", "1.5 WBL", "-1", "1e8", "1.5base", "base", "WBL",
                               "1,000", "1.5wbl", "0x10"}) {
    const std::string reason = CoinError(bad);
    EXPECT_NE(reason.find("1.5WBL"), std::string::npos) << reason;
    EXPECT_NE(reason.find("150000000base"), std::string::npos) << reason;
  }
  EXPECT_NE(CoinError("0.000000001").find("9 decimals"), std::string::npos);
  CoinError("9223372036854775808base");    // above kMaxAmount
  CoinError("92233720368.54775808");       // above kMaxAmount in coins
  CoinError("99999999999999999999999base");  // past u64
}

TEST(CliAmount, FormatCoins) {
  EXPECT_EQ(FormatCoins(0), "0 WBL");
  EXPECT_EQ(FormatCoins(1), "0.00000001 WBL");
  EXPECT_EQ(FormatCoins(150'000'000), "1.5 WBL");
  EXPECT_EQ(FormatCoins(100'000'000), "1 WBL");
  EXPECT_EQ(FormatCoins(120'025'000'000), "1,200.25 WBL");
  EXPECT_EQ(FormatCoins(123'456'789'000'000'000), "1,234,567,890 WBL");
  EXPECT_EQ(FormatCoins(chain::kMaxAmount), "92,233,720,368.54775807 WBL");
}

TEST(CliAmount, GroupThousands) {
  EXPECT_EQ(GroupThousands(""), "");
  EXPECT_EQ(GroupThousands("1"), "1");
  EXPECT_EQ(GroupThousands("999"), "999");
  EXPECT_EQ(GroupThousands("1000"), "1,000");
  EXPECT_EQ(GroupThousands("123456"), "123,456");
  EXPECT_EQ(GroupThousands("1234567"), "1,234,567");
}

TEST(CliAmount, UnitAmounts) {
  auto q = ParseUnitAmount("1200", 3, "kg", "--quantity");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 1'200'000u);
  q = ParseUnitAmount("0.25", 3, "kg", "--quantity");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 250u);
  q = ParseUnitAmount("7", 0, "pcs", "--quantity");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 7u);
  q = ParseUnitAmount("0.2501", 3, "kg", "--quantity");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().reason().find("kg"), std::string::npos) << q.status().reason();
  EXPECT_FALSE(ParseUnitAmount("0", 3, "kg", "--quantity").ok());
  EXPECT_FALSE(ParseUnitAmount("0.000", 3, "kg", "--quantity").ok());
  EXPECT_FALSE(ParseUnitAmount("1.5", 0, "pcs", "--quantity").ok());
  EXPECT_FALSE(ParseUnitAmount("abc", 3, "kg", "--quantity").ok());
}

TEST(CliAmount, FormatUnitAmounts) {
  EXPECT_EQ(FormatUnitAmount(1'200'000, 3, "kg"), "1,200 kg");
  EXPECT_EQ(FormatUnitAmount(250, 3, "kg"), "0.25 kg");
  EXPECT_EQ(FormatUnitAmount(1'200'250, 3, "kg"), "1,200.25 kg");
  EXPECT_EQ(FormatUnitAmount(7, 0, "pcs"), "7 pcs");
  EXPECT_EQ(FormatUnitAmount(12345, 0, "pcs"), "12,345 pcs");
}

TEST(CliAmount, FormatDecimalAndDate) {
  EXPECT_EQ(FormatDecimal("1200.250"), "1,200.25");
  EXPECT_EQ(FormatDecimal("7.000"), "7");
  EXPECT_EQ(FormatDecimal("0.25"), "0.25");
  EXPECT_EQ(FormatDecimal("1234567"), "1,234,567");
  EXPECT_EQ(FormatDecimal("123"), "123");
  EXPECT_EQ(FormatDecimal(".5"), "0.5");
  EXPECT_EQ(FormatDate(0), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(FormatDate(1700000000), "2023-11-14 22:13:20 UTC");
}

}  // namespace
}  // namespace waybill::cli
