// Block assembly and mining: templates (limits, failing txs, fees and reward), SearchNonce
// against OpenSSL's SHA-256d and CheckProofOfWork, GenerateBlocks, and the threaded Miner.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chain/arith_uint256.h"
#include "chain/merkle.h"
#include "chain/sha256_midstate.h"
#include "consensus/pow.h"
#include "node/mining/miner.h"
#include "tests/unit/node_test_util.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using chain::Transaction;

constexpr chain::Amount kCoin = chain::kCoin;

class MinerTest : public testing::RegtestFixture {};

chain::BlockHeader SomeHeader(uint32_t bits) {
  chain::BlockHeader h;
  h.prev.bytes.fill(0x11);
  h.merkle_root.bytes.fill(0x22);
  h.miner.bytes.fill(0x33);
  h.time = 1'763'800'123;
  h.bits = bits;
  return h;
}

TEST(SearchNonceTest, FindsTheFirstSolvingNonce) {
  // About one hash in 2^16 meets 0x1f00ffff's target.
  constexpr uint32_t kBits = 0x1f00ffff;
  const chain::ArithU256 pow_limit = *chain::TargetFromBits(0x207fffff);
  for (uint64_t start : {uint64_t{0}, uint64_t{12345}, ~uint64_t{0} - 3}) {
    chain::BlockHeader h = SomeHeader(kBits);
    uint64_t hashes = 0;
    std::optional<uint64_t> nonce = SearchNonce(h, start, 10'000'000, &hashes);
    ASSERT_TRUE(nonce.has_value());
    h.nonce = *nonce;
    EXPECT_TRUE(consensus::CheckProofOfWork(h.Id(), kBits, pow_limit));
    // Every nonce before it fails (checked with OpenSSL's SHA-256d).
    const uint64_t tried = *nonce - start;
    EXPECT_GE(hashes, tried + 1);
    // The solution's run of interleaved nonces is hashed in full.
    EXPECT_LE(hashes, tried + chain::HeaderHasher::kMaxWidth);
    for (uint64_t n = start; n != *nonce; ++n) {
      h.nonce = n;
      ASSERT_FALSE(consensus::CheckProofOfWork(h.Id(), kBits, pow_limit)) << n;
    }
  }
}

TEST(SearchNonceTest, GivesUpAfterMaxTries) {
  chain::BlockHeader h = SomeHeader(0x03000001);  // target 1
  uint64_t hashes = 0;
  EXPECT_FALSE(SearchNonce(h, 7, 1001, &hashes).has_value());
  EXPECT_EQ(hashes, 1001u);
  EXPECT_FALSE(SearchNonce(h, 7, 0, &hashes).has_value());
  EXPECT_EQ(hashes, 0u);
  // Bits that decode to no target.
  h.bits = 0;
  EXPECT_FALSE(SearchNonce(h, 0, 100, &hashes).has_value());
  h.bits = 0x01800001;  // negative
  EXPECT_FALSE(SearchNonce(h, 0, 100, nullptr).has_value());
}

TEST(SearchNonceTest, RegtestTargetSolvesAtOnce) {
  chain::BlockHeader h = SomeHeader(0x207fffff);
  uint64_t hashes = 0;
  std::optional<uint64_t> nonce = SearchNonce(h, 0, 1000, &hashes);
  ASSERT_TRUE(nonce.has_value());
  h.nonce = *nonce;
  EXPECT_TRUE(consensus::CheckProofOfWork(h.Id(), h.bits, *chain::TargetFromBits(0x207fffff)));
}

TEST_F(MinerTest, TemplateOnTheTip) {
  const Transaction a0 = Pay(0, 0, 1, kCoin, 3000);
  const Transaction b0 = Pay(1, 0, 2, kCoin, 5000);
  ASSERT_TRUE(Accept(a0).valid());
  ASSERT_TRUE(Accept(b0).valid());

  const int64_t now = clock_.Now();
  BlockTemplate t = BuildTemplate(*mining_view_, *tx_source_, Id(9), now);
  EXPECT_EQ(t.height, 1u);
  EXPECT_EQ(t.block.header.prev, params_.genesis_id);
  EXPECT_EQ(t.block.header.miner, Id(9));
  EXPECT_EQ(t.block.header.bits, chain_->NextRules().bits);
  EXPECT_EQ(t.block.header.time, static_cast<uint32_t>(now));
  EXPECT_EQ(t.txids, (std::vector<Hash256>{b0.Id(), a0.Id()}));
  EXPECT_EQ(t.block.header.merkle_root, chain::BlockMerkleRoot(t.txids));
  EXPECT_EQ(t.fees, 8000u);
  EXPECT_EQ(t.reward, 50 * kCoin);
  EXPECT_LT(t.min_time, t.max_time);

  // Times outside [min_time, max_time] are clamped.
  EXPECT_EQ(BuildTemplate(*mining_view_, *tx_source_, Id(9), 0).block.header.time, t.min_time);
  EXPECT_EQ(BuildTemplate(*mining_view_, *tx_source_, Id(9), now + 1'000'000).block.header.time,
            t.max_time);
}

TEST_F(MinerTest, TemplateSkipsFailingTxsAndTheirSendersLaterTxs) {
  constexpr int kFresh = testing::kFundedKeys;  // no coins until funded
  const std::vector<chain::TxWithId> candidates = {
      chain::MakeTxWithId(Pay(kFresh, 0, 1, kCoin)),         // needs the funding below
      chain::MakeTxWithId(Pay(0, 0, kFresh, 10 * kCoin)),    // the funding
      chain::MakeTxWithId(Pay(1, 1, 2, kCoin)),              // nonce gap: never
      chain::MakeTxWithId(Pay(2, 0, 3, 2'000'000 * kCoin)),  // overspend: never
      chain::MakeTxWithId(Pay(3, 0, 4, kCoin)),              // fine
      chain::MakeTxWithId(Pay(kFresh, 1, 1, kCoin)),         // after the sender's first
  };
  BlockTemplate t = BuildTemplateFrom(*mining_view_, candidates, Id(9), clock_.Now());
  // The first pass skips the fresh sender (both txs); the second takes them.
  const std::vector<Hash256> expected = {candidates[1].id, candidates[4].id, candidates[0].id,
                                         candidates[5].id};
  EXPECT_EQ(t.txids, expected);
  EXPECT_EQ(t.fees, 4 * 2000u);
}

TEST_F(MinerTest, TemplateRespectsBlockLimits) {
  // Deliberate variations of regtest (its 20,000 txs and 4 MB are far from a handful of txs):
  // a block of at most 3 txs, then one with room for exactly two large txs.
  params_.max_block_txs = 3;
  ASSERT_TRUE(params_.Finalize().ok());
  Open(MempoolOptions{}, true, /*wipe=*/true);
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(Accept(Pay(k, 0, 9, kCoin, 1000 + k)).valid());
  BlockTemplate t = BuildTemplate(*mining_view_, *tx_source_, Id(9), clock_.Now());
  EXPECT_EQ(t.txids.size(), 3u);

  // A size limit that leaves room for exactly two (large) txs.
  chain::AssetIssueOp issue;
  issue.quantity = 1;
  issue.unit = "kg";
  issue.metadata = {
      {"a", std::string(200, 'x')}, {"b", std::string(200, 'y')}, {"c", std::string(200, 'z')}};
  const size_t tx_size = Make(0, 0, issue, 1000).Serialize().size();
  ASSERT_GE(tx_size, 500u);
  params_.max_block_txs = 100;
  params_.max_block_size = chain::kHeaderSize + 1 + 2 * (3 + tx_size);
  ASSERT_TRUE(params_.Finalize().ok());
  Open(MempoolOptions{}, true, /*wipe=*/true);
  for (int k = 0; k < 5; ++k) ASSERT_TRUE(Accept(Make(k, 0, issue, 1000 + k)).valid());
  t = BuildTemplate(*mining_view_, *tx_source_, Id(9), clock_.Now());
  ASSERT_EQ(t.txids.size(), 2u);
  EXPECT_EQ(t.block.Serialize().size(), params_.max_block_size);
  auto ids = GenerateBlocks(mining_view_, tx_source_, clock_, Id(9), 3, 1'000'000);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(mempool_->Info().size, 0u);
}

TEST_F(MinerTest, GenerateBlocksMinesThePool) {
  std::vector<Transaction> txs = {Pay(0, 0, 1, kCoin), Pay(0, 1, 1, kCoin), Pay(2, 0, 3, kCoin)};
  for (const auto& tx : txs) ASSERT_TRUE(Accept(tx).valid());

  auto ids = GenerateBlocks(mining_view_, tx_source_, clock_, Id(11), 5, 1'000'000);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 5u);
  EXPECT_EQ(chain_->Tip().height, 5u);
  EXPECT_EQ(chain_->Tip().id, ids->back());
  EXPECT_EQ(mempool_->Info().size, 0u);
  for (const auto& tx : txs) {
    auto loc = chain_->GetTxLocation(tx.Id());
    ASSERT_TRUE(loc.ok() && loc->has_value());
    EXPECT_EQ((*loc)->height, 1u);
  }
  EXPECT_EQ(AccountOf(11).balance, 5 * 50 * kCoin + 3 * 2000);
  EXPECT_EQ(AccountOf(0).nonce, 2u);

  // Without a mempool: empty blocks.
  ids = GenerateBlocks(mining_view_, nullptr, clock_, Id(11), 2, 1'000'000);
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(chain_->Tip().height, 7u);

  // No tries: nothing mined, not an error.
  ids = GenerateBlocks(mining_view_, tx_source_, clock_, Id(11), 3, 0);
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(ids->empty());
  EXPECT_EQ(chain_->Tip().height, 7u);

  auto report = chain_->VerifyChain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty());
}

TEST_F(MinerTest, GenerateBlocksRefusesWhenTheChainIsAheadOfTheClock) {
  ASSERT_TRUE(GenerateBlocks(mining_view_, tx_source_, clock_, Id(11), 11, 1000).ok());
  clock_.SetMockTime(params_.genesis_time - 100'000);  // max_time < min_time
  auto ids = GenerateBlocks(mining_view_, tx_source_, clock_, Id(11), 1, 1000);
  EXPECT_FALSE(ids.ok());
}

TEST_F(MinerTest, MinerThreadFindsBlocksAndStops) {
  ASSERT_TRUE(Accept(Pay(0, 0, 1, kCoin)).valid());
  std::mutex log_mu;
  std::vector<std::string> lines;
  MinerOptions options;
  options.miner_account = Id(11);
  options.threads = 1;
  options.log = [&](const std::string& line) {
    std::lock_guard lock(log_mu);
    lines.push_back(line);
  };
  Miner miner(mining_view_, tx_source_, &clock_, options);
  EXPECT_FALSE(miner.running());
  miner.Start();
  EXPECT_TRUE(miner.running());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (miner.BlocksFound() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(miner.BlocksFound(), 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a hash rate sample or two
  EXPECT_GT(miner.HashRate(), 0.0);

  // Stop returns (a hang fails the test at ctest's timeout); how fast is not asserted here:
  // the machine is shared, so a wall-clock bound would fail under load, not on a defect.
  miner.Stop();
  EXPECT_FALSE(miner.running());
  EXPECT_EQ(miner.HashRate(), 0.0);

  EXPECT_GE(chain_->Tip().height, 3u);
  EXPECT_EQ(mempool_->Info().size, 0u);
  auto loc = chain_->GetTxLocation(Pay(0, 0, 1, kCoin).Id());
  EXPECT_TRUE(loc.ok());
  {
    std::lock_guard lock(log_mu);
    ASSERT_FALSE(lines.empty());
    EXPECT_NE(lines.front().find("found block"), std::string::npos) << lines.front();
  }
  auto report = chain_->VerifyChain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty()) << report->problems.front();

  // Restartable.
  const uint64_t found = miner.BlocksFound();
  miner.Start();
  while (miner.BlocksFound() == found && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(miner.BlocksFound(), found);
  miner.Stop();
}

TEST_F(MinerTest, MinerWithSeveralThreadsStops) {
  MinerOptions options;
  options.miner_account = Id(11);
  options.threads = 2;
  Miner miner(mining_view_, tx_source_, &clock_, options);
  miner.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Stop returns (a hang fails the test at ctest's timeout); how fast is not asserted here:
  // the machine is shared, so a wall-clock bound would fail under load, not on a defect.
  miner.Stop();
  miner.Stop();  // idempotent
}

}  // namespace
}  // namespace waybill::node
