// Offline signing: `waybill tx build SUB ... --out FILE` makes an unsigned tx on a machine
// with a node (the node gives the nonce, chain id and fee rate; the sender needs no secret),
// `waybill tx sign FILE --out FILE` signs it with no node at all, after saying in plain words
// what is signed, and `waybill tx send FILE` sends it. File formats: docs/API.md "Offline
// signing".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chain/tx.h"
#include "node/cli/args.h"
#include "node/cli/tx_build.h"

namespace waybill::cli {

// The options of `tx sign` and `tx send` (`tx build SUB` has its own: its SUB's).
std::vector<OptionSpec> TxOfflineOptions(std::string_view sub);

// words: after "build" (SUB and its options).
int RunTxBuild(std::span<const std::string> words);
int RunTxSign(const Args& args);
int RunTxSend(const Args& args);

// What tx does, in plain words, one line per fact: the operation with its assets, quantities
// (with the units' scales of env) and recipients (DisplayAccountOf), the fee in coins, the
// sender, and the network's name and chain id.
std::vector<std::string> DescribeTx(const Args& args, const chain::Transaction& tx,
                                    const TxEnv& env);

}  // namespace waybill::cli
