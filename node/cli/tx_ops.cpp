// The operation of a `tx` command from its options (node/cli/tx_build.h).
#include <string>
#include <vector>

#include "chain/hash.h"
#include "chain/quantity.h"
#include "consensus/tx_check.h"
#include "node/cli/amount.h"
#include "node/cli/commands.h"
#include "node/cli/tx_build.h"
#include "node/cli/tx_split.h"

namespace waybill::cli {
namespace {

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

// The entries of option `name` (--id), published only: a party's identifiers say who it is.
std::vector<chain::MetadataEntry> ParsePublished(const Args& args, std::string_view name) {
  std::vector<chain::MetadataEntry> md;
  for (const std::string& kv : args.GetAll(name)) md.push_back(ParseEntry(kv, name));
  return md;
}

}  // namespace

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

namespace {

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

chain::Operation TransferFromArgs(const Args& args, const TxEnv& env) {
  chain::AccountId to = Recipient(args, args.Require("to"), env, "--to");
  auto amount = ParseCoinAmount(args.Require("amount"), "--amount");
  if (!amount.ok()) throw CliError(amount.status().reason());
  if (*amount == 0) throw CliError("--amount must be positive");
  return wallet::MakeTransfer(to, *amount);
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

chain::Operation EndorseFromArgs(const Args& args, const TxEnv& env) {
  chain::AccountId account = Recipient(args, args.Require("account"), env, "--account");
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

}  // namespace

chain::Operation OpFromArgs(std::string_view sub, const Args& args, const TxEnv& env,
                            std::vector<wallet::Disclosure>* disclosures) {
  if (sub == "transfer") return TransferFromArgs(args, env);
  if (sub == "issue") {
    return OrThrow(wallet::MakeIssue(ParseNewAsset(args, env, disclosures)), "--meta");
  }
  if (sub == "correct") return CorrectFromArgs(args, disclosures);
  if (sub == "asset-transfer") {
    chain::Hash256 asset = ParseHash(args.Require("asset"), "--asset");
    return wallet::MakeAssetTransfer(asset, Recipient(args, args.Require("to"), env, "--to"));
  }
  if (sub == "split") return SplitFromArgs(args);
  if (sub == "merge") return MergeFromArgs(args, env, disclosures);
  if (sub == "transform") return TransformFromArgs(args, env, disclosures);
  if (sub == "profile") return ProfileFromArgs(args);
  if (sub == "endorse") return EndorseFromArgs(args, env);
  return AttestFromArgs(args);
}

}  // namespace waybill::cli
