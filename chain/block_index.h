// The block tree: every known block header with its height, cumulative work and status,
// and the active chain (the path from genesis to the tip). Not thread-safe: its owner
// (consensus::Chainstate) guards it with its lock.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chain/arith_uint256.h"
#include "chain/block.h"
#include "chain/status.h"
#include "chain/types.h"

namespace waybill::chain {

enum BlockStatusFlags : uint8_t {
  kBlockHaveData = 1,      // the block's bytes are in the store
  kBlockValid = 2,         // connected at least once: every tx rule held
  kBlockFailed = 4,        // the block itself is invalid (or invalidated by RPC)
  kBlockFailedParent = 8,  // an ancestor is invalid
};

struct BlockIndex {
  Hash256 id;
  BlockHeader header;
  uint32_t height = 0;
  ArithU256 chain_work;  // sum of the work of this block and all its ancestors
  uint8_t status = 0;
  uint64_t sequence = 0;  // arrival order: among chains of equal work the first seen wins
  BlockIndex* parent = nullptr;
  BlockIndex* skip = nullptr;  // a far ancestor, for O(log n) GetAncestor
  // This block and all its ancestors have data, so it can be connected. Derived, not stored
  // (the chainstate computes it on load).
  bool linked = false;

  bool HaveData() const { return status & kBlockHaveData; }
  bool Failed() const { return status & (kBlockFailed | kBlockFailedParent); }
  // REQUIRES: h <= height.
  BlockIndex* GetAncestor(uint32_t h);
  const BlockIndex* GetAncestor(uint32_t h) const;
};

// On disk: header (116) || u32 height || 32-byte chain work, big-endian || u8 status ||
// u64 sequence.
Bytes EncodeBlockIndex(const BlockIndex& index);
Status DecodeBlockIndex(ByteSpan data, BlockIndex* out);  // fills all but parent/skip/id

class BlockTree {
 public:
  BlockIndex* Find(const Hash256& id) const;
  // Adds a block whose parent is already in the tree (nullptr only for genesis). Computes
  // height, chain work and sequence. REQUIRES: id not present.
  BlockIndex* Add(const BlockHeader& header, const Hash256& id, BlockIndex* parent);
  // Adds a record read from disk; call Link() once all are added.
  void AddLoaded(std::unique_ptr<BlockIndex> index);
  // Resolves parent pointers and skip pointers of loaded records. Corruption if a parent
  // is missing.
  Status Link(const Hash256& genesis_id);

  BlockIndex* Tip() const { return active_.empty() ? nullptr : active_.back(); }
  BlockIndex* AtHeight(uint32_t h) const { return h < active_.size() ? active_[h] : nullptr; }
  bool InActiveChain(const BlockIndex* index) const {
    return index && index->height < active_.size() && active_[index->height] == index;
  }
  // Makes the chain ending at tip the active chain.
  void SetTip(BlockIndex* tip);
  // The last block that index's chain shares with the active chain. O(log^2 n).
  BlockIndex* FindFork(BlockIndex* index) const;
  size_t size() const { return map_.size(); }
  // The blocks without a child: the tips of every branch. Kept up to date by Add and Link, so
  // listing the branches costs their number, not the tree's size.
  const std::unordered_set<BlockIndex*>& Leaves() const { return leaves_; }
  template <typename F>
  void ForEach(F&& fn) const {
    for (const auto& [id, index] : map_) fn(index.get());
  }

 private:
  void SetSkip(BlockIndex* index);
  std::unordered_map<Hash256, std::unique_ptr<BlockIndex>, Hash256Hasher> map_;
  std::vector<BlockIndex*> active_;
  std::unordered_set<BlockIndex*> leaves_;
  uint64_t next_sequence_ = 0;
};

}  // namespace waybill::chain
