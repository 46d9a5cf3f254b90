#include "bench/overlay_sim/sim_chain.h"

#include <algorithm>

#include "chain/hash.h"

namespace waybill::overlay_sim {

using chain::Hash256;
using p2p::Verdict;

namespace {

Hash256 TagHash(uint64_t domain, uint64_t tag) {
  uint8_t bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<uint8_t>(domain >> (8 * i));
    bytes[8 + i] = static_cast<uint8_t>(tag >> (8 * i));
  }
  return chain::Sha256Hash(chain::ByteSpan(bytes, sizeof(bytes)));
}

}  // namespace

SimWorld::SimWorld() {
  BlockEntry genesis;
  genesis.header.time = 1000;
  genesis.header.bits = 0x207fffff;
  genesis.header.merkle_root = TagHash(0, 0);
  genesis.id = genesis.header.Id();
  genesis.parent = 0;
  genesis.height = 0;
  block_index_[genesis.id] = 0;
  blocks_.push_back(genesis);
}

uint32_t SimWorld::AddBlock(uint32_t parent, uint64_t tag, uint32_t time) {
  BlockEntry e;
  e.header.prev = blocks_[parent].id;
  e.header.miner = TagHash(1, tag);
  e.header.time = time;
  e.header.bits = 0x207fffff;
  e.header.nonce = tag;
  e.id = e.header.Id();
  e.parent = parent;
  e.height = blocks_[parent].height + 1;
  const auto index = static_cast<uint32_t>(blocks_.size());
  block_index_[e.id] = index;
  blocks_.push_back(e);
  return index;
}

uint32_t SimWorld::AddTx(uint64_t tag) {
  chain::Transaction tx;
  tx.sender = TagHash(2, tag);
  tx.fee = 200;
  tx.op = chain::TransferOp{TagHash(3, tag), 5000};
  const auto index = static_cast<uint32_t>(txs_.size());
  txids_.push_back(tx.Id());
  tx_index_[txids_.back()] = index;
  txs_.push_back(std::move(tx));
  return index;
}

std::optional<uint32_t> SimWorld::FindBlock(const Hash256& id) const {
  auto it = block_index_.find(id);
  if (it == block_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> SimWorld::FindTx(const Hash256& id) const {
  auto it = tx_index_.find(id);
  if (it == tx_index_.end()) return std::nullopt;
  return it->second;
}

SimChain::SimChain(const SimWorld* world, OnConnected on_connected, OnTx on_tx)
    : world_(world), on_connected_(std::move(on_connected)), on_tx_(std::move(on_tx)) {
  SetFlags(0, kHeader | kData);
}

void SimChain::SetFlags(uint32_t block, uint8_t flags) {
  if (block >= flags_.size()) flags_.resize(block + 1, 0);
  flags_[block] |= flags;
}

bool SimChain::IsAncestor(uint32_t a, uint32_t b) const {
  const uint32_t height = world_->block(a).height;
  while (world_->block(b).height > height) b = world_->block(b).parent;
  return a == b;
}

uint32_t SimChain::Fork(uint32_t b) const {
  while (!IsAncestor(b, tip_)) b = world_->block(b).parent;
  return b;
}

p2p::ChainSummary SimChain::GetChainSummary() {
  return {world_->block(tip_).id, world_->block(tip_).height, world_->block(best_header_).id,
          world_->block(best_header_).height};
}

std::optional<p2p::HeaderInfo> SimChain::GetHeaderInfo(const Hash256& id) {
  auto index = world_->FindBlock(id);
  if (!index || !(Flags(*index) & kHeader)) return std::nullopt;
  p2p::HeaderInfo info;
  info.height = world_->block(*index).height;
  info.chain_work = chain::ArithU256(info.height + 1);
  info.have_data = Flags(*index) & kData;
  info.in_active_chain = IsAncestor(*index, tip_);
  return info;
}

std::vector<Hash256> SimChain::GetLocator() {
  std::vector<Hash256> out;
  uint32_t b = world_->block(best_header_).parent;
  uint32_t step = 1;
  while (true) {
    out.push_back(world_->block(b).id);
    if (b == 0) break;
    if (out.size() >= 10) step *= 2;
    for (uint32_t i = 0; i < step && b != 0; ++i) b = world_->block(b).parent;
  }
  return out;
}

std::vector<chain::BlockHeader> SimChain::GetHeadersAfter(const std::vector<Hash256>& locator,
                                                          const Hash256& stop, size_t max) {
  uint32_t start = 0;
  for (const Hash256& id : locator) {
    auto index = world_->FindBlock(id);
    if (index && (Flags(*index) & kHeader)) {
      start = Fork(*index);
      break;
    }
  }
  std::vector<uint32_t> path;  // the active chain after start, newest first
  for (uint32_t b = tip_; b != start; b = world_->block(b).parent) path.push_back(b);
  std::vector<chain::BlockHeader> out;
  for (auto it = path.rbegin(); it != path.rend() && out.size() < max; ++it) {
    out.push_back(world_->block(*it).header);
    if (world_->block(*it).id == stop) break;
  }
  return out;
}

p2p::HeadersVerdict SimChain::AcceptHeaders(const std::vector<chain::BlockHeader>& headers) {
  p2p::HeadersVerdict result;
  for (const chain::BlockHeader& header : headers) {
    auto index = world_->FindBlock(header.Id());
    if (!index) {
      result.verdict = Verdict::Invalid(100, "not a block of this simulation");
      return result;
    }
    const uint32_t parent = world_->block(*index).parent;
    if (!(Flags(parent) & kHeader)) {
      if (result.accepted == 0) result.connects = false;
      result.verdict = Verdict::Orphan("parent unknown");
      return result;
    }
    SetFlags(*index, kHeader);
    if (world_->block(*index).height > world_->block(best_header_).height) best_header_ = *index;
    ++result.accepted;
    result.last = world_->block(*index).id;
  }
  return result;
}

std::vector<Hash256> SimChain::BlocksToDownload(const Hash256& target, size_t max, uint32_t window,
                                                const std::function<bool(const Hash256&)>& skip) {
  std::vector<Hash256> out;
  auto index = world_->FindBlock(target);
  if (!index) return out;
  const uint32_t fork = Fork(*index);
  std::vector<uint32_t> path;  // after the fork, newest first
  for (uint32_t b = *index; b != fork; b = world_->block(b).parent) path.push_back(b);
  const uint32_t highest = world_->block(tip_).height + window;
  for (auto it = path.rbegin(); it != path.rend() && out.size() < max; ++it) {
    if (world_->block(*it).height > highest) break;
    if (Flags(*it) & kData || skip(world_->block(*it).id)) continue;
    out.push_back(world_->block(*it).id);
  }
  return out;
}

void SimChain::UpdateTip() {
  // Few blocks in a simulation: a scan of them all is cheap.
  uint32_t best = tip_;
  for (uint32_t b = 0; b < flags_.size(); ++b) {
    if (!(flags_[b] & kData) || world_->block(b).height <= world_->block(best).height) continue;
    uint32_t a = b;
    while (a != 0 && (Flags(a) & kData)) a = world_->block(a).parent;
    if (a == 0) best = b;
  }
  if (best == tip_) return;
  const uint32_t fork = Fork(best);
  std::vector<uint32_t> connected;
  for (uint32_t b = best; b != fork; b = world_->block(b).parent) connected.push_back(b);
  std::reverse(connected.begin(), connected.end());
  tip_ = best;
  if (world_->block(tip_).height > world_->block(best_header_).height) best_header_ = tip_;
  if (on_connected_) on_connected_(connected);
}

Verdict SimChain::StoreBlock(uint32_t block) {
  if (Flags(block) & kData) return Verdict::Known();
  SetFlags(block, kHeader | kData);
  if (world_->block(block).height > world_->block(best_header_).height) best_header_ = block;
  UpdateTip();
  return Verdict::Accepted();
}

Verdict SimChain::AddLocalBlock(uint32_t block) { return StoreBlock(block); }

Verdict SimChain::ProcessBlock(const chain::DecodedBlock& block) {
  auto index = world_->FindBlock(block.block.header.Id());
  if (!index) return Verdict::Invalid(100, "not a block of this simulation");
  return StoreBlock(*index);
}

std::optional<chain::Bytes> SimChain::ReadBlock(const Hash256& id) {
  auto index = world_->FindBlock(id);
  if (!index || !(Flags(*index) & kData)) return std::nullopt;
  return chain::Block{world_->block(*index).header, {}}.Serialize();
}

bool SimChain::AddLocalTx(uint32_t tx) {
  if (HasTx(tx)) return false;
  if (tx >= in_mempool_.size()) in_mempool_.resize(world_->tx_count(), false);
  in_mempool_[tx] = true;
  mempool_.push_back(tx);
  if (on_tx_) on_tx_(tx);
  return true;
}

Verdict SimChain::AcceptTx(const chain::Transaction& tx) {
  auto index = world_->FindTx(tx.Id());
  if (!index) return Verdict::Invalid(100, "not a tx of this simulation");
  return AddLocalTx(*index) ? Verdict::Accepted() : Verdict::Known();
}

bool SimChain::HaveTx(const Hash256& txid) {
  auto index = world_->FindTx(txid);
  return index && HasTx(*index);
}

std::optional<chain::Bytes> SimChain::GetMempoolTx(const Hash256& txid) {
  auto index = world_->FindTx(txid);
  if (!index || !HasTx(*index)) return std::nullopt;
  return world_->tx(*index).Serialize();
}

std::vector<Hash256> SimChain::MempoolTxids() {
  std::vector<Hash256> out;
  out.reserve(mempool_.size());
  for (uint32_t tx : mempool_) out.push_back(world_->txid(tx));
  return out;
}

}  // namespace waybill::overlay_sim
