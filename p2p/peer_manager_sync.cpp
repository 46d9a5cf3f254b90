// The peer manager's headers-first sync and block download and announcement
// (docs/PROTOCOL.md §12.4).
#include "p2p/peer_manager.h"

#include "p2p/peer_manager_internal.h"

namespace waybill::p2p {

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

}  // namespace waybill::p2p
