// The mempool: valid unconfirmed txs, bounded in count and bytes, ordered by fee rate, each
// sender's txs kept in nonce order. A tx is accepted only if it applies on the tip state
// with every pending tx before it (so balances, nonces and asset custody are all checked);
// after a tip change the pool is rebuilt on the new tip and txs that no longer apply leave.
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "chain/sig_cache.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"  // ChainstateListener, TipChange
#include "consensus/sig_check_pool.h"
#include "consensus/validation.h"
#include "node/mempool/chain_view.h"

namespace waybill::node {

struct MempoolOptions {
  size_t max_txs = 50'000;
  size_t max_bytes = 64 << 20;
  size_t max_per_sender = 500;
  // May be null. Every accepted tx's signature goes in, for Chainstate to skip when the tx's
  // block connects (the same cache as ChainstateOptions::signature_cache).
  std::shared_ptr<chain::SignatureCache> signature_cache;
  // Threads that help verify the signatures of a batch (AcceptBatch); 0: the caller alone.
  size_t verify_threads = 0;
  // A tip change that disconnects no block while no tx waits aside re-applies the pool's txs
  // in place (the same result as clearing it and re-admitting them, with less work). false:
  // every tip change clears and re-admits (the reference the tests compare it with).
  bool rebuild_in_place = true;
};

struct MempoolInfo {
  size_t size = 0;
  size_t bytes = 0;
  chain::Amount total_fees = 0;
  size_t max_txs = 0;
  size_t max_bytes = 0;
  chain::Amount min_fee_per_byte = 0;
};

class Mempool : public consensus::ChainstateListener {
 public:
  // REQUIRES: chain outlives the mempool. The mempool does not register itself as the
  // chainstate's listener (the chainstate takes its listener when it opens): whoever owns both
  // forwards OnTipChanged, with the tip that chain's WithTipState then shows.
  Mempool(const mempool::ChainView* chain, MempoolOptions options);
  ~Mempool() override;
  Mempool(const Mempool&) = delete;
  Mempool& operator=(const Mempool&) = delete;

  // Checks and adds a tx. Reasons beyond the consensus ones: "txn-already-in-mempool",
  // "txn-already-known" (confirmed), "tx-too-large", "too-many-pending" (sender limit),
  // "mempool-full" (its fee rate does not beat the lowest evictable one, or it needs a tx it
  // would evict), "bad-signature". When full, a tx evicts txs with a strictly lower fee rate
  // that are the last of their sender's chain (never the new tx's own sender's); txs of
  // other senders that depended on an evicted tx leave with it. The signature is checked
  // without holding the pool's lock.
  consensus::ValidationResult Accept(const chain::Transaction& tx);
  // Several txs (a peer's txs message), with the results Accept would give them one after the
  // other, in order: the signatures are verified together (on the verification pool's
  // threads, skipping those in the signature cache) without the pool's lock, then the txs are
  // admitted in order under one hold of it. A tx refused before its signature is checked (too
  // large, already pending or confirmed, a content rule) costs no verification, nor does a
  // second copy of a tx in the batch (it shares the first copy's check).
  // REQUIRES: each txs[i] is chain::MakeTxWithId of its tx (the caller has the ids already,
  // e.g. p2p's HandleTxs).
  std::vector<consensus::ValidationResult> AcceptBatch(std::vector<chain::TxWithId> txs);
  // The same, with the ids computed here.
  std::vector<consensus::ValidationResult> AcceptBatch(std::span<const chain::Transaction> txs);

  bool Contains(const chain::Hash256& txid) const;
  std::optional<chain::TxWithId> Get(const chain::Hash256& txid) const;
  std::vector<chain::Hash256> Txids() const;
  MempoolInfo Info() const;
  // Pending txs of one sender, in nonce order.
  std::vector<chain::TxWithId> BySender(const chain::AccountId& sender) const;
  // Candidates for a block, best fee rate first, each sender's txs in nonce order. A tx may
  // come before a tx of another sender that it needs (e.g. the one that funded it);
  // BuildTemplate retries such txs.
  std::vector<chain::TxWithId> Candidates(size_t max_txs) const;
  // Increases whenever the content changes (the miner uses it to refresh its template).
  // Lock-free.
  uint64_t Version() const;
  // Schnorr verifications run so far (signature-cache hits and txs refused before their
  // signature was checked run none). Lock-free.
  uint64_t SignatureVerifications() const { return verify_pool_.verifications(); }

  // Rebuilds the pool on the new tip (docs/PROTOCOL.md §10): re-admits, oldest first, the txs
  // set aside earlier, those of disconnected blocks, then the pool's own. A tx that does not
  // apply but may on a later tip (its nonce is not taken: e.g. the block of the new branch
  // that confirms its sender's earlier txs is not connected yet) is set aside, bounded, for
  // at most 100 blocks, and tried again at every tip change.
  void OnTipChanged(const consensus::TipChange& change) override;
  // Ids of the txs that came back into the pool (from a disconnected block or from being set
  // aside) since the last call: the ones to announce to peers.
  std::vector<chain::Hash256> TakeReadmitted();
  // How many txs wait aside.
  size_t AsideCount() const;

 private:
  struct Impl;  // node/mempool/mempool.cpp

  // For each i in `which`: sets (*good)[i] if txs[i]'s signature is valid (or in the signature
  // cache), and (*cache_keys)[i] to its signature cache key when there is a cache. The other
  // txs are not checked.
  void VerifySignatures(std::span<const chain::TxWithId> txs, std::span<const size_t> which,
                        std::vector<uint8_t>* good, std::vector<chain::Hash256>* cache_keys);

  const mempool::ChainView* const chain_;
  const MempoolOptions options_;
  // Thread-safe itself; keeps the parsed keys of the senders it has seen.
  consensus::SignatureCheckPool verify_pool_;
  mutable std::mutex mu_;
  // The pool itself; its members are guarded by mu_ (but for an atomic version counter).
  // Lock order: mu_, then the chain's (inside ChainView::WithTipState), then the signature
  // cache's.
  const std::unique_ptr<Impl> impl_;
};

}  // namespace waybill::node
