#include "consensus/pow.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

namespace waybill::consensus {
namespace {

using chain::ArithU256;

__extension__ typedef __int128 I128;

// The target an ASERT anchor stands for; pow_limit when its nBits are not a valid target at
// most pow_limit (excluded by CheckAsertParams).
ArithU256 AnchorTarget(const AsertParams& params, const AsertAnchor& anchor) {
  const std::optional<ArithU256> target = chain::TargetFromBits(anchor.bits);
  if (!target || *target > params.pow_limit) return params.pow_limit;
  return *target;
}

ArithU256 ClampTarget(const ArithU256& target, const ArithU256& pow_limit) {
  if (target.IsZero()) return 1;
  if (target > pow_limit) return pow_limit;
  return target;
}

// A 320-bit product a * m = high * 2^256 + low, with m < 2^64.
struct WideProduct {
  uint64_t high = 0;
  ArithU256 low;
};

WideProduct MulWide(const ArithU256& a, uint64_t m) {
  // Split a = top * 2^192 + rest: top * m < 2^128 and rest * m < 2^256, so neither
  // partial product overflows, and their aligned sum gives the bits above 2^256.
  const ArithU256 top = a >> 192;
  const ArithU256 rest = a - (top << 192);
  const ArithU256 upper = top * m + ((rest * m) >> 192);  // bits 192.. of a * m, < 2^129
  return WideProduct{(upper >> 64).low64(), a * m};
}

// floor(p * 2^shift), or nullopt when that is 2^256 or more.
std::optional<ArithU256> ShiftWide(const WideProduct& p, I128 shift) {
  if (shift >= 0) {
    if (p.high != 0) return std::nullopt;
    if (p.low.IsZero()) return ArithU256(0);
    if (p.low.bits() + shift > 256) return std::nullopt;
    return p.low << static_cast<unsigned int>(shift);
  }
  const I128 right = -shift;
  if (right >= 256 + 64) return ArithU256(0);
  if (right >= 256) return ArithU256(p.high >> static_cast<unsigned int>(right - 256));
  const unsigned int r = static_cast<unsigned int>(right);
  const ArithU256 high(p.high);
  // The high word lands at bit 256 - r; it must end below bit 256.
  if (p.high != 0 && high.bits() + (256 - static_cast<int>(r)) > 256) return std::nullopt;
  // The two parts occupy disjoint bits, so adding them is an OR.
  return (p.low >> r) + (high << (256 - r));
}

}  // namespace

bool CheckProofOfWork(const chain::Hash256& block_id, uint32_t bits, const ArithU256& pow_limit) {
  const std::optional<ArithU256> target = chain::TargetFromBits(bits);
  if (!target || *target > pow_limit) return false;
  return ArithU256::FromBigEndian(block_id) <= *target;
}

chain::Status CheckAsertParams(const AsertParams& params, const AsertAnchor& anchor) {
  if (params.target_spacing <= 0) return chain::Status::Invalid("target spacing must be > 0");
  if (params.half_life <= 0) return chain::Status::Invalid("ASERT half-life must be > 0");
  if (params.pow_limit.IsZero()) return chain::Status::Invalid("pow limit must be > 0");
  const std::optional<ArithU256> target = chain::TargetFromBits(anchor.bits);
  if (!target) return chain::Status::Invalid("anchor nBits is negative, zero or overflows");
  if (*target > params.pow_limit) {
    return chain::Status::Invalid("anchor target is above the pow limit");
  }
  return chain::Status::Ok();
}

uint32_t AsertNextBits(const AsertParams& params, const AsertAnchor& anchor, uint64_t eval_height,
                       int64_t eval_time) {
  const ArithU256 anchor_target = AnchorTarget(params, anchor);
  if (params.target_spacing <= 0 || params.half_life <= 0) {
    return ClampTarget(anchor_target, params.pow_limit).GetCompact();
  }

  // All in 128 bits. |time_delta| < 2^64 and |height_delta| < 2^64; with
  // 0 < target_spacing < 2^63 the drift below stays inside (-2^127, 2^127).
  const I128 time_delta = static_cast<I128>(eval_time) - anchor.parent_time;
  const I128 height_delta = static_cast<I128>(eval_height) - static_cast<I128>(anchor.height);
  I128 drift = time_delta - static_cast<I128>(params.target_spacing) * (height_delta + 1);
  // A drift of 2^100 seconds is at least 2^37 half-lives (half_life < 2^63): the target is
  // clamped to 1 or pow_limit long before, so saturating here changes no result and keeps
  // drift * 65536 in range.
  constexpr I128 kMaxDrift = static_cast<I128>(1) << 100;
  drift = std::clamp(drift, -kMaxDrift, kMaxDrift);

  // Fixed point with 16 fractional bits; C++ division truncates toward zero, as the spec.
  const I128 exponent = (drift * 65536) / params.half_life;
  // Floor division by 65536 (arithmetic shift), so frac is in [0, 65535] for negative
  // exponents too: exponent == shifts * 65536 + frac.
  const I128 shifts = exponent >> 16;
  const uint64_t frac = static_cast<uint16_t>(exponent);
  // 65536 * 2^(frac / 65536), by the spec's cubic approximation. The sum stays below 2^64
  // for every frac <= 65535, so factor is in [65536, 131071].
  const uint64_t factor = 65536 + ((195766423245049ull * frac + 971821376ull * frac * frac +
                                    5127ull * frac * frac * frac + (1ull << 47)) >>
                                   48);

  // target = anchor_target * factor * 2^(shifts - 16), rounded down. The spec computes the
  // product in 256 bits, which fits because it requires pow_limit < 2^224; MulWide keeps
  // the bits above 2^256 for larger pow limits. A result of 2^256 or more is above any
  // pow_limit.
  const std::optional<ArithU256> next = ShiftWide(MulWide(anchor_target, factor), shifts - 16);
  if (!next) return params.pow_limit.GetCompact();
  return ClampTarget(*next, params.pow_limit).GetCompact();
}

int64_t MedianTimePast(std::span<const int64_t> last_times) {
  if (last_times.empty()) return std::numeric_limits<int64_t>::min();
  const size_t n = std::min(last_times.size(), kMedianTimeSpan);
  std::array<int64_t, kMedianTimeSpan> sorted{};
  std::copy(last_times.end() - static_cast<std::ptrdiff_t>(n), last_times.end(), sorted.begin());
  std::sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(n));
  return sorted[n / 2];
}

}  // namespace waybill::consensus
