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
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chain/block.h"
#include "chain/block_index.h"
#include "chain/log.h"
#include "chain/sig_cache.h"
#include "chain/state.h"
#include "chain/store.h"
#include "consensus/code_cache.h"
#include "consensus/header_chain.h"
#include "consensus/headers_presync.h"
#include "consensus/params.h"
#include "consensus/sig_check_pool.h"
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

// A tip change, reported after the fact. Connected blocks and disconnected txs are listed
// oldest first; disconnected blocks newest first (the order they left the chain in).
struct TipChange {
  TipInfo tip;
  std::vector<chain::Transaction> disconnected_txs;  // from blocks that left the chain
  std::vector<chain::Hash256> connected_blocks;
  std::vector<chain::Hash256> disconnected_blocks;
  uint64_t connected_txs = 0;  // txs in connected_blocks (the sync progress line's tx/s)
};

// Figures of the chain published for readers that must not wait for a block being connected
// (metrics, health, the REST API's syncing check): see Chainstate::Figures().
struct ChainFigures {
  uint32_t height = 0;              // the active chain's tip
  uint32_t best_header_height = 0;  // BestHeader()'s height
  uint64_t blocks_connected = 0;    // as Chainstate::Counters
  uint64_t reorgs = 0;
};

class ReadSnapshot;

class ChainstateListener {
 public:
  virtual ~ChainstateListener() = default;
  virtual void OnTipChanged(const TipChange& change) = 0;
};

struct ChainstateOptions {
  // Seconds since the epoch: the node's clock (mock time on regtest).
  std::function<int64_t()> clock;
  // Worker threads, kept for the chainstate's lifetime, that verify a block's signatures
  // while the connecting thread stores and applies it; that thread then joins them. So a
  // machine with N cores wants N: while the connecting thread waits on the disk, or is
  // preempted, every core still verifies. 0: the connecting thread verifies alone.
  size_t verify_threads = 1;
  // Signatures verified earlier (by the mempool). May be null. A connecting block's txs that
  // hit are not verified again, and the entries of a connected block's txs are erased.
  std::shared_ptr<chain::SignatureCache> signature_cache;
  chain::StoreOptions store;
  // Bytes of validated contract code kept between blocks (CodeCache): a call to code in it
  // neither reads nor validates the code again. 0: none.
  size_t code_cache_bytes = size_t{64} << 20;
  ChainstateListener* listener = nullptr;  // may be null; must outlive the chainstate
  // Called (at most once) when a write to the store fails, or a read needed to change the tip
  // finds the store damaged: a local fault the chainstate cannot recover from. Every later
  // write fails too (chain::Store's failures stick), so the owner should stop the process
  // (Bitcoin Core's AbortNode). Runs on the failing thread under the chainstate lock: it must
  // return quickly and not call into the chainstate. May be empty.
  std::function<void(const chain::Status&)> on_fatal_error;
  // Open() re-reads this many blocks of the active chain, newest first (Core's -checkblocks):
  // each must decode, hash to its id and match its Merkle root, and its undo data must decode.
  // 0: none.
  uint32_t check_blocks = 6;
  // Open() rebuilds everything but the blocks themselves (state, undo data, indexes, block
  // tree, tip) by validating the stored blocks again from genesis; see Open().
  bool reindex = false;
  chain::LogSink* log = nullptr;  // progress of a reindex; may be null
  // Called after each block is connected, with the seconds spent connecting it (reading it if
  // needed, applying it, joining its signature check and writing the batch). Runs under the
  // chainstate lock: it must return quickly (a metrics histogram) and not call into the
  // chainstate. May be empty.
  std::function<void(double seconds)> on_block_connected;
};

enum class BlockOutcome {
  kNewTip,     // connected; the block is the new tip
  kStored,     // valid so far and stored, but not on the most-work chain
  kDuplicate,  // already known
};

// The result of Chainstate::AcceptHeaders.
struct HeadersResult {
  ValidationResult result;  // of the first header not accepted; Valid if all were
  size_t accepted = 0;      // headers accepted (or already known) before it, in order
  bool connects = true;     // false: the first header's parent is unknown
  chain::Hash256 last;      // id of the last header accepted; zero if none
  // AcceptPeerHeaders only. Accepted headers may be held in the peer's presync rather than
  // stored: their ids are then unknown to the block tree. While the peer's presync runs,
  // resume is the header its next getheaders should start after (the presync's last header,
  // or the fork point when the chain is to be taken again).
  std::optional<chain::Hash256> resume;
  bool redownload = false;  // the presync had enough work: ask for the chain again now
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
  // database belongs to this network, loads the block tree, checks the newest
  // options.check_blocks blocks and resumes the best chain. Corruption (naming the damaged
  // files where the store can tell) if the database is damaged; nothing is deleted then.
  //
  // With options.reindex: if the database does not open, chain::Store::Repair salvages it
  // first; then every stored block is read, the derived records are deleted (a marker makes
  // an interrupted reindex refuse to start until it is run again), and the blocks are
  // accepted and connected again from genesis with every rule checked. A block that is lost,
  // does not decode or fails a rule is not connected (peers can provide it again), nor are
  // its descendants. Headers without bodies and invalidateblock marks are not kept.
  static chain::Result<std::unique_ptr<Chainstate>> Open(const std::string& db_dir,
                                                         const ChainParams& params,
                                                         ChainstateOptions options);
  ~Chainstate();

  // Validates and stores a block, then activates the best chain. Invalid (with the rule
  // that failed) if the block breaks a rule; Error on a local fault.
  ValidationResult ProcessBlock(const chain::DecodedBlock& block, BlockOutcome* outcome);
  ValidationResult ProcessBlockBytes(chain::ByteSpan bytes, BlockOutcome* outcome);

  // Headers-first sync (docs/PROTOCOL.md §12.4). Checks each header in order (the context-free
  // rules and those against its parent: difficulty, median time, future drift) and adds it to
  // the block tree without its body; stops at the first that fails. Accepted headers are
  // stored (unsynced) so a restart need not fetch them again.
  HeadersResult AcceptHeaders(const std::vector<chain::BlockHeader>& headers);
  // Headers from a peer (docs/PROTOCOL.md §12.4 "Presync"): as AcceptHeaders, except that a
  // chain with less work than PresyncThreshold() is not stored but followed in the peer's
  // presync (checked header by header and weighed; its first headers and checkpoints kept in
  // memory) until it has that much, then stored (taken again from the peer if it was longer
  // than the presync keeps: HeadersResult::redownload). A presync that takes more headers than
  // its budget (consensus/headers_presync.h) without getting there fails with
  // "low-work-headers". At most kMaxPresyncSources presyncs are kept (the stalest goes).
  HeadersResult AcceptPeerHeaders(uint64_t source, const std::vector<chain::BlockHeader>& headers);
  // The peer is gone: its presync is dropped.
  void ForgetHeadersSource(uint64_t source);
  // The work a header chain needs to be stored: the genesis file's min_chain_work, and the
  // tip's work less kPresyncForkAllowance blocks of the tip's difficulty.
  chain::ArithU256 PresyncThreshold() const;
  static constexpr size_t kMaxPresyncSources = 64;

  // The most-work header not known to be invalid: the tip, or ahead of it while syncing.
  BlockIndexInfo BestHeader() const;
  // Block ids from the best header's parent (genesis if the best header is genesis) back to
  // genesis: the 10 newest one by one, then with doubling steps, ending with the genesis id.
  // Not from the best header itself: a peer whose tip it is would have nothing to answer, and
  // we would never learn that it has those blocks (docs/PROTOCOL.md §12.4).
  std::vector<chain::Hash256> GetLocator() const;
  // Headers of the active chain after the first locator entry on it (after genesis if none),
  // at most `max`, ending early at `stop`.
  std::vector<chain::BlockHeader> GetHeadersAfter(const std::vector<chain::Hash256>& locator,
                                                  const chain::Hash256& stop, size_t max) const;
  // The bodies to fetch to move towards `target` (an accepted header with more work than the
  // tip): blocks without data on its chain after the fork with the active chain, lowest first,
  // no higher than the tip's height + window, at most `max`, skipping those `skip` names.
  // `skip` runs under the chainstate lock: it must not call back into the chainstate.
  std::vector<chain::Hash256> BlocksToDownload(
      const chain::Hash256& target, size_t max, uint32_t window,
      const std::function<bool(const chain::Hash256&)>& skip) const;

  TipInfo Tip() const;
  NextBlockRules NextRules() const;
  std::optional<chain::Hash256> BlockHashAt(uint32_t height) const;
  std::optional<BlockIndexInfo> GetBlockIndex(const chain::Hash256& id) const;
  chain::Result<chain::Bytes> ReadBlock(const chain::Hash256& id) const;
  chain::Result<chain::Account> GetAccount(const chain::AccountId& id) const;
  chain::Result<std::optional<chain::Asset>> GetAsset(const chain::Hash256& id) const;
  // Events of an asset in order, starting at sequence `from`, at most `limit`.
  chain::Result<std::vector<chain::AssetEvent>> GetAssetEvents(const chain::Hash256& asset,
                                                               uint32_t from, uint32_t limit) const;
  // The open assets in custodian's custody, in asset id order, after `after` (exclusive; none:
  // from the first), at most limit (clamped to 1..kMaxCustodyPage), from the custody index
  // (chain/custody.h). more: at least one more asset follows. An index entry whose asset is
  // missing, closed or held by another account is Corruption.
  static constexpr size_t kMaxCustodyPage = 1000;
  struct CustodyListing {
    std::vector<chain::Asset> assets;
    bool more = false;
  };
  chain::Result<CustodyListing> GetAssetsInCustody(const chain::AccountId& custodian,
                                                   const std::optional<chain::Hash256>& after,
                                                   size_t limit) const;
  chain::Result<std::optional<chain::TxLocation>> GetTxLocation(const chain::Hash256& txid) const;
  // An account's party record (nullopt: no profile) and the endorsements in force for it,
  // in key order (role, then registrar), at most max_endorsements of them.
  struct EndorsementInfo {
    std::string role;
    chain::AccountId registrar;
    chain::Endorsement endorsement;
  };
  struct PartyInfo {
    std::optional<chain::Party> party;
    std::vector<EndorsementInfo> endorsements;
  };
  chain::Result<PartyInfo> GetParty(const chain::AccountId& account,
                                    size_t max_endorsements) const;
  // An account's party history in order, starting at sequence `from`, at most `limit`.
  chain::Result<std::vector<chain::PartyEvent>> GetPartyEvents(const chain::AccountId& account,
                                                               uint32_t from,
                                                               uint32_t limit) const;
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
  // Works on a snapshot of the store taken at the call: the chainstate lock is held only to
  // take it, so other calls (and new blocks) proceed during the replay.
  chain::Result<VerifyReport> VerifyChain() const;

  // A digest of the whole state at the tip, read from a store snapshot (so without holding
  // the lock while it hashes): every record of chain::keys::kStatePrefixes (accounts, parties
  // and their history and endorsements, assets, asset events, tx-index and height
  // entry of the active chain, in key order (docs/API.md, getstateinfo). Two nodes on the
  // same tip have the same digest whatever way their blocks came; it is not a consensus value.
  struct StateDigest {
    chain::Hash256 tip;
    uint32_t height = 0;
    uint64_t accounts = 0;
    uint64_t assets = 0;
    uint64_t events = 0;
    uint64_t txs = 0;
    chain::Hash256 hash;
  };
  chain::Result<StateDigest> DigestState() const;

  const ChainParams& params() const { return params_; }

  // A consistent read-only view of the tip and its state (consensus/read_snapshot.h): the lock
  // is held only to take it, and reads on it never wait for the chainstate. REQUIRES: the
  // snapshot is destroyed before this chainstate.
  std::shared_ptr<const ReadSnapshot> TakeSnapshot() const;

  // Counters since this chainstate was opened. Never waits for the chainstate lock (read from
  // the published figures).
  struct Counters {
    uint64_t blocks_connected = 0;
    uint64_t reorgs = 0;  // tip changes that disconnected at least one block
  };
  Counters Stats() const;
  // The figures as of the last block connected or disconnected and the last best-header change
  // (each published as it happens, even in the middle of a connect loop or a reorg). Never waits
  // for the chainstate lock: the lock of a connect is not taken, only a small one of its own.
  ChainFigures Figures() const;
  // The code cache's hits, misses and size (ChainstateOptions::code_cache_bytes). Never waits.
  CodeCache::Figures CodeCacheFigures() const { return code_cache_->figures(); }
  // The store's point reads and keys written so far (chain::Store::counts). Never waits.
  chain::Store::Counts StoreCounts() const { return store_->counts(); }

 private:
  Chainstate(const ChainParams& params, ChainstateOptions options,
             std::unique_ptr<chain::Store> store);
  chain::Status Init();
  chain::Status InitGenesis();
  // The check of Open() (see ChainstateOptions::check_blocks).
  chain::Status CheckRecentBlocksLocked(uint32_t count) const;
  // Open() with options.reindex, after the store is open.
  chain::Status ReindexLocked();
  chain::Status DeleteDerivedRecordsLocked();
  // Writes a batch; a failure is reported through options_.on_fatal_error.
  chain::Status WriteLocked(chain::StoreBatch& batch, bool sync);
  // Reports a local fault through options_.on_fatal_error, once.
  void ReportFatalLocked(const chain::Status& status);

  TipInfo TipLocked() const;
  int64_t MedianTimePastLocked(const chain::BlockIndex* index) const;
  uint32_t NextBitsLocked(const chain::BlockIndex* parent) const;
  // Checks and stores a block. If signatures is not null and the block extends the tip (so it
  // is the next to connect), its signature check is started on the pool before the block is
  // stored, and handed out for ConnectTipLocked.
  ValidationResult AcceptBlockLocked(const chain::DecodedBlock& block, chain::BlockIndex** out,
                                     std::optional<SignatureCheckPool::Batch>* signatures);
  // The block ProcessBlock is processing, so that connecting it needs no re-read. No member
  // initializers: `= {}` below (all null) needs the type complete before the class is.
  struct InMemoryBlock {
    const chain::BlockIndex* index;
    const chain::DecodedBlock* block;
    SignatureCheckPool::Batch* signatures;  // its signature check if already started, or null
    ValidationResult* own_result;  // if not null: set if this block fails to connect
  };
  // "bad-prevblk", naming the nearest ancestor of index that failed to connect.
  ValidationResult DescendsFromInvalidLocked(const chain::BlockIndex* index) const;
  // Moves the tip towards the most-work valid chain. Returns the first invalid-block result
  // met on the way (the tip still moves to the best valid chain) or an error.
  ValidationResult ActivateBestChainLocked(std::vector<TipChange>* changes,
                                           InMemoryBlock in_memory = {});
  chain::BlockIndex* FindBestCandidateLocked() const;
  // The header rules for a header not yet in the tree: context-free checks, a known parent
  // that has not failed, then the contextual checks. *parent is set when the parent is found.
  ValidationResult CheckNewHeaderLocked(const chain::BlockHeader& header, const chain::Hash256& id,
                                        chain::BlockIndex** parent);
  // Header checks and insertion without a body; *added tells whether the header is new.
  ValidationResult AcceptHeaderLocked(const chain::BlockHeader& header, const chain::Hash256& id,
                                      chain::BlockIndex** out, bool* added);
  void UpdateBestHeaderLocked(chain::BlockIndex* index);
  bool BetterBestHeaderLocked(const chain::BlockIndex* index) const;
  // Copies the tip's figures to figures_ (Figures()).
  void PublishFiguresLocked();
  // Brings headers_ to the active chain: shares what is below the fork with the chain it had.
  void SyncHeaderChainLocked() const;
  // Presync (chainstate_presync.cpp). Those touching presyncs_ also REQUIRE presync_mu_.
  chain::ArithU256 PresyncThresholdLocked() const;
  HeaderChainCursor CursorAtLocked(const chain::BlockIndex* index) const;
  HeadersPresync& StartPresyncLocked(uint64_t source, chain::BlockIndex* fork);
  // One header of AcceptPeerHeaders; false: stop (result->result says why, or a redownload
  // was asked for).
  bool AcceptPeerHeaderLocked(uint64_t source, const chain::BlockHeader& header,
                              const chain::Hash256& id, bool first, HeadersResult* result,
                              std::vector<chain::BlockIndex*>* added);
  static constexpr size_t kPeerHeadersPerLock = 200;
  // AcceptPeerHeaders' part without mu_: takes headers from i on into source's presync while
  // they continue it and stay below its threshold; returns the first index not taken.
  // *go = false when one failed (result->result).
  size_t PresyncWithoutChainLock(uint64_t source, const std::vector<chain::BlockHeader>& headers,
                                 const std::vector<chain::Hash256>& ids, size_t i,
                                 HeadersResult* result, bool* go);
  // Takes headers[i] into the presync; *done when the presync is over (stored or failed).
  ValidationResult PresyncStepLocked(HeadersPresync& ps, const chain::BlockHeader& header,
                                     const chain::Hash256& id, HeadersResult* result,
                                     std::vector<chain::BlockIndex*>* added, bool* done);
  ValidationResult RedownloadStepLocked(HeadersPresync& ps, const chain::BlockHeader& header,
                                        const chain::Hash256& id,
                                        std::vector<chain::BlockIndex*>* added, bool* done);
  // Adds headers (each the child of the one before, the first's parent in the tree) to the tree.
  void CommitHeadersLocked(const std::vector<chain::BlockHeader>& headers,
                           std::vector<chain::BlockIndex*>* added);
  chain::Status StoreHeadersLocked(const std::vector<chain::BlockIndex*>& added);
  void RecomputeBestHeaderLocked();
  // A block's data was stored: if its ancestors all have data it (and any stored descendants
  // that waited for it) become linked and candidates; otherwise it waits in unlinked_.
  void LinkLocked(chain::BlockIndex* index);
  // Recomputes `linked` and unlinked_ for the whole tree (after loading it).
  void RebuildLinksLocked();
  // in_memory: index's block if the caller has it (then in_memory->index == index), else null:
  // the block is read from the store.
  ValidationResult ConnectTipLocked(chain::BlockIndex* index, TipChange* change,
                                    const InMemoryBlock* in_memory);
  chain::Status DisconnectTipLocked(TipChange* change);
  void MarkFailedLocked(chain::BlockIndex* index, uint8_t flag);
  chain::Status PersistIndexLocked(const std::vector<chain::BlockIndex*>& indexes);
  void Notify(std::vector<TipChange> changes);
  void RebuildCandidatesLocked();
  BlockIndexInfo InfoLocked(const chain::BlockIndex* index) const;
  // VerifyChain's replay, without the lock: active holds the ids of blocks 0..tip, and
  // snapshot the store as it was when they were the active chain.
  chain::Result<VerifyReport> VerifySnapshot(const std::vector<chain::Hash256>& active,
                                             const chain::StoreSnapshot& snapshot) const;

  struct CandidateOrder {
    // Most work first; among equal work the first seen.
    bool operator()(const chain::BlockIndex* a, const chain::BlockIndex* b) const {
      if (a->chain_work != b->chain_work) return a->chain_work > b->chain_work;
      return a->sequence < b->sequence;
    }
  };

  // Meta record present while a reindex runs: the derived records are incomplete until it is
  // removed, so Init() refuses a database that has it.
  static constexpr std::string_view kMetaReindexing = "reindexing";

  // Fixed after construction.
  const ChainParams params_;
  const ChainstateOptions options_;
  const std::unique_ptr<SignatureCheckPool> sig_pool_;  // thread-safe itself
  const std::unique_ptr<CodeCache> code_cache_;         // thread-safe itself

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::unique_ptr<chain::Store> store_;
  chain::BlockTree tree_;
  // Blocks with data, not known invalid, with at least the tip's work: the only blocks
  // that can become the tip. Checked lazily (an entry may have failed since).
  std::set<chain::BlockIndex*, CandidateOrder> candidates_;
  // Stored blocks whose chain misses an ancestor's data (they arrived out of order), by the
  // parent they wait for.
  std::unordered_multimap<chain::BlockIndex*, chain::BlockIndex*> unlinked_;
  // The most-work valid header (BestHeader()); never null once initialized.
  chain::BlockIndex* best_header_ = nullptr;
  bool fatal_reported_ = false;
  Counters counters_;
  // ConnectTipLocked's batch and undo encoding, kept from block to block so that their
  // buffers are not grown again (and their fresh pages faulted in) for every block; each is
  // released after a block that made it larger than kMaxKeptConnectBuffer.
  chain::StoreBatch connect_batch_;
  chain::Bytes connect_undo_;
  // The active chain's headers as of headers_tip_ (TakeSnapshot hands them out; never null).
  // Derived from tree_ (mutable: the const TakeSnapshot brings it up to date if needed).
  mutable std::shared_ptr<const HeaderChain> headers_ = std::make_shared<const HeaderChain>();
  mutable chain::BlockIndex* headers_tip_ = nullptr;

  // Figures(): a copy of what mu_ guards, published under a lock that is held only to copy it,
  // taken after mu_ when both are held.
  mutable std::mutex figures_mu_;
  ChainFigures figures_;  // guarded by figures_mu_

  // Presyncs by peer (AcceptPeerHeaders), at most kMaxPresyncSources. Guarded by presync_mu_,
  // taken after mu_ when both are held (and alone for headers that need no block tree).
  mutable std::mutex presync_mu_;
  std::unordered_map<uint64_t, HeadersPresync> presyncs_;
  uint64_t presync_clock_ = 0;
};

}  // namespace waybill::consensus
