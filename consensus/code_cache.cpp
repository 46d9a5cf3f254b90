#include "consensus/code_cache.h"

#include <optional>
#include <utility>

namespace waybill::consensus {

std::shared_ptr<const contracts::ValidatedCode> CodeCache::Find(const chain::Hash256& code_hash) {
  std::lock_guard lock(mu_);
  auto it = index_.find(code_hash);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->code;
}

void CodeCache::Insert(const chain::Hash256& code_hash,
                       std::shared_ptr<const contracts::ValidatedCode> code) {
  const size_t bytes = ApproxBytes(*code);
  std::lock_guard lock(mu_);
  if (bytes > max_bytes_ || index_.count(code_hash) != 0) return;
  while (bytes_ + bytes > max_bytes_) {
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().hash);
    lru_.pop_back();
  }
  lru_.push_front(Entry{code_hash, std::move(code), bytes});
  index_.emplace(code_hash, lru_.begin());
  bytes_ += bytes;
}

CodeCache::Figures CodeCache::figures() const {
  std::lock_guard lock(mu_);
  return Figures{hits_, misses_, index_.size(), bytes_};
}

size_t CodeCache::ApproxBytes(const contracts::ValidatedCode& code) {
  // The fixed part covers the object, the list and map nodes and the allocators' headers.
  constexpr size_t kFixed = 512;
  const contracts::Program& p = code.program();
  size_t bytes = kFixed + p.code.size() * (1 + sizeof(uint16_t));  // the code and block_at_
  for (const chain::Bytes& c : p.constants) bytes += c.size() + sizeof(chain::Bytes);
  bytes += p.entries.size() * (sizeof(contracts::Entry) + sizeof(std::optional<uint64_t>));
  bytes += code.blocks().size() * sizeof(contracts::BasicBlock);
  return bytes;
}

}  // namespace waybill::consensus
