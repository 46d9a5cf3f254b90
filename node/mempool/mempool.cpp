// The mempool keeps, besides its txs, an overlay: the state writes of every pending tx
// applied in acceptance order on the tip state. A new tx is applied on (tip state + overlay)
// inside ChainView::WithTipState, so it is checked against balances, nonces and asset
// custody as they will be once every pending tx before it is mined. The overlay is only
// valid for the tip it was built on; it is rebuilt (re-applying every pending tx and dropping
// those that fail) when the tip moves.
//
// Removing a tx from the middle of the overlay is a rebuild in general. For eviction, which
// only ever removes the last tx of a sender's chain, each overlay key remembers the last
// pending tx that read or wrote it and each tx remembers the overlay entries it replaced: if
// no later tx touched the keys a tx wrote, nothing depends on it and restoring those entries
// removes it exactly. Otherwise the overlay is rebuilt, and the victim's dependants leave
// with it. If the new tx then does not apply (it needed a victim), everything that left is
// put back and the new tx is refused.
#include "node/mempool/mempool.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "chain/salted_hash.h"
#include "chain/schnorr.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "consensus/state_transition.h"
#include "consensus/tx_check.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using chain::TxWithId;
using consensus::ValidationResult;

// At most this many txs leave the pool to make room for one.
constexpr size_t kMaxEvictionsPerTx = 256;

// Txs set aside at a tip change (docs/PROTOCOL.md §10): how many blocks they wait at most,
// and the bounds of the set (the oldest leave first).
constexpr uint32_t kAsideBlocks = 100;
constexpr size_t kMaxAsideTxs = 10'000;
constexpr size_t kMaxAsideBytes = 16 << 20;
// Re-admission after a tip change tries again what failed while a pass admitted something
// (a tx of one sender can fund another's); at most this many passes.
constexpr int kMaxReadmitPasses = 4;

// fee / size, compared exactly (no division, no rounding).
struct FeeRate {
  chain::Amount fee = 0;
  size_t size = 1;
};

bool RateLess(const FeeRate& a, const FeeRate& b) {
  using U128 = unsigned __int128;
  return U128{a.fee} * U128{b.size} < U128{b.fee} * U128{a.size};
}

struct OverlayValue {
  std::optional<chain::Bytes> value;  // nullopt: deleted
  uint64_t last_access = 0;           // seq of the last pending tx that read or wrote the key
};
// Hashed, salted: the keys hold account and tx ids that submitters choose. Nothing depends
// on its order. Its elements stay in place when it rehashes (the OverlayView's hits point at
// them), until erased.
using Overlay =
    std::unordered_map<std::string, OverlayValue, chain::SaltedKeyHasher, std::equal_to<>>;

// The tip state with the overlay on top. Records the overlay entries that a tx reads (in
// *hits, cleared first), so that their last_access can be updated once the tx is known to
// apply.
class OverlayView : public chain::KvReader {
 public:
  OverlayView(Overlay* overlay, const chain::KvReader* base, std::vector<OverlayValue*>* hits)
      : overlay_(overlay), base_(base), hits_(hits) {
    hits_->clear();
  }

  chain::Status Get(std::string_view key, chain::Bytes* value) const override {
    auto it = overlay_->find(key);
    if (it == overlay_->end()) return base_->Get(key, value);
    hits_->push_back(&it->second);
    if (!it->second.value) return chain::Status::NotFound("deleted");
    *value = *it->second.value;
    return chain::Status::Ok();
  }

 private:
  Overlay* overlay_;
  const chain::KvReader* base_;
  std::vector<OverlayValue*>* hits_;
};

struct Entry {
  TxWithId txw;
  uint64_t seq = 0;  // acceptance order
  bool verified = false;
  // The overlay entries this tx's writes replaced (nullopt: the key was not in the overlay),
  // each with the overlay element that holds the key now. That element lives as long as the
  // entry (until its next Apply): only RemoveFast erases an element, that of a key whose
  // previous value is nullopt, and RemoveFast(e) requires that no tx after e touched e's keys,
  // so no other entry holds an element it erases (a tx before e that wrote the key would have
  // made the previous value non-null); Rebuild and Clear clear the overlay, and then every
  // entry left is applied again or erased.
  std::vector<std::pair<Overlay::value_type*, std::optional<OverlayValue>>> replaced;

  FeeRate rate() const { return FeeRate{txw.tx.fee, txw.size}; }
};

// Eviction order: lowest fee rate first; among equal rates the newest first.
struct EvictKey {
  FeeRate rate;
  uint64_t seq = 0;
  bool operator<(const EvictKey& o) const {
    if (RateLess(rate, o.rate)) return true;
    if (RateLess(o.rate, rate)) return false;
    return seq > o.seq;
  }
};

using SenderChain = std::map<uint64_t, uint64_t>;  // nonce -> seq

}  // namespace

struct Mempool::Impl {
  Impl(const consensus::ChainParams& p, const MempoolOptions& o) : params(p), options(o) {}

  // A tx that left the pool, as needed to put it back.
  struct Removed {
    TxWithId txw;
    bool verified = false;
    uint64_t seq = 0;
  };
  // A tx to (re-)admit after a tip change: from the set-aside txs, a disconnected block or the
  // pool itself.
  struct Readmission {
    TxWithId txw;
    bool verified = false;
    bool announce = false;  // new to the pool: peers are told once it is in
    std::optional<uint32_t> aside_until = std::nullopt;  // set once it has been set aside
  };
  // A tx that does not apply on the tip now but may on a later one.
  struct AsideTx {
    TxWithId txw;
    bool verified = false;
    uint32_t until_height = 0;  // dropped once the tip reaches this height
  };

  // Applies e's tx on the tip state with the overlay on top. With commit, a tx that applies
  // joins the overlay (e->seq must be set); without, nothing changes.
  ValidationResult Apply(const chain::KvReader& state, const consensus::TipInfo& tip, Entry* e,
                         bool commit);
  void Index(const Entry& e);
  void Erase(uint64_t seq);
  bool CanRemoveFast(const Entry& e) const;
  void RemoveFast(uint64_t seq);
  // Re-applies every entry on tip in acceptance order; returns those that no longer apply
  // (they are gone from the pool).
  std::vector<Removed> Rebuild(const chain::KvReader& state, const consensus::TipInfo& tip);
  void EnsureOnTip(const chain::KvReader& state, const consensus::TipInfo& tip);
  // Admits txs on tip (the overlay must be on tip): in passes (at most `passes`) while a pass
  // admits something; what still does not apply is set aside unless its nonce is taken for
  // good.
  void Readmit(std::vector<Readmission> txs, const chain::KvReader& state,
               const consensus::TipInfo& tip, chain::SignatureCache* signature_cache,
               int passes = kMaxReadmitPasses);
  // OnTipChanged when no block left the chain and nothing waits aside: what clearing the pool
  // and re-admitting its txs in acceptance order would leave, without the clearing. The first
  // pass of that re-admission is exactly Rebuild (each tx applied in order on the new tip
  // with the txs kept before it; the seqs keep their order); the txs it drops get the
  // remaining passes, if it kept any.
  void RebuildInPlace(const chain::KvReader& state, const consensus::TipInfo& tip,
                      chain::SignatureCache* signature_cache);
  void SetAside(std::vector<Readmission> txs, const chain::KvReader& state,
                const consensus::TipInfo& tip);
  // Moves the set-aside txs out, oldest first.
  std::vector<Readmission> TakeAside();
  bool ChooseVictims(const TxWithId& txw, std::vector<uint64_t>* victims) const;
  // True if the overlay shows that tx's nonce is not below its sender's nonce on the tip, so
  // that no block of the active chain holds tx (a confirmed tx's nonce is below its sender's
  // nonce, and the overlay's account is the tip's with the pending txs applied, whose nonce
  // is not below the tip's). False: not known (the tx index tells). REQUIRES: the overlay is
  // on the tip.
  bool NonceNotTaken(const chain::Transaction& tx) const;
  // REQUIRES: the overlay is on tip.
  ValidationResult Add(TxWithId txw, bool verified, bool may_evict, const chain::KvReader& state,
                       const consensus::TipInfo& tip);
  ValidationResult AddEvicting(Entry entry, std::vector<uint64_t> victims,
                               const chain::KvReader& state, const consensus::TipInfo& tip);
  void Clear();
  void UnmarkLast(const SenderChain& chain);
  void MarkLast(const SenderChain& chain);

  const consensus::ChainParams& params;
  const MempoolOptions& options;

  std::map<uint64_t, Entry> entries;  // by seq
  // Hashed with a secret salt: tx ids are chosen by whoever submits the txs, so an unsalted
  // hash table's buckets could be filled on purpose.
  std::unordered_map<Hash256, uint64_t, chain::SaltedIdHasher> by_id;
  // Ordered: Candidates walks the senders in a fixed order.
  std::map<chain::AccountId, SenderChain> by_sender;
  // The last tx of each sender's chain: the only txs that can be evicted.
  std::set<EvictKey> evictable;
  size_t bytes = 0;
  unsigned __int128 fees = 0;
  Overlay overlay;
  std::optional<Hash256> overlay_tip;  // the tip the overlay was built on
  std::vector<OverlayValue*> hits;     // Apply's, kept for its capacity
  std::deque<AsideTx> aside;           // oldest first
  size_t aside_bytes = 0;
  // Txs that came back into the pool (from a disconnected block or from aside) and are not
  // announced yet; at most options.max_txs.
  std::vector<Hash256> readmitted;
  uint64_t next_seq = 1;               // 0 means "no pending tx" in last_access
  std::atomic<uint64_t> version{0};
};

ValidationResult Mempool::Impl::Apply(const chain::KvReader& state, const consensus::TipInfo& tip,
                                      Entry* e, bool commit) {
  OverlayView view(&overlay, &state, &hits);
  chain::StateCache cache(&view);
  const consensus::BlockContext ctx{Hash256{}, tip.height + 1, tip.header.time};
  chain::Amount fee = 0;
  ValidationResult r = consensus::ApplyTransaction(params, ctx, e->txw, 0, &cache, &fee);
  if (!r.valid() || !commit) return r;
  // The hits point at elements, which the inserts below leave in place (a rehash moves no
  // element; nothing is erased here).
  for (OverlayValue* hit : hits) hit->last_access = e->seq;
  e->replaced.clear();
  e->replaced.reserve(cache.changes().size());
  for (const auto& [key, value] : cache.changes()) {
    auto [it, inserted] = overlay.try_emplace(key);
    if (inserted) {
      e->replaced.emplace_back(&*it, std::nullopt);
    } else {
      e->replaced.emplace_back(&*it, std::move(it->second));
    }
    it->second = OverlayValue{value, e->seq};
  }
  return r;
}

void Mempool::Impl::UnmarkLast(const SenderChain& chain) {
  if (chain.empty()) return;
  auto it = entries.find(chain.rbegin()->second);
  if (it != entries.end()) evictable.erase(EvictKey{it->second.rate(), it->first});
}

void Mempool::Impl::MarkLast(const SenderChain& chain) {
  if (chain.empty()) return;
  auto it = entries.find(chain.rbegin()->second);
  if (it != entries.end()) evictable.insert(EvictKey{it->second.rate(), it->first});
}

// REQUIRES: e is in entries.
void Mempool::Impl::Index(const Entry& e) {
  bytes += e.txw.size;
  fees += e.txw.tx.fee;
  by_id.emplace(e.txw.id, e.seq);
  SenderChain& chain = by_sender[e.txw.tx.sender];
  UnmarkLast(chain);
  chain.emplace(e.txw.tx.nonce, e.seq);
  MarkLast(chain);
  version.fetch_add(1, std::memory_order_relaxed);
}

// Drops an entry and its index records; the overlay is the caller's business.
void Mempool::Impl::Erase(uint64_t seq) {
  auto it = entries.find(seq);
  if (it == entries.end()) return;
  const Entry& e = it->second;
  bytes -= e.txw.size;
  fees -= e.txw.tx.fee;
  by_id.erase(e.txw.id);
  auto sit = by_sender.find(e.txw.tx.sender);
  if (sit != by_sender.end()) {
    UnmarkLast(sit->second);
    sit->second.erase(e.txw.tx.nonce);
    MarkLast(sit->second);
    if (sit->second.empty()) by_sender.erase(sit);
  }
  entries.erase(it);
  version.fetch_add(1, std::memory_order_relaxed);
}

bool Mempool::Impl::CanRemoveFast(const Entry& e) const {
  for (const auto& [element, unused] : e.replaced) {
    if (element->second.last_access != e.seq) return false;
  }
  return true;
}

// REQUIRES: CanRemoveFast(entries[seq]).
void Mempool::Impl::RemoveFast(uint64_t seq) {
  auto it = entries.find(seq);
  if (it == entries.end()) return;
  for (auto& [element, previous] : it->second.replaced) {
    if (previous) {
      element->second = std::move(*previous);
    } else {
      overlay.erase(overlay.find(element->first));
    }
  }
  Erase(seq);
}

std::vector<Mempool::Impl::Removed> Mempool::Impl::Rebuild(const chain::KvReader& state,
                                                           const consensus::TipInfo& tip) {
  overlay.clear();
  overlay_tip = tip.id;
  std::vector<uint64_t> failed;
  for (auto& [seq, e] : entries) {
    if (!Apply(state, tip, &e, /*commit=*/true).valid()) failed.push_back(seq);
  }
  std::vector<Removed> dropped;
  dropped.reserve(failed.size());
  for (uint64_t seq : failed) {
    Entry& e = entries.at(seq);
    dropped.push_back(Removed{std::move(e.txw), e.verified, seq});
    Erase(seq);
  }
  return dropped;
}

void Mempool::Impl::EnsureOnTip(const chain::KvReader& state, const consensus::TipInfo& tip) {
  // The tip can move before OnTipChanged reaches the pool; until it does, the pool follows
  // the tip it sees (OnTipChanged then also brings back the disconnected txs).
  if (overlay_tip == tip.id) return;
  std::vector<Readmission> dropped;
  for (Removed& r : Rebuild(state, tip)) dropped.push_back({std::move(r.txw), r.verified});
  SetAside(std::move(dropped), state, tip);
}

void Mempool::Impl::Readmit(std::vector<Readmission> txs, const chain::KvReader& state,
                            const consensus::TipInfo& tip, chain::SignatureCache* signature_cache,
                            int passes) {
  for (int pass = 0; pass < passes && !txs.empty(); ++pass) {
    std::vector<Readmission> failed;
    bool admitted_any = false;
    for (Readmission& r : txs) {
      if (!r.verified) {
        if (!consensus::CheckTransaction(r.txw.tx).valid() || !r.txw.tx.VerifySignature()) {
          continue;  // can never apply
        }
        r.verified = true;
      }
      if (!Add(r.txw, /*verified=*/true, /*may_evict=*/false, state, tip).valid()) {
        failed.push_back(std::move(r));
        continue;
      }
      admitted_any = true;
      if (r.announce) {
        // Its block's connection erased its signature from the cache; the next block that
        // confirms it again should not verify it again.
        if (signature_cache) {
          signature_cache->Insert(r.txw.tx.sender, r.txw.tx.SigHash(), r.txw.tx.signature);
        }
        if (readmitted.size() < options.max_txs) readmitted.push_back(r.txw.id);
      }
    }
    txs = std::move(failed);
    if (!admitted_any) break;
  }
  SetAside(std::move(txs), state, tip);
}

void Mempool::Impl::RebuildInPlace(const chain::KvReader& state, const consensus::TipInfo& tip,
                                   chain::SignatureCache* signature_cache) {
  std::vector<Readmission> failed;
  for (Removed& r : Rebuild(state, tip)) failed.push_back({std::move(r.txw), r.verified});
  // The content is that of a new tip's pool even when every tx stays (as Clear marks it).
  version.fetch_add(1, std::memory_order_relaxed);
  if (entries.empty()) {
    // The first pass admitted nothing: re-admission stops there.
    SetAside(std::move(failed), state, tip);
  } else {
    Readmit(std::move(failed), state, tip, signature_cache, kMaxReadmitPasses - 1);
  }
}

void Mempool::Impl::SetAside(std::vector<Readmission> txs, const chain::KvReader& state,
                             const consensus::TipInfo& tip) {
  chain::StateCache tip_state(&state);  // reads only
  std::set<Hash256> seen;
  for (const AsideTx& a : aside) seen.insert(a.txw.id);
  for (Readmission& r : txs) {
    const uint32_t until = r.aside_until.value_or(tip.height + kAsideBlocks);
    if (tip.height >= until || by_id.count(r.txw.id) || !seen.insert(r.txw.id).second) continue;
    auto account = tip_state.GetAccount(r.txw.tx.sender);
    if (!account.ok() || r.txw.tx.nonce < account->nonce) continue;  // its nonce is taken
    aside_bytes += r.txw.size;
    aside.push_back(AsideTx{std::move(r.txw), r.verified, until});
    while (aside.size() > kMaxAsideTxs || aside_bytes > kMaxAsideBytes) {
      aside_bytes -= aside.front().txw.size;
      aside.pop_front();
    }
  }
}

std::vector<Mempool::Impl::Readmission> Mempool::Impl::TakeAside() {
  std::vector<Readmission> out;
  out.reserve(aside.size());
  for (AsideTx& a : aside) {
    out.push_back({std::move(a.txw), a.verified, /*announce=*/true, a.until_height});
  }
  aside.clear();
  aside_bytes = 0;
  return out;
}

bool Mempool::Impl::ChooseVictims(const TxWithId& txw, std::vector<uint64_t>* victims) const {
  if (txw.size > options.max_bytes || options.max_txs == 0) return false;
  const FeeRate rate{txw.tx.fee, txw.size};
  size_t count = entries.size();
  size_t total = bytes;
  // Predecessors of chosen victims, which become evictable once their successor goes.
  std::set<EvictKey> exposed;
  auto it = evictable.begin();
  while (count + 1 > options.max_txs || total + txw.size > options.max_bytes) {
    // The new tx's own sender is spared: the new tx extends that chain.
    while (it != evictable.end() && entries.at(it->seq).txw.tx.sender == txw.tx.sender) {
      ++it;
    }
    bool from_exposed = false;
    EvictKey pick;
    if (it != evictable.end()) {
      pick = *it;
    } else if (exposed.empty()) {
      return false;
    }
    if (!exposed.empty() && (it == evictable.end() || *exposed.begin() < pick)) {
      pick = *exposed.begin();
      from_exposed = true;
    }
    if (!RateLess(pick.rate, rate)) return false;
    if (victims->size() >= kMaxEvictionsPerTx) return false;
    if (from_exposed) {
      exposed.erase(exposed.begin());
    } else {
      ++it;
    }
    const Entry& v = entries.at(pick.seq);
    victims->push_back(v.seq);
    count -= 1;
    total -= v.txw.size;
    const SenderChain& chain = by_sender.at(v.txw.tx.sender);
    auto cit = chain.find(v.txw.tx.nonce);
    if (cit != chain.begin() && cit != chain.end()) {
      const Entry& p = entries.at(std::prev(cit)->second);
      exposed.insert(EvictKey{p.rate(), p.seq});
    }
  }
  return true;
}

bool Mempool::Impl::NonceNotTaken(const chain::Transaction& tx) const {
  auto it = overlay.find(chain::keys::Account(tx.sender));
  if (it == overlay.end() || !it->second.value) return false;
  auto account = chain::DecodeAccount(*it->second.value);
  return account.ok() && tx.nonce >= account->nonce;
}

ValidationResult Mempool::Impl::Add(TxWithId txw, bool verified, bool may_evict,
                                    const chain::KvReader& state, const consensus::TipInfo& tip) {
  if (by_id.count(txw.id)) {
    return ValidationResult::Invalid(consensus::Reason::kTxnAlreadyInMempool);
  }
  auto sit = by_sender.find(txw.tx.sender);
  if (sit != by_sender.end() && sit->second.size() >= options.max_per_sender) {
    return ValidationResult::Invalid(consensus::Reason::kTooManyPending,
                                     std::to_string(sit->second.size()) + " pending txs");
  }
  std::vector<uint64_t> victims;
  const bool full = entries.size() + 1 > options.max_txs || bytes + txw.size > options.max_bytes;
  if (full && (!may_evict || !ChooseVictims(txw, &victims))) {
    return ValidationResult::Invalid(consensus::Reason::kMempoolFull,
                                     "fee rate too low to replace any tx");
  }

  Entry entry;
  entry.txw = std::move(txw);
  entry.verified = verified;
  if (!victims.empty()) {
    // A tx that does not even apply with the victims present is not worth evicting for.
    ValidationResult trial = Apply(state, tip, &entry, /*commit=*/false);
    if (!trial.valid()) return trial;
    return AddEvicting(std::move(entry), std::move(victims), state, tip);
  }
  entry.seq = next_seq++;
  ValidationResult r = Apply(state, tip, &entry, /*commit=*/true);
  if (!r.valid()) return r;
  const uint64_t seq = entry.seq;
  auto [eit, unused] = entries.emplace(seq, std::move(entry));
  Index(eit->second);
  return r;
}

ValidationResult Mempool::Impl::AddEvicting(Entry entry, std::vector<uint64_t> victims,
                                            const chain::KvReader& state,
                                            const consensus::TipInfo& tip) {
  // Newest first, so that a victim whose successor is also a victim sees its keys as it
  // left them.
  std::sort(victims.begin(), victims.end(), std::greater<>());
  std::vector<Removed> removed;
  bool rebuild = false;
  for (uint64_t v : victims) {
    auto vit = entries.find(v);
    if (vit == entries.end()) continue;
    removed.push_back(Removed{vit->second.txw, vit->second.verified, v});
    if (!rebuild && CanRemoveFast(vit->second)) {
      RemoveFast(v);
    } else {
      rebuild = true;
      Erase(v);
    }
  }
  if (rebuild) {
    // Some victim had dependants: they leave with it.
    for (Removed& d : Rebuild(state, tip)) removed.push_back(std::move(d));
  }

  entry.seq = next_seq++;
  ValidationResult r = Apply(state, tip, &entry, /*commit=*/true);
  if (r.valid()) {
    const uint64_t seq = entry.seq;
    auto [eit, unused] = entries.emplace(seq, std::move(entry));
    Index(eit->second);
    return r;
  }
  // The new tx needed one of the txs that made room for it: put them all back, in their
  // original order (at the end of the acceptance order).
  std::sort(removed.begin(), removed.end(),
            [](const Removed& a, const Removed& b) { return a.seq < b.seq; });
  for (Removed& back : removed) {
    (void)Add(std::move(back.txw), back.verified, /*may_evict=*/false, state, tip);
  }
  return ValidationResult::Invalid(consensus::Reason::kMempoolFull,
                                   "needs a tx it would evict (" + r.ToString() + ")");
}

void Mempool::Impl::Clear() {
  entries.clear();
  by_id.clear();
  by_sender.clear();
  evictable.clear();
  bytes = 0;
  fees = 0;
  overlay.clear();
  overlay_tip.reset();
  version.fetch_add(1, std::memory_order_relaxed);
}

Mempool::Mempool(const mempool::ChainView* chain, MempoolOptions options)
    : chain_(chain),
      options_(options),
      verify_pool_(options_.verify_threads),
      impl_(std::make_unique<Impl>(chain->params(), options_)) {}

Mempool::~Mempool() = default;

ValidationResult Mempool::Accept(const chain::Transaction& tx) {
  std::vector<TxWithId> txws;
  txws.push_back(chain::MakeTxWithId(tx));
  return std::move(AcceptBatch(std::move(txws)).front());
}

std::vector<ValidationResult> Mempool::AcceptBatch(std::span<const chain::Transaction> txs) {
  std::vector<TxWithId> txws;
  txws.reserve(txs.size());
  for (const chain::Transaction& tx : txs) txws.push_back(chain::MakeTxWithId(tx));
  return AcceptBatch(std::move(txws));
}

void Mempool::VerifySignatures(std::span<const TxWithId> txs, std::span<const size_t> which,
                               std::vector<uint8_t>* good, std::vector<Hash256>* cache_keys) {
  good->assign(txs.size(), 0);
  cache_keys->assign(options_.signature_cache ? txs.size() : 0, Hash256{});
  // The pool reports the first bad signature only: check again from the one after it.
  size_t from = 0;
  while (from < which.size()) {
    std::span<const size_t> rest = which.subspan(from);
    consensus::SignatureCheckPool::Batch batch =
        verify_pool_.StartSome(txs, rest, options_.signature_cache.get());
    (void)batch.Wait();
    const size_t end = from + batch.first_bad().value_or(rest.size());
    for (size_t k = from; k < end; ++k) (*good)[which[k]] = 1;
    std::span<const Hash256> keys = batch.cache_keys();
    for (size_t k = 0; k < keys.size() && from + k < end; ++k) {
      (*cache_keys)[which[from + k]] = keys[k];
    }
    from = end + 1;
  }
}

std::vector<ValidationResult> Mempool::AcceptBatch(std::vector<TxWithId> txws) {
  std::vector<ValidationResult> results(txws.size());
  // Txs that no block of the active chain holds, as the pool's overlay shows: their tx-index
  // read is skipped (most txs: a sender with pending txs sends its next one).
  std::vector<uint8_t> unconfirmed(txws.size(), 0);
  {
    std::lock_guard lock(mu_);
    chain_->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
      impl_->EnsureOnTip(state, tip);
      for (size_t i = 0; i < txws.size(); ++i) {
        if (txws[i].size > chain::kMaxTxSize) {
          results[i] = ValidationResult::Invalid(consensus::Reason::kTxTooLarge,
                                                 std::to_string(txws[i].size) + " bytes");
        } else if (impl_->by_id.count(txws[i].id)) {
          results[i] = ValidationResult::Invalid(consensus::Reason::kTxnAlreadyInMempool);
        } else {
          unconfirmed[i] = impl_->NonceNotTaken(txws[i].tx);
        }
      }
    });
  }
  for (size_t i = 0; i < txws.size(); ++i) {
    if (!results[i].valid()) continue;
    if (!unconfirmed[i]) {
      auto confirmed = chain_->IsConfirmed(txws[i].id);
      if (!confirmed.ok()) {
        results[i] = ValidationResult::Error(confirmed.status().ToString());
        continue;
      }
      if (*confirmed) {
        results[i] = ValidationResult::Invalid(consensus::Reason::kTxnAlreadyKnown);
        continue;
      }
    }
    results[i] = consensus::CheckTransaction(txws[i].tx);
  }
  // The expensive check runs outside the lock, so several callers verify in parallel. Only
  // the txs still valid are checked, and a second copy of a tx in the batch takes the first
  // copy's result: a peer cannot make this node verify what it refuses anyway.
  std::vector<size_t> which;
  std::vector<std::pair<size_t, size_t>> copies;  // (later copy, first copy)
  for (size_t i = 0; i < txws.size(); ++i) {
    if (results[i].valid()) which.push_back(i);
  }
  // By id, then position: each run of equal ids keeps its first copy.
  std::sort(which.begin(), which.end(), [&](size_t a, size_t b) {
    return std::tie(txws[a].id, a) < std::tie(txws[b].id, b);
  });
  size_t kept = 0;
  for (size_t k = 0; k < which.size(); ++k) {
    if (kept > 0 && txws[which[k]].id == txws[which[kept - 1]].id) {
      copies.emplace_back(which[k], which[kept - 1]);
    } else {
      which[kept++] = which[k];
    }
  }
  which.resize(kept);
  std::sort(which.begin(), which.end());
  std::vector<uint8_t> good;
  std::vector<Hash256> cache_keys;
  VerifySignatures(txws, which, &good, &cache_keys);
  for (const auto& [copy, original] : copies) {
    good[copy] = good[original];
    if (!cache_keys.empty()) cache_keys[copy] = cache_keys[original];
  }
  for (size_t i = 0; i < txws.size(); ++i) {
    if (results[i].valid() && !good[i]) {
      results[i] = ValidationResult::Invalid(consensus::Reason::kBadSignature);
    }
  }

  std::lock_guard lock(mu_);
  chain_->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
    impl_->EnsureOnTip(state, tip);
    for (size_t i = 0; i < txws.size(); ++i) {
      if (!results[i].valid()) continue;
      if (impl_->by_id.count(txws[i].id)) {  // an earlier copy in the same batch
        results[i] = ValidationResult::Invalid(consensus::Reason::kTxnAlreadyInMempool);
        continue;
      }
      results[i] = impl_->Add(std::move(txws[i]), /*verified=*/true, /*may_evict=*/true, state, tip);
      // Cached for the block that confirms the tx, which then skips the verification. Only
      // pool members: a flood of validly signed txs that the pool refuses cannot push them
      // out. Inserted before the tip can move, so a block that confirms the tx cannot have
      // erased its entry already (which would leave a stale one).
      if (results[i].valid() && options_.signature_cache) {
        options_.signature_cache->InsertKey(cache_keys[i]);
      }
    }
  });
  return results;
}

void Mempool::OnTipChanged(const consensus::TipChange& change) {
  std::lock_guard lock(mu_);
  if (options_.rebuild_in_place && change.disconnected_txs.empty() &&
      change.disconnected_blocks.empty() && impl_->aside.empty()) {
    chain_->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
      impl_->RebuildInPlace(state, tip, options_.signature_cache.get());
    });
    return;
  }
  // Oldest first: the txs set aside at earlier tip changes, then those of the disconnected
  // blocks (block by block, so each sender's in nonce order), then the pool in acceptance
  // order. Txs of blocks that were valid need no new signature check. What does not fit is
  // dropped rather than evicting anything.
  std::vector<Impl::Readmission> txs = impl_->TakeAside();
  txs.reserve(txs.size() + std::min(change.disconnected_txs.size(), options_.max_txs) +
              impl_->entries.size());
  size_t disconnected = 0;
  for (const chain::Transaction& tx : change.disconnected_txs) {
    if (++disconnected > options_.max_txs) break;
    txs.push_back({chain::MakeTxWithId(tx), /*verified=*/true, /*announce=*/true});
  }
  for (auto& [seq, e] : impl_->entries) txs.push_back({std::move(e.txw), e.verified});
  impl_->Clear();
  chain_->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
    impl_->overlay_tip = tip.id;
    impl_->Readmit(std::move(txs), state, tip, options_.signature_cache.get());
  });
}

std::vector<Hash256> Mempool::TakeReadmitted() {
  std::lock_guard lock(mu_);
  return std::exchange(impl_->readmitted, {});
}

size_t Mempool::AsideCount() const {
  std::lock_guard lock(mu_);
  return impl_->aside.size();
}

bool Mempool::Contains(const Hash256& txid) const {
  std::lock_guard lock(mu_);
  return impl_->by_id.count(txid) != 0;
}

std::optional<TxWithId> Mempool::Get(const Hash256& txid) const {
  std::lock_guard lock(mu_);
  auto it = impl_->by_id.find(txid);
  if (it == impl_->by_id.end()) return std::nullopt;
  return impl_->entries.at(it->second).txw;
}

std::vector<Hash256> Mempool::Txids() const {
  std::lock_guard lock(mu_);
  std::vector<Hash256> out;
  out.reserve(impl_->entries.size());
  for (const auto& [seq, e] : impl_->entries) out.push_back(e.txw.id);
  return out;
}

MempoolInfo Mempool::Info() const {
  std::lock_guard lock(mu_);
  MempoolInfo info;
  info.size = impl_->entries.size();
  info.bytes = impl_->bytes;
  info.total_fees =
      impl_->fees > chain::kMaxAmount ? chain::kMaxAmount : static_cast<chain::Amount>(impl_->fees);
  info.max_txs = options_.max_txs;
  info.max_bytes = options_.max_bytes;
  info.min_fee_per_byte = chain_->params().min_fee_per_byte;
  return info;
}

std::vector<TxWithId> Mempool::BySender(const chain::AccountId& sender) const {
  std::lock_guard lock(mu_);
  std::vector<TxWithId> out;
  auto sit = impl_->by_sender.find(sender);
  if (sit == impl_->by_sender.end()) return out;
  out.reserve(sit->second.size());
  for (const auto& [nonce, seq] : sit->second) out.push_back(impl_->entries.at(seq).txw);
  return out;
}

std::vector<TxWithId> Mempool::Candidates(size_t max_txs) const {
  std::lock_guard lock(mu_);
  // One heap entry per sender, keyed by that sender's next tx: best fee rate first, then
  // the earliest accepted.
  struct Head {
    FeeRate rate;
    uint64_t seq;
    SenderChain::const_iterator next;
    SenderChain::const_iterator end;
  };
  auto lower_priority = [](const Head& a, const Head& b) {
    if (RateLess(a.rate, b.rate)) return true;
    if (RateLess(b.rate, a.rate)) return false;
    return a.seq > b.seq;
  };
  std::vector<Head> heads;
  heads.reserve(impl_->by_sender.size());
  for (const auto& [sender, chain] : impl_->by_sender) {
    if (chain.empty()) continue;
    const Entry& e = impl_->entries.at(chain.begin()->second);
    heads.push_back(Head{e.rate(), e.seq, chain.begin(), chain.end()});
  }
  std::priority_queue<Head, std::vector<Head>, decltype(lower_priority)> heap(lower_priority,
                                                                              std::move(heads));
  std::vector<TxWithId> out;
  out.reserve(std::min(max_txs, impl_->entries.size()));
  while (!heap.empty() && out.size() < max_txs) {
    Head h = heap.top();
    heap.pop();
    out.push_back(impl_->entries.at(h.seq).txw);
    if (++h.next != h.end) {
      const Entry& n = impl_->entries.at(h.next->second);
      heap.push(Head{n.rate(), n.seq, h.next, h.end});
    }
  }
  return out;
}

uint64_t Mempool::Version() const { return impl_->version.load(std::memory_order_relaxed); }

}  // namespace waybill::node
