#include "consensus/chainstate.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <utility>

#include "chain/custody.h"
#include "chain/state_cache.h"
#include "consensus/block_check.h"
#include "consensus/headers_presync.h"
#include "consensus/pow.h"
#include "consensus/read_snapshot.h"
#include "consensus/state_reads.h"
#include "consensus/state_transition.h"

namespace waybill::consensus {

using chain::BlockIndex;
using chain::Bytes;
using chain::Hash256;
using chain::Result;
using chain::Status;

namespace {

constexpr std::string_view kMetaTip = "tip";
constexpr std::string_view kMetaGenesis = "genesis";
constexpr std::string_view kMetaVersion = "version";
// 2: the custody index ('c' keys); 3: the metadata index ('g' keys); 4: undo records without
// the index keys; 5: protocol 3 (contracts: 'o', 'w', 'k', 'l' and the attestation index 'v');
// 6: protocol 3 as amended before release (the code 'q' and the call count 'j' out of 'o', an
// intrinsic gas per run).
// Protocol 3 reset every network, so a database of version 1 to 4 holds a chain that no longer
// exists: it is refused with what to do (no upgrade, no reindex: its blocks are of the old
// chain). Version 5 was written by pre-release protocol 3 nodes, whose contract state and call
// records the amendment changed: refused the same way.
constexpr std::string_view kDbVersion = "6";
constexpr std::string_view kPreResetDbVersions[] = {"1", "2", "3", "4"};
constexpr std::string_view kPreAmendmentDbVersion = "5";
// ConnectTipLocked keeps its batch and undo buffers up to this size between blocks.
constexpr size_t kMaxKeptConnectBuffer = 16 << 20;

// Folds an overlay's writes into an in-memory store (chain replay).
void FoldInto(const chain::StateCache& cache, chain::MemoryKv* mem) {
  for (const auto& [key, value] : cache.changes()) {
    if (value) {
      mem->Put(key, *value);
    } else {
      mem->Delete(key);
    }
  }
}

}  // namespace

Chainstate::Chainstate(const ChainParams& params, ChainstateOptions options,
                       std::unique_ptr<chain::Store> store)
    : params_(params),
      options_(std::move(options)),
      sig_pool_(std::make_unique<SignatureCheckPool>(options_.verify_threads)),
      code_cache_(std::make_unique<CodeCache>(options_.code_cache_bytes)),
      store_(std::move(store)) {}

Chainstate::~Chainstate() = default;

Result<std::unique_ptr<Chainstate>> Chainstate::Open(const std::string& db_dir,
                                                     const ChainParams& params,
                                                     ChainstateOptions options) {
  if (!options.clock) return Status::Internal("chainstate: no clock");
  if (options.reindex && std::filesystem::exists(db_dir)) {
    // Cheap next to the rebuild, and the only way past a damaged table: a compaction with
    // paranoid checks would stop at it on every run.
    if (options.log) options.log->Info("reindex: repairing the database in " + db_dir);
    if (Status s = chain::Store::Repair(db_dir, options.store); !s.ok()) {
      return Status::IoError("repairing " + db_dir + ": " + s.ToString());
    }
  }
  auto store = chain::Store::Open(db_dir, options.store);
  if (!store.ok()) return store.status();
  std::unique_ptr<Chainstate> cs(new Chainstate(params, std::move(options), std::move(*store)));
  std::lock_guard lock(cs->mu_);
  Status s = cs->options_.reindex ? cs->ReindexLocked() : cs->Init();
  if (s.ok() && !cs->options_.reindex) s = cs->CheckRecentBlocksLocked(cs->options_.check_blocks);
  if (s.code() == Status::Code::kCorruption) {
    return Status::Corruption(s.reason() + "; " + chain::Store::DescribeDamage(db_dir));
  }
  if (!s.ok()) return s;
  // A better chain may have been stored but not yet connected when the node stopped.
  std::vector<TipChange> changes;
  ValidationResult r = cs->ActivateBestChainLocked(&changes);
  if (r.error()) return Status::IoError(r.ToString());
  return cs;
}

Status Chainstate::Init() {
  Bytes marker;
  Status s = store_->Get(chain::keys::Meta(kMetaReindexing), &marker);
  if (s.ok()) return Status::Corruption("a reindex was interrupted before it finished");
  if (!s.IsNotFound()) return s;
  Bytes genesis;
  s = store_->Get(chain::keys::Meta(kMetaGenesis), &genesis);
  if (s.IsNotFound()) return InitGenesis();
  if (!s.ok()) return s;
  Bytes version;
  Status v = store_->Get(chain::keys::Meta(kMetaVersion), &version);
  if (!v.ok() && !v.IsNotFound()) return v;
  const std::string found(version.begin(), version.end());
  for (std::string_view old : kPreResetDbVersions) {
    if (!v.ok() || found != old) continue;
    return Status::Invalid(
        "the database holds a chain of protocol 2 or earlier (database version " + found +
        ", this waybilld uses version " + std::string(kDbVersion) +
        "): protocol 3 reset every network to a new genesis (docs/PROTOCOL.md, Version "
        "history), so that chain is gone; remove the data directory's " +
        params_.network + " folder (its chain, peers and mempool; wallets are kept apart) or use "
        "another --datadir, to start on the new chain");
  }
  if (v.ok() && found == kPreAmendmentDbVersion) {
    return Status::Invalid(
        "the database was written before protocol 3 was amended (database version " + found +
        ", this waybilld uses version " + std::string(kDbVersion) +
        "): the amendment changed the contract state and the gas of contract calls (docs/"
        "PROTOCOL.md, Version history), so that state cannot be used; remove the data "
        "directory's " + params_.network + " folder (its chain, peers and mempool; wallets are "
        "kept apart) or use another --datadir, to start again");
  }
  if (genesis.size() != 32 || Hash256::FromSpan(genesis) != params_.genesis_id) {
    return Status::Invalid("the database belongs to another network (genesis " +
                           chain::HexEncode(genesis) + "), this node runs " + params_.network +
                           " (genesis " + params_.genesis_id.ToHex() +
                           "): a chain of another genesis file, or of this network before a "
                           "protocol upgrade reset it (docs/PROTOCOL.md, Version history); move "
                           "the data folder away or use another --datadir to start this chain");
  }
  if (!v.ok() || found != kDbVersion) {
    return Status::Corruption("unknown database version '" + found + "'");
  }

  Status inner = Status::Ok();
  s = store_->Scan(std::string(1, chain::keys::kBlockIndex), [&](std::string_view key,
                                                                 chain::ByteSpan value) {
    auto index = std::make_unique<BlockIndex>();
    if (key.size() != 33) {
      inner = Status::Corruption("block index: bad key");
      return false;
    }
    index->id =
        Hash256::FromSpan(chain::ByteSpan(reinterpret_cast<const uint8_t*>(key.data()) + 1, 32));
    inner = chain::DecodeBlockIndex(value, index.get());
    if (!inner.ok()) return false;
    if (index->header.Id() != index->id) {
      inner = Status::Corruption("block index: header does not hash to " + index->id.ToHex());
      return false;
    }
    tree_.AddLoaded(std::move(index));
    return true;
  });
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  if (!tree_.Find(params_.genesis_id)) return Status::Corruption("genesis block index missing");
  if (s = tree_.Link(params_.genesis_id); !s.ok()) return s;

  Bytes tip_id;
  if (s = store_->Get(chain::keys::Meta(kMetaTip), &tip_id); !s.ok()) {
    return Status::Corruption("tip pointer missing: " + s.ToString());
  }
  BlockIndex* tip = tip_id.size() == 32 ? tree_.Find(Hash256::FromSpan(tip_id)) : nullptr;
  if (!tip || !(tip->status & chain::kBlockValid)) {
    return Status::Corruption("tip pointer names no connected block");
  }
  tree_.SetTip(tip);
  RebuildLinksLocked();
  RebuildCandidatesLocked();
  RecomputeBestHeaderLocked();
  return Status::Ok();
}

Status Chainstate::InitGenesis() {
  bool any_index = false;
  Status s = store_->Scan(std::string(1, chain::keys::kBlockIndex),
                          [&](std::string_view, chain::ByteSpan) {
                            any_index = true;
                            return false;
                          });
  if (!s.ok()) return s;
  if (any_index) return Status::Corruption("block index present but no genesis record");

  BlockIndex* index = tree_.Add(params_.genesis, params_.genesis_id, nullptr);
  index->status = chain::kBlockHaveData | chain::kBlockValid;
  index->linked = true;
  chain::StateCache cache(store_.get());
  ValidationResult r = ApplyGenesis(params_, &cache);
  if (!r.valid()) return Status::Invalid("genesis state: " + r.ToString());

  chain::StoreBatch batch;
  cache.WriteTo(&batch);
  chain::Block block{params_.genesis, {}};
  batch.Put(chain::keys::Block(index->id), block.Serialize());
  batch.Put(chain::keys::BlockIndex(index->id), chain::EncodeBlockIndex(*index));
  batch.Put(chain::keys::Meta(kMetaGenesis), index->id.span());
  batch.Put(chain::keys::Meta(kMetaTip), index->id.span());
  batch.Put(
      chain::keys::Meta(kMetaVersion),
      chain::ByteSpan(reinterpret_cast<const uint8_t*>(kDbVersion.data()), kDbVersion.size()));
  if (s = WriteLocked(batch, true); !s.ok()) return s;
  tree_.SetTip(index);
  RebuildCandidatesLocked();
  RecomputeBestHeaderLocked();
  return Status::Ok();
}

int64_t Chainstate::MedianTimePastLocked(const BlockIndex* index) const {
  std::vector<int64_t> times;
  for (int i = 0; i < 11 && index; ++i, index = index->parent) {
    times.push_back(index->header.time);
  }
  return MedianTimePast(times);
}

uint32_t Chainstate::NextBitsLocked(const BlockIndex* parent) const {
  return NextBitsAfter(params_, parent->height, parent->header.time);
}

TipInfo Chainstate::TipLocked() const {
  const BlockIndex* tip = tree_.Tip();
  return TipInfo{tip->id, tip->height, tip->header, tip->chain_work, MedianTimePastLocked(tip)};
}

TipInfo Chainstate::Tip() const {
  std::lock_guard lock(mu_);
  return TipLocked();
}

NextBlockRules Chainstate::NextRules() const {
  std::lock_guard lock(mu_);
  const BlockIndex* tip = tree_.Tip();
  NextBlockRules rules;
  rules.prev = tip->id;
  rules.height = tip->height + 1;
  rules.bits = NextBitsLocked(tip);
  rules.min_time = MedianTimePastLocked(tip) + 1;
  rules.max_time = options_.clock() + params_.max_future_block_time;
  return rules;
}

ValidationResult Chainstate::AcceptBlockLocked(
    const chain::DecodedBlock& block, BlockIndex** out,
    std::optional<SignatureCheckPool::Batch>* signatures) {
  const chain::BlockHeader& header = block.block.header;
  Hash256 id = header.Id();
  BlockIndex* index = tree_.Find(id);
  if (index && (index->Failed() || index->HaveData())) {
    if (index->Failed()) return ValidationResult::Invalid(Reason::kDuplicateInvalid, id.ToHex());
    *out = index;
    return ValidationResult::Valid();
  }
  // A header accepted earlier without its body (headers-first sync) has passed the header
  // rules already; only the body is new.
  BlockIndex* parent = index ? index->parent : nullptr;
  if (!index) {
    if (auto r = CheckNewHeaderLocked(header, id, &parent); !r.valid()) return r;
  }
  // The signature check of a block that will connect next starts now, so that CheckBlock and
  // storing the block overlap it. A block that fails CheckBlock has it cancelled: the result
  // is CheckBlock's, as if the check had never started.
  if (signatures && parent == tree_.Tip()) {
    signatures->emplace(sig_pool_->Start(block.block.txs, options_.signature_cache.get()));
  }
  // A body that does not match its header (a wrong Merkle root, say) says nothing about the
  // header: another peer may send the right body, so the header is not marked failed.
  if (auto r = CheckBlock(block, params_); !r.valid()) {
    if (signatures && *signatures) {
      (*signatures)->Cancel();
      signatures->reset();
    }
    return r;
  }

  if (!index) {
    index = tree_.Add(header, id, parent);
    UpdateBestHeaderLocked(index);
  }
  index->status |= chain::kBlockHaveData;
  chain::StoreBatch batch;
  if (!block.encoded.empty()) {
    batch.Put(chain::keys::Block(id), block.encoded);
  } else {
    batch.Put(chain::keys::Block(id), block.block.Serialize());
  }
  batch.Put(chain::keys::BlockIndex(id), chain::EncodeBlockIndex(*index));
  // Not synced: the tip change that connects this block is, and LevelDB's log keeps order.
  if (Status s = WriteLocked(batch, false); !s.ok()) {
    index->status &= ~chain::kBlockHaveData;
    return ValidationResult::Error("storing block: " + s.ToString());
  }
  LinkLocked(index);
  *out = index;
  return ValidationResult::Valid();
}

void Chainstate::LinkLocked(BlockIndex* index) {
  if (index->parent && !index->parent->linked) {
    // Its turn comes when the parent's chain is complete.
    unlinked_.emplace(index->parent, index);
    return;
  }
  // The block completes a chain: it and every stored descendant waiting on it can connect.
  const BlockIndex* tip = tree_.Tip();
  std::vector<BlockIndex*> ready{index};
  while (!ready.empty()) {
    BlockIndex* block = ready.back();
    ready.pop_back();
    block->linked = true;
    if (!block->Failed() && !(block->chain_work < tip->chain_work)) candidates_.insert(block);
    auto [begin, end] = unlinked_.equal_range(block);
    for (auto it = begin; it != end; ++it) ready.push_back(it->second);
    unlinked_.erase(begin, end);
  }
}

void Chainstate::RebuildLinksLocked() {
  unlinked_.clear();
  std::vector<BlockIndex*> all;
  all.reserve(tree_.size());
  tree_.ForEach([&](BlockIndex* index) { all.push_back(index); });
  // Parents before children.
  std::sort(all.begin(), all.end(),
            [](const BlockIndex* a, const BlockIndex* b) { return a->height < b->height; });
  for (BlockIndex* index : all) {
    index->linked = index->HaveData() && (!index->parent || index->parent->linked);
    if (index->HaveData() && !index->linked) unlinked_.emplace(index->parent, index);
  }
}

ValidationResult Chainstate::ProcessBlockBytes(chain::ByteSpan bytes, BlockOutcome* outcome) {
  auto block = chain::DecodeBlock(bytes, params_.max_block_size);
  if (!block.ok()) return ValidationResult::FromStatus(block.status(), Reason::kBadBlockEncoding);
  return ProcessBlock(*block, outcome);
}

ValidationResult Chainstate::ProcessBlock(const chain::DecodedBlock& block, BlockOutcome* outcome) {
  std::vector<TipChange> changes;
  ValidationResult result;
  {
    std::lock_guard lock(mu_);
    Hash256 id = block.block.header.Id();
    const BlockIndex* existing = tree_.Find(id);
    const bool known = existing && existing->HaveData();
    BlockIndex* index = nullptr;
    std::optional<SignatureCheckPool::Batch> signatures;
    result = AcceptBlockLocked(block, &index, &signatures);
    if (!result.valid()) return result;
    if (known) {
      *outcome = BlockOutcome::kDuplicate;
      return result;
    }
    ValidationResult own = ValidationResult::Valid();
    ValidationResult activated = ActivateBestChainLocked(
        &changes, {index, &block, signatures ? &*signatures : nullptr, &own});
    if (activated.error()) {
      result = activated;
    } else if (index->Failed()) {
      // Its own failure, or that of the ancestor that made it fail: never the failure of a block
      // of another branch met on the way (the sender of this block is blamed for the reason).
      result = own.invalid() ? own : DescendsFromInvalidLocked(index);
    } else {
      *outcome = tree_.Tip() == index ? BlockOutcome::kNewTip : BlockOutcome::kStored;
    }
  }
  Notify(std::move(changes));
  return result;
}

ValidationResult Chainstate::DescendsFromInvalidLocked(const BlockIndex* index) const {
  for (const BlockIndex* walk = index->parent; walk != nullptr; walk = walk->parent) {
    if (walk->status & chain::kBlockFailed) {
      return ValidationResult::Invalid(Reason::kBadPrevBlk, "descends from invalid block " +
                                                          walk->id.ToHex() + " at height " +
                                                          std::to_string(walk->height));
    }
  }
  return ValidationResult::Invalid(Reason::kBadPrevBlk);
}

BlockIndex* Chainstate::FindBestCandidateLocked() const {
  auto& candidates = const_cast<std::set<BlockIndex*, CandidateOrder>&>(candidates_);
  while (!candidates.empty()) {
    BlockIndex* best = *candidates.begin();
    bool usable = true;
    for (BlockIndex* walk = best; walk && !tree_.InActiveChain(walk); walk = walk->parent) {
      if (!walk->HaveData() || walk->Failed()) {
        usable = false;
        break;
      }
    }
    if (usable) return best;
    candidates.erase(candidates.begin());
  }
  return nullptr;
}

ValidationResult Chainstate::ActivateBestChainLocked(std::vector<TipChange>* changes,
                                                     InMemoryBlock in_memory) {
  ValidationResult first_invalid = ValidationResult::Valid();
  while (true) {
    BlockIndex* best = FindBestCandidateLocked();
    BlockIndex* tip = tree_.Tip();
    if (!best || best == tip || !(tip->chain_work < best->chain_work)) break;

    BlockIndex* fork = tree_.FindFork(best);
    TipChange change;
    while (tree_.Tip() != fork) {
      if (Status s = DisconnectTipLocked(&change); !s.ok()) {
        ReportFatalLocked(s);
        return ValidationResult::Error("disconnecting block: " + s.ToString());
      }
    }
    std::vector<BlockIndex*> path;
    for (BlockIndex* walk = best; walk != fork; walk = walk->parent) path.push_back(walk);
    std::reverse(path.begin(), path.end());
    for (BlockIndex* index : path) {
      ValidationResult r =
          ConnectTipLocked(index, &change, index == in_memory.index ? &in_memory : nullptr);
      if (r.error()) {
        ReportFatalLocked(Status::IoError(r.ToString()));
        change.tip = TipLocked();
        changes->push_back(std::move(change));
        return r;
      }
      if (r.invalid()) {
        if (index == in_memory.index && in_memory.own_result != nullptr) *in_memory.own_result = r;
        MarkFailedLocked(index, chain::kBlockFailed);
        if (first_invalid.valid()) first_invalid = r;
        break;  // the loop picks the next best chain, which may be the one we left
      }
    }
    change.tip = TipLocked();
    changes->push_back(std::move(change));
  }
  // Nothing with less work than the tip can become the tip (until an invalidation, which
  // rebuilds the set).
  const BlockIndex* tip = tree_.Tip();
  for (auto it = candidates_.begin(); it != candidates_.end();) {
    it = (*it)->chain_work < tip->chain_work ? candidates_.erase(it) : std::next(it);
  }
  // Here rather than in TakeSnapshot only: the cost of a tip change stays with the connect.
  SyncHeaderChainLocked();
  return first_invalid;
}

ValidationResult Chainstate::ConnectTipLocked(BlockIndex* index, TipChange* change,
                                              const InMemoryBlock* in_memory) {
  const auto started_at = std::chrono::steady_clock::now();
  const chain::DecodedBlock* decoded = in_memory ? in_memory->block : nullptr;
  std::optional<chain::DecodedBlock> read;
  if (!decoded) {
    Bytes raw;
    if (Status s = store_->Get(chain::keys::Block(index->id), &raw); !s.ok()) {
      return ValidationResult::Error("reading block " + index->id.ToHex() + ": " + s.ToString());
    }
    auto stored = chain::DecodeBlock(raw);
    if (!stored.ok()) {
      return ValidationResult::Error("stored block " + index->id.ToHex() +
                                     " does not decode: " + stored.status().reason());
    }
    decoded = &read.emplace(std::move(*stored));
  }
  const chain::Block& block = decoded->block;

  // The signatures are checked on the pool's workers while this thread applies the block and
  // builds the batch; this thread then joins the check. The outcome is that of checking the
  // signatures first: a bad signature is reported ("bad-signature", lowest bad tx) even if
  // the state transition failed too, so the reason never depends on thread timing.
  chain::SignatureCache* sig_cache = options_.signature_cache.get();
  std::optional<SignatureCheckPool::Batch> started;
  SignatureCheckPool::Batch* signatures = in_memory ? in_memory->signatures : nullptr;
  if (!signatures) signatures = &started.emplace(sig_pool_->Start(block.txs, sig_cache));

  chain::StoreBatch& batch = connect_batch_;
  batch.Clear();
  const ValidationResult applied = [&] {
    // Scoped, so that the overlay is also freed while the workers verify.
    chain::StateCache cache(store_.get());
    const BlockContext ctx{index->id, index->height, block.header.time, code_cache_.get()};
    if (auto r = ApplyBlockTransactions(params_, ctx, *decoded, &cache); !r.valid()) {
      return r;
    }
    if (Status s = cache.EncodeUndoTo(&connect_undo_); !s.ok()) {
      return ValidationResult::Error("undo data: " + s.ToString());
    }
    cache.WriteTo(&batch);
    batch.Put(chain::keys::Undo(index->id), connect_undo_);
    return ValidationResult::Valid();
  }();
  // A block larger than most does not keep its buffers' size for the blocks after it.
  if (connect_undo_.capacity() > kMaxKeptConnectBuffer) connect_undo_ = chain::Bytes();
  if (auto r = signatures->Wait(); !r.valid()) return r;
  if (!applied.valid()) return applied;

  uint8_t old_status = index->status;
  index->status |= chain::kBlockValid;
  batch.Put(chain::keys::BlockIndex(index->id), chain::EncodeBlockIndex(*index));
  batch.Put(chain::keys::Meta(kMetaTip), index->id.span());
  const Status written = WriteLocked(batch, true);
  if (batch.ApproximateSize() > kMaxKeptConnectBuffer) batch = chain::StoreBatch();
  if (Status s = written; !s.ok()) {
    index->status = old_status;
    return ValidationResult::Error("writing block " + index->id.ToHex() + ": " + s.ToString());
  }
  tree_.SetTip(index);
  change->connected_blocks.push_back(index->id);
  change->connected_txs += block.txs.size();
  counters_.blocks_connected++;
  PublishFiguresLocked();
  if (options_.on_block_connected) {
    options_.on_block_connected(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count());
  }
  // These txs are confirmed: their signatures will not be checked again unless a reorg
  // brings them back, so their entries would only crowd out those of pending txs.
  if (sig_cache) sig_cache->Erase(signatures->cache_keys());
  return ValidationResult::Valid();
}

Status Chainstate::DisconnectTipLocked(TipChange* change) {
  BlockIndex* tip = tree_.Tip();
  if (!tip->parent) return Status::Internal("cannot disconnect the genesis block");
  Bytes undo_bytes;
  if (Status s = store_->Get(chain::keys::Undo(tip->id), &undo_bytes); !s.ok()) {
    return Status::Corruption("undo data of " + tip->id.ToHex() + ": " + s.ToString());
  }
  auto undo = chain::DecodeUndo(undo_bytes);
  if (!undo.ok()) return Status::Corruption("undo data of " + tip->id.ToHex() + " is corrupt");
  Bytes raw;
  if (Status s = store_->Get(chain::keys::Block(tip->id), &raw); !s.ok()) return s;
  auto decoded = chain::DecodeBlock(raw);
  if (!decoded.ok()) return Status::Corruption("stored block " + tip->id.ToHex());

  chain::StoreBatch batch;
  if (Status s = chain::ApplyUndo(*store_, *undo, &batch); !s.ok()) {
    return Status::Corruption("undo data of " + tip->id.ToHex() + ": " + s.ToString());
  }
  batch.Delete(chain::keys::Undo(tip->id));
  batch.Put(chain::keys::Meta(kMetaTip), tip->parent->id.span());
  if (Status s = WriteLocked(batch, true); !s.ok()) return s;
  tree_.SetTip(tip->parent);
  if (change->disconnected_blocks.empty()) counters_.reorgs++;
  PublishFiguresLocked();
  change->disconnected_blocks.push_back(tip->id);
  // Oldest first: this block's txs go before those of blocks disconnected after it.
  auto& txs = decoded->block.txs;
  change->disconnected_txs.insert(change->disconnected_txs.begin(),
                                  std::make_move_iterator(txs.begin()),
                                  std::make_move_iterator(txs.end()));
  return Status::Ok();
}

void Chainstate::MarkFailedLocked(BlockIndex* index, uint8_t flag) {
  std::vector<BlockIndex*> changed{index};
  index->status |= flag;
  tree_.ForEach([&](BlockIndex* other) {
    if (other->height > index->height && other->GetAncestor(index->height) == index &&
        !(other->status & chain::kBlockFailedParent)) {
      other->status |= chain::kBlockFailedParent;
      changed.push_back(other);
    }
  });
  // Failure marks are an optimization (losing them costs re-validation), but a failed write
  // is still fatal: WriteLocked reports it, and the store refuses every later write.
  (void)PersistIndexLocked(changed);
  if (best_header_ && best_header_->Failed()) RecomputeBestHeaderLocked();
}

Status Chainstate::PersistIndexLocked(const std::vector<BlockIndex*>& indexes) {
  chain::StoreBatch batch;
  for (const BlockIndex* index : indexes) {
    batch.Put(chain::keys::BlockIndex(index->id), chain::EncodeBlockIndex(*index));
  }
  return WriteLocked(batch, true);
}

Status Chainstate::WriteLocked(chain::StoreBatch& batch, bool sync) {
  Status s = store_->Write(batch, sync);
  if (!s.ok()) ReportFatalLocked(s);
  return s;
}

void Chainstate::ReportFatalLocked(const Status& status) {
  if (fatal_reported_) return;
  fatal_reported_ = true;
  if (options_.on_fatal_error) options_.on_fatal_error(status);
}

void Chainstate::RebuildCandidatesLocked() {
  candidates_.clear();
  const BlockIndex* tip = tree_.Tip();
  tree_.ForEach([&](BlockIndex* index) {
    if (index->linked && !index->Failed() && !(index->chain_work < tip->chain_work)) {
      candidates_.insert(index);
    }
  });
}

void Chainstate::Notify(std::vector<TipChange> changes) {
  if (!options_.listener) return;
  for (const auto& change : changes) options_.listener->OnTipChanged(change);
}

ValidationResult Chainstate::InvalidateBlock(const Hash256& id) {
  std::vector<TipChange> changes;
  ValidationResult result;
  {
    std::lock_guard lock(mu_);
    BlockIndex* index = tree_.Find(id);
    if (!index) return ValidationResult::Invalid(Reason::kBlockNotFound, id.ToHex());
    if (!index->parent) return ValidationResult::Invalid(Reason::kCannotInvalidateGenesis);
    TipChange change;
    while (tree_.InActiveChain(index)) {
      if (Status s = DisconnectTipLocked(&change); !s.ok()) {
        ReportFatalLocked(s);
        return ValidationResult::Error("disconnecting block: " + s.ToString());
      }
    }
    MarkFailedLocked(index, chain::kBlockFailed);
    change.tip = TipLocked();
    changes.push_back(std::move(change));
    RebuildCandidatesLocked();
    RecomputeBestHeaderLocked();
    result = ActivateBestChainLocked(&changes);
    if (result.invalid()) result = ValidationResult::Valid();  // other blocks' faults
  }
  Notify(std::move(changes));
  return result;
}

ValidationResult Chainstate::ReconsiderBlock(const Hash256& id) {
  std::vector<TipChange> changes;
  ValidationResult result;
  {
    std::lock_guard lock(mu_);
    BlockIndex* index = tree_.Find(id);
    if (!index) return ValidationResult::Invalid(Reason::kBlockNotFound, id.ToHex());
    std::vector<BlockIndex*> changed;
    constexpr uint8_t kFailedMask = chain::kBlockFailed | chain::kBlockFailedParent;
    tree_.ForEach([&](BlockIndex* other) {
      bool related = other->height >= index->height ? other->GetAncestor(index->height) == index
                                                    : index->GetAncestor(other->height) == other;
      if (related && (other->status & kFailedMask)) {
        other->status &= ~kFailedMask;
        changed.push_back(other);
      }
    });
    if (Status s = PersistIndexLocked(changed); !s.ok()) {
      return ValidationResult::Error("writing block index: " + s.ToString());
    }
    RebuildCandidatesLocked();
    RecomputeBestHeaderLocked();
    result = ActivateBestChainLocked(&changes);
  }
  Notify(std::move(changes));
  return result;
}

std::optional<Hash256> Chainstate::BlockHashAt(uint32_t height) const {
  std::lock_guard lock(mu_);
  const BlockIndex* index = tree_.AtHeight(height);
  if (!index) return std::nullopt;
  return index->id;
}

BlockIndexInfo Chainstate::InfoLocked(const BlockIndex* index) const {
  BlockIndexInfo info;
  info.id = index->id;
  info.header = index->header;
  info.height = index->height;
  info.chain_work = index->chain_work;
  info.status = index->status;
  info.in_active_chain = tree_.InActiveChain(index);
  if (info.in_active_chain) {
    if (const BlockIndex* next = tree_.AtHeight(index->height + 1)) info.next = next->id;
  }
  return info;
}

std::optional<BlockIndexInfo> Chainstate::GetBlockIndex(const Hash256& id) const {
  std::lock_guard lock(mu_);
  const BlockIndex* index = tree_.Find(id);
  if (!index) return std::nullopt;
  return InfoLocked(index);
}

Result<Bytes> Chainstate::ReadBlock(const Hash256& id) const {
  std::lock_guard lock(mu_);
  Bytes raw;
  if (Status s = store_->Get(chain::keys::Block(id), &raw); !s.ok()) return s;
  return raw;
}

Result<chain::Account> Chainstate::GetAccount(const chain::AccountId& id) const {
  std::lock_guard lock(mu_);
  return reads::GetAccount(*store_, id);
}

Result<std::optional<chain::Asset>> Chainstate::GetAsset(const Hash256& id) const {
  std::lock_guard lock(mu_);
  return reads::GetAsset(*store_, id);
}

Result<std::vector<chain::AssetEvent>> Chainstate::GetAssetEvents(const Hash256& asset,
                                                                  uint32_t from,
                                                                  uint32_t limit) const {
  std::lock_guard lock(mu_);
  return reads::GetAssetEvents(*store_, asset, from, limit);
}

Result<Chainstate::CustodyListing> Chainstate::GetAssetsInCustody(
    const chain::AccountId& custodian, const std::optional<Hash256>& after, size_t limit) const {
  std::lock_guard lock(mu_);
  auto page =
      chain::ListCustody(*store_, custodian, after, std::clamp<size_t>(limit, 1, kMaxCustodyPage));
  if (!page.ok()) return page.status();
  CustodyListing listing;
  listing.more = page->more;
  listing.assets.reserve(page->assets.size());
  for (const Hash256& id : page->assets) {
    auto asset = reads::GetAsset(*store_, id);
    if (!asset.ok()) return asset.status();
    if (!*asset || (*asset)->status != chain::AssetStatus::kOpen ||
        (*asset)->custodian != custodian) {
      return Status::Corruption("custody index: asset " + id.ToHex() + " is not an open asset of " +
                                custodian.ToHex());
    }
    listing.assets.push_back(std::move(**asset));
  }
  return listing;
}

Result<Chainstate::PartyInfo> Chainstate::GetParty(const chain::AccountId& account,
                                                   size_t max_endorsements) const {
  std::lock_guard lock(mu_);
  return reads::GetParty(*store_, account, max_endorsements);
}

Result<std::vector<chain::PartyEvent>> Chainstate::GetPartyEvents(const chain::AccountId& account,
                                                                  uint32_t from,
                                                                  uint32_t limit) const {
  std::lock_guard lock(mu_);
  return reads::GetPartyEvents(*store_, account, from, limit);
}

Result<std::optional<chain::TxLocation>> Chainstate::GetTxLocation(const Hash256& txid) const {
  std::lock_guard lock(mu_);
  return reads::GetTxLocation(*store_, txid);
}

std::vector<BlockIndexInfo> Chainstate::ChainTips() const {
  std::lock_guard lock(mu_);
  // The tree keeps its leaves, so this costs the number of branches (times log n for each
  // fork point), not the size of the tree: a tree grown by a header flood stays cheap to list.
  std::vector<BlockIndexInfo> tips;
  auto add = [&](BlockIndex* index) {
    BlockIndexInfo info = InfoLocked(index);
    const BlockIndex* fork = tree_.FindFork(index);
    info.branch_length = index->height - (fork ? fork->height : 0);
    tips.push_back(std::move(info));
  };
  for (BlockIndex* leaf : tree_.Leaves()) add(leaf);
  if (!tree_.Leaves().count(tree_.Tip())) add(tree_.Tip());
  std::sort(tips.begin(), tips.end(),
            [](const BlockIndexInfo& a, const BlockIndexInfo& b) { return a.height > b.height; });
  return tips;
}

void Chainstate::WithTipState(
    const std::function<void(const chain::KvReader&, const TipInfo&)>& fn) const {
  std::lock_guard lock(mu_);
  fn(*store_, TipLocked());
}

std::shared_ptr<const ReadSnapshot> Chainstate::TakeSnapshot() const {
  std::unique_ptr<chain::StoreSnapshot> snapshot;
  TipInfo tip;
  std::shared_ptr<const HeaderChain> headers;
  {
    // Every write to the store happens under the lock, so the snapshot holds exactly the state
    // of this tip.
    std::lock_guard lock(mu_);
    snapshot = store_->NewSnapshot();
    tip = TipLocked();
    SyncHeaderChainLocked();  // a no-op unless a tip change returned early on a fault
    headers = headers_;
  }
  return std::make_shared<const ReadSnapshot>(std::move(snapshot), std::move(tip),
                                              std::move(headers), params_);
}

void Chainstate::SyncHeaderChainLocked() const {
  BlockIndex* tip = tree_.Tip();
  if (headers_tip_ == tip) return;
  uint32_t keep = 0;  // heights below keep are the same on both chains
  if (headers_tip_ != nullptr) {
    if (const BlockIndex* fork = tree_.FindFork(headers_tip_)) keep = fork->height + 1;
  }
  std::vector<chain::BlockHeader> more;
  more.reserve(size_t{tip->height} + 1 - keep);
  for (uint32_t h = keep; h <= tip->height; ++h) more.push_back(tree_.AtHeight(h)->header);
  headers_ = std::make_shared<const HeaderChain>(headers_->Fork(keep, more));
  headers_tip_ = tip;
}

void Chainstate::PublishFiguresLocked() {
  const BlockIndex* tip = tree_.Tip();
  if (tip == nullptr) return;
  const BlockIndex* best = best_header_ && !best_header_->Failed() ? best_header_ : tip;
  const ChainFigures figures{tip->height, best->height, counters_.blocks_connected,
                             counters_.reorgs};
  std::lock_guard lock(figures_mu_);
  figures_ = figures;
}

ChainFigures Chainstate::Figures() const {
  std::lock_guard lock(figures_mu_);
  return figures_;
}

Chainstate::Counters Chainstate::Stats() const {
  const ChainFigures figures = Figures();
  return Counters{figures.blocks_connected, figures.reorgs};
}

Result<Chainstate::VerifyReport> Chainstate::VerifyChain() const {
  // Only the active chain's ids and a store snapshot are taken under the lock (all writes to
  // the store happen under it, so the snapshot holds exactly that chain's state); the replay
  // reads the snapshot while other calls, and tip changes, go on.
  std::vector<Hash256> active;  // ids of blocks 0..tip
  std::unique_ptr<chain::StoreSnapshot> snapshot;
  {
    std::lock_guard lock(mu_);
    const BlockIndex* tip = tree_.Tip();
    active.reserve(size_t{tip->height} + 1);
    for (uint32_t h = 0; h <= tip->height; ++h) active.push_back(tree_.AtHeight(h)->id);
    snapshot = store_->NewSnapshot();
  }
  return VerifySnapshot(active, *snapshot);
}

Result<Chainstate::VerifyReport> Chainstate::VerifySnapshot(
    const std::vector<Hash256>& active, const chain::StoreSnapshot& snapshot) const {
  VerifyReport report;
  chain::MemoryKv replay;
  {
    chain::StateCache cache(&replay);
    if (auto r = ApplyGenesis(params_, &cache); !r.valid()) {
      return Status::Internal("genesis: " + r.ToString());
    }
    FoldInto(cache, &replay);
  }
  auto problem = [&](std::string what) {
    if (report.problems.size() < 50) report.problems.push_back(std::move(what));
  };
  for (uint32_t h = 1; h < active.size(); ++h) {
    Bytes raw;
    if (Status s = snapshot.Get(chain::keys::Block(active[h]), &raw); !s.ok()) {
      problem("block " + std::to_string(h) + " unreadable: " + s.ToString());
      return report;
    }
    auto decoded = chain::DecodeBlock(raw);
    if (!decoded.ok()) {
      problem("block " + std::to_string(h) + " does not decode: " + decoded.status().reason());
      return report;
    }
    const chain::Block& block = decoded->block;
    Hash256 id = block.header.Id();
    ValidationResult r = ValidationResult::Valid();
    if (id != active[h] || block.header.prev != active[h - 1]) {
      r = ValidationResult::Invalid(Reason::kBadLink, "stored block does not match the index");
    }
    if (r.valid()) r = CheckBlockHeader(block.header, id, params_);
    if (r.valid()) r = CheckBlock(*decoded, params_);
    if (r.valid()) r = CheckBlockSignatures(block, options_.verify_threads);
    chain::StateCache cache(&replay);
    if (r.valid()) {
      r = ApplyBlockTransactions(params_, BlockContext{id, h, block.header.time}, block,
                                 decoded->txids, &cache);
    }
    if (!r.valid()) {
      problem("block " + std::to_string(h) + " " + id.ToHex() + ": " + r.ToString());
      return report;
    }
    FoldInto(cache, &replay);
    report.blocks_checked++;
  }

  // Every state key in the store must equal the replay, and the replay must have no more.
  size_t matched = 0;
  for (char prefix : chain::keys::kStatePrefixes) {
    Status s = snapshot.Scan(std::string(1, prefix), [&](std::string_view key,
                                                         chain::ByteSpan value) {
      report.state_keys_compared++;
      auto it = replay.entries().find(key);
      if (it == replay.entries().end()) {
        problem("stored key not in replay: " +
                chain::HexEncode(
                    chain::ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size())));
      } else if (!std::equal(it->second.begin(), it->second.end(), value.begin(), value.end())) {
        problem("stored value differs from replay for key " +
                chain::HexEncode(
                    chain::ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size())));
      } else {
        matched++;
      }
      return true;
    });
    if (!s.ok()) return s;
  }
  if (matched != replay.entries().size()) {
    problem(std::to_string(replay.entries().size() - matched) +
            " replayed state keys are missing or differ in the store");
  }
  return report;
}

}  // namespace waybill::consensus
