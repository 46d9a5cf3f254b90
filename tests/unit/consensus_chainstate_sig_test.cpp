// Chainstate and signatures: the check runs on the chainstate's pool alongside the state
// transition, a bad signature is the reported reason even when the state transition fails
// too, and with a signature cache a connecting block skips the signatures the cache holds and
// erases their entries once it is connected (also when it connects from the store in a reorg).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "chain/merkle.h"
#include "chain/sig_cache.h"
#include "consensus/chainstate.h"
#include "consensus/pow.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Block;
using chain::Hash256;
using chain::Transaction;
using chain::TransferOp;
using testing::TxFactory;

class ChainstateSignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    params_ = testing::MakeParams();
    dir_ = testing::FreshTempDir("waybill_chainstate_sig_test");
    cache_ = std::make_shared<chain::SignatureCache>(1000);
    ChainstateOptions options;
    options.clock = [] { return int64_t{1'800'000'000}; };
    options.verify_threads = 3;
    options.signature_cache = cache_;
    auto cs = Chainstate::Open(dir_.string(), params_, std::move(options));
    ASSERT_TRUE(cs.ok()) << cs.status().ToString();
    cs_ = std::move(*cs);
  }
  void TearDown() override {
    cs_.reset();
    std::filesystem::remove_all(dir_);
  }

  Block MakeBlock(const Hash256& parent, uint32_t parent_height, std::vector<Transaction> txs,
                  int miner = 5) {
    return testing::MakeBlock(params_, parent, parent_height, std::move(txs), factory_.Id(miner));
  }

  // n transfers from the funded keys, nonces starting at first_nonce for every sender.
  std::vector<Transaction> Transfers(int n, uint64_t first_nonce = 0) {
    std::vector<Transaction> txs;
    for (int i = 0; i < n; ++i) {
      const int key = i % testing::kFundedKeys;
      txs.push_back(factory_.Make(key, first_nonce + i / testing::kFundedKeys,
                                  TransferOp{factory_.Id(testing::kFundedKeys), 1}));
    }
    return txs;
  }

  void CacheAll(const std::vector<Transaction>& txs) {
    for (const Transaction& tx : txs) {
      const Hash256 msg = tx.SigHash();
      ASSERT_TRUE(chain::VerifySchnorr(tx.sender, msg.span(), tx.signature));
      cache_->Insert(tx.sender, msg, tx.signature);
    }
  }

  ValidationResult Submit(const Block& block, BlockOutcome* outcome = nullptr) {
    BlockOutcome ignored;
    return cs_->ProcessBlockBytes(block.Serialize(), outcome ? outcome : &ignored);
  }

  ChainParams params_;
  TxFactory factory_{testing::MakeParams()};
  std::filesystem::path dir_;
  std::shared_ptr<chain::SignatureCache> cache_;
  std::unique_ptr<Chainstate> cs_;
};

TEST_F(ChainstateSignatureTest, ColdBlockConnectsWithoutTouchingTheCache) {
  Block b = MakeBlock(params_.genesis_id, 0, Transfers(40));
  ASSERT_TRUE(Submit(b).valid());
  EXPECT_EQ(cs_->Tip().id, b.header.Id());
  const chain::SignatureCache::Stats s = cache_->stats();
  EXPECT_EQ(s.hits, 0u);
  EXPECT_EQ(s.misses, 40u);
  EXPECT_EQ(s.inserts, 0u);  // only the mempool inserts
}

TEST_F(ChainstateSignatureTest, WarmBlockHitsAndErasesItsEntries) {
  std::vector<Transaction> txs = Transfers(40);
  CacheAll(txs);
  Transaction unrelated = factory_.Make(0, 99, TransferOp{factory_.Id(1), 1});
  CacheAll({unrelated});
  ASSERT_EQ(cache_->stats().size, 41u);
  Block b = MakeBlock(params_.genesis_id, 0, txs);
  ASSERT_TRUE(Submit(b).valid());
  EXPECT_EQ(cs_->Tip().id, b.header.Id());
  const chain::SignatureCache::Stats s = cache_->stats();
  EXPECT_EQ(s.hits, 40u);
  EXPECT_EQ(s.misses, 0u);
  EXPECT_EQ(s.size, 1u);  // the confirmed txs' entries are gone, the unrelated one stays
  EXPECT_TRUE(cache_->Contains(unrelated.sender, unrelated.SigHash(), unrelated.signature));
}

// The cache trusts its callers, so an entry for a bad signature lets it through: the visible
// proof that a hit skips the Schnorr verification inside ProcessBlock.
TEST_F(ChainstateSignatureTest, HitSkipsTheVerification) {
  std::vector<Transaction> txs = Transfers(20);
  txs[7].signature[9] ^= 1;
  Block bad = MakeBlock(params_.genesis_id, 0, txs);
  Block also_bad = MakeBlock(params_.genesis_id, 0, txs, /*miner=*/4);
  ValidationResult r = Submit(bad);
  EXPECT_EQ(r.reason(), "bad-signature");
  EXPECT_EQ(r.detail(), "tx 7");
  cache_->Insert(txs[7].sender, txs[7].SigHash(), txs[7].signature);
  EXPECT_TRUE(Submit(also_bad).valid());
}

TEST_F(ChainstateSignatureTest, DifferentSignatureOnACachedTxIsChecked) {
  std::vector<Transaction> txs = Transfers(20);
  CacheAll(txs);
  txs[12].signature[40] ^= 1;
  ValidationResult r = Submit(MakeBlock(params_.genesis_id, 0, txs));
  EXPECT_EQ(r.reason(), "bad-signature");
  EXPECT_EQ(r.detail(), "tx 12");
  EXPECT_EQ(cs_->Tip().height, 0u);
  // A block that failed keeps the entries: its txs may still come in a valid block.
  EXPECT_EQ(cache_->stats().size, 20u);
}

// Signatures and the state transition run at the same time; the reported reason is the one
// of checking the signatures first, whichever finishes first.
TEST_F(ChainstateSignatureTest, BadSignatureWinsOverAStateError) {
  for (int rep = 0; rep < 8; ++rep) {
    const int miner = rep % testing::kKeys;
    const uint32_t parent_height = 0;
    // The state error first (tx 0 skips a nonce), the bad signature last.
    std::vector<Transaction> txs = Transfers(60, /*first_nonce=*/rep == 0 ? 1 : 0);
    if (rep != 0)
      txs[0] = factory_.Make(0, 7, TransferOp{factory_.Id(1), static_cast<chain::Amount>(1 + rep)});
    txs[59].signature[1] ^= 1;
    ValidationResult r = Submit(MakeBlock(params_.genesis_id, parent_height, txs, miner));
    EXPECT_EQ(r.reason(), "bad-signature") << rep;
    EXPECT_EQ(r.detail(), "tx 59") << rep;

    // The bad signature first, the state error later.
    txs = Transfers(60);
    txs[0].signature[1] ^= 1;
    txs[30] = factory_.Make(2, 40 + rep, TransferOp{factory_.Id(1), 1});
    r = Submit(MakeBlock(params_.genesis_id, parent_height, txs, miner));
    EXPECT_EQ(r.reason(), "bad-signature") << rep;
    EXPECT_EQ(r.detail(), "tx 0") << rep;

    // Without a bad signature the state error is reported.
    txs = Transfers(60);
    txs[30] = factory_.Make(2, 40 + rep, TransferOp{factory_.Id(1), 1});
    r = Submit(MakeBlock(params_.genesis_id, parent_height, txs, miner));
    EXPECT_EQ(r.reason(), "nonce-gap") << rep;
  }
  EXPECT_EQ(cs_->Tip().height, 0u);
}

// The signature check of a block that extends the tip starts before CheckBlock; a block that
// fails CheckBlock reports CheckBlock's reason, bad signature or not, and the chain goes on.
TEST_F(ChainstateSignatureTest, ContentRuleWinsOverABadSignature) {
  std::vector<Transaction> txs = Transfers(60);
  txs[3].signature[1] ^= 1;
  Block bad_root = MakeBlock(params_.genesis_id, 0, txs);
  bad_root.header.merkle_root.bytes[0] ^= 1;
  while (!CheckProofOfWork(bad_root.header.Id(), bad_root.header.bits, params_.pow_limit)) {
    bad_root.header.nonce++;
  }
  EXPECT_EQ(Submit(bad_root).reason(), "bad-merkle-root");

  std::vector<Transaction> twice = txs;
  twice.push_back(twice[10]);
  EXPECT_EQ(Submit(MakeBlock(params_.genesis_id, 0, twice)).reason(), "duplicate-tx");
  EXPECT_EQ(cs_->Tip().height, 0u);

  // Without the content fault the bad signature is the reason; without either, it connects.
  ValidationResult r = Submit(MakeBlock(params_.genesis_id, 0, txs));
  EXPECT_EQ(r.reason(), "bad-signature");
  EXPECT_EQ(r.detail(), "tx 3");
  Block good = MakeBlock(params_.genesis_id, 0, Transfers(60));
  ASSERT_TRUE(Submit(good).valid());
  EXPECT_EQ(cs_->Tip().id, good.header.Id());
}

TEST_F(ChainstateSignatureTest, ReorgConnectsAStoredBlockWithTheCache) {
  Block a1 = MakeBlock(params_.genesis_id, 0, {}, /*miner=*/4);
  ASSERT_TRUE(Submit(a1).valid());
  // A competing block with txs: equal work, so it is only stored.
  std::vector<Transaction> txs = Transfers(24);
  Block b1 = MakeBlock(params_.genesis_id, 0, txs, /*miner=*/5);
  BlockOutcome outcome;
  ASSERT_TRUE(Submit(b1, &outcome).valid());
  ASSERT_EQ(outcome, BlockOutcome::kStored);
  // Its txs reach the cache (say, through the mempool) before the branch wins.
  CacheAll(txs);
  const uint64_t hits_before = cache_->stats().hits;
  Block b2 = MakeBlock(b1.header.Id(), 1, {});
  ASSERT_TRUE(Submit(b2, &outcome).valid());
  EXPECT_EQ(outcome, BlockOutcome::kNewTip);
  EXPECT_EQ(cs_->Tip().id, b2.header.Id());
  EXPECT_EQ(cache_->stats().hits - hits_before, 24u);
  EXPECT_EQ(cache_->stats().size, 0u);
  auto report = cs_->VerifyChain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty());
}

}  // namespace
}  // namespace waybill::consensus
