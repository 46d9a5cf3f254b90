#include "node/params/network.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace waybill::node {

const char* WaybillVersion() { return WAYBILL_VERSION; }

bool IsEmbeddedNetwork(std::string_view name) {
  return std::find(kEmbeddedNetworks.begin(), kEmbeddedNetworks.end(), name) !=
         kEmbeddedNetworks.end();
}

std::string UnknownNetworkMessage(std::string_view name) {
  std::string known;
  for (std::string_view n : kEmbeddedNetworks) {
    known += (known.empty() ? "" : ", ") + std::string(n);
  }
  return "unknown network '" + std::string(name) + "' (known: " + known +
         "; another network is given by its genesis file: --genesis FILE)";
}

uint16_t DefaultRpcPort(std::string_view network) {
  if (network == "devnet") return 19740;
  if (network == "regtest") return 19741;
  if (network == "testnet") return 19742;
  return 19743;
}

uint16_t DefaultP2pPort(std::string_view network) {
  return static_cast<uint16_t>(DefaultRpcPort(network) + 100);
}

uint16_t DefaultRestPort(std::string_view network) {
  return static_cast<uint16_t>(DefaultRpcPort(network) + 10);
}

std::string DefaultDataDir() {
  const char* home = std::getenv("HOME");
  return home != nullptr && *home != '\0' ? std::string(home) + "/.waybill" : ".waybill";
}

std::string NetworkDir(std::string_view datadir, std::string_view network) {
  return (std::filesystem::path(datadir) / network).string();
}

std::string CookiePath(std::string_view datadir, std::string_view network) {
  return (std::filesystem::path(NetworkDir(datadir, network)) / ".cookie").string();
}

std::string LockPath(std::string_view datadir, std::string_view network) {
  return (std::filesystem::path(NetworkDir(datadir, network)) / ".lock").string();
}

std::string PidFilePath(std::string_view datadir, std::string_view network) {
  return (std::filesystem::path(NetworkDir(datadir, network)) / "waybilld.pid").string();
}

}  // namespace waybill::node
