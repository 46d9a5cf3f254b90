// SignatureCheckPool: the result (valid, or the lowest bad index) does not depend on the
// number of workers, the block size, concurrent batches or the parsed-key cache; a cache hit
// skips the Schnorr verification; a cache entry for another signature does not; a cancelled
// check stops; StartSome checks the listed txs only.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "chain/sig_cache.h"
#include "consensus/sig_check_pool.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Transaction;
using chain::TransferOp;

// 120 validly signed transfers, built once (signing is the slow part).
std::vector<Transaction> Txs(size_t n) {
  static const std::vector<Transaction> kTxs = [] {
    testing::TxFactory f(testing::MakeParams());
    std::vector<Transaction> txs;
    for (int i = 0; i < 120; ++i) {
      txs.push_back(f.Make(i % testing::kFundedKeys, static_cast<uint64_t>(i / 4),
                           TransferOp{f.Id(testing::kFundedKeys), 1}));
    }
    return txs;
  }();
  return std::vector<Transaction>(kTxs.begin(), kTxs.begin() + n);
}

std::string Check(SignatureCheckPool* pool, const std::vector<Transaction>& txs,
                  const chain::SignatureCache* cache = nullptr) {
  ValidationResult r = pool->Start(txs, cache).Wait();
  EXPECT_FALSE(r.error());
  return r.valid() ? "valid" : r.reason() + ": " + r.detail();
}

TEST(SignatureCheckPoolTest, ResultDoesNotDependOnWorkersOrSize) {
  for (size_t workers : {0, 1, 3}) {
    SignatureCheckPool pool(workers);
    EXPECT_EQ(pool.workers(), workers);
    for (size_t n : {0, 1, 3, 4, 5, 7, 8, 9, 17, 120}) {
      std::vector<Transaction> txs = Txs(n);
      EXPECT_EQ(Check(&pool, txs), "valid") << workers << " workers, " << n << " txs";
      std::set<size_t> corrupted;
      for (size_t bad : {n - 1, n / 2, size_t{0}}) {
        if (bad >= n || !corrupted.insert(bad).second) continue;
        txs[bad].signature[7] ^= 0x10;
        EXPECT_EQ(Check(&pool, txs), "bad-signature: tx " + std::to_string(bad))
            << workers << " workers, " << n << " txs";
      }
    }
  }
}

TEST(SignatureCheckPoolTest, ReportsTheLowestOfSeveralBad) {
  SignatureCheckPool pool(2);
  std::vector<Transaction> txs = Txs(120);
  for (size_t bad : {117, 64, 9, 3}) {
    txs[bad].signature[33] ^= 1;
    for (int rep = 0; rep < 5; ++rep) {
      EXPECT_EQ(Check(&pool, txs), "bad-signature: tx " + std::to_string(bad));
    }
  }
}

TEST(SignatureCheckPoolTest, CallerCanWorkWhileTheBatchRuns) {
  SignatureCheckPool pool(1);
  std::vector<Transaction> txs = Txs(120);
  txs[100].signature[0] ^= 1;
  SignatureCheckPool::Batch batch = pool.Start(txs, nullptr);
  // The caller's own work; the worker verifies meanwhile.
  uint64_t sum = 0;
  for (const Transaction& tx : txs) sum += tx.nonce;
  EXPECT_GT(sum, 0u);
  ValidationResult r = batch.Wait();
  EXPECT_EQ(r.detail(), "tx 100");
  EXPECT_EQ(batch.Wait().detail(), "tx 100");  // idempotent
}

TEST(SignatureCheckPoolTest, ConcurrentBatchesOnOnePool) {
  SignatureCheckPool pool(2);
  std::vector<std::thread> threads;
  std::vector<std::string> results(6);
  std::vector<std::vector<Transaction>> blocks(6, Txs(120));
  for (size_t t = 0; t < blocks.size(); ++t) {
    if (t % 2) blocks[t][t * 10].signature[12] ^= 4;
  }
  for (size_t t = 0; t < blocks.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 3; ++rep) results[t] = Check(&pool, blocks[t]);
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < blocks.size(); ++t) {
    EXPECT_EQ(results[t], t % 2 ? "bad-signature: tx " + std::to_string(t * 10) : "valid");
  }
}

TEST(SignatureCheckPoolTest, DestroyingAnUnwaitedBatchIsSafe) {
  SignatureCheckPool pool(2);
  std::vector<Transaction> txs = Txs(120);
  { SignatureCheckPool::Batch batch = pool.Start(txs, nullptr); }
  EXPECT_EQ(Check(&pool, txs), "valid");
}

// The cache trusts what it is given: an entry for a signature that does not verify makes it
// pass. That is how a test can see that a hit skips the Schnorr verification.
TEST(SignatureCheckPoolTest, CacheHitSkipsVerification) {
  SignatureCheckPool pool(1);
  chain::SignatureCache cache(1000);
  std::vector<Transaction> txs = Txs(40);
  txs[5].signature[3] ^= 1;
  txs[30].signature[3] ^= 1;
  EXPECT_EQ(Check(&pool, txs, &cache), "bad-signature: tx 5");
  cache.Insert(txs[5].sender, txs[5].SigHash(), txs[5].signature);
  EXPECT_EQ(Check(&pool, txs, &cache), "bad-signature: tx 30");
  cache.Insert(txs[30].sender, txs[30].SigHash(), txs[30].signature);
  const uint64_t hits_before = cache.stats().hits;
  EXPECT_EQ(Check(&pool, txs, &cache), "valid");
  EXPECT_EQ(cache.stats().hits - hits_before, 2u);
}

TEST(SignatureCheckPoolTest, CacheEntryOfAnotherSignatureDoesNotHit) {
  SignatureCheckPool pool(1);
  chain::SignatureCache cache(1000);
  std::vector<Transaction> txs = Txs(40);
  for (const Transaction& tx : txs) cache.Insert(tx.sender, tx.SigHash(), tx.signature);
  // A different signature on a cached tx, a different message (fee) under a cached signature,
  // and a cached signature claimed by another sender: none hits, all fail verification.
  txs[2].signature[63] ^= 1;
  txs[11].fee += 1;
  txs[20].sender = txs[21].sender;
  SignatureCheckPool::Batch batch = pool.Start(txs, &cache);
  EXPECT_EQ(batch.Wait().detail(), "tx 2");
  txs[2].signature[63] ^= 1;
  EXPECT_EQ(Check(&pool, txs, &cache), "bad-signature: tx 11");
  txs[11].fee -= 1;
  EXPECT_EQ(Check(&pool, txs, &cache), "bad-signature: tx 20");
}

TEST(SignatureCheckPoolTest, CacheKeysAreThoseOfEveryTx) {
  SignatureCheckPool pool(2);
  chain::SignatureCache cache(1000);
  std::vector<Transaction> txs = Txs(50);
  SignatureCheckPool::Batch batch = pool.Start(txs, &cache);
  ASSERT_TRUE(batch.Wait().valid());
  ASSERT_EQ(batch.cache_keys().size(), txs.size());
  for (size_t i = 0; i < txs.size(); ++i) {
    EXPECT_EQ(batch.cache_keys()[i],
              cache.KeyFor(txs[i].sender, txs[i].SigHash(), txs[i].signature));
  }
  SignatureCheckPool::Batch uncached = pool.Start(txs, nullptr);
  ASSERT_TRUE(uncached.Wait().valid());
  EXPECT_TRUE(uncached.cache_keys().empty());
}

// The pool parses each sender's key once (120 txs from 4 senders here) and its answers are
// those of a pool that parses every time, for good signatures, bad ones and a sender whose
// key is no point at all.
TEST(SignatureCheckPoolTest, ParsedKeysChangeNoResult) {
  SignatureCheckPool parsed(0), unparsed(0, /*key_cache_entries=*/0);
  std::vector<Transaction> txs = Txs(120);
  EXPECT_EQ(Check(&parsed, txs), "valid");
  chain::PublicKeyCache::Stats s = parsed.key_cache_stats();
  EXPECT_EQ(s.misses, static_cast<uint64_t>(testing::kFundedKeys));
  EXPECT_EQ(s.hits, 120u - testing::kFundedKeys);
  EXPECT_EQ(s.size, static_cast<size_t>(testing::kFundedKeys));
  EXPECT_EQ(unparsed.key_cache_stats().size, 0u);

  chain::AccountId no_point;
  no_point.bytes[31] = 5;  // x^3 + 7 has no square root: not a key
  for (size_t bad : {119, 77, 40, 6}) {
    if (bad == 40) {
      txs[bad].sender = no_point;
    } else {
      txs[bad].signature[50] ^= 2;
    }
    for (SignatureCheckPool* pool : {&parsed, &unparsed}) {
      EXPECT_EQ(Check(pool, txs), "bad-signature: tx " + std::to_string(bad));
    }
  }
  EXPECT_EQ(parsed.key_cache_stats().size, static_cast<size_t>(testing::kFundedKeys));
  for (size_t workers : {1, 3}) {
    SignatureCheckPool pool(workers);
    EXPECT_EQ(Check(&pool, txs), "bad-signature: tx 6");
  }
}

// StartSome checks the listed txs and no other: a bad signature outside the list is not seen,
// positions are those in the list, and the verification count grows by the list's length.
TEST(SignatureCheckPoolTest, StartSomeChecksOnlyTheListedTxs) {
  for (size_t workers : {0, 2}) {
    SignatureCheckPool pool(workers);
    chain::SignatureCache cache(1000);
    std::vector<Transaction> txs = Txs(40);
    txs[3].signature[9] ^= 1;
    txs[20].signature[9] ^= 1;
    std::vector<size_t> which;
    for (size_t i = 0; i < txs.size(); ++i) {
      if (i != 3 && i != 20) which.push_back(i);
    }
    uint64_t before = pool.verifications();
    SignatureCheckPool::Batch batch = pool.StartSome(txs, which, &cache);
    EXPECT_TRUE(batch.Wait().valid()) << workers;
    EXPECT_EQ(pool.verifications() - before, which.size());
    ASSERT_EQ(batch.cache_keys().size(), which.size());
    for (size_t k = 0; k < which.size(); ++k) {
      const Transaction& tx = txs[which[k]];
      EXPECT_EQ(batch.cache_keys()[k], cache.KeyFor(tx.sender, tx.SigHash(), tx.signature));
    }

    const std::vector<size_t> with_bad = {0, 7, 20, 31};
    before = pool.verifications();
    SignatureCheckPool::Batch bad = pool.StartSome(txs, with_bad, nullptr);
    EXPECT_EQ(bad.Wait().detail(), "tx 2") << workers;  // position 2 holds tx 20
    EXPECT_EQ(bad.first_bad(), std::optional<size_t>(2));
    EXPECT_LE(pool.verifications() - before, with_bad.size());
    EXPECT_GE(pool.verifications() - before, 3u);

    // The same over txs with their ids (the mempool's batches).
    std::vector<chain::TxWithId> txws;
    for (const Transaction& tx : txs) txws.push_back(chain::MakeTxWithId(tx));
    SignatureCheckPool::Batch bad_ids = pool.StartSome(txws, with_bad, &cache);
    EXPECT_EQ(bad_ids.Wait().detail(), "tx 2") << workers;
    SignatureCheckPool::Batch good_ids = pool.StartSome(txws, which, &cache);
    EXPECT_TRUE(good_ids.Wait().valid()) << workers;
    ASSERT_EQ(good_ids.cache_keys().size(), which.size());
    EXPECT_TRUE(std::equal(good_ids.cache_keys().begin(), good_ids.cache_keys().end(),
                           batch.cache_keys().begin()));

    before = pool.verifications();
    EXPECT_TRUE(pool.StartSome(txs, {}, nullptr).Wait().valid());
    EXPECT_EQ(pool.verifications(), before);
  }
}

TEST(SignatureCheckPoolTest, CancelStopsTheCheck) {
  std::vector<Transaction> txs = Txs(120);
  // Without workers nothing runs before Wait, so a cancelled batch verifies nothing.
  SignatureCheckPool inline_pool(0);
  SignatureCheckPool::Batch batch = inline_pool.Start(txs, nullptr);
  batch.Cancel();
  EXPECT_TRUE(batch.Wait().error());
  chain::PublicKeyCache::Stats s = inline_pool.key_cache_stats();
  EXPECT_EQ(s.hits + s.misses, 0u);
  EXPECT_EQ(Check(&inline_pool, txs), "valid");

  // With workers: Cancel returns once no thread touches the txs; the pool goes on serving.
  SignatureCheckPool pool(2);
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<Transaction> local = txs;
    {
      SignatureCheckPool::Batch b = pool.Start(local, nullptr);
      b.Cancel();
      EXPECT_TRUE(b.Wait().error());
    }
    local.clear();  // the batch no longer reads them
    EXPECT_EQ(Check(&pool, txs), "valid");
  }
}

}  // namespace
}  // namespace waybill::consensus
