// The peer logic against a fake transport and a fake node: no sockets, a hand-driven clock.
// The batched tx relay of protocol 4 is in p2p_peer_manager_txs_test.cpp.
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


TEST_F(PeerManagerTest, HandshakeSendsVersionVerackGetaddrAndGetheaders) {
  pm_->OnConnected(1, Addr(1), /*inbound=*/false);
  auto versions = transport_.Take<VersionMsg>(1);
  ASSERT_EQ(versions.size(), 1u);
  EXPECT_EQ(versions[0].genesis, node_.genesis_id);
  EXPECT_EQ(versions[0].listen_port, 18541);
  EXPECT_EQ(versions[0].receiver, Addr(1));
  EXPECT_NE(versions[0].nonce, 0u);
  EXPECT_EQ(pm_->HandshakedPeers(), 0u);

  VersionMsg v;
  v.genesis = node_.genesis_id;
  v.nonce = 99;
  pm_->OnMessage(1, v);
  EXPECT_EQ(transport_.Take<VerackMsg>(1).size(), 1u);
  pm_->OnMessage(1, VerackMsg{});
  EXPECT_EQ(pm_->HandshakedPeers(), 1u);
  // An outbound peer is asked for addresses; every peer for headers.
  EXPECT_EQ(transport_.Take<GetAddrMsg>(1).size(), 1u);
  EXPECT_EQ(transport_.Take<GetHeadersMsg>(1).size(), 1u);
  // The completed handshake moves the address to tried.
  auto info = addrman_.Find(Addr(1));
  EXPECT_FALSE(info.has_value());  // it was never in the book: Good() is a no-op
}

TEST_F(PeerManagerTest, InboundPeerListeningAddressIsLearned) {
  Connect(1, /*inbound=*/true);
  NetAddress listening = Addr(1);
  listening.port = 18541;
  EXPECT_TRUE(addrman_.Find(listening).has_value());
}

TEST_F(PeerManagerTest, PeerOfAnotherNetworkIsDropped) {
  pm_->OnConnected(1, Addr(1), false);
  VersionMsg v;
  v.genesis = H(0xee);
  v.nonce = 5;
  pm_->OnMessage(1, v);
  ASSERT_TRUE(transport_.disconnected.count(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kNormal);
  EXPECT_TRUE(transport_.Take<VerackMsg>(1).empty());
}

TEST_F(PeerManagerTest, ProtocolOneAndTwoPeersAreDroppedAsObsoleteNotBanned) {
  // An older node has another genesis too (the version is in the commitment); the reason
  // still names the version, which says what to do.
  static_assert(kMinProtocolVersion == 3);
  for (const auto& [version, genesis] :
       {std::pair{uint32_t{1}, node_.genesis_id}, std::pair{uint32_t{1}, H(0xee)},
        std::pair{uint32_t{2}, node_.genesis_id}, std::pair{uint32_t{2}, H(0xee)}}) {
    transport_.disconnected.clear();
    pm_->OnConnected(1, Addr(1), false);
    ASSERT_EQ(transport_.Take<VersionMsg>(1).size(), 1u);
    VersionMsg v;
    v.version = version;
    v.genesis = genesis;
    v.nonce = 5;
    pm_->OnMessage(1, v);
    ASSERT_TRUE(transport_.disconnected.count(1));
    EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kNormal);
    EXPECT_EQ(transport_.disconnected[1].second.rfind("obsolete-version:", 0), 0u)
        << transport_.disconnected[1].second;
    EXPECT_TRUE(transport_.Take<VerackMsg>(1).empty());
    pm_->OnDisconnected(1);
  }
  // Nothing held against the peer: a new connection that speaks protocol 3 completes.
  transport_.disconnected.clear();
  Connect(1);
  EXPECT_FALSE(transport_.disconnected.count(1));
}

TEST_F(PeerManagerTest, ConnectionToSelfIsDetected) {
  pm_->OnConnected(1, Addr(1), /*inbound=*/false);
  pm_->OnConnected(2, Addr(2), /*inbound=*/true);
  auto ours = transport_.Take<VersionMsg>(1);
  ASSERT_EQ(ours.size(), 1u);
  // Our outbound version arrives on our own inbound connection.
  pm_->OnMessage(2, ours[0]);
  ASSERT_TRUE(transport_.disconnected.count(1));
  ASSERT_TRUE(transport_.disconnected.count(2));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kSelf);
  EXPECT_EQ(transport_.disconnected[2].first, Transport::Why::kSelf);
}

TEST_F(PeerManagerTest, MessagesBeforeHandshakeAreScoredUntilBan) {
  pm_->OnConnected(1, Addr(1), false);
  for (int i = 0; i < 9; ++i) pm_->OnMessage(1, PingMsg{1});
  EXPECT_FALSE(transport_.disconnected.count(1));
  pm_->OnMessage(1, PingMsg{1});
  ASSERT_TRUE(transport_.disconnected.count(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kMisbehaved);
}

TEST_F(PeerManagerTest, BadFrameBansAtOnce) {
  Connect(1);
  pm_->OnBadFrame(1, 100, "bad checksum");
  ASSERT_TRUE(transport_.disconnected.count(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kMisbehaved);
}

TEST_F(PeerManagerTest, HandshakeTimeout) {
  pm_->OnConnected(1, Addr(1), false);
  Tick(5'000);
  EXPECT_FALSE(transport_.disconnected.count(1));
  Tick(6'000);
  EXPECT_TRUE(transport_.disconnected.count(1));
}

TEST_F(PeerManagerTest, PingMeasuresLatencyAndIdlePeersAreDropped) {
  Connect(1);
  Tick(100);
  auto pings = transport_.Take<PingMsg>(1);
  ASSERT_EQ(pings.size(), 1u);
  now_ms_ += 25;
  pm_->OnMessage(1, PongMsg{pings[0].nonce});
  auto peers = pm_->Peers();
  ASSERT_EQ(peers.size(), 1u);
  ASSERT_TRUE(peers[0].ping_ms.has_value());
  EXPECT_EQ(*peers[0].ping_ms, 25);
  // Silence beyond the idle timeout.
  Tick(91'000);
  EXPECT_TRUE(transport_.disconnected.count(1));
}

TEST_F(PeerManagerTest, AnsweredPingAndTheirPings) {
  Connect(1);
  pm_->OnMessage(1, PingMsg{77});
  auto pongs = transport_.Take<PongMsg>(1);
  ASSERT_EQ(pongs.size(), 1u);
  EXPECT_EQ(pongs[0].nonce, 77u);
}

TEST_F(PeerManagerTest, TxInvIsFetchedAcceptedAndRelayedOnceToOthers) {
  Connect(1);
  Connect(2);
  Connect(3);
  chain::Transaction tx = Tx(0);
  const Hash256 txid = tx.Id();
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, txid}}});
  auto requests = transport_.Take<GetDataMsg>(1);
  ASSERT_EQ(requests.size(), 1u);
  ASSERT_EQ(requests[0].items.size(), 1u);
  EXPECT_EQ(requests[0].items[0].hash, txid);
  // The same tx announced by peer 2 while in flight is not requested twice.
  pm_->OnMessage(2, InvMsg{{InvItem{InvType::kTx, txid}}});
  EXPECT_TRUE(transport_.Take<GetDataMsg>(2).empty());

  pm_->OnMessage(1, TxMsg{tx});
  EXPECT_TRUE(node_.mempool.count(txid));
  Tick(200);
  // Announced to peer 3 only: peer 1 sent it, peer 2 announced it.
  EXPECT_TRUE(transport_.Take<InvMsg>(1).empty());
  EXPECT_TRUE(transport_.Take<InvMsg>(2).empty());
  auto invs = transport_.Take<InvMsg>(3);
  ASSERT_EQ(invs.size(), 1u);
  EXPECT_EQ(invs[0].items[0].hash, txid);
  // Announced again by someone: already had, not fetched.
  pm_->OnMessage(3, InvMsg{{InvItem{InvType::kTx, txid}}});
  EXPECT_TRUE(transport_.Take<GetDataMsg>(3).empty());
  Tick(200);
  EXPECT_TRUE(transport_.Take<InvMsg>(3).empty());
}

TEST_F(PeerManagerTest, UnsolicitedTxIsScoredAndDropped) {
  Connect(1);
  chain::Transaction tx = Tx(0);
  pm_->OnMessage(1, TxMsg{tx});
  EXPECT_FALSE(node_.mempool.count(tx.Id()));
  EXPECT_EQ(pm_->Peers()[0].score, 10);
}

TEST_F(PeerManagerTest, InvalidTxBansTheSender) {
  Connect(1);
  node_.tx_verdict = [](const chain::Transaction&) {
    return Verdict::Invalid(100, "bad-signature");
  };
  chain::Transaction tx = Tx(0);
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx.Id()}}});
  pm_->OnMessage(1, TxMsg{tx});
  ASSERT_TRUE(transport_.disconnected.count(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kMisbehaved);
}

TEST_F(PeerManagerTest, RejectedTxIsNotFetchedAgainUntilTheTipMoves) {
  Connect(1);
  node_.tx_verdict = [](const chain::Transaction&) { return Verdict::Rejected("mempool-full"); };
  chain::Transaction tx = Tx(0);
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx.Id()}}});
  transport_.Take<GetDataMsg>(1);
  pm_->OnMessage(1, TxMsg{tx});
  EXPECT_EQ(pm_->Peers()[0].score, 0);
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx.Id()}}});
  EXPECT_TRUE(transport_.Take<GetDataMsg>(1).empty());
  pm_->OnBlocksConnected({});
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx.Id()}}});
  EXPECT_EQ(transport_.Take<GetDataMsg>(1).size(), 1u);
}

TEST_F(PeerManagerTest, OrphanWaitsForTheEarlierNonce) {
  Connect(1);
  Connect(2);
  chain::Transaction tx0 = Tx(0), tx1 = Tx(1);
  node_.tx_verdict = [this, &tx0](const chain::Transaction& tx) {
    if (tx.nonce == 1 && !node_.mempool.count(tx0.Id())) return Verdict::Orphan("nonce-gap");
    return Verdict::Accepted();
  };
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx1.Id()}, InvItem{InvType::kTx, tx0.Id()}}});
  pm_->OnMessage(1, TxMsg{tx1});
  EXPECT_FALSE(node_.mempool.count(tx1.Id()));
  pm_->OnMessage(1, TxMsg{tx0});
  EXPECT_TRUE(node_.mempool.count(tx0.Id()));
  EXPECT_TRUE(node_.mempool.count(tx1.Id()));
  Tick(200);
  auto invs = transport_.Take<InvMsg>(2);
  ASSERT_EQ(invs.size(), 1u);
  EXPECT_EQ(invs[0].items.size(), 2u);
}

TEST_F(PeerManagerTest, OrphanIsRetriedWhenABlockBringsItsPredecessor) {
  Connect(1);
  chain::Transaction tx1 = Tx(1);
  bool confirmed = false;
  node_.tx_verdict = [&confirmed](const chain::Transaction& tx) {
    if (tx.nonce == 1 && !confirmed) return Verdict::Orphan("nonce-gap");
    return Verdict::Accepted();
  };
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx1.Id()}}});
  pm_->OnMessage(1, TxMsg{tx1});
  EXPECT_FALSE(node_.mempool.count(tx1.Id()));
  confirmed = true;  // nonce 0 was mined in a block we never saw in the mempool
  pm_->OnBlocksConnected({});
  EXPECT_TRUE(node_.mempool.count(tx1.Id()));
}

TEST_F(PeerManagerTest, GetDataServesTxsAndBlocksOrNotFound) {
  Connect(1, /*inbound=*/false, /*version=*/3);  // protocol 3: one tx message per tx
  chain::Transaction tx = Tx(0);
  node_.mempool[tx.Id()] = tx;
  pm_->OnMessage(
      1, GetDataMsg{{InvItem{InvType::kTx, tx.Id()}, InvItem{InvType::kBlock, node_.genesis_id},
                     InvItem{InvType::kTx, H(0x55)}}});
  auto txs = transport_.Take<TxMsg>(1);
  ASSERT_EQ(txs.size(), 1u);
  EXPECT_EQ(txs[0].tx, tx);
  auto blocks = transport_.Take<BlockMsg>(1);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].block.block.header, node_.genesis);
  auto missing = transport_.Take<NotFoundMsg>(1);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].items[0].hash, H(0x55));
}

TEST_F(PeerManagerTest, GetDataWaitsWhileTheSendQueueIsFull) {
  Connect(1);
  transport_.queue_bytes[1] = 10 << 20;
  pm_->OnMessage(1, GetDataMsg{{InvItem{InvType::kBlock, node_.genesis_id}}});
  EXPECT_TRUE(transport_.Take<BlockMsg>(1).empty());
  transport_.queue_bytes[1] = 0;
  Tick(100);
  EXPECT_EQ(transport_.Take<BlockMsg>(1).size(), 1u);
}

TEST_F(PeerManagerTest, HeadersFirstSyncDownloadsInAWindowFromSeveralPeers) {
  PeerManagerOptions o;
  o.blocks_in_flight_per_peer = 4;
  Make(o);
  Connect(1);
  Connect(2);
  auto chain = node_.Chain(node_.genesis_id, 10);
  pm_->OnMessage(1, HeadersMsg{chain});
  pm_->OnMessage(2, HeadersMsg{chain});
  auto r1 = transport_.Take<GetDataMsg>(1);
  auto r2 = transport_.Take<GetDataMsg>(2);
  ASSERT_EQ(r1.size(), 1u);
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r1[0].items.size(), 4u);
  EXPECT_EQ(r2[0].items.size(), 4u);
  // No block is asked of two peers.
  std::set<Hash256> asked;
  for (auto& i : r1[0].items) asked.insert(i.hash);
  for (auto& i : r2[0].items) asked.insert(i.hash);
  EXPECT_EQ(asked.size(), 8u);
  // Delivering peer 1's first block frees a slot: it gets the next one not yet asked.
  chain::Block b{chain[0], {}};
  auto decoded = chain::DecodeBlock(b.Serialize());
  pm_->OnMessage(1, BlockMsg{*decoded});
  EXPECT_EQ(node_.processed_blocks.size(), 1u);
  auto more = transport_.Take<GetDataMsg>(1);
  ASSERT_EQ(more.size(), 1u);
  ASSERT_EQ(more[0].items.size(), 1u);
  EXPECT_EQ(more[0].items[0].hash, chain[8].Id());
}

TEST_F(PeerManagerTest, FullHeadersMessageAsksForMore) {
  Connect(1);
  auto chain = node_.Chain(node_.genesis_id, kMaxHeadersPerMessage);
  pm_->OnMessage(1, HeadersMsg{chain});
  EXPECT_EQ(transport_.Take<GetHeadersMsg>(1).size(), 1u);
}

TEST_F(PeerManagerTest, PresyncResumePointStartsTheNextGetheaders) {
  Connect(1);
  // The node weighs the chain without storing it: the next getheaders must start after the
  // last header weighed, which our own locator does not know.
  node_.headers_from = [](uint64_t, const std::vector<chain::BlockHeader>& headers) {
    HeadersVerdict v;
    v.accepted = headers.size();
    v.last = headers.back().Id();
    v.resume = headers.back().Id();
    return v;
  };
  auto chain = node_.Chain(node_.genesis_id, kMaxHeadersPerMessage);
  pm_->OnMessage(1, HeadersMsg{chain});
  auto asks = transport_.Take<GetHeadersMsg>(1);
  ASSERT_EQ(asks.size(), 1u);
  ASSERT_GE(asks[0].locator.size(), 2u);
  EXPECT_EQ(asks[0].locator.front(), chain.back().Id());
  EXPECT_EQ(asks[0].locator.back(), node_.genesis_id);

  // The chain had enough work but was too long to keep: it is asked for again from the fork,
  // even though this message was not full.
  node_.headers_from = [&](uint64_t, const std::vector<chain::BlockHeader>& headers) {
    HeadersVerdict v;
    v.accepted = headers.size();
    v.resume = node_.genesis_id;
    v.redownload = true;
    return v;
  };
  pm_->OnMessage(1, HeadersMsg{{chain[0], chain[1]}});
  asks = transport_.Take<GetHeadersMsg>(1);
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(asks[0].locator.front(), node_.genesis_id);

  // A peer whose chain never gets enough work is banned; a gone peer's presync is forgotten.
  node_.headers_from = [](uint64_t, const std::vector<chain::BlockHeader>&) {
    HeadersVerdict v;
    v.verdict = Verdict::Invalid(100, "low-work-headers");
    return v;
  };
  pm_->OnMessage(1, HeadersMsg{{chain[0]}});
  ASSERT_TRUE(transport_.disconnected.count(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kMisbehaved);
  pm_->OnDisconnected(1);
  EXPECT_EQ(node_.forgotten_peers, std::vector<uint64_t>{1});
}

TEST_F(PeerManagerTest, StalledBlockIsAskedOfAnotherPeer) {
  PeerManagerOptions o;
  o.blocks_in_flight_per_peer = 1;
  Make(o);
  Connect(1);
  auto chain = node_.Chain(node_.genesis_id, 1);
  pm_->OnMessage(1, HeadersMsg{chain});
  ASSERT_EQ(transport_.Take<GetDataMsg>(1).size(), 1u);
  Connect(2);
  pm_->OnMessage(2, HeadersMsg{chain});
  EXPECT_TRUE(transport_.Take<GetDataMsg>(2).empty());  // in flight from peer 1
  Tick(21'000);
  auto retry = transport_.Take<GetDataMsg>(2);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].items[0].hash, chain[0].Id());
}

TEST_F(PeerManagerTest, PeerThatKeepsStallingIsDropped) {
  PeerManagerOptions o;
  o.max_stalls = 2;
  Make(o);
  Connect(1);
  auto chain = node_.Chain(node_.genesis_id, 1);
  pm_->OnMessage(1, HeadersMsg{chain});
  Tick(21'000);  // stall 1, re-asked of peer 1 (the only one)
  EXPECT_FALSE(transport_.disconnected.count(1));
  Tick(21'000);  // stall 2
  EXPECT_TRUE(transport_.disconnected.count(1));
}

TEST_F(PeerManagerTest, InvalidHeaderOrBlockBans) {
  Connect(1);
  auto chain = node_.Chain(node_.genesis_id, 2);
  node_.invalid_headers.insert(chain[1].Id());
  pm_->OnMessage(1, HeadersMsg{chain});
  ASSERT_TRUE(transport_.disconnected.count(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kMisbehaved);

  Connect(2);
  auto other = node_.Chain(node_.genesis_id, 1, /*nonce=*/5);
  node_.invalid_blocks.insert(other[0].Id());
  pm_->OnMessage(2, HeadersMsg{other});
  ASSERT_EQ(transport_.Take<GetDataMsg>(2).size(), 1u);
  auto decoded = chain::DecodeBlock(chain::Block{other[0], {}}.Serialize());
  pm_->OnMessage(2, BlockMsg{*decoded});
  ASSERT_TRUE(transport_.disconnected.count(2));
  EXPECT_EQ(transport_.disconnected[2].first, Transport::Why::kMisbehaved);
}

TEST_F(PeerManagerTest, UnsolicitedBlockIsScored) {
  Connect(1);
  auto chain = node_.Chain(node_.genesis_id, 1);
  auto decoded = chain::DecodeBlock(chain::Block{chain[0], {}}.Serialize());
  pm_->OnMessage(1, BlockMsg{*decoded});
  EXPECT_TRUE(node_.processed_blocks.empty());
  EXPECT_EQ(pm_->Peers()[0].score, 10);
}

TEST_F(PeerManagerTest, UnconnectingAnnouncementAsksForHeadersThenScores) {
  Connect(1);
  chain::BlockHeader orphan;
  orphan.prev = H(0x77);
  for (int i = 0; i < 10; ++i) {
    pm_->OnMessage(1, HeadersMsg{{orphan}});
    EXPECT_EQ(transport_.Take<GetHeadersMsg>(1).size(), 1u);
  }
  EXPECT_EQ(pm_->Peers()[0].score, 0);
  pm_->OnMessage(1, HeadersMsg{{orphan}});
  EXPECT_EQ(pm_->Peers()[0].score, 20);
}

TEST_F(PeerManagerTest, NewBlocksAreAnnouncedByHeaderToPeersWithoutThem) {
  Connect(1);
  Connect(2);
  auto chain = node_.Chain(node_.genesis_id, 2);
  // Peer 1 told us about them.
  pm_->OnMessage(1, HeadersMsg{chain});
  transport_.sent.clear();
  pm_->OnBlocksConnected(chain);
  EXPECT_TRUE(transport_.Take<HeadersMsg>(1).empty());
  auto announced = transport_.Take<HeadersMsg>(2);
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].headers, chain);
}

TEST_F(PeerManagerTest, BlockBurstIsAnnouncedInBatches) {
  Connect(1);
  auto chain = node_.Chain(node_.genesis_id, 20);
  for (const auto& h : chain) pm_->OnBlocksConnected({h});
  // The first block goes out at once; the rest wait for the next interval, the last 8 of them
  // in one message.
  auto first = transport_.Take<HeadersMsg>(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].headers.size(), 1u);
  Tick(30);
  auto batch = transport_.Take<HeadersMsg>(1);
  ASSERT_EQ(batch.size(), 1u);
  ASSERT_EQ(batch[0].headers.size(), 8u);
  EXPECT_EQ(batch[0].headers.back(), chain.back());
}

TEST_F(PeerManagerTest, GetHeadersIsAnswered) {
  Connect(1);
  auto chain = node_.Chain(node_.genesis_id, 3);
  for (auto& h : chain) {
    node_.entries[h.Id()] = {h, static_cast<uint32_t>(node_.active.size()), true};
    node_.active.push_back(h.Id());
  }
  pm_->OnMessage(1, GetHeadersMsg{{node_.genesis_id}, Hash256{}});
  auto replies = transport_.Take<HeadersMsg>(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].headers, chain);
}

TEST_F(PeerManagerTest, MempoolRequestIsAnsweredAndRateLimited) {
  Connect(1);
  chain::Transaction tx = Tx(0);
  node_.mempool[tx.Id()] = tx;
  pm_->OnMessage(1, MempoolMsg{});
  auto invs = transport_.Take<InvMsg>(1);
  ASSERT_EQ(invs.size(), 1u);
  EXPECT_EQ(invs[0].items[0].hash, tx.Id());
  pm_->OnMessage(1, MempoolMsg{});
  EXPECT_EQ(pm_->Peers()[0].score, 5);
}

TEST_F(PeerManagerTest, MempoolReplyListsEvenTxsAlreadyAnnounced) {
  Connect(1);
  chain::Transaction tx = Tx(0);
  node_.mempool[tx.Id()] = tx;
  pm_->OnLocalTx(tx.Id());
  Tick(200);
  ASSERT_EQ(transport_.Take<InvMsg>(1).size(), 1u);  // announced: "known" to peer 1 now
  // Peer 1 may have dropped it (an evicted orphan): its mempool request still gets it.
  pm_->OnMessage(1, MempoolMsg{});
  auto reply = transport_.Take<InvMsg>(1);
  ASSERT_EQ(reply.size(), 1u);
  ASSERT_EQ(reply[0].items.size(), 1u);
  EXPECT_EQ(reply[0].items[0].hash, tx.Id());
}

TEST_F(PeerManagerTest, OrphanPoolIsBounded) {
  PeerManagerOptions o;
  o.orphan_txs = 3;
  Make(o);
  Connect(1);
  node_.tx_verdict = [](const chain::Transaction& tx) {
    return tx.nonce > 0 ? Verdict::Orphan("nonce-gap") : Verdict::Accepted();
  };
  std::vector<chain::Transaction> txs;
  for (uint64_t n = 1; n <= 6; ++n) txs.push_back(Tx(n));
  InvMsg inv;
  for (const auto& tx : txs) inv.items.push_back(InvItem{InvType::kTx, tx.Id()});
  pm_->OnMessage(1, inv);
  for (const auto& tx : txs) pm_->OnMessage(1, TxMsg{tx});
  // Only 3 stay; when nonce 0 arrives and the verdicts allow, at most those 3 are retried.
  node_.tx_verdict = nullptr;
  chain::Transaction tx0 = Tx(0);
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx0.Id()}}});
  node_.accept_tx_calls.clear();
  pm_->OnMessage(1, TxMsg{tx0});
  EXPECT_EQ(node_.accept_tx_calls.size(), 1u + 3u);
}

TEST_F(PeerManagerTest, AntiEntropyPullsAndPushes) {
  PeerManagerOptions o;
  o.mempool_sync_interval_ms = 1'000;
  Make(o);
  Connect(1);
  chain::Transaction tx = Tx(0);
  node_.mempool[tx.Id()] = tx;  // a tx gossip never announced to peer 1
  Tick(1'100);
  EXPECT_EQ(transport_.Take<MempoolMsg>(1).size(), 1u);
  auto pushed = transport_.Take<InvMsg>(1);
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_EQ(pushed[0].items[0].hash, tx.Id());
}

TEST_F(PeerManagerTest, AddrIsStoredRateLimitedAndAnsweredSeldom) {
  Connect(1);
  AddrMsg many;
  for (int i = 0; i < 1000; ++i) {
    many.entries.push_back(AddrEntry{static_cast<uint32_t>(unix_now_ - 100),
                                     NetAddress::FromIPv4(0x0b000000u + (i << 8) + 1, 18541)});
  }
  pm_->OnMessage(1, many);
  const size_t after_first = addrman_.size();
  EXPECT_GT(after_first, 100u);
  // The bucket is empty now: a second burst right away is ignored.
  AddrMsg more;
  for (int i = 0; i < 100; ++i) {
    more.entries.push_back(AddrEntry{static_cast<uint32_t>(unix_now_ - 100),
                                     NetAddress::FromIPv4(0x0c000000u + (i << 8) + 1, 18541)});
  }
  pm_->OnMessage(1, more);
  EXPECT_EQ(addrman_.size(), after_first);

  pm_->OnMessage(1, GetAddrMsg{});
  auto replies = transport_.Take<AddrMsg>(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].entries.empty());
  pm_->OnMessage(1, GetAddrMsg{});
  EXPECT_TRUE(transport_.Take<AddrMsg>(1).empty());
  // Answered again only 20 s after the last answer.
  now_ms_ += 19'000;
  pm_->OnMessage(1, GetAddrMsg{});
  EXPECT_TRUE(transport_.Take<AddrMsg>(1).empty());
  now_ms_ += 1'000;
  pm_->OnMessage(1, GetAddrMsg{});
  EXPECT_EQ(transport_.Take<AddrMsg>(1).size(), 1u);
}

TEST_F(PeerManagerTest, SmallBookIsSentWhole) {
  Connect(1);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(addrman_.Add(NetAddress::FromIPv4(0x0b000000u + (i << 16) + 1, 18541), Addr(1),
                             unix_now_ - 100, unix_now_));
  }
  pm_->OnMessage(1, GetAddrMsg{});
  auto replies = transport_.Take<AddrMsg>(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].entries.size(), addrman_.size());  // not 23 % of 5, which is none
}

TEST_F(PeerManagerTest, AddressesAreRefreshedFromAnOutboundPeer) {
  Connect(1);           // outbound
  Connect(2, true);     // inbound: never asked
  Connect(3);           // outbound
  int asked_outbound = 0;
  for (int round = 0; round < 4; ++round) {
    Tick(30'000);
    EXPECT_TRUE(transport_.Take<GetAddrMsg>(2).empty());
    asked_outbound += static_cast<int>(transport_.Take<GetAddrMsg>(1).size() +
                                       transport_.Take<GetAddrMsg>(3).size());
    AnswerPings();
  }
  EXPECT_EQ(asked_outbound, 4);

  // The answer is not rate-limited like gossip, and not relayed on although it is small and
  // fresh: it is what we asked for.
  Tick(30'000);
  PeerId asked = transport_.Take<GetAddrMsg>(1).empty() ? 3 : 1;
  AnswerPings();
  ASSERT_TRUE(transport_.disconnected.empty());
  AddrMsg answer{{AddrEntry{static_cast<uint32_t>(unix_now_ - 5), Addr(9)}}};
  pm_->OnMessage(asked, answer);
  EXPECT_TRUE(addrman_.Find(Addr(9)).has_value());
  EXPECT_TRUE(transport_.Take<AddrMsg>(1).empty());
  EXPECT_TRUE(transport_.Take<AddrMsg>(2).empty());
  EXPECT_TRUE(transport_.Take<AddrMsg>(3).empty());
  // The next small fresh addr from that peer is news again, and relayed.
  pm_->OnMessage(asked, AddrMsg{{AddrEntry{static_cast<uint32_t>(unix_now_ - 5), Addr(10)}}});
  EXPECT_EQ(transport_.Take<AddrMsg>(1).size() + transport_.Take<AddrMsg>(2).size() +
                transport_.Take<AddrMsg>(3).size(),
            2u);
}

TEST_F(PeerManagerTest, FreshAddressIsRelayedOnceOnly) {
  Connect(1);
  Connect(2);
  Connect(3);
  AddrMsg one{{AddrEntry{static_cast<uint32_t>(unix_now_ - 5), Addr(9)}}};
  pm_->OnMessage(1, one);
  size_t relayed = transport_.Take<AddrMsg>(2).size() + transport_.Take<AddrMsg>(3).size();
  EXPECT_EQ(relayed, 2u);
  // The same address coming back (from anyone) is not relayed again: no relay storm.
  pm_->OnMessage(2, one);
  pm_->OnMessage(3, one);
  relayed = transport_.Take<AddrMsg>(1).size() + transport_.Take<AddrMsg>(2).size() +
            transport_.Take<AddrMsg>(3).size();
  EXPECT_EQ(relayed, 0u);
}

// An address book of one slot: every address after the first finds its slot taken.
class PeerManagerTinyBookTest : public PeerManagerTest {
 protected:
  PeerManagerTinyBookTest() : PeerManagerTest(Tiny()) {}
  static AddrManOptions Tiny() {
    AddrManOptions o = MakeAddrManOptions();
    o.new_bucket_count = 1;
    o.tried_bucket_count = 1;
    o.bucket_size = 1;
    o.new_buckets_per_source_group = 1;
    o.tried_buckets_per_group = 1;
    return o;
  }
};

TEST_F(PeerManagerTinyBookTest, AddressWithoutRoomInTheBookIsStillRelayedOnce) {
  Connect(1);
  Connect(2);
  Connect(3);
  const uint32_t t = static_cast<uint32_t>(unix_now_ - 5);
  pm_->OnMessage(1, AddrMsg{{AddrEntry{t, Addr(8)}}});
  EXPECT_EQ(transport_.Take<AddrMsg>(2).size() + transport_.Take<AddrMsg>(3).size(), 2u);
  ASSERT_TRUE(addrman_.Find(Addr(8)).has_value());

  // Its slot is taken: not stored, but passed on, so one full book does not end the relay.
  AddrMsg nine{{AddrEntry{t, Addr(9)}}};
  pm_->OnMessage(1, nine);
  EXPECT_FALSE(addrman_.Find(Addr(9)).has_value());
  EXPECT_EQ(transport_.Take<AddrMsg>(2).size() + transport_.Take<AddrMsg>(3).size(), 2u);
  // Once: its echoes die out although the book still does not hold it.
  pm_->OnMessage(2, nine);
  pm_->OnMessage(3, nine);
  EXPECT_EQ(transport_.Take<AddrMsg>(1).size() + transport_.Take<AddrMsg>(2).size() +
                transport_.Take<AddrMsg>(3).size(),
            0u);
}

TEST_F(PeerManagerTest, AddressIsRelayedToTwoDifferentNodes) {
  // Peers 1 and 2 are one node (ours to it, and its to us from another source port); peer 3
  // is another. Every relay from peer 4 reaches node 3 and one connection of node 1-2.
  Connect(1);
  pm_->OnConnected(2, *NetAddress::Parse("10.0.1.1:50001", 0), /*inbound=*/true);
  VersionMsg v;
  v.genesis = node_.genesis_id;
  v.nonce = 2002;
  v.listen_port = 18541;  // Addr(1)'s port: the same listener
  v.user_agent = "/test/";
  pm_->OnMessage(2, v);
  pm_->OnMessage(2, VerackMsg{});
  Connect(3);
  Connect(4);
  transport_.sent.clear();
  for (int i = 0; i < 20; ++i) {
    pm_->OnMessage(4, AddrMsg{{AddrEntry{static_cast<uint32_t>(unix_now_ - 5), Addr(100 + i)}}});
    const size_t to_1 = transport_.Take<AddrMsg>(1).size();
    const size_t to_2 = transport_.Take<AddrMsg>(2).size();
    EXPECT_EQ(transport_.Take<AddrMsg>(3).size(), 1u) << i;
    EXPECT_EQ(to_1 + to_2, 1u) << i;
    EXPECT_TRUE(transport_.Take<AddrMsg>(4).empty());
  }
}

TEST_F(PeerManagerTest, MessageFloodIsScored) {
  Connect(1);
  // The burst allowance (10,000, less the handshake's two messages) passes unscored.
  for (int i = 0; i < 9990; ++i) pm_->OnMessage(1, PingMsg{static_cast<uint64_t>(i)});
  EXPECT_EQ(pm_->Peers()[0].score, 0);
  for (int i = 0; i < 40 && !transport_.disconnected.count(1); ++i) {
    pm_->OnMessage(1, PingMsg{1});
  }
  ASSERT_TRUE(transport_.disconnected.count(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kMisbehaved);
}

TEST_F(PeerManagerTest, DisconnectedPeersRequestsGoToOthers) {
  PeerManagerOptions o;
  o.blocks_in_flight_per_peer = 2;
  Make(o);
  Connect(1);
  Connect(2);
  auto chain = node_.Chain(node_.genesis_id, 2);
  pm_->OnMessage(1, HeadersMsg{chain});
  ASSERT_EQ(transport_.Take<GetDataMsg>(1).size(), 1u);
  pm_->OnMessage(2, HeadersMsg{chain});
  EXPECT_TRUE(transport_.Take<GetDataMsg>(2).empty());
  pm_->OnDisconnected(1);
  auto moved = transport_.Take<GetDataMsg>(2);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].items.size(), 2u);
}

}  // namespace
}  // namespace waybill::p2p
