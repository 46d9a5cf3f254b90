// The simulated node behind p2p::NodeInterface: a block tree of fake blocks and a mempool, kept
// as flags over the blocks and txs of the whole simulation (SimWorld), so that a node costs a
// few bytes per block and per tx. Nothing is validated: no proof of work, no signatures, no
// state; a block has no txs (its size on the wire is charged by the network model instead) and
// each block adds one unit of work, so the longest chain wins.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "chain/block.h"
#include "chain/tx.h"
#include "chain/types.h"
#include "p2p/node_interface.h"

namespace waybill::overlay_sim {

// Every block and tx of a simulation, shared by its nodes (which hold indices into these).
class SimWorld {
 public:
  struct BlockEntry {
    chain::BlockHeader header;
    chain::Hash256 id;
    uint32_t parent;  // index; the genesis block is its own parent
    uint32_t height;
  };

  SimWorld();

  // A new block on `parent`: its index. `tag` makes its id unique.
  uint32_t AddBlock(uint32_t parent, uint64_t tag, uint32_t time);
  // A new tx (never signed: nothing checks it): its index.
  uint32_t AddTx(uint64_t tag);

  const BlockEntry& block(uint32_t i) const { return blocks_[i]; }
  size_t block_count() const { return blocks_.size(); }
  std::optional<uint32_t> FindBlock(const chain::Hash256& id) const;
  const chain::Transaction& tx(uint32_t i) const { return txs_[i]; }
  const chain::Hash256& txid(uint32_t i) const { return txids_[i]; }
  size_t tx_count() const { return txs_.size(); }
  std::optional<uint32_t> FindTx(const chain::Hash256& id) const;
  const chain::Hash256& genesis_id() const { return blocks_[0].id; }

 private:
  std::vector<BlockEntry> blocks_;
  std::unordered_map<chain::Hash256, uint32_t, chain::Hash256Hasher> block_index_;
  std::vector<chain::Transaction> txs_;
  std::vector<chain::Hash256> txids_;
  std::unordered_map<chain::Hash256, uint32_t, chain::Hash256Hasher> tx_index_;
};

class SimChain : public p2p::NodeInterface {
 public:
  // Called when the active chain moves, with the newly connected blocks (oldest first).
  using OnConnected = std::function<void(const std::vector<uint32_t>& blocks)>;
  // Called when a tx enters the mempool.
  using OnTx = std::function<void(uint32_t tx)>;

  // REQUIRES: world outlives the chain. Starts at genesis with an empty mempool.
  SimChain(const SimWorld* world, OnConnected on_connected, OnTx on_tx);

  // The node mined or was handed a block: as ProcessBlock, without the peer layer.
  p2p::Verdict AddLocalBlock(uint32_t block);
  // A tx submitted locally: true if it is new.
  bool AddLocalTx(uint32_t tx);
  bool HasTx(uint32_t tx) const { return tx < in_mempool_.size() && in_mempool_[tx]; }
  bool HasBlockData(uint32_t block) const { return Flags(block) & kData; }
  uint32_t tip() const { return tip_; }
  size_t mempool_size() const { return mempool_.size(); }

  p2p::ChainSummary GetChainSummary() override;
  std::optional<p2p::HeaderInfo> GetHeaderInfo(const chain::Hash256& id) override;
  std::vector<chain::Hash256> GetLocator() override;
  std::vector<chain::BlockHeader> GetHeadersAfter(const std::vector<chain::Hash256>& locator,
                                                  const chain::Hash256& stop, size_t max) override;
  p2p::HeadersVerdict AcceptHeaders(const std::vector<chain::BlockHeader>& headers) override;
  std::vector<chain::Hash256> BlocksToDownload(
      const chain::Hash256& target, size_t max, uint32_t window,
      const std::function<bool(const chain::Hash256&)>& skip) override;
  p2p::Verdict ProcessBlock(const chain::DecodedBlock& block) override;
  std::optional<chain::Bytes> ReadBlock(const chain::Hash256& id) override;
  p2p::Verdict AcceptTx(const chain::Transaction& tx) override;
  bool HaveTx(const chain::Hash256& txid) override;
  std::optional<chain::Bytes> GetMempoolTx(const chain::Hash256& txid) override;
  std::vector<chain::Hash256> MempoolTxids() override;

 private:
  static constexpr uint8_t kHeader = 1;
  static constexpr uint8_t kData = 2;

  uint8_t Flags(uint32_t block) const { return block < flags_.size() ? flags_[block] : 0; }
  void SetFlags(uint32_t block, uint8_t flags);
  // True if a is b or an ancestor of b.
  bool IsAncestor(uint32_t a, uint32_t b) const;
  // The last block of b's ancestry (b included) on the active chain.
  uint32_t Fork(uint32_t b) const;
  // Moves the tip to the highest block whose whole ancestry has data, if that is higher.
  void UpdateTip();
  p2p::Verdict StoreBlock(uint32_t block);

  const SimWorld* const world_;
  const OnConnected on_connected_;
  const OnTx on_tx_;
  std::vector<uint8_t> flags_;  // per block of the world: kHeader, kData
  uint32_t tip_ = 0;
  uint32_t best_header_ = 0;
  std::vector<bool> in_mempool_;  // per tx of the world
  std::vector<uint32_t> mempool_;
};

}  // namespace waybill::overlay_sim
