// The `waybill` command groups and what they share: the options that reach a node, key files
// and accounts as options give them, and how the CLI learns a network's address prefix and
// chain id. Each Run* function takes the words after the group name, returns the exit code,
// and throws CliError for a user error (main prints it and exits 1).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chain/schnorr.h"
#include "chain/types.h"
#include "consensus/params.h"
#include "node/cli/args.h"
#include "node/cli/rpc_client.h"
#include "node/params/network.h"

namespace waybill::cli {

// --network, --genesis, --hrp and the RPC connection options (--rpcconnect, --rpcport,
// --datadir, --rpcuser, --rpcpassword, --rpcclienttimeout, --rpcwait).
std::vector<OptionSpec> NetworkOptions();
std::vector<OptionSpec> ConnectionOptions();  // NetworkOptions() plus the RPC ones

// The network named by --network (default "devnet"), or the file of --genesis.
consensus::ChainParams LoadParams(const Args& args);
// The address prefix: --hrp, else the --genesis file's, else the --network's.
std::string AddressPrefix(const Args& args);

RpcClient MakeRpcClient(const Args& args);
// One call; throws CliError with the node's error message (and code) when it fails.
// With --rpcwait, retries while the node is not reachable yet, and while it refuses the
// cookie (HTTP 401: a cookie left from its last run) re-reads the cookie and retries, up to
// --rpcclienttimeout. Without --rpcwait either fails at once.
Json CallRpc(RpcClient& client, const Args& args, const std::string& method,
             const Json& params);

// Key files (wallet/key_file.h), with failures as CliError. KeyFileJson's text holds the
// secret: the caller wipes it.
std::string KeyFileJson(const chain::SecretKey& key);
chain::SecretKey LoadKeyFile(const std::string& path);
// An address in this prefix, or a 64-hex account id (chain::bech32::ParseAccount); `what`
// names the option in the error.
chain::AccountId ParseAccount(std::string_view text, std::string_view hrp, std::string_view what);

// A command group's subcommand (words[0], one of `names`) with its options parsed: those of
// options_of(name). nullopt when help was printed instead, with the exit code in *rc: no words
// (the group's help and help_options on stderr, 1); "help", "--help", "-h" or SUB --help
// (stdout, 0). CliError for a subcommand not in `names`.
struct Subcommand {
  std::string name;
  Args args;
};
std::optional<Subcommand> ParseSubcommand(
    std::span<const std::string> words, std::string_view group, std::string_view help,
    std::span<const std::string_view> names,
    const std::function<std::vector<OptionSpec>(std::string_view)>& options_of,
    std::span<const OptionSpec> help_options, int* rc);

int RunKey(std::span<const std::string> words);
int RunRpc(std::span<const std::string> words);
int RunTx(std::span<const std::string> words);
int RunAsset(std::span<const std::string> words);
int RunDisclose(std::span<const std::string> words);
int RunVerifyDisclosure(std::span<const std::string> words);
int RunGenesis(std::span<const std::string> words);
int RunTestnet(std::span<const std::string> words);
// `waybill proof verify FILE`: a proof bundle checked with no node (node/cli/proof.cpp).
int RunProof(std::span<const std::string> words);
// `waybill contract compile|disassemble`: contract assembly, no node (contract.cpp).
int RunContract(std::span<const std::string> words);
// `waybill rpcauth USER` (rpcauth.cpp).
int RunRpcAuth(std::span<const std::string> words);

}  // namespace waybill::cli
