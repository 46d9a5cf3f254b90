// GET /v1/txs/{id}, /v1/blocks/{hash_or_height} and /v1/status.
#include <algorithm>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "chain/block.h"
#include "consensus/chainstate.h"
#include "consensus/pow.h"
#include "node/mempool/mempool.h"
#include "node/params/network.h"
#include "node/rest/rest_server.h"
#include "node/rest/route_util.h"
#include "node/rest/routes.h"
#include "node/rpc/contracts.h"
#include "node/rpc/json_convert.h"
#include "p2p/connman.h"

namespace waybill::node {
namespace {

using chain::Hash256;

// A stored block, decoded; NotFound when the node does not have its body.
chain::Result<chain::DecodedBlock> ChainReadBlock(const consensus::ReadSnapshot& snap,
                                                  const Hash256& id) {
  auto bytes = snap.ReadBlock(id);
  if (!bytes.ok()) return bytes.status();
  auto block = chain::DecodeBlock(*bytes);
  if (!block.ok()) return chain::Status::Corruption("stored block does not decode");
  return std::move(*block);
}

CachePolicy ChainDepthCache(const consensus::ReadSnapshot& snap, uint32_t height) {
  return RestConfirmations(snap, height) > kImmutableDepth ? CachePolicy::kImmutable
                                                           : CachePolicy::kShort;
}

HttpResponse ChainConfirmedTx(const RestRequest& req, const consensus::ReadSnapshot& snap,
                              const chain::TxLocation& loc) {
  auto block = ChainReadBlock(snap, loc.block);
  if (!block.ok()) return RestInternalError(block.status());
  if (loc.index >= block->block.txs.size()) {
    return RestInternalError(chain::Status::Corruption("tx index out of range"));
  }
  const chain::Transaction& tx = block->block.txs[loc.index];
  RestJson j = TxToJson(tx, block->txids[loc.index], tx.Serialize().size(), RestHrp(snap),
                        snap.params().units);
  j["status"] = "confirmed";
  j["block"] = loc.block.ToHex();
  j["height"] = loc.height;
  j["position"] = loc.index;
  j["confirmations"] = RestConfirmations(snap, loc.height);
  if (IsContractOp(tx.op)) {
    auto call = CallRecordJsonOf(snap.state(), block->txids[loc.index], RestHrp(snap));
    if (!call.ok()) return RestInternalError(call.status());
    if (*call) j["call"] = std::move(**call);
  }
  return JsonReply(req, j, ChainDepthCache(snap, loc.height));
}

HttpResponse ChainTxRoute(const RestContext& ctx, const RestRequest& req) {
  auto id = RestParseId(req.params.at(0), "tx");
  if (auto* bad = std::get_if<HttpResponse>(&id)) return std::move(*bad);
  const Hash256 txid = std::get<Hash256>(id);
  auto snap = RestSnapshot(ctx);
  auto loc = snap->GetTxLocation(txid);
  if (!loc.ok()) return RestInternalError(loc.status());
  if (*loc) return ChainConfirmedTx(req, *snap, **loc);
  std::optional<chain::TxWithId> pending;
  if (ctx.mempool != nullptr) pending = ctx.mempool->Get(txid);
  if (!pending) return Problem(404, "Not found", "no tx " + txid.ToHex());
  RestJson j = TxToJson(*pending, RestHrp(*snap), snap->params().units);
  j["status"] = "mempool";
  j["block"] = nullptr;
  j["height"] = nullptr;
  j["position"] = nullptr;
  j["confirmations"] = 0;
  return JsonReply(req, j, CachePolicy::kNoStore);
}

// Median time past of a block: itself and the 10 before it.
int64_t ChainMedianTime(const consensus::ReadSnapshot& snap,
                        const consensus::ReadSnapshot::HeaderInfo& info) {
  std::vector<int64_t> times{info.header.time};
  Hash256 prev = info.header.prev;
  while (times.size() < consensus::kMedianTimeSpan && !prev.IsZero()) {
    auto parent = snap.GetHeader(prev);
    if (!parent.ok() || !*parent) break;
    times.push_back((*parent)->header.time);
    prev = (*parent)->header.prev;
  }
  std::reverse(times.begin(), times.end());
  return consensus::MedianTimePast(times);
}

// "123" (at most 10 digits) is a height, 64 hex digits a hash; anything else is malformed.
RestOr<Hash256> ChainBlockId(const consensus::ReadSnapshot& snap, const std::string& text,
                             bool* by_height) {
  *by_height = !text.empty() && text.size() <= 10 &&
               std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!*by_height) {
    std::optional<Hash256> id = Hash256::FromHex(text);
    if (!id) return Problem(400, "Malformed id", "block must be a 64-hex hash or a height");
    return *id;
  }
  const uint64_t height = std::stoull(text);
  std::optional<Hash256> id;
  if (height <= snap.tip().height) id = snap.BlockHashAt(static_cast<uint32_t>(height));
  if (!id) return Problem(404, "Not found", "no block at height " + text);
  return *id;
}

RestJson ChainTxSummaries(const consensus::ReadSnapshot& snap, const chain::DecodedBlock& b) {
  RestJson txs = RestJson::array();
  for (size_t i = 0; i < b.block.txs.size(); ++i) {
    const chain::Transaction& tx = b.block.txs[i];
    txs.push_back({{"txid", b.txids[i].ToHex()},
                   {"type", chain::OpTypeName(chain::TypeOf(tx.op))},
                   {"sender", chain::bech32::EncodeAddress(RestHrp(snap), tx.sender)}});
  }
  return txs;
}

HttpResponse ChainBlockRoute(const RestContext& ctx, const RestRequest& req) {
  auto snap = RestSnapshot(ctx);
  bool by_height = false;
  auto id = ChainBlockId(*snap, req.params.at(0), &by_height);
  if (auto* bad = std::get_if<HttpResponse>(&id)) return std::move(*bad);
  const Hash256 hash = std::get<Hash256>(id);
  auto info = snap->GetHeader(hash);
  if (!info.ok()) return RestInternalError(info.status());
  if (!*info) return Problem(404, "Not found", "no block " + hash.ToHex());
  auto block = ChainReadBlock(*snap, hash);
  if (!block.ok() && block.status().IsNotFound()) {
    return Problem(404, "Not found", "this node does not have the block " + hash.ToHex());
  }
  if (!block.ok()) return RestInternalError(block.status());
  const consensus::ReadSnapshot::HeaderInfo& h = **info;
  BlockPosition pos;
  pos.height = h.height;
  pos.confirmations = h.in_active_chain ? RestConfirmations(*snap, h.height) : -1;
  if (h.in_active_chain) pos.next = snap->BlockHashAt(h.height + 1);
  pos.median_time = ChainMedianTime(*snap, h);
  pos.chain_work = h.chain_work;
  RestJson j = BlockToJson(*block, pos, snap->params().pow_limit, RestHrp(*snap),
                           snap->params().units, 1);
  j["txs"] = ChainTxSummaries(*snap, *block);
  CachePolicy cache = by_height || !h.in_active_chain ? CachePolicy::kShort
                                                      : ChainDepthCache(*snap, h.height);
  return JsonReply(req, j, cache);
}

HttpResponse ChainStatusRoute(const RestContext& ctx, const RestRequest& req) {
  auto snap = RestSnapshot(ctx);
  const consensus::TipInfo& tip = snap->tip();
  const uint32_t headers = std::max(tip.height, RestBestHeaderHeight(ctx));
  RestJson peers = {{"in", 0}, {"out", 0}};
  if (ctx.connman != nullptr) {
    p2p::NetworkInfo net = ctx.connman->GetNetworkInfo();
    peers = {{"in", net.inbound}, {"out", net.outbound}};
  }
  RestJson mempool = {{"txs", 0}, {"bytes", 0}};
  if (ctx.mempool != nullptr) {
    MempoolInfo info = ctx.mempool->Info();
    mempool = {{"txs", info.size}, {"bytes", info.bytes}};
  }
  RestJson j = {{"network", snap->params().network},
                {"chain_id", snap->params().chain_id().ToHex()},
                {"height", tip.height},
                {"tip", tip.id.ToHex()},
                {"tip_time", tip.header.time},
                {"headers", headers},
                {"syncing", RestNodeSyncing(ctx, RestLimits{}.syncing_blocks)},
                {"peers", std::move(peers)},
                {"mempool", std::move(mempool)},
                {"version", WaybillVersion()}};
  return JsonReply(req, j, CachePolicy::kNoStore);
}

}  // namespace

void RegisterChainRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/txs/{id}", ChainTxRoute);
  routes.Add("GET", "/v1/blocks/{id}", ChainBlockRoute);
  routes.Add("GET", "/v1/status", ChainStatusRoute);
}

}  // namespace waybill::node
