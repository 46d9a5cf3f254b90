// Amounts of the native coin and asset quantities: unsigned 64-bit integers in base units,
// with checked arithmetic. Never floating point, not even in JSON.
#pragma once

#include <cstdint>
#include <optional>

namespace waybill::chain {

using Amount = uint64_t;    // base units; 1 coin = kCoin units
using Quantity = uint64_t;  // asset quantity in the asset's unit

inline constexpr Amount kCoin = 100'000'000;
// No balance, supply or sum of amounts may exceed this (2^63 - 1), so every amount also
// fits a signed 64-bit integer in any client.
inline constexpr uint64_t kMaxAmount = 0x7fffffffffffffffULL;

[[nodiscard]] inline std::optional<uint64_t> CheckedAdd(uint64_t a, uint64_t b,
                                                        uint64_t max = kMaxAmount) {
  if (a > max || b > max - a) return std::nullopt;
  return a + b;
}
[[nodiscard]] inline std::optional<uint64_t> CheckedSub(uint64_t a, uint64_t b) {
  if (b > a) return std::nullopt;
  return a - b;
}
[[nodiscard]] inline std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b,
                                                        uint64_t max = kMaxAmount) {
  if (a != 0 && b > max / a) return std::nullopt;
  return a * b;
}

}  // namespace waybill::chain
