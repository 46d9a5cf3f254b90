// GET /v1/assets/{id}/trace?direction=back|forward&max_depth=N: the lineage DAG through every
// split, merge and transformation, breadth first from the asset, in the compact form of
// docs/API.md "The trace": each asset once, each event once (inside its asset, without the
// fields /history has), each party once (nodes and events name it by its index).
//
// The reply is written with JsonWriter in one pass over the walk: no tree of values.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "node/rest/lineage.h"
#include "node/rest/route_util.h"
#include "node/rest/routes.h"
#include "node/rpc/json_convert.h"
#include "node/rpc/json_writer.h"

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

// The accounts a reply names, in the order they first appear: nodes and events carry the
// position, the reply's "parties" the address and the party summary once.
class TraceParties {
 public:
  size_t IndexOf(const chain::AccountId& id) {
    auto [it, added] = index_.emplace(id, order_.size());
    if (added) order_.push_back(id);
    return it->second;
  }

  // [{address, name, role, endorsed_by, label}]: the address and PartyDirectory's summary.
  void Write(PartyDirectory* directory, JsonWriter* w) const {
    w->BeginArray();
    for (const chain::AccountId& id : order_) {
      w->BeginObject().Field("address", directory->addresses().Of(id));
      directory->WriteSummaryMembers(*w, id);
      w->EndObject();
    }
    w->EndArray();
  }

 private:
  std::unordered_map<chain::AccountId, size_t, chain::Hash256Hasher> index_;
  std::vector<chain::AccountId> order_;
};

// quantity and amount (the decimal with the unit's scale) of q.
void TraceWriteQuantity(const chain::UnitScales& units, chain::Quantity q, const std::string& unit,
                        JsonWriter* w) {
  w->Field("quantity", uint64_t{q}).Field("amount",
                                          chain::FormatScaled(q, chain::ScaleOf(units, unit)));
}

// As json_convert's MetadataToJson: published {key, value}, committed {key, commitment}.
// {type, height, time, actor, counterparty (transfer), claim, value, document (attest)}.
void TraceWriteEvent(const chain::AssetEvent& e, TraceParties* parties, JsonWriter* w) {
  w->BeginObject()
      .Field("type", chain::EventTypeName(e.type))
      .Field("height", e.height)
      .Field("time", e.time)
      .Field("actor", uint64_t{parties->IndexOf(e.actor)});
  if (!e.counterparty.IsZero()) {
    w->Field("counterparty", uint64_t{parties->IndexOf(e.counterparty)});
  }
  if (e.type == chain::EventType::kAttest) {
    w->Field("claim", e.claim).Field("value", e.value).Key("document");
    if (e.document.IsZero()) {
      w->Null();
    } else {
      w->String(e.document.ToHex());
    }
  }
  w->EndObject();
}

struct TraceWriteState {
  const consensus::ReadSnapshot& snap;
  TraceParties parties;
  size_t events_left = kTraceMaxEvents;
  bool truncated = false;
};

// One node with its first events (at most kTraceMaxEventsPerNode, and what is left of
// kTraceMaxEvents).
chain::Status TraceWriteNode(const LineageNode& n, TraceWriteState* s, JsonWriter* w) {
  const chain::Asset& a = n.asset;
  w->BeginObject().Field("asset", a.id.ToHex()).Field("depth", n.depth);
  w->Field("status", chain::AssetStatusName(a.status));
  TraceWriteQuantity(s->snap.params().units, a.quantity, a.unit, w);
  w->Field("unit", a.unit).Key("metadata");
  WriteMetadata(*w, a.metadata);  // as MetadataToJson
  w->Field("custodian", uint64_t{s->parties.IndexOf(a.custodian)})
      .Field("created_height", a.created_height)
      .Field("event_count", a.event_count)
      .Key("events")
      .BeginArray();
  const uint32_t want = static_cast<uint32_t>(
      std::min<size_t>({kTraceMaxEventsPerNode, s->events_left, a.event_count}));
  if (a.event_count > want) s->truncated = true;
  if (want > 0) {
    auto read = s->snap.GetAssetEvents(a.id, 0, want);
    if (!read.ok()) return read.status();
    for (const chain::AssetEvent& e : *read) TraceWriteEvent(e, &s->parties, w);
    s->events_left -= read->size();
  }
  w->EndArray().EndObject();
  return chain::Status::Ok();
}

// Every parent -> child link between two nodes of the walk, by the child's position:
// {from, to (node positions), kind, quantity, amount, unit}. The quantity is what flowed: the
// child's for a split, the input's (the parent's) for a merge or a transformation.
void TraceWriteEdges(const Lineage& g, const chain::UnitScales& units, JsonWriter* w) {
  w->BeginArray();
  for (size_t to = 0; to < g.nodes.size(); ++to) {
    const chain::Asset& child = g.nodes[to].asset;
    for (const Hash256& parent_id : child.parents) {
      auto from = g.index.find(parent_id);
      if (from == g.index.end()) continue;
      const chain::Asset& parent = g.nodes[from->second].asset;
      const chain::Asset& flowed = parent.status == chain::AssetStatus::kSplit ? child : parent;
      w->BeginObject()
          .Field("from", uint64_t{from->second})
          .Field("to", uint64_t{to})
          .Field("kind", TraceEdgeKind(parent.status));
      TraceWriteQuantity(units, flowed.quantity, flowed.unit, w);
      w->Field("unit", flowed.unit).EndObject();
    }
  }
  w->EndArray();
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
  const LineageLimits limits{std::get<uint32_t>(max_depth), kTraceMaxNodes};
  auto walk = WalkLineage(
      std::move(std::get<chain::Asset>(root)),
      direction == "back" ? LineageDirection::kBack : LineageDirection::kForward, limits,
      [&snap](const Hash256& a) { return snap->GetAsset(a); });
  if (!walk.ok()) return RestInternalError(walk.status());
  const Lineage& g = *walk;

  // About 250 bytes a node with its one or two events and its edge.
  JsonWriter w(512 + 256 * g.nodes.size());
  w.BeginObject()
      .Field("root", std::get<Hash256>(id).ToHex())
      .Field("direction", direction)
      .Field("max_depth", limits.max_depth);
  w.Key("limits")
      .BeginObject()
      .Field("nodes", uint64_t{kTraceMaxNodes})
      .Field("events_per_node", kTraceMaxEventsPerNode)
      .Field("events", uint64_t{kTraceMaxEvents})
      .EndObject();
  TraceWriteState state{*snap, {}};
  w.Key("nodes").BeginArray();
  for (const LineageNode& n : g.nodes) {
    chain::Status s = TraceWriteNode(n, &state, &w);
    if (!s.ok()) return RestInternalError(s);
  }
  w.EndArray().Key("edges");
  TraceWriteEdges(g, snap->params().units, &w);
  PartyDirectory directory = RestParties(snap);
  w.Key("parties");
  state.parties.Write(&directory, &w);
  if (!directory.status().ok()) return RestInternalError(directory.status());
  w.Field("truncated", g.truncated || state.truncated).EndObject();
  return JsonReply(req, w.Take(), CachePolicy::kShort);
}

}  // namespace

void RegisterTraceRoute(RestRoutes& routes) {
  routes.Add("GET", "/v1/assets/{id}/trace", TraceRoute);
}

}  // namespace waybill::node
