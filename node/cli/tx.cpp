// `waybill tx ...`: build, sign and submit transactions. The options become plain values (the
// operation's fields; the chain id, nonce and fee rate asked of the node or read from the
// genesis file); wallet/ builds, prices and signs the tx. What the commands share is in
// tx_build.h (tx_build.cpp, tx_ops.cpp); `tx build|sign|send` in tx_offline.cpp.
#include <algorithm>
#include <array>
#include <iostream>
#include <variant>

#include "chain/bech32.h"
#include "node/cli/commands.h"
#include "node/cli/tx_build.h"
#include "node/cli/tx_offline.h"
#include "node/cli/tx_split.h"

namespace waybill::cli {
namespace {

constexpr const char* kTxHelp =
    "Usage: waybill tx COMMAND (--wallet NAME [--from I|ADDR] | --key FILE) [options]\n"
    "Builds a transaction signed by the wallet's (or the key file's) key, submits it with\n"
    "sendrawtransaction and prints its txid (then, for issue, split, merge and transform, the\n"
    "new asset ids, one a line); with --wait [N], then \"confirmed in block HASH (height H)\"\n"
    "once it has N confirmations (default 1; --wait-timeout SECONDS, default 600).\n"
    "Commands:\n"
    "  transfer        --to ADDR --amount AMOUNT         send coins: 1.5 or 1.5WBL (coins, at\n"
    "                                                    most 8 decimals) or 150000000base\n"
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
    "Offline signing (docs/API.md \"Offline signing\"):\n"
    "  build COMMAND [COMMAND's options] (--wallet W | --from-address ADDR) --out FILE\n"
    "                                                    the unsigned tx (the node gives nonce,\n"
    "                                                    chain id and fee) to a JSON file\n"
    "  sign FILE --wallet W --out FILE [--yes]           sign it, with no node: prints what is\n"
    "                                                    signed, asks y/N on a terminal\n"
    "  send FILE [--wait [N]]                            send a signed file\n"
    "--fee is a coin amount like --amount (0.001, or 100000base). ADDR may be a contact name.\n"
    "Options:\n";

constexpr std::array<std::string_view, 13> kSubcommands = {
    "transfer",  "issue",   "asset-transfer", "split", "merge", "attest", "transform",
    "correct",   "profile", "endorse",        "build", "sign",  "send"};

}  // namespace

std::vector<OptionSpec> TxOpOptions(std::string_view sub) {
  std::vector<OptionSpec> specs;
  bool all = sub.empty();
  if (all || sub == "transfer" || sub == "asset-transfer") {
    specs.push_back({"to", "ADDR", false, "recipient address (or 64-hex account id)"});
  }
  if (all || sub == "transfer") {
    specs.push_back({"amount", "AMOUNT", false, "coins to send: 1.5, 1.5WBL or 150000000base"});
  }
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

namespace {

std::vector<OptionSpec> TxOptions(std::string_view sub) {
  std::vector<OptionSpec> specs = ConnectionOptions();
  for (const OptionSpec& spec : SenderOptions()) specs.push_back(spec);
  for (const OptionSpec& spec : TxCommonOptions()) specs.push_back(spec);
  if (sub == "build" || sub == "sign" || sub == "send") return TxOfflineOptions(sub);
  for (const OptionSpec& spec : TxOpOptions(sub)) specs.push_back(spec);
  return specs;
}

// The parsed options of `tx SUB`, or nullopt when help was printed (exit code in *rc).
std::optional<Args> ParseTxArgs(std::span<const std::string> words, int* rc) {
  auto sub = ParseSubcommand(words, "tx", kTxHelp, kSubcommands, TxOptions, TxOptions(""), rc);
  if (!sub) return std::nullopt;
  Args& args = sub->args;
  if (sub->name != "sign" && sub->name != "send" && !args.positional().empty()) {
    throw CliError("unexpected argument '" + args.positional()[0] + "' (options start with --)");
  }
  return args;
}

void PrintResult(const Args& args, const Submitted& submitted, const std::string& hrp) {
  const wallet::SignedTx& signed_tx = submitted.signed_tx;
  if (args.Has("json")) {
    std::cout << SubmittedJson(submitted, hrp).dump(2) << "\n";
    return;
  }
  if (!submitted.sent) std::cout << chain::HexEncode(signed_tx.raw) << "\n";
  std::cout << signed_tx.txid.ToHex() << "\n";
  for (const auto& a : signed_tx.new_assets) std::cout << a.ToHex() << "\n";
  if (submitted.confirmation) std::cout << ConfirmationLine(*submitted.confirmation) << "\n";
}

}  // namespace

bool IsTxOpCommand(std::string_view sub) {
  return std::find(kTxOpCommands.begin(), kTxOpCommands.end(), sub) != kTxOpCommands.end();
}

int RunTx(std::span<const std::string> words) {
  if (!words.empty() && words[0] == "build") return RunTxBuild(words.subspan(1));
  int rc = 0;
  std::optional<Args> args = ParseTxArgs(words, &rc);
  if (!args) return rc;
  const std::string& sub = words[0];
  if (sub == "sign") return RunTxSign(*args);
  if (sub == "send") return RunTxSend(*args);
  TxSender sender = ResolveTxSender(*args);
  std::optional<RpcClient> client;
  const TxEnv env = ResolveEnv(*args, &client);
  std::vector<wallet::Disclosure> disclosures;
  chain::Operation op = OpFromArgs(sub, *args, env, &disclosures);
  chain::Transaction tx = BuildUnsigned(std::move(op), *args, env, sender.account, client);
  const Submitted submitted = SignAndSubmit(*args, sender, std::move(tx), client, &disclosures);
  PrintResult(*args, submitted, env.hrp);
  return 0;
}

}  // namespace waybill::cli
