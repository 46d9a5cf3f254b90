#include "node/node.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <span>

#include "chain/bech32.h"
#include "chain/sig_cache.h"
#include "node/mempool/mempool_persist.h"
#include "node/rest/metrics_route.h"
#include "node/rpc/control.h"
#include "node/rpc/methods.h"
#include "node/rpc/net.h"

namespace waybill::node {
namespace {

namespace fs = std::filesystem;
using chain::Status;

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void RegisterBuiltinMethods(RpcTable& table, const BuiltinRpcContext& ctx) {
  ControlContext control;
  control.params = ctx.params;
  control.clock = ctx.clock;
  control.request_stop = ctx.request_stop;
  control.started_at = ctx.started_at;
  control.log_level = [logger = ctx.logger] { return std::string(LogLevelName(logger->level())); };
  control.set_log_level = [logger = ctx.logger](const std::string& name) {
    auto level = ParseLogLevel(name);
    if (level) logger->SetLevel(*level);
    return level.has_value();
  };
  RegisterControlRpcMethods(table, std::move(control));
}

void Node::TipRelay::Set(std::vector<consensus::ChainstateListener*> targets) {
  // A part that was never made (a start that failed early) is left out.
  std::erase(targets, nullptr);
  std::lock_guard<std::mutex> lock(mu_);
  targets_ = std::move(targets);
}

void Node::TipRelay::OnTipChanged(const consensus::TipChange& change) {
  std::lock_guard<std::mutex> lock(mu_);
  for (consensus::ChainstateListener* target : targets_) target->OnTipChanged(change);
}

void Node::TipLogger::OnTipChanged(const consensus::TipChange& change) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  std::optional<std::string> progress = progress_.OnTipChanged(
      {now_ms, change.tip.height, chain_->Figures().best_header_height, change.connected_txs});
  if (!log_->Enabled(LogLevel::kInfo)) return;
  std::string line = "new tip: height " + std::to_string(change.tip.height) + ", block " +
                     change.tip.id.ToHex() + ", " + std::to_string(change.connected_blocks.size()) +
                     " connected";
  if (!change.disconnected_txs.empty()) {
    line += ", reorg returned " + std::to_string(change.disconnected_txs.size()) + " txs";
  }
  log_->Info(line);
  if (progress) log_->Info(*progress);
}

void Node::NetAnnouncer::OnTipChanged(const consensus::TipChange& change) {
  std::vector<chain::BlockHeader> headers;
  headers.reserve(change.connected_blocks.size());
  for (const chain::Hash256& id : change.connected_blocks) {
    if (auto index = chain_->GetBlockIndex(id)) headers.push_back(index->header);
  }
  connman_->NotifyBlocksConnected(std::move(headers));
  // Txs of blocks that left the chain came back to the mempool (the mempool's listener runs
  // first), now or a few blocks later: peers on the other branch may never have seen them.
  std::vector<chain::Hash256> readmitted = mempool_->TakeReadmitted();
  if (!readmitted.empty()) connman_->NotifyLocalTxs(std::move(readmitted));
}

Node::Node(Config config, bool handle_signals)
    : config_(std::move(config)),
      handle_signals_(handle_signals),
      metrics_(std::make_unique<Metrics>()) {}

Node::~Node() { Stop(); }

void Node::Log(LogLevel level, const std::string& message) {
  if (logger_) logger_->Log(level, {}, message);
}

Status Node::Start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (started_) return Status::Internal("Node::Start called twice");
  started_ = true;
  Status s = StartLocked();
  if (!s.ok()) Log(LogLevel::kError, "startup failed: " + s.reason());
  return s;
}

Status Node::StartLocked() {
  started_at_ = std::chrono::steady_clock::now();
  if (Status s = LockNetworkDir(); !s.ok()) return s;
  if (Status s = OpenLog(); !s.ok()) return s;
  if (Status s = OpenChain(); !s.ok()) return s;
  MempoolOptions mempool_options;
  mempool_options.max_bytes = config_.max_mempool_mb << 20;
  mempool_options.signature_cache = signature_cache_;
  mempool_options.verify_threads = config_.verify_threads;
  pool_ = std::make_unique<ChainstateMempool>(chain_.get(), mempool_options);
  tip_logger_ = std::make_unique<TipLogger>(logger_.get(), chain_.get());
  relay_.Set({&pool_->mempool, tip_logger_.get()});
  if (config_.persist_mempool) LoadMempoolFile();
  StartMiner();
  if (Status s = StartP2p(); !s.ok()) return s;
  RegisterMetrics();
  if (Status s = StartRpc(); !s.ok()) return s;
  StartEvents();
  if (Status s = StartRest(); !s.ok()) return s;
  consensus::TipInfo tip = chain_->Tip();
  Log(LogLevel::kInfo,
      "chain tip: height " + std::to_string(tip.height) + ", block " + tip.id.ToHex());
  return Status::Ok();
}

Status Node::LockNetworkDir() {
  const std::string& datadir = config_.datadir;
  const std::string network_dir = NetworkDir(datadir, config_.network);
  // The data directory and the network's folder, private to their user when we create them.
  std::error_code ec;
  for (const std::string& dir : {datadir, network_dir}) {
    bool created = fs::create_directories(dir, ec);
    if (ec) return Status::IoError("cannot create data directory " + dir + ": " + ec.message());
    if (created) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }

  // One node per network folder. The kernel drops a flock when the process dies, so a crash
  // never leaves a stale lock.
  const std::string lock_path = LockPath(datadir, config_.network);
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) {
    return Status::IoError("cannot open " + lock_path + ": " + std::strerror(errno));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(lock_fd_);
    lock_fd_ = -1;
    if (err == EWOULDBLOCK) return Status::Invalid("another waybilld is using " + network_dir);
    return Status::IoError("cannot lock " + lock_path + ": " + std::strerror(err));
  }
  // The pid file lets tools (waybill testnet) find the process that holds the lock. It is a
  // courtesy, not state: a failure to write it does not stop the node.
  const std::string pid_path = PidFilePath(datadir, config_.network);
  const std::string pid_text = std::to_string(::getpid()) + "\n";
  int fd = ::open(pid_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    pid_file_written_ =
        ::write(fd, pid_text.data(), pid_text.size()) == static_cast<ssize_t>(pid_text.size());
    ::close(fd);
  }
  return Status::Ok();
}

Status Node::OpenLog() {
  const std::string network_dir = NetworkDir(config_.datadir, config_.network);
  LoggerOptions log_options;
  log_options.level = config_.log_level;
  log_options.print_to_console = config_.print_to_console;
  log_options.file_path = (fs::path(network_dir) / "debug.log").string();
  log_options.on_write_error = [this](const std::string& why) { AbortNode(why); };
  auto logger = Logger::Open(log_options);
  if (!logger.ok()) return logger.status();
  logger_ = std::move(*logger);
  Log(LogLevel::kInfo, std::string("Waybill ") + WaybillVersion() + " starting: network " +
                           config_.network + ", datadir " + config_.datadir);
  if (!pid_file_written_) {
    Log(LogLevel::kWarn, "cannot write " + PidFilePath(config_.datadir, config_.network));
  }
  if (!config_.conf_file.empty()) Log(LogLevel::kInfo, "config file " + config_.conf_file);
  if (!config_.genesis_file.empty()) {
    Log(LogLevel::kInfo, "genesis file " + config_.genesis_file);
  }
  for (const std::string& note : config_.notes) Log(LogLevel::kInfo, note);
  Log(LogLevel::kInfo, "chain id " + config_.params.chain_id().ToHex());
  return Status::Ok();
}

Status Node::OpenChain() {
  // Chainstate, listening through the relay until the mempool exists.
  const fs::path chain_path = fs::path(NetworkDir(config_.datadir, config_.network)) / "chain";
  const std::string chain_dir = chain_path.string();
  // A database is created only where there is none: where one is expected, a missing part of
  // it (a lost CURRENT file) is damage to report, not a reason to start an empty chain.
  std::error_code ec;
  const bool new_chain = !fs::exists(chain_path, ec);
  // Signatures the mempool verified, so that their blocks connect without verifying them again.
  signature_cache_ = std::make_shared<chain::SignatureCache>();
  consensus::ChainstateOptions chain_options;
  chain_options.clock = [clock = &clock_] { return clock->Now(); };
  chain_options.verify_threads = config_.verify_threads;
  chain_options.signature_cache = signature_cache_;
  chain_options.listener = &relay_;
  chain_options.store.create_if_missing = new_chain || config_.reindex;
  chain_options.check_blocks = config_.check_blocks;
  chain_options.reindex = config_.reindex;
  chain_options.log = logger_.get();
  // Declared here: blocks connect while the chainstate opens (a reindex).
  metrics_->AddHistogram("waybill_block_connect_seconds", "Time to connect one block.",
                         DefaultSecondsBuckets());
  chain_options.on_block_connected = [metrics = metrics_.get()](double seconds) {
    metrics->Observe("waybill_block_connect_seconds", {}, seconds);
  };
  chain_options.on_fatal_error = [this](const Status& s) {
    AbortNode("the chain database failed: " + s.ToString());
  };
  if (config_.reindex) Log(LogLevel::kInfo, "--reindex: rebuilding the chain from its blocks");
  auto chain = consensus::Chainstate::Open(chain_dir, config_.params, chain_options);
  if (!chain.ok()) {
    std::string why = "cannot open the chain in " + chain_dir + ": " + chain.status().reason();
    if (chain.status().IsLocalError() && !config_.reindex) {
      why +=
          ". Nothing was deleted. To recover, restart with --reindex: it repairs the database "
          "and rebuilds the state, undo data and indexes from the stored blocks";
    }
    return chain.status().IsLocalError() ? Status::IoError(why) : Status::Invalid(why);
  }
  chain_ = std::move(*chain);
  return Status::Ok();
}

void Node::StartMiner() {
  if (!config_.mine) return;
  MinerOptions miner_options;
  miner_options.miner_account = *config_.miner_account;
  miner_options.threads = config_.miner_threads;
  miner_options.log = [log = logger_.get()](const std::string& line) { log->Info(line); };
  miner_ = std::make_unique<Miner>(&pool_->mining_view, &pool_->tx_source, &clock_, miner_options);
  miner_->Start();
  Log(LogLevel::kInfo,
      "mining to " +
          chain::bech32::EncodeAddress(config_.params.address_prefix, *config_.miner_account) +
          " on " + std::to_string(config_.miner_threads) + " thread(s)");
}

Status Node::StartRpc() {
  context_.params = &chain_->params();
  context_.chain = chain_.get();
  context_.mempool = &pool_->mempool;
  context_.mining_chain = &pool_->mining_view;
  context_.tx_source = &pool_->tx_source;
  context_.miner = miner_.get();
  context_.connman = connman_.get();
  context_.on_local_txs = [connman = connman_.get()](std::span<const chain::Hash256> txids) {
    connman->NotifyLocalTxs({txids.begin(), txids.end()});
  };
  context_.clock = &clock_;
  context_.datadir = config_.datadir;
  context_.request_stop = [this] { RequestStop(); };

  BuiltinRpcContext builtin;
  builtin.params = &chain_->params();
  builtin.clock = &clock_;
  builtin.logger = logger_.get();
  builtin.request_stop = context_.request_stop;
  builtin.started_at = started_at_;
  RegisterBuiltinMethods(rpc_table_, builtin);
  RegisterChainRpcMethods(rpc_table_, context_);
  RegisterNetRpcMethods(rpc_table_, context_);

  AuthConfig auth;
  if (!config_.rpc_user.empty()) {
    auth = AuthConfig{config_.rpc_user, config_.rpc_password};
    Log(LogLevel::kInfo, "RPC authentication: configured --rpcuser");
  } else {
    auto cookie = CookieFile::Create(CookiePath(config_.datadir, config_.network));
    if (!cookie.ok()) return cookie.status();
    cookie_ = std::move(*cookie);
    auth = cookie_->auth();
    Log(LogLevel::kInfo, "RPC authentication: cookie file " + cookie_->path());
  }
  auto access = MakeRpcAccess(std::move(auth));
  if (!access.ok()) return access.status();
  RpcServerOptions rpc_options;
  rpc_options.bind_address = config_.rpc_bind;
  rpc_options.port = config_.rpc_port;
  rpc_options.on_request = metrics_->RequestObserver("rpc");
  rpc_server_ = std::make_unique<RpcServer>(&rpc_table_, std::move(access->first),
                                            std::move(access->second), rpc_options,
                                            logger_.get());
  return rpc_server_->Start();
}

void Node::StartEvents() {
  if (!config_.rest) return;
  // Before the REST server: GET /v1/events/stream subscribes to it.
  // What REST requests read: the snapshot of the newest tip change, so none waits for the
  // chainstate's lock while a block is connected.
  rest_snapshots_ = std::make_unique<RestSnapshots>(chain_.get());
  rest_context_.snapshots = rest_snapshots_.get();
  // The broker reads the same snapshots: RestSnapshots comes before it in the relay, so the
  // snapshot of a tip change is there when the broker is told of the change.
  events_ = std::make_unique<EventBroker>(
      [snapshots = rest_snapshots_.get()] { return snapshots->Latest(); });
  rest_context_.events = events_.get();
  relay_.Set({&pool_->mempool, tip_logger_.get(), announcer_.get(), rest_snapshots_.get(),
              events_.get()});
}

// --rpcauth users beside `full` (the cookie's or --rpcuser's), and the --rpcwhitelist lists.
chain::Result<std::pair<Credentials, std::shared_ptr<const RpcWhitelist>>> Node::MakeRpcAccess(
    AuthConfig full) {
  std::set<std::string> full_access = {full.user};
  Credentials credentials(std::move(full));
  for (const std::string& line : config_.rpc_auth) {
    auto parsed = ParseRpcAuth(line);  // checked by ParseConfig already
    if (!parsed.ok()) return parsed.status();
    Log(LogLevel::kInfo, "RPC authentication: --rpcauth user " + parsed->user);
    credentials.Add(std::move(*parsed));
  }
  auto whitelist =
      RpcWhitelist::Parse(config_.rpc_whitelist, config_.rpc_whitelist_default, full_access);
  if (!whitelist.ok()) return whitelist.status();
  for (const std::string& user : whitelist->Users()) {
    Log(LogLevel::kInfo, "RPC whitelist: user " + user + " limited to its --rpcwhitelist");
  }
  return std::make_pair(std::move(credentials),
                        std::make_shared<const RpcWhitelist>(std::move(*whitelist)));
}

Status Node::StartRest() {
  if (!config_.rest) return Status::Ok();
  rest_context_.params = &chain_->params();
  rest_context_.chain = chain_.get();
  rest_context_.mempool = &pool_->mempool;
  rest_context_.connman = connman_.get();
  rest_context_.metrics = metrics_.get();  // GET /metrics, /healthz
  rest_context_.public_url = config_.rest_url;
  if (rest_context_.public_url.empty() && config_.rest_port != 0) {
    // Links name the listener as bound; with an ephemeral port (0) they stay relative.
    const bool v6 = config_.rest_bind.find(':') != std::string::npos;
    rest_context_.public_url = "http://" + (v6 ? "[" + config_.rest_bind + "]" : config_.rest_bind) +
                               ":" + std::to_string(config_.rest_port);
  }
  RestServerOptions options;
  options.bind_address = config_.rest_bind;
  options.port = config_.rest_port;
  options.on_request = metrics_->RequestObserver("rest");
  options.limits.rate_per_second = config_.rest_rate_limit;  // 0: no limit
  options.limits.burst = 2.0 * config_.rest_rate_limit;
  rest_server_ = std::make_unique<RestServer>(&rest_context_, options, logger_.get());
  return rest_server_->Start();
}

// ---- Metrics (docs/API.md "Metrics") ----
// The gauges read the parts at render time (GET /metrics on the REST listener, which stops
// before any part is released). REQUIRES: chain_ and pool_ exist; connman_ and miner_ may not.
void Node::RegisterMetrics() {
  Metrics& m = *metrics_;
  m.AddGauge("waybill_info", "Constant 1, labelled with the node's version and network.");
  m.SetCallback("waybill_info", {{"version", WaybillVersion()}, {"network", config_.network}},
                [] { return 1.0; });
  m.AddGauge("waybill_uptime_seconds", "Seconds since the node started.");
  m.SetCallback("waybill_uptime_seconds", {}, [started = started_at_] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  });
  RegisterChainMetrics(m, *chain_);  // without the chainstate's lock
  m.AddGauge("waybill_peers", "Connected P2P peers, by direction.");
  for (const char* direction : {"inbound", "outbound"}) {
    m.SetCallback("waybill_peers", {{"direction", direction}}, [this, direction] {
      if (!connman_) return 0.0;
      p2p::NetworkInfo info = connman_->GetNetworkInfo();
      return double(std::string_view(direction) == "inbound" ? info.inbound : info.outbound);
    });
  }
  m.AddGauge("waybill_mempool_transactions", "Transactions in the mempool.");
  m.SetCallback("waybill_mempool_transactions", {},
                [this] { return double(pool_->mempool.Info().size); });
  m.AddGauge("waybill_mempool_bytes", "Serialized size of the mempool's transactions.");
  m.SetCallback("waybill_mempool_bytes", {},
                [this] { return double(pool_->mempool.Info().bytes); });
  m.AddGauge("waybill_hashrate_hashes_per_second",
             "The local miner's hash rate over the last seconds (getmininginfo's); 0 when not "
             "mining.");
  m.SetCallback("waybill_hashrate_hashes_per_second", {},
                [this] { return miner_ ? miner_->HashRate() : 0.0; });
}
// ---- end of metrics ----

Status Node::StartP2p() {
  const P2pConfig& p = config_.p2p;
  const fs::path network_dir = NetworkDir(config_.datadir, config_.network);
  p2p::ConnmanOptions options;
  options.magic = config_.params.magic;
  options.max_block_size = config_.params.max_block_size;
  if (p.listen) options.listen = p.bind;
  options.bind_outbound = p.listen && !p.bind.IsUnspecified();
  options.connect = p.connect;
  options.addnodes = p.addnode;
  options.seeds = p.seed;
  options.max_outbound = p.max_outbound;
  options.max_inbound = p.max_inbound;
  options.ban_seconds = p.ban_seconds;
  options.rotate_interval_ms = p.rotate_seconds * 1000;
  options.peers_file = (network_dir / "peers.dat").string();
  options.banlist_file = (network_dir / "banlist.dat").string();
  options.on_save_error = [this](const Status& s) { AbortNode(s.ToString()); };
  options.peer.genesis = config_.params.genesis_id;
  options.peer.max_block_size = config_.params.max_block_size;
  options.peer.user_agent = std::string("/waybill:") + WaybillVersion() + "/";
  options.peer.mempool_sync_interval_ms = p.mempool_sync_seconds * 1000;
  net_bridge_ = std::make_unique<NetBridge>(chain_.get(), &pool_->mempool);
  connman_ = std::make_unique<p2p::Connman>(std::move(options), net_bridge_.get(), logger_.get());
  if (Status s = connman_->Start(); !s.ok()) return s;
  announcer_ = std::make_unique<NetAnnouncer>(chain_.get(), &pool_->mempool, connman_.get());
  relay_.Set({&pool_->mempool, tip_logger_.get(), announcer_.get()});
  if (!p.listen) Log(LogLevel::kInfo, "not accepting P2P connections (--listen=0)");
  return Status::Ok();
}

std::string Node::MempoolFilePath() const {
  return (fs::path(NetworkDir(config_.datadir, config_.network)) / "mempool.dat").string();
}

void Node::LoadMempoolFile() {
  const std::string path = MempoolFilePath();
  auto loaded = LoadMempool(&pool_->mempool, config_.params.chain_id(), path);
  if (loaded.ok()) {
    Log(LogLevel::kInfo, "mempool.dat: " + std::to_string(loaded->accepted) + " of " +
                             std::to_string(loaded->read) + " txs re-admitted, " +
                             std::to_string(loaded->refused) + " no longer valid (dropped)");
  } else if (!loaded.status().IsNotFound()) {
    Log(LogLevel::kWarn, "ignoring " + path + ": " + loaded.status().ToString() +
                             "; starting with an empty mempool");
  }
}

void Node::SaveMempoolFile() {
  const size_t count = pool_->mempool.Info().size;
  if (Status s = SaveMempool(pool_->mempool, config_.params.chain_id(), MempoolFilePath());
      !s.ok()) {
    AbortNode("cannot save the mempool: " + s.ToString());
    return;
  }
  Log(LogLevel::kInfo, "mempool.dat: saved " + std::to_string(count) + " txs");
}

void Node::AbortNode(const std::string& what) {
  if (aborted_.exchange(true)) return;
  metrics_->SetUnhealthy("failed");
  const std::string message =
      "fatal error: " + what +
      ". The node stops to keep its data consistent: free disk space (or fix the disk), then "
      "restart waybilld; if it then reports a damaged database, restart it with --reindex";
  Log(LogLevel::kError, message);
  // The log file may be what failed, and the console may be off: stderr always gets it.
  if (!logger_ || !config_.print_to_console) std::fprintf(stderr, "Error: %s\n", message.c_str());
  RequestStop();
}

void Node::RequestStop() {
  metrics_->SetUnhealthy("stopping");
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_requested_ = true;
  }
  stop_cv_.notify_all();
}

void Node::WaitForShutdown() {
  std::thread signal_thread;
  // Set before the wake-up signal below, so the waiter knows that signal is ours.
  std::atomic<bool> done{false};
  if (handle_signals_) {
    // Normally done by main() already. Blocking here too makes sure the thread below inherits
    // the mask, so the wake-up signal sent to it can never take the default action.
    BlockShutdownSignals();
    signal_thread = std::thread([this, &done] {
      sigset_t set = ShutdownSignals();
      int sig = 0;
      if (sigwait(&set, &sig) != 0 || done.load()) return;
      Log(LogLevel::kInfo,
          std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
      RequestStop();
    });
  }
  {
    std::unique_lock<std::mutex> lock(stop_mu_);
    stop_cv_.wait(lock, [this] { return stop_requested_; });
  }
  if (signal_thread.joinable()) {
    done.store(true);
    // Wakes the sigwait if no signal came (stop by RPC). The signal is blocked in every
    // thread, so it stays pending for that thread's sigwait and never reaches a handler;
    // if the thread already returned, the pending signal is dropped with it.
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
  }
}

void Node::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  Log(LogLevel::kInfo, "shutting down");
  // The listeners first (REST, then RPC): no new requests, replies in progress (the `stop`
  // reply) are finished, and no handler runs once they return, so nothing below is in use.
  if (rest_server_) rest_server_->Stop();
  rest_server_.reset();
  rest_context_ = RestContext{};
  if (rpc_server_) rpc_server_->Stop();
  rpc_server_.reset();
  // The overlay's message thread calls into the chainstate and the mempool: it goes first.
  relay_.Set({pool_ ? &pool_->mempool : nullptr, tip_logger_.get()});
  events_.reset();  // no stream left (the REST server stopped), no tip change arrives
  rest_snapshots_.reset();  // its snapshots are released before the chainstate closes
  if (connman_) connman_->Stop();
  announcer_.reset();
  connman_.reset();
  net_bridge_.reset();
  if (miner_) miner_->Stop();
  context_ = NodeContext{};
  miner_.reset();
  relay_.Set({});
  // Nothing changes the pool any more. Not after an abort: a failed disk gets no more writes.
  if (pool_ && config_.persist_mempool && !aborted_.load()) SaveMempoolFile();
  pool_.reset();
  chain_.reset();   // closes the databases
  cookie_.reset();  // removes the cookie file
  Log(LogLevel::kInfo, "stopped");
  if (lock_fd_ >= 0) {
    // Removed while the lock is still held, so it never removes a newer node's file.
    std::error_code ignored;
    if (pid_file_written_) fs::remove(PidFilePath(config_.datadir, config_.network), ignored);
    ::close(lock_fd_);  // releases the flock
    lock_fd_ = -1;
  }
}

}  // namespace waybill::node
