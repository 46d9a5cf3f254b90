// The one place where a contract's effect changes the state (docs/CONTRACTS.md "The host",
// docs/PROTOCOL.md §14.2): ContractHost applies each effect the running code makes, and the
// proof verifier (proof_verify.cpp) applies the effects a call record claims, through the same
// function, so both follow the same rules and write the same events with the same ids. Internal
// to consensus/.
#pragma once

#include "chain/contract_state.h"
#include "chain/types.h"
#include "consensus/op_context.h"
#include "consensus/validation.h"

namespace waybill::consensus {

// Applies effect e, made by contract, on c.state with the contract as the actor of its events
// (contract event ids). The ids of the assets it creates are e.created (split: 2, merge: 1),
// which the caller computed (the host: from the contract's nonce) or read (the verifier: from
// the claim); any other count, or a split's two ids equal, is `bad-split` / `bad-merge-inputs`.
// The rules:
//   coins: amount > 0, not to the contract itself, taken from the contract's balance (as a
//          transfer: `bad-amount`, `transfer-to-self`, `insufficient-balance`);
//   asset: asset.transfer of e.asset to e.to by the contract;
//   split: 0 < e.amount < the parent's quantity (`bad-split`), then asset.split of e.asset
//          into e.amount and the rest, with no metadata of their own;
//   merge: e.asset != e.with (`bad-merge-inputs`), both held by the contract, their sum below
//          2^64 (`merge-quantity-mismatch`), then asset.merge into one output of the first
//          input's unit and the sum of the quantities, with no metadata or documents.
// On failure the caller drops c.state (a rule may fail after writing).
[[nodiscard]] ValidationResult ApplyContractEffect(const OpContext& c,
                                                   const chain::AccountId& contract,
                                                   const chain::ContractEffect& e);

}  // namespace waybill::consensus
