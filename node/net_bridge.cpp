#include "node/net_bridge.h"

#include <string>

namespace waybill::node {
namespace {

using chain::Hash256;
using consensus::Reason;
using p2p::Verdict;

// What a failed rule says about the peer that relayed the object (docs/PROTOCOL.md §12.7).
enum class Blame {
  kMissingParent,  // a header or block whose parent is unknown: may pass once it arrives
  kClockAhead,     // a header or block ahead of this node's clock: may pass later
  kNonceGap,       // a tx after a nonce of its sender not seen here: may pass once that arrives
  kHaveTx,         // a tx this node already has, pending or confirmed
  kTxState,        // a tx rule that depends on the state or on this node's mempool: an honest
                   // peer may relay a tx that fails it (it saw another tip, or had room)
  kRule,           // a context-free rule or a signature: no honest node relays it
};

// Every code is listed and there is no default, so the compiler flags a new code until it is
// placed here.
Blame BlameFor(Reason reason) {
  switch (reason) {
    case Reason::kPrevBlkNotFound:
      return Blame::kMissingParent;
    case Reason::kTimeTooNew:
      return Blame::kClockAhead;
    case Reason::kNonceGap:
      return Blame::kNonceGap;
    case Reason::kTxnAlreadyInMempool:
    case Reason::kTxnAlreadyKnown:
      return Blame::kHaveTx;
    case Reason::kNonceReused:
    case Reason::kInsufficientBalance:
    case Reason::kNotCustodian:
    case Reason::kUnknownAsset:
    case Reason::kAssetClosed:
    case Reason::kAssetExists:
    case Reason::kBalanceOverflow:
    case Reason::kFeeOverflow:
    case Reason::kMempoolFull:
    case Reason::kTooManyPending:
    case Reason::kTransferToSelf:
    case Reason::kBadSplitSum:
    case Reason::kNotRegistrar:
    case Reason::kNoProfile:
    case Reason::kAlreadyEndorsed:
    case Reason::kNotEndorsed:
    case Reason::kNotCustodianOrIssuer:
    case Reason::kUnknownEvent:
    case Reason::kMergeUnitMismatch:
    case Reason::kMergeQuantityMismatch:
    case Reason::kYieldOutOfBounds:
    case Reason::kMetadataFull:
    case Reason::kUnknownContract:
    case Reason::kContractExists:
      return Blame::kTxState;
    case Reason::kBadVersion:
    case Reason::kHighHash:
    case Reason::kBadPrevBlk:
    case Reason::kBadHeight:
    case Reason::kBadDiffBits:
    case Reason::kTimeTooOld:
    case Reason::kDuplicateInvalid:
    case Reason::kLowWorkHeaders:
    case Reason::kPresyncMismatch:
    case Reason::kBadBlockEncoding:
    case Reason::kBadBlockSize:
    case Reason::kBadBlockTxs:
    case Reason::kBadMerkleRoot:
    case Reason::kDuplicateTx:
    case Reason::kBadSignature:
    case Reason::kRewardOverflow:
    case Reason::kBadFee:
    case Reason::kBadAmount:
    case Reason::kBadQuantity:
    case Reason::kBadUnit:
    case Reason::kBadMetadata:
    case Reason::kBadDocuments:
    case Reason::kBadSplit:
    case Reason::kBadMergeInputs:
    case Reason::kBadClaim:
    case Reason::kBadProfile:
    case Reason::kBadGln:
    case Reason::kBadTransformInputs:
    case Reason::kBadChainId:
    case Reason::kFeeTooLow:
    case Reason::kBadGenesisAllocation:
    case Reason::kBlockNotFound:
    case Reason::kCannotInvalidateGenesis:
    case Reason::kBadLink:
    case Reason::kTxTooLarge:
    case Reason::kBlockGasLimit:
    case Reason::kBadContractCode:
    case Reason::kBadContractArgs:
    case Reason::kBadContractEntry:
    case Reason::kBadGasLimit:
    case Reason::kGasLimitTooHigh:
      return Blame::kRule;
  }
  return Blame::kRule;
}

}  // namespace

Verdict ToVerdict(const consensus::ValidationResult& r, NetObject what) {
  if (r.valid()) return Verdict::Accepted();
  if (r.error()) return Verdict::Error(r.ToString());
  const Blame blame = BlameFor(*r.code());
  // A block is invalid if any of its txs fails, whatever the rule: only the header's own
  // context excuses a header or block.
  if (what != NetObject::kTx) {
    if (blame == Blame::kMissingParent) return Verdict::Orphan(r.reason());
    if (blame == Blame::kClockAhead) return Verdict::Rejected(r.reason());
    return Verdict::Invalid(100, r.ToString());
  }
  switch (blame) {
    case Blame::kNonceGap:
      return Verdict::Orphan(r.reason());
    case Blame::kHaveTx:
      return Verdict::Known();
    case Blame::kTxState:
      return Verdict::Rejected(r.reason());
    case Blame::kMissingParent:
    case Blame::kClockAhead:
    case Blame::kRule:
      return Verdict::Invalid(100, r.ToString());
  }
  return Verdict::Invalid(100, r.ToString());
}

p2p::ChainSummary NetBridge::GetChainSummary() {
  consensus::TipInfo tip = chain_->Tip();
  consensus::BlockIndexInfo best = chain_->BestHeader();
  p2p::ChainSummary s;
  s.tip = tip.id;
  s.height = tip.height;
  s.best_header = best.id;
  s.best_header_height = best.height;
  return s;
}

std::optional<p2p::HeaderInfo> NetBridge::GetHeaderInfo(const Hash256& id) {
  auto index = chain_->GetBlockIndex(id);
  if (!index) return std::nullopt;
  p2p::HeaderInfo info;
  info.height = index->height;
  info.chain_work = index->chain_work;
  info.have_data = index->status & chain::kBlockHaveData;
  info.in_active_chain = index->in_active_chain;
  info.failed = index->status & (chain::kBlockFailed | chain::kBlockFailedParent);
  return info;
}

std::vector<Hash256> NetBridge::GetLocator() { return chain_->GetLocator(); }

std::vector<chain::BlockHeader> NetBridge::GetHeadersAfter(const std::vector<Hash256>& locator,
                                                           const Hash256& stop, size_t max) {
  return chain_->GetHeadersAfter(locator, stop, max);
}

namespace {

p2p::HeadersVerdict ToHeadersVerdict(const consensus::HeadersResult& r) {
  p2p::HeadersVerdict v;
  v.accepted = r.accepted;
  v.connects = r.connects;
  v.last = r.last;
  v.verdict = ToVerdict(r.result, NetObject::kHeader);
  v.resume = r.resume;
  v.redownload = r.redownload;
  return v;
}

}  // namespace

p2p::HeadersVerdict NetBridge::AcceptHeaders(const std::vector<chain::BlockHeader>& headers) {
  return ToHeadersVerdict(chain_->AcceptHeaders(headers));
}

p2p::HeadersVerdict NetBridge::AcceptHeadersFrom(uint64_t peer,
                                                 const std::vector<chain::BlockHeader>& headers) {
  return ToHeadersVerdict(chain_->AcceptPeerHeaders(peer, headers));
}

void NetBridge::ForgetHeadersFrom(uint64_t peer) { chain_->ForgetHeadersSource(peer); }

std::vector<Hash256> NetBridge::BlocksToDownload(const Hash256& target, size_t max, uint32_t window,
                                                 const std::function<bool(const Hash256&)>& skip) {
  return chain_->BlocksToDownload(target, max, window, skip);
}

Verdict NetBridge::ProcessBlock(const chain::DecodedBlock& block) {
  consensus::BlockOutcome outcome = consensus::BlockOutcome::kStored;
  consensus::ValidationResult r = chain_->ProcessBlock(block, &outcome);
  if (r.valid() && outcome == consensus::BlockOutcome::kDuplicate) return Verdict::Known();
  return ToVerdict(r, NetObject::kBlock);
}

std::optional<chain::Bytes> NetBridge::ReadBlock(const Hash256& id) {
  auto raw = chain_->ReadBlock(id);
  if (!raw.ok()) return std::nullopt;
  return std::move(*raw);
}

Verdict NetBridge::AcceptTx(const chain::Transaction& tx) {
  return ToVerdict(mempool_->Accept(tx), NetObject::kTx);
}

std::vector<Verdict> NetBridge::AcceptTxs(std::vector<chain::TxWithId> txs) {
  std::vector<consensus::ValidationResult> results = mempool_->AcceptBatch(std::move(txs));
  std::vector<Verdict> verdicts;
  verdicts.reserve(results.size());
  for (const consensus::ValidationResult& r : results) {
    verdicts.push_back(ToVerdict(r, NetObject::kTx));
  }
  return verdicts;
}

bool NetBridge::HaveTx(const Hash256& txid) {
  if (mempool_->Contains(txid)) return true;
  auto location = chain_->GetTxLocation(txid);
  return location.ok() && location->has_value();
}

std::optional<chain::Bytes> NetBridge::GetMempoolTx(const Hash256& txid) {
  auto tx = mempool_->Get(txid);
  if (!tx) return std::nullopt;
  return tx->tx.Serialize();
}

std::vector<Hash256> NetBridge::MempoolTxids() { return mempool_->Txids(); }

}  // namespace waybill::node
