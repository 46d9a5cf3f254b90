// `waybill tx ...`: build, sign and submit transactions.
#include <algorithm>
#include <array>
#include <iostream>

#include "chain/bech32.h"
#include "chain/hash.h"
#include "consensus/tx_check.h"
#include "node/cli/commands.h"

namespace waybill::cli {
namespace {

constexpr const char* kTxHelp =
    "Usage: waybill tx COMMAND --key FILE [options]\n"
    "Builds a transaction signed by the key file's key, submits it with sendrawtransaction\n"
    "and prints its txid (then, for issue, split and merge, the new asset ids, one a line).\n"
    "Commands:\n"
    "  transfer        --to ADDR --amount N              send N base units of the coin\n"
    "  issue           --quantity Q --unit U [--meta k=v ...] [--doc HEX ...]\n"
    "                                                    register a new asset (you hold it)\n"
    "  asset-transfer  --asset ID --to ADDR              hand an asset you hold to ADDR\n"
    "  split           --asset ID --quantities Q1,Q2,... split an asset into children\n"
    "  merge           --inputs ID,ID,... --quantity Q --unit U [--meta k=v ...] [--doc HEX]\n"
    "                                                    merge assets into a new one\n"
    "  attest          --asset ID --claim C --value V [--doc HEX]\n"
    "                                                    attach a claim to an asset\n"
    "By default the nonce is the sender's pending nonce (getaccount), the fee is the size\n"
    "times the node's minimum fee per byte (getmempoolinfo) and the chain id is the node's\n"
    "(getblockchaininfo). With --dry-run nothing is sent: the signed hex, the txid and any\n"
    "asset ids are printed; with --dry-run and --nonce no node is needed (the chain id and\n"
    "the fee rate then come from --genesis or --network; --chain-id overrides).\n"
    "Options:\n";

constexpr std::array<std::string_view, 6> kSubcommands = {"transfer", "issue", "asset-transfer",
                                                          "split",    "merge", "attest"};

std::vector<OptionSpec> TxOptions(std::string_view sub) {
  std::vector<OptionSpec> specs = ConnectionOptions();
  std::vector<OptionSpec> common = {
      {"key", "FILE", false, "key file of the sender (required)"},
      {"fee", "N", false, "fee in base units (default: size x minimum fee rate)"},
      {"fee-rate", "N", false, "fee per byte (default: the node's minimum)"},
      {"nonce", "N", false, "sender nonce (default: the pending nonce from the node)"},
      {"chain-id", "HEX", false, "chain id to sign for (default: the node's)"},
      {"dry-run", "", false, "print the signed tx instead of sending it"},
      {"json", "", false, "print a JSON object (txid, hex, fee, nonce, size, assets)"},
  };
  specs.insert(specs.end(), common.begin(), common.end());
  bool all = sub.empty();
  if (all || sub == "transfer" || sub == "asset-transfer") {
    specs.push_back({"to", "ADDR", false, "recipient address (or 64-hex account id)"});
  }
  if (all || sub == "transfer") specs.push_back({"amount", "N", false, "base units to send"});
  if (all || sub == "asset-transfer" || sub == "split" || sub == "attest") {
    specs.push_back({"asset", "ID", false, "asset id (64 hex)"});
  }
  if (all || sub == "issue" || sub == "merge") {
    specs.push_back({"quantity", "Q", false, "quantity of the new asset"});
    specs.push_back({"unit", "U", false, "unit of the new asset (e.g. kg, pcs)"});
    specs.push_back({"meta", "KEY=VALUE", true, "metadata entry ([a-z0-9._-] keys)"});
  }
  if (all || sub == "issue" || sub == "merge" || sub == "attest") {
    specs.push_back({"doc", "HEX", true, "document hash (64 hex); attest takes one"});
    specs.push_back({"doc-file", "FILE", true, "document whose SHA-256 to record"});
  }
  if (all || sub == "split") {
    specs.push_back({"quantities", "Q1,Q2,...", false, "quantities of the children"});
  }
  if (all || sub == "merge") specs.push_back({"inputs", "ID,ID,...", false, "assets to merge"});
  if (all || sub == "attest") {
    specs.push_back({"claim", "C", false, "claim type ([a-z0-9._-], e.g. temperature.max)"});
    specs.push_back({"value", "V", false, "claim value"});
  }
  return specs;
}

// What signing needs from the network.
struct TxEnv {
  std::string hrp;
  chain::Hash256 chain_id;
  chain::Amount fee_rate = 1;
};

// The member `name` of an RPC result, or null when absent (or the result is no object).
const Json* Field(const Json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it != obj.end() && !it->is_null() ? &*it : nullptr;
}

TxEnv EnvFromNode(const RpcClient& client, const Args& args) {
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
  return env;
}

std::vector<chain::MetadataEntry> ParseMetadata(const Args& args) {
  std::vector<chain::MetadataEntry> md;
  for (const std::string& kv : args.GetAll("meta")) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) throw CliError("--meta must be KEY=VALUE, got '" + kv + "'");
    chain::MetadataEntry e{kv.substr(0, eq), kv.substr(eq + 1)};
    if (!consensus::IsValidMetadataKey(e.key)) {
      throw CliError("--meta key '" + e.key + "' must be 1..32 characters of [a-z0-9._-]");
    }
    if (!consensus::IsValidMetadataValue(e.value)) {
      throw CliError("--meta value for '" + e.key +
                     "' must be at most 256 bytes of UTF-8 without control characters");
    }
    md.push_back(std::move(e));
  }
  if (md.size() > chain::kMaxMetadataEntries) {
    throw CliError("at most " + std::to_string(chain::kMaxMetadataEntries) + " --meta entries");
  }
  // The wire format wants keys strictly ascending; accept them in any order.
  std::sort(md.begin(), md.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  for (size_t i = 1; i < md.size(); ++i) {
    if (md[i].key == md[i - 1].key) throw CliError("--meta key '" + md[i].key + "' given twice");
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

uint64_t RequirePositive(const Args& args, std::string_view name) {
  uint64_t v = ParseU64(args.Require(name), "--" + std::string(name));
  if (v == 0) throw CliError("--" + std::string(name) + " must be positive");
  return v;
}

chain::Operation BuildOp(std::string_view sub, const Args& args, const std::string& hrp) {
  if (sub == "transfer") {
    chain::TransferOp op;
    op.to = ParseAccount(args.Require("to"), hrp, "--to");
    op.amount = RequirePositive(args, "amount");
    if (op.amount > chain::kMaxAmount) throw CliError("--amount too large");
    return op;
  }
  if (sub == "issue") {
    chain::AssetIssueOp op;
    op.quantity = RequirePositive(args, "quantity");
    op.unit = RequireUnit(args);
    op.metadata = ParseMetadata(args);
    op.documents = ParseDocuments(args);
    return op;
  }
  if (sub == "asset-transfer") {
    chain::AssetTransferOp op;
    op.asset = ParseHash(args.Require("asset"), "--asset");
    op.to = ParseAccount(args.Require("to"), hrp, "--to");
    return op;
  }
  if (sub == "split") {
    chain::AssetSplitOp op;
    op.asset = ParseHash(args.Require("asset"), "--asset");
    for (const std::string& q : SplitList(args.Require("quantities"), ',')) {
      op.quantities.push_back(ParseU64(q, "--quantities"));
      if (op.quantities.back() == 0) throw CliError("--quantities must all be positive");
    }
    if (op.quantities.size() < chain::kMinSplitParts ||
        op.quantities.size() > chain::kMaxSplitParts) {
      throw CliError("--quantities needs 2..16 parts (they must sum to the asset's quantity)");
    }
    return op;
  }
  if (sub == "merge") {
    chain::AssetMergeOp op;
    for (const std::string& id : args.GetList("inputs")) {
      op.inputs.push_back(ParseHash(id, "--inputs"));
    }
    if (op.inputs.size() < chain::kMinMergeInputs || op.inputs.size() > chain::kMaxMergeInputs) {
      throw CliError("--inputs needs 2..16 distinct asset ids");
    }
    op.quantity = RequirePositive(args, "quantity");
    op.unit = RequireUnit(args);
    op.metadata = ParseMetadata(args);
    op.documents = ParseDocuments(args);
    return op;
  }
  // attest
  chain::AssetAttestOp op;
  op.asset = ParseHash(args.Require("asset"), "--asset");
  op.claim = args.Require("claim");
  op.value = args.Require("value");
  std::vector<chain::Hash256> docs = ParseDocuments(args);
  if (docs.size() > 1) throw CliError("attest takes at most one --doc or --doc-file");
  if (!docs.empty()) op.document = docs[0];
  return op;
}

std::vector<chain::Hash256> NewAssetIds(const chain::Transaction& tx) {
  std::vector<chain::Hash256> ids;
  if (std::holds_alternative<chain::AssetIssueOp>(tx.op) ||
      std::holds_alternative<chain::AssetMergeOp>(tx.op)) {
    ids.push_back(chain::AssetIdFor(tx.sender, tx.nonce, 0));
  } else if (const auto* split = std::get_if<chain::AssetSplitOp>(&tx.op)) {
    for (uint32_t i = 0; i < split->quantities.size(); ++i) {
      ids.push_back(chain::AssetIdFor(tx.sender, tx.nonce, i));
    }
  }
  return ids;
}

uint64_t PendingNonce(const RpcClient& client, const Args& args, const std::string& address) {
  Json account = CallRpc(client, args, "getaccount", Json::array({address}));
  const Json* nonce = Field(account, "pending_nonce");
  if (!nonce || !nonce->is_number_unsigned()) {
    throw CliError("getaccount did not return the pending nonce; give --nonce");
  }
  return nonce->get<uint64_t>();
}

}  // namespace

int RunTx(std::span<const std::string> words) {
  if (words.empty() || words[0] == "help" || words[0] == "--help" || words[0] == "-h") {
    // Asked for: stdout and success. Missing the subcommand: stderr and failure.
    (words.empty() ? std::cerr : std::cout) << kTxHelp << OptionsHelp(TxOptions(""));
    return words.empty() ? 1 : 0;
  }
  const std::string sub = words[0];
  if (std::find(kSubcommands.begin(), kSubcommands.end(), sub) == kSubcommands.end()) {
    throw CliError("unknown tx command '" + sub +
                   "' (transfer, issue, asset-transfer, split, merge, attest)");
  }
  std::vector<OptionSpec> specs = TxOptions(sub);
  Args args = Args::Parse(words.subspan(1), specs);
  if (args.Has("help")) {
    std::cout << kTxHelp << OptionsHelp(specs);
    return 0;
  }
  if (!args.positional().empty()) {
    throw CliError("unexpected argument '" + args.positional()[0] + "' (options start with --)");
  }
  chain::SecretKey key = LoadKeyFile(args.Require("key"));
  const bool dry_run = args.Has("dry-run");
  // Offline, the genesis gives the chain id and the minimum fee rate (the node's mempool
  // minimum is the same rate).
  const bool needs_node = !dry_run || !args.Has("nonce");

  std::optional<RpcClient> client;
  TxEnv env;
  if (needs_node) {
    client.emplace(MakeRpcClient(args));
    env = EnvFromNode(*client, args);
  } else {
    env = EnvOffline(args);
  }
  if (auto id = args.Get("chain-id")) env.chain_id = ParseHash(*id, "--chain-id");
  if (auto rate = args.Get("fee-rate")) env.fee_rate = ParseU64(*rate, "--fee-rate");

  chain::Transaction tx;
  tx.chain_id = env.chain_id;
  tx.sender = key.PublicKey();
  tx.op = BuildOp(sub, args, env.hrp);
  const std::string sender_address = chain::bech32::EncodeAddress(env.hrp, tx.sender);
  if (auto n = args.Get("nonce")) {
    tx.nonce = ParseU64(*n, "--nonce");
  } else {
    tx.nonce = PendingNonce(*client, args, sender_address);
  }
  if (consensus::ValidationResult r = consensus::CheckTransaction(tx); !r.valid()) {
    throw CliError("the transaction would be invalid: " + r.ToString());
  }
  const size_t size = tx.Serialize().size();  // the fee field has a fixed width
  if (auto fee = args.Get("fee")) {
    tx.fee = ParseU64(*fee, "--fee");
  } else {
    auto fee_value = chain::CheckedMul(env.fee_rate, size);
    if (!fee_value) throw CliError("fee overflow: --fee-rate too large");
    tx.fee = *fee_value;
  }
  if (tx.fee > chain::kMaxAmount) throw CliError("--fee too large");
  tx.Sign(key);
  if (!tx.VerifySignature()) throw CliError("internal error: the signature does not verify");
  const chain::Bytes raw = tx.Serialize();
  const std::string hex = chain::HexEncode(raw);
  const chain::Hash256 txid = tx.Id();
  const std::vector<chain::Hash256> assets = NewAssetIds(tx);

  if (!dry_run) {
    Json sent = CallRpc(*client, args, "sendrawtransaction", Json::array({hex}));
    if (sent.is_string() && sent.get<std::string>() != txid.ToHex()) {
      std::cerr << "warning: the node reported txid " << sent.get<std::string>() << ", expected "
                << txid.ToHex() << "\n";
    }
  }
  if (args.Has("json")) {
    Json out = {{"txid", txid.ToHex()}, {"sender", sender_address}, {"nonce", tx.nonce},
                {"fee", tx.fee},        {"size", raw.size()},       {"sent", !dry_run}};
    if (dry_run) out["hex"] = hex;
    Json ids = Json::array();
    for (const auto& a : assets) ids.push_back(a.ToHex());
    out["assets"] = ids;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  if (dry_run) std::cout << hex << "\n";
  std::cout << txid.ToHex() << "\n";
  for (const auto& a : assets) std::cout << a.ToHex() << "\n";
  return 0;
}

}  // namespace waybill::cli
