// Header presync (docs/PROTOCOL.md §12.4): a peer's header chain is followed, checked and
// weighed before any of it is stored, and stored only once it has shown enough work. A chain
// that never gets there costs the node a few hundred kilobytes per peer, not a block tree
// entry per header. The idea is Bitcoin Core's headers presync; this is a simpler form of it
// (whole ids as checkpoints rather than salted one-bit commitments).
//
// Pure: the chainstate owns one HeadersPresync per peer and drives it under its lock.
#pragma once

#include <cstdint>
#include <vector>

#include "chain/arith_uint256.h"
#include "chain/block.h"
#include "chain/types.h"
#include "consensus/params.h"
#include "consensus/validation.h"

namespace waybill::consensus {

// Headers a presync keeps in memory; beyond these it keeps only checkpoints, and the chain is
// asked for again (redownload) once it has shown enough work.
inline constexpr size_t kPresyncBufferHeaders = 1000;
// Distance between checkpoints (a header's id every this many heights after the fork).
inline constexpr uint32_t kPresyncCheckpointInterval = 1000;
// A presync may take at least this many headers before it must have reached the threshold...
inline constexpr uint64_t kPresyncMinBudget = 20'000;
// ...or this many times the headers it needs at the work per block of the node's tip.
inline constexpr uint64_t kPresyncBudgetFactor = 4;
// Chains within this many tip blocks' work of the tip are stored at once (close forks).
inline constexpr uint32_t kPresyncForkAllowance = 6;

// The ASERT bits of the block after a parent at this height and time (anchored at genesis,
// §7). The one formula the chainstate and the presync share.
uint32_t NextBitsAfter(const ChainParams& params, uint32_t parent_height, int64_t parent_time);

// The end of a header chain followed without a block tree: all the next header is checked
// against (its parent's id, height, time, the median-time-past window and the chain's work).
class HeaderChainCursor {
 public:
  HeaderChainCursor() = default;
  // At a known header: times_oldest_first holds its time last, preceded by those of up to 10
  // ancestors.
  HeaderChainCursor(const chain::Hash256& id, uint32_t height, const chain::ArithU256& work,
                    std::vector<int64_t> times_oldest_first);

  // Checks `header` (whose id is `id`) as the next header: the context-free rules, the link to
  // the cursor, the ASERT bits, the median time past and the clock. Valid: the cursor moved to
  // it. Otherwise the cursor is unchanged.
  ValidationResult Extend(const chain::BlockHeader& header, const chain::Hash256& id,
                          const ChainParams& params, int64_t now);

  const chain::Hash256& id() const { return id_; }
  uint32_t height() const { return height_; }
  const chain::ArithU256& work() const { return work_; }

 private:
  chain::Hash256 id_;
  uint32_t height_ = 0;
  chain::ArithU256 work_;
  std::vector<int64_t> times_;  // oldest first, the cursor's own time last; at most 11
  // The work of the last bits seen (a chain's bits rarely change from one header to the next).
  uint32_t work_bits_ = 0;
  chain::ArithU256 work_of_bits_;
};

// One peer's presync. Plain data; the chainstate's AcceptPeerHeaders runs it.
struct HeadersPresync {
  enum class Phase {
    kPresync,     // following the chain: checking, weighing, keeping the first headers
    kRedownload,  // it had enough work: taking it again, checked against the checkpoints
  };
  Phase phase = Phase::kPresync;
  chain::Hash256 fork;  // a header in the block tree the chain builds on
  uint32_t fork_height = 0;
  HeaderChainCursor cursor;  // the last header taken (in either phase)
  // Presync: the headers after the fork, while there are at most kPresyncBufferHeaders.
  // Redownload: the headers since the last checkpoint passed.
  std::vector<chain::BlockHeader> buffer;
  bool overflowed = false;  // presync: headers after the buffer's first were not kept
  // Ids at fork_height + k * kPresyncCheckpointInterval, k = 1, 2, ...
  std::vector<chain::Hash256> checkpoints;
  // Redownload: the last header of the presync, which had enough work.
  chain::Hash256 target;
  uint32_t target_height = 0;
  uint64_t taken = 0;      // headers taken in the presync phase
  uint64_t budget = 0;     // the most it may take before reaching the threshold
  uint64_t last_used = 0;  // the chainstate's counter, for evicting the stalest presync
  // The threshold when the chainstate last held its lock for this presync: headers that stay
  // below it are taken without that lock (Chainstate::AcceptPeerHeaders).
  chain::ArithU256 threshold;
  uint32_t work_bits = 0;  // work_of_bits = the work of a header with these bits
  chain::ArithU256 work_of_bits;
};

// The presync phase's part that needs no block tree: checks `header` against ps.cursor
// (HeaderChainCursor::Extend), then counts it, keeps it while the buffer has room and records
// a checkpoint. Invalid: ps is unchanged.
ValidationResult TakeIntoPresync(HeadersPresync& ps, const chain::BlockHeader& header,
                                 const chain::Hash256& id, const ChainParams& params, int64_t now);
// "low-work-headers" once ps has taken more than its budget, else Valid.
ValidationResult CheckPresyncBudget(const HeadersPresync& ps);
// The work of a header with these bits (zero if they are no target), cached in ps.
const chain::ArithU256& PresyncWorkOfBits(HeadersPresync& ps, uint32_t bits);

// How many headers a presync from a fork with fork_work may take before reaching threshold:
// max(kPresyncMinBudget, kPresyncBudgetFactor * (threshold - fork_work) / tip_block_work).
uint64_t PresyncBudget(const chain::ArithU256& threshold, const chain::ArithU256& fork_work,
                       const chain::ArithU256& tip_block_work);

}  // namespace waybill::consensus
