// The mempool over a fake chain view: node/mempool/ alone, linked without the chainstate
// (tests/CMakeLists.txt). The fake holds accounts in memory and says which txs are confirmed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <utility>
#include <vector>

#include "chain/state.h"
#include "chain/store.h"
#include "node/mempool/chain_view.h"
#include "node/mempool/mempool.h"
#include "node/params/genesis.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using consensus::testing::TxFactory;

using consensus::testing::Regtest;

class FakeChain : public consensus::testing::MemoryTipView<mempool::ChainView> {
 public:
  using MemoryTipView::MemoryTipView;
  // A new tip (its state set with SetAccount), as a block would make it.
  consensus::TipChange NewTip() {
    tip_.id.bytes[0] ^= 1;
    tip_.height += 1;
    return consensus::TipChange{tip_, {}, {tip_.id}, {}};
  }
  chain::Result<bool> IsConfirmed(const Hash256& txid) const override {
    ++index_reads;
    if (index_fails) return chain::Status::IoError("the tx index cannot be read");
    return confirmed.count(txid) != 0;
  }

  std::set<Hash256> confirmed;
  bool index_fails = false;
  mutable int index_reads = 0;
};

class MempoolAloneTest : public ::testing::Test {
 protected:
  MempoolAloneTest() {
    for (int key = 0; key < consensus::testing::kKeys; ++key) {
      chain_.SetAccount(factory_.Id(key), 1'000 * chain::kCoin, 0);
    }
  }
  chain::Transaction Pay(int from, uint64_t nonce, int to) const {
    return factory_.Make(from, nonce, chain::TransferOp{factory_.Id(to), chain::kCoin});
  }

  FakeChain chain_{Regtest()};
  TxFactory factory_{chain_.params()};
  Mempool pool_{&chain_, MempoolOptions{}};
};

TEST_F(MempoolAloneTest, RefusesATxWhoseNonceIsTaken) {
  chain_.SetAccount(factory_.Id(0), 1'000 * chain::kCoin, /*nonce=*/3);
  const consensus::ValidationResult taken = pool_.Accept(Pay(0, 2, 1));
  EXPECT_TRUE(taken.invalid());
  EXPECT_EQ(taken.reason(), "nonce-reused");
  EXPECT_EQ(pool_.Accept(Pay(0, 5, 1)).reason(), "nonce-gap");
  // The account's next nonce, then the one after it (on the pool's own tx).
  const chain::Transaction next = Pay(0, 3, 1);
  ASSERT_TRUE(pool_.Accept(next).valid());
  ASSERT_TRUE(pool_.Accept(Pay(0, 4, 1)).valid());
  // Nonce 3 is now taken by a pending tx: another tx with it is refused.
  const consensus::ValidationResult twice = pool_.Accept(Pay(0, 3, 2));
  EXPECT_TRUE(twice.invalid());
  EXPECT_EQ(twice.reason(), "nonce-reused");
  EXPECT_EQ(pool_.Info().size, 2u);
  EXPECT_EQ(pool_.BySender(factory_.Id(0)).front().tx, next);
}

TEST_F(MempoolAloneTest, RefusesAConfirmedTxAndReportsALocalFaultAsAnError) {
  const chain::Transaction tx = Pay(1, 0, 2);
  chain_.confirmed.insert(chain::MakeTxWithId(tx).id);
  EXPECT_EQ(pool_.Accept(tx).reason(), "txn-already-known");
  chain_.confirmed.clear();
  chain_.index_fails = true;
  EXPECT_TRUE(pool_.Accept(tx).error());
  chain_.index_fails = false;
  EXPECT_TRUE(pool_.Accept(tx).valid());
  EXPECT_EQ(pool_.Accept(tx).reason(), "txn-already-in-mempool");
}

// The tx index is read only for a tx whose nonce the pool's view does not show free: a
// confirmed tx is still known (and costs no signature check), the others are unchanged.
TEST_F(MempoolAloneTest, ReadsTheTxIndexOnlyWhenTheNonceMayBeTaken) {
  chain_.SetAccount(factory_.Id(3), 1'000 * chain::kCoin, /*nonce=*/2);
  const chain::Transaction confirmed = Pay(3, 1, 4);
  chain_.confirmed.insert(chain::MakeTxWithId(confirmed).id);
  // No pending tx of key 3: the index is read.
  ASSERT_TRUE(pool_.Accept(Pay(3, 2, 4)).valid());
  EXPECT_EQ(chain_.index_reads, 1);
  // Its account in the pool's view has nonce 3 now: nonces 3 and up need no read.
  ASSERT_TRUE(pool_.Accept(Pay(3, 3, 4)).valid());
  EXPECT_EQ(pool_.Accept(Pay(3, 6, 4)).reason(), "nonce-gap");
  EXPECT_EQ(chain_.index_reads, 1);
  // Below it: the confirmed tx is known, without a signature check; another is reused.
  const uint64_t verifications = pool_.SignatureVerifications();
  EXPECT_EQ(pool_.Accept(confirmed).reason(), "txn-already-known");
  EXPECT_EQ(pool_.SignatureVerifications(), verifications);
  EXPECT_EQ(pool_.Accept(Pay(3, 2, 5)).reason(), "nonce-reused");
  EXPECT_EQ(chain_.index_reads, 3);
  // A fault reading the index is still reported for a tx that needs the read.
  chain_.index_fails = true;
  EXPECT_TRUE(pool_.Accept(Pay(3, 0, 5)).error());
  EXPECT_TRUE(pool_.Accept(Pay(3, 4, 5)).valid());  // needs none
}

TEST_F(MempoolAloneTest, DropsTxsWhoseNonceANewTipTook) {
  ASSERT_TRUE(pool_.Accept(Pay(2, 0, 1)).valid());
  ASSERT_TRUE(pool_.Accept(Pay(2, 1, 1)).valid());
  const chain::Transaction last = Pay(2, 2, 1);
  ASSERT_TRUE(pool_.Accept(last).valid());
  const uint64_t version = pool_.Version();
  // A block confirmed key 2's first two txs (elsewhere, so their ids are new to the pool).
  chain_.SetAccount(factory_.Id(2), 900 * chain::kCoin, /*nonce=*/2);
  pool_.OnTipChanged(chain_.NewTip());
  ASSERT_EQ(pool_.Info().size, 1u);
  EXPECT_EQ(pool_.BySender(factory_.Id(2)).front().tx, last);
  EXPECT_EQ(pool_.AsideCount(), 0u);  // a taken nonce never applies again: not kept aside
  EXPECT_NE(pool_.Version(), version);
}

}  // namespace
}  // namespace waybill::node
