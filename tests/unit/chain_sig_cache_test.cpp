// SignatureCache: a held signature hits, anything that differs in one bit of the message, the
// key or the signature misses, the bound holds under eviction, erasing, and concurrent use.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "chain/hash.h"
#include "chain/schnorr.h"
#include "chain/sig_cache.h"

namespace waybill::chain {
namespace {

struct Triple {
  AccountId pubkey;
  Hash256 msg;
  Signature sig;
};

Hash256 HashOf(const std::string& s) {
  return Sha256Hash(ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

// A real signature: the cache must not care, but that is what it holds in the node.
Triple Signed(int i) {
  auto key = SecretKey::FromBytes(HashOf("sig-cache-key-" + std::to_string(i % 7)).span());
  Triple t;
  t.pubkey = key->PublicKey();
  t.msg = HashOf("sig-cache-msg-" + std::to_string(i));
  t.sig = key->Sign(t.msg.span(), std::array<uint8_t, 32>{});
  return t;
}

// Distinct triples without signing, for bulk tests.
Triple Synthetic(uint64_t i) {
  Triple t;
  t.pubkey = HashOf("pk" + std::to_string(i));
  t.msg = HashOf("msg" + std::to_string(i));
  t.sig.fill(static_cast<uint8_t>(i));
  return t;
}

TEST(SignatureCacheTest, InsertedSignatureHits) {
  SignatureCache cache(10);
  const Triple t = Signed(1);
  ASSERT_TRUE(VerifySchnorr(t.pubkey, t.msg.span(), t.sig));
  EXPECT_FALSE(cache.Contains(t.pubkey, t.msg, t.sig));
  cache.Insert(t.pubkey, t.msg, t.sig);
  EXPECT_TRUE(cache.Contains(t.pubkey, t.msg, t.sig));
  EXPECT_TRUE(cache.Contains(cache.KeyFor(t.pubkey, t.msg, t.sig)));
  const SignatureCache::Stats s = cache.stats();
  EXPECT_EQ(s.hits, 2u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.inserts, 1u);
  EXPECT_EQ(s.size, 1u);
}

TEST(SignatureCacheTest, AnyOtherMessageKeyOrSignatureMisses) {
  SignatureCache cache(10);
  const Triple t = Signed(2);
  cache.Insert(t.pubkey, t.msg, t.sig);
  for (size_t byte = 0; byte < 32; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      Triple other = t;
      other.msg.bytes[byte] ^= static_cast<uint8_t>(1 << bit);
      EXPECT_FALSE(cache.Contains(other.pubkey, other.msg, other.sig)) << "msg byte " << byte;
      other = t;
      other.pubkey.bytes[byte] ^= static_cast<uint8_t>(1 << bit);
      EXPECT_FALSE(cache.Contains(other.pubkey, other.msg, other.sig)) << "key byte " << byte;
    }
  }
  for (size_t byte = 0; byte < 64; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      Triple other = t;
      other.sig[byte] ^= static_cast<uint8_t>(1 << bit);
      EXPECT_FALSE(cache.Contains(other.pubkey, other.msg, other.sig)) << "sig byte " << byte;
    }
  }
  // The fields are not interchangeable: the same bytes in other roles miss too.
  EXPECT_FALSE(cache.Contains(t.msg, t.pubkey, t.sig));
  // Another signature of the same message by the same key (other aux randomness) misses.
  auto key = SecretKey::FromBytes(HashOf("sig-cache-key-2").span());
  ASSERT_EQ(key->PublicKey(), t.pubkey);
  std::array<uint8_t, 32> aux{};
  aux[0] = 1;
  const Signature resigned = key->Sign(t.msg.span(), aux);
  ASSERT_NE(resigned, t.sig);
  ASSERT_TRUE(VerifySchnorr(t.pubkey, t.msg.span(), resigned));
  EXPECT_FALSE(cache.Contains(t.pubkey, t.msg, resigned));
  EXPECT_TRUE(cache.Contains(t.pubkey, t.msg, t.sig));
}

TEST(SignatureCacheTest, KeysAreSaltedPerCache) {
  SignatureCache a(10), b(10);
  const Triple t = Signed(3);
  EXPECT_EQ(a.KeyFor(t.pubkey, t.msg, t.sig), a.KeyFor(t.pubkey, t.msg, t.sig));
  EXPECT_NE(a.KeyFor(t.pubkey, t.msg, t.sig), b.KeyFor(t.pubkey, t.msg, t.sig));
  a.Insert(t.pubkey, t.msg, t.sig);
  EXPECT_FALSE(b.Contains(a.KeyFor(t.pubkey, t.msg, t.sig)));
}

TEST(SignatureCacheTest, BoundHoldsAndTheNewestEntryStays) {
  constexpr size_t kMax = 64;
  SignatureCache cache(kMax);
  for (uint64_t i = 0; i < 1000; ++i) {
    const Triple t = Synthetic(i);
    cache.Insert(t.pubkey, t.msg, t.sig);
    ASSERT_LE(cache.stats().size, kMax);
    ASSERT_TRUE(cache.Contains(t.pubkey, t.msg, t.sig)) << i;
  }
  const SignatureCache::Stats s = cache.stats();
  EXPECT_EQ(s.size, kMax);
  EXPECT_EQ(s.inserts, 1000u);
  EXPECT_EQ(s.evictions, 1000u - kMax);
  size_t held = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    const Triple t = Synthetic(i);
    held += cache.Contains(t.pubkey, t.msg, t.sig) ? 1 : 0;
  }
  EXPECT_EQ(held, kMax);
  // Eviction is random, not FIFO: some entry older than the last kMax inserts survived. (That
  // all of the last kMax survive kMax random evictions has a probability below 1e-14.)
  size_t older_held = 0;
  for (uint64_t i = 0; i < 1000 - kMax; ++i) {
    const Triple t = Synthetic(i);
    older_held += cache.Contains(t.pubkey, t.msg, t.sig) ? 1 : 0;
  }
  EXPECT_GT(older_held, 0u);
}

TEST(SignatureCacheTest, ReinsertingAHeldEntryEvictsNothing) {
  SignatureCache cache(2);
  const Triple a = Synthetic(1), b = Synthetic(2);
  cache.Insert(a.pubkey, a.msg, a.sig);
  cache.Insert(b.pubkey, b.msg, b.sig);
  cache.Insert(a.pubkey, a.msg, a.sig);
  EXPECT_TRUE(cache.Contains(a.pubkey, a.msg, a.sig));
  EXPECT_TRUE(cache.Contains(b.pubkey, b.msg, b.sig));
  EXPECT_EQ(cache.stats().inserts, 2u);
  EXPECT_EQ(cache.stats().evictions, 0u);
}

TEST(SignatureCacheTest, ZeroCapacityHoldsNothing) {
  SignatureCache cache(0);
  const Triple t = Signed(4);
  cache.Insert(t.pubkey, t.msg, t.sig);
  EXPECT_FALSE(cache.Contains(t.pubkey, t.msg, t.sig));
  EXPECT_EQ(cache.stats().size, 0u);
}

TEST(SignatureCacheTest, EraseRemovesOnlyTheGivenKeys) {
  SignatureCache cache(10);
  const Triple a = Synthetic(1), b = Synthetic(2), c = Synthetic(3);
  for (const Triple* t : {&a, &b}) cache.Insert(t->pubkey, t->msg, t->sig);
  const std::vector<Hash256> keys = {cache.KeyFor(a.pubkey, a.msg, a.sig),
                                     cache.KeyFor(c.pubkey, c.msg, c.sig)};  // c: not held
  cache.Erase(keys);
  EXPECT_FALSE(cache.Contains(a.pubkey, a.msg, a.sig));
  EXPECT_TRUE(cache.Contains(b.pubkey, b.msg, b.sig));
  EXPECT_EQ(cache.stats().size, 1u);
}

TEST(SignatureCacheTest, ConcurrentUseKeepsTheBoundAndTheCounts) {
  constexpr size_t kMax = 500;
  constexpr int kThreads = 4;
  constexpr uint64_t kPerThread = 3000;
  SignatureCache cache(kMax);
  std::atomic<uint64_t> lookups{0}, own_hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = 0; i < kPerThread; ++i) {
        const Triple x = Synthetic(t * kPerThread + i);
        const Hash256 key = cache.KeyFor(x.pubkey, x.msg, x.sig);
        cache.InsertKey(key);
        own_hits += cache.Contains(key) ? 1 : 0;  // may have been evicted by another thread
        const Triple y = Synthetic(((t + 1) % kThreads) * kPerThread + i);
        (void)cache.Contains(y.pubkey, y.msg, y.sig);
        lookups += 2;
        if (i % 10 == 0) cache.Erase(std::vector<Hash256>{key});
      }
    });
  }
  for (auto& th : threads) th.join();
  const SignatureCache::Stats s = cache.stats();
  EXPECT_LE(s.size, kMax);
  EXPECT_EQ(s.hits + s.misses, lookups.load());
  EXPECT_EQ(s.inserts, kThreads * kPerThread);
  EXPECT_GT(own_hits.load(), 0u);
  // Every entry left is one that some thread inserted.
  size_t found = 0;
  for (uint64_t i = 0; i < kThreads * kPerThread; ++i) {
    const Triple x = Synthetic(i);
    found += cache.Contains(x.pubkey, x.msg, x.sig) ? 1 : 0;
  }
  EXPECT_EQ(found, s.size);
}

}  // namespace
}  // namespace waybill::chain
