// RFC 6962 / RFC 9162 Merkle trees: the transparency-dev vectors (roots, leaf hashes, inclusion
// and consistency proofs, consistency edge cases), corrupted proofs, a recursive reference
// implementation over every small tree, and large trees.
#include "chain/merkle.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "chain/hash.h"

namespace waybill::chain {
namespace {

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(TESTDATA_DIR) + "/merkle_rfc6962_vectors.json");
  EXPECT_TRUE(in.good()) << "cannot open merkle_rfc6962_vectors.json";
  return nlohmann::json::parse(in);
}

Hash256 H(const nlohmann::json& v) {
  const std::optional<Hash256> h = Hash256::FromHex(v.get<std::string>());
  EXPECT_TRUE(h.has_value()) << v;
  return h.value_or(Hash256());
}

std::vector<Hash256> HashList(const nlohmann::json& list) {
  std::vector<Hash256> out;
  for (const auto& v : list) out.push_back(H(v));
  return out;
}

// The edge cases use 12-byte ASCII placeholders ("don't care 1/2") as roots; they stand for
// arbitrary distinct hashes, so hash them into distinct 32-byte values.
Hash256 RootOrPlaceholder(const nlohmann::json& v) {
  const std::string s = v.get<std::string>();
  if (s.size() == 64) return H(v);
  const std::optional<Bytes> b = HexDecode(s);
  EXPECT_TRUE(b.has_value());
  return Sha256Hash(b.value_or(Bytes{}));
}

Hash256 FlipBit(Hash256 h, int byte = 0, int bit = 3) {
  h.bytes[byte] ^= static_cast<uint8_t>(1 << bit);
  return h;
}

struct Fixture {
  std::vector<Hash256> leaf_hashes;  // all 8
  std::vector<Hash256> roots;        // roots[n] for n = 0..8

  std::span<const Hash256> First(uint64_t n) const {
    return std::span<const Hash256>(leaf_hashes).first(n);
  }
};

Fixture LoadFixture(const nlohmann::json& doc) {
  Fixture f;
  f.leaf_hashes = HashList(doc.at("leaf_hashes"));
  f.roots.resize(doc.at("roots").size());
  for (const auto& r : doc.at("roots")) {
    f.roots.at(r.at("tree_size").get<size_t>()) = H(r.at("root"));
  }
  return f;
}

// RFC 6962 section 2.1 read literally, recursion and all, as the reference.
Hash256 RefRoot(std::span<const Hash256> d) {
  if (d.empty()) return Sha256Hash({});
  if (d.size() == 1) return d[0];
  const size_t k = std::bit_floor(d.size() - 1);
  return MerkleNodeHash(RefRoot(d.first(k)), RefRoot(d.subspan(k)));
}

std::vector<Hash256> RefPath(uint64_t m, std::span<const Hash256> d) {
  if (d.size() <= 1) return {};
  const size_t k = std::bit_floor(d.size() - 1);
  std::vector<Hash256> out;
  if (m < k) {
    out = RefPath(m, d.first(k));
    out.push_back(RefRoot(d.subspan(k)));
  } else {
    out = RefPath(m - k, d.subspan(k));
    out.push_back(RefRoot(d.first(k)));
  }
  return out;
}

std::vector<Hash256> RefSubproof(uint64_t m, std::span<const Hash256> d, bool b) {
  if (m == d.size()) {
    if (b) return {};
    return {RefRoot(d)};
  }
  const size_t k = std::bit_floor(d.size() - 1);
  std::vector<Hash256> out;
  if (m <= k) {
    out = RefSubproof(m, d.first(k), b);
    out.push_back(RefRoot(d.subspan(k)));
  } else {
    out = RefSubproof(m - k, d.subspan(k), false);
    out.push_back(RefRoot(d.first(k)));
  }
  return out;
}

std::vector<Hash256> Prepend(const Hash256& h, std::vector<Hash256> v) {
  v.insert(v.begin(), h);
  return v;
}

// Every proof one edit away from proof: each hash flipped, removed, or written twice; with a
// label for the failure message.
std::vector<std::pair<std::string, std::vector<Hash256>>> OneEditProofs(
    const std::vector<Hash256>& proof) {
  std::vector<std::pair<std::string, std::vector<Hash256>>> out;
  for (size_t i = 0; i < proof.size(); ++i) {
    const auto at = static_cast<ptrdiff_t>(i);
    std::vector<Hash256> flipped = proof;
    flipped[i] = FlipBit(flipped[i]);
    out.emplace_back("flip " + std::to_string(i), std::move(flipped));
    std::vector<Hash256> removed = proof;
    removed.erase(removed.begin() + at);
    out.emplace_back("remove " + std::to_string(i), std::move(removed));
    std::vector<Hash256> duplicated = proof;
    duplicated.insert(duplicated.begin() + at, proof[i]);
    out.emplace_back("duplicate " + std::to_string(i), std::move(duplicated));
  }
  return out;
}

std::vector<Hash256> Append(std::vector<Hash256> v, const Hash256& h) {
  v.push_back(h);
  return v;
}

TEST(MerkleVectorsTest, LeafHashes) {
  const auto doc = LoadVectors();
  const auto& leaves = doc.at("leaves");
  ASSERT_EQ(leaves.size(), 8u);
  ASSERT_EQ(doc.at("leaf_hashes").size(), 8u);
  for (size_t i = 0; i < leaves.size(); ++i) {
    const std::optional<Bytes> leaf = HexDecode(leaves[i].get<std::string>());
    ASSERT_TRUE(leaf.has_value());
    EXPECT_EQ(MerkleLeafHash(*leaf), H(doc.at("leaf_hashes")[i])) << i;
  }
}

TEST(MerkleVectorsTest, Roots) {
  const auto doc = LoadVectors();
  const Fixture f = LoadFixture(doc);
  ASSERT_EQ(f.roots.size(), 9u);
  EXPECT_EQ(f.roots[0].ToHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  for (uint64_t n = 0; n <= 8; ++n) {
    EXPECT_EQ(MerkleRootFromLeafHashes(f.First(n)), f.roots[n]) << n;
    EXPECT_EQ(RefRoot(f.First(n)), f.roots[n]) << n;
  }
}

TEST(MerkleVectorsTest, InclusionProofs) {
  const auto doc = LoadVectors();
  const Fixture f = LoadFixture(doc);
  ASSERT_EQ(doc.at("inclusion_proofs").size(), 5u);
  for (const auto& v : doc.at("inclusion_proofs")) {
    const uint64_t index = v.at("leaf_index").get<uint64_t>();
    const uint64_t size = v.at("tree_size").get<uint64_t>();
    const std::vector<Hash256> expected = HashList(v.at("proof"));
    SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));

    const auto proof = MerkleInclusionProof(f.First(size), index);
    ASSERT_TRUE(proof.has_value());
    EXPECT_EQ(*proof, expected);
    const Hash256& leaf = f.leaf_hashes[index];
    const Hash256& root = f.roots[size];
    EXPECT_TRUE(VerifyMerkleInclusion(leaf, index, size, expected, root));

    // One change at a time (the probes of transparency-dev/merkle's verifier tests).
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index - 1, size, expected, root));  // wraps at 0
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index + 1, size, expected, root));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index ^ 2, size, expected, root));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size * 2, expected, root));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size / 2, expected, root));
    EXPECT_FALSE(VerifyMerkleInclusion(FlipBit(leaf), index, size, expected, root));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size, expected, FlipBit(root)));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size, expected, f.roots[0]));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size, Append(expected, root), root));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size, Prepend(root, expected), root));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size, Append(expected, Hash256()), root));
    EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size, Prepend(Hash256(), expected), root));
    for (const auto& [edit, bad] : OneEditProofs(expected)) {
      EXPECT_FALSE(VerifyMerkleInclusion(leaf, index, size, bad, root)) << edit;
    }
  }
}

TEST(MerkleVectorsTest, InclusionProofOutOfRange) {
  const Fixture f = LoadFixture(LoadVectors());
  EXPECT_FALSE(MerkleInclusionProof(f.First(0), 0).has_value());
  EXPECT_FALSE(MerkleInclusionProof(f.First(5), 5).has_value());
  EXPECT_FALSE(MerkleInclusionProof(f.First(5), UINT64_MAX).has_value());
  EXPECT_FALSE(VerifyMerkleInclusion(f.roots[0], 0, 0, {}, f.roots[0]));
}

void ExpectConsistencyProbesFail(uint64_t size1, uint64_t size2, const Hash256& root1,
                                 const Hash256& root2, const std::vector<Hash256>& proof) {
  auto verify = [](uint64_t s1, uint64_t s2, const Hash256& r1, const Hash256& r2,
                   const std::vector<Hash256>& p) {
    return VerifyMerkleConsistency(s1, s2, r1, r2, p);
  };
  EXPECT_FALSE(verify(size1 - 1, size2, root1, root2, proof)) << "size1 - 1";
  EXPECT_FALSE(verify(size1 + 1, size2, root1, root2, proof)) << "size1 + 1";
  EXPECT_FALSE(verify(size1 ^ 2, size2, root1, root2, proof)) << "size1 ^ 2";
  EXPECT_FALSE(verify(size1, size2 * 2, root1, root2, proof)) << "size2 * 2";
  EXPECT_FALSE(verify(size1, size2 / 2, root1, root2, proof)) << "size2 / 2";
  EXPECT_FALSE(verify(size1, size2, FlipBit(root1), root2, proof)) << "wrong root1";
  EXPECT_FALSE(verify(size1, size2, root1, FlipBit(root2), proof)) << "wrong root2";
  if (root1 != root2) {
    EXPECT_FALSE(verify(size1, size2, root2, root1, proof)) << "swapped roots";
  }
  if (!proof.empty()) {
    EXPECT_FALSE(verify(size1, size2, root1, root2, {})) << "empty proof";
  }
  EXPECT_FALSE(verify(size1, size2, root1, root2, Append(proof, Hash256()))) << "garbage after";
  EXPECT_FALSE(verify(size1, size2, root1, root2, Append(proof, root1))) << "root1 after";
  EXPECT_FALSE(verify(size1, size2, root1, root2, Append(proof, root2))) << "root2 after";
  EXPECT_FALSE(verify(size1, size2, root1, root2, Prepend(Hash256(), proof))) << "garbage first";
  EXPECT_FALSE(verify(size1, size2, root1, root2, Prepend(root1, proof))) << "root1 first";
  EXPECT_FALSE(verify(size1, size2, root1, root2, Prepend(root2, proof))) << "root2 first";
  for (const auto& [edit, bad] : OneEditProofs(proof)) {
    EXPECT_FALSE(verify(size1, size2, root1, root2, bad)) << edit;
  }
}

TEST(MerkleVectorsTest, ConsistencyProofs) {
  const auto doc = LoadVectors();
  const Fixture f = LoadFixture(doc);
  ASSERT_EQ(doc.at("consistency_proofs").size(), 5u);
  for (const auto& v : doc.at("consistency_proofs")) {
    const uint64_t size1 = v.at("size1").get<uint64_t>();
    const uint64_t size2 = v.at("size2").get<uint64_t>();
    const std::vector<Hash256> expected = HashList(v.at("proof"));
    SCOPED_TRACE(std::to_string(size1) + " -> " + std::to_string(size2));

    const auto proof = MerkleConsistencyProof(f.First(size2), size1);
    ASSERT_TRUE(proof.has_value());
    EXPECT_EQ(*proof, expected);
    EXPECT_TRUE(VerifyMerkleConsistency(size1, size2, f.roots[size1], f.roots[size2], expected));
    ExpectConsistencyProbesFail(size1, size2, f.roots[size1], f.roots[size2], expected);
  }
}

TEST(MerkleVectorsTest, ConsistencyProofOutOfRange) {
  const Fixture f = LoadFixture(LoadVectors());
  EXPECT_FALSE(MerkleConsistencyProof(f.First(8), 0).has_value());
  EXPECT_FALSE(MerkleConsistencyProof(f.First(8), 9).has_value());
  EXPECT_FALSE(MerkleConsistencyProof(f.First(0), 0).has_value());
  const auto same = MerkleConsistencyProof(f.First(8), 8);
  ASSERT_TRUE(same.has_value());
  EXPECT_TRUE(same->empty());
}

TEST(MerkleVectorsTest, ConsistencyEdgeCases) {
  const auto doc = LoadVectors();
  ASSERT_EQ(doc.at("consistency_edge_cases").size(), 10u);
  for (const auto& v : doc.at("consistency_edge_cases")) {
    SCOPED_TRACE(v.at("desc").get<std::string>());
    EXPECT_EQ(VerifyMerkleConsistency(v.at("size1").get<uint64_t>(), v.at("size2").get<uint64_t>(),
                                      RootOrPlaceholder(v.at("root1")),
                                      RootOrPlaceholder(v.at("root2")), HashList(v.at("proof"))),
              v.at("valid").get<bool>());
  }
}

std::vector<Hash256> DistinctLeafHashes(size_t n) {
  std::vector<Hash256> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Bytes leaf(8);
    for (int b = 0; b < 8; ++b) leaf[b] = static_cast<uint8_t>(i >> (8 * b));
    out.push_back(MerkleLeafHash(leaf));
  }
  return out;
}

// Every tree of up to 70 leaves, every index and every older size against the reference.
TEST(MerkleTreeTest, AgreesWithRecursiveReferenceOnSmallTrees) {
  const std::vector<Hash256> all = DistinctLeafHashes(70);
  std::vector<Hash256> roots;
  for (size_t n = 0; n <= all.size(); ++n) {
    roots.push_back(MerkleRootFromLeafHashes(std::span(all).first(n)));
    ASSERT_EQ(roots.back(), RefRoot(std::span(all).first(n))) << n;
  }
  for (size_t n = 1; n <= all.size(); ++n) {
    const std::span<const Hash256> d = std::span(all).first(n);
    for (size_t m = 0; m < n; ++m) {
      const auto proof = MerkleInclusionProof(d, m);
      ASSERT_TRUE(proof.has_value());
      ASSERT_EQ(*proof, RefPath(m, d)) << m << " of " << n;
      ASSERT_TRUE(VerifyMerkleInclusion(all[m], m, n, *proof, roots[n])) << m << " of " << n;
      if (m + 1 < n) {
        ASSERT_FALSE(VerifyMerkleInclusion(all[m + 1], m, n, *proof, roots[n]));
      }
    }
    for (size_t m = 1; m <= n; ++m) {
      const auto proof = MerkleConsistencyProof(d, m);
      ASSERT_TRUE(proof.has_value());
      ASSERT_EQ(*proof, RefSubproof(m, d, true)) << m << " -> " << n;
      ASSERT_TRUE(VerifyMerkleConsistency(m, n, roots[m], roots[n], *proof)) << m << " -> " << n;
      if (m < n) {
        ASSERT_FALSE(VerifyMerkleConsistency(m, n, roots[m - 1], roots[n], *proof));
        ASSERT_FALSE(VerifyMerkleConsistency(m, n, roots[m], roots[n - 1], *proof));
      }
    }
  }
}

TEST(MerkleTreeTest, ConsistencyProbesFailOnSmallTrees) {
  const std::vector<Hash256> all = DistinctLeafHashes(20);
  for (size_t n = 2; n <= all.size(); ++n) {
    const std::span<const Hash256> d = std::span(all).first(n);
    for (size_t m = 1; m < n; ++m) {
      SCOPED_TRACE(std::to_string(m) + " -> " + std::to_string(n));
      const auto proof = MerkleConsistencyProof(d, m);
      ASSERT_TRUE(proof.has_value());
      ExpectConsistencyProbesFail(m, n, MerkleRootFromLeafHashes(d.first(m)),
                                  MerkleRootFromLeafHashes(d), *proof);
    }
  }
}

TEST(MerkleTreeTest, BlockRootHashesTxidsAsLeaves) {
  std::mt19937_64 rng(5);
  std::vector<Hash256> txids(13);
  for (Hash256& t : txids) {
    for (uint8_t& b : t.bytes) b = static_cast<uint8_t>(rng());
  }
  std::vector<Hash256> leaves;
  for (const Hash256& t : txids) leaves.push_back(MerkleLeafHash(t.span()));
  EXPECT_EQ(BlockMerkleRoot(txids), MerkleRootFromLeafHashes(leaves));
  EXPECT_EQ(BlockMerkleRoot({}), Sha256Hash({}));
  // One tx: the root is that tx's leaf hash, never the bare txid.
  EXPECT_EQ(BlockMerkleRoot(std::span(txids).first(1)), leaves[0]);
  EXPECT_NE(BlockMerkleRoot(std::span(txids).first(1)), txids[0]);
}

// CVE-2012-2459: Bitcoin's tree duplicates an odd last node, so [a, b, c] and [a, b, c, c] share
// a root. RFC 6962 promotes it instead.
TEST(MerkleTreeTest, NoDuplicateLeafMutation) {
  const std::vector<Hash256> abc = DistinctLeafHashes(3);
  std::vector<Hash256> abcc = abc;
  abcc.push_back(abc[2]);
  EXPECT_NE(MerkleRootFromLeafHashes(abc), MerkleRootFromLeafHashes(abcc));
  EXPECT_NE(BlockMerkleRoot(abc), BlockMerkleRoot(abcc));
}

TEST(MerkleTreeTest, NodeAndLeafHashesAreDomainSeparated) {
  const std::vector<Hash256> two = DistinctLeafHashes(2);
  Bytes concatenated(two[0].bytes.begin(), two[0].bytes.end());
  concatenated.insert(concatenated.end(), two[1].bytes.begin(), two[1].bytes.end());
  EXPECT_NE(MerkleNodeHash(two[0], two[1]), MerkleLeafHash(concatenated));
  Bytes prefixed = {0x01};
  prefixed.insert(prefixed.end(), concatenated.begin(), concatenated.end());
  EXPECT_EQ(MerkleNodeHash(two[0], two[1]), Sha256Hash(prefixed));
}

TEST(MerkleTreeTest, LargeTree) {
  constexpr size_t kN = 100'000;
  std::vector<Hash256> txids(kN);
  for (size_t i = 0; i < kN; ++i) std::memcpy(txids[i].bytes.data(), &i, sizeof(i));
  std::vector<Hash256> leaves;
  leaves.reserve(kN);
  for (const Hash256& t : txids) leaves.push_back(MerkleLeafHash(t.span()));

  const Hash256 root = BlockMerkleRoot(txids);
  const Hash256 old_root = MerkleRootFromLeafHashes(std::span(leaves).first(kN - 1));
  EXPECT_EQ(root, RefRoot(leaves));
  EXPECT_EQ(root, MerkleRootFromLeafHashes(leaves));

  for (uint64_t index : {uint64_t{0}, uint64_t{1}, uint64_t{65535}, uint64_t{65536},
                         uint64_t{77777}, uint64_t{kN - 1}}) {
    const auto proof = MerkleInclusionProof(leaves, index);
    ASSERT_TRUE(proof.has_value());
    EXPECT_LE(proof->size(), 17u);
    EXPECT_TRUE(VerifyMerkleInclusion(leaves[index], index, kN, *proof, root)) << index;
    EXPECT_FALSE(VerifyMerkleInclusion(leaves[index], index, kN, *proof, old_root)) << index;
  }
  for (uint64_t size1 : {uint64_t{1}, uint64_t{1000}, uint64_t{65536}, uint64_t{99999}}) {
    const auto proof = MerkleConsistencyProof(leaves, size1);
    ASSERT_TRUE(proof.has_value());
    const Hash256 root1 = MerkleRootFromLeafHashes(std::span(leaves).first(size1));
    EXPECT_TRUE(VerifyMerkleConsistency(size1, kN, root1, root, *proof)) << size1;
    EXPECT_FALSE(VerifyMerkleConsistency(size1, kN, root1, old_root, *proof)) << size1;
  }
}

}  // namespace
}  // namespace waybill::chain
