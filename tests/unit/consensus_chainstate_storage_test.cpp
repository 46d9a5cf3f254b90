// The chainstate's storage faults: a failed write is reported once as fatal and nothing is
// written after it; the startup check refuses a damaged block; --reindex rebuilds the state
// from the stored blocks, and stops the chain where a block is lost.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "chain/merkle.h"
#include "consensus/chainstate.h"
#include "consensus/pow.h"
#include "tests/unit/consensus_test_util.h"
#include "tests/unit/fault_env.h"

namespace waybill::consensus {
namespace {

using chain::Block;
using chain::Hash256;
using chain::Status;
using testing::TxFactory;

class ChainstateStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    params_ = testing::MakeParams();
    dir_ = testing::FreshTempDir("waybill_chainstate_storage_test");
  }
  void TearDown() override {
    cs_.reset();
    std::filesystem::remove_all(dir_);
  }

  ChainstateOptions Options() {
    ChainstateOptions options;
    options.clock = [this] { return now_; };
    options.verify_threads = 1;
    options.on_fatal_error = [this](const Status& s) { fatal_.push_back(s); };
    return options;
  }
  chain::Result<std::unique_ptr<Chainstate>> TryOpen(ChainstateOptions options) {
    cs_.reset();
    return Chainstate::Open(dir_.string(), params_, std::move(options));
  }
  void Open(ChainstateOptions options) {
    auto cs = TryOpen(std::move(options));
    ASSERT_TRUE(cs.ok()) << cs.status().ToString();
    cs_ = std::move(*cs);
  }

  Block MakeBlock(const Hash256& parent, uint32_t parent_height,
                  std::vector<chain::Transaction> txs) {
    return testing::MakeBlock(params_, parent, parent_height, std::move(txs), factory_.Id(5));
  }
  ValidationResult Submit(const Block& block) {
    BlockOutcome ignored;
    return cs_->ProcessBlockBytes(block.Serialize(), &ignored);
  }
  // Mines `count` blocks on the tip, each with a transfer and an asset issue.
  std::vector<Block> Extend(int count) {
    std::vector<Block> out;
    for (int i = 0; i < count; ++i) {
      const auto tip = cs_->Tip();
      const uint64_t nonce = cs_->GetAccount(factory_.Id(0))->nonce;
      chain::AssetIssueOp issue;
      issue.quantity = 100 + tip.height;
      issue.unit = "kg";
      Block b = MakeBlock(tip.id, tip.height,
                          {factory_.Make(0, nonce, chain::TransferOp{factory_.Id(1), 7}),
                           factory_.Make(0, nonce + 1, issue)});
      EXPECT_TRUE(Submit(b).valid());
      out.push_back(std::move(b));
    }
    return out;
  }
  // Opens the chainstate over env (so a test can make its writes fail) and mines 2 blocks.
  void OpenOnFaultEnvAndExtend(waybill::testing::FaultEnv* env) {
    ChainstateOptions options = Options();
    options.store.env = env;
    Open(options);
    Extend(2);
  }
  // Overwrites stored records directly (the chainstate closed).
  void Tamper(const std::function<void(chain::StoreBatch*)>& fn) {
    cs_.reset();
    auto store = chain::Store::Open(dir_.string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    chain::StoreBatch batch;
    fn(&batch);
    ASSERT_TRUE((*store)->Write(batch).ok());
  }

  ChainParams params_;
  TxFactory factory_{testing::MakeParams()};
  std::filesystem::path dir_;
  int64_t now_ = 1'800'000'000;
  std::vector<Status> fatal_;
  std::unique_ptr<Chainstate> cs_;
};

TEST_F(ChainstateStorageTest, FailedWriteIsFatalOnceAndSticks) {
  waybill::testing::FaultEnv env;
  OpenOnFaultEnvAndExtend(&env);
  const auto tip = cs_->Tip();

  env.FailWrites(true);
  Block b3 = MakeBlock(tip.id, tip.height, {});
  ValidationResult r = Submit(b3);
  EXPECT_TRUE(r.error()) << r.ToString();
  ASSERT_EQ(fatal_.size(), 1u);
  EXPECT_TRUE(fatal_[0].IsLocalError());

  env.FailWrites(false);  // space is back: the chainstate still writes nothing
  r = Submit(b3);
  EXPECT_TRUE(r.error()) << r.ToString();
  EXPECT_EQ(cs_->Tip().id, tip.id);
  Block other = MakeBlock(tip.id, tip.height, {factory_.Make(1, 0, chain::TransferOp{factory_.Id(2), 1})});
  EXPECT_TRUE(Submit(other).error());
  EXPECT_EQ(fatal_.size(), 1u) << "reported once";

  Open(Options());
  EXPECT_EQ(cs_->Tip().id, tip.id);
  ASSERT_TRUE(Submit(b3).valid());
  EXPECT_EQ(cs_->Tip().height, 3u);
}

TEST_F(ChainstateStorageTest, FailedInvalidationMarkIsFatal) {
  waybill::testing::FaultEnv env;
  OpenOnFaultEnvAndExtend(&env);
  // A stored block off the active chain: invalidating it only writes its failure mark, which
  // the chainstate ignored before.
  Block side = MakeBlock(params_.genesis_id, 0,
                         {factory_.Make(2, 0, chain::TransferOp{factory_.Id(3), 5})});
  ASSERT_TRUE(Submit(side).valid());
  env.FailWrites(true);
  (void)cs_->InvalidateBlock(side.header.Id());
  ASSERT_EQ(fatal_.size(), 1u);
  EXPECT_TRUE(fatal_[0].IsLocalError());
  cs_.reset();  // the database uses env until it is closed
}

TEST_F(ChainstateStorageTest, StartupCheckRefusesADamagedBlock) {
  Open(Options());
  std::vector<Block> blocks = Extend(5);
  const Hash256 damaged = blocks[3].header.Id();  // height 4
  Tamper([&](chain::StoreBatch* batch) {
    chain::Bytes raw = blocks[3].Serialize();
    raw[raw.size() - 5] ^= 0x01;  // a byte of a tx: the Merkle root no longer matches
    batch->Put(chain::keys::Block(damaged), raw);
  });
  auto cs = TryOpen(Options());
  ASSERT_FALSE(cs.ok()) << "started on a damaged block";
  EXPECT_EQ(cs.status().code(), Status::Code::kCorruption);
  EXPECT_NE(cs.status().reason().find("block 4"), std::string::npos) << cs.status().reason();

  ChainstateOptions shallow = Options();
  shallow.check_blocks = 1;  // only the tip: the damage is not reached
  EXPECT_TRUE(TryOpen(shallow).ok());
}

TEST_F(ChainstateStorageTest, StartupCheckRefusesDamagedUndoData) {
  Open(Options());
  std::vector<Block> blocks = Extend(3);
  Tamper([&](chain::StoreBatch* batch) {
    const uint8_t junk[] = {0xff, 0xff, 0xff};
    batch->Put(chain::keys::Undo(blocks[2].header.Id()), chain::ByteSpan(junk, sizeof(junk)));
  });
  auto cs = TryOpen(Options());
  ASSERT_FALSE(cs.ok());
  EXPECT_NE(cs.status().reason().find("undo data of block 3"), std::string::npos)
      << cs.status().reason();
}

TEST_F(ChainstateStorageTest, ReindexRebuildsTheSameState) {
  Open(Options());
  Extend(6);
  const auto tip = cs_->Tip();
  const chain::Account a0 = *cs_->GetAccount(factory_.Id(0));
  const chain::Account a1 = *cs_->GetAccount(factory_.Id(1));
  const chain::Account miner = *cs_->GetAccount(factory_.Id(5));
  // Damage derived records: a forged balance, a lost undo record, a lost tip pointer.
  Tamper([&](chain::StoreBatch* batch) {
    batch->Put(chain::keys::Account(factory_.Id(1)), chain::EncodeAccount({999, 0}));
    batch->Delete(chain::keys::Undo(tip.id));
    batch->Delete(chain::keys::Meta("tip"));
  });
  EXPECT_FALSE(TryOpen(Options()).ok());

  ChainstateOptions reindex = Options();
  reindex.reindex = true;
  Open(reindex);
  EXPECT_EQ(cs_->Tip().id, tip.id);
  EXPECT_EQ(*cs_->GetAccount(factory_.Id(0)), a0);
  EXPECT_EQ(*cs_->GetAccount(factory_.Id(1)), a1);
  EXPECT_EQ(*cs_->GetAccount(factory_.Id(5)), miner);
  auto report = cs_->VerifyChain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty()) << report->problems.front();
  EXPECT_EQ(report->blocks_checked, tip.height);

  Open(Options());  // and it starts normally afterwards
  EXPECT_EQ(cs_->Tip().id, tip.id);
  EXPECT_TRUE(fatal_.empty());
}

// getstateinfo's digest: it covers every state record (a forged balance changes it), it is the
// same for the same blocks however they arrived (here: another database fed the same blocks,
// and a reindex), and it counts what is there.
TEST_F(ChainstateStorageTest, StateDigestCoversTheStateAndDependsOnlyOnTheBlocks) {
  Open(Options());
  auto empty = cs_->DigestState();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->assets, 0u);
  EXPECT_EQ(empty->txs, 0u);
  const std::vector<Block> blocks = Extend(3);
  auto mined = cs_->DigestState();
  ASSERT_TRUE(mined.ok());
  EXPECT_EQ(mined->height, 3u);
  EXPECT_EQ(mined->tip, cs_->Tip().id);
  EXPECT_EQ(mined->assets, 3u);
  EXPECT_EQ(mined->events, 3u);  // each asset's issue event
  EXPECT_EQ(mined->txs, 6u);
  EXPECT_NE(mined->hash, empty->hash);

  {  // Another database fed the same blocks.
    const auto other_dir = dir_.string() + "_other";
    std::filesystem::remove_all(other_dir);
    auto other = Chainstate::Open(other_dir, params_, Options());
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    for (const Block& b : blocks) {
      BlockOutcome ignored;
      ASSERT_TRUE((*other)->ProcessBlockBytes(b.Serialize(), &ignored).valid());
    }
    auto theirs = (*other)->DigestState();
    ASSERT_TRUE(theirs.ok());
    EXPECT_EQ(theirs->hash, mined->hash);
    EXPECT_EQ(theirs->accounts, mined->accounts);
    other->reset();
    std::filesystem::remove_all(other_dir);
  }

  Tamper([&](chain::StoreBatch* batch) {
    batch->Put(chain::keys::Account(factory_.Id(1)), chain::EncodeAccount({999, 0}));
  });
  Open(Options());
  auto forged = cs_->DigestState();
  ASSERT_TRUE(forged.ok());
  EXPECT_NE(forged->hash, mined->hash);
  EXPECT_EQ(forged->accounts, mined->accounts);

  ChainstateOptions reindex = Options();
  reindex.reindex = true;
  Open(reindex);
  auto rebuilt = cs_->DigestState();
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ(rebuilt->hash, mined->hash);
}

TEST_F(ChainstateStorageTest, ReindexStopsWhereABlockIsLostAndPeersFillTheGap) {
  Open(Options());
  std::vector<Block> blocks = Extend(5);
  const auto tip = cs_->Tip();
  Tamper([&](chain::StoreBatch* batch) {
    chain::Bytes raw = blocks[2].Serialize();
    raw.resize(raw.size() / 2);  // height 3 does not decode
    batch->Put(chain::keys::Block(blocks[2].header.Id()), raw);
  });
  ChainstateOptions reindex = Options();
  reindex.reindex = true;
  Open(reindex);
  EXPECT_EQ(cs_->Tip().height, 2u);
  EXPECT_EQ(cs_->Tip().id, blocks[1].header.Id());
  for (size_t i = 2; i < blocks.size(); ++i) {
    EXPECT_TRUE(Submit(blocks[i]).valid()) << i;  // a peer sends them again
  }
  EXPECT_EQ(cs_->Tip().id, tip.id);
  auto report = cs_->VerifyChain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty());
}

TEST_F(ChainstateStorageTest, InterruptedReindexRefusesToStart) {
  Open(Options());
  Extend(2);
  Tamper([&](chain::StoreBatch* batch) {
    batch->Put(chain::keys::Meta("reindexing"), chain::ByteSpan());
  });
  auto cs = TryOpen(Options());
  ASSERT_FALSE(cs.ok());
  EXPECT_NE(cs.status().reason().find("reindex was interrupted"), std::string::npos);
  ChainstateOptions reindex = Options();
  reindex.reindex = true;
  Open(reindex);
  EXPECT_EQ(cs_->Tip().height, 2u);
}

}  // namespace
}  // namespace waybill::consensus
