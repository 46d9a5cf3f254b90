// What several method files share: params that need the network (an address), hex params, and
// reads of the chain that answer a missing or damaged object with the right RpcError.
// Internal to node/rpc/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "chain/block.h"
#include "chain/types.h"
#include "consensus/chainstate.h"
#include "node/rpc/args.h"
#include "node/rpc/context.h"
#include "node/rpc/json_convert.h"

namespace waybill::node {

// Param i as an account address of this network (kInvalidAddress otherwise).
chain::AccountId AccountArg(const NodeContext& ctx, const Args& a, size_t i);
// Param i as hex bytes: kInvalidParameter unless a string, kDeserializationError "WHAT decode
// failed: not hex" unless hex.
chain::Bytes HexArg(const Args& a, size_t i, const std::string& what);

// The block's index entry; kInvalidAddress "Block not found".
consensus::BlockIndexInfo RequireBlock(const NodeContext& ctx, const chain::Hash256& id);
// The median time of the block and its 10 ancestors.
int64_t MedianTimeOf(const NodeContext& ctx, const consensus::BlockIndexInfo& block);
// -1 off the active chain.
int64_t Confirmations(uint32_t tip_height, uint32_t height, bool in_active_chain);
BlockPosition PositionOf(const NodeContext& ctx, const consensus::BlockIndexInfo& info);
// A stored block's bytes; kMiscError "Block not available" if the node does not have them.
chain::Bytes ReadBlockBytes(const NodeContext& ctx, const chain::Hash256& id);
// A stored block that does not decode is a local fault (kDatabaseError).
chain::DecodedBlock DecodeStoredBlock(const chain::Bytes& bytes);
std::string HeaderHex(const chain::BlockHeader& header);
// The network's address prefix.
const std::string& Hrp(const NodeContext& ctx);

}  // namespace waybill::node
