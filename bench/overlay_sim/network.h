// The simulated overlay: every node runs the real p2p::PeerManager and p2p::AddrMan over a
// simulated network driven by one discrete-event clock (event_queue.h). No sockets, no threads.
//
// The network model (what is simulated):
// - one-way latency per pair of nodes, lognormal (median, sigma), the same in both directions
//   and for every connection between the pair;
// - each node's uplink: a FIFO at a fixed bandwidth, so a message leaves after everything the
//   node queued before it (a block's bytes are charged as `block_bytes`: simulated blocks carry
//   no txs); the downlink is not modelled;
// - message loss (a message silently dropped with a fixed probability), a partition (messages
//   and dials between the two sides dropped while it lasts) and churn (nodes leave, closing
//   their connections, and come back with their address book and chain).
//
// The connection manager of each node mirrors p2p/connman.cpp's policy, simplified: outbound
// target, at most two dials at a time, addresses from the node's AddrMan (excluding peers,
// pending dials, banned addresses and addresses dialed in the last 30 s), an inbound cap with
// eviction by PeerManager::EvictInbound, rotation of one outbound peer every rotate_ms. It has
// no seeds list (each node starts with `seed_addresses` addresses in its book, as from a DNS
// seed), no manual peers, no feeler connections, a dial takes one round trip (or the connect
// timeout when nobody answers), and a ban is by node and never expires.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/overlay_sim/event_queue.h"
#include "bench/overlay_sim/sim_chain.h"
#include "p2p/addrman.h"
#include "p2p/peer_manager.h"

namespace waybill::overlay_sim {

struct NetworkOptions {
  uint64_t seed = 1;
  double latency_median_ms = 50;  // one way
  double latency_sigma = 0.5;     // of the lognormal's log
  double uplink_mbit = 50;        // per node
  double loss = 0;                // per message
  size_t block_bytes = 1'000'000;
  int64_t validate_ms = 20;  // a received block is announced on after this
  int64_t tick_ms = 100;     // PeerManager::OnTick period (the real connman: 20 ms) ...
  // ... while the node heard from a peer or was handed a block or tx within the last
  // idle_tick_ms; otherwise every idle_tick_ms (its timers are seconds long).
  int64_t idle_tick_ms = 1'000;
  size_t max_outbound = 8;
  size_t max_inbound = 64;
  int64_t maintain_ms = 500;
  int64_t rotate_ms = 10 * 60 * 1000;
  int64_t connect_timeout_ms = 5'000;
  size_t seed_addresses = 64;  // addresses each node's book starts with
  // Address book geometry, scaled down from the node's 256x64 new and 64x64 tried so that
  // 10,000 books fit in memory; the fan-outs keep the node's proportions (1/16 of each table).
  uint32_t new_buckets = 64;
  uint32_t tried_buckets = 16;
  uint32_t bucket_size = 16;
  size_t known_inventory = 5'000;    // per peer (the node: 50,000)
  int64_t mempool_sync_ms = 30'000;  // PeerManagerOptions::mempool_sync_interval_ms; 0: never
  // Eclipse: this fraction of the nodes are the attacker's. They speak the protocol, accept
  // connections and dial nobody; their books hold only their own addresses, so every getaddr
  // answer from them is theirs. With addr_flood they also send each peer an addr of up to
  // 1,000 of their addresses every flood_interval_ms.
  double attacker_fraction = 0;
  bool attacker_addr_flood = false;
  int64_t attacker_flood_interval_ms = 10'000;
};

struct NodeCounters {
  uint64_t inv_tx_items = 0;  // announcements of tracked txs received (inv items)
  uint64_t tx_bodies = 0;     // tracked txs received
  uint64_t block_bodies = 0;  // block messages received
  uint64_t bytes_sent = 0;
  uint64_t messages_received = 0;
};

// One node's connections and book, for explaining an eclipse.
struct NodeSummary {
  uint64_t starts = 0;  // 1 + restarts by churn
  size_t inbound = 0, outbound = 0, pending = 0, banned = 0;
  size_t new_entries = 0, new_attacker = 0, tried_entries = 0, tried_attacker = 0;
};

class Network {
 public:
  static constexpr uint16_t kPort = 18444;
  static constexpr int64_t kUnixStart = 1'700'000'000;

  Network(NetworkOptions options, size_t nodes);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  static constexpr int64_t kStartSpreadMs = 30'000;

  // Starts every node at a random moment in the first kStartSpreadMs.
  void Start();
  void RunFor(int64_t ms) { queue_.RunUntil(queue_.now_us() + ms * 1000); }
  int64_t now_ms() const { return queue_.now_ms(); }
  int64_t now_us() const { return queue_.now_us(); }
  EventQueue& queue() { return queue_; }
  std::mt19937_64& rng() { return rng_; }

  size_t size() const { return nodes_.size(); }
  bool alive(uint32_t node) const;
  bool attacker(uint32_t node) const;
  bool IsAttackerAddress(const p2p::NetAddress& addr) const;
  // A uniformly random alive honest node.
  uint32_t RandomHonest();

  // The node mines a block on its tip and announces it: the block's index in world().
  uint32_t MineBlock(uint32_t node);
  // A new tx submitted to the node: its index in world().
  uint32_t SubmitTx(uint32_t node);
  const SimWorld& world() const { return world_; }
  bool HasTx(uint32_t node, uint32_t tx) const;
  bool HasBlock(uint32_t node, uint32_t block) const;
  // When the node connected the block (us since the start; -1: not yet) and in how many hops
  // from the miner it came.
  int64_t ConnectedAtUs(uint32_t block, uint32_t node) const;
  int Hops(uint32_t block, uint32_t node) const;

  // Nodes leave at this rate (a fraction of the honest nodes per minute; the same number of
  // absent nodes come back), from now on. 0 stops churn.
  void SetChurn(double per_minute);
  // side[i] in {0, 1}: messages and dials between the sides are dropped until Heal().
  void Partition(std::vector<uint8_t> side);
  void Heal();

  // Open connections dialed by the node, as the nodes at their other end.
  std::vector<uint32_t> OutboundPeers(uint32_t node) const;
  size_t ConnectionCount(uint32_t node) const;
  const p2p::AddrMan& Book(uint32_t node) const;
  NodeSummary Summary(uint32_t node) const;
  const NodeCounters& counters(uint32_t node) const;
  void ResetCounters();
  // From now on the counters count the announcements and bodies of these txs only.
  void TrackTxs(const std::vector<uint32_t>& txs);
  uint64_t dropped_messages() const { return dropped_; }

 private:
  struct Node;
  struct Link {
    uint32_t node[2];  // [0] dialed [1]
    p2p::PeerId peer[2];
    int64_t latency_us;
    bool open;
  };
  struct BlockTrace {
    std::vector<int64_t> connected_us;
    std::vector<uint16_t> hops;
  };

  Node& node(uint32_t i) { return *nodes_[i]; }
  int64_t LatencyUs(uint32_t a, uint32_t b) const;
  p2p::NetAddress AddressOf(uint32_t i) const;
  void StartNode(uint32_t i);
  void StopNode(uint32_t i);
  void Tick(uint32_t i, uint64_t generation, uint64_t token);
  void ScheduleTick(uint32_t i, int64_t delay_us);
  // Something happened at node i: it ticks at tick_ms again.
  void Wake(uint32_t i);
  void Maintain(uint32_t i);
  void Dial(uint32_t from, uint32_t to);
  void FinishDial(uint32_t from, uint64_t generation, uint32_t to);
  bool Accepts(uint32_t to, uint32_t from);
  void Connect(uint32_t from, uint32_t to);
  void FloodAddresses(uint32_t i);
  void ScheduleChurn(uint64_t generation, int64_t interval_us);
  void ChurnStep();
  bool Blocked(uint32_t a, uint32_t b) const;
  bool IsTracked(const chain::Hash256& txid) const;

  // The Transport of node i.
  void Send(uint32_t i, p2p::PeerId peer, p2p::Message msg);
  void Deliver(uint32_t link, int side, const p2p::Message& msg);
  void Close(uint32_t i, p2p::PeerId peer, p2p::Transport::Why why);
  void CloseLink(uint32_t link, int closer, p2p::Transport::Why why);
  size_t SendQueueBytes(uint32_t i) const;
  // The chain of node i connected these blocks.
  void OnBlocksConnected(uint32_t i, const std::vector<uint32_t>& blocks);

  const NetworkOptions options_;
  EventQueue queue_;
  std::mt19937_64 rng_;
  SimWorld world_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unordered_map<p2p::NetAddress, uint32_t, p2p::NetAddressHasher> by_address_;
  std::vector<p2p::NetAddress> attacker_addresses_;
  std::vector<Link> links_;
  std::vector<BlockTrace> traces_;  // per block of the world (empty until mined)
  std::vector<bool> tracked_;       // per tx of the world
  std::vector<uint8_t> side_;       // empty: no partition
  int64_t delivering_from_ = -1;    // the node whose message is being handled
  uint64_t churn_generation_ = 0;
  uint64_t next_tag_ = 1;
  uint64_t dropped_ = 0;
};

}  // namespace waybill::overlay_sim
