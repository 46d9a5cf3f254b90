#include "chain/merkle.h"

#include <algorithm>
#include <bit>

#include "chain/hash.h"

namespace waybill::chain {
namespace {

// Largest power of two strictly below n. REQUIRES: n > 1.
size_t SplitPoint(size_t n) { return std::bit_floor(n - 1); }

// MTH over already-hashed leaves. Pairing neighbours level by level and carrying an odd last
// node up unchanged builds exactly the RFC 6962 tree (whose left subtrees are perfect), without
// recursion and with one scratch buffer of n/2 hashes.
Hash256 SubtreeRoot(std::span<const Hash256> leaves) {
  if (leaves.empty()) return Sha256Hash({});
  if (leaves.size() == 1) return leaves[0];
  std::vector<Hash256> level((leaves.size() + 1) / 2);
  size_t n = 0;
  for (size_t i = 0; i + 1 < leaves.size(); i += 2) {
    level[n++] = MerkleNodeHash(leaves[i], leaves[i + 1]);
  }
  if (leaves.size() % 2 == 1) level[n++] = leaves.back();
  while (n > 1) {
    size_t out = 0;
    for (size_t i = 0; i + 1 < n; i += 2) level[out++] = MerkleNodeHash(level[i], level[i + 1]);
    if (n % 2 == 1) level[out++] = level[n - 1];
    n = out;
  }
  return level[0];
}

// Shifts fn and sn right together until fn is odd or zero (RFC 9162 2.1.3.2 / 2.1.4.2).
void ShiftUntilOddOrZero(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash256 MerkleLeafHash(ByteSpan leaf) {
  static constexpr uint8_t kLeafPrefix[1] = {0x00};
  return Sha256().Write(kLeafPrefix).Write(leaf).Finalize();
}

Hash256 MerkleNodeHash(const Hash256& left, const Hash256& right) {
  uint8_t buf[1 + 2 * Hash256::kSize];
  buf[0] = 0x01;
  std::memcpy(buf + 1, left.data(), Hash256::kSize);
  std::memcpy(buf + 1 + Hash256::kSize, right.data(), Hash256::kSize);
  return Sha256Hash(buf);
}

Hash256 MerkleRootFromLeafHashes(std::span<const Hash256> leaf_hashes) {
  return SubtreeRoot(leaf_hashes);
}

Hash256 BlockMerkleRoot(std::span<const Hash256> txids) {
  std::vector<Hash256> leaves;
  leaves.reserve(txids.size());
  for (const Hash256& txid : txids) leaves.push_back(MerkleLeafHash(txid.span()));
  return SubtreeRoot(leaves);
}

std::optional<std::vector<Hash256>> MerkleInclusionProof(std::span<const Hash256> leaf_hashes,
                                                         uint64_t index) {
  if (index >= leaf_hashes.size()) return std::nullopt;
  // Walk from the root down to the leaf; the siblings come out top first, the proof wants
  // them leaf first.
  std::vector<Hash256> path;
  size_t lo = 0;
  size_t hi = leaf_hashes.size();
  size_t m = index;
  while (hi - lo > 1) {
    const size_t k = SplitPoint(hi - lo);
    if (m < k) {
      path.push_back(SubtreeRoot(leaf_hashes.subspan(lo + k, hi - lo - k)));
      hi = lo + k;
    } else {
      path.push_back(SubtreeRoot(leaf_hashes.subspan(lo, k)));
      lo += k;
      m -= k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

bool VerifyMerkleInclusion(const Hash256& leaf_hash, uint64_t index, uint64_t tree_size,
                           std::span<const Hash256> proof, const Hash256& root) {
  if (index >= tree_size) return false;
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof) {
    if (sn == 0) return false;  // more hashes than the tree is high
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      ShiftUntilOddOrZero(fn, sn);
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

std::optional<std::vector<Hash256>> MerkleConsistencyProof(std::span<const Hash256> leaf_hashes,
                                                           uint64_t size1) {
  if (size1 == 0 || size1 > leaf_hashes.size()) return std::nullopt;
  // SUBPROOF(m, D[lo:hi], b) unrolled: each step appends one hash after the proof of the
  // smaller subtree, so they are collected top first and reversed at the end.
  std::vector<Hash256> proof;
  size_t lo = 0;
  size_t hi = leaf_hashes.size();
  size_t m = size1;
  bool whole_old_tree = true;  // b: the subtree is the old tree itself, whose root is known
  while (true) {
    const size_t n = hi - lo;
    if (m == n) {
      if (!whole_old_tree) proof.push_back(SubtreeRoot(leaf_hashes.subspan(lo, n)));
      break;
    }
    const size_t k = SplitPoint(n);
    if (m <= k) {
      proof.push_back(SubtreeRoot(leaf_hashes.subspan(lo + k, n - k)));
      hi = lo + k;
    } else {
      proof.push_back(SubtreeRoot(leaf_hashes.subspan(lo, k)));
      lo += k;
      m -= k;
      whole_old_tree = false;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

bool VerifyMerkleConsistency(uint64_t size1, uint64_t size2, const Hash256& root1,
                             const Hash256& root2, std::span<const Hash256> proof) {
  // RFC 9162 requires 0 < size1 <= size2; equal trees need no proof, only equal roots.
  if (size1 == 0 || size1 > size2) return false;
  if (size1 == size2) return proof.empty() && root1 == root2;
  if (proof.empty()) return false;

  // When size1 is a power of two the old tree is a whole subtree of the new one and the proof
  // leaves out its root, which the verifier already has: start from root1 instead.
  const bool old_is_subtree = std::has_single_bit(size1);
  const Hash256& first = old_is_subtree ? root1 : proof[0];
  const std::span<const Hash256> rest = old_is_subtree ? proof : proof.subspan(1);

  uint64_t fn = size1 - 1;
  uint64_t sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash256 fr = first;
  Hash256 sr = first;
  for (const Hash256& c : rest) {
    if (sn == 0) return false;  // more hashes than the tree is high
    if ((fn & 1) == 1 || fn == sn) {
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      ShiftUntilOddOrZero(fn, sn);
    } else {
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == root1 && sr == root2 && sn == 0;
}

}  // namespace waybill::chain
