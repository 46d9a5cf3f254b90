#include "node/rpc/common.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "consensus/pow.h"

namespace waybill::node {

using chain::Hash256;
using consensus::BlockIndexInfo;

chain::AccountId AccountArg(const NodeContext& ctx, const Args& a, size_t i) {
  const Json& v = a.Required(i);
  if (!v.is_string()) Throw(rpc_code::kInvalidAddress, "Invalid address: " + Echo(v));
  auto id =
      chain::bech32::ParseAccount(ctx.params->address_prefix, v.get_ref<const std::string&>());
  if (!id.ok()) {
    Throw(rpc_code::kInvalidAddress,
          "Invalid address: " + Echo(v) + " (" + id.status().reason() + ")");
  }
  return *id;
}

chain::Bytes HexArg(const Args& a, size_t i, const std::string& what) {
  const std::string& s = StringArg(a, i);
  auto bytes = chain::HexDecode(s);
  if (!bytes) Throw(rpc_code::kDeserializationError, what + " decode failed: not hex");
  return std::move(*bytes);
}

BlockIndexInfo RequireBlock(const NodeContext& ctx, const Hash256& id) {
  auto info = ctx.chain->GetBlockIndex(id);
  if (!info) Throw(rpc_code::kInvalidAddress, "Block not found");
  return std::move(*info);
}

int64_t MedianTimeOf(const NodeContext& ctx, const BlockIndexInfo& block) {
  std::vector<int64_t> times{block.header.time};
  Hash256 prev = block.header.prev;
  while (times.size() < consensus::kMedianTimeSpan && !prev.IsZero()) {
    auto parent = ctx.chain->GetBlockIndex(prev);
    if (!parent) break;
    times.push_back(parent->header.time);
    prev = parent->header.prev;
  }
  std::reverse(times.begin(), times.end());
  return consensus::MedianTimePast(times);
}

int64_t Confirmations(uint32_t tip_height, uint32_t height, bool in_active_chain) {
  if (!in_active_chain || tip_height < height) return -1;
  return static_cast<int64_t>(tip_height) - height + 1;
}

BlockPosition PositionOf(const NodeContext& ctx, const BlockIndexInfo& info) {
  BlockPosition pos;
  pos.height = info.height;
  pos.confirmations = Confirmations(ctx.chain->Tip().height, info.height, info.in_active_chain);
  if (info.in_active_chain) pos.next = info.next;
  pos.median_time = MedianTimeOf(ctx, info);
  pos.chain_work = info.chain_work;
  return pos;
}

chain::Bytes ReadBlockBytes(const NodeContext& ctx, const Hash256& id) {
  auto bytes = ctx.chain->ReadBlock(id);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound()) Throw(rpc_code::kMiscError, "Block not available");
    ThrowLocal(bytes.status().ToString());
  }
  return std::move(*bytes);
}

chain::DecodedBlock DecodeStoredBlock(const chain::Bytes& bytes) {
  auto block = chain::DecodeBlock(bytes);
  if (!block.ok()) ThrowLocal("stored block does not decode: " + block.status().reason());
  return std::move(*block);
}

std::string HeaderHex(const chain::BlockHeader& header) {
  const auto bytes = header.Serialize();
  return chain::HexEncode(bytes);
}

const std::string& Hrp(const NodeContext& ctx) { return ctx.params->address_prefix; }

}  // namespace waybill::node
