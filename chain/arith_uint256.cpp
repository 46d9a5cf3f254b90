#include "chain/arith_uint256.h"

#include <bit>

namespace waybill::chain {
namespace {

__extension__ typedef unsigned __int128 U128;

}  // namespace

ArithU256 ArithU256::FromBigEndian(const Hash256& h) {
  ArithU256 r;
  for (int limb = 0; limb < 4; ++limb) {
    uint64_t v = 0;
    // Limb 3 (most significant) comes from bytes[0..7].
    const int base = (3 - limb) * 8;
    for (int i = 0; i < 8; ++i) v = (v << 8) | h.bytes[base + i];
    r.limbs_[limb] = v;
  }
  return r;
}

Hash256 ArithU256::ToBigEndian() const {
  Hash256 h;
  for (int limb = 0; limb < 4; ++limb) {
    const int base = (3 - limb) * 8;
    uint64_t v = limbs_[limb];
    for (int i = 7; i >= 0; --i) {
      h.bytes[base + i] = static_cast<uint8_t>(v);
      v >>= 8;
    }
  }
  return h;
}

std::string ArithU256::ToHex() const { return HexEncode(ToBigEndian().span()); }

std::optional<ArithU256> ArithU256::FromHex(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.empty() || hex.size() > 64) return std::nullopt;
  ArithU256 r;
  for (char c : hex) {
    const int d = HexDigitValue(c);
    if (d < 0) return std::nullopt;
    r <<= 4;
    r.limbs_[0] |= static_cast<uint64_t>(d);
  }
  return r;
}

int ArithU256::bits() const {
  for (int i = 3; i >= 0; --i) {
    if (limbs_[i] != 0) return i * 64 + static_cast<int>(std::bit_width(limbs_[i]));
  }
  return 0;
}

ArithU256& ArithU256::SetCompact(uint32_t compact, bool* negative, bool* overflow) {
  const int size = static_cast<int>(compact >> 24);
  uint32_t word = compact & 0x007fffff;
  if (size <= 3) {
    word >>= 8 * (3 - size);
    *this = word;
  } else {
    *this = word;
    *this <<= static_cast<unsigned int>(8 * (size - 3));
  }
  if (negative != nullptr) *negative = word != 0 && (compact & 0x00800000) != 0;
  if (overflow != nullptr) {
    *overflow =
        word != 0 && ((size > 34) || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
  }
  return *this;
}

uint32_t ArithU256::GetCompact(bool negative) const {
  int size = (bits() + 7) / 8;
  uint32_t compact = 0;
  if (size <= 3) {
    compact = static_cast<uint32_t>(low64() << (8 * (3 - size)));
  } else {
    compact = static_cast<uint32_t>((*this >> static_cast<unsigned int>(8 * (size - 3))).low64());
  }
  // 0x00800000 is the sign bit: a mantissa that would set it moves one byte right.
  if (compact & 0x00800000) {
    compact >>= 8;
    ++size;
  }
  // size <= 33 and compact <= 0x7fffff here, so the fields do not overlap.
  compact |= static_cast<uint32_t>(size) << 24;
  if (negative && (compact & 0x007fffff) != 0) compact |= 0x00800000;
  return compact;
}

ArithU256& ArithU256::operator+=(const ArithU256& b) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    const U128 sum = static_cast<U128>(limbs_[i]) + b.limbs_[i] + carry;
    limbs_[i] = static_cast<uint64_t>(sum);
    carry = static_cast<uint64_t>(sum >> 64);
  }
  return *this;
}

ArithU256& ArithU256::operator-=(const ArithU256& b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    const uint64_t a = limbs_[i];
    const uint64_t d = a - b.limbs_[i] - borrow;
    borrow = (a < b.limbs_[i] || (a == b.limbs_[i] && borrow)) ? 1 : 0;
    limbs_[i] = d;
  }
  return *this;
}

ArithU256& ArithU256::operator*=(uint64_t b) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    const U128 p = static_cast<U128>(limbs_[i]) * b + carry;
    limbs_[i] = static_cast<uint64_t>(p);
    carry = static_cast<uint64_t>(p >> 64);
  }
  return *this;
}

ArithU256& ArithU256::operator*=(const ArithU256& b) {
  std::array<uint64_t, 4> r{};
  for (int j = 0; j < 4; ++j) {
    uint64_t carry = 0;
    for (int i = 0; i + j < 4; ++i) {
      const U128 p = static_cast<U128>(limbs_[j]) * b.limbs_[i] + r[i + j] + carry;
      r[i + j] = static_cast<uint64_t>(p);
      carry = static_cast<uint64_t>(p >> 64);
    }
  }
  limbs_ = r;
  return *this;
}

ArithU256& ArithU256::operator/=(const ArithU256& b) {
  if (b.IsZero()) {
    limbs_.fill(~uint64_t{0});
    return *this;
  }
  ArithU256 num = *this;
  ArithU256 div = b;
  *this = 0;
  const int num_bits = num.bits();
  const int div_bits = div.bits();
  if (div_bits > num_bits) return *this;
  if (num_bits <= 64) {
    limbs_[0] = num.limbs_[0] / div.limbs_[0];
    return *this;
  }
  // Shift-and-subtract long division, one quotient bit per step.
  int shift = num_bits - div_bits;
  div <<= static_cast<unsigned int>(shift);
  while (shift >= 0) {
    if (num >= div) {
      num -= div;
      limbs_[shift / 64] |= uint64_t{1} << (shift % 64);
    }
    div >>= 1;
    --shift;
  }
  return *this;
}

ArithU256& ArithU256::operator<<=(unsigned int shift) {
  if (shift >= 256) {
    limbs_.fill(0);
    return *this;
  }
  const int k = static_cast<int>(shift / 64);
  const unsigned int s = shift % 64;
  std::array<uint64_t, 4> r{};
  for (int i = 3; i >= k; --i) {
    r[i] = limbs_[i - k] << s;
    if (s != 0 && i - k >= 1) r[i] |= limbs_[i - k - 1] >> (64 - s);
  }
  limbs_ = r;
  return *this;
}

ArithU256& ArithU256::operator>>=(unsigned int shift) {
  if (shift >= 256) {
    limbs_.fill(0);
    return *this;
  }
  const int k = static_cast<int>(shift / 64);
  const unsigned int s = shift % 64;
  std::array<uint64_t, 4> r{};
  for (int i = 0; i + k < 4; ++i) {
    r[i] = limbs_[i + k] >> s;
    if (s != 0 && i + k + 1 < 4) r[i] |= limbs_[i + k + 1] << (64 - s);
  }
  limbs_ = r;
  return *this;
}

ArithU256 ArithU256::operator~() const {
  ArithU256 r;
  for (int i = 0; i < 4; ++i) r.limbs_[i] = ~limbs_[i];
  return r;
}

std::strong_ordering operator<=>(const ArithU256& a, const ArithU256& b) {
  for (int i = 3; i >= 0; --i) {
    if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] <=> b.limbs_[i];
  }
  return std::strong_ordering::equal;
}

std::optional<ArithU256> TargetFromBits(uint32_t bits) {
  bool negative = false;
  bool overflow = false;
  ArithU256 target;
  target.SetCompact(bits, &negative, &overflow);
  if (negative || overflow || target.IsZero()) return std::nullopt;
  return target;
}

ArithU256 BlockWork(const ArithU256& target) {
  // 2^256 / (target + 1) does not fit in 256 bits, but it equals
  // (2^256 - target - 1) / (target + 1) + 1, and 2^256 - target - 1 = ~target.
  const ArithU256 max = ~ArithU256(0);
  if (target.IsZero()) return max;
  if (target == max) return 1;  // target + 1 wraps to zero; 2^256 / 2^256 = 1
  return (~target / (target + 1)) + 1;
}

}  // namespace waybill::chain
