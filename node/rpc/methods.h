// The chain's JSON-RPC methods: blockchain, blocks and headers, transactions and the mempool,
// accounts and assets, mining (templates, submitblock, generatetoaddress), and chain
// maintenance (invalidateblock, reconsiderblock, verifychain, getchaintips). Names, params
// and result fields follow Bitcoin Core where it has the method; docs/API.md "JSON-RPC" lists
// them. Result shapes of chain objects come from node/rpc/json_convert.h.
//
// Params may be positional (an array) or named (an object with the names in each method's
// help line). Caller errors are RpcError with these codes:
//   -32602 wrong number of params, unknown named param;
//   -8     a param of the wrong type or out of range (bad hex length, verbosity 7, ...);
//   -5     an address that does not decode for this network; an unknown block, tx or asset;
//   -22    hex or bytes that do not decode (sendrawtransaction, submitblock);
//   -26    a tx rejected by a rule: message "reason: detail" ("nonce-gap: expected 3, got 5");
//   -27    a tx already confirmed;
//   -20    a local fault (store, corruption).
//
// One file per area, each registering its methods the one way (RpcTable::Register with the
// param names; the handler reads an Args): blockchain.cpp (tip, blocks, headers, chain tips,
// verifychain, getstateinfo, invalidateblock, reconsiderblock), txs.cpp (transactions and the
// mempool), assets.cpp (accounts and assets), parties.cpp (getparty), mining.cpp (getmininginfo, templates,
// submitblock, generatetoaddress), contracts.cpp (callcontract, getcontract). Not here:
// control.h (stop, uptime, setmocktime, logging), net.h (P2P).
#pragma once

namespace waybill::node {

class RpcTable;
struct NodeContext;

// REQUIRES (each): ctx.params, ctx.chain, ctx.mempool and ctx.clock are set (ctx.miner may be
// null) and ctx with everything it points to outlives table. Handlers may run on several
// threads at once: they only call thread-safe parts (Chainstate, Mempool, Miner).
void RegisterBlockchainRpcMethods(RpcTable& table, NodeContext& ctx);
void RegisterTxRpcMethods(RpcTable& table, NodeContext& ctx);
void RegisterAssetRpcMethods(RpcTable& table, NodeContext& ctx);
void RegisterMiningRpcMethods(RpcTable& table, NodeContext& ctx);
void RegisterPartyRpcMethods(RpcTable& table, NodeContext& ctx);  // getparty (parties.cpp)
// All five above, and the contract methods (contracts.h: callcontract, getcontract).
void RegisterChainRpcMethods(RpcTable& table, NodeContext& ctx);

}  // namespace waybill::node
