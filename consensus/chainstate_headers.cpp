// Chainstate: headers-first sync (docs/PROTOCOL.md §12.4). Header acceptance without bodies,
// the best header, block locators, serving headers, and which bodies to fetch next.
#include <algorithm>

#include "consensus/block_check.h"
#include "consensus/chainstate.h"

namespace waybill::consensus {

using chain::BlockIndex;
using chain::Hash256;
using chain::Status;

namespace {

constexpr size_t kLocatorDenseEntries = 10;

}  // namespace

ValidationResult Chainstate::CheckNewHeaderLocked(const chain::BlockHeader& header,
                                                  const Hash256& id, BlockIndex** parent) {
  if (auto r = CheckBlockHeader(header, id, params_); !r.valid()) return r;
  BlockIndex* p = tree_.Find(header.prev);
  if (!p) return ValidationResult::Invalid(Reason::kPrevBlkNotFound, header.prev.ToHex());
  *parent = p;
  if (p->Failed()) return ValidationResult::Invalid(Reason::kBadPrevBlk, header.prev.ToHex());
  if (p->height == UINT32_MAX) return ValidationResult::Invalid(Reason::kBadHeight);
  HeaderContext ctx{p->height + 1, MedianTimePastLocked(p), NextBitsLocked(p), options_.clock()};
  return ContextualCheckHeader(header, ctx, params_);
}

ValidationResult Chainstate::AcceptHeaderLocked(const chain::BlockHeader& header, const Hash256& id,
                                                BlockIndex** out, bool* added) {
  *added = false;
  if (BlockIndex* known = tree_.Find(id)) {
    if (known->Failed()) return ValidationResult::Invalid(Reason::kDuplicateInvalid, id.ToHex());
    *out = known;
    return ValidationResult::Valid();
  }
  BlockIndex* parent = nullptr;
  if (auto r = CheckNewHeaderLocked(header, id, &parent); !r.valid()) return r;
  BlockIndex* index = tree_.Add(header, id, parent);
  index->status = 0;
  UpdateBestHeaderLocked(index);
  *out = index;
  *added = true;
  return ValidationResult::Valid();
}

bool Chainstate::BetterBestHeaderLocked(const BlockIndex* index) const {
  if (index->Failed()) return false;
  return !best_header_ || best_header_->Failed() || CandidateOrder()(index, best_header_);
}

void Chainstate::UpdateBestHeaderLocked(BlockIndex* index) {
  if (!BetterBestHeaderLocked(index)) return;
  best_header_ = index;
  PublishFiguresLocked();
}

void Chainstate::RecomputeBestHeaderLocked() {
  best_header_ = tree_.Tip();
  tree_.ForEach([&](BlockIndex* index) {
    if (BetterBestHeaderLocked(index)) best_header_ = index;
  });
  PublishFiguresLocked();
}

Status Chainstate::StoreHeadersLocked(const std::vector<BlockIndex*>& added) {
  if (added.empty()) return Status::Ok();
  // Headers are worth keeping across a restart (no need to fetch them again), but losing
  // them costs only a new getheaders: one write per message, not synced.
  chain::StoreBatch batch;
  for (const BlockIndex* index : added) {
    batch.Put(chain::keys::BlockIndex(index->id), chain::EncodeBlockIndex(*index));
  }
  return WriteLocked(batch, false);  // a failure is fatal, as for every write
}

HeadersResult Chainstate::AcceptHeaders(const std::vector<chain::BlockHeader>& headers) {
  std::lock_guard lock(mu_);
  HeadersResult result;
  std::vector<BlockIndex*> added;
  for (size_t i = 0; i < headers.size(); ++i) {
    const Hash256 id = headers[i].Id();
    BlockIndex* index = nullptr;
    bool is_new = false;
    ValidationResult r = AcceptHeaderLocked(headers[i], id, &index, &is_new);
    if (!r.valid()) {
      if (i == 0 && r.code() == Reason::kPrevBlkNotFound) result.connects = false;
      result.result = r;
      break;
    }
    if (is_new) added.push_back(index);
    result.accepted++;
    result.last = id;
  }
  if (Status s = StoreHeadersLocked(added); !s.ok() && result.result.valid()) {
    result.result = ValidationResult::Error("storing headers: " + s.ToString());
  }
  return result;
}

BlockIndexInfo Chainstate::BestHeader() const {
  std::lock_guard lock(mu_);
  const BlockIndex* best = best_header_ && !best_header_->Failed() ? best_header_ : tree_.Tip();
  return InfoLocked(best);
}

std::vector<Hash256> Chainstate::GetLocator() const {
  std::lock_guard lock(mu_);
  const BlockIndex* from = best_header_ && !best_header_->Failed() ? best_header_ : tree_.Tip();
  // From the best header's parent: a peer whose tip is our best header then answers with that
  // header, which tells us it has the chain (and lets us fetch its blocks); from the best header
  // itself it would answer with nothing.
  if (from->parent) from = from->parent;
  std::vector<Hash256> locator;
  uint32_t step = 1;
  uint32_t height = from->height;
  while (true) {
    locator.push_back(from->GetAncestor(height)->id);
    if (height == 0) break;
    if (locator.size() >= kLocatorDenseEntries) step *= 2;
    height = height > step ? height - step : 0;
  }
  return locator;
}

std::vector<chain::BlockHeader> Chainstate::GetHeadersAfter(const std::vector<Hash256>& locator,
                                                            const Hash256& stop, size_t max) const {
  std::lock_guard lock(mu_);
  uint32_t start = 1;  // after genesis when no locator entry is on the active chain
  for (const Hash256& id : locator) {
    const BlockIndex* index = tree_.Find(id);
    if (index && tree_.InActiveChain(index)) {
      start = index->height + 1;
      break;
    }
  }
  std::vector<chain::BlockHeader> headers;
  for (uint32_t h = start; headers.size() < max; ++h) {
    const BlockIndex* index = tree_.AtHeight(h);
    if (!index) break;
    headers.push_back(index->header);
    if (index->id == stop) break;
  }
  return headers;
}

std::vector<Hash256> Chainstate::BlocksToDownload(
    const Hash256& target, size_t max, uint32_t window,
    const std::function<bool(const Hash256&)>& skip) const {
  std::lock_guard lock(mu_);
  std::vector<Hash256> wanted;
  BlockIndex* goal = tree_.Find(target);
  const BlockIndex* tip = tree_.Tip();
  if (!goal || goal->Failed() || !(tip->chain_work < goal->chain_work)) return wanted;
  const BlockIndex* fork = tree_.FindFork(goal);
  const uint64_t limit = std::min<uint64_t>(goal->height, uint64_t{tip->height} + window);
  for (uint64_t h = uint64_t{fork->height} + 1; h <= limit && wanted.size() < max; ++h) {
    BlockIndex* index = goal->GetAncestor(static_cast<uint32_t>(h));
    if (index->Failed()) break;
    if (!index->HaveData() && !skip(index->id)) wanted.push_back(index->id);
  }
  return wanted;
}

}  // namespace waybill::consensus
