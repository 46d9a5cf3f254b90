// What every Waybill program agrees on about a network, defined once: the version string, the
// embedded networks, the default ports and the data folder's layout.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace waybill::node {

// The release, from project(... VERSION) in the top-level CMakeLists.txt, e.g. "0.1.0".
const char* WaybillVersion();

// The networks whose genesis files are built in (genesis/). Any other network is named by its
// genesis file (--genesis FILE).
inline constexpr std::array<std::string_view, 3> kEmbeddedNetworks = {"devnet", "regtest",
                                                                      "testnet"};
bool IsEmbeddedNetwork(std::string_view name);
// "unknown network 'NAME' (known: devnet, regtest, testnet; another network is given by its
// genesis file: --genesis FILE)".
std::string UnknownNetworkMessage(std::string_view name);

// The default JSON-RPC port of a network: devnet 19740, regtest 19741, testnet 19742, any other
// (a network from a genesis file) 19743. Waybill's own range, clear of Bitcoin's 8332-18444.
uint16_t DefaultRpcPort(std::string_view network);
// The default REST API port: the RPC port + 10 (devnet 19750, regtest 19751, testnet 19752,
// other 19753).
uint16_t DefaultRestPort(std::string_view network);
// The default P2P port: the RPC port + 100 (devnet 19840, regtest 19841, testnet 19842, other
// 19843).
uint16_t DefaultP2pPort(std::string_view network);

// The data folder when --datadir is not given: $HOME/.waybill (".waybill" without a HOME).
// waybilld and waybill share it, as bitcoind and bitcoin-cli do.
std::string DefaultDataDir();

// The layout of a data folder (docs/API.md "Data folder"):
//   <datadir>/waybill.conf          the config file (optional, shared by every network)
//   <datadir>/<network>/            everything of one network: .lock, waybilld.pid,
//                                   .cookie, debug.log, chain/, peers.dat, banlist.dat,
//                                   mempool.dat
// so that nodes of different networks can share one data folder and run at the same time.
// `network` is the genesis file's "network" field (devnet, regtest, testnet or another).
std::string NetworkDir(std::string_view datadir, std::string_view network);
// <datadir>/<network>/.cookie: "user:password" of the node's cookie authentication, written
// at start and removed at a clean stop. waybill reads it from here.
std::string CookiePath(std::string_view datadir, std::string_view network);
// <datadir>/<network>/.lock: waybilld holds a flock on it while it runs (one node per
// network folder); the kernel drops it when the process dies.
std::string LockPath(std::string_view datadir, std::string_view network);
// <datadir>/<network>/waybilld.pid: the running node's process id (decimal and a newline),
// written once the lock is held, removed at a clean stop. Stale after a crash: only the lock
// says whether a node runs.
std::string PidFilePath(std::string_view datadir, std::string_view network);

}  // namespace waybill::node
