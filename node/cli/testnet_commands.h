// `waybill testnet`'s commands and the steps they share (internal to node/cli/): the
// options every command reads (testnet.cpp), finding, starting and stopping nodes
// (testnet_process.cpp), and one function per command: `up` (testnet_up.cpp), `status`
// (testnet_status.cpp), `down`, `stop I`, `start I` (testnet_stop.cpp) and the pacer
// (testnet_pace.cpp). The record of what runs and the process plumbing are testnet_state.h's.
// POSIX only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/cli/args.h"
#include "node/cli/testnet_state.h"

namespace waybill::cli::testnet {

inline constexpr int kMaxNodes = 64;

// ---- Options (testnet.cpp) ----

// --dir as an absolute, normal path (default ./waybill-testnet).
std::filesystem::path TestnetDir(const Args& args);
// The option `name` as a number in [lo, hi]; def when absent. CliError otherwise.
uint64_t NumberIn(const Args& args, std::string_view name, uint64_t def, uint64_t lo, uint64_t hi);
// The testnet's state file; CliError when there is none.
State RequireState(const std::filesystem::path& dir);

// ---- Finding, starting and stopping nodes (testnet_process.cpp) ----

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
std::vector<RunningNode> FindRunningNodes(const std::filesystem::path& dir,
                                          const std::optional<State>& state);
// The stop RPC first (a clean shutdown); SIGTERM (as clean) where that fails or does not end
// the node in time; SIGKILL last. Sets each node's `how`.
void StopNodes(std::vector<RunningNode>* nodes, double wait_seconds);
// Prints one line per node; true if any still runs.
bool ReportStopped(const std::vector<RunningNode>& stopped);
void StopPacer(const std::filesystem::path& dir, const State& state);
// CliError (ending with `advice`) when the node's RPC or P2P port cannot be bound.
void CheckPortsFree(const NodeInfo& node, const std::string& advice);
// Waits until each of `which` answers RPC; a node that exits meanwhile, or does not answer in
// time, is the error returned (with the node's index in *failed).
std::optional<std::string> WaitForRpc(const State& state, const std::vector<size_t>& which,
                                      uint64_t wait_seconds, size_t* failed);
// The pacer: this program's `testnet pace`, detached like the nodes.
pid_t SpawnPacer(const std::filesystem::path& dir);

// ---- The commands; each returns the exit code and throws CliError for a user error ----

int Up(const Args& args);          // testnet_up.cpp
int ShowStatus(const Args& args);  // testnet_status.cpp
int Down(const Args& args);        // testnet_stop.cpp
int StopOne(const Args& args);     // testnet_stop.cpp
int StartOne(const Args& args);    // testnet_stop.cpp
int Pace(const Args& args);        // testnet_pace.cpp

}  // namespace waybill::cli::testnet
