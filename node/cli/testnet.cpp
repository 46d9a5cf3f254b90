// `waybill testnet`: a local network of waybilld processes on loopback, for development and
// demos. `up` starts N detached nodes (each its own data dir, ports and loopback address),
// joined through one or two seed nodes so that the overlay forms by address gossip; `status`
// asks each node over RPC; `down` stops them. What runs is recorded in DIR/testnet.json.
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
    "      Stops every node (the stop RPC, then SIGTERM, then SIGKILL), removes\n"
    "      DIR/testnet.json; --clean also removes the data dirs.\n"
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

// ---- up ----

int Up(const Args& args) {
  const auto& pos = args.positional();
  if (pos.size() != 1) throw CliError("usage: waybill testnet up N [options] (N = 1..64)");
  const uint64_t n = ParseU64(pos[0], "the node count N");
  if (n < 1 || n > kMaxNodes) throw CliError("N must be 1..64, got " + pos[0]);
  const int count = static_cast<int>(n);
  const int miners = static_cast<int>(NumberIn(args, "miners", 1, 0, n));
  const int seeds = static_cast<int>(NumberIn(args, "seeds", std::min<uint64_t>(2, n), 1, n));
  const uint64_t threads = NumberIn(args, "miner-threads", 1, 1, 256);
  const uint64_t base = NumberIn(args, "base-port", kDefaultBasePort, 1024, 65536 - 2 * n);
  const uint64_t wait_seconds = NumberIn(args, "wait", 60, 1, 3600);
  if (args.Has("network") && args.Has("genesis")) {
    throw CliError("give --network or --genesis, not both");
  }

  const fs::path dir = TestnetDir(args);
  std::optional<State> old = LoadState(dir);
  if (old) {
    for (const NodeInfo& node : old->nodes) {
      if (IsOurNode(node)) {
        throw CliError("the testnet in " + dir.string() + " is already up (node " +
                       std::to_string(node.index) + ", pid " + std::to_string(node.pid) +
                       "); run waybill testnet down --dir " + Quote(dir.string()));
      }
    }
  }
  const std::string waybilld = FindWaybilld(args);
  const consensus::ChainParams params = LoadParams(args);
  State state;
  state.network = params.network;
  state.waybilld = waybilld;
  // Regtest is paced by default: its target is the easiest there is (about 2 hashes a
  // block), so --mine would make thousands of blocks a second. Other networks mine for real
  // (devnet: about 2 s a block on one core) unless --block-interval asks for pacing.
  const uint64_t block_time = std::clamp<uint64_t>(
      static_cast<uint64_t>(std::max<int64_t>(params.target_block_time, 1)), 1, 3600);
  const uint64_t default_interval = params.network == "regtest" ? block_time : 0;
  state.block_interval =
      miners == 0 ? 0 : NumberIn(args, "block-interval", default_interval, 0, 3600);
  if (auto genesis = args.Get("genesis")) {
    std::error_code ec;
    state.genesis = fs::absolute(*genesis, ec).lexically_normal().string();
    if (ec) state.genesis = *genesis;
  }

  // The layout. 127.0.0.0/8 is all loopback on Linux; where only 127.0.0.1 exists (macOS),
  // every node shares it and the ports alone tell them apart.
  bool single_ip = args.Has("single-ip");
  if (!single_ip && count > 1 && TryBind("127.0.0.2", 0) == EADDRNOTAVAIL) {
    std::cerr << "note: 127.0.0.2 is not a local address here; every node uses 127.0.0.1\n";
    single_ip = true;
  }
  for (int i = 0; i < count; ++i) {
    NodeInfo node;
    node.index = i;
    node.ip = single_ip ? "127.0.0.1" : "127.0.0." + std::to_string(i + 1);
    node.rpc_port = static_cast<uint16_t>(base + 2 * i);
    node.p2p_port = static_cast<uint16_t>(base + 2 * i + 1);
    node.datadir = (dir / ("node" + std::to_string(i))).string();
    node.seed = i < seeds;
    node.miner = i < miners;
    state.nodes.push_back(std::move(node));
  }
  // Everything that can be refused is checked before anything starts.
  for (const NodeInfo& node : state.nodes) {
    if (DataDirLocked(node.datadir)) {
      throw CliError("another waybilld is using " + node.datadir +
                     " (a node outside this testnet's record?)");
    }
    for (auto [port, what] : {std::pair{node.rpc_port, "RPC"}, std::pair{node.p2p_port, "P2P"}}) {
      if (int e = TryBind(node.ip, port); e != 0) {
        throw CliError("port " + std::to_string(port) + " (" + what + " of node " +
                       std::to_string(node.index) + ") on " + node.ip + " is not free: " +
                       std::strerror(e) + "; stop what uses it or choose another --base-port");
      }
    }
  }

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw CliError("cannot create " + dir.string() + ": " + ec.message());
  for (NodeInfo& node : state.nodes) {
    fs::create_directories(node.datadir, ec);
    if (ec) throw CliError("cannot create " + node.datadir + ": " + ec.message());
    ::chmod(node.datadir.c_str(), 0700);  // as waybilld makes a data dir
    if (!node.miner) continue;
    // One key per miner, kept across restarts: spend its rewards with --key FILE.
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

  // Stops what was started; for a failed `up`.
  auto abort_all = [&](const NodeInfo* failed, const std::string& why) {
    std::vector<pid_t> pids;
    if (state.pacer_pid > 0) {
      ::kill(state.pacer_pid, SIGTERM);
      pids.push_back(state.pacer_pid);
    }
    for (const NodeInfo& node : state.nodes) {
      if (node.pid > 0 && IsOurNode(node)) {  // not a reaped pid the system gave away
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
  };

  const std::vector<std::string> extra = args.GetAll("node-arg");
  for (NodeInfo& node : state.nodes) {
    std::vector<std::string> a = {
        "--datadir=" + node.datadir,
        "--rpcbind=" + node.ip,
        "--rpcport=" + std::to_string(node.rpc_port),
        "--bind=" + node.ip,
        "--port=" + std::to_string(node.p2p_port),
        "--printtoconsole=0",
    };
    a.push_back(state.genesis.empty() ? "--network=" + state.network
                                      : "--genesis=" + state.genesis);
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
    try {
      node.pid = Spawn(waybilld, a, node.datadir + "/" + kStdoutLog);
    } catch (const CliError& e) {
      abort_all(nullptr, e.what());
    }
    SaveState(dir, state);  // after each start, so `down` finds every node started so far
  }

  // Ready when each answers RPC; a node that exits meanwhile fails the whole `up`.
  std::vector<bool> ready(state.nodes.size(), false);
  std::vector<std::string> last_error(state.nodes.size());
  auto deadline = Clock::now() + std::chrono::seconds(wait_seconds);
  while (true) {
    bool all = true;
    for (size_t i = 0; i < state.nodes.size(); ++i) {
      if (ready[i]) continue;
      const NodeInfo& node = state.nodes[i];
      int status = 0;
      if (::waitpid(node.pid, &status, WNOHANG) == node.pid) {
        std::string how = WIFEXITED(status)
                              ? "exited with code " + std::to_string(WEXITSTATUS(status))
                              : "was killed by signal " + std::to_string(WTERMSIG(status));
        abort_all(&node, "node " + std::to_string(node.index) + " (pid " +
                             std::to_string(node.pid) + ") " + how + " while starting");
      }
      auto reply = NodeCall(node, "getblockcount", Json::array(), 2);
      if (reply.ok() && reply->ok) {
        ready[i] = true;
      } else {
        all = false;
        last_error[i] = reply.ok() ? reply->message : reply.status().reason();
      }
    }
    if (all) break;
    if (Clock::now() >= deadline) {
      size_t i = std::find(ready.begin(), ready.end(), false) - ready.begin();
      abort_all(&state.nodes[i], "node " + std::to_string(i) + " did not answer RPC within " +
                                     std::to_string(wait_seconds) + " s (" + last_error[i] + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }

  if (state.block_interval > 0) {
    std::error_code self_ec;
    fs::path self = fs::read_symlink("/proc/self/exe", self_ec);
    if (self_ec) abort_all(nullptr, "cannot find this program to run the pacer");
    try {
      state.pacer_pid =
          Spawn(self.string(), {"testnet", "pace", PacerArg(dir)}, (dir / kPacerLog).string());
    } catch (const CliError& e) {
      abort_all(nullptr, e.what());
    }
    SaveState(dir, state);
  }

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
  return 0;
}

// ---- status ----

struct NodeStatus {
  bool alive = false;
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
  s.alive = IsOurNode(n);
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

int ShowStatus(const Args& args) {
  if (!args.positional().empty()) throw CliError("usage: waybill testnet status [--dir DIR]");
  const fs::path dir = TestnetDir(args);
  std::optional<State> state = LoadState(dir);
  if (!state) {
    throw CliError("no testnet in " + dir.string() + " (no " + kStateFile +
                   "); start one with waybill testnet up N");
  }
  std::vector<NodeStatus> all;
  for (const NodeInfo& n : state->nodes) all.push_back(QueryNode(n));
  const bool pacer = state->pacer_pid > 0 && IsOurProcess(state->pacer_pid, PacerArg(dir));

  // Agreement among the nodes that answered: the same tip; else, whether they are on one
  // chain (the same block at the lowest of their heights), as while a new block spreads.
  std::vector<size_t> up;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].answered) up.push_back(i);
  }
  bool agree = !up.empty() && up.size() == all.size();
  bool same_chain = agree;
  int64_t lo = -1, hi = -1;
  if (!up.empty()) {
    lo = hi = all[up[0]].height;
    for (size_t i : up) {
      lo = std::min(lo, all[i].height);
      hi = std::max(hi, all[i].height);
      if (all[i].tip != all[up[0]].tip) agree = false;
    }
    if (!agree && up.size() == all.size()) {
      same_chain = true;
      std::optional<std::string> common;
      for (size_t i : up) {
        std::string error;
        auto hash = NodeResult(state->nodes[i], "getblockhash", &error, Json::array({lo}));
        if (!hash || !hash->is_string() || (common && *common != hash->get<std::string>())) {
          same_chain = false;
          break;
        }
        common = hash->get<std::string>();
      }
    }
  }

  if (args.Has("json")) {
    Json nodes = Json::array();
    for (size_t i = 0; i < all.size(); ++i) {
      const NodeInfo& n = state->nodes[i];
      const NodeStatus& s = all[i];
      Json j = {{"index", n.index}, {"pid", n.pid},          {"alive", s.alive},
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
                {"network", state->network},
                {"nodes", nodes},
                {"alive", std::count_if(all.begin(), all.end(), [](auto& s) { return s.alive; })},
                {"block_interval", state->block_interval},
                {"pacer_alive", pacer},
                {"tips_agree", agree},
                {"same_chain", same_chain}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  std::cout << "testnet in " << dir.string() << " (" << state->network << ")\n";
  std::cout << std::left << std::setw(5) << "node" << std::setw(9) << "pid" << std::setw(7)
            << "alive" << std::setw(9) << "height" << std::setw(14) << "tip" << std::setw(7)
            << "peers" << std::setw(9) << "mempool"
            << "mining\n";
  for (size_t i = 0; i < all.size(); ++i) {
    const NodeInfo& n = state->nodes[i];
    const NodeStatus& s = all[i];
    std::cout << std::setw(5) << n.index << std::setw(9) << n.pid << std::setw(7)
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
  if (state->block_interval > 0) {
    std::cout << "pacer (pid " << state->pacer_pid << "): "
              << (pacer ? "a block every " + std::to_string(state->block_interval) + " s"
                        : std::string("not running"))
              << "\n";
  }
  if (up.empty()) {
    std::cout << "no node answers\n";
  } else if (agree) {
    std::cout << "tips agree: height " << hi << ", " << all[up[0]].tip << "\n";
  } else if (up.size() < all.size()) {
    std::cout << "tips unknown: " << all.size() - up.size() << " of " << all.size()
              << " nodes do not answer\n";
  } else if (same_chain) {
    std::cout << "tips differ (heights " << lo << ".." << hi << "), all on one chain up to height "
              << lo << "\n";
  } else {
    std::cout << "tips differ (heights " << lo << ".." << hi << ") and the chains fork\n";
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
    if (fs::is_directory(p, ec) &&
        (fs::exists(p / kStdoutLog, ec) || fs::exists(p / ".lock", ec))) {
      out.push_back(p.string());
    }
  }
  return out;
}

void RemoveDataDirs(const fs::path& dir, const std::vector<std::string>& datadirs) {
  for (const std::string& d : datadirs) {
    if (DataDirLocked(d)) throw CliError("not removing " + d + ": a waybilld still uses it");
    std::error_code ec;
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
  std::optional<State> state = LoadState(dir);
  if (!state) {
    if (args.Has("clean")) {
      RemoveDataDirs(dir, NodeDirs(dir));
      return 0;
    }
    throw CliError("no testnet in " + dir.string() + " (no " + kStateFile + ")");
  }

  // The stop RPC first (a clean shutdown); SIGTERM (as clean) where that fails or does not
  // end the node in time; SIGKILL last.
  struct Stopping {
    const NodeInfo* node = nullptr;
    bool term_sent = false;
    std::string how;
  };
  // The pacer first, so that it does not report the nodes going away as errors.
  if (state->pacer_pid > 0 && IsOurProcess(state->pacer_pid, PacerArg(dir))) {
    ::kill(state->pacer_pid, SIGTERM);
    WaitForExit({state->pacer_pid}, 5);
    if (ProcessRunning(state->pacer_pid)) ::kill(state->pacer_pid, SIGKILL);
    std::cout << "pacer (pid " << state->pacer_pid << "): stopped\n";
  }
  std::vector<Stopping> stopping;
  std::vector<pid_t> pids;
  for (const NodeInfo& n : state->nodes) {
    if (!IsOurNode(n)) continue;
    Stopping s;
    s.node = &n;
    auto reply = NodeCall(n, "stop");
    if (reply.ok() && reply->ok) {
      s.how = "stop RPC";
    } else {
      ::kill(n.pid, SIGTERM);
      s.term_sent = true;
      s.how = "SIGTERM (the stop RPC failed: " +
              (reply.ok() ? reply->message : reply.status().reason()) + ")";
    }
    stopping.push_back(std::move(s));
    pids.push_back(n.pid);
  }
  WaitForExit(pids, wait_seconds);
  bool termed = false;
  for (Stopping& s : stopping) {
    if (!ProcessRunning(s.node->pid) || s.term_sent) continue;
    ::kill(s.node->pid, SIGTERM);
    s.term_sent = termed = true;
    s.how += ", then SIGTERM after " + std::to_string(static_cast<int>(wait_seconds)) + " s";
  }
  if (termed) WaitForExit(pids, 10);
  bool killed = false;
  for (Stopping& s : stopping) {
    if (!ProcessRunning(s.node->pid)) continue;
    ::kill(s.node->pid, SIGKILL);
    killed = true;
    s.how += ", then SIGKILL";
  }
  if (killed) WaitForExit(pids, 5);
  bool survivors = false;
  for (const NodeInfo& n : state->nodes) {
    auto it = std::find_if(stopping.begin(), stopping.end(),
                           [&](const Stopping& s) { return s.node == &n; });
    std::cout << "node " << n.index << " (pid " << n.pid << "): ";
    if (it == stopping.end()) {
      std::cout << "was not running\n";
    } else if (ProcessRunning(n.pid)) {
      std::cout << "still running after " << it->how << "\n";
      survivors = true;
    } else {
      std::cout << "stopped by " << it->how << "\n";
    }
  }
  if (survivors) {
    throw CliError("a node did not exit; " + (dir / kStateFile).string() + " is kept");
  }
  RemoveState(dir);
  if (args.Has("clean")) {
    std::vector<std::string> datadirs;
    for (const NodeInfo& n : state->nodes) {
      // Only what `up` made: DIR/node<i>, never a path an edited file might name.
      if (fs::path(n.datadir) == dir / ("node" + std::to_string(n.index))) {
        datadirs.push_back(n.datadir);
      }
    }
    RemoveDataDirs(dir, datadirs);
  }
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
    if (!std::any_of(miners.begin(), miners.end(), IsOurNode)) {
      std::cout << Now() << " no miner runs any more; exiting" << std::endl;
      return 0;
    }
    std::string error;
    // Calls of a bounded number of hashes (under a second to a few on one core, so a node
    // stops soon after the pacer), repeated until one finds a block: devnet's first block
    // alone takes 2^24 hashes on average.
    for (int call = 0; call < kPaceCalls && IsOurNode(m); ++call) {
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
  if (sub != "up" && sub != "status" && sub != "down") {
    throw CliError("unknown testnet command '" + sub + "' (up, status, down)");
  }
  std::vector<OptionSpec> specs = sub == "up"       ? UpOptions()
                                  : sub == "status" ? StatusOptions()
                                                    : DownOptions();
  Args args = Args::Parse(words.subspan(1), specs);
  if (args.Has("help")) {
    std::cout << kTestnetHelp << OptionsHelp(specs);
    return 0;
  }
  if (sub == "up") return Up(args);
  if (sub == "status") return ShowStatus(args);
  return Down(args);
}

}  // namespace waybill::cli
