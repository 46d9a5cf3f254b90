// `waybill testnet`'s plumbing: what runs (DIR/testnet.json), the processes (spawn, wait,
// tell our node from a reused pid), free ports, and RPC calls to one node. The commands are
// testnet_commands.h's. POSIX only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "node/cli/commands.h"

namespace waybill::cli::testnet {

inline constexpr const char* kStateFile = "testnet.json";
inline constexpr const char* kStdoutLog = "stdout.log";
inline constexpr const char* kPacerLog = "pacer.log";
inline constexpr int kStateFormat = 1;
// How long one RPC call to a local node may take before the node counts as not answering.
inline constexpr int kRpcTimeoutSeconds = 5;

struct NodeInfo {
  int index = 0;
  pid_t pid = 0;        // as started by `up` or `start`; a node restarted by hand has another
  std::string network;  // the testnet's (State::network; not stored per node)
  std::string ip;
  uint16_t rpc_port = 0;
  uint16_t p2p_port = 0;
  std::string datadir;
  bool seed = false;
  bool miner = false;
  std::string miner_address;  // empty unless miner
  // The waybilld arguments `up` started it with, for `start I`. Empty in a state file of an
  // older waybill.
  std::vector<std::string> args;
};

struct State {
  std::string network;
  std::string genesis;  // absolute path, or empty for an embedded network
  std::string waybilld;
  std::vector<NodeInfo> nodes;
  // > 0: the miners do not run --mine; the pacer (`waybill testnet pace`, pid pacer_pid)
  // has them mine one block every block_interval seconds with generatetoaddress.
  uint64_t block_interval = 0;
  pid_t pacer_pid = 0;
};

std::string RpcUrl(const NodeInfo& n);
std::string P2pEndpoint(const NodeInfo& n);
Json StateToJson(const State& s);
// Written whole to a temporary file and renamed, so a reader never sees half of it.
void SaveState(const std::filesystem::path& dir, const State& s);
// nullopt when there is no state file; CliError when it exists but cannot be read.
std::optional<State> LoadState(const std::filesystem::path& dir);
void RemoveState(const std::filesystem::path& dir);

// True while pid is a process that has not exited (a zombie has).
bool ProcessRunning(pid_t pid);
// True if pid runs and has `arg` on its command line. Where /proc is available that tells
// our process from one the system has given the pid to since; elsewhere the pid is trusted.
bool IsOurProcess(pid_t pid, const std::string& want);
std::string PacerArg(const std::filesystem::path& dir);
// True if a process holds the flock on lock_path (waybilld holds node::LockPath(datadir,
// network) while it runs; the kernel drops it when the process dies).
bool LockHeld(const std::string& lock_path);
// Whether a waybilld runs on the node's data folder and network, however it was started (by
// `up`, `start` or by hand): its lock is held.
bool NodeRunning(const NodeInfo& n);
// The pid of the waybilld that runs on the node's folder (from its waybilld.pid, else the
// recorded pid if that process is the node); 0 when none runs or the pid is unknown.
pid_t RunningPid(const NodeInfo& n);
std::string Quote(const std::string& word);
// Starts exe in a session of its own (no terminal, so no SIGHUP or ^C from it) with stdin
// from /dev/null and stdout and stderr appended to log_path. The process stays our child
// until this program exits, then belongs to init: `up` can waitpid it, later commands cannot.
pid_t Spawn(const std::string& exe, const std::vector<std::string>& args,
            const std::string& log_path);
// Waits until none of pids runs, up to `seconds`. Reaps those that are our children.
void WaitForExit(const std::vector<pid_t>& pids, double seconds);
// The last `lines` lines of a file, for an error report; empty if it cannot be read.
std::string Tail(const std::string& path, size_t lines);
void PrintLogTails(const NodeInfo& n);
// errno of binding a TCP socket to ip:port (0 when it could be bound). SO_REUSEADDR as the
// node's own listeners, so a port in TIME_WAIT counts as free, as it is for them.
int TryBind(const std::string& ip, uint16_t port);

chain::Result<RpcReply> NodeCall(const NodeInfo& n, const std::string& method,
                                 const Json& params = Json::array(),
                                 int timeout = kRpcTimeoutSeconds);
// The result of a call, or nullopt with *error set.
std::optional<Json> NodeResult(const NodeInfo& n, const std::string& method, std::string* error,
                               const Json& params = Json::array(),
                               int timeout = kRpcTimeoutSeconds);

}  // namespace waybill::cli::testnet
