// `waybill disclose` and `waybill verify-disclosure`: committed metadata values (docs/API.md
// "Disclosures"). The salts in a disclosures file are secrets until disclosed: disclose prints
// the one disclosure asked for (that is its purpose), nothing else prints a salt.
#include <iostream>

#include "node/cli/commands.h"
#include "wallet/disclosure.h"

namespace waybill::cli {
namespace {

constexpr const char* kDiscloseHelp =
    "Usage: waybill disclose --disclosures FILE --asset ID --key K\n"
    "  Prints the disclosure {asset, key, value, salt} of the committed metadata entry K of\n"
    "  asset ID from FILE (written by `waybill tx ... --commit`). Whoever receives it can\n"
    "  check it with `waybill verify-disclosure`. It reveals the value and its salt.\n"
    "Options:\n";

constexpr const char* kVerifyHelp =
    "Usage: waybill verify-disclosure FILE [connection options]\n"
    "  Checks the disclosure in FILE (one {asset, key, value, salt} object, as `waybill\n"
    "  disclose` prints) against the commitment of the asset's entry on the node (getasset).\n"
    "  Exit 0: \"disclosure matches the commitment on chain\"; exit 1: \"disclosure does not\n"
    "  match the commitment\", or what is missing (no such asset, the key not committed).\n"
    "  (Offline against a proof bundle: issue 12.)\n"
    "Options:\n";

std::vector<wallet::Disclosure> ReadDisclosures(const std::string& path) {
  auto list = wallet::ReadDisclosuresFile(path);
  if (!list.ok()) throw CliError(list.status().reason());
  return std::move(*list);
}

// The committed entry `key` of the asset as getasset shows it: its commitment, or nullopt with
// *why set when the asset has no such entry or the entry is published.
std::optional<chain::Hash256> CommitmentOnChain(const Json& asset, const std::string& key,
                                                std::string* why) {
  const Json* metadata = nullptr;
  if (asset.is_object() && asset.contains("metadata") && asset["metadata"].is_array()) {
    metadata = &asset["metadata"];
  }
  if (metadata) {
    for (const Json& e : *metadata) {
      if (!e.is_object() || e.value("key", "") != key) continue;
      if (!e.contains("commitment") || !e["commitment"].is_string()) {
        *why = "the key '" + key + "' is published on chain, not committed";
        return std::nullopt;
      }
      auto c = chain::Hash256::FromHex(e["commitment"].get<std::string>());
      if (!c) throw CliError("getasset returned a commitment that is not 64 hex digits");
      return c;
    }
  }
  *why = "the asset has no metadata entry '" + key + "'";
  return std::nullopt;
}

}  // namespace

int RunDisclose(std::span<const std::string> words) {
  const std::vector<OptionSpec> specs = {
      {"disclosures", "FILE", false, "disclosures file (from waybill tx ... --commit)"},
      {"asset", "ID", false, "asset id (64 hex)"},
      {"key", "K", false, "metadata key"},
      {"help", "", false, "print this help"},
  };
  Args args = Args::Parse(words, specs);
  if (args.Has("help")) {
    std::cout << kDiscloseHelp << OptionsHelp(specs);
    return 0;
  }
  if (!args.positional().empty()) throw CliError("unexpected argument '" + args.positional()[0] + "'");
  const chain::Hash256 asset = ParseHash(args.Require("asset"), "--asset");
  const std::string key = args.Require("key");
  std::vector<wallet::Disclosure> list = ReadDisclosures(args.Require("disclosures"));
  int rc = 1;
  for (const wallet::Disclosure& d : list) {
    if (d.asset == asset && d.key == key) {
      std::string text = wallet::DisclosureText(d);
      std::cout << text;
      chain::SecureWipe(text.data(), text.size());
      rc = 0;
      break;
    }
  }
  for (wallet::Disclosure& d : list) d.Wipe();
  if (rc != 0) {
    throw CliError("no disclosure of key '" + key + "' of asset " + asset.ToHex() + " in " +
                   args.Require("disclosures"));
  }
  return 0;
}

int RunVerifyDisclosure(std::span<const std::string> words) {
  std::vector<OptionSpec> specs = ConnectionOptions();
  Args args = Args::Parse(words, specs);
  if (args.Has("help") || args.positional().size() != 1) {
    (args.Has("help") ? std::cout : std::cerr) << kVerifyHelp << OptionsHelp(specs);
    return args.Has("help") ? 0 : 1;
  }
  const std::string& path = args.positional()[0];
  std::vector<wallet::Disclosure> list = ReadDisclosures(path);
  if (list.size() != 1) {
    throw CliError(path + " holds " + std::to_string(list.size()) +
                   " disclosures; give one (waybill disclose prints one)");
  }
  wallet::Disclosure& d = list.front();
  if (!d.asset) throw CliError(path + ": the disclosure names no asset");
  RpcClient client = MakeRpcClient(args);
  auto reply = client.Call("getasset", Json::array({d.asset->ToHex()}));
  if (!reply.ok()) throw CliError(reply.status().reason());
  constexpr int kNotFound = -5;  // node/rpc/error.h rpc_code::kInvalidAddress
  if (!reply->ok && reply->code == kNotFound) {
    throw CliError("no such asset " + d.asset->ToHex() + " on the node");
  }
  if (!reply->ok) throw CliError("getasset: " + reply->message);
  std::string why;
  const std::optional<chain::Hash256> commitment = CommitmentOnChain(reply->result, d.key, &why);
  if (!commitment) throw CliError(why);
  const bool matches = wallet::Matches(d, *commitment);
  d.Wipe();
  if (!matches) {
    std::cout << "disclosure does not match the commitment\n";
    return 1;
  }
  std::cout << "disclosure matches the commitment on chain\n";
  return 0;
}

}  // namespace waybill::cli
