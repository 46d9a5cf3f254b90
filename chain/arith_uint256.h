// Unsigned 256-bit integer arithmetic for proof-of-work targets and chain work, and the
// compact "nBits" target encoding (bit-exact with Bitcoin Core's arith_uint256).
//
// A value is an integer modulo 2^256: +, -, * wrap. Nothing throws and nothing aborts; the
// one undefined mathematical case, division by zero, has a documented result.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chain/types.h"

namespace waybill::chain {

class ArithU256 {
 public:
  constexpr ArithU256() = default;
  // Implicit on purpose: the type stands for a number, so `target + 1` and `work == 0` read
  // naturally.
  constexpr ArithU256(uint64_t v) : limbs_{v, 0, 0, 0} {}  // NOLINT(runtime/explicit)

  // Waybill compares a block id with a target as a big-endian integer: bytes[0] is the most
  // significant byte.
  static ArithU256 FromBigEndian(const Hash256& h);
  Hash256 ToBigEndian() const;

  // 64 lowercase hex digits, most significant first (the form of Bitcoin Core's GetHex()).
  std::string ToHex() const;
  // Accepts 1 to 64 hex digits (either case), with an optional "0x" prefix, most
  // significant first. nullopt on anything else.
  static std::optional<ArithU256> FromHex(std::string_view hex);

  uint64_t low64() const { return limbs_[0]; }
  bool IsZero() const { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  // Position of the highest set bit plus one; 0 for zero.
  int bits() const;

  // Decodes a compact target exactly as Bitcoin Core: size = compact >> 24, mantissa =
  // compact & 0x007fffff, value = mantissa * 256^(size - 3) (mantissa bytes dropped when
  // size < 3), truncated to 256 bits. *negative is set when the 0x00800000 sign bit is set
  // and the (shifted) mantissa is non-zero; *overflow when the true value is >= 2^256.
  // Either flag pointer may be null.
  ArithU256& SetCompact(uint32_t compact, bool* negative = nullptr, bool* overflow = nullptr);
  // Encodes as a compact value with a 3-byte mantissa, rounding down. The encoder never
  // uses the sign bit for magnitude (0x80 encodes as 0x02008000); the sign bit is set only
  // when `negative` is true and the mantissa is non-zero.
  uint32_t GetCompact(bool negative = false) const;

  ArithU256& operator+=(const ArithU256& b);
  ArithU256& operator-=(const ArithU256& b);
  ArithU256& operator*=(uint64_t b);
  ArithU256& operator*=(const ArithU256& b);
  // Full 256/256 division, truncating. Division by zero gives 2^256 - 1 (all bits set),
  // the limit of the quotient; callers for whom that matters check the divisor first.
  ArithU256& operator/=(const ArithU256& b);
  // Shifts of 256 or more give zero.
  ArithU256& operator<<=(unsigned int shift);
  ArithU256& operator>>=(unsigned int shift);

  ArithU256 operator~() const;

  friend ArithU256 operator+(ArithU256 a, const ArithU256& b) { return a += b; }
  friend ArithU256 operator-(ArithU256 a, const ArithU256& b) { return a -= b; }
  friend ArithU256 operator*(ArithU256 a, uint64_t b) { return a *= b; }
  friend ArithU256 operator*(ArithU256 a, const ArithU256& b) { return a *= b; }
  friend ArithU256 operator/(ArithU256 a, const ArithU256& b) { return a /= b; }
  friend ArithU256 operator<<(ArithU256 a, unsigned int shift) { return a <<= shift; }
  friend ArithU256 operator>>(ArithU256 a, unsigned int shift) { return a >>= shift; }

  friend std::strong_ordering operator<=>(const ArithU256& a, const ArithU256& b);
  friend bool operator==(const ArithU256& a, const ArithU256& b) = default;

 private:
  // Little-endian limbs: limbs_[0] holds bits 0..63.
  std::array<uint64_t, 4> limbs_{};
};

// The proof-of-work target of a compact value; nullopt if it is negative, zero or overflows
// 256 bits. The caller still compares the target with the network's pow limit.
std::optional<ArithU256> TargetFromBits(uint32_t bits);

// The expected number of hashes to meet `target`: floor(2^256 / (target + 1)). A chain's
// work is the sum over its blocks. For target 0, which no valid nBits decodes to, the true
// value 2^256 does not fit and the result saturates to 2^256 - 1.
ArithU256 BlockWork(const ArithU256& target);

}  // namespace waybill::chain
