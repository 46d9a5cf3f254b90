// Transactions from plain inputs: the operation's fields, and what the network says (chain
// id, the sender's next nonce, the fee rate), which the caller gets from a node or a genesis
// file. No RPC, no state: whether the sender holds an asset or can pay is the node's question.
//
// Checked here: what the encoding requires (BuildTx refuses a tx that would not decode, and
// metadata is put in key order). Not checked here: the content rules of consensus/tx_check.h
// (key alphabet, UTF-8, positive quantities, distinct inputs ...); wallet/ may not depend on
// consensus/, so a program that links both runs consensus::CheckTransaction on the unsigned tx
// before SignTx (the `waybill` CLI does).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/amount.h"
#include "chain/status.h"
#include "chain/tx.h"
#include "chain/types.h"
#include "wallet/signer.h"

namespace waybill::wallet {

// The fields of an asset that an issue or a merge creates.
struct NewAsset {
  chain::Quantity quantity = 0;
  std::string unit;
  std::vector<chain::MetadataEntry> metadata;  // any order (chain::SortMetadata sorts it)
  std::vector<chain::Hash256> documents;
};

// One builder per operation. Only MakeIssue, MakeMerge, MakeTransform, MakeCorrect, MakeProfile
// and the MakeSplit of children with metadata can fail (metadata: see chain::SortMetadata).
chain::Operation MakeTransfer(const chain::AccountId& to, chain::Amount amount);
chain::Result<chain::Operation> MakeIssue(NewAsset asset);
chain::Operation MakeAssetTransfer(const chain::Hash256& asset, const chain::AccountId& to);
// Children of these quantities, without metadata of their own (they inherit the parent's).
chain::Operation MakeSplit(const chain::Hash256& asset, std::vector<chain::Quantity> quantities);
// Children with their own metadata, given in any order (sorted here, child by child; a child
// with more than chain::kMaxSplitChildMetadata entries is refused by BuildTx, as any tx that
// would not decode).
chain::Result<chain::Operation> MakeSplit(const chain::Hash256& asset,
                                          std::vector<chain::SplitChild> children);
// n children of `each` labeled key=000001, key=000002, ... (six digits, as many as n needs),
// e.g. the retailer's 250 g bags. Invalid when n is outside 2..chain::kMaxSplitParts, each is
// zero, n x each overflows, or key is not 1..kMaxMetadataKeyLen bytes.
chain::Result<chain::Operation> MakeLabeledSplit(const chain::Hash256& asset, uint64_t n,
                                                 chain::Quantity each, const std::string& key);
chain::Result<chain::Operation> MakeMerge(std::vector<chain::Hash256> inputs, NewAsset output);
// A transformation of inputs into outputs (one new asset each, in order: NewAssetIds gives
// output i the id of index i). Invalid when an output's metadata is (chain::SortMetadata; the
// reason names the output).
chain::Result<chain::Operation> MakeTransform(std::vector<chain::Hash256> inputs,
                                             std::vector<NewAsset> outputs);
chain::Operation MakeAttest(const chain::Hash256& asset, std::string claim, std::string value,
                            std::optional<chain::Hash256> document);
// asset.correct: `set` in any order (chain::SortMetadata sorts it; Invalid as there).
chain::Result<chain::Operation> MakeCorrect(const chain::Hash256& asset,
                                            const chain::Hash256& corrects,
                                            std::vector<chain::MetadataEntry> set,
                                            std::string reason);
// A party profile (party.profile). Invalid when the identifiers do not sort (see
// chain::SortMetadata; the count limit of 8 is the decoder's, checked by BuildTx).
struct Profile {
  std::string name;
  std::string role;
  std::vector<chain::MetadataEntry> identifiers;  // any order
  std::string url;
  std::optional<chain::Hash256> document;
};
chain::Result<chain::Operation> MakeProfile(Profile profile);
// A registrar's endorsement of account's profile for role, or (revoke) its revocation.
chain::Operation MakeEndorse(const chain::AccountId& account, std::string role, bool revoke);
// contract.deploy of bytecode (contracts/ format; the node validates it). When the code has an
// entry named `init`, it runs at deploy with args under gas_limit (>= 1); without one, args
// must be empty and gas_limit 0 (the consensus content rules, not checked here).
chain::Operation MakeContractDeploy(chain::Bytes code, std::vector<chain::ContractArg> args,
                                    uint64_t gas_limit);
// contract.call of entry with args; coins and assets move to the contract before it runs.
struct ContractCall {
  chain::AccountId contract;
  std::string entry;
  std::vector<chain::ContractArg> args;
  chain::Amount coins = 0;
  std::vector<chain::Hash256> assets;
  uint64_t gas_limit = 0;
};
chain::Operation MakeContractCall(ContractCall call);
// The gas a tx of op reserves: a contract op's gas_limit, 0 for every other op.
uint64_t GasLimitOf(const chain::Operation& op);

// What a tx needs besides its operation and its sender.
struct TxParams {
  chain::Hash256 chain_id;  // the network's (getblockchaininfo, or the genesis file)
  uint64_t nonce = 0;       // the sender's next nonce (getaccount's pending_nonce)
  // The fee: exactly this when set, else SizeFee at fee_per_byte plus GasFee at gas_price.
  std::optional<chain::Amount> fee;
  chain::Amount fee_per_byte = 1;  // the network's minimum (getmempoolinfo, the genesis file)
  // Base units per gas (getblockchaininfo `gas_price`, the genesis file); only contract txs
  // pay it.
  uint64_t gas_price = 0;
};

// The size fee: the tx's serialized size times fee_per_byte. The size does not depend on the
// fee or the signature (both have fixed widths), so an unsigned tx gives the final size.
// Invalid on overflow or above chain::kMaxAmount.
chain::Result<chain::Amount> SizeFee(const chain::Transaction& tx, chain::Amount fee_per_byte);

// The gas fee: GasLimitOf(tx.op) x gas_price (0 for a tx that is not a contract op). Invalid
// on overflow or above chain::kMaxAmount.
chain::Result<chain::Amount> GasFee(const chain::Transaction& tx, uint64_t gas_price);

// The unsigned tx (signature zero). Invalid when the fee is above chain::kMaxAmount (or the
// size fee plus the gas fee overflows), or the tx would not decode (a length or count past
// chain/tx.h's limits, or above kMaxTxSize): the reason is the decoder's.
chain::Result<chain::Transaction> BuildTx(const chain::AccountId& sender, chain::Operation op,
                                          const TxParams& params);

// A signed tx and what a caller shows or sends.
struct SignedTx {
  chain::Transaction tx;
  chain::Bytes raw;                        // the encoding: sendrawtransaction's hex
  chain::Hash256 txid;                     // tx.Id()
  std::vector<chain::Hash256> new_assets;  // chain::NewAssetIds(tx)
  // The contract a contract.deploy creates (chain::ContractIdFor); nullopt for other ops.
  std::optional<chain::AccountId> new_contract;
};

// Signs tx. Invalid when signer is not tx.sender's; Internal when the signature does not
// verify (a broken signer).
chain::Result<SignedTx> SignTx(const Signer& signer, chain::Transaction tx);

}  // namespace waybill::wallet
