#include "chain/quantity.h"

#include <limits>

#include "chain/arith_uint256.h"

namespace waybill::chain {
namespace {

constexpr uint64_t kPpm = 1'000'000;

uint64_t Pow10(uint8_t n) {
  uint64_t v = 1;
  for (uint8_t i = 0; i < n; ++i) v *= 10;
  return v;
}

ArithU256 Wide(unsigned __int128 v) {
  ArithU256 out(static_cast<uint64_t>(v >> 64));
  out <<= 64;
  return out + ArithU256(static_cast<uint64_t>(v));
}

}  // namespace

uint8_t ScaleOf(const UnitScales& units, std::string_view unit) {
  auto it = units.find(unit);
  return it == units.end() ? 0 : it->second;
}

std::string FormatScaled(Quantity q, uint8_t scale) {
  std::string digits = std::to_string(q);
  if (scale == 0) return digits;
  if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
  digits.insert(digits.size() - scale, 1, '.');
  return digits;
}

Result<Quantity> ParseScaled(std::string_view text, uint8_t scale) {
  const std::string quoted = "'" + std::string(text.substr(0, 40)) + "'";
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (whole.empty() || !all_digits(whole) || !all_digits(frac) ||
      (dot != std::string_view::npos && frac.empty())) {
    return Status::Invalid(quoted + " is not a decimal number (digits, optionally '.' and digits)");
  }
  if (frac.size() > scale) {
    return Status::Invalid(quoted + " has " + std::to_string(frac.size()) +
                           " decimals; the unit's scale allows " + std::to_string(scale));
  }
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  std::optional<uint64_t> q = 0;
  auto push = [&q](char c) {
    if (q) q = CheckedMul(*q, 10, kMax);
    if (q) q = CheckedAdd(*q, static_cast<uint64_t>(c - '0'), kMax);
  };
  for (char c : whole) push(c);
  for (char c : frac) push(c);
  for (size_t i = frac.size(); i < scale; ++i) push('0');
  if (!q) return Status::Invalid(quoted + " is too large for a quantity");
  return *q;
}

std::optional<uint64_t> YieldPpm(unsigned __int128 in, uint8_t scale_in, unsigned __int128 out,
                                 uint8_t scale_out) {
  if (in == 0) return std::nullopt;
  const ArithU256 num = Wide(out) * kPpm * Pow10(scale_in);
  const ArithU256 den = Wide(in) * Pow10(scale_out);
  const ArithU256 ppm = num / den;
  if (ppm > ArithU256(std::numeric_limits<uint64_t>::max())) return std::nullopt;
  return ppm.low64();
}

bool YieldWithin(unsigned __int128 in, uint8_t scale_in, unsigned __int128 out, uint8_t scale_out,
                 uint32_t min_ppm, uint32_t max_ppm) {
  // Each product is below 2^68 * 2^32 * 2^30: 256 bits hold it exactly.
  const ArithU256 in_side = Wide(in) * Pow10(scale_out);
  const ArithU256 out_side = Wide(out) * kPpm * Pow10(scale_in);
  return in_side * min_ppm <= out_side && out_side <= in_side * max_ppm;
}

void UnitSum::Add(Quantity quantity, std::string_view item_unit) {
  if (count == 0) {
    unit = item_unit;
  } else if (unit != item_unit) {
    mixed = true;
  }
  total += quantity;
  ++count;
}

std::optional<uint64_t> TransformYieldPpm(const UnitSum& in, const UnitSum& out,
                                          const UnitScales& units) {
  if (!in.single() || !out.single()) return std::nullopt;
  return YieldPpm(in.total, ScaleOf(units, in.unit), out.total, ScaleOf(units, out.unit));
}

}  // namespace waybill::chain
