// Coin amounts and asset quantities as people write and read them on the command line.
//
// Coins: "1.5" or "1.5WBL" is 1.5 coins (chain::kCoin = 10^8 base units, at most 8 decimals);
// "150000000base" is base units. Nothing else is accepted, so an amount is never ambiguous.
// Shown as "1,200.25 WBL": trailing zeros of the fraction trimmed, the integer part grouped
// by thousands with ','.
//
// Asset quantities of the `asset` verbs: an amount in the unit ("1200", "0.25"), converted
// with the unit's decimal scale on the network (chain/quantity.h), never a count of smallest
// steps. Shown as "1,200 kg" / "0.25 kg".
//
// The Parse functions return Invalid with a message that names the value (`what`) and the
// accepted forms; the CLI turns it into a CliError.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "chain/amount.h"
#include "chain/status.h"

namespace waybill::cli {

inline constexpr std::string_view kCoinSymbol = "WBL";

// A coin amount: "1.5", "1.5WBL" (coins, at most 8 decimals) or "150000000base" (base units).
// Invalid when empty, malformed, with more than 8 decimals, or above chain::kMaxAmount.
// Zero is accepted (the caller decides whether it may be zero).
chain::Result<chain::Amount> ParseCoinAmount(std::string_view text, std::string_view what);

// "1,200.25 WBL"; FormatCoins(0) = "0 WBL", FormatCoins(1) = "0.00000001 WBL".
std::string FormatCoins(chain::Amount amount);

// digits (only '0'..'9') grouped by thousands: "1200000" -> "1,200,000".
std::string GroupThousands(std::string_view digits);

// A decimal string for people: trailing zeros of the fraction (and a bare '.') trimmed, the
// integer part grouped by thousands: "1200.250" -> "1,200.25", "7.000" -> "7".
std::string FormatDecimal(std::string_view decimal);

// Unix seconds as "YYYY-MM-DD HH:MM:SS UTC" (the number itself if the date cannot be shown).
std::string FormatDate(int64_t unix_seconds);

// An amount in a unit of this decimal scale: "1200" at scale 3 is 1200000, "0.25" is 250.
// Invalid when malformed, zero, with more decimals than the scale (naming the unit and its
// scale), or above 2^64 - 1.
chain::Result<chain::Quantity> ParseUnitAmount(std::string_view text, uint8_t scale,
                                               std::string_view unit, std::string_view what);

// "1,200 kg", "0.25 kg" (trailing fraction zeros trimmed). REQUIRES: scale <= 9.
std::string FormatUnitAmount(chain::Quantity quantity, uint8_t scale, std::string_view unit);

}  // namespace waybill::cli
