// The dry run of a contract call (RPC `callcontract`, `waybill contract run`): the code path
// of a contract.call's ApplyOp on a throwaway overlay over the tip state.
#pragma once

#include "chain/contract_state.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "consensus/params.h"
#include "consensus/state_transition.h"
#include "consensus/validation.h"

namespace waybill::consensus {

// Runs op as `sender` on top of `state` (the tip state) in the block context `block` (the next
// block's), without nonce, fee or signature: the attachments are moved, the VM runs, the
// effects are collected; nothing is written to state. The code path is ApplyOp's for a
// contract.call. Invalid: the tx would be refused (its context-free rules, gas-limit-too-high,
// unknown-contract, the attachments' asset rules, insufficient-balance for the coins);
// otherwise *out holds the record the call would get (its event ids use a zero txid). Error: a
// store fault.
ValidationResult SimulateContractCall(const ChainParams& params, const BlockContext& block,
                                      const chain::AccountId& sender,
                                      const chain::ContractCallOp& op, const chain::KvReader& state,
                                      chain::CallRecord* out);

}  // namespace waybill::consensus
