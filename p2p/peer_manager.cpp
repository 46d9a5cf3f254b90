#include "p2p/peer_manager.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>

#include "chain/hash.h"

namespace waybill::p2p {
namespace {

using chain::Hash256;
using chain::LogLevel;

constexpr size_t kMaxAnnouncedHeaders = 8;
constexpr int64_t kHeaderAnnounceIntervalMs = 20;
// Messages per peer beyond which it floods (requested blocks and txs not counted). Generous:
// a peer syncing from us sends a getdata per block it receives, hundreds a second.
constexpr uint32_t kFloodRatePerSecond = 2000;
constexpr uint32_t kFloodBurst = 10'000;
// An addr message this small with fresh entries is relayed (a node announcing itself).
constexpr size_t kMaxRelayedAddrEntries = 10;
// getaddr: answered at most this often per connection; a book this small is sent whole.
constexpr int64_t kGetAddrAnswerIntervalMs = 20'000;
constexpr size_t kGetAddrWholeBookSize = 100;
constexpr int64_t kAddrRelayMaxAgeSeconds = 10 * 60;
constexpr size_t kAddrRelayPeers = 2;
constexpr int kMaxUnconnectingHeaders = 10;
constexpr int64_t kMinMempoolRequestIntervalMs = 5'000;
constexpr int64_t kOrphanLifetimeMs = 20 * 60 * 1000;
constexpr int64_t kRescheduleIntervalMs = 1'000;

std::chrono::steady_clock::time_point AsTimePoint(int64_t ms) {
  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms));
}

// A budget refilled at `rate` per second up to `burst`; Take(n) spends n if it has n.
struct Allowance {
  double left;
  int64_t refilled_ms;
  bool Take(double n, double rate, double burst, int64_t now) {
    if (now > refilled_ms) {
      left = std::min(burst, left + static_cast<double>(now - refilled_ms) / 1000.0 * rate);
      refilled_ms = now;
    }
    if (left < n) return false;
    left -= n;
    return true;
  }
};

}  // namespace

struct PeerManager::Peer {
  Peer(PeerId i, const NetAddress& a, bool in, int64_t now, const PeerManagerOptions& o)
      : id(i),
        addr(a),
        inbound(in),
        connected_ms(now),
        last_recv_ms(now),
        addr_tokens(o.addr_burst),
        addr_tokens_ms(now),
        known(o.known_inventory),
        unknown_msgs{o.unknown_msgs_burst, now},
        unknown_bytes{o.unknown_bytes_burst, now} {}

  const PeerId id;
  const NetAddress addr;
  const bool inbound;
  const int64_t connected_ms;
  int64_t last_recv_ms;
  uint64_t messages = 0;

  bool version_received = false;
  bool verack_received = false;
  bool handshake_done = false;
  bool disconnecting = false;
  VersionMsg remote;
  uint64_t local_nonce = 0;
  int score = 0;               // as of score_decayed_ms
  int64_t score_decayed_ms = 0;  // decay (options.score_decay_ms) counts from here

  std::optional<uint64_t> ping_nonce;
  int64_t ping_sent_ms = 0;
  std::optional<int64_t> ping_ms;
  std::optional<int64_t> min_ping_ms;
  int64_t last_block_ms = 0;  // when it last gave us a block we took (eviction)
  int64_t last_tx_ms = 0;     // when it last gave us a tx we took (eviction)
  int64_t next_ping_ms = 0;

  int64_t getaddr_answered_ms = -1;  // when its last getaddr was answered; -1: never
  bool addr_refresh_pending = false;  // we asked it for addresses again (OnTick)
  double addr_tokens;
  int64_t addr_tokens_ms;

  // Ids of txs and blocks the peer has (it told us, or we told it).
  RollingIdSet known;
  std::vector<Hash256> tx_announce;
  int64_t next_tx_announce_ms = 0;
  std::vector<chain::BlockHeader> headers_to_announce;  // at most kMaxAnnouncedHeaders
  int64_t next_header_announce_ms = 0;

  std::optional<Hash256> best_known;
  chain::ArithU256 best_known_work;
  uint32_t best_known_height = 0;
  int64_t headers_requested_ms = 0;  // 0: no getheaders outstanding
  int unconnecting_headers = 0;

  std::unordered_map<Hash256, int64_t, SaltedIdHasher> blocks_in_flight;  // -> requested at
  size_t stalls = 0;
  std::unordered_map<Hash256, int64_t, SaltedIdHasher> txs_in_flight;
  std::deque<InvItem> getdata_queue;
  int64_t last_mempool_request_ms = -kMinMempoolRequestIntervalMs;  // its last, to us
  int64_t last_mempool_sent_ms = -kMinMempoolRequestIntervalMs;     // ours, to it

  // Messages other than requested blocks and txs (whose rate we set by asking).
  chain::TokenBucket flood{kFloodRatePerSecond, kFloodBurst};
  // Messages with commands we do not know, and their bytes.
  Allowance unknown_msgs;
  Allowance unknown_bytes;
};

PeerManager::PeerManager(PeerManagerOptions options, NodeInterface* node, Transport* transport,
                         AddrMan* addrman, chain::LogSink* log, std::function<int64_t()> now_ms,
                         std::function<int64_t()> unix_now, uint64_t seed)
    : options_(std::move(options)),
      node_(node),
      transport_(transport),
      addrman_(addrman),
      log_(log),
      now_ms_(std::move(now_ms)),
      unix_now_(std::move(unix_now)),
      rng_(seed ? seed : std::random_device{}() | uint64_t{std::random_device{}()} << 32),
      recent_rejects_(options_.recent_rejects),
      recent_addr_relays_(kRecentAddrRelays) {
  next_mempool_sync_ms_ = now_ms_() + options_.mempool_sync_interval_ms;
  next_addr_refresh_ms_ = now_ms_() + options_.addr_refresh_interval_ms;
  last_tip_change_ms_ = now_ms_();
  netgroup_key_ = rng_();
}

PeerManager::~PeerManager() = default;

PeerManager::Peer* PeerManager::Find(PeerId id) {
  auto it = peers_.find(id);
  return it == peers_.end() ? nullptr : it->second.get();
}

void PeerManager::Log(LogLevel level, const std::string& msg) {
  if (log_ && log_->Enabled(level)) log_->Log(level, "net", msg);
}

void PeerManager::LogPeer(LogLevel level, const Peer& peer, const std::string& msg) {
  if (!log_ || !log_->Enabled(level)) return;
  if (!log_limit_.Allow(AsTimePoint(now_ms_()))) return;
  std::string line = "peer " + std::to_string(peer.id) + " (" + peer.addr.ToString() + "): " + msg;
  if (uint64_t dropped = log_limit_.TakeSuppressed()) {
    line += " [" + std::to_string(dropped) + " peer messages suppressed]";
  }
  log_->Log(level, "net", line);
}

void PeerManager::Disconnect(Peer& peer, Transport::Why why, const std::string& reason) {
  if (peer.disconnecting) return;
  peer.disconnecting = true;
  LogPeer(why == Transport::Why::kMisbehaved ? LogLevel::kWarn : LogLevel::kDebug, peer,
          "disconnecting: " + reason);
  transport_->Disconnect(peer.id, why, reason);
}

int PeerManager::DecayedScore(const Peer& peer, int64_t now) const {
  if (options_.score_decay_ms <= 0 || now <= peer.score_decayed_ms) return peer.score;
  const int64_t forgiven = (now - peer.score_decayed_ms) / options_.score_decay_ms;
  return forgiven >= peer.score ? 0 : peer.score - static_cast<int>(forgiven);
}

void PeerManager::Misbehave(PeerId id, int score, const std::string& reason) {
  Peer* peer = Find(id);
  if (!peer || peer->disconnecting || score <= 0) return;
  const int64_t now = now_ms_();
  const int decayed = DecayedScore(*peer, now);
  if (decayed == 0 || options_.score_decay_ms <= 0) {
    peer->score_decayed_ms = now;  // a clean slate: decay starts with this offence
  } else {
    // Keep the part of a decay step already run.
    peer->score_decayed_ms += int64_t{peer->score - decayed} * options_.score_decay_ms;
  }
  peer->score = decayed + score;
  LogPeer(LogLevel::kInfo, *peer,
          "misbehaving (+" + std::to_string(score) + " = " + std::to_string(peer->score) +
              "): " + reason);
  if (peer->score >= options_.ban_score) {
    Disconnect(*peer, Transport::Why::kMisbehaved, reason);
  }
}

// ---- Connections and handshake ----

void PeerManager::OnConnected(PeerId id, const NetAddress& addr, bool inbound) {
  if (peers_.count(id)) return;
  auto peer = std::make_unique<Peer>(id, addr, inbound, now_ms_(), options_);
  Peer& p = *peer;
  peers_.emplace(id, std::move(peer));
  SendVersion(p);
}

void PeerManager::SendVersion(Peer& peer) {
  do {
    peer.local_nonce = rng_();
  } while (peer.local_nonce == 0 || local_nonces_.count(peer.local_nonce));
  local_nonces_[peer.local_nonce] = peer.id;
  VersionMsg v;
  v.timestamp = unix_now_();
  v.genesis = options_.genesis;
  v.best_height = node_->GetChainSummary().height;
  v.listen_port = options_.listen_port;
  v.nonce = peer.local_nonce;
  v.receiver = peer.addr;
  v.user_agent = options_.user_agent;
  transport_->Send(peer.id, v);
}

void PeerManager::OnDisconnected(PeerId id) {
  auto it = peers_.find(id);
  if (it == peers_.end()) return;
  Peer& peer = *it->second;
  for (const auto& [hash, at] : peer.blocks_in_flight) block_requests_.erase(hash);
  for (const auto& [hash, at] : peer.txs_in_flight) tx_requests_.erase(hash);
  local_nonces_.erase(peer.local_nonce);
  node_->ForgetHeadersFrom(id);
  for (auto o = orphans_.begin(); o != orphans_.end();) {
    o = o->second.from == id ? EraseOrphan(o) : std::next(o);
  }
  bool had_requests = !peer.blocks_in_flight.empty();
  peers_.erase(it);
  // Whatever it was fetching for us goes to the others now.
  if (had_requests) ScheduleAllDownloads();
}

void PeerManager::OnBadFrame(PeerId id, int score, const std::string& reason) {
  Misbehave(id, score, reason);
}

void PeerManager::OnMessage(PeerId id, const Message& msg) { OnMessage(id, msg, now_ms_()); }

void PeerManager::OnUnknownMessage(PeerId id, const std::string& command, size_t bytes,
                                   int64_t received_ms) {
  Peer* peer = Find(id);
  if (!peer || peer->disconnecting) return;
  peer->last_recv_ms = std::max(peer->last_recv_ms, now_ms_());
  peer->messages++;
  if (!peer->flood.Allow(AsTimePoint(received_ms))) {
    Misbehave(id, 5, "message flood");
    if (peer->disconnecting) return;
  }
  // Both budgets are charged, so neither many small nor a few huge ones get through.
  const bool msgs_ok = peer->unknown_msgs.Take(1, options_.unknown_msgs_per_second,
                                               options_.unknown_msgs_burst, received_ms);
  const bool bytes_ok =
      peer->unknown_bytes.Take(static_cast<double>(bytes), options_.unknown_bytes_per_second,
                               options_.unknown_bytes_burst, received_ms);
  if (!msgs_ok || !bytes_ok) {
    std::string shown = command.substr(0, 12);
    for (char& c : shown) c = (c >= 0x20 && c < 0x7f) ? c : '?';
    Misbehave(id, options_.unknown_over_budget_score,
              "unknown messages over budget (\"" + shown + "\", " + std::to_string(bytes) +
                  " bytes)");
  }
}

void PeerManager::OnMessage(PeerId id, const Message& msg, int64_t received_ms) {
  Peer* peer = Find(id);
  if (!peer || peer->disconnecting) return;
  const int64_t now = now_ms_();
  peer->last_recv_ms = now;
  peer->messages++;
  const MsgType type = TypeOf(msg);
  // The rate rules below judge when a message arrived, not when it is handled.
  arrival_ms_ = received_ms;

  if (type != MsgType::kBlock && type != MsgType::kTx &&
      !peer->flood.Allow(AsTimePoint(received_ms))) {
    Misbehave(id, 5, "message flood");
    if (peer->disconnecting) return;
  }
  if (type == MsgType::kVersion) return HandleVersion(*peer, std::get<VersionMsg>(msg));
  if (!peer->version_received) {
    // Nothing but version may come first; one honest node never does this.
    Misbehave(id, 10, std::string(CommandName(type)) + " before version");
    return;
  }
  if (type == MsgType::kVerack) return HandleVerack(*peer);
  if (!peer->handshake_done) {
    Misbehave(id, 10, std::string(CommandName(type)) + " before verack");
    return;
  }
  switch (type) {
    case MsgType::kPing:
      return HandlePing(*peer, std::get<PingMsg>(msg));
    case MsgType::kPong:
      return HandlePong(*peer, std::get<PongMsg>(msg));
    case MsgType::kGetAddr:
      return HandleGetAddr(*peer);
    case MsgType::kAddr:
      return HandleAddr(*peer, std::get<AddrMsg>(msg));
    case MsgType::kInv:
      return HandleInv(*peer, std::get<InvMsg>(msg));
    case MsgType::kGetData:
      return HandleGetData(*peer, std::get<GetDataMsg>(msg));
    case MsgType::kNotFound:
      return HandleNotFound(*peer, std::get<NotFoundMsg>(msg));
    case MsgType::kGetHeaders:
      return HandleGetHeaders(*peer, std::get<GetHeadersMsg>(msg));
    case MsgType::kHeaders:
      return HandleHeaders(*peer, std::get<HeadersMsg>(msg));
    case MsgType::kBlock:
      return HandleBlock(*peer, std::get<BlockMsg>(msg));
    case MsgType::kTx:
      return HandleTx(*peer, std::get<TxMsg>(msg));
    case MsgType::kMempool:
      return HandleMempool(*peer);
    case MsgType::kVersion:
    case MsgType::kVerack:
      break;
  }
}

void PeerManager::HandleVersion(Peer& peer, const VersionMsg& msg) {
  if (peer.version_received) {
    Misbehave(peer.id, 10, "duplicate version");
    return;
  }
  if (auto self = local_nonces_.find(msg.nonce); self != local_nonces_.end()) {
    // Our own nonce came back: this connection (and its other end) is to ourselves.
    Disconnect(peer, Transport::Why::kSelf, "connected to self");
    if (Peer* other = Find(self->second); other && other != &peer) {
      Disconnect(*other, Transport::Why::kSelf, "connected to self");
    }
    return;
  }
  if (msg.genesis != options_.genesis) {
    Disconnect(peer, Transport::Why::kNormal,
               "peer is on another network (genesis " + msg.genesis.ToHex() + ")");
    return;
  }
  if (msg.version < kMinProtocolVersion) {
    Disconnect(peer, Transport::Why::kNormal,
               "protocol version " + std::to_string(msg.version) + " is too old");
    return;
  }
  peer.remote = msg;
  peer.version_received = true;
  transport_->Send(peer.id, VerackMsg{});
  if (peer.verack_received) HandshakeDone(peer);
}

void PeerManager::HandleVerack(Peer& peer) {
  if (peer.verack_received) return;
  peer.verack_received = true;
  HandshakeDone(peer);
}

void PeerManager::HandshakeDone(Peer& peer) {
  peer.handshake_done = true;
  const int64_t unix_now = unix_now_();
  LogPeer(LogLevel::kInfo, peer,
          std::string(peer.inbound ? "inbound" : "outbound") + " peer connected, " +
              peer.remote.user_agent + ", height " + std::to_string(peer.remote.best_height));
  if (!peer.inbound) {
    addrman_->Good(peer.addr, unix_now);
    transport_->Send(peer.id, GetAddrMsg{});
  } else if (peer.remote.listen_port != 0) {
    // The address it accepts connections on: the one it came from, with its listening port.
    NetAddress listening = peer.addr;
    listening.port = peer.remote.listen_port;
    if (listening.IsValid()) {
      transport_->PeerListensAt(peer.id, listening);
      const bool is_new = addrman_->Add(listening, peer.addr, unix_now, unix_now);
      if ((is_new || !addrman_->Find(listening)) && MarkRelayed(listening)) {
        RelayAddresses(peer, {AddrEntry{static_cast<uint32_t>(unix_now), listening}});
      }
    }
  }
  peer.next_ping_ms = now_ms_();
  // Always: cheap when both are in step, and how either side finds out it is behind.
  RequestHeaders(peer);
}

// ---- Ping ----

void PeerManager::HandlePing(Peer& peer, const PingMsg& msg) {
  transport_->Send(peer.id, PongMsg{msg.nonce});
}

void PeerManager::HandlePong(Peer& peer, const PongMsg& msg) {
  if (!peer.ping_nonce || *peer.ping_nonce != msg.nonce) return;  // late or stray: harmless
  // When the pong arrived: a backlog of ours is no latency of theirs.
  peer.ping_ms = std::max<int64_t>(0, arrival_ms_ - peer.ping_sent_ms);
  peer.min_ping_ms = std::min(peer.min_ping_ms.value_or(*peer.ping_ms), *peer.ping_ms);
  peer.ping_nonce.reset();
}

// ---- Addresses ----

void PeerManager::HandleGetAddr(Peer& peer) {
  // Seldom, so a peer cannot map a big book quickly by asking again and again; a request
  // sooner is ignored (the asker's refresh is slower than this).
  const int64_t now = now_ms_();
  if (peer.getaddr_answered_ms >= 0 && now - peer.getaddr_answered_ms < kGetAddrAnswerIntervalMs) {
    return;
  }
  peer.getaddr_answered_ms = now;
  // 23 % of a big book, as Bitcoin; all of a small one (a private network's few members are
  // no secret, and 23 % of five addresses would be none).
  const size_t pct = addrman_->size() <= kGetAddrWholeBookSize ? 100 : 23;
  AddrMsg reply;
  for (const TimedAddress& info : addrman_->GetAddresses(kMaxAddrEntries, pct, unix_now_())) {
    reply.entries.push_back(
        AddrEntry{static_cast<uint32_t>(std::max<int64_t>(0, info.last_seen)), info.addr});
  }
  transport_->Send(peer.id, reply);
}

void PeerManager::HandleAddr(Peer& peer, const AddrMsg& msg) {
  const int64_t now = std::max(arrival_ms_, peer.addr_tokens_ms);  // refill by arrival
  const int64_t unix_now = unix_now_();
  // Refilled up to the burst; a credit for an answer we asked for may exceed it until spent.
  if (peer.addr_tokens < options_.addr_burst) {
    peer.addr_tokens =
        std::min(options_.addr_burst, peer.addr_tokens + (now - peer.addr_tokens_ms) / 1000.0 *
                                                             options_.addr_rate_per_second);
  }
  peer.addr_tokens_ms = now;
  // The answer to a refresh is not relayed on: it is our own request, not news.
  const bool answer = peer.addr_refresh_pending;
  peer.addr_refresh_pending = false;
  std::vector<AddrEntry> fresh;
  size_t dropped = 0;
  for (const AddrEntry& entry : msg.entries) {
    if (peer.addr_tokens < 1) {
      ++dropped;  // over its rate: ignored, as Bitcoin does, not scored
      continue;
    }
    peer.addr_tokens -= 1;
    if (!entry.addr.IsValid()) continue;
    const bool is_new = addrman_->Add(entry.addr, peer.addr, entry.time, unix_now);
    // Each node relays an address at most once (within the memory of recent relays), so
    // relays die out instead of circling the overlay. Whether the book had room for it does
    // not matter: a node whose bucket slot was taken still passes it on.
    if (!answer && (is_new || !addrman_->Find(entry.addr)) &&
        msg.entries.size() <= kMaxRelayedAddrEntries &&
        int64_t{entry.time} + kAddrRelayMaxAgeSeconds >= unix_now && MarkRelayed(entry.addr)) {
      fresh.push_back(entry);
    }
  }
  if (dropped) LogPeer(LogLevel::kDebug, peer, std::to_string(dropped) + " addresses over rate");
  if (!fresh.empty()) RelayAddresses(peer, fresh);
}

void PeerManager::RefreshAddresses() {
  // Addresses relayed while a node was not yet connected to their relayers are never heard
  // again (each is relayed once); asking an outbound peer from time to time repairs that, as
  // anti-entropy does for txs.
  std::vector<Peer*> outbound;
  for (auto& [id, peer] : peers_) {
    if (!peer->inbound && peer->handshake_done && !peer->disconnecting) {
      outbound.push_back(peer.get());
    }
  }
  if (outbound.empty()) return;
  Peer& peer = *outbound[rng_() % outbound.size()];
  peer.addr_refresh_pending = true;
  // The answer is not a flood. Capped, so that a peer that never answers cannot bank credit.
  peer.addr_tokens = std::min(peer.addr_tokens + static_cast<double>(kMaxAddrEntries),
                              options_.addr_burst + static_cast<double>(kMaxAddrEntries));
  transport_->Send(peer.id, GetAddrMsg{});
}

bool PeerManager::MarkRelayed(const NetAddress& addr) {
  const std::string text = addr.ToString();
  const chain::Hash256 key = chain::Sha256Hash(
      chain::ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  if (recent_addr_relays_.Contains(key)) return false;
  recent_addr_relays_.Insert(key);
  return true;
}

void PeerManager::RelayAddresses(const Peer& from, const std::vector<AddrEntry>& entries) {
  std::vector<Peer*> targets;
  for (auto& [id, p] : peers_) {
    if (id != from.id && p->handshake_done && !p->disconnecting) targets.push_back(p.get());
  }
  std::shuffle(targets.begin(), targets.end(), rng_);
  // Two different nodes: two connections to one node (ours to it and its to us) count once.
  // A node is told apart by where it listens: an outbound peer's address, an inbound peer's
  // IP with the port it announced (its connection's own port if it announced none).
  auto node_of = [](const Peer& p) {
    NetAddress a = p.addr;
    if (p.inbound && p.remote.listen_port != 0) a.port = p.remote.listen_port;
    return a;
  };
  std::vector<NetAddress> chosen;
  for (Peer* p : targets) {
    if (chosen.size() == kAddrRelayPeers) break;
    const NetAddress node = node_of(*p);
    if (node == node_of(from) || std::find(chosen.begin(), chosen.end(), node) != chosen.end()) {
      continue;
    }
    chosen.push_back(node);
    transport_->Send(p->id, AddrMsg{entries});
  }
}

// ---- Inventory ----

void PeerManager::HandleInv(Peer& peer, const InvMsg& msg) {
  std::vector<Hash256> want_txs;
  bool unknown_block = false;
  for (const InvItem& item : msg.items) {
    peer.known.Insert(item.hash);
    if (item.type == InvType::kBlock) {
      auto info = node_->GetHeaderInfo(item.hash);
      if (!info) {
        unknown_block = true;
      } else if (!info->failed) {
        UpdateBestKnown(peer, item.hash);
      }
      continue;
    }
    if (tx_requests_.count(item.hash) || orphans_.count(item.hash) ||
        recent_rejects_.Contains(item.hash) || node_->HaveTx(item.hash)) {
      continue;
    }
    want_txs.push_back(item.hash);
  }
  // Headers first: a block is fetched only once its header is known to be valid.
  if (unknown_block) RequestHeaders(peer);
  if (!want_txs.empty()) RequestTxs(peer, want_txs);
  ScheduleDownloads(peer);
}

void PeerManager::RequestTxs(Peer& peer, const std::vector<Hash256>& txids) {
  const int64_t now = now_ms_();
  GetDataMsg request;
  for (const Hash256& txid : txids) {
    if (peer.txs_in_flight.size() >= options_.tx_requests_per_peer) break;
    if (!tx_requests_.emplace(txid, peer.id).second) continue;
    peer.txs_in_flight.emplace(txid, now);
    request.items.push_back(InvItem{InvType::kTx, txid});
  }
  if (!request.items.empty()) transport_->Send(peer.id, request);
}

void PeerManager::HandleGetData(Peer& peer, const GetDataMsg& msg) {
  for (const InvItem& item : msg.items) {
    if (peer.getdata_queue.size() >= options_.getdata_queue_per_peer) {
      Misbehave(peer.id, 20, "getdata queue overflow");
      break;
    }
    peer.getdata_queue.push_back(item);
  }
  ServeGetData(peer);
}

void PeerManager::ServeGetData(Peer& peer) {
  NotFoundMsg not_found;
  while (!peer.getdata_queue.empty() && !peer.disconnecting &&
         transport_->SendQueueBytes(peer.id) < options_.send_queue_soft_limit) {
    InvItem item = peer.getdata_queue.front();
    peer.getdata_queue.pop_front();
    std::optional<chain::Bytes> payload =
        item.type == InvType::kBlock ? node_->ReadBlock(item.hash) : node_->GetMempoolTx(item.hash);
    if (!payload) {
      not_found.items.push_back(item);
      continue;
    }
    peer.known.Insert(item.hash);
    transport_->SendRaw(peer.id, item.type == InvType::kBlock ? MsgType::kBlock : MsgType::kTx,
                        std::move(*payload));
  }
  if (!not_found.items.empty()) transport_->Send(peer.id, not_found);
}

void PeerManager::HandleNotFound(Peer& peer, const NotFoundMsg& msg) {
  for (const InvItem& item : msg.items) {
    if (item.type == InvType::kTx) {
      if (peer.txs_in_flight.erase(item.hash)) tx_requests_.erase(item.hash);
    } else if (peer.blocks_in_flight.count(item.hash)) {
      ClearBlockRequest(item.hash);
    }
  }
  ScheduleAllDownloads();
}

// ---- Headers and blocks ----

void PeerManager::RequestHeaders(Peer& peer, const std::optional<Hash256>& after) {
  peer.headers_requested_ms = now_ms_();
  std::vector<Hash256> locator = node_->GetLocator();
  // A presync's headers are not in our tree: ask for the chain after the last one weighed.
  if (after) {
    locator.insert(locator.begin(), *after);
    if (locator.size() > kMaxLocatorHashes) locator.erase(locator.end() - 2);  // keep genesis
  }
  transport_->Send(peer.id, GetHeadersMsg{std::move(locator), Hash256{}});
}

void PeerManager::HandleGetHeaders(Peer& peer, const GetHeadersMsg& msg) {
  HeadersMsg reply;
  reply.headers = node_->GetHeadersAfter(msg.locator, msg.stop, kMaxHeadersPerMessage);
  for (const chain::BlockHeader& h : reply.headers) peer.known.Insert(h.Id());
  transport_->Send(peer.id, reply);
}

void PeerManager::UpdateBestKnown(Peer& peer, const Hash256& id) {
  auto info = node_->GetHeaderInfo(id);
  if (!info || info->failed) return;
  if (peer.best_known && !(peer.best_known_work < info->chain_work)) return;
  peer.best_known = id;
  peer.best_known_work = info->chain_work;
  peer.best_known_height = info->height;
}

void PeerManager::HandleHeaders(Peer& peer, const HeadersMsg& msg) {
  const bool was_requested = peer.headers_requested_ms != 0;
  peer.headers_requested_ms = 0;
  if (msg.headers.empty()) return;
  for (const chain::BlockHeader& h : msg.headers) peer.known.Insert(h.Id());

  HeadersVerdict result = node_->AcceptHeadersFrom(peer.id, msg.headers);
  if (!result.connects) {
    // An announcement of a block whose parent we lack: ask for the chain in between. A reply
    // to our own locator must connect, and endless unconnecting announcements are noise.
    if (++peer.unconnecting_headers > kMaxUnconnectingHeaders ||
        (was_requested && msg.headers.size() > kMaxAnnouncedHeaders)) {
      Misbehave(peer.id, 20, "headers that do not connect");
    }
    if (!peer.disconnecting) RequestHeaders(peer);
    return;
  }
  peer.unconnecting_headers = 0;
  if (result.accepted > 0) UpdateBestKnown(peer, result.last);
  switch (result.verdict.kind) {
    case Verdict::Kind::kInvalid:
      Misbehave(peer.id, result.verdict.score, "invalid header: " + result.verdict.reason);
      return;
    case Verdict::Kind::kError:
      Log(LogLevel::kError, "accepting headers: " + result.verdict.reason);
      return;
    case Verdict::Kind::kOrphan:
    case Verdict::Kind::kRejected:
      LogPeer(LogLevel::kDebug, peer, "header not accepted: " + result.verdict.reason);
      break;
    case Verdict::Kind::kAccepted:
    case Verdict::Kind::kKnown:
      break;
  }
  // A full message means there is more. A presync that had enough work takes the chain again.
  if (result.redownload ||
      (msg.headers.size() == kMaxHeadersPerMessage && result.accepted == msg.headers.size())) {
    RequestHeaders(peer, result.resume);
  }
  ScheduleAllDownloads();
}

void PeerManager::ScheduleAllDownloads() {
  for (auto& [id, peer] : peers_) ScheduleDownloads(*peer);
}

void PeerManager::ScheduleDownloads(Peer& peer) {
  if (!peer.handshake_done || peer.disconnecting || !peer.best_known) return;
  if (peer.blocks_in_flight.size() >= options_.blocks_in_flight_per_peer) return;
  const size_t room = options_.blocks_in_flight_per_peer - peer.blocks_in_flight.size();
  std::vector<Hash256> wanted =
      node_->BlocksToDownload(*peer.best_known, room, options_.block_download_window,
                              [this](const Hash256& id) { return block_requests_.count(id) > 0; });
  if (wanted.empty()) return;
  const int64_t now = now_ms_();
  GetDataMsg request;
  for (const Hash256& id : wanted) {
    if (!block_requests_.emplace(id, peer.id).second) continue;
    peer.blocks_in_flight.emplace(id, now);
    request.items.push_back(InvItem{InvType::kBlock, id});
  }
  if (!request.items.empty()) transport_->Send(peer.id, request);
}

void PeerManager::ClearBlockRequest(const Hash256& id) {
  auto it = block_requests_.find(id);
  if (it == block_requests_.end()) return;
  if (Peer* owner = Find(it->second)) owner->blocks_in_flight.erase(id);
  block_requests_.erase(it);
}

void PeerManager::HandleBlock(Peer& peer, const BlockMsg& msg) {
  const Hash256 id = msg.block.block.header.Id();
  if (!peer.blocks_in_flight.count(id)) {
    // Blocks are announced by header and fetched on request; nobody honest pushes them.
    Misbehave(peer.id, 10, "unsolicited block " + id.ToHex());
    return;
  }
  ClearBlockRequest(id);
  peer.stalls = 0;
  peer.known.Insert(id);
  Verdict v = node_->ProcessBlock(msg.block);
  switch (v.kind) {
    case Verdict::Kind::kInvalid:
      Misbehave(peer.id, v.score, "invalid block " + id.ToHex() + ": " + v.reason);
      break;
    case Verdict::Kind::kError:
      Log(LogLevel::kError, "processing block " + id.ToHex() + ": " + v.reason);
      break;
    case Verdict::Kind::kOrphan:
    case Verdict::Kind::kRejected:
      LogPeer(LogLevel::kDebug, peer, "block " + id.ToHex() + " not accepted: " + v.reason);
      break;
    case Verdict::Kind::kAccepted:
      peer.last_block_ms = now_ms_();
      break;
    case Verdict::Kind::kKnown:
      break;
  }
  ScheduleAllDownloads();
}

void PeerManager::OnBlocksConnected(const std::vector<chain::BlockHeader>& headers) {
  last_tip_change_ms_ = now_ms_();
  // Txs refused on the old tip (a nonce not yet reached, say) may be fine now, and an orphan's
  // missing predecessor may have come in a block.
  recent_rejects_.Clear();
  std::set<chain::AccountId> senders;
  for (const auto& [id, orphan] : orphans_) senders.insert(orphan.tx.sender);
  for (const chain::AccountId& sender : senders) RetryOrphans(sender);
  if (headers.empty()) return;
  // Announce the last few; a peer missing more asks with getheaders. At most one announcement
  // per peer every kHeaderAnnounceIntervalMs: a burst of blocks (a sync, generatetoaddress)
  // becomes one message per interval instead of one per block.
  const int64_t now = now_ms_();
  const size_t first =
      headers.size() > kMaxAnnouncedHeaders ? headers.size() - kMaxAnnouncedHeaders : 0;
  for (auto& [id, peer] : peers_) {
    if (!peer->handshake_done || peer->disconnecting) continue;
    auto& pending = peer->headers_to_announce;
    pending.insert(pending.end(), headers.begin() + static_cast<long>(first), headers.end());
    if (pending.size() > kMaxAnnouncedHeaders) {
      pending.erase(pending.begin(), pending.end() - static_cast<long>(kMaxAnnouncedHeaders));
    }
    if (now >= peer->next_header_announce_ms) FlushHeaderAnnouncements(*peer);
  }
}

void PeerManager::FlushHeaderAnnouncements(Peer& peer) {
  if (peer.headers_to_announce.empty()) return;
  HeadersMsg announce;
  for (const chain::BlockHeader& header : peer.headers_to_announce) {
    const Hash256 block_id = header.Id();
    if (peer.known.Contains(block_id)) continue;
    // Only a contiguous run connects for the peer: restart at any gap.
    if (!announce.headers.empty() && announce.headers.back().Id() != header.prev) {
      announce.headers.clear();
    }
    announce.headers.push_back(header);
    peer.known.Insert(block_id);
  }
  peer.headers_to_announce.clear();
  peer.next_header_announce_ms = now_ms_() + kHeaderAnnounceIntervalMs;
  if (!announce.headers.empty()) transport_->Send(peer.id, announce);
}

// ---- Transactions ----

void PeerManager::HandleTx(Peer& peer, const TxMsg& msg) {
  const Hash256 txid = msg.tx.Id();
  if (!peer.txs_in_flight.erase(txid)) {
    Misbehave(peer.id, 10, "unsolicited tx " + txid.ToHex());
    return;
  }
  tx_requests_.erase(txid);
  peer.known.Insert(txid);
  ProcessTx(&peer, msg.tx, txid);
}

void PeerManager::ProcessTx(Peer* from, const chain::Transaction& tx, const Hash256& txid) {
  Verdict v = node_->AcceptTx(tx);
  const PeerId from_id = from ? from->id : 0;
  switch (v.kind) {
    case Verdict::Kind::kAccepted:
      if (from) from->last_tx_ms = now_ms_();
      AnnounceTx(txid, from_id);
      RetryOrphans(tx.sender);
      return;
    case Verdict::Kind::kKnown:
      return;
    case Verdict::Kind::kOrphan: {
      // Waits for the sender's earlier txs, which are probably on their way.
      const size_t bytes = tx.Serialize().size();
      while (!orphans_.empty() && (orphans_.size() >= options_.orphan_txs ||
                                   orphan_bytes_ + bytes > options_.orphan_bytes)) {
        auto victim = orphans_.begin();
        std::advance(victim, static_cast<long>(rng_() % orphans_.size()));
        EraseOrphan(victim);
      }
      if (orphans_.emplace(txid, Orphan{tx, from_id, now_ms_(), bytes}).second) {
        orphan_bytes_ += bytes;
      }
      return;
    }
    case Verdict::Kind::kRejected:
      recent_rejects_.Insert(txid);
      return;
    case Verdict::Kind::kInvalid:
      recent_rejects_.Insert(txid);
      if (from) Misbehave(from->id, v.score, "invalid tx " + txid.ToHex() + ": " + v.reason);
      return;
    case Verdict::Kind::kError:
      Log(LogLevel::kError, "accepting tx " + txid.ToHex() + ": " + v.reason);
      return;
  }
}

PeerManager::OrphanMap::iterator PeerManager::EraseOrphan(OrphanMap::iterator it) {
  orphan_bytes_ -= it->second.bytes;
  return orphans_.erase(it);
}

void PeerManager::RetryOrphans(const chain::AccountId& sender) {
  // Each acceptance may unblock the sender's next nonce. Every round removes an orphan or
  // returns, so this ends.
  while (true) {
    auto next = orphans_.end();
    for (auto it = orphans_.begin(); it != orphans_.end(); ++it) {
      if (it->second.tx.sender == sender &&
          (next == orphans_.end() || it->second.tx.nonce < next->second.tx.nonce)) {
        next = it;
      }
    }
    if (next == orphans_.end()) return;
    Verdict v = node_->AcceptTx(next->second.tx);
    if (v.kind == Verdict::Kind::kOrphan) return;  // still early
    const Hash256 txid = next->first;
    const PeerId from = next->second.from;
    EraseOrphan(next);
    if (v.accepted()) {
      AnnounceTx(txid, from);
    } else if (v.kind != Verdict::Kind::kKnown) {
      recent_rejects_.Insert(txid);
    }
  }
}

void PeerManager::OnLocalTx(const Hash256& txid) { AnnounceTx(txid, 0); }

void PeerManager::AnnounceTx(const Hash256& txid, PeerId except) {
  for (auto& [id, peer] : peers_) {
    if (id == except || !peer->handshake_done || peer->disconnecting) continue;
    if (peer->known.Contains(txid)) continue;
    if (peer->tx_announce.size() >= options_.announce_queue_per_peer) continue;
    peer->tx_announce.push_back(txid);
  }
}

void PeerManager::FlushTxAnnouncements(Peer& peer) {
  if (peer.tx_announce.empty()) return;
  InvMsg inv;
  for (const Hash256& txid : peer.tx_announce) {
    if (peer.known.Contains(txid)) continue;
    peer.known.Insert(txid);
    inv.items.push_back(InvItem{InvType::kTx, txid});
  }
  peer.tx_announce.clear();
  if (!inv.items.empty()) transport_->Send(peer.id, inv);
}

void PeerManager::HandleMempool(Peer& peer) {
  const int64_t now = arrival_ms_;
  if (now - peer.last_mempool_request_ms < kMinMempoolRequestIntervalMs) {
    Misbehave(peer.id, 5, "mempool requests too often");
    return;
  }
  peer.last_mempool_request_ms = now;
  SendMempoolInv(peer);
}

void PeerManager::SendMempoolInv(Peer& peer) {
  // The whole mempool, whatever the peer is "known" to have: an announcement it dropped (an
  // orphan evicted, say) counts as known on our side, and this is what repairs that.
  InvMsg inv;
  for (const Hash256& txid : node_->MempoolTxids()) {
    peer.known.Insert(txid);
    inv.items.push_back(InvItem{InvType::kTx, txid});
    if (inv.items.size() == kMaxInvEntries) {
      transport_->Send(peer.id, inv);
      inv.items.clear();
    }
  }
  if (!inv.items.empty()) transport_->Send(peer.id, inv);
}

void PeerManager::MempoolSync() {
  std::vector<Peer*> ready;
  for (auto& [id, peer] : peers_) {
    if (peer->handshake_done && !peer->disconnecting) ready.push_back(peer.get());
  }
  if (ready.empty()) return;
  Peer& peer = *ready[rng_() % ready.size()];
  // Pull: the peer answers with an inv of what we have not shown each other yet. Never more
  // often than the peer accepts (a short --mempoolsync with few peers would otherwise ask the
  // same peer again too soon and be scored for it).
  const int64_t now = now_ms_();
  if (now - peer.last_mempool_sent_ms >= kMinMempoolRequestIntervalMs) {
    peer.last_mempool_sent_ms = now;
    transport_->Send(peer.id, MempoolMsg{});
  }
  // Push: the same from our side.
  SendMempoolInv(peer);
}

// ---- Timers ----

void PeerManager::OnTick() {
  const int64_t now = now_ms_();
  bool reschedule = false;
  std::set<PeerId> stalled;
  std::vector<Hash256> expired_blocks;
  for (auto& [id, peer_ptr] : peers_) {
    Peer& peer = *peer_ptr;
    if (peer.disconnecting) continue;
    if (!peer.handshake_done) {
      if (now - peer.connected_ms > options_.handshake_timeout_ms &&
          !transport_->HasPendingInput(peer.id)) {
        Disconnect(peer, Transport::Why::kNormal, "no handshake in time");
      }
      continue;
    }
    // Liveness is judged by arrival too: after a stall of this node, what a peer sent may
    // still wait in the queue, and then it is neither idle nor late with its pong.
    const bool pending_input = transport_->HasPendingInput(peer.id);
    if (now - peer.last_recv_ms > options_.idle_timeout_ms && !pending_input) {
      Disconnect(peer, Transport::Why::kNormal, "idle");
      continue;
    }
    if (peer.ping_nonce) {
      if (now - peer.ping_sent_ms > options_.idle_timeout_ms && !pending_input) {
        Disconnect(peer, Transport::Why::kNormal, "ping timeout");
        continue;
      }
    } else if (now >= peer.next_ping_ms) {
      uint64_t nonce = rng_();
      peer.ping_nonce = nonce;
      peer.ping_sent_ms = now;
      peer.next_ping_ms = now + options_.ping_interval_ms;
      transport_->Send(peer.id, PingMsg{nonce});
    }
    // Blocks asked of this peer that did not come: ask someone else.
    expired_blocks.clear();
    for (const auto& [hash, at] : peer.blocks_in_flight) {
      if (now - at > options_.block_request_timeout_ms) expired_blocks.push_back(hash);
    }
    if (!expired_blocks.empty()) {
      for (const Hash256& hash : expired_blocks) ClearBlockRequest(hash);
      reschedule = true;
      stalled.insert(peer.id);
      if (++peer.stalls >= options_.max_stalls) {
        Disconnect(peer, Transport::Why::kNormal, "stalled block download");
        continue;
      }
    }
    for (auto it = peer.txs_in_flight.begin(); it != peer.txs_in_flight.end();) {
      if (now - it->second > options_.tx_request_timeout_ms) {
        tx_requests_.erase(it->first);
        it = peer.txs_in_flight.erase(it);
      } else {
        ++it;
      }
    }
    if (peer.headers_requested_ms &&
        now - peer.headers_requested_ms > options_.headers_request_timeout_ms) {
      peer.headers_requested_ms = 0;
    }
    if (!peer.getdata_queue.empty()) ServeGetData(peer);
    if (now >= peer.next_header_announce_ms) FlushHeaderAnnouncements(peer);
    if (now >= peer.next_tx_announce_ms) {
      FlushTxAnnouncements(peer);
      peer.next_tx_announce_ms = now + options_.tx_announce_interval_ms;
    }
  }

  for (auto it = orphans_.begin(); it != orphans_.end();) {
    it = now - it->second.added_ms > kOrphanLifetimeMs ? EraseOrphan(it) : std::next(it);
  }

  // Catch up by ourselves: if the tip has not moved for a while, ask someone for headers.
  if (now - last_tip_change_ms_ > options_.headers_resync_interval_ms) {
    last_tip_change_ms_ = now;
    std::vector<Peer*> ready;
    for (auto& [id, peer] : peers_) {
      if (peer->handshake_done && !peer->disconnecting) ready.push_back(peer.get());
    }
    if (!ready.empty()) RequestHeaders(*ready[rng_() % ready.size()]);
  }
  if (options_.mempool_sync_interval_ms > 0 && now >= next_mempool_sync_ms_) {
    next_mempool_sync_ms_ = now + options_.mempool_sync_interval_ms;
    MempoolSync();
  }
  if (options_.addr_refresh_interval_ms > 0 && now >= next_addr_refresh_ms_) {
    next_addr_refresh_ms_ = now + options_.addr_refresh_interval_ms;
    RefreshAddresses();
  }
  if (reschedule || now - last_reschedule_ms_ >= kRescheduleIntervalMs) {
    last_reschedule_ms_ = now;
    // Peers that just stalled come last, so what they did not deliver goes to someone else
    // if anyone else has it.
    for (auto& [id, peer] : peers_) {
      if (!stalled.count(id)) ScheduleDownloads(*peer);
    }
    for (PeerId id : stalled) {
      if (Peer* peer = Find(id)) ScheduleDownloads(*peer);
    }
  }
}

// ---- Queries ----

std::vector<PeerState> PeerManager::Peers() const {
  std::vector<PeerState> out;
  for (const auto& [id, p] : peers_) {
    PeerState s;
    s.id = id;
    s.addr = p->addr;
    s.inbound = p->inbound;
    s.handshake_done = p->handshake_done;
    s.version = p->remote.version;
    s.user_agent = p->remote.user_agent;
    s.start_height = p->remote.best_height;
    s.connected_ms = p->connected_ms;
    s.last_recv_ms = p->last_recv_ms;
    s.ping_ms = p->ping_ms;
    s.score = DecayedScore(*p, now_ms_());
    if (p->best_known) s.best_known_height = p->best_known_height;
    s.blocks_in_flight = p->blocks_in_flight.size();
    s.messages_received = p->messages;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<EvictionCandidate> PeerManager::InboundEvictionCandidates() const {
  std::vector<EvictionCandidate> out;
  for (const auto& [id, p] : peers_) {
    if (!p->inbound || p->disconnecting) continue;
    NetAddress ip = p->addr;
    ip.port = 0;  // one group per host at most, whatever its ports
    const chain::Bytes group = ip.Group();
    chain::Bytes keyed(8);
    for (int i = 0; i < 8; ++i) keyed[i] = static_cast<uint8_t>(netgroup_key_ >> (8 * i));
    keyed.insert(keyed.end(), group.begin(), group.end());
    const chain::Hash256 h = chain::Sha256Hash(keyed);
    uint64_t netgroup = 0;
    for (int i = 0; i < 8; ++i) netgroup |= uint64_t{h.bytes[i]} << (8 * i);
    out.push_back(EvictionCandidate{id, p->connected_ms, p->min_ping_ms, p->last_block_ms,
                                    p->last_tx_ms, netgroup});
  }
  return out;
}

bool PeerManager::EvictInbound() {
  std::optional<PeerId> victim = SelectInboundToEvict(InboundEvictionCandidates());
  Peer* peer = victim ? Find(*victim) : nullptr;
  if (!peer) return false;
  Disconnect(*peer, Transport::Why::kNormal, "evicted: inbound slots full");
  return true;
}

size_t PeerManager::HandshakedPeers() const {
  size_t n = 0;
  for (const auto& [id, p] : peers_) n += p->handshake_done && !p->disconnecting;
  return n;
}

}  // namespace waybill::p2p
