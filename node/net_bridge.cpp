#include "node/net_bridge.h"

#include <set>
#include <string>

namespace waybill::node {
namespace {

using chain::Hash256;
using p2p::Verdict;

// Tx rules that depend on the state or on this node's mempool: an honest peer may relay a
// tx that fails them (it saw another tip, or its mempool had room). Everything else a tx can
// fail is context-free or its signature: no honest node relays such a tx.
const std::set<std::string, std::less<>>& StateDependentTxReasons() {
  static const std::set<std::string, std::less<>> reasons = {
      "nonce-reused",      "nonce-gap",        "insufficient-balance", "not-custodian",
      "unknown-asset",     "asset-closed",     "asset-exists",         "balance-overflow",
      "fee-overflow",      "mempool-full",     "too-many-pending",     "txn-already-in-mempool",
      "txn-already-known", "transfer-to-self", "bad-split-sum"};
  return reasons;
}

}  // namespace

Verdict ToVerdict(const consensus::ValidationResult& r, NetObject what) {
  if (r.valid()) return Verdict::Accepted();
  if (r.error()) return Verdict::Error(r.ToString());
  const std::string& reason = r.reason();
  switch (what) {
    case NetObject::kHeader:
    case NetObject::kBlock:
      // A clock that lags ours is not an offence; the header may be accepted later.
      if (reason == "time-too-new") return Verdict::Rejected(reason);
      if (reason == "prev-blk-not-found") return Verdict::Rejected(reason);
      return Verdict::Invalid(100, r.ToString());
    case NetObject::kTx:
      if (reason == "txn-already-in-mempool" || reason == "txn-already-known") {
        return Verdict::Known();
      }
      if (StateDependentTxReasons().count(reason)) return Verdict::Rejected(reason);
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
