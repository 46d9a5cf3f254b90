#include "node/rpc/methods.h"

#include "node/rpc/contracts.h"

namespace waybill::node {

void RegisterChainRpcMethods(RpcTable& table, NodeContext& ctx) {
  RegisterBlockchainRpcMethods(table, ctx);
  RegisterTxRpcMethods(table, ctx);
  RegisterAssetRpcMethods(table, ctx);
  RegisterMiningRpcMethods(table, ctx);
  RegisterPartyRpcMethods(table, ctx);
  RegisterContractRpcMethods(table, ctx);
}

}  // namespace waybill::node
