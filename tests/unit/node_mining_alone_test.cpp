// Block assembly and GenerateBlocks over a fake chain view and a fake TxSource: node/mining/
// alone, linked without the mempool or the chainstate (tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <cstdlib>
#include <utility>
#include <vector>

#include "chain/merkle.h"
#include "chain/state.h"
#include "chain/store.h"
#include "consensus/pow.h"
#include "contracts/bytecode.h"
#include "node/mining/chain_view.h"
#include "node/mining/miner.h"
#include "node/mining/tx_source.h"
#include "node/params/genesis.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using chain::TxWithId;
using consensus::testing::TxFactory;

using consensus::testing::Regtest;

// The chain at genesis: accounts in memory, every solved block accepted as the new tip.
class FakeChain : public consensus::testing::MemoryTipView<mining::ChainView> {
 public:
  using MemoryTipView::MemoryTipView;
  consensus::NextBlockRules NextRules() const override {
    return {tip_.id, tip_.height + 1, params_.genesis_bits, tip_.header.time + 1,
            int64_t{tip_.header.time} + params_.max_future_block_time};
  }
  Hash256 TipId() const override { return tip_.id; }
  consensus::ValidationResult ProcessBlock(const chain::DecodedBlock& block,
                                           consensus::BlockOutcome* outcome) override {
    if (refuse_blocks) {
      return consensus::ValidationResult::Invalid(consensus::Reason::kHighHash,
                                                  "refused by the test");
    }
    blocks.push_back(block);
    tip_.id = block.block.header.Id();
    tip_.height += 1;
    tip_.header = block.block.header;
    *outcome = consensus::BlockOutcome::kNewTip;
    return consensus::ValidationResult::Valid();
  }

  std::vector<chain::DecodedBlock> blocks;  // processed, in order
  bool refuse_blocks = false;
};

class FakeTxSource : public mining::TxSource {
 public:
  std::vector<TxWithId> Candidates(size_t max_txs) const override {
    asked = max_txs;
    std::vector<TxWithId> out(txs.begin(), txs.begin() + std::min(max_txs, txs.size()));
    return out;
  }
  uint64_t Version() const override { return 1; }

  std::vector<TxWithId> txs;
  mutable size_t asked = 0;
};

class AssemblerTest : public ::testing::Test {
 protected:
  AssemblerTest() {
    for (int key = 0; key < consensus::testing::kKeys; ++key) {
      chain_.SetAccount(factory_.Id(key), 1'000 * chain::kCoin);
    }
  }
  TxWithId Pay(int from, uint64_t nonce, int to, chain::Amount fee = 2000) const {
    return factory_.MakeWithId(from, nonce, chain::TransferOp{factory_.Id(to), chain::kCoin}, fee);
  }
  static std::vector<Hash256> Ids(const std::vector<TxWithId>& txs) {
    std::vector<Hash256> ids;
    for (const TxWithId& t : txs) ids.push_back(t.id);
    return ids;
  }
  const chain::AccountId& Miner() const { return factory_.Id(5); }
  int64_t Now() const { return chain_.NextRules().min_time + 10; }

  FakeChain chain_{Regtest()};
  TxFactory factory_{chain_.params()};
  FakeTxSource source_;
};

TEST_F(AssemblerTest, KeepsTheSourcesOrder) {
  // Not sorted by fee, sender or id: the template follows the source, whatever its order.
  source_.txs = {Pay(3, 0, 1, 2000), Pay(0, 0, 1, 9000), Pay(3, 1, 2, 2500), Pay(1, 0, 4, 2100)};
  const BlockTemplate t = BuildTemplate(chain_, source_, Miner(), Now());
  EXPECT_EQ(t.txids, Ids(source_.txs));
  ASSERT_EQ(t.block.txs.size(), source_.txs.size());
  for (size_t i = 0; i < t.block.txs.size(); ++i) EXPECT_EQ(t.block.txs[i], source_.txs[i].tx);
  EXPECT_EQ(t.fees, 2000 + 9000 + 2500 + 2100);
  EXPECT_EQ(t.height, 1u);
  EXPECT_EQ(t.reward, chain_.params().RewardAt(1));
  EXPECT_EQ(t.block.header.prev, chain_.params().genesis_id);
  EXPECT_EQ(t.block.header.miner, Miner());
  EXPECT_EQ(t.block.header.merkle_root, chain::BlockMerkleRoot(t.txids));
}

TEST_F(AssemblerTest, RetriesATxThatCameBeforeTheTxItNeeds) {
  // Key 4 has nothing until key 0 pays it; its tx comes first in the source.
  chain_.SetAccount(factory_.Id(4), 0);
  const TxWithId spend = Pay(4, 0, 1);
  const TxWithId fund =
      factory_.MakeWithId(0, 0, chain::TransferOp{factory_.Id(4), 10 * chain::kCoin});
  source_.txs = {spend, fund};
  const BlockTemplate t = BuildTemplate(chain_, source_, Miner(), Now());
  EXPECT_EQ(t.txids, (std::vector<Hash256>{fund.id, spend.id}));
}

TEST_F(AssemblerTest, LeavesOutATxWhoseNonceIsTakenAndTheSendersLaterTxs) {
  chain_.SetAccount(factory_.Id(2), 1'000 * chain::kCoin, /*nonce=*/1);
  source_.txs = {Pay(2, 0, 1), Pay(0, 0, 1), Pay(2, 2, 1)};
  const BlockTemplate t = BuildTemplate(chain_, source_, Miner(), Now());
  EXPECT_EQ(t.txids, (std::vector<Hash256>{source_.txs[1].id}));
}

TEST_F(AssemblerTest, StopsAtTheTxCountLimit) {
  // A deliberate variation of regtest: a block of at most 3 txs, so that a handful of txs
  // crosses the limit.
  consensus::ChainParams params = Regtest();
  params.max_block_txs = 3;
  FakeChain small(params);
  for (int key = 0; key < consensus::testing::kKeys; ++key) {
    small.SetAccount(factory_.Id(key), 1'000 * chain::kCoin);
  }
  for (int key = 0; key < 5; ++key) source_.txs.push_back(Pay(key, 0, 5));
  const BlockTemplate t = BuildTemplate(small, source_, Miner(), Now());
  EXPECT_EQ(source_.asked, 3u);  // asks the source for no more than fit
  EXPECT_EQ(t.txids, Ids({source_.txs.begin(), source_.txs.begin() + 3}));
  // The same from a longer list handed over directly.
  const BlockTemplate from = BuildTemplateFrom(small, source_.txs, Miner(), Now());
  EXPECT_EQ(from.txids, t.txids);
}

TEST_F(AssemblerTest, KeepsTheBlockGasWithinTheLimit) {
  // A deliberate variation of regtest: room for two contract txs of the most gas in a block.
  consensus::ChainParams params = Regtest();
  params.max_tx_gas = 200'000;  // at least the base intrinsic gas a contract tx must name
  params.max_block_gas = 500'000;
  FakeChain small(params);
  for (int key = 0; key < consensus::testing::kKeys; ++key) {
    small.SetAccount(factory_.Id(key), 1'000 * chain::kCoin);
  }
  // Deploys of code whose `init` stops at once, each reserving max_tx_gas.
  contracts::Program program;
  program.entries = {{"init", 0}};
  program.code = {0x00};
  const chain::ContractDeployOp deploy{contracts::EncodeProgram(program), {}, 200'000};
  for (int key = 0; key < 3; ++key) {
    source_.txs.push_back(
        factory_.MakeWithId(key, 0, deploy, 200'000 * params.gas_price + 2000));
  }
  source_.txs.push_back(Pay(3, 0, 1));
  const BlockTemplate t = BuildTemplate(small, source_, Miner(), Now());
  EXPECT_EQ(t.txids, (std::vector<Hash256>{source_.txs[0].id, source_.txs[1].id,
                                           source_.txs[3].id}));
}

TEST_F(AssemblerTest, GenerateBlocksHandsSolvedBlocksToTheChain) {
  source_.txs = {Pay(0, 0, 1), Pay(1, 0, 2)};
  NodeClock clock;
  clock.SetMockTime(Now());
  auto ids = GenerateBlocks(&chain_, &source_, clock, Miner(), 2, 1'000'000);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 2u);
  ASSERT_EQ(chain_.blocks.size(), 2u);
  const chain::DecodedBlock& first = chain_.blocks[0];
  EXPECT_EQ(first.block.header.Id(), (*ids)[0]);
  EXPECT_EQ(first.txids, Ids(source_.txs));
  EXPECT_EQ(first.size, first.block.Serialize().size());
  EXPECT_TRUE(consensus::CheckProofOfWork(first.block.header.Id(), first.block.header.bits,
                                          chain_.params().pow_limit));
  EXPECT_EQ(chain_.blocks[1].block.header.prev, (*ids)[0]);

  chain_.refuse_blocks = true;
  auto refused = GenerateBlocks(&chain_, nullptr, clock, Miner(), 1, 1'000'000);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().reason().find("refused by the test"), std::string::npos);
}

}  // namespace
}  // namespace waybill::node
