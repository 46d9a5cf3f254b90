// The chainstate's checks of its own storage: the startup check of the newest blocks and the
// reindex that rebuilds every derived record from the stored blocks (chainstate.h, Open()).
#include <deque>
#include <iterator>
#include <unordered_map>
#include <vector>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "consensus/block_check.h"
#include "consensus/chainstate.h"

namespace waybill::consensus {

using chain::BlockIndex;
using chain::Bytes;
using chain::Hash256;
using chain::Status;

namespace {

constexpr size_t kDeleteBatchKeys = 10'000;

}  // namespace

Status Chainstate::CheckRecentBlocksLocked(uint32_t count) const {
  for (const BlockIndex* index = tree_.Tip(); index && count > 0; index = index->parent, --count) {
    const std::string where =
        "block " + std::to_string(index->height) + " (" + index->id.ToHex() + ")";
    Bytes raw;
    if (Status s = store_->Get(chain::keys::Block(index->id), &raw); !s.ok()) {
      return Status::Corruption(where + " cannot be read: " + s.ToString());
    }
    auto block = chain::DecodeBlock(raw);
    if (!block.ok()) {
      return Status::Corruption(where + " does not decode: " + block.status().reason());
    }
    if (block->block.header.Id() != index->id) {
      return Status::Corruption(where + " does not hash to its id");
    }
    // The genesis block is built from the genesis file, not checked against block rules.
    if (!index->parent) break;
    if (ValidationResult r = CheckBlock(*block, params_); !r.valid()) {
      return Status::Corruption(where + " fails its checks: " + r.ToString());
    }
    Bytes undo;
    if (Status s = store_->Get(chain::keys::Undo(index->id), &undo); !s.ok()) {
      return Status::Corruption("undo data of " + where + " cannot be read: " + s.ToString());
    }
    if (auto decoded = chain::DecodeUndo(undo); !decoded.ok()) {
      return Status::Corruption("undo data of " + where +
                                " does not decode: " + decoded.status().reason());
    }
  }
  return Status::Ok();
}

Status Chainstate::DeleteDerivedRecordsLocked() {
  chain::StoreBatch batch;
  size_t pending = 0;
  Status inner = Status::Ok();
  std::vector<char> prefixes(std::begin(chain::keys::kStatePrefixes),
                             std::end(chain::keys::kStatePrefixes));
  prefixes.insert(prefixes.end(),
                  {chain::keys::kBlockIndex, chain::keys::kUndo, chain::keys::kMeta});
  for (char prefix : prefixes) {
    // The scan reads a snapshot, so deleting as it goes is safe.
    Status s = store_->Scan(std::string(1, prefix), [&](std::string_view key, chain::ByteSpan) {
      if (key == chain::keys::Meta(kMetaReindexing)) return true;
      batch.Delete(key);
      if (++pending < kDeleteBatchKeys) return true;
      inner = WriteLocked(batch, false);
      batch = chain::StoreBatch();
      pending = 0;
      return inner.ok();
    });
    if (!inner.ok()) return inner;
    if (!s.ok()) return s;
  }
  return WriteLocked(batch, true);
}

Status Chainstate::ReindexLocked() {
  auto log = [this](const std::string& line) {
    if (options_.log) options_.log->Info("reindex: " + line);
  };
  {
    chain::StoreBatch marker;
    marker.Put(chain::keys::Meta(kMetaReindexing), chain::ByteSpan());
    if (Status s = WriteLocked(marker, true); !s.ok()) return s;
  }
  // Every stored block by id with its parent; records that do not decode or sit under
  // another block's id are deleted (a peer can send the block again).
  std::unordered_multimap<Hash256, Hash256, chain::Hash256Hasher> children;  // parent -> child
  size_t found = 0;
  chain::StoreBatch bad;
  size_t bad_count = 0;
  Status scan = store_->Scan(std::string(1, chain::keys::kBlock), [&](std::string_view key,
                                                                      chain::ByteSpan value) {
    auto block = chain::DecodeBlock(value, params_.max_block_size);
    const Hash256 id = block.ok() ? block->block.header.Id() : Hash256();
    if (!block.ok() || key != chain::keys::Block(id)) {
      bad.Delete(key);
      bad_count++;
      return true;
    }
    found++;
    if (id != params_.genesis_id) children.emplace(block->block.header.prev, id);
    return true;
  });
  if (!scan.ok()) log("some blocks could not be read (" + scan.ToString() + "); skipped");
  log(std::to_string(found) + " stored blocks found, " + std::to_string(bad_count) +
      " damaged records deleted");
  if (Status s = WriteLocked(bad, false); !s.ok()) return s;
  if (Status s = DeleteDerivedRecordsLocked(); !s.ok()) return s;
  if (Status s = InitGenesis(); !s.ok()) return s;

  // Parents before children, from genesis; a block that fails is not accepted, so its
  // descendants are never reached.
  size_t accepted = 0, rejected = 0;
  std::deque<Hash256> queue{params_.genesis_id};
  while (!queue.empty()) {
    const Hash256 parent = queue.front();
    queue.pop_front();
    auto [begin, end] = children.equal_range(parent);
    for (auto it = begin; it != end; ++it) {
      Bytes raw;
      if (Status s = store_->Get(chain::keys::Block(it->second), &raw); !s.ok()) {
        rejected++;
        continue;
      }
      auto block = chain::DecodeBlock(raw, params_.max_block_size);
      if (!block.ok()) {
        rejected++;
        continue;
      }
      BlockIndex* index = nullptr;
      ValidationResult r = AcceptBlockLocked(*block, &index, nullptr);
      if (r.error()) return Status::IoError(r.ToString());
      if (!r.valid()) {
        rejected++;
        continue;
      }
      accepted++;
      queue.push_back(it->second);
    }
    children.erase(begin, end);
  }
  log(std::to_string(accepted) + " blocks accepted, " + std::to_string(rejected) +
      " refused; connecting the best chain");
  std::vector<TipChange> changes;
  ValidationResult r = ActivateBestChainLocked(&changes);
  if (r.error()) return Status::IoError(r.ToString());

  chain::StoreBatch done;
  done.Delete(chain::keys::Meta(kMetaReindexing));
  if (Status s = WriteLocked(done, true); !s.ok()) return s;
  log("done: tip at height " + std::to_string(tree_.Tip()->height) + ", block " +
      tree_.Tip()->id.ToHex());
  return Status::Ok();
}

chain::Result<Chainstate::StateDigest> Chainstate::DigestState() const {
  StateDigest digest;
  std::unique_ptr<chain::StoreSnapshot> snapshot;
  {
    std::lock_guard lock(mu_);
    const BlockIndex* tip = tree_.Tip();
    digest.tip = tip->id;
    digest.height = tip->height;
    snapshot = store_->NewSnapshot();
  }
  // Each record: CompactSize(key length) || key || CompactSize(value length) || value, the
  // prefixes in byte order (chain::keys::kStatePrefixes: 'a' < 'c' < 'e' < 'g' < 'h' < 'n' < 'p' <
  // 'r' < 's' < 't' < 'x'), keys in LevelDB's (bytewise) order.
  chain::Sha256 hasher = chain::TaggedHasher(chain::tags::kStateDigest);
  for (char kind : chain::keys::kStatePrefixes) {
    uint64_t* count = nullptr;
    if (kind == chain::keys::kAccount) count = &digest.accounts;
    if (kind == chain::keys::kEvent) count = &digest.events;
    if (kind == chain::keys::kAsset) count = &digest.assets;
    if (kind == chain::keys::kTxIndex) count = &digest.txs;
    const std::string prefix(1, kind);
    Status s = snapshot->Scan(prefix, [&](std::string_view key, chain::ByteSpan value) {
      Bytes record;
      chain::Writer w(&record);
      w.CompactSize(key.size());
      w.Raw(chain::ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
      w.CompactSize(value.size());
      w.Raw(value);
      hasher.Write(record);
      if (count != nullptr) ++*count;
      return true;
    });
    if (!s.ok()) return s;
  }
  digest.hash = hasher.Finalize();
  return digest;
}

}  // namespace waybill::consensus
