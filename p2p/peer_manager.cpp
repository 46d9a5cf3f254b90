#include "p2p/peer_manager.h"

#include "p2p/peer_manager_internal.h"

namespace waybill::p2p {

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
      recent_accepted_(options_.recent_accepted),
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

  if (type != MsgType::kBlock && type != MsgType::kTx && type != MsgType::kTxs &&
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
    case MsgType::kTxs:
      return HandleTxs(*peer, std::get<TxsMsg>(msg));
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
  // Before the genesis check: an old node's genesis differs too (the protocol version is in the
  // commitment), and this reason says what to do. Not misbehaving: no score, no ban.
  if (msg.version < kMinProtocolVersion) {
    LogPeer(LogLevel::kInfo, peer,
            "peer runs protocol " + std::to_string(msg.version) + ", this node " +
                std::to_string(kProtocolVersion) + ": it must upgrade its node and genesis file");
    Disconnect(peer, Transport::Why::kNormal,
               std::string(kObsoleteVersionReason) + ": protocol version " +
                   std::to_string(msg.version) + " is older than " +
                   std::to_string(kMinProtocolVersion));
    return;
  }
  if (msg.genesis != options_.genesis) {
    Disconnect(peer, Transport::Why::kNormal,
               "peer is on another network (genesis " + msg.genesis.ToHex() + ")");
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

// ---- Timers ----

bool PeerManager::TickPeer(Peer& peer, int64_t now) {
  if (peer.disconnecting) return false;
  if (!peer.handshake_done) {
    if (now - peer.connected_ms > options_.handshake_timeout_ms &&
        !transport_->HasPendingInput(peer.id)) {
      Disconnect(peer, Transport::Why::kNormal, "no handshake in time");
    }
    return false;
  }
  // Liveness is judged by arrival too: after a stall of this node, what a peer sent may
  // still wait in the queue, and then it is neither idle nor late with its pong.
  const bool pending_input = transport_->HasPendingInput(peer.id);
  if (now - peer.last_recv_ms > options_.idle_timeout_ms && !pending_input) {
    Disconnect(peer, Transport::Why::kNormal, "idle");
    return false;
  }
  if (peer.ping_nonce) {
    if (now - peer.ping_sent_ms > options_.idle_timeout_ms && !pending_input) {
      Disconnect(peer, Transport::Why::kNormal, "ping timeout");
      return false;
    }
  } else if (now >= peer.next_ping_ms) {
    uint64_t nonce = rng_();
    peer.ping_nonce = nonce;
    peer.ping_sent_ms = now;
    peer.next_ping_ms = now + options_.ping_interval_ms;
    transport_->Send(peer.id, PingMsg{nonce});
  }
  // Blocks asked of this peer that did not come: ask someone else.
  std::vector<Hash256> expired_blocks;
  for (const auto& [hash, at] : peer.blocks_in_flight) {
    if (now - at > options_.block_request_timeout_ms) expired_blocks.push_back(hash);
  }
  bool stalled = false;
  if (!expired_blocks.empty()) {
    for (const Hash256& hash : expired_blocks) ClearBlockRequest(hash);
    stalled = true;
    if (++peer.stalls >= options_.max_stalls) {
      Disconnect(peer, Transport::Why::kNormal, "stalled block download");
      return true;
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
  return stalled;
}

void PeerManager::OnTick() {
  const int64_t now = now_ms_();
  bool reschedule = false;
  std::set<PeerId> stalled;
  for (auto& [id, peer] : peers_) {
    if (TickPeer(*peer, now)) {
      reschedule = true;
      stalled.insert(id);
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
