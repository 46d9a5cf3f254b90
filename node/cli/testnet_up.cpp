// `waybill testnet up N`: plan the nodes (addresses, ports, folders, roles), write their data
// folders and miner keys, start them and the pacer, wait until each answers RPC. A failure
// stops what was started.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "chain/bech32.h"
#include "node/cli/commands.h"
#include "node/cli/testnet_commands.h"

namespace waybill::cli::testnet {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kDefaultBasePort = 28000;
constexpr const char* kMinerKeyFile = "miner.json";

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

// The options for every node (--node-arg ARG) and those for one node (--node-arg-of I:ARG),
// per node index, in the order given.
std::vector<std::vector<std::string>> ReadNodeArgs(const Args& args, int count) {
  std::vector<std::vector<std::string>> per_node(static_cast<size_t>(count),
                                                 args.GetAll("node-arg"));
  for (const std::string& given : args.GetAll("node-arg-of")) {
    const size_t colon = given.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == given.size()) {
      throw CliError("--node-arg-of takes I:ARG (e.g. 3:--rest), got " + given);
    }
    const uint64_t index = ParseU64(given.substr(0, colon), "the node index of --node-arg-of");
    if (index >= static_cast<uint64_t>(count)) {
      throw CliError("--node-arg-of " + given + ": there is no node " + given.substr(0, colon) +
                     " (nodes 0.." + std::to_string(count - 1) + ")");
    }
    per_node[index].push_back(given.substr(colon + 1));
  }
  return per_node;
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

}  // namespace

int Up(const Args& args) {
  const UpPlan plan = ReadUpPlan(args);
  const std::vector<std::vector<std::string>> node_args = ReadNodeArgs(args, plan.count);
  const fs::path dir = TestnetDir(args);
  RefuseIfRunning(dir);
  const consensus::ChainParams params = LoadParams(args);
  State state = PlanState(args, dir, params, plan);
  // Everything that can be refused is checked before anything starts.
  for (const NodeInfo& node : state.nodes) {
    CheckPortsFree(node, "stop what uses it or choose another --base-port");
  }
  PrepareDirs(dir, params, &state);

  std::vector<size_t> all;
  for (NodeInfo& node : state.nodes) {
    node.args = NodeArgs(state, node, plan.threads, node_args[static_cast<size_t>(node.index)]);
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

}  // namespace waybill::cli::testnet
