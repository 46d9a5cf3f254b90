// GET /v1/assets/{id} (the asset, its origins and the attestations of its whole ancestry) and
// GET /v1/assets/{id}/history (its events, a page at a time).
#include <deque>
#include <set>
#include <utility>
#include <vector>

#include "node/rest/lineage.h"
#include "node/rest/route_util.h"
#include "node/rest/routes.h"
#include "node/rpc/json_convert.h"

namespace waybill::node {
namespace {

using chain::Hash256;

constexpr uint32_t kHistoryDefaultLimit = 100;
constexpr uint32_t kHistoryMaxLimit = 1000;

// What an asset page visits of its ancestry before it says "truncated".
constexpr size_t kAssetMaxAncestors = 5000;
// Events read per ancestor, and attestations listed in all (docs/API.md "Limits").
constexpr uint32_t kAssetMaxEventsPerAncestor = 1000;
constexpr size_t kAssetMaxAttestations = 1000;

struct AssetAncestor {
  chain::Asset asset;
  uint32_t hop = 0;
};

// Self (hop 0) and every ancestor reached through parents, breadth first, each once with its
// smallest hop; truncated past kAssetMaxAncestors.
RestOr<std::vector<AssetAncestor>> AssetAncestry(const consensus::ReadSnapshot& snap,
                                                 chain::Asset self, bool* truncated) {
  auto walk = WalkLineage(std::move(self), LineageDirection::kBack,
                          LineageLimits{UINT32_MAX, kAssetMaxAncestors},
                          [&snap](const Hash256& id) { return snap.GetAsset(id); });
  if (!walk.ok()) return RestInternalError(walk.status());
  if (walk->truncated) *truncated = true;
  std::vector<AssetAncestor> out;
  out.reserve(walk->nodes.size());
  for (LineageNode& n : walk->nodes) out.push_back({std::move(n.asset), n.depth});
  return out;
}

RestJson AssetOrigin(const consensus::ReadSnapshot& snap, PartyDirectory* parties,
                     const AssetAncestor& a) {
  RestJson full = AssetToJson(a.asset, RestHrp(snap), snap.params().units);
  RestJson j = {{"asset", full["asset"]},       {"issuer", full["issuer"]},
                {"quantity", full["quantity"]}, {"amount", full["amount"]},
                {"unit", full["unit"]},         {"metadata", full["metadata"]},
                {"created_height", a.asset.created_height}};
  parties->Annotate(&j, "issuer", a.asset.issuer);
  j["created_time"] = nullptr;
  auto first = snap.GetAssetEvents(a.asset.id, 0, 1);
  if (first.ok() && !first->empty()) j["created_time"] = first->front().time;
  j["depth"] = a.hop;
  return j;
}

// The attestations of every asset of the ancestry, with the hop they were made at.
RestOr<RestJson> AssetAttestations(const consensus::ReadSnapshot& snap, PartyDirectory* parties,
                                   const std::vector<AssetAncestor>& ancestry,
                                   bool* truncated) {
  RestJson list = RestJson::array();
  for (const AssetAncestor& a : ancestry) {
    auto events = snap.GetAssetEvents(a.asset.id, 0, kAssetMaxEventsPerAncestor);
    if (!events.ok()) return RestInternalError(events.status());
    if (a.asset.event_count > kAssetMaxEventsPerAncestor) *truncated = true;
    for (const chain::AssetEvent& e : *events) {
      if (e.type != chain::EventType::kAttest) continue;
      if (list.size() >= kAssetMaxAttestations) {
        *truncated = true;
        return list;
      }
      RestJson j = RestEventJson(snap, parties, e);
      j["hop"] = a.hop;
      j["on_asset"] = a.asset.id.ToHex();
      list.push_back(std::move(j));
    }
  }
  return list;
}

RestJson AssetLinks(const RestContext& ctx, const chain::Asset& asset) {
  const std::string base = ctx.public_url + "/v1/assets/" + asset.id.ToHex();
  std::optional<std::string> dl = RestDigitalLinkUri(ctx, asset);
  return {{"self", base},
          {"history", base + "/history"},
          {"trace", base + "/trace"},
          {"proof", base + "/proof"},
          {"epcis", base + "/epcis"},
          {"qr", base + "/qr.svg"},
          {"page", ctx.public_url + "/asset/" + asset.id.ToHex()},
          {"digital_link", dl ? RestJson(*dl) : RestJson(nullptr)}};
}

HttpResponse AssetRoute(const RestContext& ctx, const RestRequest& req) {
  auto id = RestParseId(req.params.at(0), "asset");
  if (auto* bad = std::get_if<HttpResponse>(&id)) return std::move(*bad);
  auto snap = RestSnapshot(ctx);
  auto asset = RestLoadAsset(*snap, std::get<Hash256>(id));
  if (auto* bad = std::get_if<HttpResponse>(&asset)) return std::move(*bad);
  const chain::Asset& self = std::get<chain::Asset>(asset);
  PartyDirectory parties = RestParties(snap);
  bool truncated = false;
  auto ancestry = AssetAncestry(*snap, self, &truncated);
  if (auto* bad = std::get_if<HttpResponse>(&ancestry)) return std::move(*bad);
  const auto& lineage = std::get<std::vector<AssetAncestor>>(ancestry);
  RestJson origins = RestJson::array();
  for (const AssetAncestor& a : lineage) {
    if (a.asset.parents.empty()) origins.push_back(AssetOrigin(*snap, &parties, a));
  }
  auto attestations = AssetAttestations(*snap, &parties, lineage, &truncated);
  if (auto* bad = std::get_if<HttpResponse>(&attestations)) return std::move(*bad);
  RestJson j = RestAssetJson(*snap, &parties, self);
  j["confirmations"] = RestConfirmations(*snap, self.created_height);
  RestJson body = {{"asset", std::move(j)},
                   {"origins", std::move(origins)},
                   {"attestations", std::move(std::get<RestJson>(attestations))},
                   {"truncated", truncated},
                   {"links", AssetLinks(ctx, self)}};
  if (!parties.status().ok()) return RestInternalError(parties.status());
  return JsonReply(req, body, CachePolicy::kShort);
}

// A page is immutable when it is full (no later event can join it) and its newest event is
// deeper than kImmutableDepth.
CachePolicy AssetHistoryCache(const consensus::ReadSnapshot& snap,
                         const std::vector<chain::AssetEvent>& events, bool full) {
  if (!full || events.empty()) return CachePolicy::kShort;
  return RestConfirmations(snap, events.back().height) > kImmutableDepth ? CachePolicy::kImmutable
                                                                         : CachePolicy::kShort;
}

HttpResponse AssetHistoryRoute(const RestContext& ctx, const RestRequest& req) {
  auto id = RestParseId(req.params.at(0), "asset");
  if (auto* bad = std::get_if<HttpResponse>(&id)) return std::move(*bad);
  auto cursor = RestParseUint(req, "cursor", 0, UINT32_MAX, 0);
  if (auto* bad = std::get_if<HttpResponse>(&cursor)) return std::move(*bad);
  auto limit = RestParseUint(req, "limit", 1, kHistoryMaxLimit, kHistoryDefaultLimit);
  if (auto* bad = std::get_if<HttpResponse>(&limit)) return std::move(*bad);
  auto snap = RestSnapshot(ctx);
  auto asset = RestLoadAsset(*snap, std::get<Hash256>(id));
  if (auto* bad = std::get_if<HttpResponse>(&asset)) return std::move(*bad);
  const uint32_t from = std::get<uint32_t>(cursor);
  const uint32_t count = std::get<chain::Asset>(asset).event_count;
  auto events = snap->GetAssetEvents(std::get<Hash256>(id), from, std::get<uint32_t>(limit));
  if (!events.ok()) return RestInternalError(events.status());
  PartyDirectory parties = RestParties(snap);
  RestJson list = RestJson::array();
  for (const chain::AssetEvent& e : *events) list.push_back(RestEventJson(*snap, &parties, e));
  if (!parties.status().ok()) return RestInternalError(parties.status());
  const uint64_t next = uint64_t{from} + events->size();
  const bool more = !events->empty() && next < count;
  RestJson body = {{"asset", std::get<Hash256>(id).ToHex()},
                   {"event_count", count},
                   {"events", std::move(list)},
                   {"next_cursor", more ? RestJson(std::to_string(next)) : RestJson(nullptr)}};
  return JsonReply(req, body, AssetHistoryCache(*snap, *events, more));
}

}  // namespace

void RegisterAssetRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/assets/{id}", AssetRoute);
  routes.Add("GET", "/v1/assets/{id}/history", AssetHistoryRoute);
  RegisterTraceRoute(routes);
}

}  // namespace waybill::node
