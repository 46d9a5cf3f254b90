#include "consensus/sig_check_pool.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <string>
#include <system_error>

#include "chain/schnorr.h"

namespace waybill::consensus {
namespace {

// Txs per unit of work. Small enough that the threads finish within one chunk (~0.2 ms) of
// each other however late the caller joins, large enough that claiming a chunk (one atomic
// add) costs nothing next to 4 Schnorr verifications.
constexpr size_t kChunk = 4;
constexpr size_t kNone = std::numeric_limits<size_t>::max();

}  // namespace

struct SignatureCheckPool::Job {
  // which: the indices of the txs to check (null: all of them, in order), in t or, if t is
  // empty, in tw.
  Job(std::span<const chain::Transaction> t, std::span<const chain::TxWithId> tw, const size_t* w,
      size_t n, const chain::SignatureCache* c, chain::PublicKeyCache* k, std::atomic<uint64_t>* v)
      : txs(t),
        txws(tw),
        which(w),
        count(n),
        cache(c),
        keys(k),
        verifications(v),
        chunks((n + kChunk - 1) / kChunk) {
    if (cache) cache_keys.resize(count);
  }

  // Claims and verifies chunks until none is left; returns once the last one it claimed is
  // done. A thread that arrives after the end claims nothing and touches no tx.
  void Work() {
    while (true) {
      const size_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= chunks) return;
      const size_t begin = c * kChunk;
      VerifyRange(begin, std::min(count, begin + kChunk));
      // Release: the waiter that sees the last chunk done also sees cache_keys and first_bad.
      if (done.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) done.notify_all();
    }
  }

  // Verifies the txs at positions [begin, end) and lowers first_bad to the first bad one.
  // Skips what is past a known bad position: nothing there could be the first.
  void VerifyRange(size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if (first_bad.load(std::memory_order_relaxed) < i) return;
      if (cancelled.load(std::memory_order_relaxed)) return;
      const size_t at = which ? which[i] : i;
      const chain::Transaction& tx = txs.empty() ? txws[at].tx : txs[at];
      const chain::Hash256 msg = tx.SigHash();
      bool ok = false;
      if (cache) {
        cache_keys[i] = cache->KeyFor(tx.sender, msg, tx.signature);
        ok = cache->Contains(cache_keys[i]);
      }
      if (!ok) {
        verifications->fetch_add(1, std::memory_order_relaxed);
        ok = keys->Verify(tx.sender, msg.span(), tx.signature);
      }
      if (ok) continue;
      size_t seen = first_bad.load(std::memory_order_relaxed);
      while (i < seen && !first_bad.compare_exchange_weak(seen, i, std::memory_order_relaxed)) {
      }
      return;
    }
  }

  const std::span<const chain::Transaction> txs;
  const std::span<const chain::TxWithId> txws;  // used when txs is empty
  const size_t* const which;  // null: every tx
  const size_t count;         // of txs to check
  const chain::SignatureCache* const cache;
  chain::PublicKeyCache* const keys;
  std::atomic<uint64_t>* const verifications;
  const size_t chunks;
  std::vector<chain::Hash256> cache_keys;  // [i] is written only by the thread that checks i
  std::atomic<size_t> next{0};             // the next chunk to claim
  std::atomic<size_t> done{0};             // chunks finished
  std::atomic<size_t> first_bad{kNone};
  std::atomic<bool> cancelled{false};
};

SignatureCheckPool::SignatureCheckPool(size_t workers, size_t key_cache_entries)
    : keys_(key_cache_entries) {
  threads_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) {
    try {
      threads_.emplace_back([this] { WorkerLoop(); });
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the callers of Wait() do the rest
    }
  }
}

SignatureCheckPool::~SignatureCheckPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // Joined here, not by the members' destructors: the workers use mu_ and cv_, which are
  // destroyed first.
  for (std::jthread& t : threads_) t.join();
}

void SignatureCheckPool::WorkerLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    std::shared_ptr<Job> job = queue_.front();
    lock.unlock();
    job->Work();
    lock.lock();
    // Every chunk is claimed now; the job may already be gone (Forget, or another worker).
    if (!queue_.empty() && queue_.front() == job) queue_.pop_front();
  }
}

void SignatureCheckPool::Forget(const std::shared_ptr<Job>& job) {
  std::lock_guard lock(mu_);
  auto it = std::find(queue_.begin(), queue_.end(), job);
  if (it != queue_.end()) queue_.erase(it);
}

SignatureCheckPool::Batch SignatureCheckPool::Start(std::span<const chain::Transaction> txs,
                                                    const chain::SignatureCache* cache) {
  return Launch(std::make_shared<Job>(txs, std::span<const chain::TxWithId>(), nullptr, txs.size(),
                                      cache, &keys_, &verifications_));
}

SignatureCheckPool::Batch SignatureCheckPool::StartSome(std::span<const chain::Transaction> txs,
                                                        std::span<const size_t> which,
                                                        const chain::SignatureCache* cache) {
  return Launch(std::make_shared<Job>(txs, std::span<const chain::TxWithId>(), which.data(),
                                      which.size(), cache, &keys_, &verifications_));
}

SignatureCheckPool::Batch SignatureCheckPool::StartSome(std::span<const chain::TxWithId> txs,
                                                        std::span<const size_t> which,
                                                        const chain::SignatureCache* cache) {
  return Launch(std::make_shared<Job>(std::span<const chain::Transaction>(), txs, which.data(),
                                      which.size(), cache, &keys_, &verifications_));
}

SignatureCheckPool::Batch SignatureCheckPool::Launch(std::shared_ptr<Job> job) {
  // One chunk is left for the caller anyway: workers only help when there are two or more.
  if (!threads_.empty() && job->chunks > 1) {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(job);
    }
    cv_.notify_all();
  }
  return Batch(this, std::move(job));
}

SignatureCheckPool::Batch::~Batch() {
  if (job_ && !waited_) (void)Wait();
}

ValidationResult SignatureCheckPool::Batch::Wait() {
  if (!waited_) {
    job_->Work();
    size_t done = job_->done.load(std::memory_order_acquire);
    while (done < job_->chunks) {
      job_->done.wait(done, std::memory_order_acquire);
      done = job_->done.load(std::memory_order_acquire);
    }
    // Every chunk is done: no worker needs the job any more (one that still holds it finds
    // nothing to claim).
    pool_->Forget(job_);
    waited_ = true;
  }
  if (job_->cancelled.load(std::memory_order_relaxed)) {
    return ValidationResult::Error("signature check cancelled");
  }
  const size_t bad = job_->first_bad.load(std::memory_order_relaxed);
  if (bad != kNone)
    return ValidationResult::Invalid(Reason::kBadSignature, "tx " + std::to_string(bad));
  return ValidationResult::Valid();
}

void SignatureCheckPool::Batch::Cancel() {
  job_->cancelled.store(true, std::memory_order_relaxed);
  (void)Wait();
}

std::span<const chain::Hash256> SignatureCheckPool::Batch::cache_keys() const {
  return job_->cache_keys;
}

std::optional<size_t> SignatureCheckPool::Batch::first_bad() const {
  const size_t bad = job_->first_bad.load(std::memory_order_relaxed);
  if (bad == kNone) return std::nullopt;
  return bad;
}

}  // namespace waybill::consensus
