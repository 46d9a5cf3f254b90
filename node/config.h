// waybilld's configuration: command-line flags and a config file of "key=value" lines
// (Boost.Program_options, kept inside config.cpp). A value on the command line wins over the
// same key in the file. Option names are exact: an abbreviation ("--miner-t") is an unknown
// option. `waybilld --help` lists every option.
//
// Defaults worth knowing:
//   --datadir         ~/.waybill (node/params/network.h DefaultDataDir); the network's files
//                     go in <datadir>/<network>/ (NetworkDir), the config file stays in <datadir>
//   --network         devnet (embedded: devnet, regtest, testnet); --genesis FILE instead
//                     selects another network (the two conflict)
//   --rpcbind         127.0.0.1 (loopback only)
//   --rpcport         by network: devnet 19740, regtest 19741, testnet 19742, any other 19743 (node/params/network.h)
//   --rest            off: the public REST API listens only when asked (--restbind 127.0.0.1,
//                     --restport the RPC port + 10: DefaultRestPort)
//   --conf            <datadir>/waybill.conf, read if present; either must be a readable
//                     regular file (a directory is an error)
//   --miner-address   required with --mine, except on devnet where it defaults to the
//                     published dev key 0 (noted in the log)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/status.h"
#include "chain/types.h"
#include "consensus/params.h"
#include "node/logging.h"
#include "node/params/network.h"
#include "p2p/net_address.h"

namespace waybill::node {

// The overlay's settings (p2p/connman.h takes them).
struct P2pConfig {
  bool listen = true;
  p2p::NetAddress bind = p2p::NetAddress::FromIPv4(0x7f000001, 0);  // with port set to `port`
  uint16_t port = 0;
  std::vector<p2p::NetAddress> connect;
  std::vector<p2p::NetAddress> addnode;
  std::vector<p2p::NetAddress> seed;
  size_t max_outbound = 8;
  size_t max_inbound = 64;
  int64_t ban_seconds = 86400;
  int64_t mempool_sync_seconds = 30;
  int64_t rotate_seconds = 600;
};

struct Config {
  // --help / --version: print help_text or the version and exit; nothing else is validated.
  bool show_help = false;
  bool show_version = false;
  std::string help_text;

  std::string datadir;       // absolute; the network's folder is NetworkDir(datadir, network)
  std::string conf_file;     // the config file read; empty if none
  std::string network;       // params.network
  std::string genesis_file;  // empty: an embedded network
  consensus::ChainParams params;

  std::string rpc_bind = "127.0.0.1";
  uint16_t rpc_port = 0;
  // Both set or both empty. Empty: cookie authentication.
  std::string rpc_user;
  std::string rpc_password;  // secret: never log it
  // --rpcauth USER:SALT$HASH (repeatable; node/http/auth.h ParseRpcAuth, each checked here),
  // --rpcwhitelist USER:METHODS (repeatable; node/rpc/whitelist.h, checked here) and
  // --rpcwhitelistdefault (unset: nullopt).
  std::vector<std::string> rpc_auth;
  std::vector<std::string> rpc_whitelist;
  std::optional<bool> rpc_whitelist_default;

  // The public REST API (docs/API.md "REST API"): off unless --rest.
  bool rest = false;
  std::string rest_bind = "127.0.0.1";
  uint16_t rest_port = 0;
  // The base URL clients reach the REST API by, without a trailing '/' (--resturl); empty:
  // "http://<restbind>:<port>" (the bound port, known once the listener started).
  std::string rest_url;
  // Requests a second per client IP (--restratelimit; bursts of twice as many); 0: no limit.
  uint32_t rest_rate_limit = 50;

  LogLevel log_level = LogLevel::kInfo;
  bool print_to_console = true;

  bool mine = false;
  std::optional<chain::AccountId> miner_account;  // set when mine
  int miner_threads = 1;                          // 1..256, the miner's limit
  size_t max_mempool_mb = 64;
  size_t verify_threads = 1;

  // Storage (see consensus::ChainstateOptions).
  uint32_t check_blocks = 6;
  bool reindex = false;  // command line only: a config file must not reindex at every start
  bool persist_mempool = true;

  P2pConfig p2p;

  // Things worth logging once the logger is open (e.g. "mining to dev key 0 ...").
  std::vector<std::string> notes;
};

// Parses argv (argv[0] is the program name) and the config file, loads the network's chain
// parameters (so a bad genesis file or address is reported before anything starts) and
// validates every value. Invalid with a message fit for "Error: <message>" otherwise. Never
// throws.
chain::Result<Config> ParseConfig(int argc, const char* const* argv);

}  // namespace waybill::node
