#include "node/cli/dev_keys.h"

#include <algorithm>

#include "node/cli/commands.h"

namespace waybill::cli {

std::optional<std::string> UnfundedDevKeyWarning(std::span<const std::string> words) {
  if (words.empty() || words[0] != "dev") return std::nullopt;
  try {
    // The options of `key dev` (node/cli/key.cpp); unknown ones fail there first.
    std::vector<OptionSpec> specs = NetworkOptions();
    specs.push_back({"out", "FILE", false, ""});
    specs.push_back({"json", "", false, ""});
    Args args = Args::Parse(words.subspan(1), specs);
    if (args.Has("help") || args.positional().size() != 1) return std::nullopt;
    const uint64_t index = ParseU64(args.positional()[0], "dev key index");
    if (index > UINT32_MAX) return std::nullopt;
    const consensus::ChainParams params = LoadParams(args);
    chain::Hash256 secret = chain::DevSecretKeyBytes(static_cast<uint32_t>(index));
    auto key = chain::SecretKey::FromBytes(secret.span());
    chain::SecureWipe(secret.data(), secret.kSize);
    if (!key) return std::nullopt;
    const chain::AccountId account = key->PublicKey();
    if (std::any_of(params.allocations.begin(), params.allocations.end(),
                    [&](const consensus::Allocation& a) { return a.account == account; })) {
      return std::nullopt;
    }
    uint32_t funded = 0;  // dev keys 0..funded-1 are funded, the usual layout
    while (funded < params.allocations.size()) {
      chain::Hash256 s = chain::DevSecretKeyBytes(funded);
      auto k = chain::SecretKey::FromBytes(s.span());
      chain::SecureWipe(s.data(), s.kSize);
      if (!k || std::none_of(
                    params.allocations.begin(), params.allocations.end(),
                    [&](const consensus::Allocation& a) { return a.account == k->PublicKey(); })) {
        break;
      }
      ++funded;
    }
    return "warning: dev key " + std::to_string(index) + " is not funded on " + params.network +
           ": its genesis allocates nothing to it (" +
           (funded > 0 ? "funded dev keys: 0.." + std::to_string(funded - 1)
                       : std::string("no dev key is funded")) +
           "); the key file was written, but the account holds no coins until it is sent some";
  } catch (const CliError&) {
    return std::nullopt;
  }
}

}  // namespace waybill::cli
