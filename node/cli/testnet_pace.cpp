// `waybill testnet pace` (started by `up`, not for users): mines one block every
// block_interval seconds on the testnet's miners in turn, with generatetoaddress.
#include <algorithm>
#include <chrono>
#include <ctime>
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

// The pacer's generatetoaddress: hashes per call, calls per block at most.
constexpr uint64_t kPaceHashes = uint64_t{1} << 22;
constexpr int kPaceCalls = 64;

std::string Now() {
  std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return when;
}

}  // namespace

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

}  // namespace waybill::cli::testnet
