// `--wait [N]` and `--wait-timeout SECONDS` of the commands that send a tx: after sending, poll
// getrawtransaction every 0.5 s until the tx has N confirmations (default 1), at most
// --wait-timeout seconds (default 600), and report its block.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/types.h"
#include "node/cli/args.h"
#include "node/cli/rpc_client.h"

namespace waybill::cli {

inline constexpr uint64_t kDefaultWaitTimeoutSeconds = 600;
inline constexpr uint64_t kMaxWaitConfirmations = 1000;

// --wait [N] (optional value) and --wait-timeout SECONDS.
std::vector<OptionSpec> WaitOptions();

// The confirmations --wait asks for, nullopt without --wait. CliError for N outside
// 1..kMaxWaitConfirmations, a timeout outside 1..86400 s, or --wait-timeout without --wait.
std::optional<uint64_t> WaitConfirmations(const Args& args);

struct Confirmation {
  std::string block;  // hex
  uint64_t height = 0;
  uint64_t confirmations = 0;
};

// Polls until txid has `confirmations`; CliError when --wait-timeout passes first (saying how
// many it has), or when a call fails for another reason than "not found yet".
Confirmation WaitForTx(RpcClient& client, const Args& args, const chain::Hash256& txid,
                       uint64_t confirmations);

// Adds "block", "height", "confirmations" to a JSON result when c is set.
void AddConfirmation(const std::optional<Confirmation>& c, Json* out);

// "confirmed in block HASH (height H)".
std::string ConfirmationLine(const Confirmation& c);

}  // namespace waybill::cli
