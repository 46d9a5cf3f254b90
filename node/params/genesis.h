// Genesis files: the JSON form of consensus::ChainParams (docs/PROTOCOL.md "Genesis file").
#pragma once

#include <string>
#include <string_view>

#include "chain/status.h"
#include "consensus/params.h"

namespace waybill::node {

// Parses and finalizes a genesis file. Unknown fields are rejected, so a typo cannot
// silently make another network.
chain::Result<consensus::ChainParams> ParseGenesisJson(std::string_view json);
chain::Result<consensus::ChainParams> LoadGenesisFile(const std::string& path);
// "devnet", "regtest" or "testnet": the files embedded from genesis/.
chain::Result<consensus::ChainParams> EmbeddedGenesis(std::string_view name);
// The genesis file of params (pretty-printed JSON, stable field order).
std::string GenesisToJson(const consensus::ChainParams& params);

}  // namespace waybill::node
