#include "chain/block_index.h"

#include <algorithm>

#include "chain/serialize.h"

namespace waybill::chain {
namespace {

// Bitcoin Core's skip-list heights: any ancestor is reachable in O(log n) steps.
uint32_t InvertLowestOne(uint32_t n) { return n & (n - 1); }
uint32_t GetSkipHeight(uint32_t height) {
  if (height < 2) return 0;
  return (height & 1) ? InvertLowestOne(InvertLowestOne(height - 1)) + 1
                      : InvertLowestOne(height);
}

}  // namespace

const BlockIndex* BlockIndex::GetAncestor(uint32_t h) const {
  return const_cast<BlockIndex*>(this)->GetAncestor(h);
}

BlockIndex* BlockIndex::GetAncestor(uint32_t h) {
  if (h > height) return nullptr;
  BlockIndex* walk = this;
  uint32_t walk_height = height;
  while (walk_height > h) {
    uint32_t skip_height = GetSkipHeight(walk_height);
    uint32_t skip_prev_height = GetSkipHeight(walk_height - 1);
    if (walk->skip != nullptr &&
        (skip_height == h ||
         (skip_height > h && !(skip_prev_height < skip_height - 2 && skip_prev_height >= h)))) {
      walk = walk->skip;
      walk_height = skip_height;
    } else {
      walk = walk->parent;
      walk_height--;
    }
  }
  return walk;
}

Bytes EncodeBlockIndex(const BlockIndex& index) {
  Writer w;
  auto header = index.header.Serialize();
  w.Raw(header);
  w.U32(index.height);
  w.Hash(index.chain_work.ToBigEndian());
  w.U8(index.status);
  w.U64(index.sequence);
  return w.Take();
}

Status DecodeBlockIndex(ByteSpan data, BlockIndex* out) {
  Reader r(data);
  ByteSpan header_bytes;
  Hash256 work;
  if (r.Span(kHeaderSize, &header_bytes) && r.U32(&out->height) && r.Hash(&work) &&
      r.U8(&out->status) && r.U64(&out->sequence)) {
    auto header = DecodeHeader(header_bytes);
    if (!header.ok()) return Status::Corruption("block index: " + header.status().reason());
    out->header = *header;
    out->chain_work = ArithU256::FromBigEndian(work);
  }
  Status s = r.Finish("block index");
  if (!s.ok()) return Status::Corruption(s.reason());
  return Status::Ok();
}

BlockIndex* BlockTree::Find(const Hash256& id) const {
  auto it = map_.find(id);
  return it == map_.end() ? nullptr : it->second.get();
}

BlockIndex* BlockTree::Add(const BlockHeader& header, const Hash256& id, BlockIndex* parent) {
  auto index = std::make_unique<BlockIndex>();
  index->id = id;
  index->header = header;
  index->parent = parent;
  index->height = parent ? parent->height + 1 : 0;
  ArithU256 work;
  if (auto target = TargetFromBits(header.bits)) work = BlockWork(*target);
  index->chain_work = parent ? parent->chain_work + work : work;
  index->sequence = next_sequence_++;
  SetSkip(index.get());
  BlockIndex* raw = index.get();
  map_.emplace(id, std::move(index));
  if (parent) leaves_.erase(parent);
  leaves_.insert(raw);
  return raw;
}

void BlockTree::AddLoaded(std::unique_ptr<BlockIndex> index) {
  next_sequence_ = std::max(next_sequence_, index->sequence + 1);
  Hash256 id = index->id;
  map_.emplace(id, std::move(index));
}

Status BlockTree::Link(const Hash256& genesis_id) {
  std::vector<BlockIndex*> by_height;
  by_height.reserve(map_.size());
  for (auto& [id, index] : map_) {
    if (id == genesis_id) {
      index->parent = nullptr;
    } else {
      index->parent = Find(index->header.prev);
      if (!index->parent) {
        return Status::Corruption("block index: parent of " + id.ToHex() + " missing");
      }
      if (index->parent->height + 1 != index->height) {
        return Status::Corruption("block index: bad height of " + id.ToHex());
      }
    }
    by_height.push_back(index.get());
  }
  std::sort(by_height.begin(), by_height.end(),
            [](const BlockIndex* a, const BlockIndex* b) { return a->height < b->height; });
  for (BlockIndex* index : by_height) SetSkip(index);
  leaves_.clear();
  for (BlockIndex* index : by_height) leaves_.insert(index);
  for (BlockIndex* index : by_height) {
    if (index->parent) leaves_.erase(index->parent);
  }
  return Status::Ok();
}

void BlockTree::SetSkip(BlockIndex* index) {
  index->skip = index->parent ? index->parent->GetAncestor(GetSkipHeight(index->height))
                              : nullptr;
}

void BlockTree::SetTip(BlockIndex* tip) {
  if (!tip) {
    active_.clear();
    return;
  }
  active_.resize(tip->height + 1);
  for (BlockIndex* walk = tip; walk && active_[walk->height] != walk; walk = walk->parent) {
    active_[walk->height] = walk;
  }
}

BlockIndex* BlockTree::FindFork(BlockIndex* index) const {
  if (!index || active_.empty()) return nullptr;
  if (index->height >= active_.size()) {
    index = index->GetAncestor(static_cast<uint32_t>(active_.size() - 1));
  }
  if (InActiveChain(index)) return index;
  // The ancestors on the active chain are exactly those up to the fork's height: search it.
  // A branch that does not reach down to the active chain's genesis has no fork.
  if (!InActiveChain(index->GetAncestor(0))) return nullptr;
  uint32_t low = 0;               // its ancestor at low is on the active chain
  uint32_t high = index->height;  // its ancestor at high is not
  while (high - low > 1) {
    const uint32_t mid = low + (high - low) / 2;
    if (InActiveChain(index->GetAncestor(mid))) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return index->GetAncestor(low);
}

}  // namespace waybill::chain
