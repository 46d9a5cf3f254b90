// `waybill testnet down`, `stop I` and `start I`: stop every node of a testnet (and, with
// --clean, remove their folders), or stop or start one node.
#include <signal.h>
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

#include "node/cli/commands.h"
#include "node/cli/testnet_commands.h"

namespace waybill::cli::testnet {
namespace {

namespace fs = std::filesystem;

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
}  // namespace

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

}  // namespace waybill::cli::testnet
