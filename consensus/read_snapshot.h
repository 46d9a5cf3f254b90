// A consistent, read-only view of the chain at one tip: the state store as it was when the
// view was taken (a LevelDB snapshot) together with that tip. Readers (the REST API, proofs)
// answer from it without the chainstate's lock, so a block being connected never makes them
// wait, and a block connected while they read never mixes into their answer.
//
// Taken with Chainstate::TakeSnapshot(). Every getter reads the snapshot only: records through
// the chain/state.h decoders and the block index ('i' records) from the store snapshot, the
// active chain (its headers and ids) from the HeaderChain of the same tip, in memory
// (consensus/header_chain.h). A stored record that does not decode is Corruption, never a crash.
//
// Thread-safe (every method is const and LevelDB snapshots allow concurrent reads).
// REQUIRES: destroyed before the Chainstate that made it (it reads that chainstate's store).
// Keeps the state of its moment alive in LevelDB: hold one for a request, not for minutes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "chain/arith_uint256.h"
#include "chain/block.h"
#include "chain/custody.h"
#include "chain/state.h"
#include "chain/status.h"
#include "chain/store.h"
#include "consensus/chainstate.h"
#include "consensus/header_chain.h"
#include "consensus/params.h"

namespace waybill::consensus {

class ReadSnapshot {
 public:
  // REQUIRES: snapshot was taken while tip was the tip (under the chainstate lock), headers is
  // that tip's active chain (tip.height + 1 headers, the last one tip's); params outlives this
  // object.
  ReadSnapshot(std::unique_ptr<chain::StoreSnapshot> snapshot, TipInfo tip,
               std::shared_ptr<const HeaderChain> headers, const ChainParams& params);
  ~ReadSnapshot();
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

  const TipInfo& tip() const { return tip_; }
  const ChainParams& params() const { return params_; }
  // Raw records (chain/state.h keys).
  const chain::KvReader& state() const { return *snapshot_; }
  // The same records with ordered scans (Scan, ScanFrom).
  const chain::StoreSnapshot& store() const { return *snapshot_; }

  // The id of the active chain's block at height (the snapshot's chain); nullopt above the tip.
  std::optional<chain::Hash256> BlockHashAt(uint32_t height) const;

  struct HeaderInfo {
    chain::Hash256 id;
    chain::BlockHeader header;
    uint32_t height = 0;
    chain::ArithU256 chain_work;
    bool in_active_chain = false;  // on the snapshot's active chain
  };
  // A block header the block tree knows (with or without its body); nullopt if unknown.
  chain::Result<std::optional<HeaderInfo>> GetHeader(const chain::Hash256& id) const;
  // Headers of the active chain at heights from_height..to_height (inclusive), copied from
  // memory (no store read). Invalid if from_height > to_height or to_height > tip().height.
  chain::Result<std::vector<chain::BlockHeader>> ActiveHeaders(uint32_t from_height,
                                                               uint32_t to_height) const;
  // A stored block's bytes; NotFound if absent.
  chain::Result<chain::Bytes> ReadBlock(const chain::Hash256& id) const;

  // An absent account reads as the zero account.
  chain::Result<chain::Account> GetAccount(const chain::AccountId& id) const;
  chain::Result<std::optional<chain::Asset>> GetAsset(const chain::Hash256& id) const;
  // Events of an asset in order, starting at sequence `from`, at most `limit`.
  chain::Result<std::vector<chain::AssetEvent>> GetAssetEvents(const chain::Hash256& asset,
                                                               uint32_t from,
                                                               uint32_t limit) const;
  chain::Result<std::optional<chain::TxLocation>> GetTxLocation(const chain::Hash256& txid) const;
  // As Chainstate::GetParty.
  chain::Result<Chainstate::PartyInfo> GetParty(const chain::AccountId& account,
                                                size_t max_endorsements) const;
  // The custody index (chain/custody.h); limit is clamped to 1..Chainstate::kMaxCustodyPage.
  chain::Result<chain::CustodyPage> ListCustody(const chain::AccountId& custodian,
                                                const std::optional<chain::Hash256>& after,
                                                size_t limit) const;

  // The assets (any status) with a published metadata entry key = value, in asset id order,
  // after `after` (exclusive; none: from the first), at most limit (clamped to
  // 1..kMaxMetaPage), from the metadata index ('g' keys, chain/state.h). more: at least one
  // more asset follows.
  static constexpr size_t kMaxMetaPage = 1000;
  struct MetaPage {
    std::vector<chain::Hash256> assets;
    bool more = false;
  };
  chain::Result<MetaPage> FindByMetadata(std::string_view key, std::string_view value,
                                         const std::optional<chain::Hash256>& after,
                                         size_t limit) const;

 private:
  // Fixed after construction.
  const std::unique_ptr<chain::StoreSnapshot> snapshot_;
  const TipInfo tip_;
  const std::shared_ptr<const HeaderChain> headers_;  // never null
  const ChainParams& params_;
};

}  // namespace waybill::consensus
