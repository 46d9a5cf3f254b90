// Chainstate: headers from peers and their presync (docs/PROTOCOL.md §12.4 "Presync"). A
// header chain is stored only once it has at least PresyncThreshold() work; until then it is
// followed in the peer's HeadersPresync (consensus/headers_presync.h).
#include <algorithm>

#include "consensus/block_check.h"
#include "consensus/chainstate.h"
#include "consensus/pow.h"

namespace waybill::consensus {

using chain::ArithU256;
using chain::BlockIndex;
using chain::Hash256;
using chain::Status;

namespace {

ArithU256 WorkOfBits(uint32_t bits) {
  auto target = chain::TargetFromBits(bits);
  return target ? chain::BlockWork(*target) : ArithU256();
}

}  // namespace

ArithU256 Chainstate::PresyncThresholdLocked() const {
  const BlockIndex* tip = tree_.Tip();
  const ArithU256 allowance = WorkOfBits(tip->header.bits) * kPresyncForkAllowance;
  const ArithU256 near_tip =
      tip->chain_work < allowance ? ArithU256() : tip->chain_work - allowance;
  return std::max(near_tip, params_.min_chain_work);
}

ArithU256 Chainstate::PresyncThreshold() const {
  std::lock_guard lock(mu_);
  return PresyncThresholdLocked();
}

HeaderChainCursor Chainstate::CursorAtLocked(const BlockIndex* index) const {
  std::vector<int64_t> times;
  for (const BlockIndex* walk = index; walk && times.size() < kMedianTimeSpan;
       walk = walk->parent) {
    times.push_back(walk->header.time);
  }
  std::reverse(times.begin(), times.end());
  return HeaderChainCursor(index->id, index->height, index->chain_work, std::move(times));
}

HeadersPresync& Chainstate::StartPresyncLocked(uint64_t source, BlockIndex* fork) {
  if (!presyncs_.count(source) && presyncs_.size() >= kMaxPresyncSources) {
    auto stalest = std::min_element(presyncs_.begin(), presyncs_.end(), [](auto& a, auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    presyncs_.erase(stalest);
  }
  HeadersPresync& ps = presyncs_[source];
  // What a peer made us follow counts across restarts from a fork, so starting over does not
  // renew its budget.
  const uint64_t taken = ps.taken;
  ps = HeadersPresync{};
  ps.taken = taken;
  ps.fork = fork->id;
  ps.fork_height = fork->height;
  ps.cursor = CursorAtLocked(fork);
  ps.threshold = PresyncThresholdLocked();
  ps.budget = PresyncBudget(ps.threshold, fork->chain_work, WorkOfBits(tree_.Tip()->header.bits));
  return ps;
}

void Chainstate::CommitHeadersLocked(const std::vector<chain::BlockHeader>& headers,
                                     std::vector<BlockIndex*>* added) {
  if (headers.empty()) return;
  BlockIndex* parent = tree_.Find(headers.front().prev);
  for (const chain::BlockHeader& header : headers) {
    const Hash256 id = header.Id();
    BlockIndex* index = tree_.Find(id);  // another peer may have brought it meanwhile
    if (!index) {
      index = tree_.Add(header, id, parent);
      index->status = 0;
      UpdateBestHeaderLocked(index);
      added->push_back(index);
    }
    parent = index;
  }
}

ValidationResult Chainstate::PresyncStepLocked(HeadersPresync& ps, const chain::BlockHeader& header,
                                               const Hash256& id, HeadersResult* result,
                                               std::vector<BlockIndex*>* added, bool* done) {
  *done = false;
  ps.threshold = PresyncThresholdLocked();
  if (auto r = TakeIntoPresync(ps, header, id, params_, options_.clock()); !r.valid()) {
    *done = true;
    return r;
  }
  if (!(ps.cursor.work() < ps.threshold)) {
    if (!ps.overflowed) {
      CommitHeadersLocked(ps.buffer, added);
      *done = true;
      return ValidationResult::Valid();
    }
    // Only the checkpoints are left of most of it: take the chain again from the fork.
    ps.phase = HeadersPresync::Phase::kRedownload;
    ps.target = id;
    ps.target_height = ps.cursor.height();
    BlockIndex* fork = tree_.Find(ps.fork);
    ps.cursor = CursorAtLocked(fork);
    ps.buffer.clear();
    result->redownload = true;
    return ValidationResult::Valid();
  }
  ValidationResult r = CheckPresyncBudget(ps);
  *done = !r.valid();
  return r;
}

ValidationResult Chainstate::RedownloadStepLocked(HeadersPresync& ps,
                                                  const chain::BlockHeader& header,
                                                  const Hash256& id,
                                                  std::vector<BlockIndex*>* added, bool* done) {
  *done = false;
  if (auto r = ps.cursor.Extend(header, id, params_, options_.clock()); !r.valid()) {
    *done = true;
    return r;
  }
  ps.buffer.push_back(header);
  const uint32_t distance = ps.cursor.height() - ps.fork_height;
  const bool at_target = ps.cursor.height() == ps.target_height;
  const bool at_checkpoint = distance % kPresyncCheckpointInterval == 0;
  if (!at_target && !at_checkpoint) return ValidationResult::Valid();
  const size_t k = distance / kPresyncCheckpointInterval - (at_checkpoint ? 1 : 0);
  const Hash256& expected =
      at_target ? ps.target : (k < ps.checkpoints.size() ? ps.checkpoints[k] : Hash256{});
  if (id != expected) {
    *done = true;
    return ValidationResult::Invalid(Reason::kPresyncMismatch,
                                     "header " + std::to_string(ps.cursor.height()) +
                                         " differs from the one the presync weighed");
  }
  // The id commits to every header before it: the buffered headers are those of the presync.
  CommitHeadersLocked(ps.buffer, added);
  ps.buffer.clear();
  *done = at_target;
  return ValidationResult::Valid();
}

bool Chainstate::AcceptPeerHeaderLocked(uint64_t source, const chain::BlockHeader& header,
                                        const Hash256& id, bool first, HeadersResult* result,
                                        std::vector<BlockIndex*>* added) {
  auto found = presyncs_.find(source);
  HeadersPresync* ps = found == presyncs_.end() ? nullptr : &found->second;
  if (ps) ps->last_used = ++presync_clock_;
  auto fail = [&](ValidationResult r) {
    result->result = std::move(r);
    return false;
  };
  auto take = [&] {
    result->accepted++;
    result->last = id;
    return true;
  };
  bool done = false;
  if (ps && ps->phase == HeadersPresync::Phase::kRedownload) {
    if (header.prev == ps->cursor.id()) {
      ValidationResult r = RedownloadStepLocked(*ps, header, id, added, &done);
      if (done) presyncs_.erase(source);
      return r.valid() ? take() : fail(std::move(r));
    }
    presyncs_.erase(source);  // the peer moved to another chain: start over from what it sends
    ps = nullptr;
  }
  if (BlockIndex* known = tree_.Find(id)) {
    if (known->Failed())
      return fail(ValidationResult::Invalid(Reason::kDuplicateInvalid, id.ToHex()));
    return take();
  }
  if (!ps || header.prev != ps->cursor.id()) {
    BlockIndex* parent = nullptr;
    ValidationResult r = CheckNewHeaderLocked(header, id, &parent);
    if (!r.valid()) {
      if (first && r.code() == Reason::kPrevBlkNotFound) result->connects = false;
      return fail(std::move(r));
    }
    if (!(parent->chain_work + WorkOfBits(header.bits) < PresyncThresholdLocked())) {
      BlockIndex* index = tree_.Add(header, id, parent);
      index->status = 0;
      UpdateBestHeaderLocked(index);
      added->push_back(index);
      return take();
    }
    ps = &StartPresyncLocked(source, parent);
    ps->last_used = ++presync_clock_;
  }
  ValidationResult r = PresyncStepLocked(*ps, header, id, result, added, &done);
  if (done) presyncs_.erase(source);
  if (!r.valid()) return fail(std::move(r));
  take();
  return !result->redownload;  // after a redownload request the rest of the message comes again
}

size_t Chainstate::PresyncWithoutChainLock(uint64_t source,
                                           const std::vector<chain::BlockHeader>& headers,
                                           const std::vector<Hash256>& ids, size_t i,
                                           HeadersResult* result, bool* go) {
  std::lock_guard lock(presync_mu_);
  auto found = presyncs_.find(source);
  if (found == presyncs_.end()) return i;
  HeadersPresync& ps = found->second;
  for (; i < headers.size(); ++i) {
    const chain::BlockHeader& header = headers[i];
    // Only headers that continue the chain past its first header (so they cannot be in the
    // tree: a header's parent always is) and leave it below the threshold. Bits that are not
    // the ASERT value fail in TakeIntoPresync, so the work counted here is the work taken.
    if (ps.phase != HeadersPresync::Phase::kPresync || ps.cursor.id() == ps.fork ||
        header.prev != ps.cursor.id() ||
        !(ps.cursor.work() + PresyncWorkOfBits(ps, header.bits) < ps.threshold)) {
      break;
    }
    ps.last_used = ++presync_clock_;
    ValidationResult r = TakeIntoPresync(ps, header, ids[i], params_, options_.clock());
    if (r.valid()) r = CheckPresyncBudget(ps);
    if (!r.valid()) {
      presyncs_.erase(found);
      result->result = std::move(r);
      *go = false;
      return i;
    }
    result->accepted++;
    result->last = ids[i];
  }
  return i;
}

HeadersResult Chainstate::AcceptPeerHeaders(uint64_t source,
                                            const std::vector<chain::BlockHeader>& headers) {
  std::vector<Hash256> ids;
  ids.reserve(headers.size());
  for (const chain::BlockHeader& header : headers) ids.push_back(header.Id());
  HeadersResult result;
  // A flood of cheap headers is checked without the chain lock (PresyncWithoutChainLock);
  // the rest takes it per slice, not for a whole message, so RPC calls and block connection
  // never wait for a whole message.
  bool go = true;
  size_t i = 0;
  while (go && i < headers.size()) {
    i = PresyncWithoutChainLock(source, headers, ids, i, &result, &go);
    if (!go || i == headers.size()) break;
    std::lock_guard lock(mu_);
    std::lock_guard presync_lock(presync_mu_);
    std::vector<BlockIndex*> added;
    const size_t slice_end = std::min(headers.size(), i + kPeerHeadersPerLock);
    while (i < slice_end) {
      if (!AcceptPeerHeaderLocked(source, headers[i], ids[i], i == 0, &result, &added)) {
        go = false;
        break;
      }
      ++i;
      auto found = presyncs_.find(source);
      if (found != presyncs_.end() && found->second.phase == HeadersPresync::Phase::kPresync &&
          found->second.cursor.id() != found->second.fork) {
        break;  // the next ones may go without the chain lock
      }
    }
    if (Status s = StoreHeadersLocked(added); !s.ok() && result.result.valid()) {
      result.result = ValidationResult::Error("storing headers: " + s.ToString());
      go = false;
    }
  }
  std::lock_guard presync_lock(presync_mu_);
  auto found = presyncs_.find(source);
  if (found != presyncs_.end()) result.resume = found->second.cursor.id();
  return result;
}

void Chainstate::ForgetHeadersSource(uint64_t source) {
  std::lock_guard lock(presync_mu_);
  presyncs_.erase(source);
}

}  // namespace waybill::consensus
