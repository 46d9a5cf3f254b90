#include "node/mining/miner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "chain/arith_uint256.h"
#include "chain/merkle.h"
#include "chain/sha256_midstate.h"
#include "chain/state_cache.h"
#include "consensus/state_transition.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using chain::TxWithId;
using Clock = std::chrono::steady_clock;

// Hashes between two looks at the stop flag and the template: a few ms with SHA-NI, about
// 50 ms on the portable path, so Stop() stays prompt.
constexpr uint64_t kHashChunk = uint64_t{1} << 16;
// A template with new txs at most this often; a new tip replaces the template at once.
constexpr auto kRefreshInterval = std::chrono::milliseconds(250);
// How often the control thread looks at the tip and the tx source.
constexpr auto kPollInterval = std::chrono::milliseconds(20);
// Hash rate samples: one per kSampleInterval, kept over kRateWindow.
constexpr auto kSampleInterval = std::chrono::milliseconds(100);
constexpr auto kRateWindow = std::chrono::seconds(5);
constexpr size_t kMaxSamples = 64;
constexpr int kMaxThreads = 256;

size_t CompactSizeLen(uint64_t n) {
  if (n < 0xfd) return 1;
  if (n <= 0xffff) return 3;
  if (n <= 0xffffffff) return 5;
  return 9;
}

uint64_t ReadBe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

uint32_t ClampTime(int64_t now, int64_t min_time, int64_t max_time) {
  int64_t t = std::min(now, max_time);
  t = std::max(t, min_time);  // an empty range gives min_time
  t = std::clamp<int64_t>(t, 0, std::numeric_limits<uint32_t>::max());
  return static_cast<uint32_t>(t);
}

// A failed tx is tried again in the next pass (a tx it depends on may have been added
// since: candidates come by fee rate, not in dependency order), up to this many passes.
constexpr int kMaxAssemblyPasses = 4;

// Fills t's txs from candidates applied on state. Each tx that fails is skipped together
// with every later tx of its sender (they would fail on the nonce) until the next pass.
void FillTransactions(const consensus::ChainParams& params, const chain::KvReader& state,
                      const std::vector<TxWithId>& candidates, BlockTemplate* t) {
  chain::StateCache cache(&state);
  const consensus::BlockContext ctx{Hash256{}, t->height, t->block.header.time};
  const uint64_t max_txs = params.max_block_txs;
  const uint64_t max_size = params.max_block_size;
  uint64_t body = 0;  // bytes of the txs with their length prefixes
  uint64_t gas = 0;   // the gas limits of the contract txs (at most max_block_gas)
  // Senders with a tx that can never fit: their later txs cannot either.
  std::set<chain::AccountId> oversized;
  std::vector<const TxWithId*> pending;
  pending.reserve(candidates.size());
  for (const TxWithId& txw : candidates) pending.push_back(&txw);

  for (int pass = 0; pass < kMaxAssemblyPasses && !pending.empty(); ++pass) {
    std::set<chain::AccountId> failed;
    std::vector<const TxWithId*> retry;
    bool progress = false;
    for (const TxWithId* txw : pending) {
      const size_t n = t->block.txs.size();
      if (n >= max_txs) return;
      const chain::AccountId& sender = txw->tx.sender;
      if (oversized.count(sender)) continue;
      if (failed.count(sender)) {
        retry.push_back(txw);
        continue;
      }
      const uint64_t tx_bytes = CompactSizeLen(txw->size) + txw->size;
      const uint64_t tx_gas = consensus::TxGasLimit(txw->tx);
      if (chain::kHeaderSize + CompactSizeLen(n + 1) + body + tx_bytes > max_size ||
          tx_gas > params.max_block_gas - gas) {
        oversized.insert(sender);
        continue;
      }
      chain::Amount fee = 0;
      consensus::ValidationResult r =
          consensus::ApplyTransaction(params, ctx, *txw, static_cast<uint32_t>(n), &cache, &fee);
      if (r.error()) return;  // a local fault: keep what is assembled so far
      if (!r.valid()) {
        failed.insert(sender);
        retry.push_back(txw);
        continue;
      }
      auto fees = chain::CheckedAdd(t->fees, fee);
      if (!fees) return;
      t->fees = *fees;
      body += tx_bytes;
      gas += tx_gas;
      t->block.txs.push_back(txw->tx);
      t->txids.push_back(txw->id);
      progress = true;
    }
    if (!progress) return;
    pending = std::move(retry);
  }
}

// The template for rules without txs; FillTransactions adds them.
BlockTemplate EmptyTemplate(const consensus::ChainParams& params,
                            const consensus::NextBlockRules& rules, const chain::AccountId& miner,
                            int64_t now) {
  BlockTemplate t;
  t.height = rules.height;
  t.min_time = rules.min_time;
  t.max_time = rules.max_time;
  t.reward = params.RewardAt(rules.height);
  chain::BlockHeader& h = t.block.header;
  h.version = chain::kHeaderVersion;
  h.prev = rules.prev;
  h.miner = miner;
  h.time = ClampTime(now, rules.min_time, rules.max_time);
  h.bits = rules.bits;
  h.nonce = 0;
  return t;
}

}  // namespace

BlockTemplate BuildTemplateFrom(const mining::ChainView& chain,
                                const std::vector<TxWithId>& candidates,
                                const chain::AccountId& miner, int64_t now) {
  const consensus::ChainParams& params = chain.params();
  // NextRules and WithTipState take the chain's lock separately; if a block arrives in
  // between, try again. A tip that keeps moving gets an empty template on the rules' tip,
  // which is valid whatever the state.
  constexpr int kAttempts = 3;
  for (int attempt = 0;; ++attempt) {
    const consensus::NextBlockRules rules = chain.NextRules();
    BlockTemplate t = EmptyTemplate(params, rules, miner, now);
    if (attempt == kAttempts) {
      t.block.header.merkle_root = chain::BlockMerkleRoot(t.txids);
      return t;
    }
    bool same_tip = false;
    chain.WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
      if (tip.id != rules.prev) return;
      same_tip = true;
      FillTransactions(params, state, candidates, &t);
    });
    if (same_tip) {
      t.block.header.merkle_root = chain::BlockMerkleRoot(t.txids);
      return t;
    }
  }
}

BlockTemplate BuildTemplate(const mining::ChainView& chain, const mining::TxSource& txs,
                            const chain::AccountId& miner, int64_t now) {
  const uint64_t max_txs = chain.params().max_block_txs;
  const size_t limit =
      static_cast<size_t>(std::min<uint64_t>(max_txs, std::numeric_limits<size_t>::max()));
  return BuildTemplateFrom(chain, txs.Candidates(limit), miner, now);
}

std::optional<uint64_t> SearchNonce(const chain::BlockHeader& header, uint64_t start_nonce,
                                    uint64_t max_tries, uint64_t* hashes_done) {
  if (hashes_done) *hashes_done = 0;
  const std::optional<chain::ArithU256> target = chain::TargetFromBits(header.bits);
  if (!target) return std::nullopt;
  const Hash256 target_be = target->ToBigEndian();
  // The id's top 64 bits (outer state words 0 and 1) settle almost every comparison.
  const uint64_t target_top = ReadBe64(target_be.data());
  auto meets = [&](const chain::Sha256Words& w) {
    const uint64_t top = (uint64_t{w[0]} << 32) | w[1];
    if (top != target_top) return top < target_top;
    return chain::WordsToHash(w) <= target_be;
  };

  const chain::HeaderHasher hasher(header.Serialize());
  const int width = hasher.FastestWidth();
  chain::Sha256Words w[chain::HeaderHasher::kMaxWidth];
  uint64_t done = 0;
  uint64_t nonce = start_nonce;
  std::optional<uint64_t> found;
  while (!found && done < max_tries) {
    // Whole runs while they fit in max_tries, then one nonce at a time.
    const int n = max_tries - done >= static_cast<uint64_t>(width) ? width : 1;
    hasher.HashRun(n, nonce, w);
    done += static_cast<uint64_t>(n);
    for (int i = 0; i < n; ++i) {
      if (meets(w[i])) {
        found = nonce + static_cast<uint64_t>(i);
        break;
      }
    }
    nonce += static_cast<uint64_t>(n);
  }
  if (hashes_done) *hashes_done = done;
  return found;
}

// ---------------------------------------------------------------------------------------
// Miner

namespace {

// One template as the hashing threads see it.
struct Work {
  uint64_t generation = 0;
  BlockTemplate tmpl;
  uint64_t nonce_base = 0;
  std::atomic<bool> solved{false};
};

}  // namespace

struct Miner::Impl {
  Impl(mining::ChainView* c, const mining::TxSource* t, const NodeClock* k, MinerOptions o)
      : chain(c), txs(t), clock(k), options(std::move(o)) {}

  void Control();
  void Hash(int index);
  void Submit(const Work& work, uint64_t nonce);
  void Publish(BlockTemplate tmpl, std::mt19937_64* rng);
  void Sample();
  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // Fixed after construction.
  mining::ChainView* const chain;
  const mining::TxSource* const txs;  // may be null
  const NodeClock* const clock;
  const MinerOptions options;

  // Start/Stop are serialized by lifecycle_mu.
  std::mutex lifecycle_mu;
  std::thread control;
  std::vector<std::thread> workers;
  std::atomic<bool> running{false};

  std::mutex mu;
  std::condition_variable cv;
  // Guarded by mu.
  std::shared_ptr<Work> work;  // null: nothing to mine
  bool stop = false;
  bool resubmit = false;  // a block was found: rebuild at once
  // Mirrors for the hashing loop, read without the lock.
  std::atomic<uint64_t> generation{0};
  std::atomic<bool> stopping{false};

  std::atomic<uint64_t> total_hashes{0};
  std::atomic<uint64_t> blocks_found{0};

  mutable std::mutex rate_mu;
  std::deque<std::pair<Clock::time_point, uint64_t>> samples;  // guarded by rate_mu
};

void Miner::Impl::Publish(BlockTemplate tmpl, std::mt19937_64* rng) {
  auto w = std::make_shared<Work>();
  w->tmpl = std::move(tmpl);
  // A random base makes a re-hash of a header already tried (same second, same txs)
  // vanishingly unlikely; thread i works from base + i * 2^56.
  w->nonce_base = (*rng)();
  {
    std::lock_guard lock(mu);
    w->generation = generation.load(std::memory_order_relaxed) + 1;
    work = std::move(w);
    generation.store(work->generation, std::memory_order_release);
  }
  cv.notify_all();
}

void Miner::Impl::Sample() {
  const auto now = Clock::now();
  std::lock_guard lock(rate_mu);
  if (!samples.empty() && now - samples.back().first < kSampleInterval) return;
  samples.emplace_back(now, total_hashes.load(std::memory_order_relaxed));
  while (samples.size() > kMaxSamples ||
         (samples.size() > 1 && now - samples.front().first > kRateWindow)) {
    samples.pop_front();
  }
}

void Miner::Impl::Control() {
  std::mt19937_64 rng(std::random_device{}());
  std::optional<Hash256> built_tip;
  uint64_t built_version = 0;
  Clock::time_point built_at{};
  Clock::time_point refreshed_at{};
  // Assembly holds the chain's lock; new txs alone trigger it at most this often, so that
  // the miner never keeps the lock for more than about a tenth of the time.
  Clock::duration tx_interval = kRefreshInterval;
  bool idle = false;  // no valid block possible at the last build
  while (true) {
    {
      std::unique_lock lock(mu);
      if (stop) return;
    }
    const Hash256 tip = chain->TipId();
    const uint64_t version = txs ? txs->Version() : 0;
    const auto now = Clock::now();
    bool found = false;
    {
      std::lock_guard lock(mu);
      found = resubmit;
      resubmit = false;
    }
    const bool retry = (version != built_version || idle) && now - built_at >= tx_interval;
    if (!built_tip || *built_tip != tip || found || retry) {
      BlockTemplate t = txs ? BuildTemplate(*chain, *txs, options.miner_account, clock->Now())
                            : BuildTemplateFrom(*chain, {}, options.miner_account, clock->Now());
      const auto built = Clock::now();
      tx_interval = std::max<Clock::duration>(kRefreshInterval, 10 * (built - now));
      built_tip = t.block.header.prev;
      built_version = version;
      built_at = built;
      refreshed_at = built;
      idle = t.min_time > t.max_time;
      if (idle) {
        // No valid block until the clock catches up with the chain.
        std::lock_guard lock(mu);
        work.reset();
      } else {
        Publish(std::move(t), &rng);
      }
    } else if (now - refreshed_at >= kRefreshInterval) {
      // Same txs, newer time (if the second moved on).
      refreshed_at = now;
      std::shared_ptr<Work> current;
      {
        std::lock_guard lock(mu);
        current = work;
      }
      if (current && !current->solved.load()) {
        const BlockTemplate& old = current->tmpl;
        const uint32_t time = ClampTime(clock->Now(), old.min_time, old.max_time);
        if (time != old.block.header.time) {
          BlockTemplate t = old;
          t.block.header.time = time;
          Publish(std::move(t), &rng);
        }
      }
    }
    Sample();
    std::unique_lock lock(mu);
    cv.wait_for(lock, kPollInterval, [&] { return stop || resubmit; });
  }
}

void Miner::Impl::Hash(int index) {
  uint64_t seen = 0;
  while (true) {
    std::shared_ptr<Work> w;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return stop || (work && work->generation != seen); });
      if (stop) return;
      w = work;
      seen = w->generation;
    }
    uint64_t nonce = w->nonce_base + (static_cast<uint64_t>(index) << 56);
    while (!stopping.load(std::memory_order_relaxed) &&
           generation.load(std::memory_order_acquire) == seen &&
           !w->solved.load(std::memory_order_relaxed)) {
      uint64_t done = 0;
      std::optional<uint64_t> found = SearchNonce(w->tmpl.block.header, nonce, kHashChunk, &done);
      total_hashes.fetch_add(done, std::memory_order_relaxed);
      nonce += done;
      if (found && !w->solved.exchange(true)) {
        Submit(*w, *found);
        break;
      }
    }
  }
}

void Miner::Impl::Submit(const Work& work, uint64_t nonce) {
  chain::DecodedBlock block;
  block.block = work.tmpl.block;
  block.block.header.nonce = nonce;
  block.txids = work.tmpl.txids;
  block.size = block.block.Serialize().size();
  const Hash256 id = block.block.header.Id();
  consensus::BlockOutcome outcome = consensus::BlockOutcome::kDuplicate;
  consensus::ValidationResult r = chain->ProcessBlock(block, &outcome);
  if (r.valid()) {
    blocks_found.fetch_add(1, std::memory_order_relaxed);
    Log("miner: found block " + id.ToHex() + " height " + std::to_string(work.tmpl.height) +
        " txs " + std::to_string(block.block.txs.size()) +
        (outcome == consensus::BlockOutcome::kNewTip ? "" : " (not the tip)"));
  } else {
    Log("miner: block " + id.ToHex() + " rejected: " + r.ToString());
  }
  {
    std::lock_guard lock(mu);
    resubmit = true;
  }
  cv.notify_all();
}

Miner::Miner(mining::ChainView* chain, const mining::TxSource* txs, const NodeClock* clock,
             MinerOptions options)
    : impl_(std::make_unique<Impl>(chain, txs, clock, std::move(options))) {}

Miner::~Miner() { Stop(); }

void Miner::Start() {
  std::lock_guard life(impl_->lifecycle_mu);
  if (impl_->running.load()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = false;
    impl_->resubmit = false;
    impl_->work.reset();
  }
  impl_->stopping.store(false);
  {
    std::lock_guard lock(impl_->rate_mu);
    impl_->samples.clear();
  }
  const int threads = std::clamp(impl_->options.threads, 1, kMaxThreads);
  impl_->control = std::thread([this] { impl_->Control(); });
  for (int i = 0; i < threads; ++i) {
    impl_->workers.emplace_back([this, i] { impl_->Hash(i); });
  }
  impl_->running.store(true);
}

void Miner::Stop() {
  std::lock_guard life(impl_->lifecycle_mu);
  if (!impl_->running.load()) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->stopping.store(true);
  impl_->cv.notify_all();
  for (std::thread& t : impl_->workers) t.join();
  impl_->workers.clear();
  impl_->control.join();
  {
    std::lock_guard lock(impl_->mu);
    impl_->work.reset();
  }
  impl_->running.store(false);
}

bool Miner::running() const { return impl_->running.load(); }

double Miner::HashRate() const {
  if (!impl_->running.load()) return 0;
  std::lock_guard lock(impl_->rate_mu);
  if (impl_->samples.empty()) return 0;
  const auto& [then, hashes] = impl_->samples.front();
  const double seconds = std::chrono::duration<double>(Clock::now() - then).count();
  if (seconds < 0.05) return 0;
  const uint64_t now_hashes = impl_->total_hashes.load(std::memory_order_relaxed);
  return static_cast<double>(now_hashes - hashes) / seconds;
}

uint64_t Miner::BlocksFound() const { return impl_->blocks_found.load(); }

// ---------------------------------------------------------------------------------------

chain::Result<std::vector<Hash256>> GenerateBlocks(mining::ChainView* chain,
                                                   const mining::TxSource* txs,
                                                   const NodeClock& clock,
                                                   const chain::AccountId& miner, uint32_t count,
                                                   uint64_t max_tries) {
  std::vector<Hash256> ids;
  // A random start: after invalidateblock (with a mock clock) the same template would
  // otherwise solve to the very block that was just marked invalid.
  std::mt19937_64 rng(std::random_device{}());
  auto fail = [&](chain::Status s) -> chain::Result<std::vector<Hash256>> {
    if (ids.empty()) return s;
    return ids;
  };
  for (uint32_t i = 0; i < count; ++i) {
    BlockTemplate t = txs ? BuildTemplate(*chain, *txs, miner, clock.Now())
                          : BuildTemplateFrom(*chain, {}, miner, clock.Now());
    if (t.min_time > t.max_time) {
      return fail(chain::Status::Invalid("the chain's median time past is ahead of the clock"));
    }
    std::optional<uint64_t> nonce = SearchNonce(t.block.header, rng(), max_tries, nullptr);
    if (!nonce) break;
    chain::DecodedBlock block;
    block.block = std::move(t.block);
    block.block.header.nonce = *nonce;
    block.txids = std::move(t.txids);
    block.size = block.block.Serialize().size();
    consensus::BlockOutcome outcome = consensus::BlockOutcome::kDuplicate;
    consensus::ValidationResult r = chain->ProcessBlock(block, &outcome);
    if (!r.valid()) {
      return fail(r.error() ? chain::Status::Internal(r.ToString())
                            : chain::Status::Invalid(r.ToString()));
    }
    if (outcome == consensus::BlockOutcome::kNewTip) ids.push_back(block.block.header.Id());
  }
  return ids;
}

}  // namespace waybill::node
