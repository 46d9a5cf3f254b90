#include "bench/overlay_sim/network.h"

#include <algorithm>
#include <cmath>

namespace waybill::overlay_sim {

using p2p::Message;
using p2p::NetAddress;
using p2p::PeerId;
using Why = p2p::Transport::Why;

namespace {

uint64_t SplitMix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A public unicast IPv4 address: not in a private, loopback, shared or multicast range.
bool IsPublicIPv4(uint32_t ip) {
  const uint32_t a = ip >> 24, b = (ip >> 16) & 0xff;
  if (a == 0 || a == 10 || a == 127 || a >= 224) return false;
  if (a == 100 && b >= 64 && b < 128) return false;
  if (a == 169 && b == 254) return false;
  if (a == 172 && b >= 16 && b < 32) return false;
  if (a == 192 && b == 168) return false;
  return true;
}

}  // namespace

// One simulated node: its book, chain and peer logic, and its side of the connections.
struct Network::Node final : p2p::Transport {
  Node(Network* n, uint32_t i) : net(n), index(i) {}

  void Send(PeerId peer, const Message& msg) override { net->Send(index, peer, msg); }
  void SendRaw(PeerId peer, p2p::MsgType type, chain::Bytes payload) override {
    auto msg = p2p::DecodePayload(type, payload, 4'000'000);
    if (msg.ok()) net->Send(index, peer, std::move(*msg));
  }
  size_t SendQueueBytes(PeerId) override { return net->SendQueueBytes(index); }
  void Disconnect(PeerId peer, Why why, const std::string&) override {
    net->Close(index, peer, why);
  }

  uint32_t LinkOf(PeerId peer) const {
    for (const auto& [id, link] : peers) {
      if (id == peer) return link;
    }
    return UINT32_MAX;
  }
  void Forget(PeerId peer) {
    std::erase_if(peers, [&](const auto& p) { return p.first == peer; });
  }

  Network* const net;
  const uint32_t index;
  NetAddress addr;
  bool attacker = false;
  bool alive = false;
  uint64_t generation = 0;  // raised at every start: events of an earlier life are void
  std::unique_ptr<p2p::AddrMan> addrman;
  std::unique_ptr<SimChain> chain;
  std::unique_ptr<p2p::PeerManager> pm;
  std::vector<std::pair<PeerId, uint32_t>> peers;  // open connections: peer id, link
  PeerId next_peer = 1;
  std::vector<uint32_t> pending;  // nodes being dialed
  std::unordered_map<uint32_t, int64_t> last_dial_ms;
  std::vector<uint32_t> banned;
  int64_t uplink_free_us = 0;
  int64_t next_maintain_ms = 0;
  uint64_t tick_token = 0;  // only the tick scheduled last runs
  int64_t next_tick_us = 0;
  int64_t last_activity_ms = 0;
  int64_t next_rotate_ms = 0;
  int64_t next_flood_ms = 0;
  NodeCounters counters;
};

Network::Network(NetworkOptions options, size_t count) : options_(options), rng_(options.seed) {
  const size_t attackers = static_cast<size_t>(options_.attacker_fraction * count);
  for (uint32_t i = 0; i < count; ++i) {
    auto n = std::make_unique<Node>(this, i);
    for (uint64_t attempt = 0;; ++attempt) {
      const auto ip =
          static_cast<uint32_t>(SplitMix(options_.seed * 1'000'003 + i * 7919 + attempt));
      NetAddress a = NetAddress::FromIPv4(ip, kPort);
      if (IsPublicIPv4(ip) && by_address_.emplace(a, i).second) {
        n->addr = a;
        break;
      }
    }
    n->attacker = i >= count - attackers;
    if (n->attacker) attacker_addresses_.push_back(n->addr);
    p2p::AddrManOptions book;
    book.new_bucket_count = options_.new_buckets;
    book.tried_bucket_count = options_.tried_buckets;
    book.bucket_size = options_.bucket_size;
    book.new_buckets_per_source_group = std::max<uint32_t>(1, options_.new_buckets / 16);
    book.tried_buckets_per_group = std::max<uint32_t>(1, options_.tried_buckets / 16);
    chain::Hash256 key;
    for (int b = 0; b < 4; ++b) {
      const uint64_t word = SplitMix(options_.seed ^ (uint64_t{i} << 8) ^ b);
      for (int k = 0; k < 8; ++k) key.bytes[b * 8 + k] = static_cast<uint8_t>(word >> (8 * k));
    }
    book.key = key;
    book.seed = SplitMix(options_.seed + i) | 1;
    n->addrman = std::make_unique<p2p::AddrMan>(book);
    n->chain = std::make_unique<SimChain>(
        &world_, [this, i](const std::vector<uint32_t>& blocks) { OnBlocksConnected(i, blocks); },
        nullptr);
    nodes_.push_back(std::move(n));
  }
  // First addresses: a DNS seed's answer to every honest node (a sample of all the nodes,
  // the attacker's among them); the attacker's books hold only its own addresses.
  const int64_t unix_now = kUnixStart;
  const NetAddress dns_seed = NetAddress::FromIPv4(0x08080808, kPort);
  for (auto& n : nodes_) {
    if (n->attacker) {
      for (const NetAddress& a : attacker_addresses_) n->addrman->Add(a, a, unix_now, unix_now);
      continue;
    }
    for (size_t k = 0; k < options_.seed_addresses; ++k) {
      const uint32_t j = static_cast<uint32_t>(rng_() % count);
      if (j == n->index) continue;
      const int64_t seen = unix_now - static_cast<int64_t>(rng_() % (3 * 86'400));
      n->addrman->Add(nodes_[j]->addr, dns_seed, seen, unix_now);
    }
  }
}

Network::~Network() = default;

bool Network::alive(uint32_t i) const { return nodes_[i]->alive; }
bool Network::attacker(uint32_t i) const { return nodes_[i]->attacker; }

bool Network::IsAttackerAddress(const NetAddress& addr) const {
  auto it = by_address_.find(addr);
  return it != by_address_.end() && nodes_[it->second]->attacker;
}

uint32_t Network::RandomHonest() {
  while (true) {
    const uint32_t i = static_cast<uint32_t>(rng_() % nodes_.size());
    if (nodes_[i]->alive && !nodes_[i]->attacker) return i;
  }
}

NetAddress Network::AddressOf(uint32_t i) const { return nodes_[i]->addr; }

int64_t Network::LatencyUs(uint32_t a, uint32_t b) const {
  if (a > b) std::swap(a, b);
  const uint64_t h1 = SplitMix(options_.seed ^ (uint64_t{a} << 32 | b));
  const uint64_t h2 = SplitMix(h1);
  const double u1 = (static_cast<double>(h1 >> 11) + 1) / 9007199254740993.0;
  const double u2 = static_cast<double>(h2 >> 11) / 9007199254740992.0;
  const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  const double ms =
      std::clamp(options_.latency_median_ms * std::exp(options_.latency_sigma * z), 1.0, 2000.0);
  return static_cast<int64_t>(ms * 1000);
}

void Network::Start() {
  // Spread over one anti-entropy interval: nodes that all started in the same second would
  // run their 30 s timers in step, which no real network does.
  for (uint32_t i = 0; i < nodes_.size(); ++i) {
    queue_.At(static_cast<int64_t>(rng_() % (kStartSpreadMs * 1000)), [this, i] { StartNode(i); });
  }
}

void Network::StartNode(uint32_t i) {
  Node& n = node(i);
  n.alive = true;
  ++n.generation;
  p2p::PeerManagerOptions po;
  po.genesis = world_.genesis_id();
  po.listen_port = kPort;
  po.user_agent = "/overlay_sim/";
  po.known_inventory = options_.known_inventory;
  po.recent_rejects = 1'000;
  po.mempool_sync_interval_ms = options_.mempool_sync_ms;
  n.pm = std::make_unique<p2p::PeerManager>(
      po, n.chain.get(), &n, n.addrman.get(), nullptr, [this] { return queue_.now_ms(); },
      [this] { return kUnixStart + queue_.now_ms() / 1000; }, rng_() | 1);
  n.next_maintain_ms = queue_.now_ms();
  n.next_rotate_ms = queue_.now_ms() + options_.rotate_ms;
  n.next_flood_ms = queue_.now_ms() + options_.attacker_flood_interval_ms;
  n.last_activity_ms = queue_.now_ms();
  ScheduleTick(i, 0);
}

void Network::StopNode(uint32_t i) {
  Node& n = node(i);
  if (!n.alive) return;
  // The other ends hear of it one latency later; this node's own events are void once its
  // generation moves on.
  for (const auto& [peer, link] : std::vector(n.peers)) {
    CloseLink(link, links_[link].node[0] == i ? 0 : 1, Why::kNormal);
  }
  n.peers.clear();
  n.pending.clear();
  n.pm.reset();
  n.alive = false;
  ++n.generation;
}

void Network::ScheduleTick(uint32_t i, int64_t delay_us) {
  Node& n = node(i);
  n.next_tick_us = queue_.now_us() + delay_us;
  queue_.After(delay_us, [this, i, generation = n.generation, token = ++n.tick_token] {
    Tick(i, generation, token);
  });
}

void Network::Wake(uint32_t i) {
  Node& n = node(i);
  n.last_activity_ms = queue_.now_ms();
  if (n.alive && n.next_tick_us > queue_.now_us() + options_.tick_ms * 1000) {
    ScheduleTick(i, options_.tick_ms * 1000);
  }
}

void Network::Tick(uint32_t i, uint64_t generation, uint64_t token) {
  Node& n = node(i);
  if (!n.alive || n.generation != generation || n.tick_token != token) return;
  n.pm->OnTick();
  const int64_t now = queue_.now_ms();
  if (now >= n.next_maintain_ms) {
    n.next_maintain_ms = now + options_.maintain_ms;
    Maintain(i);
  }
  if (n.attacker && options_.attacker_addr_flood && now >= n.next_flood_ms) {
    n.next_flood_ms = now + options_.attacker_flood_interval_ms;
    FloodAddresses(i);
  }
  const bool busy = now - n.last_activity_ms < options_.idle_tick_ms;
  ScheduleTick(
      i, (busy ? options_.tick_ms : std::max(options_.tick_ms, options_.idle_tick_ms)) * 1000);
}

void Network::Maintain(uint32_t i) {
  Node& n = node(i);
  if (n.attacker) return;  // it only waits for victims
  const int64_t now = queue_.now_ms();
  std::vector<uint32_t> outbound = OutboundPeers(i);
  if (now >= n.next_rotate_ms) {
    n.next_rotate_ms = now + options_.rotate_ms;
    if (outbound.size() >= options_.max_outbound) {
      const uint32_t victim = outbound[rng_() % outbound.size()];
      for (const auto& [peer, link] : n.peers) {
        if (links_[link].node[0] == i && links_[link].node[1] == victim) {
          CloseLink(link, 0, Why::kNormal);
          break;
        }
      }
    }
  }
  if (outbound.size() + n.pending.size() >= options_.max_outbound || n.pending.size() >= 2) return;
  std::vector<uint32_t> connected;
  for (const auto& [peer, link] : n.peers) {
    connected.push_back(links_[link].node[links_[link].node[0] == i ? 1 : 0]);
  }
  auto exclude = [&](const NetAddress& a) {
    auto it = by_address_.find(a);
    if (it == by_address_.end()) return true;
    const uint32_t j = it->second;
    auto last = n.last_dial_ms.find(j);
    return j == i || std::count(connected.begin(), connected.end(), j) ||
           std::count(n.pending.begin(), n.pending.end(), j) ||
           std::count(n.banned.begin(), n.banned.end(), j) ||
           (last != n.last_dial_ms.end() && now - last->second < 30'000);
  };
  const int64_t unix_now = kUnixStart + now / 1000;
  std::optional<NetAddress> target = n.addrman->Select(false, exclude, unix_now);
  if (!target) return;
  n.addrman->Attempt(*target, unix_now);
  Dial(i, by_address_.at(*target));
}

void Network::Dial(uint32_t from, uint32_t to) {
  Node& n = node(from);
  n.pending.push_back(to);
  n.last_dial_ms[to] = queue_.now_ms();
  if (n.last_dial_ms.size() > 10'000) n.last_dial_ms.clear();  // bounded, as connman's
  const bool answers = node(to).alive && !Blocked(from, to);
  const int64_t delay_us = answers ? 2 * LatencyUs(from, to) : options_.connect_timeout_ms * 1000;
  queue_.After(delay_us,
               [this, from, to, generation = n.generation] { FinishDial(from, generation, to); });
}

void Network::FinishDial(uint32_t from, uint64_t generation, uint32_t to) {
  Node& n = node(from);
  if (!n.alive || n.generation != generation) return;
  std::erase(n.pending, to);
  if (Accepts(to, from)) Connect(from, to);
}

NodeSummary Network::Summary(uint32_t i) const {
  const Node& n = *nodes_[i];
  NodeSummary s;
  s.starts = (n.generation + 1) / 2;  // raised at every start and stop
  for (const auto& [peer, link] : n.peers) {
    (links_[link].node[0] == i ? s.outbound : s.inbound) += 1;
  }
  s.pending = n.pending.size();
  s.banned = n.banned.size();
  for (const p2p::AddrInfo& info : n.addrman->All()) {
    const bool bad = IsAttackerAddress(info.addr);
    (info.in_tried ? s.tried_entries : s.new_entries) += 1;
    (info.in_tried ? s.tried_attacker : s.new_attacker) += bad;
  }
  return s;
}

bool Network::Accepts(uint32_t to, uint32_t from) {
  Node& t = node(to);
  if (!t.alive || Blocked(from, to) || std::count(t.banned.begin(), t.banned.end(), from)) {
    return false;
  }
  size_t inbound = 0;
  for (const auto& [peer, link] : t.peers) inbound += links_[link].node[1] == to;
  return inbound < options_.max_inbound || t.pm->EvictInbound();
}

void Network::Connect(uint32_t from, uint32_t to) {
  Node& a = node(from);
  Node& b = node(to);
  const auto link = static_cast<uint32_t>(links_.size());
  links_.push_back(Link{{from, to}, {a.next_peer++, b.next_peer++}, LatencyUs(from, to), true});
  a.peers.emplace_back(links_[link].peer[0], link);
  b.peers.emplace_back(links_[link].peer[1], link);
  // The dialer is seen from an ephemeral port.
  NetAddress ephemeral = a.addr;
  ephemeral.port = static_cast<uint16_t>(30'000 + link % 30'000);
  a.pm->OnConnected(links_[link].peer[0], b.addr, /*inbound=*/false);
  b.pm->OnConnected(links_[link].peer[1], ephemeral, /*inbound=*/true);
}

bool Network::Blocked(uint32_t a, uint32_t b) const {
  return !side_.empty() && side_[a] != side_[b];
}

void Network::Send(uint32_t i, PeerId peer, Message msg) {
  Node& n = node(i);
  const uint32_t link = n.LinkOf(peer);
  if (link == UINT32_MAX || !links_[link].open) return;
  const Link& l = links_[link];
  const int to_side = l.node[0] == i ? 1 : 0;
  size_t bytes = p2p::kFrameHeaderSize + p2p::EncodePayload(msg).size();
  if (std::holds_alternative<p2p::BlockMsg>(msg)) bytes += options_.block_bytes;
  n.counters.bytes_sent += bytes;
  const auto transmit_us =
      static_cast<int64_t>(static_cast<double>(bytes) * 8 / options_.uplink_mbit);
  n.uplink_free_us = std::max(n.uplink_free_us, queue_.now_us()) + transmit_us;
  if (Blocked(l.node[0], l.node[1]) ||
      (options_.loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < options_.loss)) {
    ++dropped_;
    return;
  }
  queue_.At(n.uplink_free_us + l.latency_us,
            [this, link, to_side, msg = std::move(msg)] { Deliver(link, to_side, msg); });
}

void Network::Deliver(uint32_t link, int side, const Message& msg) {
  const Link& l = links_[link];
  if (!l.open) return;
  Node& n = node(l.node[side]);
  NodeCounters& c = n.counters;
  ++c.messages_received;
  if (const auto* inv = std::get_if<p2p::InvMsg>(&msg)) {
    for (const auto& item : inv->items)
      c.inv_tx_items += item.type == p2p::InvType::kTx && IsTracked(item.hash);
  } else if (const auto* tx = std::get_if<p2p::TxMsg>(&msg)) {
    c.tx_bodies += IsTracked(tx->tx.Id());
  } else if (const auto* txs = std::get_if<p2p::TxsMsg>(&msg)) {
    for (const auto& t : txs->txs) c.tx_bodies += IsTracked(t.Id());
  } else if (std::holds_alternative<p2p::BlockMsg>(msg)) {
    ++c.block_bodies;
  }
  Wake(l.node[side]);
  delivering_from_ = l.node[1 - side];
  n.pm->OnMessage(l.peer[side], msg, queue_.now_ms());
  delivering_from_ = -1;
}

size_t Network::SendQueueBytes(uint32_t i) const {
  const int64_t backlog_us = nodes_[i]->uplink_free_us - queue_.now_us();
  return backlog_us <= 0 ? 0 : static_cast<size_t>(backlog_us * options_.uplink_mbit / 8);
}

void Network::Close(uint32_t i, PeerId peer, Why why) {
  const uint32_t link = node(i).LinkOf(peer);
  if (link == UINT32_MAX) return;
  CloseLink(link, links_[link].node[0] == i ? 0 : 1, why);
}

void Network::CloseLink(uint32_t link, int closer, Why why) {
  Link& l = links_[link];
  if (!l.open) return;
  l.open = false;
  const uint32_t a = l.node[closer], b = l.node[1 - closer];
  if (why == Why::kMisbehaved) node(a).banned.push_back(b);
  // The closer hears of it at once, the other end one latency later.
  const int64_t delays[2] = {0, l.latency_us};
  const uint32_t ends[2] = {a, b};
  const PeerId ids[2] = {l.peer[closer], l.peer[1 - closer]};
  for (int k = 0; k < 2; ++k) {
    queue_.After(delays[k],
                 [this, i = ends[k], peer = ids[k], generation = node(ends[k]).generation] {
                   Node& n = node(i);
                   if (!n.alive || n.generation != generation) return;
                   n.Forget(peer);
                   n.pm->OnDisconnected(peer);
                 });
  }
}

void Network::FloodAddresses(uint32_t i) {
  Node& n = node(i);
  const auto unix_now = static_cast<uint32_t>(kUnixStart + queue_.now_ms() / 1000);
  for (const auto& [peer, link] : std::vector(n.peers)) {
    p2p::AddrMsg msg;
    for (size_t k = 0; k < p2p::kMaxAddrEntries && k < attacker_addresses_.size(); ++k) {
      msg.entries.push_back(
          p2p::AddrEntry{unix_now, attacker_addresses_[rng_() % attacker_addresses_.size()]});
    }
    Send(i, peer, std::move(msg));
  }
}

void Network::OnBlocksConnected(uint32_t i, const std::vector<uint32_t>& blocks) {
  const int64_t from = delivering_from_;
  for (uint32_t b : blocks) {
    if (b >= traces_.size() || traces_[b].connected_us.empty()) continue;
    BlockTrace& t = traces_[b];
    if (t.connected_us[i] >= 0) continue;
    t.connected_us[i] = queue_.now_us();
    t.hops[i] = from < 0 ? 0 : static_cast<uint16_t>(t.hops[from] + 1);
  }
  std::vector<chain::BlockHeader> headers;
  for (uint32_t b : blocks) headers.push_back(world_.block(b).header);
  // A block from a peer is validated before it is announced on; one mined here is not.
  const int64_t delay_us = from < 0 ? 0 : options_.validate_ms * 1000;
  queue_.After(delay_us, [this, i, headers = std::move(headers), generation = node(i).generation] {
    Node& n = node(i);
    if (!n.alive || n.generation != generation) return;
    Wake(i);
    n.pm->OnBlocksConnected(headers);
  });
}

uint32_t Network::MineBlock(uint32_t i) {
  const uint32_t tip = node(i).chain->tip();
  const auto time = static_cast<uint32_t>(kUnixStart + queue_.now_ms() / 1000);
  const uint32_t block = world_.AddBlock(tip, next_tag_++, time);
  if (traces_.size() <= block) traces_.resize(block + 1);
  traces_[block].connected_us.assign(nodes_.size(), -1);
  traces_[block].hops.assign(nodes_.size(), 0);
  (void)node(i).chain->AddLocalBlock(block);
  return block;
}

uint32_t Network::SubmitTx(uint32_t i) {
  const uint32_t tx = world_.AddTx(next_tag_++);
  if (node(i).chain->AddLocalTx(tx) && node(i).pm) {
    Wake(i);
    node(i).pm->OnLocalTx(world_.txid(tx));
  }
  return tx;
}

bool Network::HasTx(uint32_t i, uint32_t tx) const { return nodes_[i]->chain->HasTx(tx); }
bool Network::HasBlock(uint32_t i, uint32_t block) const {
  return nodes_[i]->chain->HasBlockData(block);
}

int64_t Network::ConnectedAtUs(uint32_t block, uint32_t i) const {
  if (block >= traces_.size() || traces_[block].connected_us.empty()) return -1;
  return traces_[block].connected_us[i];
}

int Network::Hops(uint32_t block, uint32_t i) const {
  if (ConnectedAtUs(block, i) < 0) return -1;
  return traces_[block].hops[i];
}

void Network::SetChurn(double per_minute) {
  ++churn_generation_;
  if (per_minute <= 0) return;
  // One node leaves (and one absent node returns) every 60 s / (rate x honest nodes).
  size_t honest = 0;
  for (const auto& n : nodes_) honest += !n->attacker;
  const auto interval_us = static_cast<int64_t>(60e6 / (per_minute * static_cast<double>(honest)));
  ScheduleChurn(churn_generation_, std::max<int64_t>(1, interval_us));
}

void Network::ScheduleChurn(uint64_t generation, int64_t interval_us) {
  queue_.After(interval_us, [this, generation, interval_us] {
    if (generation != churn_generation_) return;
    ChurnStep();
    ScheduleChurn(generation, interval_us);
  });
}

void Network::ChurnStep() {
  std::vector<uint32_t> absent;
  for (const auto& n : nodes_) {
    if (!n->alive && !n->attacker) absent.push_back(n->index);
  }
  StopNode(RandomHonest());
  if (!absent.empty()) StartNode(absent[rng_() % absent.size()]);
}

void Network::Partition(std::vector<uint8_t> side) { side_ = std::move(side); }
void Network::Heal() { side_.clear(); }

std::vector<uint32_t> Network::OutboundPeers(uint32_t i) const {
  std::vector<uint32_t> out;
  for (const auto& [peer, link] : nodes_[i]->peers) {
    if (links_[link].open && links_[link].node[0] == i) out.push_back(links_[link].node[1]);
  }
  return out;
}

size_t Network::ConnectionCount(uint32_t i) const {
  size_t count = 0;
  for (const auto& [peer, link] : nodes_[i]->peers) count += links_[link].open;
  return count;
}

const p2p::AddrMan& Network::Book(uint32_t i) const { return *nodes_[i]->addrman; }
const NodeCounters& Network::counters(uint32_t i) const { return nodes_[i]->counters; }

void Network::TrackTxs(const std::vector<uint32_t>& txs) {
  tracked_.assign(world_.tx_count(), false);
  for (uint32_t tx : txs) {
    if (tx >= tracked_.size()) tracked_.resize(tx + 1, false);
    tracked_[tx] = true;
  }
}

bool Network::IsTracked(const chain::Hash256& txid) const {
  auto tx = world_.FindTx(txid);
  return tx && *tx < tracked_.size() && tracked_[*tx];
}

void Network::ResetCounters() {
  for (auto& n : nodes_) n->counters = NodeCounters{};
}

}  // namespace waybill::overlay_sim
