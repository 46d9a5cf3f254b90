// What the commands that make a tx share (`tx SUB`, the `asset` verbs, `tx build`): the
// network a tx is made for (TxEnv), the operation from the options, the sender (--key FILE),
// the unsigned tx checked with the consensus content rules, and signing, sending and waiting.
// Every user error is a CliError.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/quantity.h"
#include "chain/tx.h"
#include "node/cli/args.h"
#include "node/cli/rpc_client.h"
#include "node/cli/wait.h"
#include "wallet/disclosure.h"
#include "wallet/signer.h"
#include "wallet/tx_builder.h"

namespace waybill::cli {

// What signing needs from the network.
struct TxEnv {
  std::string network;  // the network's name (getblockchaininfo `chain`, the genesis file)
  std::string hrp;
  chain::Hash256 chain_id;
  chain::Amount fee_rate = 1;
  // Base units per gas of a contract tx (getblockchaininfo `gas_price`, the genesis file), and
  // the most gas one tx may reserve (`max_tx_gas`); 0 when the node did not report them.
  uint64_t gas_price = 0;
  uint64_t max_tx_gas = 0;
  // The network's units table (getblockchaininfo `units`, or the genesis file); nullopt when
  // the node did not report one, and then decimal quantities are refused.
  std::optional<chain::UnitScales> units;
};

// The unwrapped value of a wallet result, or CliError with `what` before the reason.
template <typename T>
T OrThrow(chain::Result<T> result, std::string_view what) {
  if (!result.ok()) throw CliError(std::string(what) + ": " + result.status().reason());
  return std::move(*result);
}

// The member `name` of an RPC result, or null when absent (or the result is no object).
const Json* Field(const Json& obj, const char* name);
std::optional<chain::UnitScales> UnitsFromJson(const Json* units);

TxEnv EnvFromNode(RpcClient& client, const Args& args);
TxEnv EnvOffline(const Args& args);
// From the node, or offline (--dry-run with --nonce) from the genesis; --chain-id and
// --fee-rate override. *client is set when a node is needed.
TxEnv ResolveEnv(const Args& args, std::optional<RpcClient>* client);

// The options of the tx commands: --fee, --fee-rate, --nonce, --chain-id, --dry-run, --json,
// --wait, --wait-timeout (not the sender's: SenderOptions).
std::vector<OptionSpec> TxCommonOptions();

// --fee: a coin amount (node/cli/amount.h), nullopt when absent.
std::optional<chain::Amount> ParseFee(const Args& args);

// Options to parts of an operation. ParseMetadata: the published entries of option `name`
// (--meta, --set) and the committed ones of --commit (their disclosures to *disclosures).
std::vector<chain::MetadataEntry> ParseMetadata(const Args& args, std::string_view name,
                                                std::vector<wallet::Disclosure>* disclosures);
std::vector<chain::Hash256> ParseDocuments(const Args& args);
std::string RequireUnit(const Args& args);
// An account given by the user as an address, a 64-hex id or a contact name (`what` names
// the option; ResolveAccount of wallet_access.h).
chain::AccountId Recipient(const Args& args, std::string_view text, const TxEnv& env,
                           std::string_view what);

// The operation options of `tx sub` (all of them for sub ""), and whether sub is one of the
// operation commands (transfer ... endorse, not build/sign/send). Defined in tx.cpp.
std::vector<OptionSpec> TxOpOptions(std::string_view sub);
// The `waybill tx` commands that build an operation (also `tx build`'s commands).
inline constexpr std::array<std::string_view, 10> kTxOpCommands = {
    "transfer", "issue",     "asset-transfer", "split",   "merge",
    "attest",   "transform", "correct",        "profile", "endorse"};
bool IsTxOpCommand(std::string_view sub);

// An account as outputs show it: its address, with the contact or wallet name beside it when
// one is known ("wbr1...  (exporter)").
std::string DisplayAccountOf(const Args& args, const chain::AccountId& id, const std::string& hrp);

// The operation of `tx sub` (one of the tx subcommands) from its options.
chain::Operation OpFromArgs(std::string_view sub, const Args& args, const TxEnv& env,
                            std::vector<wallet::Disclosure>* disclosures);

// Who sends: exactly one of --key FILE and --wallet NAME [--from INDEX|ADDRESS]
// (node/cli/wallet_access.h). The account is known before any secret is needed: a wallet's
// passphrase is asked only by SignerOf, and a watch-only wallet can build (tx build).
struct TxSender {
  chain::AccountId account;
  std::string wallet;             // empty for a key file
  std::optional<uint32_t> index;  // the wallet's address index
  bool watch_only = false;
  std::unique_ptr<wallet::Signer> key_signer;  // a key file's key (already loaded)
};
std::vector<OptionSpec> SenderOptions();
TxSender ResolveTxSender(const Args& args);
// The signer of s (a wallet asks its passphrase here); CliError when it cannot sign (a
// watch-only wallet, a wrong passphrase).
std::unique_ptr<wallet::Signer> SignerOf(const Args& args, TxSender& s);

uint64_t PendingNonce(RpcClient& client, const Args& args, const std::string& address);

// The unsigned tx of op from sender (--fee, --nonce or the node's pending nonce), checked
// against the consensus content rules (which wallet/ may not depend on: node/cli/README.md).
chain::Transaction BuildUnsigned(chain::Operation op, const Args& args, const TxEnv& env,
                                 const chain::AccountId& sender, std::optional<RpcClient>& client);

// Writes the disclosures of the tx's --commit entries before the tx is sent. CliError for an
// existing file, or for --disclosures without --commit.
void WriteDisclosures(const Args& args, const wallet::SignedTx& signed_tx,
                      std::vector<wallet::Disclosure>* disclosures);

// sendrawtransaction of the signed tx's bytes.
void Send(RpcClient& client, const Args& args, const chain::Bytes& raw, const chain::Hash256& txid);

// A tx signed, its disclosures written, sent unless --dry-run, and waited for with --wait.
struct Submitted {
  wallet::SignedTx signed_tx;
  bool sent = false;
  std::optional<Confirmation> confirmation;
};
Submitted SignAndSubmit(const Args& args, TxSender& sender, chain::Transaction tx,
                        std::optional<RpcClient>& client,
                        std::vector<wallet::Disclosure>* disclosures);

// The JSON result of a tx command: {"txid", "sender", "nonce", "fee", "size", "sent",
// "assets"} plus "hex" when not sent and "block", "height", "confirmations" after --wait.
Json SubmittedJson(const Submitted& submitted, const std::string& hrp);

// Before signing, with a node: the sender's balance covers the fee (and a transfer's amount, a
// contract call's attached coins),
// else CliError "not enough coins: ADDR has X WBL, this tx needs Y WBL ...".
void CheckFunds(RpcClient& client, const Args& args, const TxEnv& env,
                const chain::Transaction& tx);

}  // namespace waybill::cli
