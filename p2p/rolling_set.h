// Bounded sets of 256-bit ids for "have we seen this?" questions (seen-filters, known
// inventory). Not thread-safe; the peer logic owns them on its one thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <unordered_set>

#include "chain/types.h"

namespace waybill::p2p {

// Hashes an id with a secret salt: ids are chosen by peers (they can grind tx ids), so the
// bucket an id lands in must not be predictable. Each hasher's salt is the process's random
// secret (read once) mixed with a counter, so making one (per peer, per map) costs no system
// call.
class SaltedIdHasher {
 public:
  SaltedIdHasher() : salt_(NextSalt()) {}
  size_t operator()(const chain::Hash256& h) const {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, h.bytes.data(), 8);
    std::memcpy(&b, h.bytes.data() + 8, 8);
    uint64_t x = (a ^ salt_) * 0x9e3779b97f4a7c15ull + b;
    x ^= x >> 31;
    x *= 0xbf58476d1ce4e5b9ull;
    return static_cast<size_t>(x ^ (x >> 29));
  }

 private:
  static uint64_t NextSalt() {
    static const uint64_t secret =
        std::random_device{}() | (uint64_t{std::random_device{}()} << 32);
    static std::atomic<uint64_t> counter{0};
    // SplitMix64 of secret + n * golden ratio: distinct, unpredictable salts.
    uint64_t z = secret + (counter.fetch_add(1) + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  uint64_t salt_;
};

// Remembers at least the last capacity/2 and at most the last `capacity` ids inserted: two
// generations, the older dropped whole when the newer fills. Memory is bounded by capacity.
class RollingIdSet {
 public:
  explicit RollingIdSet(size_t capacity) : half_(capacity < 2 ? 1 : capacity / 2) {}

  void Insert(const chain::Hash256& id) {
    if (current_.count(id)) return;
    if (current_.size() >= half_) {
      previous_.swap(current_);
      current_.clear();
    }
    current_.insert(id);
  }
  bool Contains(const chain::Hash256& id) const {
    return current_.count(id) || previous_.count(id);
  }
  void Clear() {
    current_.clear();
    previous_.clear();
  }
  size_t size() const { return current_.size() + previous_.size(); }

 private:
  size_t half_;
  std::unordered_set<chain::Hash256, SaltedIdHasher> current_;
  std::unordered_set<chain::Hash256, SaltedIdHasher> previous_;
};

}  // namespace waybill::p2p
