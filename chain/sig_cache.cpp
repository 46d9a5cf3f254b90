#include "chain/sig_cache.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <cstring>

namespace waybill::chain {
namespace {

Hash256 RandomSalt() {
  Hash256 salt;
  // Without OS randomness nothing else in the node (keys, cookies) is safe either.
  if (RAND_bytes(salt.data(), static_cast<int>(salt.bytes.size())) != 1) std::abort();
  return salt;
}

}  // namespace

SignatureCache::SignatureCache(size_t max_entries)
    : max_entries_(max_entries), primed_(TaggedHasher(tags::kSigCache)) {
  Hash256 salt = RandomSalt();
  primed_.Write(salt.span());
  uint32_t seed;
  std::memcpy(&seed, salt.data(), sizeof(seed));
  rng_.seed(seed);
}

Hash256 SignatureCache::KeyFor(const AccountId& pubkey, const Hash256& msg,
                               const Signature& sig) const {
  Sha256 hasher = primed_;
  hasher.Write(msg.span()).Write(pubkey.span()).Write(ByteSpan(sig.data(), sig.size()));
  return hasher.Finalize();
}

void SignatureCache::Insert(const AccountId& pubkey, const Hash256& msg, const Signature& sig) {
  InsertKey(KeyFor(pubkey, msg, sig));
}

void SignatureCache::InsertKey(const Hash256& key) {
  if (max_entries_ == 0) return;
  std::lock_guard lock(mu_);
  if (entries_.count(key)) return;
  if (entries_.size() >= max_entries_) {
    // A random bucket, then the first non-empty one at or after it (wrapping). The set keeps
    // its load factor at most 1, so the scan is short.
    const size_t buckets = entries_.bucket_count();
    size_t b = std::uniform_int_distribution<size_t>(0, buckets - 1)(rng_);
    while (entries_.begin(b) == entries_.end(b)) b = b + 1 == buckets ? 0 : b + 1;
    entries_.erase(entries_.find(*entries_.begin(b)));
    stats_.evictions++;
  }
  entries_.insert(key);
  stats_.inserts++;
}

bool SignatureCache::Contains(const Hash256& key) const {
  std::lock_guard lock(mu_);
  const bool hit = entries_.count(key) != 0;
  (hit ? stats_.hits : stats_.misses)++;
  return hit;
}

void SignatureCache::Erase(std::span<const Hash256> keys) {
  std::lock_guard lock(mu_);
  for (const Hash256& key : keys) entries_.erase(key);
}

SignatureCache::Stats SignatureCache::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.size = entries_.size();
  return s;
}

}  // namespace waybill::chain
