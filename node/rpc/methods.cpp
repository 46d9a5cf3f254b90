#include "node/rpc/methods.h"

namespace waybill::node {

void RegisterChainRpcMethods(RpcTable& table, NodeContext& ctx) {
  RegisterBlockchainRpcMethods(table, ctx);
  RegisterTxRpcMethods(table, ctx);
  RegisterAssetRpcMethods(table, ctx);
  RegisterMiningRpcMethods(table, ctx);
  RegisterPartyRpcMethods(table, ctx);
}

}  // namespace waybill::node
