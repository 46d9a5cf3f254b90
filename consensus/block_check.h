// Header and block checks that need no state: the header on its own (version, proof of
// work), the header against its position in the chain (difficulty, time), the block's
// content (size, count, Merkle root, duplicates, each tx's context-free rules) and the tx
// signatures. Applying the txs to the state is consensus/state_transition.h; choosing among
// chains is not done here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "chain/block.h"
#include "chain/sig_cache.h"
#include "chain/types.h"
#include "consensus/params.h"
#include "consensus/sig_check_pool.h"
#include "consensus/validation.h"

namespace waybill::consensus {

// Context-free header rules, cheap enough to run on every header a peer sends before any
// block is fetched. id must be header.Id() (passed in because the caller already has it).
//   "bad-version"  version != chain::kHeaderVersion
//   "high-hash"    id above the target of bits, or bits not a valid target within
//                  params.pow_limit
ValidationResult CheckBlockHeader(const chain::BlockHeader& header, const chain::Hash256& id,
                                  const ChainParams& params);

// What the chain before a header says about it.
struct HeaderContext {
  uint32_t height;           // the header's height
  int64_t median_time_past;  // median time of the previous 11 blocks (fewer near genesis)
  uint32_t expected_bits;    // the ASERT target for this height (consensus/pow.h)
  int64_t now;               // the node's adjusted clock, seconds since the Unix epoch
};

//   "bad-diffbits"  bits != ctx.expected_bits
//   "time-too-old"  time <= ctx.median_time_past
//   "time-too-new"  time > ctx.now + params.max_future_block_time. Not a permanent fault of
//                   the block: the caller may accept the same header later.
ValidationResult ContextualCheckHeader(const chain::BlockHeader& header, const HeaderContext& ctx,
                                       const ChainParams& params);

// The block's content, without signatures or state:
//   "bad-block-size"   block.size > params.max_block_size
//   "bad-block-txs"    more than params.max_block_txs txs
//   "bad-merkle-root"  header.merkle_root != chain::BlockMerkleRoot(txids)
//   "duplicate-tx"     a tx id occurs twice
//   any CheckTransaction reason, with the tx index in the detail
// kError if block.txids does not match block.block.txs in count (a caller's bug).
ValidationResult CheckBlock(const chain::DecodedBlock& block, const ChainParams& params);

// Verifies every tx's BIP-340 signature. Returns "bad-signature" with the index of the first
// (lowest-index) bad tx in the detail. With threads > 1 and more than a handful of txs, the
// txs are verified on up to `threads` threads started for this call (the calling thread is
// one of them); threads <= 1 verifies inline. Safe to call from several threads at once.
ValidationResult CheckBlockSignatures(const chain::Block& block, size_t threads);

// The same on a long-lived pool (the Chainstate's) and, if cache is not null, skipping the
// Schnorr verification of every signature the cache holds. To overlap the check with other
// work, use pool->Start() directly.
ValidationResult CheckBlockSignatures(const chain::Block& block, SignatureCheckPool* pool,
                                      const chain::SignatureCache* cache);

}  // namespace waybill::consensus
