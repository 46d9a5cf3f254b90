// `waybill asset ...`: the asset operations as a person says them (`asset issue --quantity
// 1200 --unit kg`, `asset transfer ASSET --to exporter`), and an asset read back (`show`,
// `history`). Quantities are amounts in the unit (node/cli/amount.h). Before anything is
// signed, the node is asked what would make the tx fail (custody, closed asset, coins for the
// fee), so the error says what to do. The tx is built, signed and sent as `waybill tx` does
// (tx_build.h).
#include <ctime>
#include <iostream>
#include <variant>

#include "chain/bech32.h"
#include "node/cli/amount.h"
#include "node/cli/commands.h"
#include "node/cli/tx_build.h"

namespace waybill::cli {
namespace {

constexpr const char* kAssetHelp =
    "Usage: waybill asset COMMAND [ASSET...] (--wallet NAME [--from I|ADDR] | --key FILE)\n"
    "                     [options]\n"
    "Quantities are amounts in the unit: --quantity 1200 --unit kg is 1,200 kg (converted with\n"
    "the network's decimal scale for the unit). ADDR: an address or a contact name. Output: one\n"
    "line for people, with names beside addresses (\"asset ID (1,200 kg) issued in tx TXID\"),\n"
    "a JSON object with --json.\n"
    "Commands:\n"
    "  issue --quantity Q --unit U [--meta k=v ...] [--doc HEX ...]   register a new asset\n"
    "  transfer ASSET --to ADDR                  hand an asset you hold to ADDR\n"
    "  split ASSET --quantities Q1,Q2,...        split it (amounts in its unit, summing to it)\n"
    "  merge ASSET ASSET... [--meta k=v ...]     merge assets of one unit into a new asset\n"
    "  attest ASSET --claim C --value V [--doc HEX]   attach a claim to an asset\n"
    "  show ASSET                                the asset now (getasset)\n"
    "  history ASSET                             its timeline, one line per event (dates UTC)\n"
    "With --wait [N] a sent tx is followed until it has N confirmations (default 1).\n"
    "Options:\n";

constexpr std::array<std::string_view, 7> kVerbs = {"issue", "transfer", "split", "merge",
                                                     "attest", "show", "history"};

// Pages of getassethistory read by `history` (1,000 events each).
constexpr int kMaxHistoryPages = 100;

bool SendsTx(std::string_view verb) { return verb != "show" && verb != "history"; }

std::vector<OptionSpec> AssetOptions(std::string_view verb) {
  std::vector<OptionSpec> specs = ConnectionOptions();
  specs.push_back({"json", "", false, "print JSON (for show and history: the RPC's)"});
  const bool all = verb.empty();
  if (all || SendsTx(verb)) {
    for (const OptionSpec& spec : SenderOptions()) specs.push_back(spec);
    for (const OptionSpec& spec : TxCommonOptions()) {
      if (spec.name != "json") specs.push_back(spec);
    }
  }
  if (all || verb == "issue") {
    specs.push_back({"quantity", "Q", false, "the amount in the unit (1200, 0.25)"});
    specs.push_back({"unit", "U", false, "unit (kg, pcs, ...)"});
  }
  if (all || verb == "issue" || verb == "merge") {
    specs.push_back({"meta", "KEY=VALUE", true, "metadata entry ([a-z0-9._-] keys)"});
    specs.push_back({"commit", "KEY=VALUE", true, "metadata entry committed, not published"});
    specs.push_back({"disclosures", "FILE", false, "new file for the --commit salts (0600)"});
  }
  if (all || verb == "issue" || verb == "merge" || verb == "attest") {
    specs.push_back({"doc", "HEX", true, "document hash (64 hex); attest takes one"});
    specs.push_back({"doc-file", "FILE", true, "document whose SHA-256 to record"});
  }
  if (all || verb == "transfer") specs.push_back({"to", "ADDR", false, "the new custodian"});
  if (all || verb == "split") {
    specs.push_back({"quantities", "Q1,Q2,...", false, "the children: amounts in the unit"});
  }
  if (all || verb == "attest") {
    specs.push_back({"claim", "C", false, "claim type ([a-z0-9._-], e.g. temperature.max)"});
    specs.push_back({"value", "V", false, "claim value"});
  }
  return specs;
}

// The scale of an RPC `amount` string: its number of decimals.
uint8_t ScaleOfAmount(const std::string& amount) {
  const size_t dot = amount.find('.');
  return dot == std::string::npos ? 0 : static_cast<uint8_t>(amount.size() - dot - 1);
}

std::string Str(const Json& obj, const char* name) {
  const Json* v = Field(obj, name);
  return v && v->is_string() ? v->get<std::string>() : "";
}

uint64_t U64(const Json& obj, const char* name) {
  const Json* v = Field(obj, name);
  return v && v->is_number_unsigned() ? v->get<uint64_t>() : 0;
}

// "1,200 kg" from an asset object (getasset).
std::string AmountOf(const Json& asset) {
  return FormatUnitAmount(U64(asset, "quantity"), ScaleOfAmount(Str(asset, "amount")),
                          Str(asset, "unit"));
}

// An address from an RPC result, with the name beside it when known.
std::string Who(const Args& args, const std::string& address, const TxEnv& env) {
  auto id = chain::bech32::ParseAccount(env.hrp, address);
  return id.ok() ? DisplayAccountOf(args, *id, env.hrp) : address;
}

chain::Hash256 AssetArg(const Args& args, size_t i) {
  if (args.positional().size() <= i) throw CliError("missing ASSET (the asset id, 64 hex)");
  return ParseHash(args.positional()[i], "ASSET");
}

Json GetAsset(RpcClient& client, const Args& args, const chain::Hash256& id) {
  auto reply = client.Call("getasset", Json::array({id.ToHex()}));
  if (reply.ok() && !reply->ok && reply->code == -5) {
    throw CliError("no asset " + id.ToHex() + " on this network (check the id, or --network)");
  }
  return CallRpc(client, args, "getasset", Json::array({id.ToHex()}));
}

// The asset is open and held by the sender, else CliError saying who holds it.
Json CheckCustody(RpcClient& client, const Args& args, const TxEnv& env, const TxSender& sender,
                  const chain::Hash256& id) {
  Json asset = GetAsset(client, args, id);
  const std::string status = Str(asset, "status");
  if (status != "open") {
    throw CliError("asset " + id.ToHex() + " is closed (" + status + "): it can no longer be " +
                   "handed, split or merged (waybill asset show " + id.ToHex() + ")");
  }
  const std::string custodian = Str(asset, "custodian");
  const std::string mine = chain::bech32::EncodeAddress(env.hrp, sender.account);
  if (custodian != mine) {
    const std::string whose = sender.wallet.empty() ? "the key's" : sender.wallet + "'s";
    throw CliError("asset " + id.ToHex() + " is held by " + Who(args, custodian, env) +
                   ", not by " + whose + " address " + mine);
  }
  return asset;
}

std::vector<chain::Hash256> AssetArgs(const Args& args) {
  std::vector<chain::Hash256> ids;
  for (size_t i = 0; i < args.positional().size(); ++i) ids.push_back(AssetArg(args, i));
  return ids;
}

// The operation of a verb, checked against the node; *line gets what the output will say
// after "... in tx TXID" (the ids of new assets are filled in by Describe).
struct VerbOp {
  chain::Operation op;
  std::vector<std::string> amounts;  // of the new assets, in order
};

VerbOp IssueOp(const Args& args, const TxEnv& env, std::vector<wallet::Disclosure>* disclosures) {
  wallet::NewAsset asset;
  asset.unit = RequireUnit(args);
  const uint8_t scale = env.units ? chain::ScaleOf(*env.units, asset.unit) : 0;
  asset.quantity = OrThrow(ParseUnitAmount(args.Require("quantity"), scale, asset.unit,
                                           "--quantity"), "error");
  asset.metadata = ParseMetadata(args, "meta", disclosures);
  asset.documents = ParseDocuments(args);
  std::string amount = FormatUnitAmount(asset.quantity, scale, asset.unit);
  return {OrThrow(wallet::MakeIssue(std::move(asset)), "--meta"), {amount}};
}

VerbOp SplitOp(RpcClient& client, const Args& args, const TxEnv& env, const TxSender& sender) {
  const chain::Hash256 id = AssetArg(args, 0);
  const Json asset = CheckCustody(client, args, env, sender, id);
  const std::string unit = Str(asset, "unit");
  const uint8_t scale = ScaleOfAmount(Str(asset, "amount"));
  std::vector<chain::Quantity> quantities;
  std::vector<std::string> amounts;
  unsigned __int128 sum = 0;
  for (const std::string& q : SplitList(args.Require("quantities"), ',')) {
    quantities.push_back(OrThrow(ParseUnitAmount(q, scale, unit, "--quantities"), "error"));
    amounts.push_back(FormatUnitAmount(quantities.back(), scale, unit));
    sum += quantities.back();
  }
  if (quantities.size() < chain::kMinSplitParts || quantities.size() > chain::kMaxSplitParts) {
    throw CliError("--quantities needs 2..1000 amounts");
  }
  if (sum != U64(asset, "quantity")) {
    throw CliError("the children sum to " +
                   (sum > UINT64_MAX ? std::string("more than the asset")
                                     : FormatUnitAmount(static_cast<uint64_t>(sum), scale, unit)) +
                   " but asset " + id.ToHex() + " holds " + AmountOf(asset) +
                   " (a split must use the whole quantity)");
  }
  return {wallet::MakeSplit(id, std::move(quantities)), amounts};
}

VerbOp MergeOp(RpcClient& client, const Args& args, const TxEnv& env, const TxSender& sender,
               std::vector<wallet::Disclosure>* disclosures) {
  wallet::NewAsset out;
  std::vector<chain::Hash256> inputs = AssetArgs(args);
  if (inputs.size() < chain::kMinMergeInputs || inputs.size() > chain::kMaxMergeInputs) {
    throw CliError("asset merge takes 2..16 assets");
  }
  unsigned __int128 sum = 0;
  uint8_t scale = 0;
  for (const chain::Hash256& id : inputs) {
    const Json asset = CheckCustody(client, args, env, sender, id);
    if (out.unit.empty()) out.unit = Str(asset, "unit");
    if (Str(asset, "unit") != out.unit) {
      throw CliError("asset " + id.ToHex() + " is in " + Str(asset, "unit") + ", the first in " +
                     out.unit + ": a merge takes assets of one unit (waybill tx transform "
                     "changes units)");
    }
    scale = ScaleOfAmount(Str(asset, "amount"));
    sum += U64(asset, "quantity");
  }
  if (sum > UINT64_MAX) throw CliError("the assets' quantities add up past the largest quantity");
  out.quantity = static_cast<chain::Quantity>(sum);
  out.metadata = ParseMetadata(args, "meta", disclosures);
  out.documents = ParseDocuments(args);
  std::string amount = FormatUnitAmount(out.quantity, scale, out.unit);
  return {OrThrow(wallet::MakeMerge(std::move(inputs), std::move(out)), "--meta"), {amount}};
}

VerbOp AttestOp(RpcClient& client, const Args& args) {
  const chain::Hash256 id = AssetArg(args, 0);
  (void)GetAsset(client, args, id);  // any account may attest; the asset must exist
  std::vector<chain::Hash256> docs = ParseDocuments(args);
  if (docs.size() > 1) throw CliError("attest takes at most one --doc or --doc-file");
  std::optional<chain::Hash256> document;
  if (!docs.empty()) document = docs[0];
  return {wallet::MakeAttest(id, args.Require("claim"), args.Require("value"), document), {}};
}

VerbOp OpOfVerb(const std::string& verb, RpcClient& client, const Args& args, const TxEnv& env,
                const TxSender& sender, std::vector<wallet::Disclosure>* disclosures) {
  if (verb == "issue") return IssueOp(args, env, disclosures);
  if (verb == "transfer") {
    const chain::Hash256 id = AssetArg(args, 0);
    const chain::AccountId to = Recipient(args, args.Require("to"), env, "--to");
    (void)CheckCustody(client, args, env, sender, id);
    return {wallet::MakeAssetTransfer(id, to), {}};
  }
  if (verb == "split") return SplitOp(client, args, env, sender);
  if (verb == "merge") return MergeOp(client, args, env, sender, disclosures);
  return AttestOp(client, args);
}

// The line for people: "asset ID (1,200 kg) issued in tx TXID", ...
std::string Describe(const Args& args, const std::string& verb, const VerbOp& v,
                     const Submitted& s, const TxEnv& env) {
  const std::string tx = " in tx " + s.signed_tx.txid.ToHex();
  const std::vector<chain::Hash256>& ids = s.signed_tx.new_assets;
  const chain::Operation& op = s.signed_tx.tx.op;
  if (verb == "issue") return "asset " + ids[0].ToHex() + " (" + v.amounts[0] + ") issued" + tx;
  if (const auto* t = std::get_if<chain::AssetTransferOp>(&op)) {
    return "asset " + t->asset.ToHex() + " handed to " + DisplayAccountOf(args, t->to, env.hrp) +
           tx;
  }
  if (const auto* split = std::get_if<chain::AssetSplitOp>(&op)) {
    std::string out = "asset " + split->asset.ToHex() + " split into " +
                      std::to_string(ids.size()) + " assets" + tx + ":";
    for (size_t i = 0; i < ids.size(); ++i) {
      out += "\n  " + ids[i].ToHex() + " (" + v.amounts[i] + ")";
    }
    return out;
  }
  if (const auto* merge = std::get_if<chain::AssetMergeOp>(&op)) {
    std::string inputs;
    for (const auto& id : merge->inputs) inputs += (inputs.empty() ? "" : ", ") + id.ToHex();
    return "assets " + inputs + " merged into asset " + ids[0].ToHex() + " (" + v.amounts[0] +
           ")" + tx;
  }
  const auto& attest = std::get<chain::AssetAttestOp>(op);
  return "attested " + attest.claim + " = " + attest.value + " on asset " + attest.asset.ToHex() +
         tx;
}

int RunSendingVerb(const std::string& verb, const Args& args) {
  if (verb == "issue" && !args.positional().empty()) {
    throw CliError("unexpected argument '" + args.positional()[0] + "' (options start with --)");
  }
  TxSender sender = ResolveTxSender(args);
  std::optional<RpcClient> client(MakeRpcClient(args));
  TxEnv env = EnvFromNode(*client, args);
  if (auto id = args.Get("chain-id")) env.chain_id = ParseHash(*id, "--chain-id");
  if (auto rate = args.Get("fee-rate")) env.fee_rate = ParseU64(*rate, "--fee-rate");
  std::vector<wallet::Disclosure> disclosures;
  VerbOp v = OpOfVerb(verb, *client, args, env, sender, &disclosures);
  chain::Transaction tx = BuildUnsigned(v.op, args, env, sender.account, client);
  CheckFunds(*client, args, env, tx);
  const Submitted s = SignAndSubmit(args, sender, std::move(tx), client, &disclosures);
  if (args.Has("json")) {
    std::cout << SubmittedJson(s, env.hrp).dump(2) << "\n";
    return 0;
  }
  if (!s.sent) std::cout << chain::HexEncode(s.signed_tx.raw) << "\n";
  std::cout << Describe(args, verb, v, s, env) << (s.sent ? "" : " (not sent: --dry-run)")
            << "\n";
  if (s.confirmation) std::cout << ConfirmationLine(*s.confirmation) << "\n";
  return 0;
}

std::string Entries(const Json& metadata) {
  std::string out;
  if (!metadata.is_array()) return out;
  for (const Json& e : metadata) {
    out += (out.empty() ? "" : ", ") + Str(e, "key") + "=" +
           (Field(e, "value") ? Str(e, "value") : "(committed)");
  }
  return out;
}

std::string Ids(const Json* ids) {
  std::string out;
  if (!ids || !ids->is_array()) return out;
  for (const Json& id : *ids) {
    out += (out.empty() ? "" : ", ") + (id.is_string() ? id.get<std::string>() : "");
  }
  return out;
}

int RunShow(const Args& args) {
  const chain::Hash256 id = AssetArg(args, 0);
  RpcClient client = MakeRpcClient(args);
  const TxEnv env = EnvFromNode(client, args);
  const Json asset = GetAsset(client, args, id);
  if (args.Has("json")) {
    std::cout << asset.dump(2) << "\n";
    return 0;
  }
  std::cout << "asset " << id.ToHex() << "\n"
            << "  quantity:  " << AmountOf(asset) << "\n"
            << "  status:    " << Str(asset, "status") << "\n"
            << "  custodian: " << Who(args, Str(asset, "custodian"), env) << "\n"
            << "  issuer:    " << Who(args, Str(asset, "issuer"), env) << "\n"
            << "  created:   block " << U64(asset, "created_height") << ", tx "
            << Str(asset, "created_tx") << "\n";
  if (const std::string md = Entries(*Field(asset, "metadata")); !md.empty()) {
    std::cout << "  metadata:  " << md << "\n";
  }
  if (const std::string p = Ids(Field(asset, "parents")); !p.empty()) {
    std::cout << "  parents:   " << p << "\n";
  }
  if (const std::string c = Ids(Field(asset, "children")); !c.empty()) {
    std::cout << "  children:  " << c << "\n";
  }
  std::cout << "  events:    " << U64(asset, "event_count") << " (waybill asset history "
            << id.ToHex() << ")\n";
  return 0;
}

// One event in words.
std::string EventLine(const Args& args, const Json& e, const Json& asset, const TxEnv& env) {
  const std::string type = Str(e, "type");
  const std::string actor = Who(args, Str(e, "actor"), env);
  const std::string related = Ids(Field(e, "related"));
  std::string what;
  if (type == "issue") {
    what = "issued (" + AmountOf(asset) + ") by " + actor;
  } else if (type == "transfer") {
    const std::string to = Str(e, "counterparty");
    what = "handed by " + actor + " to " + (to.empty() ? "(nobody)" : Who(args, to, env));
  } else if (type == "split") {
    what = "split by " + actor + " into " + related;
  } else if (type == "split_child") {
    what = "created (" + AmountOf(asset) + ") by " + actor + " splitting " + related;
  } else if (type == "merge") {
    what = "merged by " + actor + " into " + related;
  } else if (type == "merge_output") {
    what = "created (" + AmountOf(asset) + ") by " + actor + " merging " + related;
  } else if (type == "transform") {
    what = "transformed by " + actor + " into " + related;
  } else if (type == "transform_output") {
    what = "created (" + AmountOf(asset) + ") by " + actor + " transforming " + related;
  } else if (type == "attest") {
    what = "attested by " + actor + ": " + Str(e, "claim") + " = " + Str(e, "value");
  } else if (type == "correct") {
    what = "metadata corrected by " + actor + " (" + Str(e, "reason") + ")";
  } else {
    what = type + " by " + actor;
  }
  return FormatDate(static_cast<int64_t>(U64(e, "time"))) + "  " + what + "  (block " + std::to_string(U64(e, "height")) +
         ", tx " + Str(e, "txid") + ")";
}

int RunHistory(const Args& args) {
  const chain::Hash256 id = AssetArg(args, 0);
  RpcClient client = MakeRpcClient(args);
  const TxEnv env = EnvFromNode(client, args);
  const Json asset = GetAsset(client, args, id);
  Json events = Json::array();
  uint64_t from = 0;
  for (int page = 0; page < kMaxHistoryPages; ++page) {
    Json reply = CallRpc(client, args, "getassethistory", Json::array({id.ToHex(), from, 1000}));
    const Json* got = Field(reply, "events");
    if (!got || !got->is_array() || got->empty()) break;
    for (const Json& e : *got) events.push_back(e);
    from += got->size();
    if (from >= U64(reply, "event_count")) break;
  }
  if (args.Has("json")) {
    std::cout << Json{{"asset", id.ToHex()}, {"event_count", events.size()}, {"events", events}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "asset " << id.ToHex() << " (" << AmountOf(asset) << ", " << Str(asset, "status")
            << ")\n";
  for (const Json& e : events) std::cout << EventLine(args, e, asset, env) << "\n";
  return 0;
}

}  // namespace

int RunAsset(std::span<const std::string> words) {
  int rc = 0;
  auto sub = ParseSubcommand(words, "asset", kAssetHelp, kVerbs, AssetOptions, AssetOptions(""),
                             &rc);
  if (!sub) return rc;
  if (sub->name == "show") return RunShow(sub->args);
  if (sub->name == "history") return RunHistory(sub->args);
  return RunSendingVerb(sub->name, sub->args);
}

}  // namespace waybill::cli
