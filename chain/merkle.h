// RFC 6962 / RFC 9162 Merkle Tree Hash, inclusion and consistency proofs.
// leaf hash = SHA-256(0x00 || leaf), node = SHA-256(0x01 || left || right), a tree of n > 1
// leaves splits at the largest power of two smaller than n, the empty tree is SHA-256("").
// A block's leaves are its tx ids (32 bytes each).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "chain/types.h"

namespace waybill::chain {

Hash256 MerkleLeafHash(ByteSpan leaf);
Hash256 MerkleNodeHash(const Hash256& left, const Hash256& right);
// Root over already-hashed leaves.
Hash256 MerkleRootFromLeafHashes(std::span<const Hash256> leaf_hashes);
// Root of a block: leaves are the tx ids.
Hash256 BlockMerkleRoot(std::span<const Hash256> txids);

// Audit path PATH(index, leaves) of RFC 9162 2.1.3.1, sibling first.
// nullopt if index >= leaf_hashes.size().
std::optional<std::vector<Hash256>> MerkleInclusionProof(std::span<const Hash256> leaf_hashes,
                                                         uint64_t index);
// RFC 9162 2.1.3.2.
bool VerifyMerkleInclusion(const Hash256& leaf_hash, uint64_t index, uint64_t tree_size,
                           std::span<const Hash256> proof, const Hash256& root);
// PROOF(size1, leaves[0..size2)) of RFC 9162 2.1.4.1. nullopt unless 0 < size1 <= size2.
std::optional<std::vector<Hash256>> MerkleConsistencyProof(
    std::span<const Hash256> leaf_hashes, uint64_t size1);
// RFC 9162 2.1.4.2.
bool VerifyMerkleConsistency(uint64_t size1, uint64_t size2, const Hash256& root1,
                             const Hash256& root2, std::span<const Hash256> proof);

}  // namespace waybill::chain
