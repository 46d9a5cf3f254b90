// VerifyProofBundle (docs/PROTOCOL.md §14.2): the headers, each tx, then a replay of the
// lineage's txs through the network's own operation rules (ApplyOp of consensus/*_ops.cpp, and
// for a contract tx its attachments and the claimed effects through ApplyContractEffect) on a
// state that holds only what the bundle's txs create.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "chain/contract_state.h"
#include "chain/merkle.h"
#include "chain/state_cache.h"
#include "consensus/contract_effect.h"
#include "consensus/op_context.h"
#include "consensus/pow.h"
#include "consensus/proof.h"
#include "consensus/tx_check.h"

namespace waybill::consensus {

namespace {

using chain::Hash256;

ProofCheck ReplayCheckOf(const ValidationResult& r) {
  if (!r.code()) return ProofCheck::kRule;
  switch (*r.code()) {
    case Reason::kNotCustodian:
    case Reason::kNotCustodianOrIssuer:
      return ProofCheck::kCustody;
    case Reason::kBadSplitSum:
    case Reason::kBadSplit:  // a claimed split's first part: 0, or all of the parent
    case Reason::kMergeUnitMismatch:
    case Reason::kMergeQuantityMismatch:
    case Reason::kYieldOutOfBounds:
      return ProofCheck::kConservation;
    case Reason::kUnknownAsset:
    case Reason::kAssetClosed:
      return ProofCheck::kLineage;
    default:
      return ProofCheck::kRule;
  }
}

// The asset an operation is first about, to name in a failure.
Hash256 SubjectOfOp(const chain::Transaction& tx) {
  return std::visit(
      [&tx](const auto& op) -> Hash256 {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, chain::AssetMergeOp> ||
                      std::is_same_v<Op, chain::AssetTransformOp>) {
          return op.inputs.empty() ? Hash256{} : op.inputs.front();
        } else if constexpr (std::is_same_v<Op, chain::AssetIssueOp>) {
          return chain::AssetIdFor(tx.chain_id, tx.sender, tx.nonce, 0);
        } else if constexpr (requires { op.asset; }) {
          return op.asset;
        } else {
          return Hash256{};
        }
      },
      tx.op);
}

bool IsAssetOp(const chain::Operation& op) {
  return !std::holds_alternative<chain::TransferOp>(op) &&
         !std::holds_alternative<chain::PartyProfileOp>(op) &&
         !std::holds_alternative<chain::PartyEndorseOp>(op);
}

bool IsContractTx(const chain::Operation& op) {
  return std::holds_alternative<chain::ContractCallOp>(op) ||
         std::holds_alternative<chain::ContractDeployOp>(op);
}

// Whether a claimed effect changes an asset of the bundle (coins never do).
bool TouchesAny(const chain::ContractEffect& e, const std::set<Hash256>& assets) {
  switch (e.kind) {
    case chain::ContractEffectKind::kAsset:
    case chain::ContractEffectKind::kSplit:
      return assets.count(e.asset) > 0;
    case chain::ContractEffectKind::kMerge:
      return assets.count(e.asset) > 0 || assets.count(e.with) > 0;
    case chain::ContractEffectKind::kCoins:
      break;
  }
  return false;
}

// The state before the bundle's first tx: empty (every write of the replay stays in the
// StateCache over it). Not chain::MemoryKv, whose file would link LevelDB into the `waybill`
// program (node/cli/check_links.cmake).
class ProofEmptyState : public chain::KvReader {
 public:
  chain::Status Get(std::string_view key, chain::Bytes*) const override {
    return chain::Status::NotFound(std::string(key.substr(0, 1)));
  }
};

class ProofVerifier {
 public:
  ProofVerifier(const ProofBundle& b, const ChainParams& p) : b_(b), p_(p) {}

  ProofReport Run(const chain::ArithU256& min_work) {
    if (CheckHeaders(min_work) && CheckTxs() && CheckReferences() && CheckClaims() && Replay() &&
        CheckAssets() && CollectProfiles()) {
      report_.ok = true;
    }
    return std::move(report_);
  }

 private:
  bool Fail(ProofCheck check, std::string detail) {
    report_.ok = false;
    report_.check = check;
    report_.detail = std::move(detail);
    return false;
  }
  bool FailTx(ProofCheck check, size_t i, std::string detail) {
    report_.tx_index = static_cast<int64_t>(i);
    if (i < txs_.size()) report_.txid = txs_[i].id;
    return Fail(check, std::move(detail));
  }

  bool CheckHeaders(const chain::ArithU256& min_work);
  bool CheckTxs();
  bool CheckOneTx(size_t i);
  bool CheckReferences();
  bool CheckClaims();
  bool Replay();
  bool ReplayContractTx(size_t i, const OpContext& c, const ProofCall& call);
  bool CheckAssets();
  bool CheckEvents(const ProofAsset& a, const chain::StateCache& state, uint32_t count);
  bool CollectProfiles();

  const ProofBundle& b_;
  const ChainParams& p_;
  ProofReport report_;
  std::vector<Hash256> header_ids_;  // [h - 1] = id of the header at height h
  std::vector<chain::TxWithId> txs_;
  std::set<Hash256> lineage_;                   // the ids of b_.assets
  std::map<size_t, const ProofCall*> claim_of_;  // entry -> its claim
  ProofEmptyState base_;
  std::optional<chain::StateCache> state_;
};

bool ProofVerifier::CheckHeaders(const chain::ArithU256& min_work) {
  if (b_.chain_id != p_.genesis_id) {
    return Fail(ProofCheck::kGenesis, "the bundle is for chain " + b_.chain_id.ToHex() +
                                          ", network " + p_.network + " is " +
                                          p_.genesis_id.ToHex());
  }
  const AsertParams asert{p_.pow_limit, p_.target_block_time, p_.asert_half_life};
  const AsertAnchor anchor{0, static_cast<int64_t>(p_.genesis_time) - p_.target_block_time,
                           p_.genesis_bits};
  chain::ArithU256 target;
  target.SetCompact(p_.genesis_bits);
  chain::ArithU256 work = chain::BlockWork(target);
  report_.cumulative_work.reserve(b_.headers.size() + 1);
  report_.cumulative_work.push_back(work);
  std::vector<int64_t> times{static_cast<int64_t>(p_.genesis_time)};
  Hash256 prev_id = p_.genesis_id;
  header_ids_.reserve(b_.headers.size());
  for (size_t i = 0; i < b_.headers.size(); ++i) {
    const chain::BlockHeader& h = b_.headers[i];
    const uint32_t height = static_cast<uint32_t>(i + 1);
    report_.header_height = height;
    if (h.version != chain::kHeaderVersion) {
      return Fail(ProofCheck::kLink, "header version " + std::to_string(h.version));
    }
    if (h.prev != prev_id) {
      return Fail(ProofCheck::kLink, "its prev " + h.prev.ToHex() + " is not the id of height " +
                                         std::to_string(height - 1) + ", " + prev_id.ToHex());
    }
    const uint32_t bits = AsertNextBits(asert, anchor, height - 1, times.back());
    if (h.bits != bits) {
      return Fail(ProofCheck::kDifficulty,
                  "bits " + std::to_string(h.bits) + ", ASERT requires " + std::to_string(bits));
    }
    const Hash256 id = h.Id();
    if (!CheckProofOfWork(id, h.bits, p_.pow_limit)) {
      return Fail(ProofCheck::kPow, "id " + id.ToHex() + " does not meet its target");
    }
    const int64_t mtp = MedianTimePast(times);
    if (static_cast<int64_t>(h.time) <= mtp) {
      return Fail(ProofCheck::kTime, "time " + std::to_string(h.time) +
                                         " not above the median " + std::to_string(mtp));
    }
    times.push_back(h.time);
    if (times.size() > kMedianTimeSpan) times.erase(times.begin());
    target.SetCompact(h.bits);
    work += chain::BlockWork(target);
    report_.cumulative_work.push_back(work);
    header_ids_.push_back(id);
    prev_id = id;
  }
  report_.header_height = -1;
  report_.tip_height = static_cast<uint32_t>(b_.headers.size());
  report_.tip_id = prev_id;
  report_.total_work = work;
  if (work < min_work) {
    return Fail(ProofCheck::kMinWork,
                "the headers carry work 0x" + work.ToHex() + ", below 0x" + min_work.ToHex());
  }
  return true;
}

bool ProofVerifier::CheckTxs() {
  txs_.reserve(b_.txs.size());
  for (size_t i = 0; i < b_.txs.size(); ++i) {
    if (!CheckOneTx(i)) return false;
  }
  return true;
}

bool ProofVerifier::CheckOneTx(size_t i) {
  const ProofTx& t = b_.txs[i];
  auto tx = chain::DecodeTransaction(t.tx);
  if (!tx.ok()) return FailTx(ProofCheck::kTxDecode, i, tx.status().reason());
  txs_.push_back(chain::MakeTxWithId(std::move(*tx)));
  const chain::TxWithId& tw = txs_.back();
  if (tw.tx.chain_id != p_.genesis_id) {
    return FailTx(ProofCheck::kChainId, i, "signed for chain " + tw.tx.chain_id.ToHex());
  }
  if (!tw.tx.VerifySignature()) {
    return FailTx(ProofCheck::kSignature, i, "not signed by its sender " + tw.tx.sender.ToHex());
  }
  if (auto r = CheckTransaction(tw.tx); !r.valid()) return FailTx(ProofCheck::kTxRule, i, r.ToString());
  if (t.height == 0 || t.height > b_.headers.size()) {
    return FailTx(ProofCheck::kHeight, i, "height " + std::to_string(t.height) + " is not in 1.." +
                                              std::to_string(b_.headers.size()));
  }
  const chain::BlockHeader& h = b_.headers[t.height - 1];
  if (t.position >= t.block_tx_count ||
      !chain::VerifyMerkleInclusion(chain::MerkleLeafHash(tw.id.span()), t.position,
                                    t.block_tx_count, t.path, h.merkle_root)) {
    return FailTx(ProofCheck::kMerkle, i, "the audit path of position " +
                                              std::to_string(t.position) + " does not lead to " +
                                              "the Merkle root of height " +
                                              std::to_string(t.height));
  }
  if (i > 0) {
    const ProofTx& before = b_.txs[i - 1];
    if (std::pair(before.height, before.position) >= std::pair(t.height, t.position)) {
      return FailTx(ProofCheck::kOrder, i, "at height " + std::to_string(t.height) +
                                               " position " + std::to_string(t.position) +
                                               ", not after the entry before it");
    }
  }
  return true;
}

bool ProofVerifier::CheckReferences() {
  std::vector<bool> used(txs_.size(), false);
  std::set<Hash256> seen;
  for (const ProofAsset& a : b_.assets) {
    if (!seen.insert(a.id).second) {
      report_.asset = a.id;
      return Fail(ProofCheck::kReference, "asset listed twice");
    }
    for (uint32_t e : a.events) {
      if (e >= txs_.size()) {
        report_.asset = a.id;
        return Fail(ProofCheck::kReference, "event names entry " + std::to_string(e) + " of " +
                                                std::to_string(txs_.size()));
      }
      used[e] = true;
    }
    lineage_.insert(a.id);
  }
  for (uint32_t p : b_.profiles) {
    if (p >= txs_.size() || !std::holds_alternative<chain::PartyProfileOp>(txs_[p].tx.op)) {
      return Fail(ProofCheck::kProfile, "profile entry " + std::to_string(p) +
                                            " is not a party.profile tx of the bundle");
    }
    used[p] = true;
  }
  for (size_t i = 0; i < used.size(); ++i) {
    if (!used[i]) return FailTx(ProofCheck::kReference, i, "no asset or profile refers to it");
  }
  return true;
}

// Each claim names a contract tx of the bundle, and each contract tx has one (the decoder
// keeps the entries strictly increasing, so no entry has two).
bool ProofVerifier::CheckClaims() {
  for (const ProofCall& call : b_.calls) {
    if (call.entry >= txs_.size() || !IsContractTx(txs_[call.entry].tx.op)) {
      return Fail(ProofCheck::kReference, "call claim names entry " + std::to_string(call.entry) +
                                              ", not a contract tx of the bundle");
    }
    claim_of_[call.entry] = &call;
  }
  for (size_t i = 0; i < txs_.size(); ++i) {
    if (IsContractTx(txs_[i].tx.op) && !claim_of_.count(i)) {
      return FailTx(ProofCheck::kReference, i, "a contract tx without a call claim");
    }
  }
  return true;
}

bool ProofVerifier::Replay() {
  state_.emplace(&base_);
  for (size_t i = 0; i < txs_.size(); ++i) {
    const chain::TxWithId& tw = txs_[i];
    if (!IsAssetOp(tw.tx.op)) continue;
    const uint32_t height = b_.txs[i].height;
    const BlockContext ctx{header_ids_[height - 1], height, b_.headers[height - 1].time};
    const TxView view{tw.tx, tw.id, tw.size};
    const OpContext c{p_, ctx, view, &*state_};
    if (IsContractTx(tw.tx.op)) {
      if (!ReplayContractTx(i, c, *claim_of_.at(i))) return false;
      continue;
    }
    const auto apply = [&c](const auto& op) { return ApplyOp(c, op); };
    ValidationResult r = std::visit(apply, tw.tx.op);
    if (!r.valid()) {
      report_.asset = SubjectOfOp(tw.tx);
      return FailTx(ReplayCheckOf(r), i, r.ToString());
    }
  }
  return true;
}

// A contract tx as consensus applies it (contract_ops.cpp), as far as the lineage's assets go:
// a call's attached lineage assets move from the sender to the contract (asset.transfer by the
// sender, contract event ids), then each claimed effect on a lineage asset is applied with the
// contract as actor. The call's success, which the attachments' move needs too, is part of the
// claim.
bool ProofVerifier::ReplayContractTx(size_t i, const OpContext& c, const ProofCall& call) {
  const chain::Transaction& tx = txs_[i].tx;
  ProofClaim claim;
  if (const auto* op = std::get_if<chain::ContractCallOp>(&tx.op)) {
    claim.contract = op->contract;
    claim.entry = op->entry;
    const ContractScope attachments{};
    OpContext ac = c;
    ac.contract = &attachments;
    for (const Hash256& asset : op->assets) {
      if (!lineage_.count(asset)) continue;
      ValidationResult r = ApplyOp(ac, chain::AssetTransferOp{asset, op->contract});
      if (!r.valid()) {
        report_.asset = asset;
        return FailTx(ReplayCheckOf(r), i, "attachment: " + r.ToString());
      }
    }
  } else {
    claim.contract = chain::ContractIdFor(p_.chain_id(), tx.sender, tx.nonce);
    claim.entry = "init";
  }
  for (size_t k = 0; k < call.effects.size(); ++k) {
    const chain::ContractEffect& e = call.effects[k];
    if (!TouchesAny(e, lineage_)) continue;
    ValidationResult r = ApplyContractEffect(c, claim.contract, e);
    if (!r.valid()) {
      report_.asset = e.asset;
      return FailTx(ReplayCheckOf(r), i, "claimed effect " + std::to_string(k) + " (" +
                                             chain::ContractEffectKindName(e.kind) + " by " +
                                             claim.contract.ToHex() + "): " + r.ToString());
    }
    claim.applied.push_back(e);
  }
  report_.claims[txs_[i].id] = std::move(claim);
  return true;
}

bool ProofVerifier::CheckAssets() {
  if (b_.assets.front().id != b_.subject) {
    report_.asset = b_.subject;
    return Fail(ProofCheck::kSubject, "the first lineage asset is " +
                                          b_.assets.front().id.ToHex() + ", not the subject");
  }
  std::set<Hash256> lineage;
  for (const ProofAsset& a : b_.assets) lineage.insert(a.id);
  for (const ProofAsset& a : b_.assets) {
    report_.asset = a.id;
    auto asset = state_->GetAsset(a.id);
    if (!asset.ok()) return Fail(ProofCheck::kRule, asset.status().ToString());
    if (!asset->has_value()) {
      return Fail(ProofCheck::kLineage, "no tx of the bundle creates it");
    }
    const chain::Asset& record = **asset;
    for (const Hash256& parent : record.parents) {
      if (!lineage.count(parent)) {
        return Fail(ProofCheck::kLineage, "its parent " + parent.ToHex() + " is not in the bundle");
      }
    }
    if (!CheckEvents(a, *state_, record.event_count)) return false;
    report_.assets.push_back(record);
  }
  report_.asset = Hash256{};
  return true;
}

bool ProofVerifier::CheckEvents(const ProofAsset& a, const chain::StateCache& state,
                                uint32_t count) {
  if (count != a.events.size()) {
    return Fail(ProofCheck::kChaining, "the bundle lists " + std::to_string(a.events.size()) +
                                           " events, its txs make " + std::to_string(count));
  }
  std::vector<chain::AssetEvent>& out = report_.events[a.id];
  Hash256 prev;
  for (uint32_t seq = 0; seq < count; ++seq) {
    chain::Bytes bytes;
    if (chain::Status s = state.Get(chain::keys::Event(a.id, seq), &bytes); !s.ok()) {
      return Fail(ProofCheck::kRule, "event " + std::to_string(seq) + ": " + s.ToString());
    }
    auto ev = chain::DecodeAssetEvent(bytes);
    if (!ev.ok()) return Fail(ProofCheck::kRule, ev.status().ToString());
    const Hash256& listed = txs_[a.events[seq]].id;
    if (ev->txid != listed) {
      report_.txid = listed;
      return Fail(ProofCheck::kChaining, "event " + std::to_string(seq) + " is tx " +
                                             ev->txid.ToHex() + " in chain order, the bundle " +
                                             "lists tx " + listed.ToHex());
    }
    // A contract tx's events have contract event ids (one tx may make two events of an asset).
    const Hash256 id = IsContractTx(txs_[a.events[seq]].tx.op)
                           ? chain::ContractEventId(ev->txid, a.id, seq)
                           : chain::AssetEventId(ev->txid, a.id);
    if (ev->id != id || ev->prev_event != prev) {
      report_.txid = listed;
      return Fail(ProofCheck::kChaining, "event " + std::to_string(seq) + " breaks the chain");
    }
    prev = ev->id;
    out.push_back(std::move(*ev));
  }
  return true;
}

bool ProofVerifier::CollectProfiles() {
  for (uint32_t p : b_.profiles) {
    const auto& op = std::get<chain::PartyProfileOp>(txs_[p].tx.op);
    ProofParty& party = report_.parties[txs_[p].tx.sender];
    if (b_.txs[p].height >= party.height) party = ProofParty{op.name, op.role, b_.txs[p].height};
  }
  return true;
}

}  // namespace

ProofReport VerifyProofBundle(const ProofBundle& bundle, const ChainParams& params,
                              const chain::ArithU256& min_work) {
  if (bundle.assets.empty()) {
    ProofReport r;
    r.check = ProofCheck::kSubject;
    r.detail = "the bundle has no assets";
    return r;
  }
  return ProofVerifier(bundle, params).Run(min_work);
}

}  // namespace waybill::consensus
