// The node: the composition root that owns every long-lived part of waybilld and starts and
// stops them in order.
//
// Start:  datadir, the network folder's lock and pid file, the logger, the chainstate, the
//         mempool (reloaded from mempool.dat), the miner (with --mine), the P2P overlay, the
//         RPC method table, the cookie, the RPC server, the REST server (with --rest).
// Stop:   the REST server, then the RPC server, stop accepting and finish their replies, the
//         overlay closes its
//         connections (and saves its address book and bans), the miner stops, the mempool is
//         saved to mempool.dat and closes, the chainstate closes, the cookie and the pid file
//         are removed, the lock is released.
//
// Shutdown is requested by SIGINT/SIGTERM (taken with sigwait on a thread of the Node's own,
// see BlockShutdownSignals), by the RPC `stop`, by RequestStop(), or by AbortNode() when a
// write fails (then the process exits 1).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "chain/sig_cache.h"
#include "chain/status.h"
#include "consensus/chainstate.h"
#include "node/chain_adapters.h"
#include "node/mining/clock.h"
#include "node/config.h"
#include "node/http/metrics.h"
#include "node/logging.h"
#include "node/mempool/mempool.h"
#include "node/mining/miner.h"
#include "node/net_bridge.h"
#include "node/rest/events.h"
#include "node/rest/rest.h"
#include "node/rest/rest_server.h"
#include "node/rest/snapshots.h"
#include "node/rpc/context.h"
#include "node/rpc/table.h"
#include "node/rpc/server.h"
#include "node/sync_progress.h"
#include "p2p/connman.h"

namespace waybill::node {

// Blocks SIGINT and SIGTERM in the calling thread; threads started afterwards inherit the
// mask. Call it first thing in main(), before any thread exists, so that the only way these
// signals are taken is Node::WaitForShutdown()'s sigwait: no handler, no global flag.
void BlockShutdownSignals();

// What the node's own RPC methods need.
struct BuiltinRpcContext {
  const consensus::ChainParams* params = nullptr;
  NodeClock* clock = nullptr;
  Logger* logger = nullptr;
  std::function<void()> request_stop;
  std::chrono::steady_clock::time_point started_at;
};

// Registers stop, uptime, setmocktime (refused unless params->allow_mocktime) and
// logging [level] (node/rpc/control.h) over the node's logger. REQUIRES: every pointer in ctx
// outlives the table.
void RegisterBuiltinMethods(RpcTable& table, const BuiltinRpcContext& ctx);

class Node {
 public:
  // handle_signals: WaitForShutdown() also returns on SIGINT/SIGTERM. REQUIRES then:
  // BlockShutdownSignals() was called before any thread of the process started.
  explicit Node(Config config, bool handle_signals = true);
  ~Node();  // Stop()
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts everything. On failure returns why ("another waybilld is using DIR", "cannot bind
  // RPC to ..."), having logged it if the logger was open; Stop() (or the destructor) then
  // cleans up whatever was started. Call once.
  chain::Status Start();
  // Blocks until a shutdown is requested (signal, RPC stop, RequestStop()).
  void WaitForShutdown();
  // Thread-safe; returns at once.
  void RequestStop();
  // A local fault the node cannot run on after (a failed write to the chain database, the
  // log, peers.dat, banlist.dat or mempool.dat; a damaged database): logs `what` at error
  // level with what to do, to debug.log and always to stderr, and requests the stop (RPC,
  // overlay and miner stop in Stop()'s order). The first call counts; later ones return.
  // Thread-safe; returns at once; may be called with another part's lock held.
  void AbortNode(const std::string& what);
  // The process's exit status after Stop(): 0, or 1 if AbortNode was called.
  int exit_code() const { return aborted_.load() ? 1 : 0; }
  // Stops everything in order. Idempotent. REQUIRES: not called from an RPC handler (use
  // RequestStop()).
  void Stop();

  // REQUIRES: Start() succeeded.
  uint16_t rpc_port() const { return rpc_server_->port(); }
  // The REST port; 0 without --rest. REQUIRES: Start() succeeded.
  uint16_t rest_port() const { return rest_server_ ? rest_server_->port() : 0; }
  // The node's metrics registry (never null after construction).
  Metrics* metrics() { return metrics_.get(); }
  // The P2P address listened on, if any. REQUIRES: Start() succeeded.
  std::optional<p2p::NetAddress> p2p_address() const { return connman_->ListenAddress(); }
  Logger* logger() { return logger_.get(); }

 private:
  // Forwards tip changes to the mempool and the overlay. The chainstate needs its listener
  // when it opens, before the mempool (which needs the chainstate) exists. Set({}) waits for a
  // callback in progress, so the targets can then be destroyed.
  class TipRelay : public consensus::ChainstateListener {
   public:
    void Set(std::vector<consensus::ChainstateListener*> targets);
    void OnTipChanged(const consensus::TipChange& change) override;

   private:
    std::mutex mu_;
    std::vector<consensus::ChainstateListener*> targets_;  // guarded by mu_
  };
  // Logs every tip change, and while the tip is behind the best header the sync's progress
  // (node/sync_progress.h). The chainstate reports one change at a time.
  class TipLogger : public consensus::ChainstateListener {
   public:
    TipLogger(chain::LogSink* log, const consensus::Chainstate* chain) : log_(log), chain_(chain) {}
    void OnTipChanged(const consensus::TipChange& change) override;

   private:
    chain::LogSink* const log_;
    const consensus::Chainstate* const chain_;
    SyncProgress progress_;
  };
  // Announces newly connected blocks to the peers, and the txs a reorg returned to the mempool.
  class NetAnnouncer : public consensus::ChainstateListener {
   public:
    NetAnnouncer(consensus::Chainstate* chain, Mempool* mempool, p2p::Connman* connman)
        : chain_(chain), mempool_(mempool), connman_(connman) {}
    void OnTipChanged(const consensus::TipChange& change) override;

   private:
    consensus::Chainstate* const chain_;
    Mempool* const mempool_;
    p2p::Connman* const connman_;
  };
  chain::Status StartP2p();

  // The steps of Start(), in order.
  chain::Status StartLocked();
  // Creates <datadir>/<network>/, takes its .lock and writes waybilld.pid.
  chain::Status LockNetworkDir();
  chain::Status OpenLog();  // <datadir>/<network>/debug.log
  chain::Status OpenChain();
  void StartMiner();  // with --mine
  // The method table, the cookie (unless --rpcuser) and the server.
  chain::Status StartRpc();
  // The node's metrics (docs/API.md "Metrics"): families, and gauges read from the parts.
  void RegisterMetrics();
  chain::Result<std::pair<Credentials, std::shared_ptr<const RpcWhitelist>>> MakeRpcAccess(
      AuthConfig full);
  // The REST API's context and server (with --rest).
  chain::Status StartRest();
  // The event stream's broker (with --rest), fed by relay_.
  void StartEvents();
  // mempool.dat in the network folder (node/mempool/mempool_persist.h): loaded at start, saved at a
  // clean stop; a failed save stops the node as any failed write does.
  std::string MempoolFilePath() const;
  void LoadMempoolFile();
  void SaveMempoolFile();
  void Log(LogLevel level, const std::string& message);

  // Fixed after construction.
  const Config config_;
  const bool handle_signals_;

  // Owned parts, in start order; Stop() releases them in reverse.
  std::mutex lifecycle_mu_;  // serializes Start() and Stop()
  bool started_ = false;     // guarded by lifecycle_mu_
  bool stopped_ = false;     // guarded by lifecycle_mu_
  std::chrono::steady_clock::time_point started_at_;
  int lock_fd_ = -1;
  bool pid_file_written_ = false;
  std::shared_ptr<chain::SignatureCache> signature_cache_;
  std::unique_ptr<Logger> logger_;
  NodeClock clock_;
  // Before the parts it reads: the chainstate and the servers call into it until destroyed.
  std::unique_ptr<Metrics> metrics_;
  TipRelay relay_;
  std::unique_ptr<consensus::Chainstate> chain_;
  // The mempool, and how it and the miner see chain_ (node/chain_adapters.h).
  std::unique_ptr<ChainstateMempool> pool_;
  std::unique_ptr<Miner> miner_;
  std::unique_ptr<NetBridge> net_bridge_;
  std::unique_ptr<p2p::Connman> connman_;
  std::unique_ptr<NetAnnouncer> announcer_;
  std::unique_ptr<TipLogger> tip_logger_;
  NodeContext context_;
  RpcTable rpc_table_;
  std::unique_ptr<CookieFile> cookie_;
  std::unique_ptr<RpcServer> rpc_server_;
  std::unique_ptr<RestSnapshots> rest_snapshots_;  // with --rest (StartEvents)
  std::unique_ptr<EventBroker> events_;            // reads rest_snapshots_: destroyed first
  RestContext rest_context_;
  std::unique_ptr<RestServer> rest_server_;

  std::atomic<bool> aborted_{false};

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_requested_ = false;  // guarded by stop_mu_
};

}  // namespace waybill::node
