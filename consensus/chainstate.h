// The chainstate: the block tree, the active chain and the state store, kept consistent.
// It accepts blocks from anywhere (miner, RPC, later the network), validates them fully,
// stores them, and moves the tip to the valid chain with the most work, reorganizing
// through undo data as deep as needed. Every tip change is one synced WriteBatch.
//
// Thread-safe: one internal mutex serializes all calls. Listener callbacks run after that
// mutex is released, on the calling thread.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "chain/block.h"
#include "chain/block_index.h"
#include "chain/state.h"
#include "chain/store.h"
#include "consensus/params.h"
#include "consensus/validation.h"

namespace waybill::consensus {

struct TipInfo {
  chain::Hash256 id;
  uint32_t height = 0;
  chain::BlockHeader header;
  chain::ArithU256 chain_work;
  int64_t median_time_past = 0;
};

// What a block needs to extend the tip: fixed by the tip and the clock.
struct NextBlockRules {
  chain::Hash256 prev;
  uint32_t height = 0;
  uint32_t bits = 0;
  int64_t min_time = 0;  // median time past + 1
  int64_t max_time = 0;  // now + max_future_block_time
};

// A tip change, reported after the fact. Blocks are listed oldest first.
struct TipChange {
  TipInfo tip;
  std::vector<chain::Transaction> disconnected_txs;  // from blocks that left the chain
  std::vector<chain::Hash256> connected_blocks;
};

class ChainstateListener {
 public:
  virtual ~ChainstateListener() = default;
  virtual void OnTipChanged(const TipChange& change) = 0;
};

struct ChainstateOptions {
  // Seconds since the epoch: the node's clock (mock time on regtest).
  std::function<int64_t()> clock;
  size_t verify_threads = 1;  // threads for signature checks while connecting
  chain::StoreOptions store;
  ChainstateListener* listener = nullptr;  // may be null; must outlive the chainstate
};

enum class BlockOutcome {
  kNewTip,     // connected; the block is the new tip
  kStored,     // valid so far and stored, but not on the most-work chain
  kDuplicate,  // already known
};

struct BlockIndexInfo {
  chain::Hash256 id;
  chain::BlockHeader header;
  uint32_t height = 0;
  chain::ArithU256 chain_work;
  uint8_t status = 0;
  bool in_active_chain = false;
  std::optional<chain::Hash256> next;  // the active chain's next block
  uint32_t branch_length = 0;          // ChainTips(): blocks since the fork with the active chain
};

class Chainstate {
 public:
  // Opens the store in db_dir, creates the genesis state on first use, checks that the
  // database belongs to this network, loads the block tree and resumes the best chain.
  static chain::Result<std::unique_ptr<Chainstate>> Open(const std::string& db_dir,
                                                         const ChainParams& params,
                                                         ChainstateOptions options);
  ~Chainstate();

  // Validates and stores a block, then activates the best chain. Invalid (with the rule
  // that failed) if the block breaks a rule; Error on a local fault.
  ValidationResult ProcessBlock(const chain::DecodedBlock& block, BlockOutcome* outcome);
  ValidationResult ProcessBlockBytes(chain::ByteSpan bytes, BlockOutcome* outcome);

  TipInfo Tip() const;
  NextBlockRules NextRules() const;
  std::optional<chain::Hash256> BlockHashAt(uint32_t height) const;
  std::optional<BlockIndexInfo> GetBlockIndex(const chain::Hash256& id) const;
  chain::Result<chain::Bytes> ReadBlock(const chain::Hash256& id) const;
  chain::Result<chain::Account> GetAccount(const chain::AccountId& id) const;
  chain::Result<std::optional<chain::Asset>> GetAsset(const chain::Hash256& id) const;
  // Events of an asset in order, starting at sequence `from`, at most `limit`.
  chain::Result<std::vector<chain::AssetEvent>> GetAssetEvents(const chain::Hash256& asset,
                                                               uint32_t from,
                                                               uint32_t limit) const;
  chain::Result<std::optional<chain::TxLocation>> GetTxLocation(const chain::Hash256& txid) const;
  // Every block the tree knows whose chain is not the active one's, plus the tip:
  // (tip of a branch, its height, branch length, status) for getchaintips.
  std::vector<BlockIndexInfo> ChainTips() const;

  // Runs fn with the state at the tip under the chainstate lock: the state cannot change
  // while fn runs. fn must not call back into the chainstate.
  void WithTipState(
      const std::function<void(const chain::KvReader& state, const TipInfo& tip)>& fn) const;

  // Marks a block (and its descendants) invalid and moves the tip off it.
  ValidationResult InvalidateBlock(const chain::Hash256& id);
  // Clears the invalid marks of a block, its ancestors and its descendants.
  ValidationResult ReconsiderBlock(const chain::Hash256& id);

  struct VerifyReport {
    uint32_t blocks_checked = 0;
    uint64_t state_keys_compared = 0;
    std::vector<std::string> problems;  // empty when the stored state matches the replay
  };
  // Rebuilds the state in memory by replaying the active chain from genesis (checking
  // PoW, Merkle roots and signatures on the way) and compares it with the stored state.
  chain::Result<VerifyReport> VerifyChain() const;

  const ChainParams& params() const { return params_; }

 private:
  Chainstate(const ChainParams& params, ChainstateOptions options,
             std::unique_ptr<chain::Store> store);
  chain::Status Init();
  chain::Status InitGenesis();

  TipInfo TipLocked() const;
  int64_t MedianTimePastLocked(const chain::BlockIndex* index) const;
  uint32_t NextBitsLocked(const chain::BlockIndex* parent) const;
  ValidationResult AcceptBlockLocked(const chain::DecodedBlock& block, chain::BlockIndex** out);
  // Moves the tip towards the most-work valid chain. Returns the first invalid-block result
  // met on the way (the tip still moves to the best valid chain) or an error.
  ValidationResult ActivateBestChainLocked(std::vector<TipChange>* changes);
  chain::BlockIndex* FindBestCandidateLocked() const;
  ValidationResult ConnectTipLocked(chain::BlockIndex* index, TipChange* change);
  chain::Status DisconnectTipLocked(TipChange* change);
  void MarkFailedLocked(chain::BlockIndex* index, uint8_t flag);
  chain::Status PersistIndexLocked(const std::vector<chain::BlockIndex*>& indexes);
  void Notify(std::vector<TipChange> changes);
  void RebuildCandidatesLocked();
  BlockIndexInfo InfoLocked(const chain::BlockIndex* index) const;

  struct CandidateOrder {
    // Most work first; among equal work the first seen.
    bool operator()(const chain::BlockIndex* a, const chain::BlockIndex* b) const {
      if (a->chain_work != b->chain_work) return a->chain_work > b->chain_work;
      return a->sequence < b->sequence;
    }
  };

  // Fixed after construction.
  const ChainParams params_;
  const ChainstateOptions options_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::unique_ptr<chain::Store> store_;
  chain::BlockTree tree_;
  // Blocks with data, not known invalid, with at least the tip's work: the only blocks
  // that can become the tip. Checked lazily (an entry may have failed since).
  std::set<chain::BlockIndex*, CandidateOrder> candidates_;
};

}  // namespace waybill::consensus
