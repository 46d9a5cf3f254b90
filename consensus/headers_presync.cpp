#include "consensus/headers_presync.h"

#include <algorithm>
#include <limits>
#include <string>

#include "consensus/block_check.h"
#include "consensus/pow.h"

namespace waybill::consensus {

uint32_t NextBitsAfter(const ChainParams& params, uint32_t parent_height, int64_t parent_time) {
  AsertParams asert{params.pow_limit, params.target_block_time, params.asert_half_life};
  // Anchored at genesis; genesis has no parent, so its parent time is taken to be one
  // target block time before it, which makes block 1's target the genesis target.
  AsertAnchor anchor{0, static_cast<int64_t>(params.genesis_time) - params.target_block_time,
                     params.genesis_bits};
  return AsertNextBits(asert, anchor, parent_height, parent_time);
}

HeaderChainCursor::HeaderChainCursor(const chain::Hash256& id, uint32_t height,
                                     const chain::ArithU256& work,
                                     std::vector<int64_t> times_oldest_first)
    : id_(id), height_(height), work_(work) {
  const size_t keep = std::min(times_oldest_first.size(), kMedianTimeSpan);
  times_.assign(times_oldest_first.end() - static_cast<long>(keep), times_oldest_first.end());
}

ValidationResult HeaderChainCursor::Extend(const chain::BlockHeader& header,
                                           const chain::Hash256& id, const ChainParams& params,
                                           int64_t now) {
  if (auto r = CheckBlockHeader(header, id, params); !r.valid()) return r;
  if (header.prev != id_) return ValidationResult::Invalid(Reason::kPrevBlkNotFound, id_.ToHex());
  if (height_ == std::numeric_limits<uint32_t>::max()) {
    return ValidationResult::Invalid(Reason::kBadHeight);
  }
  const int64_t parent_time = times_.empty() ? 0 : times_.back();
  HeaderContext ctx{height_ + 1, MedianTimePast(times_),
                    NextBitsAfter(params, height_, parent_time), now};
  if (auto r = ContextualCheckHeader(header, ctx, params); !r.valid()) return r;
  if (work_of_bits_.IsZero() || work_bits_ != header.bits) {
    auto target = chain::TargetFromBits(header.bits);
    if (!target)
      return ValidationResult::Invalid(Reason::kHighHash);  // CheckBlockHeader refused it
    work_bits_ = header.bits;
    work_of_bits_ = chain::BlockWork(*target);
  }
  id_ = id;
  height_++;
  work_ += work_of_bits_;
  times_.push_back(header.time);
  if (times_.size() > kMedianTimeSpan) times_.erase(times_.begin());
  return ValidationResult::Valid();
}

ValidationResult TakeIntoPresync(HeadersPresync& ps, const chain::BlockHeader& header,
                                 const chain::Hash256& id, const ChainParams& params, int64_t now) {
  if (auto r = ps.cursor.Extend(header, id, params, now); !r.valid()) return r;
  ps.taken++;
  if (!ps.overflowed) {
    if (ps.buffer.size() < kPresyncBufferHeaders) {
      ps.buffer.push_back(header);
    } else {
      ps.overflowed = true;
      std::vector<chain::BlockHeader>().swap(ps.buffer);
    }
  }
  if ((ps.cursor.height() - ps.fork_height) % kPresyncCheckpointInterval == 0) {
    ps.checkpoints.push_back(id);
  }
  return ValidationResult::Valid();
}

ValidationResult CheckPresyncBudget(const HeadersPresync& ps) {
  if (ps.taken <= ps.budget) return ValidationResult::Valid();
  return ValidationResult::Invalid(Reason::kLowWorkHeaders,
                                   std::to_string(ps.taken) + " headers after " + ps.fork.ToHex() +
                                       " and still less work than " + ps.threshold.ToHex());
}

const chain::ArithU256& PresyncWorkOfBits(HeadersPresync& ps, uint32_t bits) {
  if (ps.work_bits != bits || ps.work_of_bits.IsZero()) {
    auto target = chain::TargetFromBits(bits);
    ps.work_bits = bits;
    ps.work_of_bits = target ? chain::BlockWork(*target) : chain::ArithU256();
  }
  return ps.work_of_bits;
}

uint64_t PresyncBudget(const chain::ArithU256& threshold, const chain::ArithU256& fork_work,
                       const chain::ArithU256& tip_block_work) {
  if (!(fork_work < threshold) || tip_block_work.IsZero()) return kPresyncMinBudget;
  chain::ArithU256 needed = (threshold - fork_work) / tip_block_work + 1;
  if (needed.bits() > 48) return std::numeric_limits<uint64_t>::max();
  return std::max(kPresyncMinBudget, needed.low64() * kPresyncBudgetFactor);
}

}  // namespace waybill::consensus
