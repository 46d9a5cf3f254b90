#include "node/cli/tx_build.h"

#include <iostream>
#include <variant>

#include "chain/bech32.h"
#include "consensus/tx_check.h"
#include "node/cli/amount.h"
#include "node/cli/commands.h"
#include "node/cli/tx_split.h"
#include "node/cli/wallet_access.h"

namespace waybill::cli {

const Json* Field(const Json& obj, const char* name) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(name);
  return it != obj.end() && !it->is_null() ? &*it : nullptr;
}

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
  if (const Json* chain = Field(info, "chain"); chain && chain->is_string()) {
    env.network = chain->get<std::string>();
  }
  if (const Json* price = Field(info, "gas_price"); price && price->is_number_unsigned()) {
    env.gas_price = price->get<uint64_t>();
  }
  if (const Json* most = Field(info, "max_tx_gas"); most && most->is_number_unsigned()) {
    env.max_tx_gas = most->get<uint64_t>();
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
  env.gas_price = params.gas_price;
  env.max_tx_gas = params.max_tx_gas;
  env.units = params.units;
  env.network = params.network;
  return env;
}

uint64_t PendingNonce(RpcClient& client, const Args& args, const std::string& address) {
  Json account = CallRpc(client, args, "getaccount", Json::array({address}));
  const Json* nonce = Field(account, "pending_nonce");
  if (!nonce || !nonce->is_number_unsigned()) {
    throw CliError("getaccount did not return the pending nonce; give --nonce");
  }
  return nonce->get<uint64_t>();
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

chain::Transaction BuildUnsigned(chain::Operation op, const Args& args, const TxEnv& env,
                                 const chain::AccountId& sender, std::optional<RpcClient>& client) {
  wallet::TxParams params;
  params.chain_id = env.chain_id;
  params.fee_per_byte = env.fee_rate;
  params.gas_price = env.gas_price;
  params.fee = ParseFee(args);
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

void Send(RpcClient& client, const Args& args, const chain::Bytes& raw,
          const chain::Hash256& txid) {
  Json sent = CallRpc(client, args, "sendrawtransaction", Json::array({chain::HexEncode(raw)}));
  if (sent.is_string() && sent.get<std::string>() != txid.ToHex()) {
    std::cerr << "warning: the node reported txid " << sent.get<std::string>() << ", expected "
              << txid.ToHex() << "\n";
  }
}

std::vector<OptionSpec> TxCommonOptions() {
  std::vector<OptionSpec> specs = {
      {"fee", "AMOUNT", false,
       "fee in coins (0.001) or base units (1000base) (default: size x minimum fee rate)"},
      {"fee-rate", "N", false, "fee per byte in base units (default: the node's minimum)"},
      {"nonce", "N", false, "sender nonce (default: the pending nonce from the node)"},
      {"chain-id", "HEX", false, "chain id to sign for (default: the node's)"},
      {"dry-run", "", false, "print the signed tx instead of sending it"},
      {"json", "", false, "print a JSON object"},
  };
  for (const OptionSpec& spec : WaitOptions()) specs.push_back(spec);
  return specs;
}

std::optional<chain::Amount> ParseFee(const Args& args) {
  auto fee = args.Get("fee");
  if (!fee) return std::nullopt;
  auto amount = ParseCoinAmount(*fee, "--fee");
  if (!amount.ok()) throw CliError(amount.status().reason());
  return *amount;
}

chain::AccountId Recipient(const Args& args, std::string_view text, const TxEnv& env,
                           std::string_view what) {
  return ResolveAccount(args, text, env.hrp, what);
}

std::string DisplayAccountOf(const Args& args, const chain::AccountId& id,
                             const std::string& hrp) {
  return DisplayAccount(args, id, hrp);
}

std::vector<OptionSpec> SenderOptions() {
  std::vector<OptionSpec> specs = {{"key", "FILE", false, "key file of the sender (or --wallet)"}};
  for (const OptionSpec& spec : WalletOptions()) specs.push_back(spec);
  return specs;
}

TxSender ResolveTxSender(const Args& args) {
  const bool key = args.Has("key");
  const bool wallet = args.Has("wallet");
  if (key == wallet) {
    throw CliError(key ? "give --key FILE or --wallet NAME, not both"
                       : "who sends? give --wallet NAME (waybill wallet list) or --key FILE");
  }
  TxSender s;
  if (key) {
    for (const char* option : {"from", "passphrase-file"}) {
      if (args.Has(option)) throw CliError("--" + std::string(option) + " goes with --wallet");
    }
    s.key_signer = std::make_unique<wallet::KeySigner>(LoadKeyFile(args.Require("key")));
    s.account = s.key_signer->Account();
    return s;
  }
  const WalletSender w = ResolveSender(args);
  s.account = w.account;
  s.wallet = w.wallet;
  s.index = w.index;
  s.watch_only = w.watch_only;
  return s;
}

std::unique_ptr<wallet::Signer> SignerOf(const Args& args, TxSender& s) {
  if (s.key_signer) return std::move(s.key_signer);
  WalletSender w;
  w.wallet = s.wallet;
  w.index = s.index.value_or(0);
  w.account = s.account;
  w.watch_only = s.watch_only;
  return UnlockSender(args, w);
}

Submitted SignAndSubmit(const Args& args, TxSender& sender, chain::Transaction tx,
                        std::optional<RpcClient>& client,
                        std::vector<wallet::Disclosure>* disclosures) {
  const std::optional<uint64_t> wait = WaitConfirmations(args);
  if (wait && args.Has("dry-run")) throw CliError("--wait needs a tx that is sent (not --dry-run)");
  const std::unique_ptr<wallet::Signer> signer = SignerOf(args, sender);
  Submitted out;
  out.signed_tx = OrThrow(wallet::SignTx(*signer, std::move(tx)), "internal error");
  WriteDisclosures(args, out.signed_tx, disclosures);
  if (args.Has("dry-run")) return out;
  Send(*client, args, out.signed_tx.raw, out.signed_tx.txid);
  out.sent = true;
  if (wait) out.confirmation = WaitForTx(*client, args, out.signed_tx.txid, *wait);
  return out;
}

Json SubmittedJson(const Submitted& submitted, const std::string& hrp) {
  const wallet::SignedTx& signed_tx = submitted.signed_tx;
  const chain::Transaction& tx = signed_tx.tx;
  Json out = {{"txid", signed_tx.txid.ToHex()},
              {"sender", chain::bech32::EncodeAddress(hrp, tx.sender)},
              {"nonce", tx.nonce},
              {"fee", tx.fee},
              {"size", signed_tx.raw.size()},
              {"sent", submitted.sent}};
  if (!submitted.sent) out["hex"] = chain::HexEncode(signed_tx.raw);
  Json ids = Json::array();
  for (const auto& a : signed_tx.new_assets) ids.push_back(a.ToHex());
  out["assets"] = ids;
  AddConfirmation(submitted.confirmation, &out);
  return out;
}

void CheckFunds(RpcClient& client, const Args& args, const TxEnv& env,
                const chain::Transaction& tx) {
  const std::string address = chain::bech32::EncodeAddress(env.hrp, tx.sender);
  Json account = CallRpc(client, args, "getaccount", Json::array({address}));
  const Json* balance = Field(account, "balance");
  if (!balance || !balance->is_number_unsigned()) return;  // the node checks it anyway
  unsigned __int128 needed = tx.fee;
  std::string what = " (the fee)";
  if (const auto* transfer = std::get_if<chain::TransferOp>(&tx.op)) {
    needed += transfer->amount;
    what = " (amount and fee)";
  } else if (const auto* call = std::get_if<chain::ContractCallOp>(&tx.op);
             call && call->coins > 0) {
    needed += call->coins;
    what = " (coins attached and fee)";
  }
  if (balance->get<uint64_t>() >= needed) return;
  throw CliError("not enough coins: " + DisplayAccountOf(args, tx.sender, env.hrp) + " has " +
                 FormatCoins(balance->get<uint64_t>()) + ", this tx needs " +
                 FormatCoins(static_cast<chain::Amount>(needed)) + what +
                 "; send it coins first (waybill tx transfer --to " + address + " --amount ...)");
}

}  // namespace waybill::cli
