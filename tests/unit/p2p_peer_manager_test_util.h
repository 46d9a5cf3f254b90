// The peer logic's test fixture: a fake transport, a fake node and a hand-driven clock, shared
// by the peer manager's test files (p2p_peer_manager_test.cpp, p2p_peer_manager_txs_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <span>

#include "chain/schnorr.h"
#include "p2p/peer_manager.h"
#include "tests/unit/p2p_fake_node.h"

namespace waybill::p2p::testing_pm {


using chain::Hash256;
using testing::H;

class FakeTransport : public Transport {
 public:
  struct Sent {
    PeerId peer;
    Message msg;
  };
  void Send(PeerId peer, const Message& msg) override { sent.push_back({peer, msg}); }
  void SendRaw(PeerId peer, MsgType type, chain::Bytes payload) override {
    auto msg = DecodePayload(type, payload, 4'000'000);
    ASSERT_TRUE(msg.ok()) << msg.status().ToString();
    sent.push_back({peer, *msg});
  }
  size_t SendQueueBytes(PeerId peer) override { return queue_bytes[peer]; }
  void Disconnect(PeerId peer, Why why, const std::string& reason) override {
    disconnected[peer] = {why, reason};
  }

  // Messages of type T sent to peer (and forgets them).
  template <typename T>
  std::vector<T> Take(PeerId peer) {
    std::vector<T> out;
    for (auto it = sent.begin(); it != sent.end();) {
      if (it->peer == peer && std::holds_alternative<T>(it->msg)) {
        out.push_back(std::get<T>(it->msg));
        it = sent.erase(it);
      } else {
        ++it;
      }
    }
    return out;
  }

  std::vector<Sent> sent;
  std::map<PeerId, size_t> queue_bytes;
  std::map<PeerId, std::pair<Why, std::string>> disconnected;
};

// A chain of headers that are valid by construction (no proof of work here): each block's
// work is 1, so the longest chain wins.
class FakeNode : public testing::FakeNodeBase {
 public:
  // A child header of parent (not added).
  chain::BlockHeader Child(const Hash256& parent, uint64_t nonce = 0) const {
    chain::BlockHeader h;
    h.prev = parent;
    h.time = entries.at(parent).header.time + 1;
    h.nonce = nonce;
    return h;
  }
  // A chain of n headers on parent (not added).
  std::vector<chain::BlockHeader> Chain(const Hash256& parent, size_t n, uint64_t nonce = 0) {
    std::vector<chain::BlockHeader> out;
    Hash256 prev = parent;
    uint32_t time = entries.at(parent).header.time;
    for (size_t i = 0; i < n; ++i) {
      chain::BlockHeader h;
      h.prev = prev;
      h.time = ++time;
      h.nonce = nonce;
      out.push_back(h);
      prev = h.Id();
    }
    return out;
  }

  ChainSummary GetChainSummary() override {
    ChainSummary s;
    s.tip = active.back();
    s.height = static_cast<uint32_t>(active.size() - 1);
    s.best_header = s.tip;
    s.best_header_height = s.height;
    for (const auto& [id, e] : entries) {
      if (e.height > s.best_header_height) {
        s.best_header = id;
        s.best_header_height = e.height;
      }
    }
    return s;
  }
  std::vector<Hash256> GetLocator() override { return {GetChainSummary().best_header}; }
  std::vector<chain::BlockHeader> GetHeadersAfter(const std::vector<Hash256>& locator,
                                                  const Hash256&, size_t max) override {
    size_t start = 0;
    for (const Hash256& h : locator) {
      auto it = std::find(active.begin(), active.end(), h);
      if (it != active.end()) {
        start = static_cast<size_t>(it - active.begin()) + 1;
        break;
      }
    }
    std::vector<chain::BlockHeader> out;
    for (size_t i = start; i < active.size() && out.size() < max; ++i) {
      out.push_back(entries[active[i]].header);
    }
    return out;
  }
  HeadersVerdict AcceptHeaders(const std::vector<chain::BlockHeader>& headers) override {
    HeadersVerdict v;
    accept_headers_calls++;
    for (size_t i = 0; i < headers.size(); ++i) {
      const Hash256 id = headers[i].Id();
      if (invalid_headers.count(id)) {
        v.verdict = Verdict::Invalid(100, "high-hash");
        return v;
      }
      auto parent = entries.find(headers[i].prev);
      if (parent == entries.end()) {
        if (i == 0) v.connects = false;
        v.verdict = Verdict::Invalid(100, "prev-not-found");
        return v;
      }
      if (!entries.count(id)) entries[id] = {headers[i], parent->second.height + 1, false};
      v.accepted++;
      v.last = id;
    }
    return v;
  }
  HeadersVerdict AcceptHeadersFrom(uint64_t peer,
                                   const std::vector<chain::BlockHeader>& headers) override {
    if (headers_from) return headers_from(peer, headers);
    return AcceptHeaders(headers);
  }
  void ForgetHeadersFrom(uint64_t peer) override { forgotten_peers.push_back(peer); }
  std::vector<Hash256> BlocksToDownload(const Hash256& target, size_t max, uint32_t window,
                                        const std::function<bool(const Hash256&)>& skip) override {
    std::vector<Hash256> path;
    for (Hash256 walk = target; !entries[walk].have_data; walk = entries[walk].header.prev) {
      path.push_back(walk);
    }
    std::reverse(path.begin(), path.end());
    std::vector<Hash256> out;
    const uint32_t limit = static_cast<uint32_t>(active.size() - 1) + window;
    for (const Hash256& id : path) {
      if (out.size() >= max || entries[id].height > limit) break;
      if (!skip(id)) out.push_back(id);
    }
    return out;
  }
  Verdict ProcessBlock(const chain::DecodedBlock& block) override {
    const Hash256 id = block.block.header.Id();
    processed_blocks.push_back(id);
    if (invalid_blocks.count(id)) return Verdict::Invalid(100, "bad-merkle-root");
    auto it = entries.find(id);
    if (it == entries.end()) return Verdict::Rejected("prev-blk-not-found");
    it->second.have_data = true;
    // Extend the active chain while the next block on any branch has data (tests use one).
    if (block.block.header.prev == active.back()) active.push_back(id);
    return Verdict::Accepted();
  }
  std::vector<Verdict> AcceptTxs(std::vector<chain::TxWithId> txs) override {
    accept_txs_calls++;
    for (const chain::TxWithId& txw : txs) {
      // The caller's ids and sizes are the tx's own.
      EXPECT_EQ(txw.id, txw.tx.Id());
      EXPECT_EQ(txw.size, txw.tx.Serialize().size());
    }
    return NodeInterface::AcceptTxs(std::move(txs));
  }
  Verdict AcceptTx(const chain::Transaction& tx) override {
    const Hash256 id = tx.Id();
    accept_tx_calls.push_back(id);
    if (mempool.count(id)) return Verdict::Known();
    if (tx_verdict) {
      Verdict v = tx_verdict(tx);
      if (!v.accepted()) return v;
    }
    mempool[id] = tx;
    return Verdict::Accepted();
  }
  std::set<Hash256> failed, invalid_headers, invalid_blocks;
  std::function<Verdict(const chain::Transaction&)> tx_verdict;
  std::vector<Hash256> processed_blocks;
  std::vector<Hash256> accept_tx_calls;
  int accept_headers_calls = 0;
  int accept_txs_calls = 0;
  // If set, AcceptHeadersFrom answers with it (a presync's verdicts).
  std::function<HeadersVerdict(uint64_t, const std::vector<chain::BlockHeader>&)> headers_from;
  std::vector<uint64_t> forgotten_peers;

 protected:
  bool IsFailed(const Hash256& id) const override { return failed.count(id) > 0; }
};

chain::Transaction Tx(uint64_t nonce, uint8_t key_fill = 7) {
  return testing::SignedTx(nonce, key_fill);
}

class PeerManagerTest : public ::testing::Test {
 protected:
  PeerManagerTest() : PeerManagerTest(MakeAddrManOptions()) {}
  explicit PeerManagerTest(const AddrManOptions& book) : addrman_(book) {
    Make(PeerManagerOptions{});
  }

  static AddrManOptions MakeAddrManOptions() {
    AddrManOptions o;
    o.key = H(0x42);
    o.seed = 1;
    return o;
  }

  void Make(PeerManagerOptions options) {
    options.genesis = node_.genesis_id;
    options.listen_port = 18541;
    pm_ = std::make_unique<PeerManager>(
        options, &node_, &transport_, &addrman_, nullptr, [this] { return now_ms_; },
        [this] { return unix_now_; }, /*seed=*/7);
  }

  NetAddress Addr(int i) { return *NetAddress::Parse("10.0." + std::to_string(i) + ".1:18541", 0); }

  // Connects peer id and completes the handshake from the remote side.
  void Connect(PeerId id, bool inbound = false, uint32_t version = kProtocolVersion) {
    pm_->OnConnected(id, Addr(static_cast<int>(id)), inbound);
    auto versions = transport_.Take<VersionMsg>(id);
    ASSERT_EQ(versions.size(), 1u);
    VersionMsg v;
    v.version = version;
    v.genesis = node_.genesis_id;
    v.nonce = 1000 + id;
    v.listen_port = 18541;
    v.user_agent = "/test/";
    pm_->OnMessage(id, v);
    ASSERT_EQ(transport_.Take<VerackMsg>(id).size(), 1u);
    pm_->OnMessage(id, VerackMsg{});
    transport_.sent.clear();
  }

  // Every peer answers the pings sent to it (so none times out); then forgets what was sent.
  void AnswerPings() {
    for (PeerId id : {1, 2, 3}) {
      for (const PingMsg& ping : transport_.Take<PingMsg>(id)) {
        pm_->OnMessage(id, PongMsg{ping.nonce});
      }
    }
    transport_.sent.clear();
  }

  void Tick(int64_t ms) {
    now_ms_ += ms;
    pm_->OnTick();
  }

  int64_t now_ms_ = 1'000'000;
  int64_t unix_now_ = 1'763'900'000;
  FakeNode node_;
  FakeTransport transport_;
  AddrMan addrman_;
  std::unique_ptr<PeerManager> pm_;
};

}  // namespace waybill::p2p::testing_pm
