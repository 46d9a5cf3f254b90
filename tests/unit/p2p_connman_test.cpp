// The connection manager over real loopback sockets: handshakes between two managers, frames a
// peer must not send (banned, refused afterwards), another network's magic (dropped, not
// banned), a connection to itself, and a clean stop with connections open. The node behind
// it is a stub: these tests are about connections, not chains.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "chain/serialize.h"
#include "p2p/connman.h"

namespace waybill::p2p {
namespace {

using namespace std::chrono_literals;

constexpr uint32_t kMagic = 0x57425201;

class StubNode : public NodeInterface {
 public:
  StubNode() { genesis.time = 1; }
  ChainSummary GetChainSummary() override { return ChainSummary{genesis.Id(), 0, genesis.Id(), 0}; }
  std::optional<HeaderInfo> GetHeaderInfo(const chain::Hash256& id) override {
    if (id != genesis.Id()) return std::nullopt;
    return HeaderInfo{0, chain::ArithU256(1), true, true, false};
  }
  std::vector<chain::Hash256> GetLocator() override { return {genesis.Id()}; }
  std::vector<chain::BlockHeader> GetHeadersAfter(const std::vector<chain::Hash256>&,
                                                  const chain::Hash256&, size_t) override {
    return {};
  }
  HeadersVerdict AcceptHeaders(const std::vector<chain::BlockHeader>&) override {
    HeadersVerdict v;
    v.connects = false;
    v.verdict = Verdict::Rejected("stub");
    return v;
  }
  std::vector<chain::Hash256> BlocksToDownload(
      const chain::Hash256&, size_t, uint32_t,
      const std::function<bool(const chain::Hash256&)>&) override {
    return {};
  }
  Verdict ProcessBlock(const chain::DecodedBlock&) override { return Verdict::Rejected("stub"); }
  std::optional<chain::Bytes> ReadBlock(const chain::Hash256&) override { return std::nullopt; }
  Verdict AcceptTx(const chain::Transaction&) override { return Verdict::Rejected("stub"); }
  bool HaveTx(const chain::Hash256&) override { return false; }
  std::optional<chain::Bytes> GetMempoolTx(const chain::Hash256&) override { return std::nullopt; }
  std::vector<chain::Hash256> MempoolTxids() override { return {}; }

  chain::BlockHeader genesis;
};

ConnmanOptions Options(const StubNode& node) {
  ConnmanOptions o;
  o.magic = kMagic;
  o.listen = NetAddress::FromIPv4(0x7f000001, 0);  // 127.0.0.1, a free port
  o.peer.genesis = node.genesis.Id();
  o.manual_retry_ms = 200;
  return o;
}

// Polls cond every 20 ms for up to 10 s.
template <typename F>
bool WaitFor(F cond) {
  for (int i = 0; i < 500; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return cond();
}

// A raw TCP client from a chosen loopback address.
class RawPeer {
 public:
  // rcvbuf > 0: a receive buffer this small (set before connecting), for a peer that does
  // not read.
  RawPeer(const NetAddress& to, const char* from_ip, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from_ip, &local.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local));
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(to.port);
    remote.sin_addr.s_addr = htonl(to.IPv4());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) == 0;
    timeval tv{0, 200'000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~RawPeer() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const chain::Bytes& bytes) {
    (void)!::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  // What recv(2) returns (waits up to 200 ms).
  ssize_t Recv(uint8_t* buf, size_t size) { return ::recv(fd_, buf, size, 0); }
  // True once the other side has closed the connection (reads and drops what it sends).
  bool ClosedByPeer() {
    return WaitFor([this] {
      uint8_t buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    });
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// What a raw peer sends to complete the handshake: its version (with `nonce`), then verack.
chain::Bytes HandshakeBytes(const StubNode& node, uint64_t nonce) {
  VersionMsg v;
  v.genesis = node.genesis.Id();
  v.nonce = nonce;
  v.timestamp = static_cast<int64_t>(std::time(nullptr));
  v.user_agent = "/raw/";
  chain::Bytes out = EncodeMessage(kMagic, v);
  chain::Bytes verack = EncodeMessage(kMagic, VerackMsg{});
  out.insert(out.end(), verack.begin(), verack.end());
  return out;
}

bool HandshakeDone(Connman& c, size_t peers) {
  auto info = c.GetPeerInfo();
  size_t done = 0;
  for (const auto& p : info) done += p.state.handshake_done;
  return done >= peers;
}

TEST(ConnmanTest, TwoNodesHandshakeAndStop) {
  StubNode node_a, node_b;
  Connman a(Options(node_a), &node_a, nullptr);
  ASSERT_TRUE(a.Start().ok());
  auto a_addr = a.ListenAddress();
  ASSERT_TRUE(a_addr.has_value());
  EXPECT_NE(a_addr->port, 0);

  ConnmanOptions ob = Options(node_b);
  ob.connect = {*a_addr};
  Connman b(ob, &node_b, nullptr);
  ASSERT_TRUE(b.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return HandshakeDone(a, 1) && HandshakeDone(b, 1); }));
  auto peers = b.GetPeerInfo();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_FALSE(peers[0].state.inbound);
  EXPECT_TRUE(peers[0].manual);
  EXPECT_EQ(peers[0].state.addr, *a_addr);
  EXPECT_GT(peers[0].bytes_received, 0u);
  NetworkInfo info = a.GetNetworkInfo();
  EXPECT_EQ(info.inbound, 1u);
  // A dropped manual peer is dialed again.
  EXPECT_TRUE(b.DisconnectNode(*a_addr));
  ASSERT_TRUE(WaitFor([&] { return HandshakeDone(b, 1); }));
  b.Stop();
  a.Stop();
}

TEST(ConnmanTest, SecondListenerOnTheSamePortFails) {
  StubNode node;
  Connman a(Options(node), &node, nullptr);
  ASSERT_TRUE(a.Start().ok());
  ConnmanOptions o = Options(node);
  o.listen = *a.ListenAddress();
  Connman b(o, &node, nullptr);
  chain::Status s = b.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.reason().find("cannot listen on"), std::string::npos);
}

TEST(ConnmanTest, OversizedFrameIsBannedAndTheIpRefused) {
  StubNode node;
  Connman a(Options(node), &node, nullptr);
  ASSERT_TRUE(a.Start().ok());
  {
    RawPeer bad(*a.ListenAddress(), "127.0.0.91");
    ASSERT_TRUE(bad.connected());
    chain::Writer w;
    w.U32(kMagic);
    uint8_t cmd[12] = {'p', 'i', 'n', 'g'};
    w.Raw(chain::ByteSpan(cmd, 12));
    w.U32(1'000'000);  // a ping is 8 bytes
    w.U32(0);
    bad.Send(w.Take());
    EXPECT_TRUE(bad.ClosedByPeer());
  }
  // The socket closes at once; the ban follows on the message thread.
  ASSERT_TRUE(WaitFor([&] { return !a.ListBanned().empty(); }));
  auto bans = a.ListBanned();
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].ip.IpString(), "127.0.0.91");
  // Refused from now on; other addresses are not.
  RawPeer again(*a.ListenAddress(), "127.0.0.91");
  EXPECT_TRUE(again.ClosedByPeer());
  RawPeer other(*a.ListenAddress(), "127.0.0.92");
  ASSERT_TRUE(WaitFor([&] { return a.ConnectionCount() == 1; }));
  EXPECT_TRUE(a.Unban(*NetAddress::ParseIp("127.0.0.91")));
  EXPECT_TRUE(a.ListBanned().empty());
}

TEST(ConnmanTest, AnotherNetworksMagicIsDroppedNotBanned) {
  StubNode node;
  Connman a(Options(node), &node, nullptr);
  ASSERT_TRUE(a.Start().ok());
  RawPeer other(*a.ListenAddress(), "127.0.0.93");
  other.Send(EncodeMessage(0x57424401, PingMsg{1}));
  EXPECT_TRUE(other.ClosedByPeer());
  for (const auto& ban : a.ListBanned()) ADD_FAILURE() << ban.ip.IpString() << ": " << ban.reason;
}

TEST(ConnmanTest, BadChecksumIsBanned) {
  StubNode node;
  Connman a(Options(node), &node, nullptr);
  ASSERT_TRUE(a.Start().ok());
  RawPeer bad(*a.ListenAddress(), "127.0.0.94");
  chain::Bytes frame = EncodeMessage(kMagic, PingMsg{1});
  frame[20] ^= 0xff;  // the checksum's first byte
  bad.Send(frame);
  EXPECT_TRUE(bad.ClosedByPeer());
  ASSERT_TRUE(WaitFor([&] { return a.ListBanned().size() == 1; }));
}

// A receive limit of one byte pauses reading after every frame until the message thread has
// processed it. The frames are stray pongs, which get no reply, so nothing but the message
// thread's Delivered() can resume reading (a finished write would too, and there is none);
// the ping at the end is answered only if reading resumed after every one of them.
TEST(ConnmanTest, ReadingPausedAtTheReceiveLimitAlwaysResumes) {
  StubNode node;
  ConnmanOptions o = Options(node);
  o.recv_queue_limit = 1;
  Connman a(o, &node, nullptr);
  ASSERT_TRUE(a.Start().ok());
  RawPeer peer(*a.ListenAddress(), "127.0.0.95");
  ASSERT_TRUE(peer.connected());
  peer.Send(HandshakeBytes(node, 77));

  // Reads frames as they come; true once a pong with `nonce` has arrived.
  chain::Bytes stream;
  std::set<uint64_t> pongs;
  auto pong_came = [&](uint64_t nonce) {
    uint8_t buf[65536];
    for (ssize_t n; (n = peer.Recv(buf, sizeof(buf))) > 0;) {
      stream.insert(stream.end(), buf, buf + n);
      while (stream.size() >= kFrameHeaderSize) {
        uint32_t length = 0;
        std::memcpy(&length, stream.data() + 16, 4);  // little-endian, as the host
        if (stream.size() < kFrameHeaderSize + length) break;
        const char* cmd = reinterpret_cast<const char*>(stream.data() + 4);
        if (std::string(cmd, strnlen(cmd, 12)) == "pong") {
          auto msg = DecodePayload(
              MsgType::kPong, chain::ByteSpan(stream.data() + kFrameHeaderSize, length), 1 << 20);
          if (msg.ok()) pongs.insert(std::get<PongMsg>(*msg).nonce);
        }
        stream.erase(stream.begin(), stream.begin() + kFrameHeaderSize + length);
      }
    }
    return pongs.count(nonce) > 0;
  };
  // The handshake's own writes are over once it answers a first ping.
  peer.Send(EncodeMessage(kMagic, PingMsg{1}));
  ASSERT_TRUE(WaitFor([&] { return pong_came(1); }));

  chain::Bytes strays;
  for (uint64_t i = 0; i < 400; ++i) {
    chain::Bytes pong = EncodeMessage(kMagic, PongMsg{1000 + i});
    strays.insert(strays.end(), pong.begin(), pong.end());
  }
  chain::Bytes last = EncodeMessage(kMagic, PingMsg{2});
  strays.insert(strays.end(), last.begin(), last.end());
  peer.Send(strays);  // one write: the frames arrive back to back
  EXPECT_TRUE(WaitFor([&] { return pong_came(2); }))
      << "reading stalled behind the 400 unanswered frames";
  EXPECT_TRUE(a.ListBanned().empty());
}

// A node whose every getheaders answer is a full message (2,000 headers, 232 KB): what a
// peer can ask for cheaply and then not read.
class BigHeadersNode : public StubNode {
 public:
  BigHeadersNode() {
    chain::Hash256 prev = genesis.Id();
    for (uint32_t i = 0; i < kMaxHeadersPerMessage; ++i) {
      chain::BlockHeader h;
      h.prev = prev;
      h.time = 2 + i;
      headers.push_back(h);
      prev = h.Id();
    }
  }
  std::vector<chain::BlockHeader> GetHeadersAfter(const std::vector<chain::Hash256>&,
                                                  const chain::Hash256&, size_t) override {
    return headers;
  }
  std::vector<chain::BlockHeader> headers;
};

class CapturingLog : public chain::LogSink {
 public:
  bool Enabled(chain::LogLevel) const override { return true; }
  void Log(chain::LogLevel, std::string_view, std::string_view message) override {
    std::lock_guard lock(mu_);
    text_ += std::string(message) + "\n";
  }
  bool Contains(const std::string& what) {
    std::lock_guard lock(mu_);
    return text_.find(what) != std::string::npos;
  }

 private:
  std::mutex mu_;
  std::string text_;
};

// This process's resident memory in KiB (VmRSS).
int64_t RssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return 0;
}

// Connects a raw peer that completes the handshake, then asks for `requests` full headers
// messages and never reads a byte.
void AskAndNeverRead(RawPeer& peer, const StubNode& node, int requests) {
  chain::Bytes out = HandshakeBytes(node, 78);
  chain::Bytes ask = EncodeMessage(kMagic, GetHeadersMsg{{node.genesis.Id()}, {}});
  for (int i = 0; i < requests; ++i) out.insert(out.end(), ask.begin(), ask.end());
  peer.Send(out);
}

// 300 getheaders (27 KB) ask for 70 MB of answers. The send queue is bounded: the node drops
// the peer once a frame would take the queue past its limit, and its memory grows by no more
// than about that limit (it used to queue up to 32 MiB, then stop reading, then wait 60 s).
TEST(ConnmanTest, PeerThatDoesNotReadIsDroppedAtTheSendQueueBound) {
  BigHeadersNode node;
  ConnmanOptions o = Options(node);
  o.send_drain_timeout_ms = 600'000;  // only the bound can drop it here
  CapturingLog log;
  Connman a(o, &node, &log);
  ASSERT_TRUE(a.Start().ok());
  RawPeer peer(*a.ListenAddress(), "127.0.0.96", /*rcvbuf=*/4096);
  ASSERT_TRUE(peer.connected());
  ASSERT_TRUE(WaitFor([&] { return a.ConnectionCount() == 1; }));
  const int64_t rss_before = RssKiB();
  int64_t rss_max = rss_before;
  AskAndNeverRead(peer, node, 300);
  EXPECT_TRUE(WaitFor([&] {
    rss_max = std::max(rss_max, RssKiB());
    return a.ConnectionCount() == 0;
  })) << "the peer that does not read is still connected";
  EXPECT_TRUE(log.Contains("send queue over")) << "dropped for another reason";
  std::printf("[ figures  ] resident memory grew by %lld KiB at most\n",
              static_cast<long long>(rss_max - rss_before));
#if !defined(__SANITIZE_ADDRESS__)  // ASan's quarantine keeps freed memory resident
  EXPECT_LT(rss_max - rss_before, 24 * 1024) << "resident memory grew by "
                                             << (rss_max - rss_before) / 1024 << " MiB";
#endif
  EXPECT_TRUE(a.ListBanned().empty());  // slow is not misbehaving
}

// Output that stays above the pause level for the drain deadline: a slow reader, dropped
// though the queue never reached its bound.
TEST(ConnmanTest, SlowReaderIsDroppedAfterTheDrainDeadline) {
  BigHeadersNode node;
  ConnmanOptions o = Options(node);
  o.max_block_size = 1'000'000;
  o.send_queue_pause = 1 << 20;
  o.send_queue_limit = 64 << 20;  // out of reach: only the deadline can drop it
  o.send_drain_timeout_ms = 1'000;
  CapturingLog log;
  Connman a(o, &node, &log);
  ASSERT_TRUE(a.Start().ok());
  RawPeer peer(*a.ListenAddress(), "127.0.0.97", /*rcvbuf=*/4096);
  ASSERT_TRUE(peer.connected());
  ASSERT_TRUE(WaitFor([&] { return a.ConnectionCount() == 1; }));
  AskAndNeverRead(peer, node, 60);  // 14 MB of answers
  EXPECT_TRUE(WaitFor([&] { return a.ConnectionCount() == 0; }));
  EXPECT_TRUE(log.Contains("slow reader")) << "dropped for another reason";
  EXPECT_TRUE(a.ListBanned().empty());
}

// (A connection that reaches ourselves by another address is caught by the version nonce:
// PeerManagerTest.ConnectionToSelfIsDetected.)
TEST(ConnmanTest, OwnListeningAddressIsNeverDialed) {
  StubNode node;
  ConnmanOptions o = Options(node);
  Connman probe(o, &node, nullptr);
  ASSERT_TRUE(probe.Start().ok());
  NetAddress self = *probe.ListenAddress();
  probe.Stop();
  // Dial our own listening address (the port is free again: bind it ourselves).
  o.listen = self;
  o.addnodes = {NetAddress::FromIPv4(0x7f000001, self.port)};
  Connman a(o, &node, nullptr);
  ASSERT_TRUE(a.Start().ok());
  std::this_thread::sleep_for(1500ms);  // several redial periods
  EXPECT_EQ(a.ConnectionCount(), 0u);
  EXPECT_TRUE(a.ListBanned().empty());
}

}  // namespace
}  // namespace waybill::p2p
