// A bounded cache of validated contract code, keyed by the code's hash (ContractRecord::
// code_hash): a call whose code is in it neither reads the code ('q') nor validates it again.
//
// Keyed by content, never by contract id, so an entry can never be wrong: after a reorg
// another deploy may take a contract id with other code, and that code has another hash. The
// cache only saves time; gas is priced for a miss (contracts::IntrinsicGas), so whether a call
// hits changes nothing in any result. Owned by the Chainstate; reached through BlockContext
// (null: no cache, as for the proof verifier, verifychain and tests).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "chain/types.h"
#include "contracts/validator.h"

namespace waybill::consensus {

class CodeCache {
 public:
  struct Figures {
    uint64_t hits = 0;
    uint64_t misses = 0;  // Find() calls that found nothing
    size_t entries = 0;
    size_t bytes = 0;  // ApproxBytes of the entries, <= max_bytes
  };

  // max_bytes 0: the cache keeps nothing.
  explicit CodeCache(size_t max_bytes) : max_bytes_(max_bytes) {}
  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;

  // The code of that hash, made the most recently used; null when absent. Thread-safe.
  std::shared_ptr<const contracts::ValidatedCode> Find(const chain::Hash256& code_hash);
  // Adds code under code_hash, evicting the least recently used entries until the cache holds
  // at most max_bytes; code larger than max_bytes is not kept. Thread-safe.
  // REQUIRES: code_hash is chain::ContractCodeHash of code->code()'s bytecode.
  void Insert(const chain::Hash256& code_hash,
              std::shared_ptr<const contracts::ValidatedCode> code);

  Figures figures() const;

  // The memory an entry accounts for: the code and the validator's tables.
  static size_t ApproxBytes(const contracts::ValidatedCode& code);

 private:
  struct Entry {
    chain::Hash256 hash;
    std::shared_ptr<const contracts::ValidatedCode> code;
    size_t bytes = 0;
  };

  const size_t max_bytes_;

  mutable std::mutex mu_;
  // Guarded by mu_: most recently used first, and the index into it.
  std::list<Entry> lru_;
  std::unordered_map<chain::Hash256, std::list<Entry>::iterator, chain::Hash256Hasher> index_;
  size_t bytes_ = 0;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace waybill::consensus
