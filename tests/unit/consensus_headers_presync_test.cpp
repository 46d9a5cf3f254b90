// Header presync (docs/PROTOCOL.md §12.4): a peer's header chain is stored only once it has
// the threshold's work. A cheap chain that never gets there stays out of the block tree and
// ends with "low-work-headers"; an honest heavier fork is stored as soon as it has the work,
// directly from the presync's buffer or, for a long one, by taking it again against the
// checkpoints (a different chain the second time is refused).
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "chain/merkle.h"
#include "consensus/chainstate.h"
#include "consensus/headers_presync.h"
#include "consensus/pow.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::BlockHeader;
using chain::Hash256;

class PresyncTest : public ::testing::Test {
 protected:
  void TearDown() override {
    cs_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void Open(uint32_t genesis_bits, uint64_t min_chain_work = 0) {
    params_ = testing::MakeParams();
    params_.genesis_bits = genesis_bits;
    params_.min_chain_work = min_chain_work;
    ASSERT_TRUE(params_.Finalize().ok());
    dir_ = testing::FreshTempDir("waybill_presync_test");
    ChainstateOptions options;
    options.clock = [this] { return now_; };
    options.verify_threads = 0;
    auto cs = Chainstate::Open(dir_.string(), params_, std::move(options));
    ASSERT_TRUE(cs.ok()) << cs.status().ToString();
    cs_ = std::move(*cs);
  }

  // n mined headers after parent (at parent_height, with time parent_time): times start
  // `delay` seconds behind the schedule and step by target_block_time; bits are the ASERT
  // value. miner tells two chains apart.
  std::vector<BlockHeader> Headers(Hash256 parent, uint32_t parent_height, uint32_t parent_time,
                                   size_t n, uint32_t delay, uint8_t miner) {
    std::vector<BlockHeader> out;
    uint32_t time = parent_time + delay;
    for (size_t i = 0; i < n; ++i) {
      BlockHeader h;
      h.prev = parent;
      h.miner.bytes[0] = miner;
      time += static_cast<uint32_t>(params_.target_block_time);
      h.time = time;
      h.bits = NextBitsAfter(params_, parent_height, parent_time);
      testing::Mine(&h, params_);
      out.push_back(h);
      parent = h.Id();
      parent_height++;
      parent_time = h.time;
    }
    return out;
  }

  // Connects n empty blocks on schedule (so at the genesis bits) from genesis.
  void MineTip(size_t n) {
    Hash256 parent = params_.genesis_id;
    uint32_t time = params_.genesis_time;
    for (size_t i = 0; i < n; ++i) {
      chain::Block block;
      block.header.prev = parent;
      block.header.miner.bytes[0] = 1;
      block.header.time = time + static_cast<uint32_t>(params_.target_block_time);
      block.header.bits = NextBitsAfter(params_, static_cast<uint32_t>(i), time);
      block.header.merkle_root = chain::BlockMerkleRoot({});
      testing::Mine(&block.header, params_);
      BlockOutcome outcome;
      ASSERT_TRUE(cs_->ProcessBlockBytes(block.Serialize(), &outcome).valid());
      ASSERT_EQ(outcome, BlockOutcome::kNewTip);
      parent = block.header.Id();
      time = block.header.time;
    }
  }

  bool Known(const BlockHeader& h) { return cs_->GetBlockIndex(h.Id()).has_value(); }

  ChainParams params_;
  std::filesystem::path dir_;
  int64_t now_ = 1'800'000'000;
  std::unique_ptr<Chainstate> cs_;
};

TEST_F(PresyncTest, CheapChainFromGenesisIsNeverStoredAndRunsOutOfBudget) {
  // The tip: 10 blocks at 0x1f00ffff (~65,536 work each). The peer's chain: headers at the
  // pow limit (work 2 each, ASERT clamps them there because their times are far behind the
  // schedule), which would need ~300,000 headers to catch up.
  Open(0x1f00ffff);
  MineTip(10);
  const auto threshold = cs_->PresyncThreshold();
  EXPECT_LT(threshold, cs_->Tip().chain_work);
  const uint32_t late = static_cast<uint32_t>(100 * params_.asert_half_life);
  auto cheap =
      Headers(params_.genesis_id, 0, params_.genesis_time, kPresyncMinBudget + 2000, late, 7);
  // (The first takes the genesis bits: ASERT looks at the parent's time, genesis's.)
  EXPECT_EQ(cheap.front().bits, params_.genesis_bits);
  EXPECT_EQ(cheap[1].bits, params_.pow_limit_bits);

  HeadersResult last;
  size_t sent = 0;
  for (size_t at = 0; at < cheap.size(); at += 2000) {
    std::vector<BlockHeader> msg(cheap.begin() + static_cast<long>(at),
                                 cheap.begin() + static_cast<long>(at + 2000));
    last = cs_->AcceptPeerHeaders(7, msg);
    sent += 2000;
    if (!last.result.valid()) break;
    // Accepted for weighing, not stored; the next getheaders starts after the last one.
    EXPECT_EQ(last.accepted, 2000u);
    ASSERT_TRUE(last.resume.has_value());
    EXPECT_EQ(*last.resume, msg.back().Id());
    EXPECT_FALSE(Known(msg.front()));
    EXPECT_FALSE(Known(msg.back()));
  }
  EXPECT_EQ(last.result.reason(), "low-work-headers");
  EXPECT_GT(sent, kPresyncMinBudget);
  EXPECT_FALSE(last.resume.has_value()) << "the presync is over";
  EXPECT_EQ(cs_->BestHeader().height, 10u);
  EXPECT_EQ(cs_->ChainTips().size(), 1u) << "nothing but the active chain in the tree";

  // The trusted path (AcceptHeaders: tests, local use) would have stored them: the rule is
  // the presync's, not a header rule.
  EXPECT_TRUE(cs_->AcceptHeaders({cheap[0], cheap[1]}).result.valid());
  EXPECT_TRUE(Known(cheap[1]));
}

TEST_F(PresyncTest, StartingOverDoesNotRenewTheBudget) {
  Open(0x1f00ffff);
  MineTip(10);
  const uint32_t late = static_cast<uint32_t>(100 * params_.asert_half_life);
  auto cheap = Headers(params_.genesis_id, 0, params_.genesis_time, 2000, late, 7);
  HeadersResult r;
  size_t rounds = 0;
  for (; rounds < kPresyncMinBudget / 2000 + 2; ++rounds) {
    r = cs_->AcceptPeerHeaders(9, cheap);  // the same 2,000 from genesis, again and again
    if (!r.result.valid()) break;
  }
  EXPECT_EQ(r.result.reason(), "low-work-headers");
  EXPECT_LE(rounds, kPresyncMinBudget / 2000 + 1);
  // Another peer, and the same peer after ForgetHeadersSource, start with a whole budget.
  EXPECT_TRUE(cs_->AcceptPeerHeaders(10, cheap).result.valid());
  cs_->ForgetHeadersSource(9);
  EXPECT_TRUE(cs_->AcceptPeerHeaders(9, cheap).result.valid());
}

TEST_F(PresyncTest, HeavierForkIsStoredOnceItHasTheWork) {
  Open(0x2000ffff);
  MineTip(10);
  // A fork from genesis at the same difficulty, 12 long: it reaches the threshold (the tip's
  // work less 6 blocks') at its 4th header and passes the tip at its 11th.
  auto fork = Headers(params_.genesis_id, 0, params_.genesis_time, 12, 0, 8);
  HeadersResult r = cs_->AcceptPeerHeaders(3, {fork.begin(), fork.begin() + 3});
  ASSERT_TRUE(r.result.valid()) << r.result.ToString();
  EXPECT_EQ(r.accepted, 3u);
  EXPECT_FALSE(Known(fork[0]));
  EXPECT_FALSE(Known(fork[2]));
  ASSERT_TRUE(r.resume.has_value());
  EXPECT_EQ(*r.resume, fork[2].Id());

  r = cs_->AcceptPeerHeaders(3, {fork.begin() + 3, fork.end()});
  ASSERT_TRUE(r.result.valid()) << r.result.ToString();
  EXPECT_EQ(r.accepted, 9u);
  EXPECT_FALSE(r.resume.has_value());
  for (const BlockHeader& h : fork) EXPECT_TRUE(Known(h));
  EXPECT_EQ(cs_->BestHeader().id, fork.back().Id());
  EXPECT_EQ(cs_->ChainTips().size(), 2u);

  // A close fork (within 6 blocks of the tip's work) is stored at once.
  auto tip = cs_->Tip();
  auto parent = cs_->GetBlockIndex(*cs_->BlockHashAt(8));
  auto close = Headers(parent->id, 8, parent->header.time, 1, 0, 9);
  r = cs_->AcceptPeerHeaders(4, close);
  ASSERT_TRUE(r.result.valid());
  EXPECT_TRUE(Known(close[0]));
  EXPECT_FALSE(r.resume.has_value());
  EXPECT_EQ(cs_->Tip().id, tip.id);
}

TEST_F(PresyncTest, LongChainIsTakenAgainAgainstTheCheckpoints) {
  // min_chain_work of 1,500 headers at the pow limit: a new node (tip = genesis) must weigh
  // 1,500 headers before storing any, more than the presync keeps.
  Open(0x207fffff, 1500 * 2);
  auto chain = Headers(params_.genesis_id, 0, params_.genesis_time, 1600, 0, 5);
  HeadersResult r = cs_->AcceptPeerHeaders(1, chain);
  ASSERT_TRUE(r.result.valid()) << r.result.ToString();
  EXPECT_TRUE(r.redownload);
  ASSERT_TRUE(r.resume.has_value());
  EXPECT_EQ(*r.resume, params_.genesis_id) << "taken again from the fork";
  EXPECT_LT(r.accepted, chain.size()) << "the rest comes again";
  EXPECT_FALSE(Known(chain[0]));

  // Another peer presyncs the same chain, then sends another one when asked for it again:
  // refused at the first checkpoint, nothing stored.
  auto other = Headers(params_.genesis_id, 0, params_.genesis_time, 1600, 0, 6);
  HeadersResult again = cs_->AcceptPeerHeaders(2, chain);
  ASSERT_TRUE(again.redownload);
  r = cs_->AcceptPeerHeaders(2, {other.begin(), other.begin() + 1000});
  EXPECT_EQ(r.result.reason(), "presync-mismatch");
  EXPECT_FALSE(Known(other[0]));

  // The same chain: stored checkpoint by checkpoint, then the rest as usual.
  r = cs_->AcceptPeerHeaders(1, {chain.begin(), chain.begin() + 1000});
  ASSERT_TRUE(r.result.valid()) << r.result.ToString();
  EXPECT_TRUE(Known(chain[999]));
  ASSERT_TRUE(r.resume.has_value());
  EXPECT_EQ(*r.resume, chain[999].Id());
  r = cs_->AcceptPeerHeaders(1, {chain.begin() + 1000, chain.end()});
  ASSERT_TRUE(r.result.valid()) << r.result.ToString();
  EXPECT_EQ(r.accepted, 600u);
  EXPECT_FALSE(r.resume.has_value());
  EXPECT_EQ(cs_->BestHeader().id, chain.back().Id());
  EXPECT_EQ(cs_->BestHeader().height, 1600u);
}

TEST(PresyncBudgetTest, ScalesWithTheWorkNeeded) {
  EXPECT_EQ(PresyncBudget(100, 0, 10), kPresyncMinBudget);
  EXPECT_EQ(PresyncBudget(chain::ArithU256(1'000'000) * 10, 0, 10),
            kPresyncBudgetFactor * 1'000'001);
  EXPECT_EQ(PresyncBudget(5, 10, 1), kPresyncMinBudget);  // already above
}

}  // namespace
}  // namespace waybill::consensus
