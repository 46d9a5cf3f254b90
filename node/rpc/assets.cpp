// Account and asset methods: getaccount, getasset, getassethistory, listassets.
#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "chain/quantity.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "node/rpc/args.h"
#include "node/rpc/common.h"
#include "node/rpc/context.h"
#include "node/rpc/json_convert.h"
#include "node/rpc/methods.h"
#include "node/rpc/parties.h"
#include "node/rpc/table.h"

namespace waybill::node {
namespace {

using chain::Hash256;

// getassethistory's and listassets' page: enough for any sane use, small enough that one call
// cannot build an enormous reply.
constexpr uint32_t kDefaultHistoryLimit = 100;
constexpr uint32_t kMaxHistoryLimit = 1000;
constexpr uint32_t kDefaultListLimit = 100;
constexpr uint32_t kMaxListLimit = consensus::Chainstate::kMaxCustodyPage;

Json GetAccount(NodeContext& ctx, const Args& a) {
  const chain::AccountId id = AccountArg(ctx, a, 0);
  auto account = ctx.chain->GetAccount(id);
  if (!account.ok()) ThrowLocal(account.status().ToString());
  const std::vector<chain::TxWithId> pending = ctx.mempool->BySender(id);
  uint64_t pending_nonce = account->nonce;
  if (!pending.empty()) pending_nonce = std::max(pending_nonce, pending.back().tx.nonce + 1);
  Json j = AccountToJson(id, *account, Hrp(ctx));
  j["pending_nonce"] = pending_nonce;
  j["pending_txs"] = pending.size();
  return j;
}

chain::Asset RequireAsset(const NodeContext& ctx, const Hash256& id) {
  auto asset = ctx.chain->GetAsset(id);
  if (!asset.ok()) ThrowLocal(asset.status().ToString());
  if (!*asset) Throw(rpc_code::kInvalidAddress, "Asset not found");
  return std::move(**asset);
}

Json GetAssetMethod(NodeContext& ctx, const Args& a) {
  const chain::Asset asset = RequireAsset(ctx, HashArg(a, 0));
  Json j = AssetToJson(asset, Hrp(ctx), ctx.params->units);
  PartyDirectory parties(ctx);
  AnnotateAsset(&parties, asset, &j);
  return j;
}

// An asset that an event links to: it exists (the state never drops one), else a local error.
chain::Asset LinkedAsset(const NodeContext& ctx, const Hash256& id) {
  auto asset = ctx.chain->GetAsset(id);
  if (!asset.ok()) ThrowLocal(asset.status().ToString());
  if (!*asset) ThrowLocal("linked asset " + id.ToHex() + " is missing");
  return std::move(**asset);
}

// The yield of the transformation that a transform or transform_output event records, from
// the linked assets (inputs and outputs, whose quantities never change): the inputs are an
// output's parents, the outputs an input's children. nullopt for other events and for mixed
// units (chain::TransformYieldPpm).
std::optional<uint64_t> EventYield(const NodeContext& ctx, const chain::AssetEvent& e) {
  std::vector<Hash256> inputs, outputs;
  if (e.type == chain::EventType::kTransform && !e.related.empty()) {
    outputs = e.related;
    inputs = LinkedAsset(ctx, outputs.front()).parents;
  } else if (e.type == chain::EventType::kTransformOutput && !e.related.empty()) {
    inputs = e.related;
    outputs = LinkedAsset(ctx, inputs.front()).children;
  } else {
    return std::nullopt;
  }
  chain::UnitSum in, out;
  for (const Hash256& id : inputs) {
    const chain::Asset asset = LinkedAsset(ctx, id);
    in.Add(asset.quantity, asset.unit);
  }
  for (const Hash256& id : outputs) {
    const chain::Asset asset = LinkedAsset(ctx, id);
    out.Add(asset.quantity, asset.unit);
  }
  return chain::TransformYieldPpm(in, out, ctx.params->units);
}

Json GetAssetHistory(NodeContext& ctx, const Args& a) {
  const Hash256 id = HashArg(a, 0);
  const auto from =
      static_cast<uint32_t>(UIntArg(a, 1, 0, std::numeric_limits<uint32_t>::max(), 0));
  const auto limit =
      static_cast<uint32_t>(UIntArg(a, 2, 1, kMaxHistoryLimit, kDefaultHistoryLimit));
  const chain::Asset asset = RequireAsset(ctx, id);
  auto events = ctx.chain->GetAssetEvents(id, from, limit);
  if (!events.ok()) ThrowLocal(events.status().ToString());
  Json list = Json::array();
  PartyDirectory parties(ctx);
  for (const chain::AssetEvent& e : *events) {
    Json j = EventToJson(e, Hrp(ctx), EventYield(ctx, e));
    AnnotateEvent(&parties, e, &j);
    list.push_back(std::move(j));
  }
  return {{"asset", id.ToHex()},
          {"event_count", asset.event_count},
          {"from", from},
          {"events", std::move(list)}};
}

// The open assets in an account's custody, a page at a time: "next" is the last asset id of
// the page when more follow (pass it as `after`), else null.
Json ListAssets(NodeContext& ctx, const Args& a) {
  const chain::AccountId id = AccountArg(ctx, a, 0);
  std::optional<Hash256> after;
  if (a[1] != nullptr) after = HashArg(a, 1);
  const auto limit = static_cast<size_t>(UIntArg(a, 2, 1, kMaxListLimit, kDefaultListLimit));
  auto listing = ctx.chain->GetAssetsInCustody(id, after, limit);
  if (!listing.ok()) ThrowLocal(listing.status().ToString());
  Json list = Json::array();
  PartyDirectory parties(ctx);
  for (const chain::Asset& asset : listing->assets) {
    Json j = AssetToJson(asset, Hrp(ctx), ctx.params->units);
    AnnotateAsset(&parties, asset, &j);
    list.push_back(std::move(j));
  }
  Json next = nullptr;
  if (listing->more && !listing->assets.empty()) next = listing->assets.back().id.ToHex();
  return {{"address", chain::bech32::EncodeAddress(Hrp(ctx), id)},
          {"assets", std::move(list)},
          {"next", std::move(next)}};
}

}  // namespace

void RegisterAssetRpcMethods(RpcTable& table, NodeContext& ctx) {
  table.Register("getaccount", {"address"}, Bind(ctx, GetAccount),
                 "getaccount address  Balance, nonce and pending nonce of an account.");
  table.Register("getasset", {"assetid"}, Bind(ctx, GetAssetMethod),
                 "getasset assetid  An asset: custodian, quantity, metadata, status, lineage.");
  table.Register("getassethistory", {"assetid", "from", "limit"}, Bind(ctx, GetAssetHistory),
                 "getassethistory assetid [from=0] [limit=100]  An asset's events in order "
                 "(limit <= 1000).");
  table.Register("listassets", {"address", "after", "limit"}, Bind(ctx, ListAssets),
                 "listassets address [after] [limit=100]  The open assets in an account's "
                 "custody, by asset id, after the asset id `after` (limit <= 1000); \"next\": "
                 "the last id when more follow, else null.");
}

}  // namespace waybill::node
