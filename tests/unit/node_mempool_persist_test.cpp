// mempool.dat (docs/PROTOCOL.md §11.2): the codec round-trips, and every kind of damage is a
// Corruption or Invalid status, never a crash or a partial load.
#include "node/mempool/mempool_persist.h"

#include <gtest/gtest.h>

#include "tests/unit/consensus_test_util.h"
#include "tests/unit/node_test_util.h"

namespace waybill::node {
namespace {

using consensus::testing::TxFactory;

class MempoolFileTest : public ::testing::Test {
 protected:
  std::vector<chain::Transaction> Txs() {
    std::vector<chain::Transaction> txs;
    for (uint64_t n = 0; n < 5; ++n) {
      txs.push_back(factory_.Make(0, n, chain::TransferOp{factory_.Id(1), static_cast<chain::Amount>(10 + n)}));
    }
    chain::AssetIssueOp issue;
    issue.quantity = 7;
    issue.unit = "kg";
    txs.push_back(factory_.Make(2, 0, issue));
    return txs;
  }
  consensus::ChainParams params_ = testing::RegtestParams();
  TxFactory factory_{params_};
  chain::Hash256 chain_id_ = params_.chain_id();
};

TEST_F(MempoolFileTest, RoundTrip) {
  const auto txs = Txs();
  chain::Bytes file = EncodeMempoolFile(chain_id_, txs);
  auto decoded = DecodeMempoolFile(chain_id_, file);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), txs.size());
  for (size_t i = 0; i < txs.size(); ++i) EXPECT_EQ((*decoded)[i].Id(), txs[i].Id());
  auto empty = DecodeMempoolFile(chain_id_, EncodeMempoolFile(chain_id_, {}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(MempoolFileTest, EveryFlippedByteAndEveryTruncationIsRefused) {
  const chain::Bytes file = EncodeMempoolFile(chain_id_, Txs());
  for (size_t i = 0; i < file.size(); ++i) {
    chain::Bytes damaged = file;
    damaged[i] ^= 0x01;
    auto r = DecodeMempoolFile(chain_id_, damaged);
    ASSERT_FALSE(r.ok()) << "byte " << i;
    EXPECT_EQ(r.status().code(), chain::Status::Code::kCorruption) << "byte " << i;
  }
  for (size_t n = 0; n < file.size(); ++n) {
    auto r = DecodeMempoolFile(chain_id_, chain::ByteSpan(file.data(), n));
    ASSERT_FALSE(r.ok()) << "length " << n;
  }
}

TEST_F(MempoolFileTest, AnotherChainsFileIsInvalid) {
  chain::Hash256 other = chain_id_;
  other.bytes[0] ^= 1;
  auto r = DecodeMempoolFile(other, EncodeMempoolFile(chain_id_, Txs()));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalid());
}

}  // namespace
}  // namespace waybill::node
