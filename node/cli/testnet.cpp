// `waybill testnet`: a local network of waybilld processes on loopback, for development and
// demos. `up` starts N detached nodes (each its own data dir, ports and loopback address),
// joined through one or two seed nodes so that the overlay forms by address gossip; `status`
// asks each node over RPC; `down` stops them; `stop I` / `start I` stop and start one. What was
// started is recorded in DIR/testnet.json; whether a node runs is read from its data folder
// (the lock waybilld holds, its waybilld.pid), so a node restarted by hand counts too.
//
// POSIX only (fork/exec, signals, flock, /proc on Linux to tell a node from a reused pid).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "chain/bech32.h"
#include "node/cli/commands.h"
#include "node/cli/testnet_state.h"

namespace waybill::cli {
namespace {

using namespace testnet;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kMaxNodes = 64;
constexpr uint64_t kDefaultBasePort = 28000;
constexpr const char* kDefaultDir = "waybill-testnet";
constexpr const char* kMinerKeyFile = "miner.json";
// The pacer's generatetoaddress: hashes per call, calls per block at most.
constexpr uint64_t kPaceHashes = uint64_t{1} << 22;
constexpr int kPaceCalls = 64;

constexpr const char* kTestnetHelp =
    "Usage:\n"
    "  waybill testnet up N [--miners K] [--dir DIR] [--network NAME | --genesis FILE]\n"
    "                       [--base-port P] [--miner-threads T] [--seeds S] [...]\n"
    "      Starts N (1..64) waybilld processes on loopback, detached, each with its own data\n"
    "      dir DIR/node<i>, RPC port P+2i and P2P port P+2i+1 on 127.0.0.<i+1> (or all on\n"
    "      127.0.0.1 with --single-ip). Nodes 0..S-1 are seeds (--addnode to each other);\n"
    "      every other node gets --seed to them and finds the rest by address gossip. Nodes\n"
    "      0..K-1 mine to a key in DIR/node<i>/miner.json with waybilld --mine; on regtest\n"
    "      (and with --block-interval S) a helper process has them mine one block every S s\n"
    "      (regtest default 1) with generatetoaddress, in turn, instead.\n"
    "      Waits until every node answers RPC, then prints one line per node. The pids go\n"
    "      to DIR/testnet.json.\n"
    "  waybill testnet status [--dir DIR] [--json]\n"
    "      Per node: alive, height, tip, P2P connections, mempool size, mining; and whether\n"
    "      all tips agree.\n"
    "  waybill testnet down [--dir DIR] [--clean]\n"
    "      Stops every node that runs in DIR/node<i> (the stop RPC, then SIGTERM, then\n"
    "      SIGKILL), whether `up` started it or not, and the pacer; removes\n"
    "      DIR/testnet.json; --clean also removes the data dirs.\n"
    "  waybill testnet stop I [--dir DIR]\n"
    "      Stops node I as down does, keeping its data and DIR/testnet.json.\n"
    "  waybill testnet start I [--dir DIR] [--wait SECONDS]\n"
    "      Starts node I again with the arguments `up` gave it, on its data, and waits until\n"
    "      it answers RPC (restarting the pacer if it had stopped).\n"
    "\nOptions:\n";

std::vector<OptionSpec> DirOption() {
  return {{"dir", "DIR", false, "the testnet's directory (default ./waybill-testnet)"}};
}

std::vector<OptionSpec> UpOptions() {
  std::vector<OptionSpec> specs = DirOption();
  std::vector<OptionSpec> more = {
      {"network", "NAME", false, "devnet (default), regtest or testnet"},
      {"genesis", "FILE", false, "a genesis file instead of --network"},
      {"miners", "K", false, "nodes 0..K-1 mine (0..N, default 1)"},
      {"miner-threads", "T", false, "--mine threads per miner (default 1)"},
      {"block-interval", "S", false,
       "a block every S s by RPC; 0: --mine (default: regtest 1, else 0)"},
      {"seeds", "S", false, "nodes 0..S-1 are the seeds (1..N, default min(2, N))"},
      {"base-port", "P", false, "node i: RPC port P+2i, P2P port P+2i+1 (default 28000)"},
      {"single-ip", "", false, "every node on 127.0.0.1 (default 127.0.0.<i+1>)"},
      {"waybilld", "PATH", false, "the node program (default: next to this waybill)"},
      {"node-arg", "ARG", true,
       "one more option for every waybilld, e.g. --node-arg=--loglevel=debug"},
      {"wait", "SECONDS", false, "how long to wait for every node's RPC (default 60)"},
  };
  specs.insert(specs.end(), more.begin(), more.end());
  return specs;
}

std::vector<OptionSpec> StatusOptions() {
  std::vector<OptionSpec> specs = DirOption();
  specs.push_back({"json", "", false, "print JSON"});
  return specs;
}

std::vector<OptionSpec> DownOptions() {
  std::vector<OptionSpec> specs = DirOption();
  specs.push_back({"clean", "", false, "also remove the nodes' data dirs"});
  specs.push_back({"wait", "SECONDS", false, "how long to wait for a clean exit (default 30)"});
  return specs;
}

std::vector<OptionSpec> StopOptions() {
  std::vector<OptionSpec> specs = DirOption();
  specs.push_back({"wait", "SECONDS", false, "how long to wait for a clean exit (default 30)"});
  return specs;
}

std::vector<OptionSpec> StartOptions() {
  std::vector<OptionSpec> specs = DirOption();
  specs.push_back({"wait", "SECONDS", false, "how long to wait for its RPC (default 60)"});
  return specs;
}
// ---- Options ----

fs::path TestnetDir(const Args& args) {
  std::string given = args.Get("dir").value_or(kDefaultDir);
  if (given.empty()) throw CliError("--dir must not be empty");
  std::error_code ec;
  fs::path dir = fs::absolute(given, ec);
  if (ec) throw CliError("--dir " + given + ": " + ec.message());
  return dir.lexically_normal();
}

uint64_t NumberIn(const Args& args, std::string_view name, uint64_t def, uint64_t lo, uint64_t hi) {
  auto text = args.Get(name);
  if (!text) return def;
  uint64_t v = ParseU64(*text, "--" + std::string(name));
  if (v < lo || v > hi) {
    throw CliError("--" + std::string(name) + " must be " + std::to_string(lo) + ".." +
                   std::to_string(hi) + ", got " + *text);
  }
  return v;
}

// The waybilld to run: --waybilld, else the one next to this program.
std::string FindWaybilld(const Args& args) {
  std::string path;
  if (auto given = args.Get("waybilld")) {
    std::error_code ec;
    path = fs::absolute(*given, ec).lexically_normal().string();
    if (ec) path = *given;
  } else {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw CliError("cannot find this program's directory; give --waybilld PATH");
    path = (self.parent_path() / "waybilld").string();
  }
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || ::access(path.c_str(), X_OK) != 0) {
    throw CliError(path + " is not an executable file" +
                   (args.Has("waybilld") ? "" : " (build waybilld, or give --waybilld PATH)"));
  }
  return path;
}

// ---- Finding and stopping nodes ----

// A waybilld that runs in the testnet's folders. From the state file when it lists the node
// (then the RPC port is known); else found by its lock in DIR/node<i>/<network>/.
struct RunningNode {
  NodeInfo node;
  pid_t pid = 0;  // 0: unknown (no readable waybilld.pid)
  bool rpc_known = false;
  bool term_sent = false;
  std::string how;  // how it was asked to stop
};

// Every node running in dir: those of the state file first, then any other folder
// DIR/node<i>/<network>/ whose lock is held.
std::vector<RunningNode> FindRunningNodes(const fs::path& dir, const std::optional<State>& state) {
  std::vector<RunningNode> out;
  std::vector<std::string> seen;
  if (state) {
    for (const NodeInfo& n : state->nodes) {
      seen.push_back(node::NetworkDir(n.datadir, n.network));
      if (!NodeRunning(n)) continue;
      out.push_back({n, RunningPid(n), true, false, ""});
    }
  }
  for (int i = 0; i < kMaxNodes; ++i) {
    const fs::path datadir = dir / ("node" + std::to_string(i));
    std::error_code ec;
    if (!fs::is_directory(datadir, ec)) continue;
    for (const fs::directory_entry& entry : fs::directory_iterator(datadir, ec)) {
      if (!entry.is_directory(ec)) continue;
      NodeInfo n;
      n.index = i;
      n.datadir = datadir.string();
      n.network = entry.path().filename().string();
      if (std::find(seen.begin(), seen.end(), node::NetworkDir(n.datadir, n.network)) !=
              seen.end() ||
          !NodeRunning(n)) {
        continue;
      }
      out.push_back({n, RunningPid(n), false, false, ""});
    }
  }
  return out;
}

// Waits until none of the nodes holds its lock any more, up to `seconds`.
void WaitUntilStopped(const std::vector<RunningNode>& nodes, double seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    bool any = false;
    for (const RunningNode& r : nodes) {
      if (r.pid > 0) ::waitpid(r.pid, nullptr, WNOHANG);  // ECHILD when not ours: harmless
      any = any || NodeRunning(r.node);
    }
    if (!any) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// The stop RPC first (a clean shutdown); SIGTERM (as clean) where that fails or does not end
// the node in time; SIGKILL last. Sets each node's `how`.
void StopNodes(std::vector<RunningNode>* nodes, double wait_seconds) {
  for (RunningNode& r : *nodes) {
    std::string why = "its RPC port is not recorded";
    if (r.rpc_known) {
      auto reply = NodeCall(r.node, "stop");
      if (reply.ok() && reply->ok) {
        r.how = "stop RPC";
        continue;
      }
      why = "the stop RPC failed: " + (reply.ok() ? reply->message : reply.status().reason());
    }
    if (r.pid > 0) ::kill(r.pid, SIGTERM);
    r.term_sent = r.pid > 0;
    r.how = r.pid > 0 ? "SIGTERM (" + why + ")" : "nothing (" + why + ", and its pid is unknown)";
  }
  WaitUntilStopped(*nodes, wait_seconds);
  bool termed = false;
  for (RunningNode& r : *nodes) {
    if (!NodeRunning(r.node) || r.term_sent || r.pid <= 0) continue;
    ::kill(r.pid, SIGTERM);
    r.term_sent = termed = true;
    r.how += ", then SIGTERM after " + std::to_string(static_cast<int>(wait_seconds)) + " s";
  }
  if (termed) WaitUntilStopped(*nodes, 10);
  bool killed = false;
  for (RunningNode& r : *nodes) {
    if (!NodeRunning(r.node) || r.pid <= 0) continue;
    ::kill(r.pid, SIGKILL);
    killed = true;
    r.how += ", then SIGKILL";
  }
  if (killed) WaitUntilStopped(*nodes, 5);
}

// Prints one line per node; true if any still runs.
bool ReportStopped(const std::vector<RunningNode>& stopped) {
  bool survivors = false;
  for (const RunningNode& r : stopped) {
    std::cout << "node " << r.node.index << " (pid " << r.pid
              << (r.rpc_known ? "" : ", not recorded") << "): ";
    if (NodeRunning(r.node)) {
      std::cout << "still running after " << r.how << "\n";
      survivors = true;
    } else {
      std::cout << "stopped by " << r.how << "\n";
    }
  }
  return survivors;
}

void StopPacer(const fs::path& dir, const State& state) {
  if (state.pacer_pid <= 0 || !IsOurProcess(state.pacer_pid, PacerArg(dir))) return;
  ::kill(state.pacer_pid, SIGTERM);
  WaitForExit({state.pacer_pid}, 5);
  if (ProcessRunning(state.pacer_pid)) ::kill(state.pacer_pid, SIGKILL);
  std::cout << "pacer (pid " << state.pacer_pid << "): stopped\n";
}

// ---- up ----

struct UpPlan {
  int count = 0;
  int miners = 0;
  int seeds = 0;
  uint64_t threads = 1;
  uint64_t base_port = 0;
  uint64_t wait_seconds = 60;
};

UpPlan ReadUpPlan(const Args& args) {
  const auto& pos = args.positional();
  if (pos.size() != 1) throw CliError("usage: waybill testnet up N [options] (N = 1..64)");
  const uint64_t n = ParseU64(pos[0], "the node count N");
  if (n < 1 || n > kMaxNodes) throw CliError("N must be 1..64, got " + pos[0]);
  if (args.Has("network") && args.Has("genesis")) {
    throw CliError("give --network or --genesis, not both");
  }
  UpPlan plan;
  plan.count = static_cast<int>(n);
  plan.miners = static_cast<int>(NumberIn(args, "miners", 1, 0, n));
  plan.seeds = static_cast<int>(NumberIn(args, "seeds", std::min<uint64_t>(2, n), 1, n));
  plan.threads = NumberIn(args, "miner-threads", 1, 1, 256);
  plan.base_port = NumberIn(args, "base-port", kDefaultBasePort, 1024, 65536 - 2 * n);
  plan.wait_seconds = NumberIn(args, "wait", 60, 1, 3600);
  return plan;
}

// Refuses an `up` over a testnet of which any node runs (recorded or not).
void RefuseIfRunning(const fs::path& dir) {
  std::optional<State> old = LoadState(dir);
  std::vector<RunningNode> running = FindRunningNodes(dir, old);
  if (running.empty()) return;
  const RunningNode& r = running.front();
  throw CliError("the testnet in " + dir.string() + " is already up (node " +
                 std::to_string(r.node.index) + ", pid " + std::to_string(r.pid) +
                 "); run waybill testnet down --dir " + Quote(dir.string()));
}

// The nodes' layout: addresses, ports, folders, roles.
State PlanState(const Args& args, const fs::path& dir, const consensus::ChainParams& params,
                const UpPlan& plan) {
  State state;
  state.network = params.network;
  state.waybilld = FindWaybilld(args);
  // Regtest is paced by default: its target is the easiest there is (about 2 hashes a
  // block), so --mine would make thousands of blocks a second. Other networks mine for real
  // (devnet: about 2 s a block on one core) unless --block-interval asks for pacing.
  const uint64_t block_time = std::clamp<uint64_t>(
      static_cast<uint64_t>(std::max<int64_t>(params.target_block_time, 1)), 1, 3600);
  const uint64_t default_interval = params.network == "regtest" ? block_time : 0;
  state.block_interval =
      plan.miners == 0 ? 0 : NumberIn(args, "block-interval", default_interval, 0, 3600);
  if (auto genesis = args.Get("genesis")) {
    std::error_code ec;
    state.genesis = fs::absolute(*genesis, ec).lexically_normal().string();
    if (ec) state.genesis = *genesis;
  }
  // 127.0.0.0/8 is all loopback on Linux; where only 127.0.0.1 exists (macOS), every node
  // shares it and the ports alone tell them apart.
  bool single_ip = args.Has("single-ip");
  if (!single_ip && plan.count > 1 && TryBind("127.0.0.2", 0) == EADDRNOTAVAIL) {
    std::cerr << "note: 127.0.0.2 is not a local address here; every node uses 127.0.0.1\n";
    single_ip = true;
  }
  for (int i = 0; i < plan.count; ++i) {
    NodeInfo node;
    node.index = i;
    node.network = state.network;
    node.ip = single_ip ? "127.0.0.1" : "127.0.0." + std::to_string(i + 1);
    node.rpc_port = static_cast<uint16_t>(plan.base_port + 2 * i);
    node.p2p_port = static_cast<uint16_t>(plan.base_port + 2 * i + 1);
    node.datadir = (dir / ("node" + std::to_string(i))).string();
    node.seed = i < plan.seeds;
    node.miner = i < plan.miners;
    state.nodes.push_back(std::move(node));
  }
  return state;
}

void CheckPortsFree(const NodeInfo& node, const std::string& advice) {
  for (auto [port, what] : {std::pair{node.rpc_port, "RPC"}, std::pair{node.p2p_port, "P2P"}}) {
    if (int e = TryBind(node.ip, port); e != 0) {
      throw CliError("port " + std::to_string(port) + " (" + what + " of node " +
                     std::to_string(node.index) + ") on " + node.ip +
                     " is not free: " + std::strerror(e) + "; " + advice);
    }
  }
}

// The data dirs, and one key per miner, kept across restarts (spend its rewards with --key).
void PrepareDirs(const fs::path& dir, const consensus::ChainParams& params, State* state) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw CliError("cannot create " + dir.string() + ": " + ec.message());
  for (NodeInfo& node : state->nodes) {
    fs::create_directories(node.datadir, ec);
    if (ec) throw CliError("cannot create " + node.datadir + ": " + ec.message());
    ::chmod(node.datadir.c_str(), 0700);  // as waybilld makes a data dir
    if (!node.miner) continue;
    const std::string key_path = node.datadir + "/" + kMinerKeyFile;
    if (fs::exists(key_path, ec)) {
      node.miner_address =
          chain::bech32::EncodeAddress(params.address_prefix, LoadKeyFile(key_path).PublicKey());
    } else {
      chain::SecretKey key = chain::SecretKey::Generate();
      std::string text = KeyFileJson(key);
      WriteNewPrivateFile(key_path, text);
      chain::SecureWipe(text.data(), text.size());
      node.miner_address = chain::bech32::EncodeAddress(params.address_prefix, key.PublicKey());
    }
  }
}

std::vector<std::string> NodeArgs(const State& state, const NodeInfo& node, uint64_t threads,
                                  const std::vector<std::string>& extra) {
  std::vector<std::string> a = {
      "--datadir=" + node.datadir,
      "--rpcbind=" + node.ip,
      "--rpcport=" + std::to_string(node.rpc_port),
      "--bind=" + node.ip,
      "--port=" + std::to_string(node.p2p_port),
      "--printtoconsole=0",
  };
  a.push_back(state.genesis.empty() ? "--network=" + state.network : "--genesis=" + state.genesis);
  for (const NodeInfo& other : state.nodes) {
    if (!other.seed || other.index == node.index) continue;
    a.push_back((node.seed ? "--addnode=" : "--seed=") + P2pEndpoint(other));
  }
  if (node.miner && state.block_interval == 0) {
    a.push_back("--mine");
    a.push_back("--miner-address=" + node.miner_address);
    a.push_back("--miner-threads=" + std::to_string(threads));
  }
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// Stops what a failed `up` started, prints the failed node's log tail and throws.
[[noreturn]] void AbortUp(const fs::path& dir, const State& state, const NodeInfo* failed,
                          const std::string& why) {
  std::vector<pid_t> pids;
  if (state.pacer_pid > 0 && IsOurProcess(state.pacer_pid, PacerArg(dir))) {
    ::kill(state.pacer_pid, SIGTERM);
    pids.push_back(state.pacer_pid);
  }
  for (const NodeInfo& node : state.nodes) {
    // Not a reaped pid the system gave away.
    if (node.pid > 0 && IsOurProcess(node.pid, "--datadir=" + node.datadir)) {
      ::kill(node.pid, SIGTERM);
      pids.push_back(node.pid);
    }
  }
  WaitForExit(pids, 15);
  for (pid_t pid : pids) {
    if (ProcessRunning(pid)) ::kill(pid, SIGKILL);
  }
  WaitForExit(pids, 5);
  std::error_code ignored;
  fs::remove(dir / kStateFile, ignored);
  if (failed) PrintLogTails(*failed);
  throw CliError(why + (failed ? " (log tail above); the other nodes were stopped" : ""));
}

// Waits until each of `which` answers RPC; a node that exits meanwhile, or does not answer in
// time, is the error returned (with the node's index in *failed).
std::optional<std::string> WaitForRpc(const State& state, const std::vector<size_t>& which,
                                      uint64_t wait_seconds, size_t* failed) {
  std::vector<bool> ready(state.nodes.size(), false);
  std::vector<std::string> last_error(state.nodes.size());
  auto deadline = Clock::now() + std::chrono::seconds(wait_seconds);
  while (true) {
    bool all = true;
    for (size_t i : which) {
      if (ready[i]) continue;
      const NodeInfo& node = state.nodes[i];
      int status = 0;
      *failed = i;
      if (::waitpid(node.pid, &status, WNOHANG) == node.pid) {
        std::string how = WIFEXITED(status)
                              ? "exited with code " + std::to_string(WEXITSTATUS(status))
                              : "was killed by signal " + std::to_string(WTERMSIG(status));
        return "node " + std::to_string(node.index) + " (pid " + std::to_string(node.pid) + ") " +
               how + " while starting";
      }
      auto reply = NodeCall(node, "getblockcount", Json::array(), 2);
      ready[i] = reply.ok() && reply->ok;
      if (!ready[i]) last_error[i] = reply.ok() ? reply->message : reply.status().reason();
      all = all && ready[i];
    }
    if (all) return std::nullopt;
    if (Clock::now() >= deadline) {
      for (size_t i : which) {
        if (ready[i]) continue;
        *failed = i;
        return "node " + std::to_string(i) + " did not answer RPC within " +
               std::to_string(wait_seconds) + " s (" + last_error[i] + ")";
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

// The pacer: this program's `testnet pace`, detached like the nodes.
pid_t SpawnPacer(const fs::path& dir) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw CliError("cannot find this program to run the pacer");
  return Spawn(self.string(), {"testnet", "pace", PacerArg(dir)}, (dir / kPacerLog).string());
}

void PrintUp(const fs::path& dir, const State& state) {
  const size_t count = state.nodes.size();
  std::cout << "testnet up: " << count << " node" << (count > 1 ? "s" : "") << " on "
            << state.network << " in " << dir.string() << "\n";
  for (const NodeInfo& node : state.nodes) {
    std::cout << "node " << node.index << "  pid " << node.pid << "  rpc " << RpcUrl(node)
              << " (--datadir " << node.datadir << ")  p2p " << P2pEndpoint(node)
              << (node.seed ? "  seed" : "") << (node.miner ? "  miner " + node.miner_address : "")
              << "\n";
  }
  if (state.pacer_pid > 0) {
    std::cout << "blocks: one every " << state.block_interval
              << " s, generatetoaddress on the miners in turn (pacer pid " << state.pacer_pid
              << ", log " << (dir / kPacerLog).string() << ")\n";
  }
  const NodeInfo& first = state.nodes.front();
  std::cout << "call a node: waybill rpc --network " << state.network << " --rpcconnect "
            << first.ip << " --rpcport " << first.rpc_port << " --datadir " << Quote(first.datadir)
            << " getblockchaininfo\n";
}

int Up(const Args& args) {
  const UpPlan plan = ReadUpPlan(args);
  const fs::path dir = TestnetDir(args);
  RefuseIfRunning(dir);
  const consensus::ChainParams params = LoadParams(args);
  State state = PlanState(args, dir, params, plan);
  // Everything that can be refused is checked before anything starts.
  for (const NodeInfo& node : state.nodes) {
    CheckPortsFree(node, "stop what uses it or choose another --base-port");
  }
  PrepareDirs(dir, params, &state);

  const std::vector<std::string> extra = args.GetAll("node-arg");
  std::vector<size_t> all;
  for (NodeInfo& node : state.nodes) {
    node.args = NodeArgs(state, node, plan.threads, extra);
    try {
      node.pid = Spawn(state.waybilld, node.args, node.datadir + "/" + kStdoutLog);
    } catch (const CliError& e) {
      AbortUp(dir, state, nullptr, e.what());
    }
    SaveState(dir, state);  // after each start, so `down` finds every node started so far
    all.push_back(static_cast<size_t>(node.index));
  }
  size_t failed = 0;
  if (auto error = WaitForRpc(state, all, plan.wait_seconds, &failed)) {
    AbortUp(dir, state, &state.nodes[failed], *error);
  }
  if (state.block_interval > 0) {
    try {
      state.pacer_pid = SpawnPacer(dir);
    } catch (const CliError& e) {
      AbortUp(dir, state, nullptr, e.what());
    }
    SaveState(dir, state);
  }
  PrintUp(dir, state);
  return 0;
}

// ---- status ----

struct NodeStatus {
  bool alive = false;
  pid_t pid = 0;
  bool answered = false;
  std::string error;
  int64_t height = -1;
  std::string tip;
  int64_t peers = 0;
  int64_t mempool = 0;
  bool mining = false;
};

NodeStatus QueryNode(const NodeInfo& n) {
  NodeStatus s;
  s.alive = NodeRunning(n);
  s.pid = s.alive ? RunningPid(n) : n.pid;
  if (!s.alive) return s;
  auto chain = NodeResult(n, "getblockchaininfo", &s.error);
  if (!chain) return s;
  auto peers = NodeResult(n, "getconnectioncount", &s.error);
  auto mempool = peers ? NodeResult(n, "getmempoolinfo", &s.error) : std::nullopt;
  auto mining = mempool ? NodeResult(n, "getmininginfo", &s.error) : std::nullopt;
  if (!mining) return s;
  try {
    s.height = chain->at("blocks").get<int64_t>();
    s.tip = chain->at("bestblockhash").get<std::string>();
    s.peers = peers->get<int64_t>();
    s.mempool = mempool->at("size").get<int64_t>();
    s.mining = mining->at("mining").get<bool>();
    s.answered = true;
  } catch (const Json::exception& e) {
    s.error = std::string("unexpected RPC result: ") + e.what();
  }
  return s;
}

// Agreement among the nodes that answered: the same tip; else, whether they are on one chain
// (the same block at the lowest of their heights), as while a new block spreads.
struct Agreement {
  std::vector<size_t> up;  // the nodes that answered
  bool agree = false;
  bool same_chain = false;
  int64_t lo = -1;
  int64_t hi = -1;
};

Agreement CompareTips(const State& state, const std::vector<NodeStatus>& all) {
  Agreement a;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].answered) a.up.push_back(i);
  }
  a.agree = !a.up.empty() && a.up.size() == all.size();
  a.same_chain = a.agree;
  if (a.up.empty()) return a;
  a.lo = a.hi = all[a.up[0]].height;
  for (size_t i : a.up) {
    a.lo = std::min(a.lo, all[i].height);
    a.hi = std::max(a.hi, all[i].height);
    if (all[i].tip != all[a.up[0]].tip) a.agree = false;
  }
  if (a.agree || a.up.size() != all.size()) return a;
  a.same_chain = true;
  std::optional<std::string> common;
  for (size_t i : a.up) {
    std::string error;
    auto hash = NodeResult(state.nodes[i], "getblockhash", &error, Json::array({a.lo}));
    if (!hash || !hash->is_string() || (common && *common != hash->get<std::string>())) {
      a.same_chain = false;
      break;
    }
    common = hash->get<std::string>();
  }
  return a;
}

void PrintStatusJson(const fs::path& dir, const State& state, const std::vector<NodeStatus>& all,
                     const Agreement& a, bool pacer) {
  Json nodes = Json::array();
  for (size_t i = 0; i < all.size(); ++i) {
    const NodeInfo& n = state.nodes[i];
    const NodeStatus& s = all[i];
    Json j = {{"index", n.index}, {"pid", s.pid},          {"alive", s.alive},
              {"rpc", RpcUrl(n)}, {"p2p", P2pEndpoint(n)}, {"datadir", n.datadir},
              {"miner", n.miner}};
    if (s.answered) {
      j.update({{"height", s.height},
                {"bestblockhash", s.tip},
                {"connections", s.peers},
                {"mempool", s.mempool},
                {"mining", s.mining}});
    } else if (!s.error.empty()) {
      j["error"] = s.error;
    }
    nodes.push_back(std::move(j));
  }
  Json out = {{"dir", dir.string()},
              {"network", state.network},
              {"nodes", nodes},
              {"alive", std::count_if(all.begin(), all.end(), [](auto& s) { return s.alive; })},
              {"block_interval", state.block_interval},
              {"pacer_alive", pacer},
              {"tips_agree", a.agree},
              {"same_chain", a.same_chain}};
  std::cout << out.dump(2) << "\n";
}

void PrintStatusText(const fs::path& dir, const State& state, const std::vector<NodeStatus>& all,
                     const Agreement& a, bool pacer) {
  std::cout << "testnet in " << dir.string() << " (" << state.network << ")\n";
  std::cout << std::left << std::setw(5) << "node" << std::setw(9) << "pid" << std::setw(7)
            << "alive" << std::setw(9) << "height" << std::setw(14) << "tip" << std::setw(7)
            << "peers" << std::setw(9) << "mempool"
            << "mining\n";
  for (size_t i = 0; i < all.size(); ++i) {
    const NodeInfo& n = state.nodes[i];
    const NodeStatus& s = all[i];
    std::cout << std::setw(5) << n.index << std::setw(9) << s.pid << std::setw(7)
              << (s.alive ? "yes" : "no");
    if (s.answered) {
      std::cout << std::setw(9) << s.height << std::setw(14) << s.tip.substr(0, 12) << std::setw(7)
                << s.peers << std::setw(9) << s.mempool
                << (s.mining           ? "yes"
                    : n.miner && pacer ? "paced"
                                       : "no");
    } else if (s.alive) {
      std::cout << "RPC: " << s.error;
    }
    std::cout << "\n";
  }
  if (state.block_interval > 0) {
    std::cout << "pacer (pid " << state.pacer_pid << "): "
              << (pacer ? "a block every " + std::to_string(state.block_interval) + " s"
                        : std::string("not running"))
              << "\n";
  }
  if (a.up.empty()) {
    std::cout << "no node answers\n";
  } else if (a.agree) {
    std::cout << "tips agree: height " << a.hi << ", " << all[a.up[0]].tip << "\n";
  } else if (a.up.size() < all.size()) {
    std::cout << "tips unknown: " << all.size() - a.up.size() << " of " << all.size()
              << " nodes do not answer\n";
  } else if (a.same_chain) {
    std::cout << "tips differ (heights " << a.lo << ".." << a.hi
              << "), all on one chain up to height " << a.lo << "\n";
  } else {
    std::cout << "tips differ (heights " << a.lo << ".." << a.hi << ") and the chains fork\n";
  }
}

State RequireState(const fs::path& dir) {
  std::optional<State> state = LoadState(dir);
  if (!state) {
    throw CliError("no testnet in " + dir.string() + " (no " + kStateFile +
                   "); start one with waybill testnet up N");
  }
  return std::move(*state);
}

int ShowStatus(const Args& args) {
  if (!args.positional().empty()) throw CliError("usage: waybill testnet status [--dir DIR]");
  const fs::path dir = TestnetDir(args);
  const State state = RequireState(dir);
  std::vector<NodeStatus> all;
  for (const NodeInfo& n : state.nodes) all.push_back(QueryNode(n));
  const bool pacer = state.pacer_pid > 0 && IsOurProcess(state.pacer_pid, PacerArg(dir));
  const Agreement a = CompareTips(state, all);
  if (args.Has("json")) {
    PrintStatusJson(dir, state, all, a, pacer);
  } else {
    PrintStatusText(dir, state, all, a, pacer);
  }
  return 0;
}

// ---- down ----

// DIR/node<i> dirs that a testnet made, for --clean without a state file.
std::vector<std::string> NodeDirs(const fs::path& dir) {
  std::vector<std::string> out;
  for (int i = 0; i < kMaxNodes; ++i) {
    fs::path p = dir / ("node" + std::to_string(i));
    std::error_code ec;
    if (fs::is_directory(p, ec) && fs::exists(p / kStdoutLog, ec)) out.push_back(p.string());
  }
  return out;
}

void RemoveDataDirs(const fs::path& dir, const std::vector<std::string>& datadirs) {
  for (const std::string& d : datadirs) {
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(d, ec)) {
      if (entry.is_directory(ec) && LockHeld((entry.path() / ".lock").string())) {
        throw CliError("not removing " + d + ": a waybilld still uses it");
      }
    }
    fs::remove_all(d, ec);
    if (ec) throw CliError("cannot remove " + d + ": " + ec.message());
    std::cout << "removed " << d << "\n";
  }
  std::error_code ec;
  fs::remove(dir / kPacerLog, ec);
  if (fs::is_empty(dir, ec) && !ec) fs::remove(dir, ec);
}

int Down(const Args& args) {
  if (!args.positional().empty()) throw CliError("usage: waybill testnet down [--dir DIR]");
  const fs::path dir = TestnetDir(args);
  const double wait_seconds = static_cast<double>(NumberIn(args, "wait", 30, 1, 3600));
  const std::optional<State> state = LoadState(dir);
  // The pacer first, so that it does not report the nodes going away as errors.
  if (state) StopPacer(dir, *state);
  std::vector<RunningNode> running = FindRunningNodes(dir, state);
  if (!state && running.empty() && !args.Has("clean")) {
    throw CliError("no testnet in " + dir.string() + " (no " + kStateFile +
                   ", and no node runs in its folders)");
  }
  StopNodes(&running, wait_seconds);
  bool survivors = ReportStopped(running);
  if (state) {
    for (const NodeInfo& n : state->nodes) {
      bool listed = std::any_of(running.begin(), running.end(), [&](const RunningNode& r) {
        return r.rpc_known && r.node.index == n.index;
      });
      if (!listed) std::cout << "node " << n.index << ": was not running\n";
    }
  }
  if (survivors) {
    throw CliError("a node did not exit; " + (dir / kStateFile).string() + " is kept");
  }
  if (state) RemoveState(dir);
  if (!args.Has("clean")) return 0;
  if (!state) {
    RemoveDataDirs(dir, NodeDirs(dir));
    return 0;
  }
  std::vector<std::string> datadirs;
  for (const NodeInfo& n : state->nodes) {
    // Only what `up` made: DIR/node<i>, never a path an edited file might name.
    if (fs::path(n.datadir) == dir / ("node" + std::to_string(n.index))) {
      datadirs.push_back(n.datadir);
    }
  }
  RemoveDataDirs(dir, datadirs);
  return 0;
}

// ---- stop I, start I ----

// The node named by the one positional word.
size_t NodeIndex(const Args& args, const State& state, std::string_view command) {
  const auto& pos = args.positional();
  if (pos.size() != 1) {
    throw CliError("usage: waybill testnet " + std::string(command) + " I [--dir DIR]");
  }
  const uint64_t i = ParseU64(pos[0], "the node index I");
  if (i >= state.nodes.size()) {
    throw CliError("no node " + pos[0] + " in this testnet (nodes 0.." +
                   std::to_string(state.nodes.size() - 1) + ")");
  }
  return static_cast<size_t>(i);
}

int StopOne(const Args& args) {
  const fs::path dir = TestnetDir(args);
  const State state = RequireState(dir);
  const NodeInfo& n = state.nodes[NodeIndex(args, state, "stop")];
  const double wait_seconds = static_cast<double>(NumberIn(args, "wait", 30, 1, 3600));
  if (!NodeRunning(n)) {
    std::cout << "node " << n.index << ": was not running\n";
    return 0;
  }
  std::vector<RunningNode> one = {{n, RunningPid(n), true, false, ""}};
  StopNodes(&one, wait_seconds);
  if (ReportStopped(one)) throw CliError("node " + std::to_string(n.index) + " did not exit");
  return 0;
}

int StartOne(const Args& args) {
  const fs::path dir = TestnetDir(args);
  State state = RequireState(dir);
  const size_t i = NodeIndex(args, state, "start");
  NodeInfo& n = state.nodes[i];
  const uint64_t wait_seconds = NumberIn(args, "wait", 60, 1, 3600);
  if (NodeRunning(n)) {
    throw CliError("node " + std::to_string(n.index) + " already runs (pid " +
                   std::to_string(RunningPid(n)) + ")");
  }
  if (n.args.empty()) {
    throw CliError(std::string(kStateFile) +
                   " does not record the node's arguments (an older waybill made it); run "
                   "waybill testnet down, then up");
  }
  CheckPortsFree(n, "stop what uses it");
  n.pid = Spawn(state.waybilld, n.args, n.datadir + "/" + kStdoutLog);
  SaveState(dir, state);
  size_t failed = 0;
  if (auto error = WaitForRpc(state, {i}, wait_seconds, &failed)) {
    PrintLogTails(n);
    throw CliError(*error + " (log tail above)");
  }
  // The pacer exits once no miner runs; a miner back needs it again.
  if (n.miner && state.block_interval > 0 && !IsOurProcess(state.pacer_pid, PacerArg(dir))) {
    state.pacer_pid = SpawnPacer(dir);
    SaveState(dir, state);
    std::cout << "pacer (pid " << state.pacer_pid << "): started again\n";
  }
  std::cout << "node " << n.index << "  pid " << n.pid << "  rpc " << RpcUrl(n) << ": started\n";
  return 0;
}

// ---- pace (started by `up`, not for users) ----

std::string Now() {
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return when;
}

// Mines one block every block_interval seconds, on the miners in turn, until no miner runs.
int Pace(const Args& args) {
  const fs::path dir = TestnetDir(args);
  std::optional<State> state = LoadState(dir);
  if (!state || state->block_interval == 0) throw CliError("nothing to pace in " + dir.string());
  std::vector<NodeInfo> miners;
  for (const NodeInfo& n : state->nodes) {
    if (n.miner) miners.push_back(n);
  }
  if (miners.empty()) throw CliError("no miners in " + dir.string());
  std::cout << Now() << " pacing " << miners.size() << " miner(s), a block every "
            << state->block_interval << " s" << std::endl;
  const auto step = std::chrono::milliseconds(1000 * state->block_interval);
  auto next = Clock::now();
  std::string last_error;
  for (size_t turn = 0;; ++turn) {
    next += step;
    const NodeInfo& m = miners[turn % miners.size()];
    if (!std::any_of(miners.begin(), miners.end(), NodeRunning)) {
      std::cout << Now() << " no miner runs any more; exiting" << std::endl;
      return 0;
    }
    std::string error;
    // Calls of a bounded number of hashes (under a second to a few on one core, so a node
    // stops soon after the pacer), repeated until one finds a block: devnet's first block
    // alone takes 2^24 hashes on average.
    for (int call = 0; call < kPaceCalls && NodeRunning(m); ++call) {
      auto ids = NodeResult(m, "generatetoaddress", &error,
                            Json::array({1, m.miner_address, kPaceHashes}), 60);
      if (!ids || !ids->is_array() || !ids->empty()) break;
    }
    if (error != last_error && !error.empty()) {
      std::cout << Now() << " node " << m.index << ": " << error << std::endl;
    }
    last_error = error;
    next = std::max(next, Clock::now());  // a slow call delays the schedule, no burst after
    std::this_thread::sleep_until(next);
  }
}

}  // namespace

int RunTestnet(std::span<const std::string> words) {
  if (words.empty() || words[0] == "help" || words[0] == "--help" || words[0] == "-h") {
    // Asked for: stdout and success. Missing the subcommand: stderr and failure.
    (words.empty() ? std::cerr : std::cout) << kTestnetHelp << OptionsHelp(UpOptions());
    return words.empty() ? 1 : 0;
  }
  const std::string& sub = words[0];
  if (sub == "pace") return Pace(Args::Parse(words.subspan(1), DirOption()));
  std::vector<OptionSpec> specs = sub == "up"       ? UpOptions()
                                  : sub == "status" ? StatusOptions()
                                  : sub == "down"   ? DownOptions()
                                  : sub == "stop"   ? StopOptions()
                                  : sub == "start"  ? StartOptions()
                                                    : std::vector<OptionSpec>{};
  if (specs.empty()) {
    throw CliError("unknown testnet command '" + sub + "' (up, status, down, stop, start)");
  }
  Args args = Args::Parse(words.subspan(1), specs);
  if (args.Has("help")) {
    std::cout << kTestnetHelp << OptionsHelp(specs);
    return 0;
  }
  if (sub == "up") return Up(args);
  if (sub == "status") return ShowStatus(args);
  if (sub == "stop") return StopOne(args);
  if (sub == "start") return StartOne(args);
  return Down(args);
}

}  // namespace waybill::cli
