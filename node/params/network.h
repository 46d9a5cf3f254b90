// What every Waybill program agrees on about a network, defined once: the version string, the
// default ports and the default data folder.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace waybill::node {

// The release, from project(... VERSION) in the top-level CMakeLists.txt, e.g. "0.1.0".
const char* WaybillVersion();

// The default JSON-RPC port of a network: devnet 19740, regtest 19741, testnet 19742, any other
// (a network from a genesis file) 19743. Waybill's own range, clear of Bitcoin's 8332-18444.
uint16_t DefaultRpcPort(std::string_view network);
// The default P2P port: the RPC port + 100 (devnet 19840, regtest 19841, testnet 19842, other
// 19843).
uint16_t DefaultP2pPort(std::string_view network);

// The data folder when --datadir is not given: $HOME/.waybill (".waybill" without a HOME).
std::string DefaultDataDir();

}  // namespace waybill::node
