// What the Chainstate reports about tip changes besides the new tip: the blocks that left the
// chain (TipChange::disconnected_blocks, newest first), a callback per connected block with the
// time it took (ChainstateOptions::on_block_connected), and the counters of Stats().
#include <gtest/gtest.h>

#include <vector>

#include "consensus/chainstate.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Hash256;

constexpr int kBob = 1;
constexpr int kMiner = testing::kFundedKeys;

class RecordingListener : public ChainstateListener {
 public:
  void OnTipChanged(const TipChange& change) override { changes.push_back(change); }
  std::vector<TipChange> changes;
};

class TipChangeTest : public ::testing::Test {
 protected:
  TipChangeTest() : params_(testing::MakeParams()), f_(params_) {}
  void SetUp() override {
    dir_ = testing::FreshTempDir("waybill_tip_change_test");
    ChainstateOptions options;
    options.clock = [] { return int64_t{1'800'000'000}; };
    options.verify_threads = 1;
    options.listener = &listener_;
    options.on_block_connected = [this](double seconds) { connect_seconds_.push_back(seconds); };
    auto cs = Chainstate::Open(dir_.string(), params_, std::move(options));
    ASSERT_TRUE(cs.ok()) << cs.status().ToString();
    cs_ = std::move(*cs);
  }
  void TearDown() override {
    cs_.reset();
    std::filesystem::remove_all(dir_);
  }
  chain::Block Child(const chain::Block* parent, uint32_t parent_height, int miner) {
    const Hash256 id = parent ? parent->header.Id() : params_.genesis_id;
    return testing::MakeBlock(params_, id, parent_height, {}, f_.Id(miner));
  }
  void Process(const chain::Block& block) {
    BlockOutcome outcome;
    ValidationResult r = cs_->ProcessBlockBytes(block.Serialize(), &outcome);
    ASSERT_TRUE(r.valid()) << r.ToString();
  }

  const ChainParams params_;
  const testing::TxFactory f_;
  std::filesystem::path dir_;
  RecordingListener listener_;
  std::vector<double> connect_seconds_;
  std::unique_ptr<Chainstate> cs_;
};

TEST_F(TipChangeTest, AReorgListsTheBlocksThatLeftNewestFirstAndIsCounted) {
  const chain::Block a1 = Child(nullptr, 0, kMiner);
  const chain::Block a2 = Child(&a1, 1, kMiner);
  Process(a1);
  Process(a2);
  EXPECT_EQ(cs_->Stats().blocks_connected, 2u);
  EXPECT_EQ(cs_->Stats().reorgs, 0u);
  ASSERT_EQ(connect_seconds_.size(), 2u);
  for (double s : connect_seconds_) EXPECT_GE(s, 0.0);
  ASSERT_EQ(listener_.changes.size(), 2u);
  EXPECT_TRUE(listener_.changes[1].disconnected_blocks.empty());

  // A branch from genesis with more work: a1 and a2 leave, b1..b3 connect.
  const chain::Block b1 = Child(nullptr, 0, kBob);
  const chain::Block b2 = Child(&b1, 1, kBob);
  const chain::Block b3 = Child(&b2, 2, kBob);
  listener_.changes.clear();
  Process(b1);
  Process(b2);
  EXPECT_TRUE(listener_.changes.empty());  // less or equal work: stored only
  Process(b3);
  ASSERT_EQ(listener_.changes.size(), 1u);
  const TipChange& change = listener_.changes[0];
  EXPECT_EQ(change.disconnected_blocks, (std::vector<Hash256>{a2.header.Id(), a1.header.Id()}));
  EXPECT_EQ(change.connected_blocks,
            (std::vector<Hash256>{b1.header.Id(), b2.header.Id(), b3.header.Id()}));
  EXPECT_EQ(change.tip.id, b3.header.Id());
  EXPECT_EQ(cs_->Stats().blocks_connected, 5u);
  EXPECT_EQ(cs_->Stats().reorgs, 1u);
  EXPECT_EQ(connect_seconds_.size(), 5u);

  // invalidateblock moves the tip back: a tip change that disconnects blocks, so a reorg.
  listener_.changes.clear();
  ASSERT_TRUE(cs_->InvalidateBlock(b3.header.Id()).valid());
  ASSERT_FALSE(listener_.changes.empty());
  EXPECT_EQ(listener_.changes[0].disconnected_blocks, std::vector<Hash256>{b3.header.Id()});
  EXPECT_EQ(cs_->Stats().reorgs, 2u);
}

}  // namespace
}  // namespace waybill::consensus
