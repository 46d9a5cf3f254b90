#include "node/cli/tx_offline.h"

#include <unistd.h>

#include <iostream>
#include <variant>

#include "chain/bech32.h"
#include "consensus/tx_check.h"
#include "node/cli/amount.h"
#include "node/cli/commands.h"
#include "node/cli/contract_args.h"
#include "node/cli/passphrase.h"
#include "node/cli/wallet_access.h"

namespace waybill::cli {
namespace {

constexpr const char* kBuildHelp =
    "Usage: waybill tx build COMMAND [COMMAND's options] (--wallet NAME [--from I|ADDR] |\n"
    "                        --from-address ADDR) --out FILE\n"
    "Builds the unsigned tx of COMMAND (a `waybill tx` command: transfer, issue, ...) sent by\n"
    "the wallet's address (a watch-only wallet will do) or ADDR, asking the node for the nonce,\n"
    "the chain id and the fee rate, and writes it to FILE (a new file) for `waybill tx sign` on\n"
    "a machine that holds the key. No secret is needed.\n"
    "Options:\n";

// Files of a tx are small; more than this is not one of ours.
constexpr size_t kMaxTxFile = 1 << 20;

std::vector<OptionSpec> BuildOptions(std::string_view sub) {
  std::vector<OptionSpec> specs = AddOptions(
      ConnectionOptions(),
      {
          {"from-address", "ADDR", false, "the sender's address (instead of --wallet)"},
          {"wallet", "NAME", false, "the sender's wallet (watch-only is fine)"},
          {"from", "INDEX|ADDRESS", false, "which of the wallet's addresses (default: 0)"},
          {"out", "FILE", false, "the unsigned tx file to write (required; a new file)"},
          {"fee", "AMOUNT", false, "fee in coins or base units (default: size x fee rate)"},
          {"fee-rate", "N", false, "fee per byte in base units (default: the node's minimum)"},
          {"nonce", "N", false, "sender nonce (default: the pending nonce from the node)"},
          {"json", "", false, "print a JSON object"},
      });
  for (const OptionSpec& spec : TxOpOptions(sub)) specs.push_back(spec);
  return specs;
}

Json NetworkJson(const TxEnv& env) {
  Json units = Json::object();
  if (env.units) {
    for (const auto& [unit, scale] : *env.units) units[unit] = scale;
  }
  return {{"name", env.network},
          {"chain_id", env.chain_id.ToHex()},
          {"address_prefix", env.hrp},
          {"units", units},
          {"fee_per_byte", env.fee_rate}};
}

// The network of a tx file; CliError naming the file when a member is missing or malformed.
TxEnv EnvFromFile(const Json& file, const std::string& path) {
  const Json* net = Field(file, "network");
  const Json* name = net ? Field(*net, "name") : nullptr;
  const Json* id = net ? Field(*net, "chain_id") : nullptr;
  const Json* hrp = net ? Field(*net, "address_prefix") : nullptr;
  const Json* rate = net ? Field(*net, "fee_per_byte") : nullptr;
  if (!name || !name->is_string() || !id || !id->is_string() || !hrp || !hrp->is_string() ||
      !rate || !rate->is_number_unsigned()) {
    throw CliError(path + ": \"network\" needs name, chain_id, address_prefix, fee_per_byte");
  }
  TxEnv env;
  env.network = name->get<std::string>();
  env.hrp = hrp->get<std::string>();
  env.fee_rate = rate->get<uint64_t>();
  env.units = UnitsFromJson(Field(*net, "units"));
  auto chain_id = chain::Hash256::FromHex(id->get<std::string>());
  if (!chain_id) throw CliError(path + ": network.chain_id is not 64 hex digits");
  env.chain_id = *chain_id;
  return env;
}

// A tx file: JSON object whose member `kind` is 1.
Json ReadTxFile(const std::string& path, const char* kind) {
  const std::string text = ReadFile(path);
  if (text.size() > kMaxTxFile) throw CliError(path + " is too large for a tx file");
  Json file = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const Json* version = Field(file, kind);
  if (!version || !version->is_number_unsigned() || version->get<uint64_t>() != 1) {
    throw CliError(path + " is not a " + std::string(kind) + " file (version 1)");
  }
  return file;
}

chain::Transaction TxFromFile(const Json& file, const std::string& path) {
  const Json* hex = Field(file, "tx");
  auto raw = hex && hex->is_string() ? chain::HexDecode(hex->get<std::string>()) : std::nullopt;
  if (!raw) throw CliError(path + ": \"tx\" is not hex");
  auto tx = chain::DecodeTransaction(*raw);
  if (!tx.ok()) throw CliError(path + ": the tx does not decode: " + tx.status().reason());
  return std::move(*tx);
}

std::string Hex(const chain::Hash256& h) { return h.ToHex(); }

std::string Amount(const TxEnv& env, chain::Quantity q, const std::string& unit) {
  const uint8_t scale = env.units ? chain::ScaleOf(*env.units, unit) : 0;
  return FormatUnitAmount(q, scale, unit);
}

std::string Entries(const std::vector<chain::MetadataEntry>& md) {
  std::string out;
  for (const auto& e : md) {
    out += (out.empty() ? "" : ", ") + e.key + "=" +
           (e.kind == chain::MetaKind::kPublished ? e.value : "(committed)");
  }
  return out;
}

std::string IdList(const std::vector<chain::Hash256>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id.ToHex();
  return out;
}

// "no arguments", "arguments 5, 0x00ff".
std::string OfflineContractArgs(const std::vector<chain::ContractArg>& args) {
  if (args.empty()) return "no arguments";
  std::string out;
  for (const chain::ContractArg& a : args) out += (out.empty() ? "" : ", ") + ContractArgText(a);
  return "arguments " + out;
}

// The operation in words.
std::string DescribeOp(const Args& args, const chain::Transaction& tx, const TxEnv& env) {
  const auto ids = chain::NewAssetIds(tx);
  const std::string first = ids.empty() ? "" : Hex(ids.front());
  auto who = [&](const chain::AccountId& a) { return DisplayAccountOf(args, a, env.hrp); };
  return std::visit(
      [&](const auto& op) -> std::string {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, chain::TransferOp>) {
          return "send " + FormatCoins(op.amount) + " to " + who(op.to);
        } else if constexpr (std::is_same_v<Op, chain::AssetIssueOp>) {
          std::string s = "issue a new asset " + first + ": " + Amount(env, op.quantity, op.unit);
          if (!op.metadata.empty()) s += " (" + Entries(op.metadata) + ")";
          return s;
        } else if constexpr (std::is_same_v<Op, chain::AssetTransferOp>) {
          return "hand asset " + Hex(op.asset) + " to " + who(op.to);
        } else if constexpr (std::is_same_v<Op, chain::AssetSplitOp>) {
          // The asset's unit is the node's to know: quantities in its smallest steps.
          std::string quantities;
          for (const auto& c : op.children) {
            quantities += (quantities.empty() ? "" : ", ") + std::to_string(c.quantity);
          }
          return "split asset " + Hex(op.asset) + " into " + std::to_string(op.children.size()) +
                 " children of quantities " + quantities +
                 " (counts of its unit's smallest step): " + IdList(ids);
        } else if constexpr (std::is_same_v<Op, chain::AssetMergeOp>) {
          return "merge assets " + IdList(op.inputs) + " into a new asset " + first + ": " +
                 Amount(env, op.quantity, op.unit);
        } else if constexpr (std::is_same_v<Op, chain::AssetAttestOp>) {
          return "attest on asset " + Hex(op.asset) + ": " + op.claim + " = " + op.value;
        } else if constexpr (std::is_same_v<Op, chain::AssetTransformOp>) {
          std::string outputs;
          for (size_t i = 0; i < op.outputs.size() && i < ids.size(); ++i) {
            outputs += (outputs.empty() ? "" : ", ") + Hex(ids[i]) + " (" +
                       Amount(env, op.outputs[i].quantity, op.outputs[i].unit) + ")";
          }
          return "transform assets " + IdList(op.inputs) + " into " + outputs;
        } else if constexpr (std::is_same_v<Op, chain::PartyProfileOp>) {
          return "publish the profile '" + op.name + "' (role " + op.role + ")";
        } else if constexpr (std::is_same_v<Op, chain::PartyEndorseOp>) {
          return std::string(op.action == chain::EndorseAction::kRevoke ? "revoke" : "give") +
                 " the endorsement of " + who(op.account) + " as " + op.role;
        } else if constexpr (std::is_same_v<Op, chain::AssetCorrectOp>) {
          return "correct asset " + Hex(op.asset) + ": " + Entries(op.set) + " (reason: " +
                 op.reason + ")";
        } else if constexpr (std::is_same_v<Op, chain::ContractDeployOp>) {
          const chain::AccountId id = chain::ContractIdFor(tx.chain_id, tx.sender, tx.nonce);
          std::string s = "deploy contract " + chain::bech32::EncodeAddress(env.hrp, id) + " (" +
                          std::to_string(op.code.size()) + " bytes of code";
          if (op.gas_limit > 0) {
            s += "; init with " + OfflineContractArgs(op.args) + ", gas " +
                 std::to_string(op.gas_limit);
          }
          return s + ")";
        } else {
          static_assert(std::is_same_v<Op, chain::ContractCallOp>);
          std::string s = "call " + op.entry + " of contract " + who(op.contract) + " with " +
                          OfflineContractArgs(op.args) + ", gas " + std::to_string(op.gas_limit);
          if (op.coins > 0) s += ", attaching " + FormatCoins(op.coins);
          if (!op.assets.empty()) s += ", attaching assets " + IdList(op.assets);
          return s;
        }
      },
      tx.op);
}

// --network / --genesis given to `tx sign`: the file's chain id must be theirs too.
void CheckExpectedNetwork(const Args& args, const TxEnv& file_env, const chain::Transaction& tx,
                          const std::string& path) {
  if (tx.chain_id != file_env.chain_id) {
    throw CliError(path + ": the tx is for chain id " + Hex(tx.chain_id) + " but the file says " +
                   file_env.network + " (" + Hex(file_env.chain_id) +
                   "); the file was edited: build it again");
  }
  if (!args.Has("network") && !args.Has("genesis")) return;
  const consensus::ChainParams params = LoadParams(args);
  if (params.chain_id() != tx.chain_id) {
    throw CliError(path + " is for network " + file_env.network + " (chain id " +
                   Hex(tx.chain_id) + "), not " + params.network + " (chain id " +
                   Hex(params.chain_id()) + "): refusing to sign it");
  }
}

// The sender of `tx build`: --wallet NAME [--from] (no passphrase) or --from-address ADDR.
struct BuildSender {
  chain::AccountId account;
  std::string wallet;
  std::optional<uint32_t> index;
};

BuildSender BuildSenderOf(const Args& args, const TxEnv& env) {
  if (args.Has("wallet") == args.Has("from-address")) {
    throw CliError("who sends? give --wallet NAME or --from-address ADDR (exactly one)");
  }
  if (!args.Has("wallet")) {
    if (args.Has("from")) throw CliError("--from goes with --wallet");
    return {ParseAccount(args.Require("from-address"), env.hrp, "--from-address"), "", {}};
  }
  const WalletSender w = ResolveSender(args);
  return {w.account, w.wallet, w.index};
}

// The sender of `tx sign` for the file's tx: with --wallet and no --from, the address index
// the file names (when it was built from the same wallet), so that the signer matches.
TxSender SignSenderOf(const Args& args, const Json& file, const chain::Transaction& tx) {
  TxSender s = ResolveTxSender(args);
  if (s.wallet.empty() || args.Has("from")) return s;
  const Json* sender = Field(file, "sender");
  const Json* wallet = sender ? Field(*sender, "wallet") : nullptr;
  const Json* index = sender ? Field(*sender, "index") : nullptr;
  if (wallet && wallet->is_string() && wallet->get<std::string>() == s.wallet && index &&
      index->is_number_unsigned() && index->get<uint64_t>() <= 0x7fffffff) {
    // UnlockSender checks that the key derived at this index is tx.sender's.
    s.index = static_cast<uint32_t>(index->get<uint64_t>());
    s.account = tx.sender;
  }
  return s;
}

void WriteJsonFile(const std::string& path, const Json& content) {
  WriteNewFile(path, content.dump(2) + "\n");
}

}  // namespace

std::vector<std::string> DescribeTx(const Args& args, const chain::Transaction& tx,
                                    const TxEnv& env) {
  return {
      "operation: " + DescribeOp(args, tx, env),
      "sender:    " + DisplayAccountOf(args, tx.sender, env.hrp) + " (nonce " +
          std::to_string(tx.nonce) + ")",
      "fee:       " + FormatCoins(tx.fee),
      "network:   " + env.network + " (chain id " + Hex(tx.chain_id) + ")",
  };
}

std::vector<OptionSpec> TxOfflineOptions(std::string_view sub) {
  if (sub == "sign") {
    std::vector<OptionSpec> specs = AddOptions(
        NetworkOptions(),
        {
            {"datadir", "DIR", false, "the data folder (its wallets; no node is asked)"},
            {"out", "FILE", false, "the signed tx file to write (required; a new file)"},
            {"yes", "", false, "sign without asking (scripts)"},
            {"json", "", false, "print a JSON object"},
        });
    for (const OptionSpec& spec : SenderOptions()) specs.push_back(spec);
    return specs;
  }
  std::vector<OptionSpec> specs = ConnectionOptions();
  for (const OptionSpec& spec : WaitOptions()) specs.push_back(spec);
  specs.push_back({"json", "", false, "print a JSON object"});
  return specs;
}

int RunTxBuild(std::span<const std::string> words) {
  int rc = 0;
  auto sub = ParseSubcommand(words, "tx build", kBuildHelp, kTxOpCommands, BuildOptions,
                             BuildOptions(""), &rc);
  if (!sub) return rc;
  const Args& args = sub->args;
  if (!args.positional().empty()) {
    throw CliError("unexpected argument '" + args.positional()[0] + "' (options start with --)");
  }
  const std::string out = args.Require("out");
  std::optional<RpcClient> client(MakeRpcClient(args));
  const TxEnv env = EnvFromNode(*client, args);
  const BuildSender from = BuildSenderOf(args, env);
  const chain::AccountId& sender = from.account;
  std::vector<wallet::Disclosure> disclosures;
  chain::Operation op = OpFromArgs(sub->name, args, env, &disclosures);
  const chain::Transaction tx = BuildUnsigned(std::move(op), args, env, sender, client);
  wallet::SignedTx unsigned_tx{tx, tx.Serialize(), tx.Id(), chain::NewAssetIds(tx),
                               std::nullopt};
  WriteDisclosures(args, unsigned_tx, &disclosures);
  Json assets = Json::array();
  for (const auto& a : unsigned_tx.new_assets) assets.push_back(a.ToHex());
  Json file = {{"waybill_unsigned_tx", 1},
               {"network", NetworkJson(env)},
               {"sender",
                {{"address", chain::bech32::EncodeAddress(env.hrp, sender)},
                 {"wallet", from.wallet.empty() ? Json(nullptr) : Json(from.wallet)},
                 {"index", from.index ? Json(*from.index) : Json(nullptr)}}},
               {"tx", chain::HexEncode(unsigned_tx.raw)},
               {"new_assets", assets}};
  WriteJsonFile(out, file);
  if (args.Has("json")) {
    std::cout << Json{{"file", out}, {"nonce", tx.nonce}, {"fee", tx.fee}, {"assets", assets}}
                     .dump(2)
              << "\n";
    return 0;
  }
  for (const std::string& line : DescribeTx(args, tx, env)) std::cout << line << "\n";
  std::cout << "unsigned tx written to " << out << " (sign it with: waybill tx sign " << out
            << " --out FILE)\n";
  return 0;
}

int RunTxSign(const Args& args) {
  if (args.positional().size() != 1) throw CliError("tx sign takes one FILE (the unsigned tx)");
  const std::string& path = args.positional()[0];
  const std::string out = args.Require("out");
  const Json file = ReadTxFile(path, "waybill_unsigned_tx");
  const TxEnv env = EnvFromFile(file, path);
  chain::Transaction tx = TxFromFile(file, path);
  CheckExpectedNetwork(args, env, tx, path);
  if (consensus::ValidationResult r = consensus::CheckTransaction(tx); !r.valid()) {
    throw CliError(path + ": the transaction would be invalid: " + r.ToString());
  }
  TxSender sender = SignSenderOf(args, file, tx);
  if (sender.watch_only) {
    throw CliError("wallet '" + sender.wallet +
                   "' is watch-only: it can build a tx but not sign; sign on the machine that "
                   "holds its keys (nothing was signed)");
  }
  if (sender.account != tx.sender) {
    throw CliError(path + " is sent by " + DisplayAccountOf(args, tx.sender, env.hrp) +
                   ", not by the signer's " + DisplayAccountOf(args, sender.account, env.hrp) +
                   (sender.wallet.empty() ? "" : " (give --from INDEX|ADDRESS)"));
  }
  std::cerr << "Signing:\n";
  for (const std::string& line : DescribeTx(args, tx, env)) std::cerr << "  " << line << "\n";
  if (!args.Has("yes") && !Confirm("Sign this transaction?")) {
    throw CliError(::isatty(STDERR_FILENO) ? "not signed"
                                           : "not signed: no terminal to confirm on (give --yes)");
  }
  const std::unique_ptr<wallet::Signer> signer = SignerOf(args, sender);
  const wallet::SignedTx signed_tx =
      OrThrow(wallet::SignTx(*signer, std::move(tx)), "cannot sign");
  WriteJsonFile(out, {{"waybill_signed_tx", 1},
                      {"network", file.at("network")},
                      {"txid", signed_tx.txid.ToHex()},
                      {"tx", chain::HexEncode(signed_tx.raw)}});
  if (args.Has("json")) {
    std::cout << Json{{"file", out}, {"txid", signed_tx.txid.ToHex()}}.dump(2) << "\n";
  } else {
    std::cout << "signed tx " << signed_tx.txid.ToHex() << " written to " << out << "\n";
  }
  return 0;
}

int RunTxSend(const Args& args) {
  if (args.positional().size() != 1) throw CliError("tx send takes one FILE (the signed tx)");
  const std::string& path = args.positional()[0];
  const Json file = ReadTxFile(path, "waybill_signed_tx");
  const TxEnv file_env = EnvFromFile(file, path);
  const chain::Transaction tx = TxFromFile(file, path);
  const std::optional<uint64_t> wait = WaitConfirmations(args);
  RpcClient client = MakeRpcClient(args);
  const TxEnv node_env = EnvFromNode(client, args);
  if (tx.chain_id != node_env.chain_id || file_env.chain_id != tx.chain_id) {
    throw CliError(path + " is for network " + file_env.network + " (chain id " +
                   Hex(tx.chain_id) + "), but the node runs " + node_env.network +
                   " (chain id " + Hex(node_env.chain_id) + ")");
  }
  const chain::Bytes raw = tx.Serialize();
  Send(client, args, raw, tx.Id());
  std::optional<Confirmation> confirmation;
  if (wait) confirmation = WaitForTx(client, args, tx.Id(), *wait);
  if (args.Has("json")) {
    Json out = {{"txid", tx.Id().ToHex()}, {"sent", true}};
    AddConfirmation(confirmation, &out);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << tx.Id().ToHex() << "\n";
  if (confirmation) std::cout << ConfirmationLine(*confirmation) << "\n";
  return 0;
}

}  // namespace waybill::cli
