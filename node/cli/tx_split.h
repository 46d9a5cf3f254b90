// `waybill tx split`: the children from exactly one of --quantities (no metadata of their
// own), --children-file (a JSON list of {quantity, metadata}) or --bags N --each Q
// [--label-key K] (N children of Q labeled K=000001, ...), and the sum check against the node
// before signing.
#pragma once

#include <vector>

#include "chain/tx.h"
#include "node/cli/args.h"
#include "node/cli/rpc_client.h"

namespace waybill::cli {

// The options of `tx split` besides --asset and the shared ones.
std::vector<OptionSpec> SplitOptions();

// The operation; CliError for a missing, doubled or malformed way of giving the children.
chain::Operation SplitFromArgs(const Args& args);

// The children sum to the asset's quantity as the node reports it (getasset), else CliError
// saying both, so that a wrong sum is refused before anything is signed.
void CheckSplitSum(RpcClient& client, const Args& args, const chain::AssetSplitOp& op);

}  // namespace waybill::cli
