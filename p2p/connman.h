// The connection manager: TCP connections with Boost.Asio (kept inside connman.cpp), the
// listener, outbound dialing (seeds, --connect, --addnode, the address book), the inbound cap,
// bans, rotation, and the message thread that runs the peer logic (p2p/peer_manager.h).
//
// Threads: one I/O thread runs every socket (each connection on its own strand, with a
// deadline on every read, write and connect); one message thread runs the PeerManager, which
// is therefore never called concurrently. Frames are decoded on the I/O thread and handed to
// the message thread through a queue; a connection stops reading while its undelivered
// messages or its unsent output exceed their bounds, so a fast peer or a slow reader can never
// make either queue grow without limit.
//
// Thread-safe: every public method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/block.h"
#include "chain/log.h"
#include "chain/status.h"
#include "p2p/banlist.h"
#include "p2p/net_address.h"
#include "p2p/node_interface.h"
#include "p2p/peer_manager.h"

namespace waybill::p2p {

struct ConnmanOptions {
  uint32_t magic = 0;  // network magic of every frame
  size_t max_block_size = 4'000'000;

  // Where to accept connections; nullopt: accept none. Port 0 picks a free port (tests).
  std::optional<NetAddress> listen;
  // Bind outbound sockets to the listening IP, so every connection of this node comes from
  // the address it listens on (several nodes on the loopback addresses of one host).
  bool bind_outbound = false;

  std::vector<NetAddress> connect;   // non-empty: connect to these only
  std::vector<NetAddress> addnodes;  // always keep connections to these too
  std::vector<NetAddress> seeds;     // first addresses of the book; dialed first

  size_t max_outbound = 8;  // connections to addresses from the book and seeds
  size_t max_inbound = 64;
  int64_t ban_seconds = 24 * 60 * 60;
  int64_t rotate_interval_ms = 10 * 60 * 1000;  // replace one outbound peer this often; 0: never
  int64_t connect_timeout_ms = 5'000;
  int64_t io_timeout_ms = 60'000;      // a started read of a payload or a write
  int64_t manual_retry_ms = 2'000;     // --connect / --addnode peers redialed this often
  // Unsent output per peer (docs/PROTOCOL.md §12.8): reading pauses above send_queue_pause;
  // output that stays above it for send_drain_timeout_ms, or a frame that would take it past
  // send_queue_limit, drops the peer (a slow reader). Start raises send_queue_limit to at
  // least peer.send_queue_soft_limit + max_block_size + 1 MiB, so serving one block to an
  // honest peer never trips it.
  size_t send_queue_limit = 10 << 20;
  size_t send_queue_pause = 4 << 20;
  int64_t send_drain_timeout_ms = 30'000;
  size_t recv_queue_limit = 16 << 20;  // reading pauses above this much undelivered input
  size_t max_events = 100'000;         // node notifications beyond this are dropped

  std::string peers_file;    // address book; empty: not kept
  std::string banlist_file;  // bans; empty: not kept
  // Called when saving either file fails (the error names the file); the owner decides
  // (the node stops: a disk that cannot take these cannot take the chain either). Runs on
  // the saving thread; must not call into the Connman. Empty: the failure is only logged.
  std::function<void(const chain::Status&)> on_save_error;
  uint64_t seed = 0;         // randomness of the book and the peer logic; 0: the OS

  PeerManagerOptions peer;
};

struct PeerInfo {
  PeerState state;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  int64_t connected_unix = 0;
  bool manual = false;  // --connect or --addnode
};

struct NetworkInfo {
  std::optional<NetAddress> listening;
  size_t inbound = 0;
  size_t outbound = 0;
  size_t known_addresses = 0;
  size_t banned = 0;
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
};

class Connman {
 public:
  // REQUIRES: node outlives the Connman. log may be null.
  Connman(ConnmanOptions options, NodeInterface* node, chain::LogSink* log);
  ~Connman();  // Stop()
  Connman(const Connman&) = delete;
  Connman& operator=(const Connman&) = delete;

  // Loads the address book and bans, binds the listener and starts the threads. Invalid
  // (e.g. "cannot listen on 127.0.0.1:18544: address in use") on failure.
  chain::Status Start();
  // Closes every connection, stops the threads, saves the address book and bans. Idempotent.
  void Stop();

  // From the node, any thread: announce newly connected blocks (oldest first) and txs that
  // entered the mempool from elsewhere than the network.
  void NotifyBlocksConnected(std::vector<chain::BlockHeader> headers);
  // The txs, in order, in one notification (one wake-up of the message thread).
  void NotifyLocalTxs(std::vector<chain::Hash256> txids);

  // For RPC.
  std::vector<PeerInfo> GetPeerInfo();
  NetworkInfo GetNetworkInfo();
  size_t ConnectionCount();
  // "add" (keep a connection to it), "remove" (stop doing so), "onetry" (dial once).
  chain::Status AddNode(const NetAddress& addr, const std::string& command);
  // Disconnects every peer at this address (port 0: any port); false if none.
  bool DisconnectNode(const NetAddress& addr);
  bool DisconnectNode(PeerId id);
  // Bans an IP until now + seconds (0: the default ban time) and drops its connections.
  void Ban(const NetAddress& ip, int64_t seconds, const std::string& reason);
  bool Unban(const NetAddress& ip);
  std::vector<BanEntry> ListBanned();
  void ClearBanned();
  // The listening address actually bound (with the port picked when options asked for 0).
  std::optional<NetAddress> ListenAddress() const;

 private:
  class Impl;  // p2p/connman.cpp: everything that touches Asio
  std::unique_ptr<Impl> impl_;
};

}  // namespace waybill::p2p
