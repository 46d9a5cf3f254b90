#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chain/merkle.h"
#include "consensus/block_check.h"
#include "consensus/pow.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Block;
using chain::BlockHeader;
using chain::DecodedBlock;
using chain::Hash256;
using chain::Transaction;
using chain::TransferOp;
using testing::MakeParams;
using testing::TxFactory;

class BlockCheckTest : public ::testing::Test {
 protected:
  // n transfers spread over the funded keys, each with the sender's next nonce.
  std::vector<Transaction> Transfers(int n) const {
    std::vector<Transaction> txs;
    std::vector<uint64_t> nonces(testing::kFundedKeys, 0);
    for (int i = 0; i < n; ++i) {
      const int key = i % testing::kFundedKeys;
      txs.push_back(f_.Make(key, nonces[key]++, TransferOp{f_.Id(testing::kFundedKeys), 1}));
    }
    return txs;
  }

  Block MakeBlock(std::vector<Transaction> txs) const {
    Block block;
    block.header.prev = params_.genesis_id;
    block.header.miner = f_.Id(0);
    block.header.time = params_.genesis_time + 2;
    block.header.bits = params_.genesis_bits;
    block.txs = std::move(txs);
    std::vector<Hash256> ids;
    for (const auto& tx : block.txs) ids.push_back(tx.Id());
    block.header.merkle_root = chain::BlockMerkleRoot(ids);
    return block;
  }

  // Through the wire encoding, as a block from a peer arrives.
  static DecodedBlock Decode(const Block& block) {
    auto decoded = chain::DecodeBlock(block.Serialize());
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    return decoded.ok() ? *decoded : DecodedBlock{};
  }

  std::string Check(const Block& block, const ChainParams& params) const {
    ValidationResult r = CheckBlock(Decode(block), params);
    EXPECT_FALSE(r.error()) << r.ToString();
    return r.valid() ? "valid" : r.reason();
  }
  std::string Check(const Block& block) const { return Check(block, params_); }

  const ChainParams params_ = MakeParams();
  const TxFactory f_{params_};
};

TEST_F(BlockCheckTest, ValidBlocks) {
  EXPECT_EQ(Check(MakeBlock({})), "valid");
  EXPECT_EQ(Check(MakeBlock(Transfers(1))), "valid");
  EXPECT_EQ(Check(MakeBlock(Transfers(7))), "valid");
}

TEST_F(BlockCheckTest, BadMerkleRoot) {
  Block block = MakeBlock(Transfers(5));
  block.header.merkle_root.bytes[31] ^= 1;
  EXPECT_EQ(Check(block), "bad-merkle-root");
  // Reordering txs changes the root.
  block = MakeBlock(Transfers(5));
  std::swap(block.txs[1], block.txs[2]);
  EXPECT_EQ(Check(block), "bad-merkle-root");
  // So does dropping one.
  block = MakeBlock(Transfers(5));
  block.txs.pop_back();
  EXPECT_EQ(Check(block), "bad-merkle-root");
}

TEST_F(BlockCheckTest, DuplicateTx) {
  std::vector<Transaction> txs = Transfers(3);
  txs.push_back(txs[1]);
  ValidationResult r = CheckBlock(Decode(MakeBlock(txs)), params_);
  EXPECT_EQ(r.reason(), "duplicate-tx");
  EXPECT_NE(r.detail().find(txs[1].Id().ToHex()), std::string::npos);
}

TEST_F(BlockCheckTest, Oversize) {
  Block block = MakeBlock(Transfers(10));
  const size_t size = block.Serialize().size();
  ChainParams p = params_;
  p.max_block_size = size;
  EXPECT_EQ(Check(block, p), "valid");
  p.max_block_size = size - 1;
  EXPECT_EQ(Check(block, p), "bad-block-size");
}

TEST_F(BlockCheckTest, TooManyTxs) {
  Block block = MakeBlock(Transfers(3));
  ChainParams p = params_;
  p.max_block_txs = 3;
  EXPECT_EQ(Check(block, p), "valid");
  p.max_block_txs = 2;
  EXPECT_EQ(Check(block, p), "bad-block-txs");
}

TEST_F(BlockCheckTest, BadTxContentNamesTheTx) {
  std::vector<Transaction> txs = Transfers(3);
  chain::AssetIssueOp issue;
  issue.quantity = 1;
  issue.unit = "kg";
  issue.metadata = {{"Lot", "1"}};
  txs[2] = f_.Make(2, 0, issue);
  ValidationResult r = CheckBlock(Decode(MakeBlock(txs)), params_);
  EXPECT_EQ(r.reason(), "bad-metadata");
  EXPECT_EQ(r.detail().rfind("tx 2", 0), 0u) << r.detail();
}

TEST_F(BlockCheckTest, CheckBlockIgnoresSignatures) {
  std::vector<Transaction> txs = Transfers(3);
  txs[1].signature[5] ^= 1;
  EXPECT_EQ(Check(MakeBlock(txs)), "valid");
}

// With the unittest pow limit about half of all ids meet the target, so a few nonces find
// both a good and a bad header.
TEST_F(BlockCheckTest, HeaderVersionAndProofOfWork) {
  BlockHeader h = MakeBlock({}).header;
  while (!CheckProofOfWork(h.Id(), h.bits, params_.pow_limit)) ++h.nonce;
  ValidationResult r = CheckBlockHeader(h, h.Id(), params_);
  EXPECT_TRUE(r.valid()) << r.ToString();

  BlockHeader v2 = h;
  v2.version = 2;
  EXPECT_EQ(CheckBlockHeader(v2, v2.Id(), params_).reason(), "bad-version");
  v2.version = 0;
  EXPECT_EQ(CheckBlockHeader(v2, v2.Id(), params_).reason(), "bad-version");

  BlockHeader high = h;
  do {
    ++high.nonce;
  } while (CheckProofOfWork(high.Id(), high.bits, params_.pow_limit));
  EXPECT_EQ(CheckBlockHeader(high, high.Id(), params_).reason(), "high-hash");

  // A target easier than the pow limit is never enough, whatever the id.
  BlockHeader easy = h;
  easy.bits = 0x2100ffff;
  EXPECT_EQ(CheckBlockHeader(easy, Hash256{}, params_).reason(), "high-hash");
  // Nor is a target that does not decode.
  easy.bits = 0;
  EXPECT_EQ(CheckBlockHeader(easy, Hash256{}, params_).reason(), "high-hash");
}

TEST_F(BlockCheckTest, ContextualHeader) {
  BlockHeader h = MakeBlock({}).header;
  const int64_t mtp = 1'700'001'000;
  const int64_t now = 1'700'002'000;
  HeaderContext ctx{5, mtp, h.bits, now};
  auto check = [&](const BlockHeader& header) {
    ValidationResult r = ContextualCheckHeader(header, ctx, params_);
    EXPECT_FALSE(r.error());
    return r.valid() ? std::string("valid") : r.reason();
  };
  h.time = static_cast<uint32_t>(mtp + 1);
  EXPECT_EQ(check(h), "valid");
  h.time = static_cast<uint32_t>(now + params_.max_future_block_time);
  EXPECT_EQ(check(h), "valid");

  h.time = static_cast<uint32_t>(mtp);
  EXPECT_EQ(check(h), "time-too-old");
  h.time = static_cast<uint32_t>(mtp - 100);
  EXPECT_EQ(check(h), "time-too-old");
  h.time = static_cast<uint32_t>(now + params_.max_future_block_time + 1);
  EXPECT_EQ(check(h), "time-too-new");

  h.time = static_cast<uint32_t>(mtp + 1);
  ctx.expected_bits = 0x1f7fffff;
  EXPECT_EQ(check(h), "bad-diffbits");
  // The difficulty is checked before the time.
  h.time = static_cast<uint32_t>(mtp);
  EXPECT_EQ(check(h), "bad-diffbits");

  // No clock reading can wrap the future bound.
  ctx = HeaderContext{5, mtp, h.bits, INT64_MAX};
  h.time = UINT32_MAX;
  EXPECT_EQ(check(h), "valid");
}

class BlockSignatureTest : public BlockCheckTest {
 protected:
  void SetUp() override { block_ = MakeBlock(Transfers(100)); }
  Block block_;
};

TEST_F(BlockSignatureTest, AllGood) {
  for (size_t threads : {0, 1, 2, 3, 7, 100, 1000}) {
    ValidationResult r = CheckBlockSignatures(block_, threads);
    EXPECT_TRUE(r.valid()) << "threads " << threads << ": " << r.ToString();
  }
  EXPECT_TRUE(CheckBlockSignatures(MakeBlock({}), 4).valid());
}

TEST_F(BlockSignatureTest, OneBad) {
  block_.txs[57].signature[10] ^= 0x01;
  for (size_t threads : {1, 2}) {
    ValidationResult r = CheckBlockSignatures(block_, threads);
    EXPECT_EQ(r.reason(), "bad-signature") << "threads " << threads;
    EXPECT_EQ(r.detail(), "tx 57") << "threads " << threads;
  }
}

TEST_F(BlockSignatureTest, ReportsTheFirstBadOne) {
  // In different chunks for every thread count below, and at both ends of the block.
  for (size_t bad : {99, 80, 30, 0}) {
    block_.txs[bad].signature[40] ^= 0x80;
    for (size_t threads : {1, 2, 3, 4, 8, 100}) {
      ValidationResult r = CheckBlockSignatures(block_, threads);
      EXPECT_EQ(r.reason(), "bad-signature");
      EXPECT_EQ(r.detail(), "tx " + std::to_string(bad)) << "threads " << threads;
    }
  }
}

TEST_F(BlockSignatureTest, WrongSignerIsBad) {
  // A valid signature, but by another key than the sender.
  block_.txs[12].Sign(f_.Key(testing::kFundedKeys + 1));
  ValidationResult r = CheckBlockSignatures(block_, 2);
  EXPECT_EQ(r.reason(), "bad-signature");
  EXPECT_EQ(r.detail(), "tx 12");
}

TEST_F(BlockSignatureTest, SmallBlockWithManyThreads) {
  Block block = MakeBlock(Transfers(5));
  block.txs[3].signature[0] ^= 1;
  EXPECT_EQ(CheckBlockSignatures(block, 8).detail(), "tx 3");
}

}  // namespace
}  // namespace waybill::consensus
