#include "consensus/block_check.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "chain/merkle.h"
#include "consensus/pow.h"
#include "consensus/tx_check.h"

namespace waybill::consensus {
namespace {

// Below this many txs, starting threads costs more than the verification they would share.
constexpr size_t kMinParallelTxs = 16;

std::string Hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

}  // namespace

ValidationResult CheckBlockHeader(const chain::BlockHeader& header, const chain::Hash256& id,
                                  const ChainParams& params) {
  if (header.version != chain::kHeaderVersion) {
    return ValidationResult::Invalid(Reason::kBadVersion, std::to_string(header.version));
  }
  if (!CheckProofOfWork(id, header.bits, params.pow_limit)) {
    return ValidationResult::Invalid(Reason::kHighHash, id.ToHex());
  }
  return ValidationResult::Valid();
}

ValidationResult ContextualCheckHeader(const chain::BlockHeader& header, const HeaderContext& ctx,
                                       const ChainParams& params) {
  if (header.bits != ctx.expected_bits) {
    return ValidationResult::Invalid(Reason::kBadDiffBits,
                                     "height " + std::to_string(ctx.height) + ": expected " +
                                         Hex32(ctx.expected_bits) + ", got " + Hex32(header.bits));
  }
  const int64_t time = header.time;
  if (time <= ctx.median_time_past) {
    return ValidationResult::Invalid(
        Reason::kTimeTooOld,
        std::to_string(time) + " <= median time past " + std::to_string(ctx.median_time_past));
  }
  // Saturating, so that no clock value or drift can wrap the bound.
  const int64_t drift = std::max<int64_t>(params.max_future_block_time, 0);
  const int64_t latest = ctx.now > std::numeric_limits<int64_t>::max() - drift
                             ? std::numeric_limits<int64_t>::max()
                             : ctx.now + drift;
  if (time > latest) {
    return ValidationResult::Invalid(
        Reason::kTimeTooNew,
        std::to_string(time) + " > now " + std::to_string(ctx.now) + " + " + std::to_string(drift));
  }
  return ValidationResult::Valid();
}

ValidationResult CheckBlock(const chain::DecodedBlock& block, const ChainParams& params) {
  const auto& txs = block.block.txs;
  if (block.txids.size() != txs.size()) {
    return ValidationResult::Error("decoded block has " + std::to_string(txs.size()) + " txs but " +
                                   std::to_string(block.txids.size()) + " ids");
  }
  if (block.size > params.max_block_size) {
    return ValidationResult::Invalid(Reason::kBadBlockSize, std::to_string(block.size) + " bytes");
  }
  if (txs.size() > params.max_block_txs) {
    return ValidationResult::Invalid(Reason::kBadBlockTxs, std::to_string(txs.size()) + " txs");
  }
  if (block.block.header.merkle_root != chain::BlockMerkleRoot(block.txids)) {
    return ValidationResult::Invalid(Reason::kBadMerkleRoot);
  }
  // The RFC 6962 tree has no duplicate-leaf mutation, but a block listing one tx twice is
  // still invalid (the second copy would reuse the nonce); rejecting it here is cheaper.
  std::vector<chain::Hash256> sorted(block.txids.begin(), block.txids.end());
  std::sort(sorted.begin(), sorted.end());
  if (auto dup = std::adjacent_find(sorted.begin(), sorted.end()); dup != sorted.end()) {
    return ValidationResult::Invalid(Reason::kDuplicateTx, dup->ToHex());
  }
  for (size_t i = 0; i < txs.size(); ++i) {
    ValidationResult r = CheckTransaction(txs[i]);
    if (!r.valid()) {
      std::string detail = "tx " + std::to_string(i);
      if (!r.detail().empty()) detail += ": " + r.detail();
      return r.WithDetail(std::move(detail));
    }
  }
  return ValidationResult::Valid();
}

ValidationResult CheckBlockSignatures(const chain::Block& block, size_t threads) {
  const size_t n = block.txs.size();
  // The calling thread verifies too (in Wait), so `threads` threads need threads - 1 workers.
  const size_t workers = threads <= 1 || n <= kMinParallelTxs ? 0 : std::min(threads, n) - 1;
  SignatureCheckPool pool(workers);
  return CheckBlockSignatures(block, &pool, nullptr);
}

ValidationResult CheckBlockSignatures(const chain::Block& block, SignatureCheckPool* pool,
                                      const chain::SignatureCache* cache) {
  return pool->Start(block.txs, cache).Wait();
}

}  // namespace waybill::consensus
