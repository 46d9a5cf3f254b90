// `waybill testnet status`: asks each node over RPC (height, tip, peers, mempool, mining) and
// whether the tips agree; prints a table or JSON.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>

#include "node/cli/commands.h"
#include "node/cli/testnet_commands.h"

namespace waybill::cli::testnet {
namespace {

namespace fs = std::filesystem;

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

}  // namespace

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

}  // namespace waybill::cli::testnet
