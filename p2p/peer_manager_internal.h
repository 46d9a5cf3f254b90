// Internal to the peer manager (p2p/peer_manager*.cpp): its constants, the per-peer state
// (PeerManager::Peer) and small helpers. Not for use elsewhere.
#pragma once

#include <algorithm>
#include <chrono>
#include <deque>
#include <set>

#include "chain/hash.h"
#include "p2p/peer_manager.h"

namespace waybill::p2p {
namespace peer_manager_internal {


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

inline std::chrono::steady_clock::time_point AsTimePoint(int64_t ms) {
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


}  // namespace peer_manager_internal

using namespace peer_manager_internal;  // NOLINT: the three .cpp files of one class

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

}  // namespace waybill::p2p
