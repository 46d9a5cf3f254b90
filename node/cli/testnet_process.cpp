// `waybill testnet`: finding the nodes that run in a testnet's folders, waiting for them to
// answer, and stopping them (the stop RPC, SIGTERM, SIGKILL).
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
using Clock = std::chrono::steady_clock;

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

}  // namespace

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

void CheckPortsFree(const NodeInfo& node, const std::string& advice) {
  for (auto [port, what] : {std::pair{node.rpc_port, "RPC"}, std::pair{node.p2p_port, "P2P"}}) {
    if (int e = TryBind(node.ip, port); e != 0) {
      throw CliError("port " + std::to_string(port) + " (" + what + " of node " +
                     std::to_string(node.index) + ") on " + node.ip +
                     " is not free: " + std::strerror(e) + "; " + advice);
    }
  }
}

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

pid_t SpawnPacer(const fs::path& dir) {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw CliError("cannot find this program to run the pacer");
  return Spawn(self.string(), {"testnet", "pace", PacerArg(dir)}, (dir / kPacerLog).string());
}

}  // namespace waybill::cli::testnet
