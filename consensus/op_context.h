// Internal to consensus/: what every operation's state rule needs (docs/PROTOCOL.md §9.2).
// state_transition.cpp checks what every tx shares (chain id, nonce, fee, balance) and then
// calls the ApplyOp overload of the tx's operation; each operation's rules live in the file
// of its family (asset_ops.cpp, ...). Not used outside consensus/.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "chain/contract_state.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/tx.h"
#include "consensus/params.h"
#include "consensus/state_transition.h"
#include "consensus/validation.h"

namespace waybill::consensus {

ValidationResult StoreError(const chain::Status& s);

// Reads an asset; on success *out holds it or nullopt when absent.
ValidationResult ReadAsset(const chain::StateCache& state, const chain::Hash256& id,
                           std::optional<chain::Asset>* out);

// Loads an asset that the sender is about to change: it must exist, be open and be in the
// sender's custody (`unknown-asset`, `asset-closed`, `not-custodian`).
ValidationResult LoadOwnedAsset(const chain::StateCache& state, const chain::Hash256& id,
                                const chain::AccountId& sender, chain::Asset* out);

// A new asset id must be unused (`asset-exists`). Ids derive from (chain, sender, nonce, index)
// and a nonce is used once, so this fails only on a hash collision; it is checked anyway so
// that no history is ever overwritten.
ValidationResult CheckNewAssetId(const chain::StateCache& state, const chain::Hash256& id);

// A tx with its id and encoded size, by reference: a block's txs are applied without copies.
struct TxView {
  const chain::Transaction& tx;
  const chain::Hash256& id;
  size_t size;
};

// What differs when a contract tx writes assets (contract_ops.cpp, contract_host.cpp): every
// event gets a contract event id (chain::ContractEventId: an asset may get two events in one
// tx), and a contract's effects are made by the contract, which creates assets of its own ids.
struct ContractScope {
  // Who acts instead of the tx's sender (the contract, for its effects); null: the sender (the
  // attachments of a call).
  const chain::AccountId* actor = nullptr;
  // The ids of the assets the operation creates, in NewAssetIds's order (the contract's:
  // AssetIdFor(chain id, contract, contract nonce, i)).
  std::vector<chain::Hash256> new_ids;
};

// Everything one tx's operation needs besides the operation itself.
struct OpContext {
  const ChainParams& params;
  const BlockContext& block;
  const TxView& tx;
  chain::StateCache* state;
  const ContractScope* contract = nullptr;  // null for every operation but the contract ones'

  const chain::AccountId& sender() const { return tx.tx.sender; }
  // Who makes the change: the sender, or the contract for its effects. The asset rules
  // (custody, the new asset's issuer, the event's actor) are the actor's.
  const chain::AccountId& actor() const {
    return contract != nullptr && contract->actor != nullptr ? *contract->actor : sender();
  }
  // The ids of the assets the operation creates (chain::NewAssetIds of the tx, or the
  // contract's).
  std::vector<chain::Hash256> NewAssetIds() const;

  // A new open asset issued and held by the actor, created by this tx at this height.
  chain::Asset NewAsset(const chain::Hash256& id, chain::Quantity quantity, std::string unit,
                        std::vector<chain::MetadataEntry> metadata,
                        std::vector<chain::Hash256> documents) const;

  // Appends an event to asset's chain and writes both (the asset through
  // StateCache::PutAsset, which keeps the custody index). The caller fills the type-specific
  // fields (type, counterparty, related, claim ...) of ev; the chain fields (id, sequence,
  // actor = actor() ...) are set here. An error is a store error (reading the asset's previous
  // record).
  [[nodiscard]] ValidationResult Record(chain::Asset* asset, chain::AssetEvent ev) const;

  static chain::AssetEvent Event(chain::EventType type, std::vector<chain::Hash256> related = {});
};

// The operation's state rule and writes. The sender's account has already been debited (fee
// and, for a transfer, the amount) and its nonce advanced. On failure the caller discards the
// overlay, so a rule may fail after writing.
ValidationResult ApplyOp(const OpContext& c, const chain::TransferOp& op);
ValidationResult ApplyOp(const OpContext& c, const chain::AssetIssueOp& op);
ValidationResult ApplyOp(const OpContext& c, const chain::AssetTransferOp& op);
ValidationResult ApplyOp(const OpContext& c, const chain::AssetSplitOp& op);
ValidationResult ApplyOp(const OpContext& c, const chain::AssetMergeOp& op);
ValidationResult ApplyOp(const OpContext& c, const chain::AssetAttestOp& op);
ValidationResult ApplyOp(const OpContext& c, const chain::PartyProfileOp& op);
ValidationResult ApplyOp(const OpContext& c, const chain::PartyEndorseOp& op);

// Whether account holds an endorsement of role by any registrar of the network in the state
// (party_ops.cpp): at most kMaxRegistrars reads.
ValidationResult HoldsEndorsement(const OpContext& c, const chain::AccountId& account,
                                  std::string_view role, bool* out);
ValidationResult ApplyOp(const OpContext& c, const chain::AssetCorrectOp& op);  // correct_ops.cpp
ValidationResult ApplyOp(const OpContext& c, const chain::AssetTransformOp& op);  // transform_ops
// contract_ops.cpp. Unlike the others, a call does not find its coins debited: they move from
// the sender to the contract on the call's own overlay, which a failed call drops.
ValidationResult ApplyOp(const OpContext& c, const chain::ContractDeployOp& op);
ValidationResult ApplyOp(const OpContext& c, const chain::ContractCallOp& op);

// A contract tx's gas_limit against the network's max_tx_gas (`gas-limit-too-high`).
ValidationResult CheckGasLimit(const ChainParams& params, uint64_t gas_limit);

}  // namespace waybill::consensus
