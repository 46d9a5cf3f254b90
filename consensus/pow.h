// Proof of work: the check of a block id against its nBits, the aserti3-2d difficulty
// algorithm, and the median-time-past rule's median. Pure functions of their arguments; they
// read no chain state, so the caller (header validation) walks the block tree.
//
// Does not decide which nBits a header must carry at a given height (that is AsertNextBits
// applied to the header's parent by the caller), nor compare times with the node's clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "chain/arith_uint256.h"
#include "chain/status.h"
#include "chain/types.h"

namespace waybill::consensus {

// True when `bits` decodes to a valid target (positive, no overflow, at most `pow_limit`)
// and `block_id`, read as a big-endian 256-bit integer, is at most that target.
[[nodiscard]] bool CheckProofOfWork(const chain::Hash256& block_id, uint32_t bits,
                                    const chain::ArithU256& pow_limit);

struct AsertParams {
  chain::ArithU256 pow_limit;  // the easiest target allowed
  int64_t target_spacing = 0;  // ideal seconds between blocks, > 0
  int64_t half_life = 0;       // seconds of schedule drift that double/halve the target, > 0
};

// The reference block of the absolute ASERT schedule.
struct AsertAnchor {
  uint64_t height = 0;      // height of the anchor block
  int64_t parent_time = 0;  // timestamp of the anchor block's parent
  uint32_t bits = 0;        // nBits of the anchor block
};

// Invalid with a reason unless target_spacing > 0, half_life > 0, pow_limit > 0 and
// anchor.bits decodes to a valid target at most pow_limit. Chain parameters should be
// checked with this once, when they are loaded.
chain::Status CheckAsertParams(const AsertParams& params, const AsertAnchor& anchor);

// aserti3-2d (spec v0.5.1, bitcoincash.org spec/2020-11-15-asert.md): the nBits required of
// the block at eval_height + 1, whose parent is the evaluation block (eval_height,
// eval_time). Exact integer arithmetic, bit-exact with the official test vectors:
//   exponent = ((eval_time - anchor.parent_time
//                - target_spacing * (eval_height - anchor.height + 1)) * 65536) / half_life
//   target   = anchor_target * 2^(exponent / 65536), with the spec's cubic approximation of
//              the fractional power, clamped to [1, pow_limit], then encoded with GetCompact.
// Heights and times may take any value: intermediate values are held in 128 bits and a
// schedule drift too large to matter saturates, so there is no overflow.
// The spec requires pow_limit < 2^224 so that anchor_target * factor fits in 256 bits; this
// implementation computes the product exactly for any pow_limit (e.g. a regtest limit near
// 2^255) and equals the spec wherever the spec is defined.
// REQUIRES: CheckAsertParams(params, anchor).ok() and eval_height >= anchor.height. Outside
// that contract the result is deterministic but unspecified: an invalid anchor target is
// replaced by pow_limit, and a non-positive spacing or half-life disables adjustment.
uint32_t AsertNextBits(const AsertParams& params, const AsertAnchor& anchor, uint64_t eval_height,
                       int64_t eval_time);

// How many recent timestamps the median-time-past rule looks at.
inline constexpr size_t kMedianTimeSpan = 11;

// The median of the last min(kMedianTimeSpan, size) entries of `last_times` (timestamps of
// the most recent blocks, oldest first, the tip last): the element at index size/2 of their
// sorted copy, i.e. the upper median when fewer than 11 blocks exist (as Bitcoin Core). A new
// header's time must be greater than this. An empty span gives INT64_MIN, which every time
// exceeds.
int64_t MedianTimePast(std::span<const int64_t> last_times);

}  // namespace waybill::consensus
