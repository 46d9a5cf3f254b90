// The EPCIS loader (the events of an asset or of its lineage, through a reader) and the route
// GET /v1/assets/{id}/epcis.
#include <algorithm>
#include <tuple>
#include <variant>
#include <utility>

#include "consensus/params.h"
#include "consensus/read_snapshot.h"
#include "node/rest/epcis.h"
#include "node/rest/lineage.h"
#include "node/rest/route_util.h"

namespace waybill::node {
namespace {

using chain::Asset;
using chain::AssetEvent;
using chain::EventType;
using chain::Hash256;

// Events are read in pages of this many.
constexpr uint32_t kEpcisPage = 1000;
// Assets named by the events (inputs and outputs of splits, merges and transforms) that are
// read besides the mapped ones; past this they are named without their metadata.
constexpr size_t kEpcisMaxNamedAssets = 4 * kEpcisMaxAssets;

// An asset whose events are mapped: the requested one (depth 0) or an ancestor.
using EpcisMapped = LineageNode;

// Every event of the mapped assets, at most kEpcisMaxEvents; false if the bound stopped it.
chain::Result<bool> EpcisCollectEvents(const EpcisReader& reader,
                                       const std::vector<EpcisMapped>& order,
                                       std::vector<std::pair<uint32_t, AssetEvent>>* events) {
  for (const EpcisMapped& m : order) {
    uint32_t from = 0;
    while (from < m.asset.event_count) {
      if (events->size() >= kEpcisMaxEvents) return false;
      uint32_t room = static_cast<uint32_t>(kEpcisMaxEvents - events->size());
      auto page = reader.get_events(m.asset.id, from, std::min(kEpcisPage, room));
      if (!page.ok()) return page.status();
      if (page->empty()) break;
      for (AssetEvent& e : *page) events->emplace_back(m.depth, std::move(e));
      from += static_cast<uint32_t>(page->size());
    }
  }
  return true;
}

// The ids whose records the mapping of e names (EpcisSides in epcis.cpp): related, and the
// other side of the first related asset.
chain::Status EpcisLoadNamed(const EpcisReader& reader, const AssetEvent& e, EpcisInput* in) {
  if (e.type == EventType::kIssue || e.type == EventType::kTransfer ||
      e.type == EventType::kAttest || e.type == EventType::kCorrect) {
    return chain::Status::Ok();
  }
  auto load = [&](const Hash256& id) -> chain::Result<const Asset*> {
    auto it = in->assets.find(id);
    if (it != in->assets.end()) return &it->second;
    if (in->assets.size() >= kEpcisMaxNamedAssets) return static_cast<const Asset*>(nullptr);
    auto a = reader.get_asset(id);
    if (!a.ok()) return a.status();
    if (!*a) return static_cast<const Asset*>(nullptr);
    return &in->assets.emplace(id, std::move(**a)).first->second;
  };
  for (size_t i = 0; i < e.related.size(); ++i) {
    auto a = load(e.related[i]);
    if (!a.ok()) return a.status();
    if (i != 0 || *a == nullptr) continue;
    const bool parents = e.type == EventType::kMerge || e.type == EventType::kTransform;
    const bool children =
        e.type == EventType::kSplitChild || e.type == EventType::kTransformOutput;
    std::vector<Hash256> side;
    if (parents) side = (*a)->parents;
    if (children) side = (*a)->children;
    for (const Hash256& id : side) {
      auto s = load(id);
      if (!s.ok()) return s.status();
    }
  }
  return chain::Status::Ok();
}

bool EpcisParseLineage(const RestRequest& req, bool* lineage) {
  auto v = req.Query("lineage");
  *lineage = v && (*v == "1" || *v == "true");
  return !v || *v == "0" || *v == "1" || *v == "true" || *v == "false";
}

HttpResponse EpcisHandle(const RestContext& ctx, const RestRequest& req) {
  RestOr<Hash256> id = RestParseId(req.params.at(0), "asset");
  if (auto* problem = std::get_if<HttpResponse>(&id)) return std::move(*problem);
  bool lineage = false;
  if (!EpcisParseLineage(req, &lineage)) {
    return Problem(400, "Bad parameter", "lineage must be 0 or 1");
  }
  std::shared_ptr<const consensus::ReadSnapshot> snap = RestSnapshot(ctx);
  EpcisReader reader;
  reader.get_asset = [&snap](const Hash256& a) { return snap->GetAsset(a); };
  reader.get_events = [&snap](const Hash256& a, uint32_t from, uint32_t limit) {
    return snap->GetAssetEvents(a, from, limit);
  };
  EpcisOptions options;
  options.hrp = snap->params().address_prefix;
  options.units = snap->params().units;
  options.creation_time = snap->tip().header.time;
  const Hash256& asset = std::get<Hash256>(id);
  auto input = LoadEpcisInput(reader, asset, lineage);
  if (!input.ok()) return RestInternalError(input.status());
  if (!*input) return Problem(404, "Not found", "no asset " + asset.ToHex());
  HttpResponse r = JsonReply(req, EpcisDocument(**input, options), CachePolicy::kShort);
  if (r.status == 200) r.content_type = "application/ld+json";
  return r;
}

}  // namespace

chain::Result<std::optional<EpcisInput>> LoadEpcisInput(const EpcisReader& reader,
                                                        const Hash256& asset, bool lineage) {
  auto root = reader.get_asset(asset);
  if (!root.ok()) return root.status();
  if (!*root) return std::optional<EpcisInput>();
  // Without lineage, the walk stops at depth 0: the asset alone.
  const LineageLimits limits{lineage ? UINT32_MAX : 0, kEpcisMaxAssets};
  auto walk = WalkLineage(std::move(**root), LineageDirection::kBack, limits, reader.get_asset);
  if (!walk.ok()) return walk.status();
  std::vector<EpcisMapped>& order = walk->nodes;
  std::vector<std::pair<uint32_t, AssetEvent>> events;
  auto all_events = EpcisCollectEvents(reader, order, &events);
  if (!all_events.ok()) return all_events.status();

  EpcisInput in;
  in.truncated = walk->truncated || !*all_events;
  for (EpcisMapped& m : order) in.assets.emplace(m.asset.id, std::move(m.asset));
  // By height; within a block, older assets (created earlier, further back) first, then
  // each asset's events in sequence: a parent's events before its children's.
  auto key = [&in](const std::pair<uint32_t, AssetEvent>& p) {
    const AssetEvent& e = p.second;
    uint32_t created = in.assets.at(e.asset).created_height;
    return std::make_tuple(e.height, created, ~p.first, e.asset, e.sequence);
  };
  std::stable_sort(events.begin(), events.end(),
                   [&key](const auto& a, const auto& b) { return key(a) < key(b); });
  for (auto& [depth, e] : events) {
    chain::Status s = EpcisLoadNamed(reader, e, &in);
    if (!s.ok()) return s;
    in.events.push_back(std::move(e));
  }
  return std::optional<EpcisInput>(std::move(in));
}

void RegisterEpcisRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/assets/{id}/epcis", EpcisHandle);
}

}  // namespace waybill::node
