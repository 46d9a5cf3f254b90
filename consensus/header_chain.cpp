#include "consensus/header_chain.h"

#include <algorithm>

namespace waybill::consensus {

void HeaderChain::CopyTo(uint32_t from, uint32_t to, std::vector<chain::BlockHeader>* out) const {
  out->reserve(out->size() + (size_t{to} - from + 1));
  for (uint64_t h = from; h <= to;) {
    const Chunk& chunk = *chunks_[h / kChunkHeaders];
    const size_t begin = h % kChunkHeaders;
    const size_t end = std::min<uint64_t>(chunk.size(), begin + (to - h) + 1);
    out->insert(out->end(), chunk.begin() + begin, chunk.begin() + end);
    h += end - begin;
  }
}

std::optional<chain::Hash256> HeaderChain::IdAt(uint32_t height,
                                                const chain::Hash256& tip_id) const {
  if (height >= size_) return std::nullopt;
  if (height + 1 == size_) return tip_id;
  return at(height + 1).prev;
}

HeaderChain HeaderChain::Fork(uint32_t keep, std::span<const chain::BlockHeader> more) const {
  HeaderChain next;
  const uint32_t shared = keep / kChunkHeaders;  // whole chunks below keep
  next.chunks_.assign(chunks_.begin(), chunks_.begin() + shared);
  next.size_ = shared * kChunkHeaders;
  // The chunk keep falls in: its first `prefix` headers start the next chain's first new chunk.
  const std::shared_ptr<const Chunk> partial = keep > next.size_ ? chunks_[shared] : nullptr;
  size_t prefix = keep - next.size_;
  if (partial && more.empty() && prefix == partial->size()) {
    next.chunks_.push_back(partial);  // unchanged: shared too
    next.size_ = keep;
    return next;
  }
  size_t i = 0;  // into more
  while (prefix > 0 || i < more.size()) {
    const size_t take = std::min<size_t>(kChunkHeaders - prefix, more.size() - i);
    auto chunk = std::make_shared<Chunk>();
    chunk->reserve(prefix + take);
    if (prefix > 0) chunk->assign(partial->begin(), partial->begin() + prefix);
    chunk->insert(chunk->end(), more.begin() + i, more.begin() + i + take);
    i += take;
    prefix = 0;
    next.size_ += static_cast<uint32_t>(chunk->size());
    next.chunks_.push_back(std::move(chunk));
  }
  return next;
}

}  // namespace waybill::consensus
