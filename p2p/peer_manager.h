// The peer logic of the overlay: what to say to each peer and what to do with what it says.
// Handshake and ping, address gossip, inv/getdata flooding with seen-filters, headers-first
// sync with a parallel block download window, mempool anti-entropy, and misbehaviour scores.
//
// Pure logic: no sockets and no threads. The connection manager (p2p/connman.h) feeds it
// events and carries out what it asks through the Transport interface; tests drive it with a
// fake Transport and a fake NodeInterface. NOT thread-safe: every call comes from one thread
// (the connection manager's message thread), one at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "chain/log.h"
#include "p2p/addrman.h"
#include "p2p/eviction.h"
#include "p2p/flat_id_map.h"
#include "p2p/messages.h"
#include "p2p/net_address.h"
#include "p2p/node_interface.h"
#include "p2p/rolling_set.h"

namespace waybill::p2p {

using PeerId = uint64_t;

// What the peer logic asks of the connections. Implemented by the connection manager.
class Transport {
 public:
  virtual ~Transport() = default;
  // Queues a message; dropped silently if the peer is gone.
  virtual void Send(PeerId peer, const Message& msg) = 0;
  // Queues an already encoded payload (a stored block or tx, served as it is).
  virtual void SendRaw(PeerId peer, MsgType type, chain::Bytes payload) = 0;
  // Bytes queued for the peer and not yet written to its socket.
  virtual size_t SendQueueBytes(PeerId peer) = 0;
  // True while messages from the peer have arrived but not yet been handed to OnMessage (the
  // message thread is behind): the peer is not idle, and its pong may be among them.
  virtual bool HasPendingInput(PeerId /*peer*/) { return false; }
  enum class Why {
    kNormal,      // timeouts, stalls, protocol mismatch: no blame
    kMisbehaved,  // the score reached the bound: ban the peer's address
    kSelf,        // a connection to ourselves: never dial that address again
  };
  // An inbound peer accepts connections at addr (its IP, the port its version announced): a
  // connection to addr would be a second one to the same node.
  virtual void PeerListensAt(PeerId /*peer*/, const NetAddress& /*addr*/) {}
  // Closes the connection; OnDisconnected follows.
  virtual void Disconnect(PeerId peer, Why why, const std::string& reason) = 0;
};

struct PeerManagerOptions {
  chain::Hash256 genesis;
  size_t max_block_size = 4'000'000;
  std::string user_agent = "/waybill/";
  uint16_t listen_port = 0;  // announced in version; 0 = not listening

  // Times in milliseconds.
  int64_t handshake_timeout_ms = 10'000;
  int64_t ping_interval_ms = 30'000;
  int64_t idle_timeout_ms = 90'000;  // nothing received for this long: drop the peer
  int64_t block_request_timeout_ms = 20'000;
  int64_t tx_request_timeout_ms = 30'000;
  int64_t headers_request_timeout_ms = 30'000;
  int64_t tx_announce_interval_ms = 250;        // txs are announced in batches this often,
  size_t tx_announce_batch = 250;               // or as soon as this many wait for a peer
  int64_t mempool_sync_interval_ms = 30'000;    // anti-entropy; 0 = never
  int64_t headers_resync_interval_ms = 60'000;  // ask a peer for headers if nothing moved
  int64_t addr_refresh_interval_ms = 30'000;    // getaddr to a random outbound peer; 0 = never

  size_t blocks_in_flight_per_peer = 16;
  uint32_t block_download_window = 1024;
  size_t max_stalls = 3;  // block requests that timed out before the peer is dropped

  int ban_score = 100;
  // Misbehaviour points are forgiven at one per this many ms (0: never), so occasional
  // mistakes of an honest peer never add up to a ban (docs/PROTOCOL.md §12.7).
  int64_t score_decay_ms = 60'000;
  // Messages with a command this node does not know (a newer protocol's) are read and
  // ignored within a per-peer budget of messages and bytes: a bucket of each, refilled at the
  // given rate up to the burst. Each one beyond either costs unknown_over_budget_score.
  double unknown_msgs_per_second = 10;
  double unknown_msgs_burst = 1000;
  double unknown_bytes_per_second = 64 << 10;
  double unknown_bytes_burst = 8 << 20;
  int unknown_over_budget_score = 10;
  size_t known_inventory = 50'000;  // per peer
  size_t recent_rejects = 50'000;
  size_t recent_accepted = 50'000;
  size_t tx_requests_per_peer = 5'000;
  size_t announce_queue_per_peer = 20'000;
  size_t getdata_queue_per_peer = kMaxInvEntries;
  size_t orphan_txs = 2000;
  size_t orphan_bytes = 8 << 20;
  size_t send_queue_soft_limit = 4 << 20;  // getdata is served while less is queued

  // Addr messages: a token bucket per peer, as Bitcoin's 0.1 per second, burst 1000.
  double addr_rate_per_second = 0.1;
  double addr_burst = 1000;
};

// What getpeerinfo shows, from the peer logic's side.
struct PeerState {
  PeerId id = 0;
  NetAddress addr;
  bool inbound = false;
  bool handshake_done = false;
  uint32_t version = 0;
  std::string user_agent;
  uint32_t start_height = 0;
  int64_t connected_ms = 0;
  int64_t last_recv_ms = 0;
  std::optional<int64_t> ping_ms;  // last measured round trip
  int score = 0;
  std::optional<uint32_t> best_known_height;  // of the best header the peer has shown us
  size_t blocks_in_flight = 0;
  uint64_t messages_received = 0;
};

class PeerManager {
 public:
  // REQUIRES: node, transport and addrman outlive the manager. log may be null.
  // now_ms: a monotonic clock in milliseconds; unix_now: seconds since the epoch.
  PeerManager(PeerManagerOptions options, NodeInterface* node, Transport* transport,
              AddrMan* addrman, chain::LogSink* log, std::function<int64_t()> now_ms,
              std::function<int64_t()> unix_now, uint64_t seed = 0);
  ~PeerManager();
  PeerManager(const PeerManager&) = delete;
  PeerManager& operator=(const PeerManager&) = delete;

  // A connection is open; both sides send version at once.
  void OnConnected(PeerId peer, const NetAddress& addr, bool inbound);
  // received_ms: when the message arrived (its frame was read), on the now_ms clock. Rates a
  // peer must keep are judged by arrival, so a node that stalls (a long RPC holding the chain)
  // and then processes a backlog never blames its peers for the bunching. Without it: now.
  void OnMessage(PeerId peer, const Message& msg);
  void OnMessage(PeerId peer, const Message& msg, int64_t received_ms);
  // A frame with a valid header but a command this node does not know, `bytes` long in all:
  // ignored, but counted against the peer's budget for unknown messages.
  void OnUnknownMessage(PeerId peer, const std::string& command, size_t bytes,
                        int64_t received_ms);
  // A frame the connection could not accept (bad checksum, oversized, undecodable payload):
  // score points against the peer.
  void OnBadFrame(PeerId peer, int score, const std::string& reason);
  void OnDisconnected(PeerId peer);
  // Timers: handshakes, pings, idle peers, request timeouts, tx announcements, anti-entropy.
  // Call often (the connection manager: every 20 ms); timers are checked against now_ms.
  void OnTick();

  // The node's tip moved: announce the newly connected blocks by header.
  void OnBlocksConnected(const std::vector<chain::BlockHeader>& headers);
  // A tx entered the mempool by other means (RPC): announce it.
  void OnLocalTx(const chain::Hash256& txid);

  // Every inbound slot is taken and another peer wants one: picks an inbound peer by the
  // eviction rules (p2p/eviction.h) and disconnects it. False if every one is protected.
  bool EvictInbound();
  // The inbound peers as eviction candidates (not those already disconnecting).
  std::vector<EvictionCandidate> InboundEvictionCandidates() const;

  std::vector<PeerState> Peers() const;
  size_t HandshakedPeers() const;
  // Adds misbehaviour points (tests, RPC); disconnects and bans at the bound.
  void Misbehave(PeerId peer, int score, const std::string& reason);

 private:
  struct Peer;
  Peer* Find(PeerId id);

  void SendVersion(Peer& peer);
  void HandleVersion(Peer& peer, const VersionMsg& msg);
  void HandleVerack(Peer& peer);
  void HandshakeDone(Peer& peer);
  void HandlePing(Peer& peer, const PingMsg& msg);
  void HandlePong(Peer& peer, const PongMsg& msg);
  void HandleGetAddr(Peer& peer);
  void HandleAddr(Peer& peer, const AddrMsg& msg);
  void HandleInv(Peer& peer, const InvMsg& msg);
  void HandleGetData(Peer& peer, const GetDataMsg& msg);
  void HandleNotFound(Peer& peer, const NotFoundMsg& msg);
  void HandleGetHeaders(Peer& peer, const GetHeadersMsg& msg);
  void HandleHeaders(Peer& peer, const HeadersMsg& msg);
  void HandleBlock(Peer& peer, const BlockMsg& msg);
  void HandleTx(Peer& peer, const TxMsg& msg);
  void HandleTxs(Peer& peer, const TxsMsg& msg);
  void HandleMempool(Peer& peer);
  // The peer's score after decay until now (docs/PROTOCOL.md §12.7).
  int DecayedScore(const Peer& peer, int64_t now) const;
  // An inv of every mempool tx (anti-entropy, both directions).
  void SendMempoolInv(Peer& peer);

  void ServeGetData(Peer& peer);
  // getheaders with our locator, preceded by `after` if set (a presync's resume point).
  void RequestHeaders(Peer& peer, const std::optional<chain::Hash256>& after = std::nullopt);
  void UpdateBestKnown(Peer& peer, const chain::Hash256& id);
  void ScheduleDownloads(Peer& peer);
  void ScheduleAllDownloads();
  void RequestTxs(Peer& peer, const std::vector<chain::Hash256>& txids);
  void ProcessTx(Peer* from, const chain::Transaction& tx, const chain::Hash256& txid);
  // What follows the node's verdict on a tx from `from` (null: not from a peer). An accepted
  // tx's sender goes into *retry (its orphans may follow now) if retry is set, else its
  // orphans are retried at once.
  void OnTxVerdict(Peer* from, const chain::Transaction& tx, const chain::Hash256& txid,
                   const Verdict& v, std::vector<chain::AccountId>* retry);
  void RetryOrphans(const chain::AccountId& sender);
  void AnnounceTx(const chain::Hash256& txid, PeerId except);
  void FlushTxAnnouncements(Peer& peer);
  void FlushHeaderAnnouncements(Peer& peer);
  void MempoolSync();
  // OnTick for one peer: handshake, idle and ping timeouts, pings, expired requests, queued
  // getdata and announcements. True if blocks asked of it timed out (it stalled).
  bool TickPeer(Peer& peer, int64_t now);
  void RelayAddresses(const Peer& from, const std::vector<AddrEntry>& entries);
  void ClearBlockRequest(const chain::Hash256& id);
  void Disconnect(Peer& peer, Transport::Why why, const std::string& reason);
  void Log(chain::LogLevel level, const std::string& msg);
  // For messages whose content a peer controls: at most a few lines a second.
  void LogPeer(chain::LogLevel level, const Peer& peer, const std::string& msg);
  // True the first time addr is passed (within recent_addr_relays_' memory), false after.
  bool MarkRelayed(const NetAddress& addr);
  void RefreshAddresses();

  // Fixed after construction.
  const PeerManagerOptions options_;
  NodeInterface* const node_;
  Transport* const transport_;
  AddrMan* const addrman_;
  chain::LogSink* const log_;
  const std::function<int64_t()> now_ms_;
  const std::function<int64_t()> unix_now_;

  std::mt19937_64 rng_;
  // In id order. Behind unique_ptr: a Peer& stays valid while other peers come and go.
  FlatIdMap<PeerId, std::unique_ptr<Peer>> peers_;
  // Every block requested, by whom: each block is asked of one peer at a time.
  std::unordered_map<chain::Hash256, PeerId, SaltedIdHasher> block_requests_;
  // Every tx requested, by whom.
  std::unordered_map<chain::Hash256, PeerId, SaltedIdHasher> tx_requests_;
  // Txs refused for a reason that may pass with a new tip: cleared on every tip change.
  RollingIdSet recent_rejects_;
  // Txs this node took into its mempool lately: an inv of one needs no HaveTx. One that left
  // the mempool since (evicted, or no longer valid on a new tip) is not fetched again while
  // remembered here, as a rejected one is not.
  RollingIdSet recent_accepted_;
  // Addresses this node relayed lately (hashes of their bytes): each is relayed once.
  static constexpr size_t kRecentAddrRelays = 10'000;
  RollingIdSet recent_addr_relays_;
  // Txs waiting for an earlier nonce of their sender (bounded by options_.orphan_txs and
  // options_.orphan_bytes).
  struct Orphan {
    chain::Transaction tx;
    PeerId from;
    int64_t added_ms;
    size_t bytes;  // encoded size
  };
  using OrphanMap = std::unordered_map<chain::Hash256, Orphan, SaltedIdHasher>;
  OrphanMap orphans_;
  // The orphans by (sender, nonce): RetryOrphans finds a sender's lowest without a scan.
  std::multimap<std::pair<chain::AccountId, uint64_t>, chain::Hash256> orphans_by_sender_;
  size_t orphan_bytes_ = 0;  // of every orphan's encoding, at most options_.orphan_bytes
  OrphanMap::iterator EraseOrphan(OrphanMap::iterator it);
  // Nonces of the versions we sent, to spot connections to ourselves.
  std::unordered_map<uint64_t, PeerId> local_nonces_;
  int64_t next_mempool_sync_ms_ = 0;
  int64_t next_addr_refresh_ms_ = 0;
  int64_t last_tip_change_ms_ = 0;
  int64_t last_reschedule_ms_ = 0;
  // When the message being handled arrived: the time its rate rules are judged by.
  int64_t arrival_ms_ = 0;
  // Secret key of the address-group hashes of eviction (p2p/eviction.h).
  uint64_t netgroup_key_ = 0;
  chain::TokenBucket log_limit_{5, 20};
};

}  // namespace waybill::p2p
