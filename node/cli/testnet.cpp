// `waybill testnet`: a local network of waybilld processes on loopback, for development and
// demos. `up` starts N detached nodes (each its own data dir, ports and loopback address),
// joined through one or two seed nodes so that the overlay forms by address gossip; `status`
// asks each node over RPC; `down` stops them; `stop I` / `start I` stop and start one. What was
// started is recorded in DIR/testnet.json; whether a node runs is read from its data folder
// (the lock waybilld holds, its waybilld.pid), so a node restarted by hand counts too.
//
// This file: the help, the options and the dispatch to the commands (testnet_commands.h).
#include <filesystem>
#include <iostream>

#include "node/cli/commands.h"
#include "node/cli/testnet_commands.h"

namespace waybill::cli {
namespace testnet {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDefaultDir = "waybill-testnet";

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
    "      to DIR/testnet.json. --node-arg ARG gives every node one more waybilld option,\n"
    "      --node-arg-of I:ARG node I only (e.g. --node-arg-of 3:--rest); `start I` reuses\n"
    "      them.\n"
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

// The options of `testnet SUB`: --dir and the subcommand's own.
std::vector<OptionSpec> TestnetOptions(std::string_view sub) {
  constexpr OptionSpec kExitWait = {"wait", "SECONDS", false,
                                    "how long to wait for a clean exit (default 30)"};
  if (sub == "status") return AddOptions(DirOption(), {{"json", "", false, "print JSON"}});
  if (sub == "down") {
    return AddOptions(DirOption(),
                      {{"clean", "", false, "also remove the nodes' data dirs"}, kExitWait});
  }
  if (sub == "stop") return AddOptions(DirOption(), {kExitWait});
  if (sub == "start") {
    return AddOptions(DirOption(),
                      {{"wait", "SECONDS", false, "how long to wait for its RPC (default 60)"}});
  }
  if (sub != "up") return DirOption();
  return AddOptions(
      DirOption(),
      {
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
          {"node-arg-of", "I:ARG", true,
           "one more option for node I only (after --node-arg's), e.g. --node-arg-of 3:--rest"},
          {"wait", "SECONDS", false, "how long to wait for every node's RPC (default 60)"},
      });
}

}  // namespace

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

State RequireState(const fs::path& dir) {
  std::optional<State> state = LoadState(dir);
  if (!state) {
    throw CliError("no testnet in " + dir.string() + " (no " + kStateFile +
                   "); start one with waybill testnet up N");
  }
  return std::move(*state);
}

}  // namespace testnet

int RunTestnet(std::span<const std::string> words) {
  using namespace testnet;
  // `pace` is started by `up`, not listed for users.
  if (!words.empty() && words[0] == "pace") {
    return Pace(Args::Parse(words.subspan(1), DirOption()));
  }
  constexpr std::string_view kNames[] = {"up", "status", "down", "stop", "start"};
  int rc = 0;
  auto sub = ParseSubcommand(words, "testnet", kTestnetHelp, kNames, TestnetOptions,
                             TestnetOptions("up"), &rc);
  if (!sub) return rc;
  if (sub->name == "up") return Up(sub->args);
  if (sub->name == "status") return ShowStatus(sub->args);
  if (sub->name == "stop") return StopOne(sub->args);
  if (sub->name == "start") return StartOne(sub->args);
  return Down(sub->args);
}

}  // namespace waybill::cli
