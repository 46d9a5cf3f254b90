#include <string_view>

#include "fuzz/fuzz.h"
#include "node/params/genesis.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto params = node::ParseGenesisJson(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!params.ok()) return 0;
  // What parses prints back to a file that parses to the same network.
  auto again = node::ParseGenesisJson(node::GenesisToJson(*params));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->genesis_id == params->genesis_id);
  return 0;
}
