// GET /v1/assets/{id}/trace?direction=back|forward&max_depth=N: the lineage DAG through every
// split, merge and transformation, breadth first from the asset.
#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "node/rest/route_util.h"
#include "node/rest/routes.h"
#include "node/rpc/json_convert.h"

namespace waybill::node {
namespace {

using chain::Hash256;

constexpr uint32_t kTraceDefaultDepth = 64;
constexpr uint32_t kTraceMaxDepth = 1000;
// Bounds of one reply (docs/API.md "Limits"): nodes, events per node, events in all. Past any
// of them the reply says "truncated": true.
constexpr size_t kTraceMaxNodes = 5000;
constexpr uint32_t kTraceMaxEventsPerNode = 1000;
constexpr size_t kTraceMaxEvents = 20000;

struct TraceNode {
  chain::Asset asset;
  uint32_t depth = 0;
};

struct TraceGraph {
  std::vector<TraceNode> nodes;
  std::map<Hash256, size_t> index;  // asset id -> position in nodes
  RestJson edges = RestJson::array();
  bool truncated = false;
};

const char* TraceEdgeKind(chain::AssetStatus parent_status) {
  switch (parent_status) {
    case chain::AssetStatus::kSplit:
      return "split";
    case chain::AssetStatus::kMerged:
      return "merge";
    default:
      return "transform";
  }
}

// The edge parent -> child: created by the child's creating tx; the quantity that flowed is
// the child's for a split, the input's (parent's) for a merge or a transformation.
RestJson TraceEdge(const consensus::ReadSnapshot& snap, const chain::Asset& parent,
                   const chain::Asset& child) {
  const bool split = parent.status == chain::AssetStatus::kSplit;
  const chain::Asset& flowed = split ? child : parent;
  RestJson q = AssetToJson(flowed, RestHrp(snap), snap.params().units);
  return {{"from", parent.id.ToHex()},
          {"to", child.id.ToHex()},
          {"kind", TraceEdgeKind(parent.status)},
          {"txid", child.created_tx.ToHex()},
          {"height", child.created_height},
          {"quantity", q["quantity"]},
          {"amount", q["amount"]},
          {"unit", q["unit"]}};
}

// Visits the graph breadth first. A neighbour past kTraceMaxNodes is left out (truncated),
// and so is its edge.
chain::Status TraceWalk(const consensus::ReadSnapshot& snap, bool back, uint32_t max_depth,
                        TraceGraph* g) {
  for (size_t i = 0; i < g->nodes.size(); ++i) {
    if (g->nodes[i].depth >= max_depth) continue;
    const chain::Asset here = g->nodes[i].asset;
    const uint32_t depth = g->nodes[i].depth + 1;
    for (const Hash256& next : back ? here.parents : here.children) {
      auto found = g->index.find(next);
      if (found == g->index.end()) {
        if (g->nodes.size() >= kTraceMaxNodes) {
          g->truncated = true;
          continue;
        }
        auto asset = snap.GetAsset(next);
        if (!asset.ok()) return asset.status();
        if (!*asset) continue;
        found = g->index.emplace(next, g->nodes.size()).first;
        g->nodes.push_back({std::move(**asset), depth});
      }
      const chain::Asset& other = g->nodes[found->second].asset;
      g->edges.push_back(back ? TraceEdge(snap, other, here) : TraceEdge(snap, here, other));
    }
  }
  return chain::Status::Ok();
}

RestOr<RestJson> TraceNodeJson(const consensus::ReadSnapshot& snap, PartyDirectory* parties,
                               const TraceNode& n, size_t* events_left, bool* truncated) {
  RestJson full = AssetToJson(n.asset, RestHrp(snap), snap.params().units);
  RestJson j = {{"asset", full["asset"]},       {"depth", n.depth},
                {"status", full["status"]},     {"quantity", full["quantity"]},
                {"amount", full["amount"]},     {"unit", full["unit"]},
                {"metadata", full["metadata"]}, {"issuer", full["issuer"]},
                {"custodian", full["custodian"]}};
  parties->Annotate(&j, "custodian", n.asset.custodian);
  const uint32_t want =
      static_cast<uint32_t>(std::min<size_t>(kTraceMaxEventsPerNode, *events_left));
  if (n.asset.event_count > want) *truncated = true;
  RestJson events = RestJson::array();
  if (want > 0) {
    auto read = snap.GetAssetEvents(n.asset.id, 0, want);
    if (!read.ok()) return RestInternalError(read.status());
    for (const chain::AssetEvent& e : *read) events.push_back(EventToJson(e, RestHrp(snap)));
    *events_left -= read->size();
  }
  j["events"] = std::move(events);
  return j;
}

HttpResponse TraceRoute(const RestContext& ctx, const RestRequest& req) {
  auto id = RestParseId(req.params.at(0), "asset");
  if (auto* bad = std::get_if<HttpResponse>(&id)) return std::move(*bad);
  const std::string direction = req.Query("direction").value_or("back");
  if (direction != "back" && direction != "forward") {
    return Problem(400, "Bad parameter", "direction: expected back or forward");
  }
  auto max_depth = RestParseUint(req, "max_depth", 0, kTraceMaxDepth, kTraceDefaultDepth);
  if (auto* bad = std::get_if<HttpResponse>(&max_depth)) return std::move(*bad);
  auto snap = RestSnapshot(ctx);
  auto root = RestLoadAsset(*snap, std::get<Hash256>(id));
  if (auto* bad = std::get_if<HttpResponse>(&root)) return std::move(*bad);
  TraceGraph g;
  g.index.emplace(std::get<Hash256>(id), 0);
  g.nodes.push_back({std::move(std::get<chain::Asset>(root)), 0});
  chain::Status walked =
      TraceWalk(*snap, direction == "back", std::get<uint32_t>(max_depth), &g);
  if (!walked.ok()) return RestInternalError(walked);
  PartyDirectory parties = RestParties(snap);
  RestJson nodes = RestJson::array();
  size_t events_left = kTraceMaxEvents;
  for (const TraceNode& n : g.nodes) {
    auto j = TraceNodeJson(*snap, &parties, n, &events_left, &g.truncated);
    if (auto* bad = std::get_if<HttpResponse>(&j)) return std::move(*bad);
    nodes.push_back(std::move(std::get<RestJson>(j)));
  }
  if (!parties.status().ok()) return RestInternalError(parties.status());
  RestJson body = {{"root", std::get<Hash256>(id).ToHex()},
                   {"direction", direction},
                   {"max_depth", std::get<uint32_t>(max_depth)},
                   {"truncated", g.truncated},
                   {"nodes", std::move(nodes)},
                   {"edges", std::move(g.edges)}};
  return JsonReply(req, body, CachePolicy::kShort);
}

}  // namespace

void RegisterTraceRoute(RestRoutes& routes) {
  routes.Add("GET", "/v1/assets/{id}/trace", TraceRoute);
}

}  // namespace waybill::node
