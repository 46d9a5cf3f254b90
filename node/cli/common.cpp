// What the `waybill` command groups share: network selection, the RPC connection.
#include <chrono>
#include <cstdlib>
#include <thread>

#include "node/cli/commands.h"
#include "node/params/genesis.h"

namespace waybill::cli {

std::vector<OptionSpec> NetworkOptions() {
  return {
      {"network", "NAME", false, "devnet (default), regtest or testnet: address prefix, RPC port"},
      {"genesis", "FILE", false, "the network's genesis file instead of --network"},
      {"hrp", "PREFIX", false, "address prefix (overrides the network's)"},
  };
}

std::vector<OptionSpec> ConnectionOptions() {
  std::vector<OptionSpec> specs = NetworkOptions();
  std::vector<OptionSpec> rpc = {
      {"rpcconnect", "HOST", false, "node RPC host (default 127.0.0.1)"},
      {"rpcport", "PORT", false, "node RPC port (default: the network's)"},
      {"datadir", "DIR", false, "node data dir, to read its .cookie"},
      {"rpcuser", "USER", false, "RPC user (instead of the cookie)"},
      {"rpcpassword", "PASS", false, "RPC password"},
      {"rpcclienttimeout", "SECONDS", false, "give up on a call after this long (default 900)"},
      {"rpcwait", "", false, "wait for the node to accept connections"},
  };
  specs.insert(specs.end(), rpc.begin(), rpc.end());
  return specs;
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

RpcClient MakeRpcClient(const Args& args) {
  RpcConnection conn;
  std::string network = args.Get("network").value_or("devnet");
  if (!args.Has("network") && args.Has("genesis")) network = LoadParams(args).network;
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
    std::string datadir = args.Get("datadir").value_or(node::DefaultDataDir());
    if (chain::Status s = ReadCookie(datadir, &conn.user, &conn.password); !s.ok()) {
      throw CliError(s.reason() + " (or give --rpcuser/--rpcpassword)");
    }
  }
  return RpcClient(std::move(conn));
}

Json CallRpc(const RpcClient& client, const Args& args, const std::string& method,
             const Json& params) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(client.connection().timeout_seconds);
  while (true) {
    auto reply = client.Call(method, params);
    if (!reply.ok()) {
      if (args.Has("rpcwait") && reply.status().IsLocalError() &&
          std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        continue;
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

}  // namespace waybill::cli
