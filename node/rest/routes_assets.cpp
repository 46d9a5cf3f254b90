// GET /v1/assets/{id} (the asset, its origins and the attestations of its whole ancestry) and
// GET /v1/assets/{id}/history (its events, a page at a time).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chain/quantity.h"
#include "node/rest/lineage.h"
#include "node/rest/route_util.h"
#include "node/rest/routes.h"
#include "node/rpc/json_convert.h"
#include "node/rpc/json_writer.h"

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

// An origin lot (an ancestor without parents): {asset, issuer, quantity, amount, unit, metadata,
// created_height, issuer_party, created_time, depth}.
void WriteAssetOrigin(JsonWriter& out, const consensus::ReadSnapshot& snap,
                      PartyDirectory* parties, const AssetAncestor& a) {
  const chain::Asset& asset = a.asset;
  out.BeginObject();
  out.Key("asset").Hex(asset.id.span());
  out.Key("issuer").String(parties->addresses().Of(asset.issuer));
  out.Key("quantity").Uint(asset.quantity);
  out.Key("amount").String(
      chain::FormatScaled(asset.quantity, chain::ScaleOf(snap.params().units, asset.unit)));
  out.Key("unit").String(asset.unit);
  WriteMetadata(out.Key("metadata"), asset.metadata);
  out.Key("created_height").Uint(asset.created_height);
  parties->WriteSummary(out.Key("issuer_party"), asset.issuer);
  out.Key("created_time");
  auto first = snap.GetAssetEvents(asset.id, 0, 1);
  if (first.ok() && !first->empty()) {
    out.Uint(first->front().time);
  } else {
    out.Null();
  }
  out.Key("depth").Uint(a.hop);
  out.EndObject();
}

struct AssetAttestation {
  const AssetAncestor* on = nullptr;
  chain::AssetEvent event;
};

// The attestations of every asset of the ancestry, with the asset (and so the hop) they were
// made at; truncated past kAssetMaxAttestations.
RestOr<std::vector<AssetAttestation>> AssetAttestations(const consensus::ReadSnapshot& snap,
                                                        const std::vector<AssetAncestor>& ancestry,
                                                        bool* truncated) {
  std::vector<AssetAttestation> list;
  for (const AssetAncestor& a : ancestry) {
    auto events = snap.GetAssetEvents(a.asset.id, 0, kAssetMaxEventsPerAncestor);
    if (!events.ok()) return RestInternalError(events.status());
    if (a.asset.event_count > kAssetMaxEventsPerAncestor) *truncated = true;
    for (chain::AssetEvent& e : *events) {
      if (e.type != chain::EventType::kAttest) continue;
      if (list.size() >= kAssetMaxAttestations) {
        *truncated = true;
        return list;
      }
      list.push_back({&a, std::move(e)});
    }
  }
  return list;
}

// Each attestation as an event with hop and on_asset.
void WriteAssetAttestations(JsonWriter& out, const consensus::ReadSnapshot& snap,
                            PartyDirectory* parties, const std::vector<AssetAttestation>& list) {
  out.BeginArray();
  for (const AssetAttestation& a : list) {
    out.BeginObject();
    RestWriteEventFields(out, snap, parties, a.event);
    out.Key("hop").Uint(a.on->hop);
    out.Key("on_asset").Hex(a.on->asset.id.span());
    out.EndObject();
  }
  out.EndArray();
}

void WriteAssetLinks(JsonWriter& out, const RestContext& ctx, const chain::Asset& asset) {
  const std::string base = ctx.public_url + "/v1/assets/" + asset.id.ToHex();
  out.BeginObject();
  out.Key("self").String(base);
  out.Key("history").String(base + "/history");
  out.Key("trace").String(base + "/trace");
  out.Key("proof").String(base + "/proof");
  out.Key("epcis").String(base + "/epcis");
  out.Key("qr").String(base + "/qr.svg");
  out.Key("page").String(ctx.public_url + "/asset/" + asset.id.ToHex());
  out.Key("digital_link");
  if (std::optional<std::string> dl = RestDigitalLinkUri(ctx, asset)) {
    out.String(*dl);
  } else {
    out.Null();
  }
  out.EndObject();
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
  auto attestations = AssetAttestations(*snap, lineage, &truncated);
  if (auto* bad = std::get_if<HttpResponse>(&attestations)) return std::move(*bad);
  JsonWriter out(8192);
  out.BeginObject().Key("asset").BeginObject();
  RestWriteAssetFields(out, *snap, &parties, self);
  out.Key("confirmations").Int(RestConfirmations(*snap, self.created_height));
  out.EndObject().Key("origins").BeginArray();
  for (const AssetAncestor& a : lineage) {
    if (a.asset.parents.empty()) WriteAssetOrigin(out, *snap, &parties, a);
  }
  out.EndArray();
  WriteAssetAttestations(out.Key("attestations"), *snap, &parties,
                         std::get<std::vector<AssetAttestation>>(attestations));
  out.Key("truncated").Bool(truncated).Key("links");
  WriteAssetLinks(out, ctx, self);
  out.EndObject();
  if (!parties.status().ok()) return RestInternalError(parties.status());
  return JsonReply(req, out.Take(), CachePolicy::kShort);
}

// A page is immutable when it is full (no later event can join it) and its newest event is
// deeper than kImmutableDepth.
CachePolicy AssetHistoryCache(const consensus::ReadSnapshot& snap,
                         const std::vector<chain::AssetEvent>& events, bool full) {
  if (!full || events.empty()) return CachePolicy::kShort;
  return RestConfirmations(snap, events.back().height) > kImmutableDepth ? CachePolicy::kImmutable
                                                                         : CachePolicy::kShort;
}

// Bytes reserved for a history reply: about what an event with party summaries takes.
constexpr size_t kHistoryBytesPerEvent = 1024;

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
  JsonWriter out(256 + kHistoryBytesPerEvent * events->size());
  out.BeginObject();
  out.Key("asset").Hex(std::get<Hash256>(id).span());
  out.Key("event_count").Uint(count);
  out.Key("events").BeginArray();
  for (const chain::AssetEvent& e : *events) {
    out.BeginObject();
    RestWriteEventFields(out, *snap, &parties, e);
    out.EndObject();
  }
  out.EndArray();
  if (!parties.status().ok()) return RestInternalError(parties.status());
  const uint64_t next = uint64_t{from} + events->size();
  const bool more = !events->empty() && next < count;
  out.Key("next_cursor");
  if (more) {
    out.String(std::to_string(next));
  } else {
    out.Null();
  }
  out.EndObject();
  return JsonReply(req, out.Take(), AssetHistoryCache(*snap, *events, more));
}

}  // namespace

void RegisterAssetRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/assets/{id}", AssetRoute);
  routes.Add("GET", "/v1/assets/{id}/history", AssetHistoryRoute);
  RegisterTraceRoute(routes);
}

}  // namespace waybill::node
