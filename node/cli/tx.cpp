// `waybill tx ...`: build, sign and submit transactions. The options become plain values (the
// operation's fields; the chain id, nonce and fee rate asked of the node or read from the
// genesis file); wallet/ builds, prices and signs the tx.
#include <algorithm>
#include <array>
#include <iostream>
#include <variant>

#include "chain/bech32.h"
#include "chain/hash.h"
#include "chain/quantity.h"
#include "consensus/tx_check.h"
#include "node/cli/commands.h"
#include "node/cli/tx_split.h"
#include "wallet/disclosure.h"
#include "wallet/signer.h"
#include "wallet/tx_builder.h"

namespace waybill::cli {
namespace {

constexpr const char* kTxHelp =
    "Usage: waybill tx COMMAND --key FILE [options]\n"
    "Builds a transaction signed by the key file's key, submits it with sendrawtransaction\n"
    "and prints its txid (then, for issue, split, merge and transform, the new asset ids, one a\n"
    "line).\n"
    "Commands:\n"
    "  transfer        --to ADDR --amount N              send N base units of the coin\n"
    "  issue           --quantity Q --unit U [--meta k=v ...] [--doc HEX ...]\n"
    "                                                    register a new asset (you hold it)\n"
    "  asset-transfer  --asset ID --to ADDR              hand an asset you hold to ADDR\n"
    "  split           --asset ID --quantities Q1,Q2,... split an asset into children\n"
    "                  --asset ID --children-file FILE   children with labels (JSON list of\n"
    "                                                    {\"quantity\": Q, \"metadata\": {k: v}})\n"
    "                  --asset ID --bags N --each Q [--label-key bag]\n"
    "                                                    N children of Q labeled bag=000001...\n"
    "  merge           --inputs ID,ID,... --quantity Q --unit U [--meta k=v ...] [--doc HEX]\n"
    "                                                    merge assets into a new one\n"
    "  attest          --asset ID --claim C --value V [--doc HEX]\n"
    "                                                    attach a claim to an asset\n"
    "  transform       --inputs ID,... --outputs Q:UNIT[,Q:UNIT...] [--meta k=v ...]\n"
    "                  [--doc HEX ...]                   close the inputs into new assets of\n"
    "                                                    any unit (roasting, milling); --meta\n"
    "                                                    and --doc go to every output\n"
    "  correct         --asset ID --event EVENTID --set k=v [--set ...] --reason TEXT\n"
    "                                                    amend the metadata of an asset you\n"
    "                                                    hold or issued (EVENTID: its creating\n"
    "                                                    event or an earlier correction)\n"
    "issue, merge, transform and correct also take --commit k=v: the value stays off the chain, which\n"
    "records tagged_hash(salt, k, v) with a fresh random salt; salt and value are written to\n"
    "--disclosures FILE (required with --commit; a new file, mode 0600), never printed. Keep\n"
    "that file: `waybill disclose` reads it to prove the value to someone.\n"
    "  profile         --name N --role R [--id KEY=VALUE ...] [--url U] [--doc HEX]\n"
    "                                                    publish (replace) your party profile;\n"
    "                                                    --id gln=... must be a GS1 GLN\n"
    "  endorse         --account ADDR --role R [--revoke]\n"
    "                                                    as a registrar, endorse (or revoke) an\n"
    "                                                    account's profile for a role\n"
    "By default the nonce is the sender's pending nonce (getaccount), the fee is the size\n"
    "times the node's minimum fee per byte (getmempoolinfo) and the chain id is the node's\n"
    "(getblockchaininfo). With --dry-run nothing is sent: the signed hex, the txid and any\n"
    "asset ids are printed; with --dry-run and --nonce no node is needed (the chain id, the\n"
    "fee rate and the units table then come from --genesis or --network; --chain-id\n"
    "overrides).\n"
    "A quantity Q is an integer count of its unit's smallest step; written with a decimal\n"
    "point it is an amount in the unit, converted with the network's scale for the unit\n"
    "(getblockchaininfo `units`): where kg has scale 3, 0.25 kg is quantity 250 and\n"
    "--quantity 0.25 --unit kg means the same; more decimals than the scale are refused.\n"
    "Options:\n";

constexpr std::array<std::string_view, 10> kSubcommands = {
    "transfer", "issue",     "asset-transfer", "split",   "merge",
    "attest",   "transform", "correct",        "profile", "endorse"};

std::vector<OptionSpec> TxOptions(std::string_view sub) {
  std::vector<OptionSpec> specs = AddOptions(
      ConnectionOptions(),
      {
          {"key", "FILE", false, "key file of the sender (required)"},
          {"fee", "N", false, "fee in base units (default: size x minimum fee rate)"},
          {"fee-rate", "N", false, "fee per byte (default: the node's minimum)"},
          {"nonce", "N", false, "sender nonce (default: the pending nonce from the node)"},
          {"chain-id", "HEX", false, "chain id to sign for (default: the node's)"},
          {"dry-run", "", false, "print the signed tx instead of sending it"},
          {"json", "", false, "print a JSON object (txid, hex, fee, nonce, size, assets)"},
      });
  bool all = sub.empty();
  if (all || sub == "transfer" || sub == "asset-transfer") {
    specs.push_back({"to", "ADDR", false, "recipient address (or 64-hex account id)"});
  }
  if (all || sub == "transfer") specs.push_back({"amount", "N", false, "base units to send"});
  if (all || sub == "asset-transfer" || sub == "split" || sub == "attest" || sub == "correct") {
    specs.push_back({"asset", "ID", false, "asset id (64 hex)"});
  }
  if (all || sub == "transform") {
    specs.push_back({"outputs", "Q:UNIT,...", false,
                     "the new assets, in order: quantity (as --quantity) and unit each"});
  }
  if (all || sub == "issue" || sub == "merge" || sub == "transform") {
    specs.push_back({"meta", "KEY=VALUE", true, "metadata entry ([a-z0-9._-] keys)"});
  }
  if (all || sub == "issue" || sub == "merge") {
    specs.push_back({"quantity", "Q", false,
                     "quantity of the new asset: an integer count of the unit's smallest step, "
                     "or a decimal amount in the unit (0.25 = 250 where kg has scale 3)"});
    specs.push_back({"unit", "U", false, "unit of the new asset (e.g. kg, pcs)"});
  }
  if (all || sub == "correct") {
    specs.push_back({"event", "EVENTID", false, "the event corrected (64 hex)"});
    specs.push_back({"set", "KEY=VALUE", true, "metadata entry to replace or add"});
    specs.push_back({"reason", "TEXT", false, "why the correction is made"});
  }
  if (all || sub == "issue" || sub == "merge" || sub == "transform" || sub == "correct") {
    specs.push_back({"commit", "KEY=VALUE", true, "metadata entry committed, not published"});
    specs.push_back({"disclosures", "FILE", false, "new file for the --commit salts (0600)"});
  }
  if (all || sub == "issue" || sub == "merge" || sub == "attest" || sub == "transform" ||
      sub == "profile") {
    specs.push_back({"doc", "HEX", true, "document hash (64 hex); attest and profile take one"});
    specs.push_back({"doc-file", "FILE", true, "document whose SHA-256 to record"});
  }
  if (all || sub == "split") {
    for (const OptionSpec& spec : SplitOptions()) specs.push_back(spec);
  }
  if (all || sub == "merge" || sub == "transform") {
    specs.push_back({"inputs", "ID,ID,...", false, "assets to merge or transform"});
  }
  if (all || sub == "attest") {
    specs.push_back({"claim", "C", false, "claim type ([a-z0-9._-], e.g. temperature.max)"});
    specs.push_back({"value", "V", false, "claim value"});
  }
  if (all || sub == "profile") {
    specs.push_back({"name", "N", false, "display name (1..64 bytes of text)"});
    specs.push_back({"id", "KEY=VALUE", true, "identifier (e.g. gln=0614141000005), at most 8"});
    specs.push_back({"url", "U", false, "the party's web address"});
  }
  if (all || sub == "profile" || sub == "endorse") {
    specs.push_back({"role", "R", false, "role ([a-z0-9._-], e.g. farm, certifier)"});
  }
  if (all || sub == "endorse") {
    specs.push_back({"account", "ADDR", false, "the account whose profile to endorse"});
    specs.push_back({"revoke", "", false, "revoke the endorsement instead"});
  }
  return specs;
}

// What signing needs from the network.
struct TxEnv {
  std::string hrp;
  chain::Hash256 chain_id;
  chain::Amount fee_rate = 1;
  // The network's units table (getblockchaininfo `units`, or the genesis file); nullopt when
  // the node did not report one, and then decimal quantities are refused.
  std::optional<chain::UnitScales> units;
};

// getblockchaininfo's `units` {unit: scale}, or nullopt when absent or malformed.
std::optional<chain::UnitScales> UnitsFromJson(const Json* units) {
  if (!units || !units->is_object()) return std::nullopt;
  chain::UnitScales out;
  for (const auto& [unit, scale] : units->items()) {
    if (!scale.is_number_unsigned() || scale.get<uint64_t>() > chain::kMaxUnitScale) {
      return std::nullopt;
    }
    out[unit] = static_cast<uint8_t>(scale.get<uint64_t>());
  }
  return out;
}

// The member `name` of an RPC result, or null when absent (or the result is no object).
const Json* Field(const Json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it != obj.end() && !it->is_null() ? &*it : nullptr;
}

TxEnv EnvFromNode(RpcClient& client, const Args& args) {
  TxEnv env;
  Json info = CallRpc(client, args, "getblockchaininfo", Json::array());
  const Json* id = Field(info, "chain_id");
  if (!id || !id->is_string() || !chain::Hash256::FromHex(id->get<std::string>())) {
    throw CliError("getblockchaininfo did not return a chain id; give --chain-id");
  }
  env.chain_id = *chain::Hash256::FromHex(id->get<std::string>());
  if (args.Has("hrp")) {
    env.hrp = AddressPrefix(args);
  } else if (const Json* hrp = Field(info, "address_prefix"); hrp && hrp->is_string()) {
    env.hrp = hrp->get<std::string>();
  } else {
    env.hrp = AddressPrefix(args);
  }
  env.units = UnitsFromJson(Field(info, "units"));
  Json pool = CallRpc(client, args, "getmempoolinfo", Json::array());
  const Json* rate = Field(pool, "min_fee_per_byte");
  if (rate && rate->is_number_unsigned()) env.fee_rate = rate->get<uint64_t>();
  return env;
}

TxEnv EnvOffline(const Args& args) {
  TxEnv env;
  consensus::ChainParams params = LoadParams(args);
  env.chain_id = params.chain_id();
  env.hrp = args.Has("hrp") ? AddressPrefix(args) : params.address_prefix;
  env.fee_rate = params.min_fee_per_byte;
  env.units = params.units;
  return env;
}

// The unwrapped value of a wallet result, or CliError with `what` before the reason.
template <typename T>
T OrThrow(chain::Result<T> result, std::string_view what) {
  if (!result.ok()) throw CliError(std::string(what) + ": " + result.status().reason());
  return std::move(*result);
}

// One KEY=VALUE of option `name`, checked against the content rules here so that the error
// names the entry. The value of a --commit entry is not echoed: it may be a secret.
chain::MetadataEntry ParseEntry(const std::string& kv, std::string_view name) {
  const std::string option = "--" + std::string(name);
  size_t eq = kv.find('=');
  if (eq == std::string::npos) {
    throw CliError(option + " must be KEY=VALUE" +
                   (name == "commit" ? std::string() : ", got '" + kv + "'"));
  }
  chain::MetadataEntry e{kv.substr(0, eq), kv.substr(eq + 1)};
  if (!consensus::IsValidMetadataKey(e.key)) {
    throw CliError(option + " key '" + e.key + "' must be 1..32 characters of [a-z0-9._-]");
  }
  if (!consensus::IsValidMetadataValue(e.value)) {
    throw CliError(option + " value for '" + e.key +
                   "' must be at most 256 bytes of UTF-8 without control characters");
  }
  return e;
}

// The published entries of option `name` (--meta, --set) and the committed ones of --commit;
// wallet/ sorts them (chain::SortMetadata: count, duplicates). The disclosures of the committed
// entries go to *disclosures (their asset is set once the tx is built).
std::vector<chain::MetadataEntry> ParseMetadata(const Args& args, std::string_view name,
                                                std::vector<wallet::Disclosure>* disclosures) {
  std::vector<chain::MetadataEntry> md;
  for (const std::string& kv : args.GetAll(name)) md.push_back(ParseEntry(kv, name));
  const std::vector<std::string> commits = args.GetAll("commit");
  if (!commits.empty() && !args.Has("disclosures")) {
    throw CliError("--commit needs --disclosures FILE (where the salts are kept)");
  }
  for (const std::string& kv : commits) {
    chain::MetadataEntry e = ParseEntry(kv, "commit");
    wallet::Committed c = wallet::CommitValue(std::move(e.key), std::move(e.value));
    md.push_back(std::move(c.entry));
    disclosures->push_back(std::move(c.disclosure));
  }
  return md;
}

// The entries of option `name` (--id), published only: a party's identifiers say who it is.
std::vector<chain::MetadataEntry> ParsePublished(const Args& args, std::string_view name) {
  std::vector<chain::MetadataEntry> md;
  for (const std::string& kv : args.GetAll(name)) md.push_back(ParseEntry(kv, name));
  return md;
}

std::vector<chain::Hash256> ParseDocuments(const Args& args) {
  std::vector<chain::Hash256> docs;
  for (const std::string& hex : args.GetList("doc")) docs.push_back(ParseHash(hex, "--doc"));
  for (const std::string& path : args.GetAll("doc-file")) {
    std::string data = ReadFile(path);
    docs.push_back(chain::Sha256Hash(
        chain::ByteSpan(reinterpret_cast<const uint8_t*>(data.data()), data.size())));
  }
  if (docs.size() > chain::kMaxDocuments) {
    throw CliError("at most " + std::to_string(chain::kMaxDocuments) + " documents");
  }
  return docs;
}

std::string RequireUnit(const Args& args) {
  std::string unit = args.Require("unit");
  if (!consensus::IsValidUnit(unit)) {
    throw CliError("--unit must be 1..16 printable ASCII characters without spaces");
  }
  return unit;
}

uint64_t RequirePositive(const Args& args, std::string_view name) {
  uint64_t v = ParseU64(args.Require(name), "--" + std::string(name));
  if (v == 0) throw CliError("--" + std::string(name) + " must be positive");
  return v;
}

// A quantity of unit as given (`what` names it in messages): digits are the integer quantity
// (in the unit's smallest steps); a decimal such as 0.25 is an amount in the unit, converted
// with the network's scale for it (chain/quantity.h).
chain::Quantity ParseQuantity(const std::string& text, const std::string& unit, const TxEnv& env,
                              const std::string& what) {
  if (text.find('.') == std::string::npos) {
    uint64_t q = ParseU64(text, what);
    if (q == 0) throw CliError(what + " must be positive");
    return q;
  }
  if (!env.units) {
    throw CliError(what + " " + text + ": the node did not report its units table, so a decimal "
                   "amount cannot be converted; give the integer quantity instead");
  }
  const uint8_t scale = chain::ScaleOf(*env.units, unit);
  auto q = chain::ParseScaled(text, scale);
  if (!q.ok()) {
    throw CliError(what + ": " + q.status().reason() + " (unit '" + unit + "' has scale " +
                   std::to_string(scale) + " on this network)");
  }
  if (*q == 0) throw CliError(what + " must be positive");
  return *q;
}

// --quantity, --unit, --meta, --commit, --doc/--doc-file: the asset an issue or a merge
// creates; the disclosures of its --commit entries go to *disclosures.
wallet::NewAsset ParseNewAsset(const Args& args, const TxEnv& env,
                               std::vector<wallet::Disclosure>* disclosures) {
  wallet::NewAsset asset;
  asset.unit = RequireUnit(args);
  asset.quantity = ParseQuantity(args.Require("quantity"), asset.unit, env, "--quantity");
  asset.metadata = ParseMetadata(args, "meta", disclosures);
  asset.documents = ParseDocuments(args);
  return asset;
}

chain::Operation TransferFromArgs(const Args& args, const std::string& hrp) {
  chain::AccountId to = ParseAccount(args.Require("to"), hrp, "--to");
  uint64_t amount = RequirePositive(args, "amount");
  if (amount > chain::kMaxAmount) throw CliError("--amount too large");
  return wallet::MakeTransfer(to, amount);
}

chain::Operation MergeFromArgs(const Args& args, const TxEnv& env,
                               std::vector<wallet::Disclosure>* disclosures) {
  std::vector<chain::Hash256> inputs;
  for (const std::string& id : args.GetList("inputs")) inputs.push_back(ParseHash(id, "--inputs"));
  if (inputs.size() < chain::kMinMergeInputs || inputs.size() > chain::kMaxMergeInputs) {
    throw CliError("--inputs needs 2..16 distinct asset ids");
  }
  return OrThrow(wallet::MakeMerge(std::move(inputs), ParseNewAsset(args, env, disclosures)),
                 "--meta");
}

// --inputs and --outputs Q:UNIT,...; --meta and --doc apply to every output.
chain::Operation TransformFromArgs(const Args& args, const TxEnv& env,
                                   std::vector<wallet::Disclosure>* disclosures) {
  std::vector<chain::Hash256> inputs;
  for (const std::string& id : args.GetList("inputs")) inputs.push_back(ParseHash(id, "--inputs"));
  if (inputs.size() < chain::kMinTransformInputs || inputs.size() > chain::kMaxTransformInputs) {
    throw CliError("--inputs needs 1..16 distinct asset ids");
  }
  const std::vector<chain::MetadataEntry> metadata = ParseMetadata(args, "meta", disclosures);
  const std::vector<chain::Hash256> documents = ParseDocuments(args);
  std::vector<wallet::NewAsset> outputs;
  for (const std::string& spec : SplitList(args.Require("outputs"), ',')) {
    const size_t colon = spec.find(':');
    if (colon == std::string::npos) {
      throw CliError("--outputs entries are Q:UNIT, got '" + spec + "'");
    }
    wallet::NewAsset out;
    out.unit = spec.substr(colon + 1);
    if (!consensus::IsValidUnit(out.unit)) {
      throw CliError("--outputs unit '" + out.unit +
                     "' must be 1..16 printable ASCII characters without spaces");
    }
    out.quantity = ParseQuantity(spec.substr(0, colon), out.unit, env, "--outputs");
    out.metadata = metadata;
    out.documents = documents;
    outputs.push_back(std::move(out));
  }
  if (outputs.size() < chain::kMinTransformOutputs ||
      outputs.size() > chain::kMaxTransformOutputs) {
    throw CliError("--outputs needs 1..16 entries");
  }
  return OrThrow(wallet::MakeTransform(std::move(inputs), std::move(outputs)), "--meta");
}

chain::Operation AttestFromArgs(const Args& args) {
  chain::Hash256 asset = ParseHash(args.Require("asset"), "--asset");
  std::vector<chain::Hash256> docs = ParseDocuments(args);
  if (docs.size() > 1) throw CliError("attest takes at most one --doc or --doc-file");
  std::optional<chain::Hash256> document;
  if (!docs.empty()) document = docs[0];
  return wallet::MakeAttest(asset, args.Require("claim"), args.Require("value"), document);
}

chain::Operation ProfileFromArgs(const Args& args) {
  wallet::Profile profile;
  profile.name = args.Require("name");
  profile.role = args.Require("role");
  profile.identifiers = ParsePublished(args, "id");
  if (profile.identifiers.size() > chain::kMaxIdentifiers) {
    throw CliError("at most " + std::to_string(chain::kMaxIdentifiers) + " --id entries");
  }
  for (const auto& id : profile.identifiers) {
    if (id.key == "gln" && !consensus::IsValidGln(id.value)) {
      throw CliError("--id gln=" + id.value +
                     " is not a GS1 GLN (13 digits, the last the GS1 check digit)");
    }
  }
  profile.url = args.Get("url").value_or("");
  std::vector<chain::Hash256> docs = ParseDocuments(args);
  if (docs.size() > 1) throw CliError("profile takes at most one --doc or --doc-file");
  if (!docs.empty()) profile.document = docs[0];
  return OrThrow(wallet::MakeProfile(std::move(profile)), "--id");
}

chain::Operation EndorseFromArgs(const Args& args, const std::string& hrp) {
  chain::AccountId account = ParseAccount(args.Require("account"), hrp, "--account");
  return wallet::MakeEndorse(account, args.Require("role"), args.Has("revoke"));
}

chain::Operation CorrectFromArgs(const Args& args, std::vector<wallet::Disclosure>* disclosures) {
  chain::Hash256 asset = ParseHash(args.Require("asset"), "--asset");
  chain::Hash256 event = ParseHash(args.Require("event"), "--event");
  std::vector<chain::MetadataEntry> set = ParseMetadata(args, "set", disclosures);
  if (set.empty()) throw CliError("correct needs at least one --set or --commit");
  return OrThrow(wallet::MakeCorrect(asset, event, std::move(set), args.Require("reason")),
                 "--set");
}

// The operation of command `sub` (one of kSubcommands) from its options; the disclosures of
// its --commit entries go to *disclosures.
chain::Operation OpFromArgs(std::string_view sub, const Args& args, const TxEnv& env,
                            std::vector<wallet::Disclosure>* disclosures) {
  const std::string& hrp = env.hrp;
  if (sub == "transfer") return TransferFromArgs(args, hrp);
  if (sub == "issue") {
    return OrThrow(wallet::MakeIssue(ParseNewAsset(args, env, disclosures)), "--meta");
  }
  if (sub == "correct") return CorrectFromArgs(args, disclosures);
  if (sub == "asset-transfer") {
    chain::Hash256 asset = ParseHash(args.Require("asset"), "--asset");
    return wallet::MakeAssetTransfer(asset, ParseAccount(args.Require("to"), hrp, "--to"));
  }
  if (sub == "split") return SplitFromArgs(args);
  if (sub == "merge") return MergeFromArgs(args, env, disclosures);
  if (sub == "transform") return TransformFromArgs(args, env, disclosures);
  if (sub == "profile") return ProfileFromArgs(args);
  if (sub == "endorse") return EndorseFromArgs(args, hrp);
  return AttestFromArgs(args);
}

uint64_t PendingNonce(RpcClient& client, const Args& args, const std::string& address) {
  Json account = CallRpc(client, args, "getaccount", Json::array({address}));
  const Json* nonce = Field(account, "pending_nonce");
  if (!nonce || !nonce->is_number_unsigned()) {
    throw CliError("getaccount did not return the pending nonce; give --nonce");
  }
  return nonce->get<uint64_t>();
}

// The parsed options of `tx SUB`, or nullopt when help was printed (exit code in *rc).
std::optional<Args> ParseTxArgs(std::span<const std::string> words, int* rc) {
  auto sub = ParseSubcommand(words, "tx", kTxHelp, kSubcommands, TxOptions, TxOptions(""), rc);
  if (!sub) return std::nullopt;
  Args& args = sub->args;
  if (!args.positional().empty()) {
    throw CliError("unexpected argument '" + args.positional()[0] + "' (options start with --)");
  }
  return args;
}

// The chain id, prefix and fee rate: from the node, or offline (--dry-run with --nonce) from
// the genesis; --chain-id and --fee-rate override. *client is set when a node is needed.
TxEnv ResolveEnv(const Args& args, std::optional<RpcClient>* client) {
  // Offline, the genesis gives the chain id and the minimum fee rate (the node's mempool
  // minimum is the same rate).
  const bool needs_node = !args.Has("dry-run") || !args.Has("nonce");
  TxEnv env;
  if (needs_node) {
    client->emplace(MakeRpcClient(args));
    env = EnvFromNode(**client, args);
  } else {
    env = EnvOffline(args);
  }
  if (auto id = args.Get("chain-id")) env.chain_id = ParseHash(*id, "--chain-id");
  if (auto rate = args.Get("fee-rate")) env.fee_rate = ParseU64(*rate, "--fee-rate");
  return env;
}

// The unsigned tx of the command, checked against the consensus content rules (which wallet/
// may not depend on: node/cli/README.md).
chain::Transaction BuildUnsigned(std::string_view sub, const Args& args, const TxEnv& env,
                                 const chain::AccountId& sender, std::optional<RpcClient>& client,
                                 std::vector<wallet::Disclosure>* disclosures) {
  chain::Operation op = OpFromArgs(sub, args, env, disclosures);
  wallet::TxParams params;
  params.chain_id = env.chain_id;
  params.fee_per_byte = env.fee_rate;
  if (auto fee = args.Get("fee")) params.fee = ParseU64(*fee, "--fee");
  if (auto n = args.Get("nonce")) {
    params.nonce = ParseU64(*n, "--nonce");
  } else {
    params.nonce = PendingNonce(*client, args, chain::bech32::EncodeAddress(env.hrp, sender));
  }
  // Checked before signing: a split whose children do not sum to the asset's quantity.
  if (const auto* split = std::get_if<chain::AssetSplitOp>(&op); split && client) {
    CheckSplitSum(*client, args, *split);
  }
  auto tx = wallet::BuildTx(sender, std::move(op), params);
  if (!tx.ok()) throw CliError(tx.status().reason());
  if (consensus::ValidationResult r = consensus::CheckTransaction(*tx); !r.valid()) {
    throw CliError("the transaction would be invalid: " + r.ToString());
  }
  return std::move(*tx);
}

// Writes the disclosures of the tx's --commit entries, each naming its asset (the new asset of
// an issue or a merge, the corrected one), before the tx is sent: a tx whose salts were lost
// could never be disclosed. Refuses (CliError) an existing file.
void WriteDisclosures(const Args& args, const wallet::SignedTx& signed_tx,
                      std::vector<wallet::Disclosure>* disclosures) {
  if (disclosures->empty()) {
    // --disclosures without --commit: the user may believe a --meta value stays private.
    if (args.Has("disclosures")) {
      throw CliError("--disclosures keeps the salts of --commit entries, and there are none: "
                     "give private values with --commit KEY=VALUE (a --meta value is "
                     "published); nothing was sent");
    }
    return;
  }
  std::optional<chain::Hash256> asset;
  if (!signed_tx.new_assets.empty()) asset = signed_tx.new_assets.front();
  if (const auto* correct = std::get_if<chain::AssetCorrectOp>(&signed_tx.tx.op)) {
    asset = correct->asset;
  }
  for (wallet::Disclosure& d : *disclosures) d.asset = asset;
  const std::string path = args.Require("disclosures");
  chain::Status s = wallet::WriteDisclosuresFile(path, *disclosures);
  for (wallet::Disclosure& d : *disclosures) d.Wipe();
  if (!s.ok()) throw CliError("--disclosures: " + s.reason() + " (nothing was sent)");
}

void Send(RpcClient& client, const Args& args, const wallet::SignedTx& signed_tx) {
  const std::string hex = chain::HexEncode(signed_tx.raw);
  Json sent = CallRpc(client, args, "sendrawtransaction", Json::array({hex}));
  if (sent.is_string() && sent.get<std::string>() != signed_tx.txid.ToHex()) {
    std::cerr << "warning: the node reported txid " << sent.get<std::string>() << ", expected "
              << signed_tx.txid.ToHex() << "\n";
  }
}

void PrintResult(const Args& args, const wallet::SignedTx& signed_tx, const std::string& hrp,
                 bool sent) {
  const chain::Transaction& tx = signed_tx.tx;
  const std::string hex = chain::HexEncode(signed_tx.raw);
  if (args.Has("json")) {
    Json out = {{"txid", signed_tx.txid.ToHex()},
                {"sender", chain::bech32::EncodeAddress(hrp, tx.sender)},
                {"nonce", tx.nonce},
                {"fee", tx.fee},
                {"size", signed_tx.raw.size()},
                {"sent", sent}};
    if (!sent) out["hex"] = hex;
    Json ids = Json::array();
    for (const auto& a : signed_tx.new_assets) ids.push_back(a.ToHex());
    out["assets"] = ids;
    std::cout << out.dump(2) << "\n";
    return;
  }
  if (!sent) std::cout << hex << "\n";
  std::cout << signed_tx.txid.ToHex() << "\n";
  for (const auto& a : signed_tx.new_assets) std::cout << a.ToHex() << "\n";
}

}  // namespace

int RunTx(std::span<const std::string> words) {
  int rc = 0;
  std::optional<Args> args = ParseTxArgs(words, &rc);
  if (!args) return rc;
  const std::string& sub = words[0];
  const wallet::KeySigner signer(LoadKeyFile(args->Require("key")));
  std::optional<RpcClient> client;
  const TxEnv env = ResolveEnv(*args, &client);
  std::vector<wallet::Disclosure> disclosures;
  chain::Transaction tx = BuildUnsigned(sub, *args, env, signer.Account(), client, &disclosures);
  const wallet::SignedTx signed_tx =
      OrThrow(wallet::SignTx(signer, std::move(tx)), "internal error");
  WriteDisclosures(*args, signed_tx, &disclosures);
  const bool dry_run = args->Has("dry-run");
  if (!dry_run) Send(*client, *args, signed_tx);
  PrintResult(*args, signed_tx, env.hrp, /*sent=*/!dry_run);
  return 0;
}

}  // namespace waybill::cli
