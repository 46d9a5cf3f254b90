// The active chain's headers in memory, as an immutable value that readers share without a
// lock: a ReadSnapshot answers ActiveHeaders and BlockHashAt from the HeaderChain of its tip,
// not from two LevelDB records per height.
//
// Heights 0..size()-1 (genesis at 0) are held in chunks of kChunkHeaders headers, each chunk
// immutable and shared by every HeaderChain that has the same headers there. Fork() makes the
// chain of a new tip from the old one: the chunks wholly below the fork point are shared (their
// pointers copied), the one the fork point falls in is copied up to it and the new headers are
// appended. So a tip change costs the pointer vector (16 bytes per chunk) and at most one
// chunk's copy plus the new headers, whatever the chain's length, and a reader holding an older
// HeaderChain keeps its headers across later tip changes and reorgs.
//
// Memory: sizeof(chain::BlockHeader) (120 bytes; 116 serialized) per height of the active chain,
// plus, for each older HeaderChain still held (by a ReadSnapshot), the chunks it does not share
// with the newest (after a reorg, or its partly filled last chunk) and its pointer vector. The
// block tree holds every header already (with its id, work and links), so this at most about
// halves again what the tree costs, and only for the active chain.
//
// Thread-safe: a HeaderChain never changes after construction (Fork returns a new one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "chain/block.h"
#include "chain/types.h"

namespace waybill::consensus {

class HeaderChain {
 public:
  static constexpr uint32_t kChunkHeaders = 1024;

  HeaderChain() = default;  // no headers

  uint32_t size() const { return size_; }
  // REQUIRES: height < size().
  const chain::BlockHeader& at(uint32_t height) const {
    return (*chunks_[height / kChunkHeaders])[height % kChunkHeaders];
  }
  // Appends heights from..to (inclusive) to *out. REQUIRES: from <= to < size().
  void CopyTo(uint32_t from, uint32_t to, std::vector<chain::BlockHeader>* out) const;
  // The id of the block at height, given the id of the last one (tip_id, at size() - 1): the
  // next header's prev, so no id is stored. nullopt if height >= size().
  std::optional<chain::Hash256> IdAt(uint32_t height, const chain::Hash256& tip_id) const;

  // The chain that has this one's headers at heights 0..keep-1 followed by `more`.
  // REQUIRES: keep <= size(); more[0] (if any) is the child of the header at keep - 1.
  HeaderChain Fork(uint32_t keep, std::span<const chain::BlockHeader> more) const;

 private:
  using Chunk = std::vector<chain::BlockHeader>;  // at most kChunkHeaders, never changed once shared
  std::vector<std::shared_ptr<const Chunk>> chunks_;
  uint32_t size_ = 0;
};

}  // namespace waybill::consensus
