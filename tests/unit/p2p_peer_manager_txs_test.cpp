// The peer logic of protocol 4's batched tx relay (`txs`, docs/PROTOCOL.md §12.5) against a
// fake transport and a fake node, and a protocol-3 peer beside it.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "tests/unit/p2p_peer_manager_test_util.h"

namespace waybill::p2p {
namespace {

using namespace testing_pm;  // NOLINT: the fixture of these tests
using chain::Hash256;
using testing::H;

TEST_F(PeerManagerTest, HandshakeAnnouncesProtocolFourAndAcceptsThree) {
  pm_->OnConnected(1, Addr(1), false);
  auto versions = transport_.Take<VersionMsg>(1);
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0].version, 4u);
  Connect(2, false, /*version=*/3);
  EXPECT_EQ(pm_->HandshakedPeers(), 1u);
  EXPECT_FALSE(transport_.disconnected.count(2));
  EXPECT_EQ(pm_->Peers()[1].version, 3u);
}

TEST_F(PeerManagerTest, VersionThreePeerGetsOneTxMessagePerTx) {
  Connect(1, false, /*version=*/3);
  chain::Transaction tx0 = Tx(0), tx1 = Tx(1);
  node_.mempool[tx0.Id()] = tx0;
  node_.mempool[tx1.Id()] = tx1;
  pm_->OnMessage(1, GetDataMsg{{InvItem{InvType::kTx, tx0.Id()}, InvItem{InvType::kTx, tx1.Id()}}});
  EXPECT_TRUE(transport_.Take<TxsMsg>(1).empty());
  auto txs = transport_.Take<TxMsg>(1);
  ASSERT_EQ(txs.size(), 2u);
  EXPECT_EQ(txs[0].tx, tx0);
  EXPECT_EQ(txs[1].tx, tx1);
}

TEST_F(PeerManagerTest, VersionFourPeerGetsTxsMessagesInTheOrderAskedFor) {
  Connect(1);
  chain::Transaction tx0 = Tx(0), tx1 = Tx(1), tx2 = Tx(2);
  for (const auto& tx : {tx0, tx1, tx2}) node_.mempool[tx.Id()] = tx;
  pm_->OnMessage(1, GetDataMsg{{InvItem{InvType::kTx, tx0.Id()}, InvItem{InvType::kTx, tx1.Id()},
                                InvItem{InvType::kTx, H(0x55)},
                                InvItem{InvType::kBlock, node_.genesis_id},
                                InvItem{InvType::kTx, tx2.Id()}}});
  EXPECT_TRUE(transport_.Take<TxMsg>(1).empty());
  // The txs before the block in one message, the block, the tx after it, then notfound.
  ASSERT_EQ(transport_.sent.size(), 4u);
  ASSERT_TRUE(std::holds_alternative<TxsMsg>(transport_.sent[0].msg));
  EXPECT_EQ(std::get<TxsMsg>(transport_.sent[0].msg).txs, (std::vector{tx0, tx1}));
  EXPECT_TRUE(std::holds_alternative<BlockMsg>(transport_.sent[1].msg));
  ASSERT_TRUE(std::holds_alternative<TxsMsg>(transport_.sent[2].msg));
  EXPECT_EQ(std::get<TxsMsg>(transport_.sent[2].msg).txs, std::vector{tx2});
  ASSERT_TRUE(std::holds_alternative<NotFoundMsg>(transport_.sent[3].msg));
  EXPECT_EQ(std::get<NotFoundMsg>(transport_.sent[3].msg).items[0].hash, H(0x55));
}

TEST_F(PeerManagerTest, ManyTxsAreSplitAtTheMessageBound) {
  Connect(1);
  GetDataMsg request;
  for (uint64_t n = 0; n < kMaxTxsPerMessage + 3; ++n) {
    chain::Transaction tx = Tx(n);
    node_.mempool[tx.Id()] = tx;
    request.items.push_back(InvItem{InvType::kTx, tx.Id()});
  }
  pm_->OnMessage(1, request);
  auto batches = transport_.Take<TxsMsg>(1);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].txs.size(), kMaxTxsPerMessage);
  EXPECT_EQ(batches[1].txs.size(), 3u);
  EXPECT_EQ(batches[1].txs[2].nonce, kMaxTxsPerMessage + 2);
}

TEST_F(PeerManagerTest, TxsMessageIsAcceptedInOneCallAndRelayed) {
  Connect(1);
  Connect(2, false, /*version=*/3);
  std::vector<chain::Transaction> txs = {Tx(0), Tx(1), Tx(2)};
  InvMsg inv;
  for (const auto& tx : txs) inv.items.push_back(InvItem{InvType::kTx, tx.Id()});
  pm_->OnMessage(1, inv);
  ASSERT_EQ(transport_.Take<GetDataMsg>(1).size(), 1u);
  pm_->OnMessage(1, TxsMsg{txs});
  EXPECT_EQ(node_.accept_txs_calls, 1);
  for (const auto& tx : txs) EXPECT_TRUE(node_.mempool.count(tx.Id()));
  EXPECT_EQ(pm_->Peers()[0].score, 0);
  Tick(200);
  auto invs = transport_.Take<InvMsg>(2);
  ASSERT_EQ(invs.size(), 1u);
  EXPECT_EQ(invs[0].items.size(), 3u);
  EXPECT_TRUE(transport_.Take<InvMsg>(1).empty());  // it sent them
}

TEST_F(PeerManagerTest, TxsMessageWithAnInvalidTxScoresItAndTakesTheOthers) {
  Connect(1);
  std::vector<chain::Transaction> txs = {Tx(0), Tx(1), Tx(2)};
  node_.tx_verdict = [](const chain::Transaction& tx) {
    return tx.nonce == 1 ? Verdict::Invalid(20, "bad-fee") : Verdict::Accepted();
  };
  InvMsg inv;
  for (const auto& tx : txs) inv.items.push_back(InvItem{InvType::kTx, tx.Id()});
  pm_->OnMessage(1, inv);
  ASSERT_EQ(transport_.Take<GetDataMsg>(1).size(), 1u);
  pm_->OnMessage(1, TxsMsg{txs});
  EXPECT_TRUE(node_.mempool.count(txs[0].Id()));
  EXPECT_FALSE(node_.mempool.count(txs[1].Id()));
  EXPECT_TRUE(node_.mempool.count(txs[2].Id()));
  EXPECT_EQ(pm_->Peers()[0].score, 20);  // as a tx message with the invalid tx would score
  EXPECT_FALSE(transport_.disconnected.count(1));
  // Not fetched again.
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, txs[1].Id()}}});
  EXPECT_TRUE(transport_.Take<GetDataMsg>(1).empty());
}

TEST_F(PeerManagerTest, TxsMessageWithABadSignatureBans) {
  Connect(1);
  std::vector<chain::Transaction> txs = {Tx(0), Tx(1)};
  node_.tx_verdict = [](const chain::Transaction& tx) {
    return tx.nonce == 1 ? Verdict::Invalid(100, "bad-signature") : Verdict::Accepted();
  };
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, txs[0].Id()}, InvItem{InvType::kTx, txs[1].Id()}}});
  pm_->OnMessage(1, TxsMsg{txs});
  EXPECT_TRUE(node_.mempool.count(txs[0].Id()));
  ASSERT_TRUE(transport_.disconnected.count(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kMisbehaved);
}

TEST_F(PeerManagerTest, UnsolicitedTxInATxsMessageIsScoredAndTheOthersTaken) {
  Connect(1);
  chain::Transaction asked = Tx(0), unasked = Tx(1), asked2 = Tx(2);
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, asked.Id()}, InvItem{InvType::kTx, asked2.Id()}}});
  pm_->OnMessage(1, TxsMsg{{asked, unasked, asked2}});
  EXPECT_TRUE(node_.mempool.count(asked.Id()));
  EXPECT_FALSE(node_.mempool.count(unasked.Id()));
  EXPECT_TRUE(node_.mempool.count(asked2.Id()));
  EXPECT_EQ(pm_->Peers()[0].score, 10);
}

TEST_F(PeerManagerTest, TxBeforeItsPredecessorInOneTxsMessageIsTakenAfterIt) {
  Connect(1);
  chain::Transaction tx0 = Tx(0), tx1 = Tx(1), tx2 = Tx(2);
  const std::vector<Hash256> ids = {tx0.Id(), tx1.Id(), tx2.Id()};
  node_.tx_verdict = [this, &ids](const chain::Transaction& tx) {
    if (tx.nonce > 0 && !node_.mempool.count(ids[tx.nonce - 1])) {
      return Verdict::Orphan("nonce-gap");
    }
    return Verdict::Accepted();
  };
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx2.Id()}, InvItem{InvType::kTx, tx1.Id()},
                            InvItem{InvType::kTx, tx0.Id()}}});
  pm_->OnMessage(1, TxsMsg{{tx2, tx1, tx0}});
  EXPECT_TRUE(node_.mempool.count(tx0.Id()));
  EXPECT_TRUE(node_.mempool.count(tx1.Id()));
  EXPECT_TRUE(node_.mempool.count(tx2.Id()));
  EXPECT_EQ(pm_->Peers()[0].score, 0);
}

TEST_F(PeerManagerTest, AFullBatchOfAnnouncementsLeavesWithoutWaiting) {
  Connect(1);
  Connect(2);
  const PeerManagerOptions defaults;
  const size_t batch = defaults.tx_announce_batch;
  InvMsg inv;
  for (uint64_t n = 0; n < batch + 50; ++n) {
    chain::Transaction tx = Tx(n);
    node_.mempool[tx.Id()] = tx;
    pm_->OnLocalTx(tx.Id());
    inv.items.push_back(InvItem{InvType::kTx, tx.Id()});
  }
  // A batch at once (PeerManagerOptions::tx_announce_batch), the other 50 at the next interval.
  for (PeerId id : {1, 2}) {
    auto first = transport_.Take<InvMsg>(id);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].items, std::vector(inv.items.begin(), inv.items.begin() + batch));
  }
  Tick(defaults.tx_announce_interval_ms + 1);
  for (PeerId id : {1, 2}) {
    auto rest = transport_.Take<InvMsg>(id);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].items.size(), 50u);
  }
}

// An inv of a tx this node took a moment ago is answered from the peer logic's own memory
// (no HaveTx): even after the tx left the mempool (evicted, say), it is not fetched again,
// as a rejected one is not; a tx never taken still is.
TEST_F(PeerManagerTest, TxTakenAMomentAgoIsNotFetchedAgain) {
  Connect(1);
  Connect(2);
  const chain::Transaction taken = Tx(0);
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, taken.Id()}}});
  ASSERT_EQ(transport_.Take<GetDataMsg>(1).size(), 1u);
  pm_->OnMessage(1, TxsMsg{{taken}});
  ASSERT_TRUE(node_.mempool.count(taken.Id()));
  node_.mempool.erase(taken.Id());
  const chain::Transaction other = Tx(1);
  pm_->OnMessage(2, InvMsg{{InvItem{InvType::kTx, taken.Id()}, InvItem{InvType::kTx, other.Id()}}});
  auto requests = transport_.Take<GetDataMsg>(2);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].items, (std::vector{InvItem{InvType::kTx, other.Id()}}));
}

}  // namespace
}  // namespace waybill::p2p
