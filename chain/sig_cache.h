// A bounded set of BIP-340 signatures known to be valid, so that a tx verified when it
// entered the mempool is not verified again when its block connects.
//
// An entry is a salted tagged hash, tagged_hash("Waybill/SigCache", salt || msg || pubkey ||
// sig), of everything verification depends on: the 32-byte message (a tx's sighash, which
// commits to the chain id, sender, nonce, fee and operation), the x-only public key and the
// 64-byte signature. A different message, key or signature therefore never hits, short of a
// SHA-256 collision. The salt is 32 random bytes drawn when the cache is created, so a peer
// cannot aim txs at chosen hash-table buckets or predict which entries an eviction removes.
//
// Bounded: at most max_entries() entries. Inserting into a full cache evicts one entry chosen
// at random (a random bucket, then the first entry at or after it). Random eviction needs no
// per-entry bookkeeping and gives a flood of new txs no way to push out one chosen entry;
// FIFO would let every flood flush the oldest pending txs first. The chainstate erases the
// entries of txs it confirms; entries of txs that left the mempool unconfirmed stay until
// evicted.
//
// Thread-safe: one internal mutex guards the set; keys are computed outside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <random>
#include <span>
#include <unordered_set>

#include "chain/hash.h"
#include "chain/schnorr.h"
#include "chain/types.h"

namespace waybill::chain {

class SignatureCache {
 public:
  static constexpr size_t kDefaultMaxEntries = 100'000;

  // max_entries == 0 makes a cache that holds nothing (every lookup misses).
  explicit SignatureCache(size_t max_entries = kDefaultMaxEntries);
  SignatureCache(const SignatureCache&) = delete;
  SignatureCache& operator=(const SignatureCache&) = delete;

  // The cache key of (pubkey, msg, sig): cheap (three SHA-256 compressions), and needed
  // both to look up and to erase, so callers that do both compute it once.
  Hash256 KeyFor(const AccountId& pubkey, const Hash256& msg, const Signature& sig) const;

  // REQUIRES: VerifySchnorr(pubkey, msg, sig) returned true. The cache trusts its callers:
  // inserting an unverified signature makes it pass.
  void Insert(const AccountId& pubkey, const Hash256& msg, const Signature& sig);
  void InsertKey(const Hash256& key);

  // True if the signature was inserted and has not been evicted or erased since.
  bool Contains(const Hash256& key) const;
  bool Contains(const AccountId& pubkey, const Hash256& msg, const Signature& sig) const {
    return Contains(KeyFor(pubkey, msg, sig));
  }

  // Removes the entries of signatures that will not be checked again (their txs are in a
  // connected block). Keys not in the cache are ignored.
  void Erase(std::span<const Hash256> keys);

  struct Stats {
    uint64_t hits = 0;       // Contains() == true
    uint64_t misses = 0;     // Contains() == false
    uint64_t inserts = 0;    // new entries (re-inserting a held entry is not counted)
    uint64_t evictions = 0;  // entries removed to make room
    size_t size = 0;
  };
  Stats stats() const;
  size_t max_entries() const { return max_entries_; }

 private:
  // Fixed after construction.
  const size_t max_entries_;
  Sha256 primed_;  // the tag prefix and the salt, hashed once

  // Keys are salted hashes: any 8 of their bytes are uniform and unknown to a peer.
  struct KeyHasher {
    size_t operator()(const Hash256& key) const noexcept { return Hash256Hasher{}(key); }
  };

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::unordered_set<Hash256, KeyHasher> entries_;
  std::minstd_rand rng_;  // picks eviction victims; seeded from the salt
  mutable Stats stats_;
};

}  // namespace waybill::chain
