// A fixed set of threads that verify the signatures of a block's txs while the thread that
// started the check does other work (the state transition), then joins in.
//
// Start() hands the txs to the workers and returns at once; Batch::Wait() verifies whatever
// no worker has taken yet on the calling thread, waits for the chunks the workers hold and
// returns the result. So a pool with no workers verifies everything inline in Wait(). The
// Chainstate keeps one worker per core: its caller spends much of the check on other work
// (or waiting on the disk) and joins only at the end.
//
// The pool keeps the parsed public keys of the senders it has verified (chain::PublicKeyCache),
// so a sender met again in a later block costs a verification without the key's square root.
// That changes no result: the cache returns what VerifySchnorr returns.
//
// Thread-safe: several batches may be in flight at once (from one or several threads); the
// workers take them in order. The threads start in the constructor and are joined by the
// destructor, so nothing is spawned per block.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "chain/schnorr.h"
#include "chain/sig_cache.h"
#include "chain/tx.h"
#include "consensus/validation.h"

namespace waybill::consensus {

class SignatureCheckPool {
  struct Job;

 public:
  // Starts up to `workers` threads; fewer if the system refuses some (the caller's share in
  // Wait() then grows, nothing fails). key_cache_entries bounds the parsed-key cache (0: none).
  explicit SignatureCheckPool(size_t workers,
                              size_t key_cache_entries = chain::PublicKeyCache::kDefaultMaxEntries);
  ~SignatureCheckPool();  // REQUIRES: every Batch of this pool has been destroyed
  SignatureCheckPool(const SignatureCheckPool&) = delete;
  SignatureCheckPool& operator=(const SignatureCheckPool&) = delete;

  size_t workers() const { return threads_.size(); }
  chain::PublicKeyCache::Stats key_cache_stats() const { return keys_.stats(); }
  // Schnorr verifications this pool has run (a signature-cache hit runs none).
  uint64_t verifications() const { return verifications_.load(std::memory_order_relaxed); }

  // One check in flight. Movable; destroying it waits for the check.
  class Batch {
   public:
    Batch(Batch&&) noexcept = default;
    Batch& operator=(Batch&&) = delete;
    ~Batch();

    // Verifies what is left on this thread, waits for the workers' part, and returns Valid
    // or "bad-signature" with the index of the lowest-index bad tx in the detail ("tx 7"),
    // whatever the number of threads and however the work was shared. Idempotent.
    ValidationResult Wait();

    // Stops the check early (the block failed another rule): txs that no thread has started
    // are skipped. Returns once no thread touches the txs; Wait() then returns an Error.
    void Cancel();

    // The cache keys of all txs (empty without a cache), for SignatureCache::Erase once the
    // block is connected. REQUIRES: Wait() has returned.
    std::span<const chain::Hash256> cache_keys() const;
    // The index of the lowest-index tx whose signature is bad, if any (a caller that needs
    // to know which txs pass checks again from the one after it). REQUIRES: Wait() has
    // returned and the check was not cancelled.
    std::optional<size_t> first_bad() const;

   private:
    friend class SignatureCheckPool;
    Batch(SignatureCheckPool* pool, std::shared_ptr<Job> job) : pool_(pool), job_(std::move(job)) {}
    SignatureCheckPool* pool_;
    std::shared_ptr<Job> job_;
    bool waited_ = false;
  };

  // Starts verifying every tx's signature over its sighash by its sender. With a cache, a tx
  // whose (sighash, sender, signature) is in it counts as verified without a Schnorr verify.
  // REQUIRES: txs and cache (which may be null) outlive the returned batch's Wait().
  [[nodiscard]] Batch Start(std::span<const chain::Transaction> txs,
                            const chain::SignatureCache* cache);
  // The same for txs[which[0]], txs[which[1]], ... only: the indices of first_bad() and
  // cache_keys() are positions in `which`. REQUIRES: every index < txs.size(); txs, which and
  // cache outlive the returned batch's Wait().
  [[nodiscard]] Batch StartSome(std::span<const chain::Transaction> txs,
                                std::span<const size_t> which, const chain::SignatureCache* cache);
  // The same over txs whose ids are known (the mempool's batches).
  [[nodiscard]] Batch StartSome(std::span<const chain::TxWithId> txs, std::span<const size_t> which,
                                const chain::SignatureCache* cache);

 private:
  Batch Launch(std::shared_ptr<Job> job);
  void WorkerLoop();
  void Forget(const std::shared_ptr<Job>& job);

  chain::PublicKeyCache keys_;  // thread-safe on its own
  std::atomic<uint64_t> verifications_{0};

  // Fixed after construction.
  std::vector<std::jthread> threads_;

  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_.
  std::deque<std::shared_ptr<Job>> queue_;  // jobs with chunks possibly left, oldest first
  bool stopping_ = false;
};

}  // namespace waybill::consensus
