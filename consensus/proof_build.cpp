// BuildProofBundle (docs/PROTOCOL.md §14.1): the lineage by breadth-first search through
// parents, every event's tx located through the tx index, each block read and hashed once, and
// for each contract tx the effects its call record lists (the bundle's claim).
// Kept apart from proof.cpp and proof_verify.cpp so that the `waybill` program, which verifies
// bundles, links none of what reads a node's store.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "chain/contract_state.h"
#include "chain/merkle.h"
#include "consensus/proof.h"
#include "consensus/read_snapshot.h"

namespace waybill::consensus {

namespace {

using chain::Hash256;
using chain::Status;

template <typename T, typename Decode>
chain::Result<std::optional<T>> ReadRecord(const chain::KvReader& state, const std::string& key,
                                           Decode decode) {
  chain::Bytes bytes;
  Status s = state.Get(key, &bytes);
  if (s.IsNotFound()) return std::optional<T>();
  if (!s.ok()) return s;
  auto r = decode(bytes);
  if (!r.ok()) return Status::Corruption(key.substr(0, 1) + " record: " + r.status().reason());
  return std::optional<T>(std::move(*r));
}

// Where each tx of the bundle is, in chain order.
struct ProofTxRef {
  uint32_t height;
  uint32_t index;
  Hash256 block;
  Hash256 txid;
  auto operator<=>(const ProofTxRef& o) const {
    return std::tie(height, index) <=> std::tie(o.height, o.index);
  }
};

class ProofBuilder {
 public:
  ProofBuilder(const ProofSource& source, const ProofLimits& limits)
      : src_(source), state_(source.state()), limits_(limits) {}

  chain::Result<ProofBundle> Build(const Hash256& subject);

 private:
  Status CollectLineage(const Hash256& subject);
  Status CollectEvents();
  Status CollectProfiles();
  Status AddTx(const Hash256& txid);
  Status FillTxs(ProofBundle* b);
  Status AddClaim(const chain::Transaction& tx, const Hash256& txid, uint32_t entry,
                  ProofBundle* b) const;

  const ProofSource& src_;
  const chain::KvReader& state_;
  const ProofLimits& limits_;
  std::vector<chain::Asset> lineage_;            // BFS order, the subject first
  std::map<Hash256, std::vector<Hash256>> asset_txids_;  // asset -> its events' txids
  std::map<Hash256, ProofTxRef> txs_;            // every tx of the bundle
  std::vector<Hash256> profile_txids_;
  std::set<chain::AccountId> actors_;  // of the events: actors and counterparties
};

// Breadth-first through parents and, for an asset a merge or transform consumed, through the
// other inputs of that step (the co-inputs, §14.1): the replay of the step needs them all.
Status ProofBuilder::CollectLineage(const Hash256& subject) {
  std::set<Hash256> seen{subject};
  std::deque<Hash256> queue{subject};
  const auto enqueue = [&](const std::vector<Hash256>& ids) {
    for (const Hash256& id : ids) {
      if (!seen.insert(id).second) continue;
      if (seen.size() > limits_.max_assets) {
        return Status::Invalid("lineage too large: more than " +
                               std::to_string(limits_.max_assets) + " assets");
      }
      queue.push_back(id);
    }
    return Status::Ok();
  };
  while (!queue.empty()) {
    const Hash256 id = queue.front();
    queue.pop_front();
    auto a = ReadRecord<chain::Asset>(state_, chain::keys::Asset(id), chain::DecodeAsset);
    if (!a.ok()) return a.status();
    if (!a->has_value()) {
      if (id == subject) return Status::NotFound("no asset " + id.ToHex());
      return Status::Corruption("asset " + id.ToHex() + " of the lineage has no record");
    }
    if (Status s = enqueue((*a)->parents); !s.ok()) return s;
    if ((*a)->status == chain::AssetStatus::kMerged ||
        (*a)->status == chain::AssetStatus::kTransformed) {
      for (const Hash256& output : (*a)->children) {
        auto out = ReadRecord<chain::Asset>(state_, chain::keys::Asset(output), chain::DecodeAsset);
        if (!out.ok()) return out.status();
        if (!out->has_value()) return Status::Corruption("output " + output.ToHex() + " missing");
        if (Status s = enqueue((*out)->parents); !s.ok()) return s;
      }
    }
    lineage_.push_back(std::move(**a));
  }
  return Status::Ok();
}

Status ProofBuilder::AddTx(const Hash256& txid) {
  if (txs_.count(txid)) return Status::Ok();
  if (txs_.size() >= limits_.max_txs) {
    return Status::Invalid("lineage too large: more than " + std::to_string(limits_.max_txs) +
                           " txs");
  }
  auto loc = ReadRecord<chain::TxLocation>(state_, chain::keys::TxIndex(txid),
                                           chain::DecodeTxLocation);
  if (!loc.ok()) return loc.status();
  if (!loc->has_value()) return Status::Corruption("tx " + txid.ToHex() + " is not indexed");
  txs_[txid] = ProofTxRef{(*loc)->height, (*loc)->index, (*loc)->block, txid};
  return Status::Ok();
}

Status ProofBuilder::CollectEvents() {
  for (const chain::Asset& a : lineage_) {
    std::vector<Hash256>& txids = asset_txids_[a.id];
    for (uint32_t seq = 0; seq < a.event_count; ++seq) {
      auto ev = ReadRecord<chain::AssetEvent>(state_, chain::keys::Event(a.id, seq),
                                              chain::DecodeAssetEvent);
      if (!ev.ok()) return ev.status();
      if (!ev->has_value()) return Status::Corruption("event " + std::to_string(seq) + " of " +
                                                      a.id.ToHex() + " is missing");
      if (Status s = AddTx((*ev)->txid); !s.ok()) return s;
      txids.push_back((*ev)->txid);
      actors_.insert((*ev)->actor);
      if (!(*ev)->counterparty.IsZero()) actors_.insert((*ev)->counterparty);
    }
  }
  return Status::Ok();
}

// The newest party.profile tx of every account that acts in the lineage, where one exists.
Status ProofBuilder::CollectProfiles() {
  std::set<chain::AccountId> accounts = actors_;
  for (const chain::Asset& a : lineage_) {
    accounts.insert(a.issuer);
    accounts.insert(a.custodian);
  }
  for (const chain::AccountId& account : accounts) {
    if (profile_txids_.size() >= kMaxProofProfiles) break;
    auto party = ReadRecord<chain::Party>(state_, chain::keys::Party(account), chain::DecodeParty);
    if (!party.ok()) return party.status();
    if (!party->has_value()) continue;
    // The newest profile event: the history's last entry of type profile.
    for (uint32_t seq = (*party)->history_count; seq-- > 0;) {
      auto pe = ReadRecord<chain::PartyEvent>(state_, chain::keys::PartyEvent(account, seq),
                                              chain::DecodePartyEvent);
      if (!pe.ok()) return pe.status();
      if (!pe->has_value() || (*pe)->type != chain::PartyEventType::kProfile) continue;
      if (Status s = AddTx((*pe)->txid); !s.ok()) return s;
      profile_txids_.push_back((*pe)->txid);
      break;
    }
  }
  return Status::Ok();
}

// Reads each block once, in chain order, for the txs' bytes and audit paths.
Status ProofBuilder::FillTxs(ProofBundle* b) {
  std::vector<ProofTxRef> refs;
  refs.reserve(txs_.size());
  for (const auto& [txid, ref] : txs_) refs.push_back(ref);
  std::sort(refs.begin(), refs.end());
  std::optional<chain::DecodedBlock> block;
  std::vector<Hash256> leaves;
  for (const ProofTxRef& ref : refs) {
    if (ref.height == 0 || ref.height > b->headers.size() ||
        b->headers[ref.height - 1].Id() != ref.block) {
      return Status::Corruption("tx " + ref.txid.ToHex() + " is not in the active chain's block " +
                                "at height " + std::to_string(ref.height));
    }
    if (!block || block->block.header.Id() != ref.block) {
      auto bytes = src_.ReadBlock(ref.block);
      if (!bytes.ok()) return bytes.status();
      auto decoded = chain::DecodeBlock(*bytes);
      if (!decoded.ok()) return Status::Corruption("block " + ref.block.ToHex() + ": " +
                                                   decoded.status().reason());
      block = std::move(*decoded);
      leaves.clear();
      for (const Hash256& id : block->txids) leaves.push_back(chain::MerkleLeafHash(id.span()));
    }
    if (ref.index >= block->txids.size() || block->txids[ref.index] != ref.txid) {
      return Status::Corruption("tx " + ref.txid.ToHex() + " is not at its indexed position");
    }
    ProofTx t;
    t.height = ref.height;
    t.position = ref.index;
    t.block_tx_count = static_cast<uint32_t>(block->txids.size());
    t.path = *chain::MerkleInclusionProof(leaves, ref.index);
    t.tx = block->block.txs[ref.index].Serialize();
    const auto entry = static_cast<uint32_t>(b->txs.size());
    b->txs.push_back(std::move(t));
    if (Status s = AddClaim(block->block.txs[ref.index], ref.txid, entry, b); !s.ok()) return s;
  }
  std::map<Hash256, uint32_t> index_of;
  for (uint32_t i = 0; i < refs.size(); ++i) index_of[refs[i].txid] = i;
  for (const chain::Asset& a : lineage_) {
    ProofAsset pa{a.id, {}};
    for (const Hash256& txid : asset_txids_[a.id]) pa.events.push_back(index_of.at(txid));
    b->assets.push_back(std::move(pa));
  }
  for (const Hash256& txid : profile_txids_) b->profiles.push_back(index_of.at(txid));
  std::sort(b->profiles.begin(), b->profiles.end());
  b->profiles.erase(std::unique(b->profiles.begin(), b->profiles.end()), b->profiles.end());
  return Status::Ok();
}

// A contract tx's claim: the effects of its call record (every contract tx in a block has one).
Status ProofBuilder::AddClaim(const chain::Transaction& tx, const Hash256& txid, uint32_t entry,
                              ProofBundle* b) const {
  if (!std::holds_alternative<chain::ContractCallOp>(tx.op) &&
      !std::holds_alternative<chain::ContractDeployOp>(tx.op)) {
    return Status::Ok();
  }
  auto record = chain::ReadCallRecord(state_, txid);
  if (!record.ok()) return record.status();
  if (!*record) return Status::Corruption("contract tx " + txid.ToHex() + " has no call record");
  b->calls.push_back(ProofCall{entry, std::move((*record)->effects)});
  return Status::Ok();
}

chain::Result<ProofBundle> ProofBuilder::Build(const Hash256& subject) {
  if (Status s = CollectLineage(subject); !s.ok()) return s;
  if (Status s = CollectEvents(); !s.ok()) return s;
  if (limits_.include_profiles) {
    if (Status s = CollectProfiles(); !s.ok()) return s;
  }
  ProofBundle b;
  b.chain_id = src_.params().chain_id();
  b.subject = subject;
  const uint32_t tip = src_.tip_height();
  if (tip > kMaxProofHeaders) {
    return Status::Invalid("chain too long for a bundle: " + std::to_string(tip) + " headers");
  }
  if (tip > 0) {
    auto headers = src_.ActiveHeaders(1, tip);
    if (!headers.ok()) return headers.status();
    b.headers = std::move(*headers);
  }
  if (Status s = FillTxs(&b); !s.ok()) return s;
  size_t bytes = 64 + b.headers.size() * chain::kHeaderSize;
  for (const ProofTx& t : b.txs) bytes += 24 + t.path.size() * 32 + t.tx.size();
  for (const ProofAsset& a : b.assets) bytes += 41 + a.events.size() * 4;
  // An effect takes at most 105 bytes (a split: kind, parent, first part, 2 children).
  for (const ProofCall& c : b.calls) bytes += 5 + c.effects.size() * 105;
  if (bytes > limits_.max_bytes) {
    return Status::Invalid("lineage too large: about " + std::to_string(bytes) +
                           " bytes, more than " + std::to_string(limits_.max_bytes));
  }
  return b;
}

class SnapshotProofSource : public ProofSource {
 public:
  explicit SnapshotProofSource(const ReadSnapshot& s) : s_(s) {}
  const ChainParams& params() const override { return s_.params(); }
  uint32_t tip_height() const override { return s_.tip().height; }
  const chain::KvReader& state() const override { return s_.state(); }
  chain::Result<std::vector<chain::BlockHeader>> ActiveHeaders(uint32_t from,
                                                               uint32_t to) const override {
    return s_.ActiveHeaders(from, to);
  }
  chain::Result<chain::Bytes> ReadBlock(const Hash256& id) const override {
    return s_.ReadBlock(id);
  }

 private:
  const ReadSnapshot& s_;
};

}  // namespace

chain::Result<ProofBundle> BuildProofBundle(const ProofSource& source, const Hash256& asset,
                                            const ProofLimits& limits) {
  return ProofBuilder(source, limits).Build(asset);
}

chain::Result<ProofBundle> BuildProofBundle(const ReadSnapshot& snapshot, const Hash256& asset,
                                            const ProofLimits& limits) {
  return BuildProofBundle(SnapshotProofSource(snapshot), asset, limits);
}

}  // namespace waybill::consensus
