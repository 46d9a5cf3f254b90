#include "node/cli/amount.h"

#include <ctime>

#include "chain/quantity.h"

namespace waybill::cli {
namespace {

constexpr uint8_t kCoinDecimals = 8;

chain::Status BadCoinAmount(std::string_view text, std::string_view what,
                            std::string_view detail) {
  return chain::Status::Invalid(std::string(what) + ": '" + std::string(text) + "' " +
                                std::string(detail) +
                                " (write coins as 1.5 or 1.5WBL, at most 8 decimals, or base "
                                "units as 150000000base)");
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

chain::Result<chain::Amount> ParseCoinAmount(std::string_view text, std::string_view what) {
  if (EndsWith(text, "base")) {
    std::string_view digits = text.substr(0, text.size() - 4);
    if (!AllDigits(digits)) return BadCoinAmount(text, what, "is not an amount");
    auto units = chain::ParseScaled(digits, 0);
    if (!units.ok() || *units > chain::kMaxAmount) {
      return BadCoinAmount(text, what, "is too large");
    }
    return *units;
  }
  std::string_view number = text;
  if (EndsWith(number, kCoinSymbol)) number.remove_suffix(kCoinSymbol.size());
  const size_t dot = number.find('.');
  const std::string_view int_part = number.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : number.substr(dot + 1);
  if (!AllDigits(int_part) || (dot != std::string_view::npos && !AllDigits(frac))) {
    return BadCoinAmount(text, what, "is not an amount");
  }
  if (frac.size() > kCoinDecimals) {
    return BadCoinAmount(text, what,
                         "has " + std::to_string(frac.size()) + " decimals, more than 8");
  }
  auto units = chain::ParseScaled(number, kCoinDecimals);
  if (!units.ok() || *units > chain::kMaxAmount) return BadCoinAmount(text, what, "is too large");
  return *units;
}

std::string GroupThousands(std::string_view digits) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatDecimal(std::string_view decimal) {
  const size_t dot = decimal.find('.');
  std::string_view int_part = decimal.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : decimal.substr(dot + 1);
  while (!frac.empty() && frac.back() == '0') frac.remove_suffix(1);
  std::string out = int_part.empty() ? "0" : GroupThousands(int_part);
  if (!frac.empty()) out += "." + std::string(frac);
  return out;
}

std::string FormatDate(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  char buf[32];
  if (gmtime_r(&t, &tm) == nullptr ||
      std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0) {
    return std::to_string(unix_seconds);
  }
  return buf;
}

std::string FormatCoins(chain::Amount amount) {
  return FormatDecimal(chain::FormatScaled(amount, kCoinDecimals)) + " " +
         std::string(kCoinSymbol);
}

chain::Result<chain::Quantity> ParseUnitAmount(std::string_view text, uint8_t scale,
                                               std::string_view unit, std::string_view what) {
  auto q = chain::ParseScaled(text, scale);
  if (!q.ok()) {
    return chain::Status::Invalid(std::string(what) + " '" + std::string(text) + "': " +
                                  q.status().reason() + " (an amount in " + std::string(unit) +
                                  ", which has " + std::to_string(scale) +
                                  " decimals on this network)");
  }
  if (*q == 0) return chain::Status::Invalid(std::string(what) + " must be positive");
  return *q;
}

std::string FormatUnitAmount(chain::Quantity quantity, uint8_t scale, std::string_view unit) {
  return FormatDecimal(chain::FormatScaled(quantity, scale)) + " " + std::string(unit);
}

}  // namespace waybill::cli
