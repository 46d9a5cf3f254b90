// The peer manager's gossip: address relay, inventory and getdata, tx relay with orphans and
// mempool anti-entropy (docs/PROTOCOL.md §12.5, §12.6).
#include "p2p/peer_manager.h"

#include "p2p/peer_manager_internal.h"

namespace waybill::p2p {

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
  // The address's 18 bytes (IP, port big-endian), zero-padded, are its id: one id per
  // address, and the set fingerprints ids under a secret salt itself, so no hash is needed.
  chain::Hash256 key{};
  std::copy(addr.ip.begin(), addr.ip.end(), key.bytes.begin());
  key.bytes[16] = static_cast<uint8_t>(addr.port >> 8);
  key.bytes[17] = static_cast<uint8_t>(addr.port);
  return recent_addr_relays_.InsertNew(key);
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
    // Cheapest first: in a burst most items name a tx this node took a moment ago, and
    // HaveTx (the mempool's lock, the tx index) is asked only about the others.
    if (recent_accepted_.Contains(item.hash) || recent_rejects_.Contains(item.hash) ||
        tx_requests_.count(item.hash) || orphans_.count(item.hash) || node_->HaveTx(item.hash)) {
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
  // A peer of protocol 4 or later gets the txs it asked for in txs messages, an older one a tx
  // message each (docs/PROTOCOL.md §12.5).
  const bool batch = peer.remote.version >= kTxBatchVersion;
  TxsPayloadBuilder txs;
  auto flush_txs = [&] {
    if (txs.count() > 0) transport_->SendRaw(peer.id, MsgType::kTxs, txs.Take());
  };
  while (!peer.getdata_queue.empty() && !peer.disconnecting &&
         transport_->SendQueueBytes(peer.id) < options_.send_queue_soft_limit) {
    InvItem item = peer.getdata_queue.front();
    peer.getdata_queue.pop_front();
    if (item.type == InvType::kBlock) flush_txs();  // the peer sees answers in its order
    std::optional<chain::Bytes> payload =
        item.type == InvType::kBlock ? node_->ReadBlock(item.hash) : node_->GetMempoolTx(item.hash);
    if (!payload) {
      not_found.items.push_back(item);
      continue;
    }
    peer.known.Insert(item.hash);
    if (item.type == InvType::kBlock || !batch) {
      transport_->SendRaw(peer.id, item.type == InvType::kBlock ? MsgType::kBlock : MsgType::kTx,
                          std::move(*payload));
    } else if (!txs.Add(*payload)) {
      flush_txs();
      (void)txs.Add(*payload);  // an empty message takes any tx of at most kMaxTxSize
    }
  }
  flush_txs();
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

void PeerManager::HandleTxs(Peer& peer, const TxsMsg& msg) {
  // Each tx of the message counts as if it had come in a tx message of its own: the same
  // score for an unsolicited or invalid one, the others are taken.
  std::vector<size_t> taken;          // positions in msg.txs of the txs asked for
  std::vector<chain::TxWithId> txws;  // their ids and sizes, computed once for the node too
  taken.reserve(msg.txs.size());
  txws.reserve(msg.txs.size());
  for (size_t i = 0; i < msg.txs.size(); ++i) {
    chain::TxWithId txw = chain::MakeTxWithId(msg.txs[i]);
    if (!peer.txs_in_flight.erase(txw.id)) {
      Misbehave(peer.id, 10, "unsolicited tx " + txw.id.ToHex());
      if (peer.disconnecting) return;
      continue;
    }
    tx_requests_.erase(txw.id);
    peer.known.Insert(txw.id);
    taken.push_back(i);
    txws.push_back(std::move(txw));
  }
  if (txws.empty()) return;
  std::vector<Hash256> ids;
  ids.reserve(txws.size());
  for (const chain::TxWithId& txw : txws) ids.push_back(txw.id);
  const std::vector<Verdict> verdicts = node_->AcceptTxs(std::move(txws));
  std::vector<chain::AccountId> retry;
  for (size_t k = 0; k < taken.size() && k < verdicts.size(); ++k) {
    OnTxVerdict(&peer, msg.txs[taken[k]], ids[k], verdicts[k], &retry);
  }
  // After the whole message: a tx that came before its sender's earlier one in it waits as an
  // orphan until then.
  std::sort(retry.begin(), retry.end());
  retry.erase(std::unique(retry.begin(), retry.end()), retry.end());
  for (const chain::AccountId& sender : retry) RetryOrphans(sender);
}

void PeerManager::ProcessTx(Peer* from, const chain::Transaction& tx, const Hash256& txid) {
  OnTxVerdict(from, tx, txid, node_->AcceptTx(tx), nullptr);
}

void PeerManager::OnTxVerdict(Peer* from, const chain::Transaction& tx, const Hash256& txid,
                              const Verdict& v, std::vector<chain::AccountId>* retry) {
  const PeerId from_id = from ? from->id : 0;
  switch (v.kind) {
    case Verdict::Kind::kAccepted:
      if (from) from->last_tx_ms = now_ms_();
      recent_accepted_.Insert(txid);
      AnnounceTx(txid, from_id);
      if (retry) {
        retry->push_back(tx.sender);
      } else {
        RetryOrphans(tx.sender);
      }
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
        orphans_by_sender_.emplace(std::make_pair(tx.sender, tx.nonce), txid);
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
  auto [first, last] =
      orphans_by_sender_.equal_range(std::make_pair(it->second.tx.sender, it->second.tx.nonce));
  for (auto s = first; s != last; ++s) {
    if (s->second == it->first) {
      orphans_by_sender_.erase(s);
      break;
    }
  }
  return orphans_.erase(it);
}

void PeerManager::RetryOrphans(const chain::AccountId& sender) {
  // Each acceptance may unblock the sender's next nonce. Every round removes an orphan or
  // returns, so this ends.
  while (true) {
    auto lowest = orphans_by_sender_.lower_bound(std::make_pair(sender, uint64_t{0}));
    if (lowest == orphans_by_sender_.end() || lowest->first.first != sender) return;
    auto next = orphans_.find(lowest->second);
    if (next == orphans_.end()) {  // cannot happen: the two maps change together
      orphans_by_sender_.erase(lowest);
      continue;
    }
    Verdict v = node_->AcceptTx(next->second.tx);
    if (v.kind == Verdict::Kind::kOrphan) return;  // still early
    const Hash256 txid = next->first;
    const PeerId from = next->second.from;
    EraseOrphan(next);
    if (v.accepted()) {
      recent_accepted_.Insert(txid);
      AnnounceTx(txid, from);
    } else if (v.kind != Verdict::Kind::kKnown) {
      recent_rejects_.Insert(txid);
    }
  }
}

void PeerManager::OnLocalTx(const Hash256& txid) {
  recent_accepted_.Insert(txid);
  AnnounceTx(txid, 0);
}

void PeerManager::AnnounceTx(const Hash256& txid, PeerId except) {
  for (auto& [id, peer] : peers_) {
    if (id == except || !peer->handshake_done || peer->disconnecting) continue;
    if (peer->known.Contains(txid)) continue;
    if (peer->tx_announce.size() >= options_.announce_queue_per_peer) continue;
    peer->tx_announce.push_back(txid);
    // A full batch gains nothing by waiting for the interval: in a burst, the wait would
    // only add to every hop's latency.
    if (peer->tx_announce.size() >= options_.tx_announce_batch) FlushTxAnnouncements(*peer);
  }
}

void PeerManager::FlushTxAnnouncements(Peer& peer) {
  if (peer.tx_announce.empty()) return;
  InvMsg inv;
  inv.items.reserve(peer.tx_announce.size());
  for (const Hash256& txid : peer.tx_announce) {
    if (peer.known.InsertNew(txid)) inv.items.push_back(InvItem{InvType::kTx, txid});
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

}  // namespace waybill::p2p
