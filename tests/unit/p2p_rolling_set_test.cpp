// RollingIdSet: what it remembers (at least the last capacity/2 ids, at most the last
// capacity), InsertNew's answer, Clear, and no false positives in practice.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "p2p/rolling_set.h"

namespace waybill::p2p {
namespace {

chain::Hash256 Id(uint64_t n, uint64_t tag = 0) {
  chain::Hash256 h;
  std::memcpy(h.bytes.data(), &n, 8);
  std::memcpy(h.bytes.data() + 24, &tag, 8);
  return h;
}

TEST(RollingIdSetTest, RemembersTheLastHalfAndForgetsOlderGenerations) {
  constexpr size_t kCapacity = 1000;
  RollingIdSet set(kCapacity);
  EXPECT_FALSE(set.Contains(Id(0)));
  EXPECT_EQ(set.size(), 0u);
  for (uint64_t n = 0; n < 5000; ++n) {
    EXPECT_TRUE(set.InsertNew(Id(n))) << n;
    EXPECT_FALSE(set.InsertNew(Id(n))) << n;
    EXPECT_LE(set.size(), kCapacity);
    // The last capacity/2 ids are always there.
    const uint64_t from = n + 1 >= kCapacity / 2 ? n + 1 - kCapacity / 2 : 0;
    for (uint64_t k = from; k <= n; k += 37) EXPECT_TRUE(set.Contains(Id(k))) << n << " " << k;
    EXPECT_TRUE(set.Contains(Id(from)));
  }
  // Older than capacity ids ago: gone.
  for (uint64_t k = 0; k < 5000 - kCapacity; ++k) EXPECT_FALSE(set.Contains(Id(k))) << k;
  set.Clear();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_FALSE(set.Contains(Id(4999)));
  EXPECT_TRUE(set.InsertNew(Id(4999)));
}

TEST(RollingIdSetTest, IdsDifferingInAnyByteAreDistinct) {
  RollingIdSet set(100'000);
  for (uint64_t n = 0; n < 20'000; ++n) set.Insert(Id(n));
  // Ids that share the inserted ones' first 24 bytes, or differ from one in a single bit of
  // bytes 8-31 (the inserted ones have zeros there): none is reported.
  size_t false_positives = 0;
  for (uint64_t n = 0; n < 20'000; ++n) false_positives += set.Contains(Id(n, 1));
  for (size_t bit = 64; bit < 256; ++bit) {
    for (uint64_t n : {uint64_t{0}, uint64_t{bit}, uint64_t{19'999}}) {
      chain::Hash256 h = Id(n);
      h.bytes[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
      false_positives += set.Contains(h);
    }
  }
  EXPECT_EQ(false_positives, 0u);
  EXPECT_EQ(set.size(), 20'000u);
}

TEST(RollingIdSetTest, TwoSetsSaltTheirFingerprintsDifferently) {
  SaltedIdHasher a, b;
  size_t same = 0;
  for (uint64_t n = 0; n < 100; ++n) same += a.Fingerprint(Id(n)) == b.Fingerprint(Id(n));
  EXPECT_EQ(same, 0u);
}

// The string form (the mempool's overlay keys): salted per hasher, and the length counts (a
// key and the same key with zero bytes appended hash apart).
TEST(RollingIdSetTest, KeyHashersSaltDifferentlyAndCountTheLength) {
  chain::SaltedKeyHasher a, b;
  size_t same = 0;
  size_t extended_same = 0;
  for (uint64_t n = 0; n < 100; ++n) {
    const chain::Hash256 id = Id(n);
    std::string key = "a" + std::string(id.bytes.begin(), id.bytes.end());
    same += a(key) == b(key);
    EXPECT_EQ(a(key), a(std::string_view(key)));
    const size_t h = a(key);
    key.push_back('\0');
    extended_same += a(key) == h;
  }
  EXPECT_EQ(same, 0u);
  EXPECT_EQ(extended_same, 0u);
}

}  // namespace
}  // namespace waybill::p2p
