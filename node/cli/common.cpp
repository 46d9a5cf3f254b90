// What the `waybill` command groups share: network selection, the RPC connection.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "node/cli/commands.h"
#include "node/params/genesis.h"

namespace waybill::cli {

std::vector<OptionSpec> NetworkOptions() {
  return {
      {"network", "NAME", false,
       "devnet (default), regtest or testnet: address prefix, RPC port, cookie folder"},
      {"genesis", "FILE", false, "the network's genesis file instead of --network"},
      {"hrp", "PREFIX", false, "address prefix (overrides the network's)"},
  };
}

std::vector<OptionSpec> ConnectionOptions() {
  return AddOptions(
      NetworkOptions(),
      {
          {"rpcconnect", "HOST", false, "node RPC host (default 127.0.0.1)"},
          {"rpcport", "PORT", false, "node RPC port (default: the network's)"},
          {"datadir", "DIR", false,
           "node data folder (default ~/.waybill): reads DIR/<network>/.cookie"},
          {"rpcuser", "USER", false, "RPC user (instead of the cookie)"},
          {"rpcpassword", "PASS", false, "RPC password"},
          {"rpcclienttimeout", "SECONDS", false, "give up on a call after this long (default 900)"},
          {"rpcwait", "", false,
           "wait (up to --rpcclienttimeout) for the node's cookie and for it to accept "
           "connections"},
      });
}

consensus::ChainParams LoadParams(const Args& args) {
  if (auto file = args.Get("genesis")) {
    auto params = node::LoadGenesisFile(*file);
    if (!params.ok()) throw CliError(params.status().reason());
    return std::move(params).value();
  }
  std::string network = args.Get("network").value_or("devnet");
  auto params = node::EmbeddedGenesis(network);
  if (!params.ok()) throw CliError(params.status().reason());
  return std::move(params).value();
}

std::string AddressPrefix(const Args& args) {
  if (auto hrp = args.Get("hrp")) {
    if (hrp->empty() || hrp->size() > 16) throw CliError("--hrp must be 1..16 characters");
    for (char c : *hrp) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
        throw CliError("--hrp must be lowercase letters and digits");
      }
    }
    return *hrp;
  }
  return LoadParams(args).address_prefix;
}

namespace {

// What to do when no node answers at conn: the message of every command that needs a node.
std::string NodeUnreachable(const RpcConnection& conn, const std::string& detail) {
  return "cannot reach the node at " + conn.host + ":" + std::to_string(conn.port) +
         ": is waybilld running? (start it, or give --rpcconnect/--rpcport/--datadir; " +
         detail + ")";
}

// The network whose port and cookie folder the RPC options default to: --network (one of the
// embedded networks), else the --genesis file's, else devnet.
std::string RpcNetwork(const Args& args) {
  if (auto network = args.Get("network")) {
    if (!node::IsEmbeddedNetwork(*network)) throw CliError(node::UnknownNetworkMessage(*network));
    if (args.Has("genesis")) throw CliError("give --network or --genesis, not both");
    return *network;
  }
  if (args.Has("genesis")) return LoadParams(args).network;
  return "devnet";
}

// Reads the node's cookie into conn. With --rpcwait, waits for the file to appear (the node
// writes it once its chain is open) up to conn->timeout_seconds, and takes the time waited off
// that timeout, so that the whole command stays within --rpcclienttimeout.
void ReadNodeCookie(const Args& args, const std::string& network, RpcConnection* conn) {
  const std::string datadir = args.Get("datadir").value_or(node::DefaultDataDir());
  const std::string path = node::CookiePath(datadir, network);
  conn->cookie_path = path;
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(conn->timeout_seconds);
  chain::Status s = ReadCookie(path, &conn->user, &conn->password);
  while (!s.ok() && args.Has("rpcwait") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    s = ReadCookie(path, &conn->user, &conn->password);
  }
  const auto waited =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
  if (!s.ok() && ::access(path.c_str(), F_OK) != 0 && errno == ENOENT) {
    // No cookie: the node has not run with this data folder, or has stopped (it removes it).
    throw CliError(NodeUnreachable(*conn, "no RPC cookie at " + path));
  }
  if (!s.ok()) {
    const std::string how_long =
        args.Has("rpcwait")
            ? " (waited " + std::to_string(waited.count()) + " s, --rpcclienttimeout)"
            : "";
    throw CliError(s.reason() + how_long + " (or give --rpcuser/--rpcpassword)");
  }
  conn->timeout_seconds = std::max(1, conn->timeout_seconds - static_cast<int>(waited.count()));
}

}  // namespace

RpcClient MakeRpcClient(const Args& args) {
  RpcConnection conn;
  const std::string network = RpcNetwork(args);
  conn.host = args.Get("rpcconnect").value_or("127.0.0.1");
  if (conn.host.empty()) throw CliError("--rpcconnect must not be empty");
  if (auto port = args.Get("rpcport")) {
    uint64_t p = ParseU64(*port, "--rpcport");
    if (p == 0 || p > 65535) throw CliError("--rpcport must be 1..65535");
    conn.port = static_cast<uint16_t>(p);
  } else {
    conn.port = node::DefaultRpcPort(network);
  }
  if (auto t = args.Get("rpcclienttimeout")) {
    uint64_t s = ParseU64(*t, "--rpcclienttimeout");
    if (s == 0 || s > 86400) throw CliError("--rpcclienttimeout must be 1..86400 seconds");
    conn.timeout_seconds = static_cast<int>(s);
  }
  if (args.Has("rpcuser") || args.Has("rpcpassword")) {
    conn.user = args.Get("rpcuser").value_or("");
    conn.password = args.Get("rpcpassword").value_or("");
  } else {
    ReadNodeCookie(args, network, &conn);
  }
  return RpcClient(std::move(conn));
}

Json CallRpc(RpcClient& client, const Args& args, const std::string& method,
             const Json& params) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(client.connection().timeout_seconds);
  while (true) {
    RpcFailure failure = RpcFailure::kNone;
    auto reply = client.Call(method, params, &failure);
    if (!reply.ok()) {
      // A starting node: not listening yet, or still answering with the cookie of its last
      // run (401) until it writes its new one. Given credentials do not change: no retry.
      const bool starting =
          failure == RpcFailure::kUnreachable ||
          (failure == RpcFailure::kUnauthorized && !client.connection().cookie_path.empty());
      if (args.Has("rpcwait") && starting && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        if (failure == RpcFailure::kUnauthorized) (void)client.ReloadCookie();
        continue;
      }
      if (failure == RpcFailure::kUnreachable) {
        throw CliError(NodeUnreachable(client.connection(), reply.status().reason()));
      }
      throw CliError(reply.status().reason());
    }
    if (!reply->ok) {
      throw CliError(method + ": " + reply->message + " (code " + std::to_string(reply->code) +
                     ")");
    }
    return std::move(reply->result);
  }
}

std::optional<Subcommand> ParseSubcommand(
    std::span<const std::string> words, std::string_view group, std::string_view help,
    std::span<const std::string_view> names,
    const std::function<std::vector<OptionSpec>(std::string_view)>& options_of,
    std::span<const OptionSpec> help_options, int* rc) {
  if (words.empty() || words[0] == "help" || words[0] == "--help" || words[0] == "-h") {
    // Asked for: stdout and success. Missing the subcommand: stderr and failure.
    (words.empty() ? std::cerr : std::cout) << help << OptionsHelp(help_options);
    *rc = words.empty() ? 1 : 0;
    return std::nullopt;
  }
  const std::string& sub = words[0];
  if (std::find(names.begin(), names.end(), sub) == names.end()) {
    std::string list;
    for (std::string_view name : names) list += (list.empty() ? "" : ", ") + std::string(name);
    throw CliError("unknown " + std::string(group) + " command '" + sub + "' (" + list +
                   "; see waybill " + std::string(group) + " --help)");
  }
  const std::vector<OptionSpec> specs = options_of(sub);
  Args args = Args::Parse(words.subspan(1), specs);
  if (args.Has("help")) {
    std::cout << help << OptionsHelp(specs);
    *rc = 0;
    return std::nullopt;
  }
  return Subcommand{sub, std::move(args)};
}

}  // namespace waybill::cli
