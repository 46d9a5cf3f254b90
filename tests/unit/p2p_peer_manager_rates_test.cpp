// The peer logic's rate rules and scores against a hand-turned clock: rates judged by when a
// message arrived (not when a stalled node got to it), scores that decay, the budget for
// unknown commands, and the eviction facts it keeps. The node behind it is a stub with a
// mempool; p2p_peer_manager_test.cpp has the full fake chain.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "chain/schnorr.h"
#include "p2p/peer_manager.h"
#include "tests/unit/p2p_fake_node.h"

namespace waybill::p2p {
namespace {

using chain::Hash256;
using testing::H;

class StubNode : public NodeInterface {
 public:
  StubNode() { genesis.time = 1000; }
  ChainSummary GetChainSummary() override { return {genesis.Id(), 0, genesis.Id(), 0}; }
  std::optional<HeaderInfo> GetHeaderInfo(const Hash256&) override { return std::nullopt; }
  std::vector<Hash256> GetLocator() override { return {genesis.Id()}; }
  std::vector<chain::BlockHeader> GetHeadersAfter(const std::vector<Hash256>&, const Hash256&,
                                                  size_t) override {
    return {};
  }
  HeadersVerdict AcceptHeaders(const std::vector<chain::BlockHeader>&) override { return {}; }
  std::vector<Hash256> BlocksToDownload(const Hash256&, size_t, uint32_t,
                                        const std::function<bool(const Hash256&)>&) override {
    return {};
  }
  Verdict ProcessBlock(const chain::DecodedBlock&) override { return Verdict::Rejected("stub"); }
  std::optional<chain::Bytes> ReadBlock(const Hash256&) override { return std::nullopt; }
  Verdict AcceptTx(const chain::Transaction& tx) override {
    mempool[tx.Id()] = tx;
    return Verdict::Accepted();
  }
  bool HaveTx(const Hash256& id) override { return mempool.count(id) > 0; }
  std::optional<chain::Bytes> GetMempoolTx(const Hash256&) override { return std::nullopt; }
  std::vector<Hash256> MempoolTxids() override { return {}; }

  chain::BlockHeader genesis;
  std::map<Hash256, chain::Transaction> mempool;
};

class RecordingTransport : public Transport {
 public:
  void Send(PeerId peer, const Message& msg) override {
    if (const auto* ping = std::get_if<PingMsg>(&msg)) pings[peer] = ping->nonce;
  }
  void SendRaw(PeerId, MsgType, chain::Bytes) override {}
  size_t SendQueueBytes(PeerId) override { return 0; }
  bool HasPendingInput(PeerId peer) override { return pending.count(peer) > 0; }
  void Disconnect(PeerId peer, Why why, const std::string& reason) override {
    disconnected[peer] = {why, reason};
  }
  std::map<PeerId, uint64_t> pings;
  std::map<PeerId, std::pair<Why, std::string>> disconnected;
  std::set<PeerId> pending;  // peers whose messages wait in the queue
};

class PeerRatesTest : public ::testing::Test {
 protected:
  PeerRatesTest() : addrman_(BookOptions()) {}

  static AddrManOptions BookOptions() {
    AddrManOptions o;
    o.key = H(0x42);
    o.seed = 1;
    return o;
  }
  void Make(PeerManagerOptions options = {}) {
    options.genesis = node_.genesis.Id();
    options.mempool_sync_interval_ms = 0;
    options.addr_refresh_interval_ms = 0;
    pm_ = std::make_unique<PeerManager>(
        options, &node_, &transport_, &addrman_, nullptr, [this] { return now_ms_; },
        [this] { return int64_t{1'763'900'000}; }, /*seed=*/7);
  }
  void Connect(PeerId id, bool inbound = true) {
    if (!pm_) Make();
    pm_->OnConnected(id, *NetAddress::Parse("10.0." + std::to_string(id) + ".1:18541", 0),
                     inbound);
    VersionMsg v;
    v.genesis = node_.genesis.Id();
    v.nonce = 1000 + id;
    pm_->OnMessage(id, v);
    pm_->OnMessage(id, VerackMsg{});
  }
  int Score(PeerId id) {
    for (const PeerState& s : pm_->Peers()) {
      if (s.id == id) return s.score;
    }
    ADD_FAILURE() << "no peer " << id;
    return -1;
  }
  bool Disconnected(PeerId id) { return transport_.disconnected.count(id) > 0; }

  int64_t now_ms_ = 1'000'000;
  StubNode node_;
  RecordingTransport transport_;
  AddrMan addrman_;
  std::unique_ptr<PeerManager> pm_;
};

// The node stalls for a minute (a long RPC holds the chain); an honest peer's anti-entropy
// requests, 30 s apart, are handled back to back when it wakes up.
TEST_F(PeerRatesTest, MempoolRequestsAreJudgedByArrivalNotProcessing) {
  Connect(1);
  const int64_t t0 = now_ms_;
  now_ms_ = t0 + 60'000;  // processed only now
  pm_->OnMessage(1, MempoolMsg{}, t0);
  pm_->OnMessage(1, MempoolMsg{}, t0 + 30'000);
  EXPECT_EQ(Score(1), 0);
  // Two that did arrive within 5 s still count.
  pm_->OnMessage(1, MempoolMsg{}, t0 + 31'000);
  EXPECT_EQ(Score(1), 5);
}

TEST_F(PeerRatesTest, FloodRateIsJudgedByArrival) {
  Connect(1);
  const int64_t t0 = now_ms_;
  now_ms_ += 20'000;  // a 20 s stall: 30,000 pings at 1,500 a second are handled at once
  for (int i = 0; i < 30'000; ++i) pm_->OnMessage(1, PingMsg{1}, t0 + i * 2 / 3);
  EXPECT_EQ(Score(1), 0);
  EXPECT_FALSE(Disconnected(1));
  // The same number arriving within one second is a flood.
  Connect(2);
  for (int i = 0; i < 30'000 && !Disconnected(2); ++i) pm_->OnMessage(2, PingMsg{1}, now_ms_);
  EXPECT_TRUE(Disconnected(2));
  EXPECT_EQ(transport_.disconnected[2].first, Transport::Why::kMisbehaved);
}

// The node stalls for two minutes. Peer 1's pong and other messages came meanwhile and wait
// in the queue: it is neither idle nor late, whatever the clock says when the timers run.
// Peer 2 really sent nothing.
TEST_F(PeerRatesTest, APeerWhoseMessagesWaitIsNotIdle) {
  Connect(1);
  Connect(2);
  pm_->OnTick();  // pings both
  ASSERT_TRUE(transport_.pings.count(1) && transport_.pings.count(2));
  now_ms_ += 120'000;
  transport_.pending.insert(1);
  pm_->OnTick();
  EXPECT_FALSE(Disconnected(1)) << transport_.disconnected[1].second;
  EXPECT_TRUE(Disconnected(2));
  // Once its messages are handled, the pong that arrived in time counts.
  transport_.pending.clear();
  pm_->OnMessage(1, PongMsg{transport_.pings[1]}, now_ms_ - 119'000);
  pm_->OnTick();
  EXPECT_FALSE(Disconnected(1));
}

TEST_F(PeerRatesTest, ScoresDecayAtOnePointPerMinute) {
  Connect(1);
  pm_->Misbehave(1, 50, "test");
  EXPECT_EQ(Score(1), 50);
  now_ms_ += 10 * 60'000 + 30'000;
  EXPECT_EQ(Score(1), 40);
  // The half minute already run counts towards the next point.
  pm_->Misbehave(1, 10, "test");
  EXPECT_EQ(Score(1), 50);
  now_ms_ += 30'000;
  EXPECT_EQ(Score(1), 49);
  now_ms_ += 49 * 60'000;
  EXPECT_EQ(Score(1), 0);
  now_ms_ += 24 * 60 * 60'000;  // never below zero
  EXPECT_EQ(Score(1), 0);
}

// An honest peer scored now and then (+5 per stall, say) is never banned; points that pile up
// faster than they decay still ban.
TEST_F(PeerRatesTest, OccasionalPointsNeverAddUpToABan) {
  Connect(1);
  Connect(2);
  for (int i = 0; i < 200; ++i) {
    pm_->Misbehave(1, 5, "mempool requests too often");
    now_ms_ += 5 * 60'000;
  }
  EXPECT_FALSE(Disconnected(1));
  EXPECT_LE(Score(1), 5);
  for (int i = 0; i < 20; ++i) pm_->Misbehave(2, 5, "mempool requests too often");
  EXPECT_TRUE(Disconnected(2));
}

TEST_F(PeerRatesTest, DecayCanBeTurnedOff) {
  PeerManagerOptions o;
  o.score_decay_ms = 0;
  Make(o);
  Connect(1);
  pm_->Misbehave(1, 30, "test");
  now_ms_ += 24 * 60 * 60'000;
  EXPECT_EQ(Score(1), 30);
}

TEST_F(PeerRatesTest, UnknownCommandsAreIgnoredWithinTheirBudget) {
  Connect(1);
  // A newer peer's occasional new messages: a few a second, small, for ten minutes.
  for (int i = 0; i < 6000; ++i) {
    now_ms_ += 100;
    pm_->OnUnknownMessage(1, "sendcmpct", 33, now_ms_);
  }
  EXPECT_EQ(Score(1), 0);
  EXPECT_FALSE(Disconnected(1));
}

TEST_F(PeerRatesTest, UnknownCommandBytesPastTheBudgetBan) {
  Connect(1);
  // Maximal unknown frames (1.65 MB) as fast as they come: banned after some tens of MB,
  // not the 990 MB in 0.17 s the node used to read and drop.
  size_t bytes = 0;
  for (int i = 0; i < 600 && !Disconnected(1); ++i) {
    pm_->OnUnknownMessage(1, "junk", 1'650'029, now_ms_);
    bytes += 1'650'029;
  }
  EXPECT_TRUE(Disconnected(1));
  EXPECT_EQ(transport_.disconnected[1].first, Transport::Why::kMisbehaved);
  EXPECT_LT(bytes, size_t{40} << 20);
}

TEST_F(PeerRatesTest, UnknownCommandCountPastTheBudgetBans) {
  Connect(1);
  int sent = 0;
  for (; sent < 5000 && !Disconnected(1); ++sent) pm_->OnUnknownMessage(1, "x", 24, now_ms_);
  EXPECT_TRUE(Disconnected(1));
  EXPECT_LE(sent, 1000 + 10);  // the burst, then 10 points each
}

TEST_F(PeerRatesTest, EvictionCandidatesCarryWhatProtectsAPeer) {
  Connect(1, /*inbound=*/true);
  Connect(2, /*inbound=*/true);
  Connect(3, /*inbound=*/false);
  // Peer 1 answers a ping 40 ms after it was sent, and relays a tx we take.
  now_ms_ += 60'000;
  pm_->OnTick();
  ASSERT_TRUE(transport_.pings.count(1));
  now_ms_ += 40;
  pm_->OnMessage(1, PongMsg{transport_.pings[1]}, now_ms_);
  chain::Transaction tx;
  tx.chain_id = H(1);
  tx.nonce = 1;
  pm_->OnMessage(1, InvMsg{{InvItem{InvType::kTx, tx.Id()}}});
  pm_->OnMessage(1, TxMsg{tx});
  ASSERT_EQ(node_.mempool.size(), 1u);

  auto candidates = pm_->InboundEvictionCandidates();
  ASSERT_EQ(candidates.size(), 2u);  // inbound only
  const EvictionCandidate& c1 = candidates[0].id == 1 ? candidates[0] : candidates[1];
  const EvictionCandidate& c2 = candidates[0].id == 1 ? candidates[1] : candidates[0];
  EXPECT_EQ(c1.min_ping_ms, 40);
  EXPECT_EQ(c1.last_tx_ms, now_ms_);
  EXPECT_FALSE(c2.min_ping_ms.has_value());
  EXPECT_EQ(c2.last_tx_ms, 0);
  EXPECT_NE(c1.netgroup, c2.netgroup);  // 10.0.1.1 and 10.0.2.1: private, a group each
  // Two inbound peers in two groups: both protected, nobody is evicted.
  EXPECT_FALSE(pm_->EvictInbound());
}

TEST_F(PeerRatesTest, EvictInboundDropsTheYoungestUnprotectedPeer) {
  Make();
  for (PeerId id = 1; id <= 20; ++id) {
    now_ms_ += 1000;
    Connect(id, /*inbound=*/true);
  }
  ASSERT_TRUE(pm_->EvictInbound());
  ASSERT_EQ(transport_.disconnected.size(), 1u);
  const auto& [victim, why] = *transport_.disconnected.begin();
  EXPECT_GT(victim, 10u);  // not one of the oldest half
  EXPECT_EQ(why.first, Transport::Why::kNormal);
  // A peer being dropped is no candidate any more.
  for (const EvictionCandidate& c : pm_->InboundEvictionCandidates()) EXPECT_NE(c.id, victim);
}

}  // namespace
}  // namespace waybill::p2p
