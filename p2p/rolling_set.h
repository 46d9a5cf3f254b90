// Bounded sets of 256-bit ids for "have we seen this?" questions (seen-filters, known
// inventory). Not thread-safe; the peer logic owns them on its one thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "chain/salted_hash.h"
#include "chain/types.h"

namespace waybill::p2p {

// chain/salted_hash.h: the one salted hasher of ids (the mempool's maps use it too).
using chain::SaltedIdHasher;

// Remembers at least the last capacity/2 and at most the last `capacity` ids inserted: two
// generations, the older dropped whole when the newer fills. Memory is bounded by capacity
// (8 bytes a slot, at most 4 slots an id, allocated as the set fills).
//
// An id is kept as a salted 64-bit fingerprint in an open-addressed table (one cache line
// per lookup, no allocation per insert: this is on the path of every inv item of every peer).
// So Contains may answer true for an id never inserted, with probability about size()/2^64
// per call; every use here tolerates that (a tx not announced to, or not asked of, one peer;
// anti-entropy repairs it).
class RollingIdSet {
 public:
  explicit RollingIdSet(size_t capacity) : half_(capacity < 2 ? 1 : capacity / 2) {}

  void Insert(const chain::Hash256& id) { (void)InsertNew(id); }
  // Inserts id; false if it was there already (then nothing changes).
  bool InsertNew(const chain::Hash256& id) {
    const uint64_t f = Key(id);
    if (current_.Contains(f) || previous_.Contains(f)) return false;
    if (current_.count >= half_) {
      std::swap(previous_, current_);
      current_.Reset();
    }
    current_.Add(f);
    return true;
  }
  bool Contains(const chain::Hash256& id) const {
    const uint64_t f = Key(id);
    return current_.Contains(f) || previous_.Contains(f);
  }
  void Clear() {
    current_.Reset();
    previous_.Reset();
  }
  size_t size() const { return current_.count + previous_.count; }

 private:
  // One generation: linear probing over a power-of-two table at most half full; 0 = empty.
  struct Table {
    std::vector<uint64_t> slots;
    size_t count = 0;

    bool Contains(uint64_t f) const {
      if (count == 0) return false;
      const size_t mask = slots.size() - 1;
      for (size_t i = f & mask;; i = (i + 1) & mask) {
        if (slots[i] == f) return true;
        if (slots[i] == 0) return false;
      }
    }
    // REQUIRES: f is not in the table.
    void Add(uint64_t f) {
      if ((count + 1) * 2 > slots.size()) Grow();
      const size_t mask = slots.size() - 1;
      size_t i = f & mask;
      while (slots[i] != 0) i = (i + 1) & mask;
      slots[i] = f;
      ++count;
    }
    // Doubles the table: at most half full before an add, so at most 4 slots an id.
    void Grow() {
      const size_t size = std::max<size_t>(64, slots.size() * 2);
      std::vector<uint64_t> old = std::exchange(slots, std::vector<uint64_t>(size, 0));
      const size_t mask = size - 1;
      for (uint64_t f : old) {
        if (f == 0) continue;
        size_t i = f & mask;
        while (slots[i] != 0) i = (i + 1) & mask;
        slots[i] = f;
      }
    }
    // Empties the table and keeps its memory (the next generation fills as far).
    void Reset() {
      if (count) std::fill(slots.begin(), slots.end(), 0);
      count = 0;
    }
  };

  uint64_t Key(const chain::Hash256& id) const {
    const uint64_t f = hasher_.Fingerprint(id);
    return f ? f : 1;
  }

  size_t half_;
  SaltedIdHasher hasher_;
  Table current_;
  Table previous_;
};

}  // namespace waybill::p2p
