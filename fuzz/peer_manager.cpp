// The peer message dispatcher: a PeerManager over a fake node and a fake transport, driven by
// an arbitrary sequence of events (connections, messages, unknown commands, bad frames, clock
// steps, tip changes, evictions) read from the input. Messages are built from the input with
// the right shape often enough to get past the handshake (the right genesis, hashes from a
// small pool the fake node knows, headers that connect), and also decoded from raw payload
// bytes. Checks: nothing crashes, the manager only talks to peers it knows, every message it
// sends fits its wire bound, scores stay within [0, ban bound + largest penalty], and after
// every peer is gone it keeps no peer state.
#include <algorithm>
#include <map>
#include <set>

#include "chain/schnorr.h"
#include "fuzz/fuzz.h"
#include "p2p/addrman.h"
#include "p2p/peer_manager.h"
#include "tests/unit/p2p_fake_node.h"

using namespace waybill;
using namespace waybill::p2p;

namespace {

constexpr size_t kMaxBlock = 4'000'000;
constexpr PeerId kMaxPeers = 8;

class Input {
 public:
  Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return pos_ >= size_; }
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{Byte()} << (8 * i);
    return v;
  }
  chain::Bytes Take(size_t n) {
    n = std::min(n, size_ - std::min(pos_, size_));
    chain::Bytes out(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

using p2p::testing::H;

// A block tree with no proof of work: every header whose parent is known is accepted (at most
// 5000 of them), some header and block nonces are invalid, and the tx nonce picks the verdict.
class FakeNode : public p2p::testing::FakeNodeBase {
 public:
  ChainSummary GetChainSummary() override {
    const auto h = static_cast<uint32_t>(active.size() - 1);
    return ChainSummary{active.back(), h, active.back(), h};
  }
  std::vector<chain::Hash256> GetLocator() override { return {active.back(), genesis_id}; }
  std::vector<chain::BlockHeader> GetHeadersAfter(const std::vector<chain::Hash256>&,
                                                  const chain::Hash256&, size_t max) override {
    std::vector<chain::BlockHeader> out;
    for (size_t i = 1; i < active.size() && out.size() < max; ++i) {
      out.push_back(entries[active[i]].header);
    }
    return out;
  }
  HeadersVerdict AcceptHeaders(const std::vector<chain::BlockHeader>& list) override {
    HeadersVerdict v;
    for (size_t i = 0; i < list.size(); ++i) {
      auto parent = entries.find(list[i].prev);
      if (parent == entries.end()) {
        v.connects = i > 0;
        v.verdict = Verdict::Invalid(100, "prev-not-found");
        return v;
      }
      if (list[i].nonce % 7 == 3) {
        v.verdict = Verdict::Invalid(100, "high-hash");
        return v;
      }
      const chain::Hash256 id = list[i].Id();
      if (entries.size() < 5000) {
        entries.emplace(id, Entry{list[i], parent->second.height + 1, false});
      }
      if (!entries.count(id)) break;
      v.accepted++;
      v.last = id;
    }
    return v;
  }
  std::vector<chain::Hash256> BlocksToDownload(
      const chain::Hash256& target, size_t max, uint32_t,
      const std::function<bool(const chain::Hash256&)>& skip) override {
    std::vector<chain::Hash256> path;
    for (chain::Hash256 walk = target; entries.count(walk) && !entries[walk].have_data;
         walk = entries[walk].header.prev) {
      path.push_back(walk);
    }
    std::reverse(path.begin(), path.end());
    std::vector<chain::Hash256> out;
    for (const chain::Hash256& id : path) {
      if (out.size() >= max) break;
      if (!skip(id)) out.push_back(id);
    }
    return out;
  }
  Verdict ProcessBlock(const chain::DecodedBlock& block) override {
    const chain::Hash256 id = block.block.header.Id();
    auto it = entries.find(id);
    if (it == entries.end()) return Verdict::Orphan("prev-blk-not-found");
    if (block.block.header.nonce % 5 == 4) return Verdict::Invalid(100, "bad-merkle-root");
    it->second.have_data = true;
    if (block.block.header.prev == active.back()) active.push_back(id);
    return Verdict::Accepted();
  }
  Verdict AcceptTx(const chain::Transaction& tx) override {
    const chain::Hash256 id = tx.Id();
    if (mempool.count(id)) return Verdict::Known();
    switch (tx.nonce % 4) {
      case 1:
        return Verdict::Orphan("nonce-gap");
      case 2:
        return Verdict::Invalid(100, "bad-signature");
      case 3:
        return Verdict::Rejected("insufficient-balance");
      default:
        if (mempool.size() < 1000) mempool[id] = tx;
        return Verdict::Accepted();
    }
  }

 protected:
  // Some headers count as failed.
  bool IsFailed(const chain::Hash256& id) const override { return (id.bytes[0] & 0x0f) == 0x0f; }
};

class FakeTransport : public Transport {
 public:
  void Send(PeerId peer, const Message& msg) override {
    FUZZ_CHECK(connected.count(peer));
    FUZZ_CHECK(EncodePayload(msg).size() <= MaxPayloadSize(TypeOf(msg), kMaxBlock));
    if (const auto* ping = std::get_if<PingMsg>(&msg)) last_ping[peer] = ping->nonce;
    if (const auto* v = std::get_if<VersionMsg>(&msg)) last_version_nonce = v->nonce;
    if (const auto* g = std::get_if<GetDataMsg>(&msg)) {
      for (const InvItem& item : g->items) requested.push_back(item);
      if (requested.size() > 64) requested.erase(requested.begin(), requested.end() - 64);
    }
    ++sent;
  }
  void SendRaw(PeerId peer, MsgType type, chain::Bytes payload) override {
    FUZZ_CHECK(connected.count(peer));
    FUZZ_CHECK(payload.size() <= MaxPayloadSize(type, kMaxBlock));
    ++sent;
  }
  size_t SendQueueBytes(PeerId peer) override { return queue_bytes[peer]; }
  void Disconnect(PeerId peer, Why, const std::string&) override {
    FUZZ_CHECK(connected.count(peer));
    closing.insert(peer);
  }

  std::set<PeerId> connected;
  std::set<PeerId> closing;  // asked to close; OnDisconnected follows at the next step
  std::map<PeerId, size_t> queue_bytes;
  std::map<PeerId, uint64_t> last_ping;
  uint64_t last_version_nonce = 0;
  std::vector<InvItem> requested;
  uint64_t sent = 0;
};

// A few signed txs (signing is slow: made once).
const std::vector<chain::Transaction>& Txs() {
  static const std::vector<chain::Transaction> txs = [] {
    std::vector<chain::Transaction> out;
    for (uint64_t nonce = 0; nonce < 8; ++nonce) out.push_back(p2p::testing::SignedTx(nonce));
    return out;
  }();
  return txs;
}

struct Harness {
  FakeNode node;
  FakeTransport transport;
  AddrMan addrman;
  int64_t now_ms = 1'000'000;
  int64_t unix_now = 1'763'900'000;
  PeerManager pm;

  // A small book: its tables are filled on every input, and it is not what is fuzzed here.
  static AddrManOptions BookOptions() {
    AddrManOptions o;
    o.key = H(0x42);
    o.seed = 1;
    o.new_bucket_count = 8;
    o.tried_bucket_count = 4;
    o.bucket_size = 8;
    o.new_buckets_per_source_group = 4;
    o.tried_buckets_per_group = 2;
    return o;
  }
  static PeerManagerOptions Options(const chain::Hash256& genesis) {
    PeerManagerOptions o;
    o.genesis = genesis;
    o.listen_port = 18541;
    o.mempool_sync_interval_ms = 1000;
    o.addr_refresh_interval_ms = 1000;
    return o;
  }
  Harness()
      : addrman(BookOptions()),
        pm(Options(node.genesis_id), &node, &transport, &addrman, nullptr,
           [this] { return now_ms; }, [this] { return unix_now; }, /*seed=*/7) {}

  // A hash the node or the peers may know: an active block, any header, a tx, or noise.
  chain::Hash256 PoolHash(Input& in) {
    const uint8_t pick = in.Byte();
    switch (pick % 4) {
      case 0:
        return node.active[pick % node.active.size()];
      case 1: {
        auto it = node.entries.begin();
        std::advance(it, static_cast<long>(pick % node.entries.size()));
        return it->first;
      }
      case 2:
        return Txs()[pick % Txs().size()].Id();
      default:
        return H(pick);
    }
  }
  static NetAddress Addr(uint8_t b) {
    return NetAddress::FromIPv4(0x0a000000u | ((b * 2654435761u) >> 8), 18541);
  }

  Message Build(Input& in) {
    const uint8_t kind = in.Byte();
    switch (kind % 12) {
      case 0: {
        VersionMsg v;
        v.genesis = in.Byte() == 0xff ? H(9) : node.genesis_id;
        const bool echo = in.Byte() == 0xff;  // our own nonce: a connection to ourselves
        v.nonce = echo ? transport.last_version_nonce : in.U64();
        v.version = in.Byte() == 0xff ? 0 : kProtocolVersion;
        v.listen_port = in.Byte();
        v.user_agent = "/fuzz/";
        return v;
      }
      case 1:
        return VerackMsg{};
      case 2:
        return PingMsg{in.U64()};
      case 3:
        return PongMsg{in.U64()};
      case 4: {
        AddrMsg a;
        for (size_t n = in.Byte() % 16; n > 0; --n) {
          const auto time = static_cast<uint32_t>(unix_now - in.Byte() * 10);
          a.entries.push_back(AddrEntry{time, Addr(in.Byte())});
        }
        return a;
      }
      case 5:
      case 6: {
        std::vector<InvItem> items;
        for (size_t n = in.Byte() % 8; n > 0; --n) {
          const InvType type = in.Byte() & 1 ? InvType::kBlock : InvType::kTx;
          items.push_back(InvItem{type, PoolHash(in)});
        }
        if (kind % 12 == 5) return InvMsg{items};
        if (kind & 0x80) return NotFoundMsg{items};
        return GetDataMsg{items};
      }
      case 7: {
        GetHeadersMsg g;
        g.locator = {PoolHash(in)};
        return g;
      }
      case 8: {
        // A run of headers on a known (or unknown) parent.
        HeadersMsg h;
        chain::Hash256 prev = PoolHash(in);
        uint32_t time = 2000;
        for (size_t n = in.Byte() % 10; n > 0; --n) {
          chain::BlockHeader header;
          header.prev = prev;
          header.time = ++time;
          header.nonce = in.Byte();
          h.headers.push_back(header);
          prev = header.Id();
        }
        return h;
      }
      case 9: {
        // A block: one we asked for if the input says so, else any known header's.
        BlockMsg b;
        const uint8_t which = in.Byte();
        std::optional<chain::Hash256> id;
        if ((which & 1) && !transport.requested.empty()) {
          id = transport.requested[which % transport.requested.size()].hash;
        } else {
          id = PoolHash(in);
        }
        auto it = node.entries.find(*id);
        if (it != node.entries.end()) b.block.block.header = it->second.header;
        return b;
      }
      case 10: {
        if (in.Byte() & 1) return TxMsg{Txs()[in.Byte() % Txs().size()]};
        TxsMsg batch;  // protocol 4: one to three txs, asked for or not
        for (size_t n = 1 + in.Byte() % 3; n > 0; --n) {
          batch.txs.push_back(Txs()[in.Byte() % Txs().size()]);
        }
        return batch;
      }
      default:
        return in.Byte() & 1 ? Message{MempoolMsg{}} : Message{GetAddrMsg{}};
    }
  }

  void Step(Input& in) {
    // The connection manager reports the closes the manager asked for.
    for (PeerId id : transport.closing) {
      transport.connected.erase(id);
      pm.OnDisconnected(id);
    }
    transport.closing.clear();

    const uint8_t op = in.Byte();
    const PeerId id = 1 + in.Byte() % kMaxPeers;
    const bool known = transport.connected.count(id) > 0;
    switch (op % 10) {
      case 0:
        if (!known) {
          transport.connected.insert(id);
          pm.OnConnected(id, Addr(static_cast<uint8_t>(id)), in.Byte() & 1);
        }
        return;
      case 1:
        if (known && !transport.closing.count(id)) {
          transport.connected.erase(id);
          pm.OnDisconnected(id);
        }
        return;
      case 2: {
        const int64_t steps = in.Byte();
        now_ms += steps * (in.Byte() & 1 ? 1000 : 10);
        unix_now = now_ms / 1000 + 1'762'900'000;
        pm.OnTick();
        return;
      }
      case 3:
      case 4: {
        // (Every read from the input is sequenced: the same bytes mean the same steps with
        // any compiler.)
        const Message msg = Build(in);
        const int64_t arrival = now_ms - in.Byte();
        if (known) pm.OnMessage(id, msg, arrival);
        return;
      }
      case 5: {
        // Raw payload bytes of any type: decoded strictly, as the connection does.
        const auto type = static_cast<MsgType>(in.Byte() % kMsgTypeCount);
        const chain::Bytes payload = in.Take(in.Byte());
        if (!known) return;
        auto msg = DecodePayload(type, payload, kMaxBlock);
        if (msg.ok()) {
          pm.OnMessage(id, *msg, now_ms);
        } else {
          pm.OnBadFrame(id, 100, "malformed");
        }
        return;
      }
      case 6: {
        const std::string command = "x" + std::to_string(in.Byte());
        const size_t bytes = in.Byte();
        const size_t shift = in.Byte() % 16;
        if (known) pm.OnUnknownMessage(id, command, bytes << shift, now_ms);
        return;
      }
      case 7:
        if (known) {
          // The pong it is waiting for, or the send queue filling up.
          if (in.Byte() & 1) {
            pm.OnMessage(id, PongMsg{transport.last_ping[id]}, now_ms);
          } else {
            transport.queue_bytes[id] = size_t{in.Byte()} << 16;
          }
        }
        return;
      case 8: {
        const uint8_t what = in.Byte();
        if (what % 3 == 0) {
          std::vector<chain::BlockHeader> connected;
          connected.push_back(node.entries[node.active.back()].header);
          pm.OnBlocksConnected(connected);
        } else if (what % 3 == 1) {
          pm.OnLocalTx(Txs()[what % Txs().size()].Id());
        } else {
          pm.EvictInbound();
        }
        return;
      }
      default:
        if (known) pm.Misbehave(id, in.Byte() % 40, "fuzz");
        return;
    }
  }

  void Check() {
    const auto peers = pm.Peers();
    for (const PeerState& s : peers) {
      FUZZ_CHECK(transport.connected.count(s.id));
      FUZZ_CHECK(s.score >= 0 && s.score < 200);
    }
    for (const EvictionCandidate& c : pm.InboundEvictionCandidates()) {
      FUZZ_CHECK(transport.connected.count(c.id));
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Harness h;
  Input in(data, size);
  for (int steps = 0; !in.empty() && steps < 2000; ++steps) {
    h.Step(in);
    h.Check();
  }
  // Everyone leaves: nothing may be left behind.
  for (PeerId id : std::set<PeerId>(h.transport.connected)) h.pm.OnDisconnected(id);
  h.transport.connected.clear();
  FUZZ_CHECK(h.pm.Peers().empty());
  FUZZ_CHECK(h.pm.HandshakedPeers() == 0);
  return 0;
}
