#include "node/params/network.h"

#include <cstdlib>

namespace waybill::node {

const char* WaybillVersion() { return WAYBILL_VERSION; }

uint16_t DefaultRpcPort(std::string_view network) {
  if (network == "devnet") return 19740;
  if (network == "regtest") return 19741;
  if (network == "testnet") return 19742;
  return 19743;
}

uint16_t DefaultP2pPort(std::string_view network) {
  return static_cast<uint16_t>(DefaultRpcPort(network) + 100);
}

std::string DefaultDataDir() {
  const char* home = std::getenv("HOME");
  return home != nullptr && *home != '\0' ? std::string(home) + "/.waybill" : ".waybill";
}

}  // namespace waybill::node
