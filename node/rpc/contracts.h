// The contract methods (callcontract, getcontract) and the contract object that getcontract
// and the REST API's GET /v1/contracts/{address} share (docs/API.md "Contracts").
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "chain/status.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "chain/types.h"
#include "consensus/read_snapshot.h"
#include "node/rpc/json_convert.h"

namespace waybill::node {

class RpcTable;
struct NodeContext;

// How much of a contract one reply lists: storage entries in key order, the newest calls
// (each with its call record), the assets it holds in asset id order. Each list is cut at its
// limit and says so (`storage_truncated`, ...). The maxima bound one reply's reads.
struct ContractViewLimits {
  static constexpr size_t kDefaultStorage = 100;
  static constexpr size_t kMaxStorage = 1000;
  static constexpr size_t kDefaultCalls = 10;
  static constexpr size_t kMaxCalls = 100;
  static constexpr size_t kDefaultAssets = 100;
  static constexpr size_t kMaxAssets = 1000;
  size_t storage = kDefaultStorage;  // 0..kMaxStorage
  size_t calls = kDefaultCalls;      // 0..kMaxCalls
  size_t assets = kDefaultAssets;    // 0..kMaxAssets
};

// {address, account, deployer, deployer_account, deploy_txid, height, code_hex, code_size,
//  entries [{name, offset, gas_bound}], max_stack_depth, balance, call_count,
//  assets [{asset, quantity, amount, unit}], assets_truncated,
//  storage [{key_hex, value_hex, key_text?}], storage_truncated,
//  calls [{txid, call}] (newest first), calls_truncated}
// read from snap; nullopt when no contract has this id. A read that fails, or a record that
// does not decode, is the error.
chain::Result<std::optional<Json>> ContractViewJson(const consensus::ReadSnapshot& snap,
                                                    const chain::AccountId& id,
                                                    const ContractViewLimits& limits);

// True for contract.deploy and contract.call: the ops whose txs get a call record.
bool IsContractOp(const chain::Operation& op);

// The call record of a confirmed contract tx as JSON (CallRecordToJson), read from state (the
// tip's); nullopt when there is none (not a contract tx, or not in the active chain).
chain::Result<std::optional<Json>> CallRecordJsonOf(const chain::KvReader& state,
                                                    const chain::Hash256& txid,
                                                    const std::string& hrp);

// callcontract and getcontract (contracts.cpp). REQUIRES: as methods.h's Register functions.
void RegisterContractRpcMethods(RpcTable& table, NodeContext& ctx);

}  // namespace waybill::node
