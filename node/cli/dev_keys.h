// Which published development keys a network funds, for the warning of `waybill key dev I`.
#pragma once

#include <optional>
#include <span>
#include <string>

namespace waybill::cli {

// words: those after `waybill key` (e.g. {"dev", "10", "--out", "k.json"}). For a `key dev I`
// whose key has no allocation in the genesis of the network the words select (--network,
// --genesis; devnet by default), the warning to print on stderr; nullopt otherwise (another
// subcommand, a funded key, or words that do not parse: `key dev` reports those itself).
std::optional<std::string> UnfundedDevKeyWarning(std::span<const std::string> words);

}  // namespace waybill::cli
