#include "node/rest/route_util.h"

#include <utility>

#include "chain/bech32.h"
#include "chain/quantity.h"
#include "consensus/chainstate.h"
#include "node/rest/snapshots.h"
#include "node/rpc/json_convert.h"
#include "node/rpc/json_writer.h"

namespace waybill::node {
namespace {

// A decimal of at most 10 digits and nothing else ("", "+1", "-1", " 1", "1e3" are not).
std::optional<uint64_t> UtilParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

HttpResponse UtilBadParameter(std::string_view name, std::string detail) {
  return Problem(400, "Bad parameter", std::string(name) + ": " + detail);
}

}  // namespace

std::shared_ptr<const consensus::ReadSnapshot> RestSnapshot(const RestContext& ctx) {
  if (ctx.snapshots != nullptr) return ctx.snapshots->Latest();
  return ctx.chain->TakeSnapshot();
}

uint32_t RestBestHeaderHeight(const RestContext& ctx) {
  // Published as each header arrives, without the chainstate's lock (a snapshot's would be
  // as old as its tip: the syncing check would miss headers that arrived since).
  return ctx.chain->Figures().best_header_height;
}

HttpResponse RestInternalError(const chain::Status& status) {
  (void)status;  // the store's message names files of the node: not for the public
  return Problem(500, "Internal error", "the node could not read its database");
}

RestOr<chain::Hash256> RestParseId(const std::string& text, std::string_view what) {
  std::optional<chain::Hash256> id = chain::Hash256::FromHex(text);
  if (!id) {
    return Problem(400, "Malformed id", std::string(what) + " id must be 64 hex digits");
  }
  return *id;
}

RestOr<chain::AccountId> RestParseAccount(const consensus::ReadSnapshot& snap,
                                          const std::string& text) {
  auto id = chain::bech32::ParseAccount(RestHrp(snap), text);
  if (!id.ok()) {
    return Problem(400, "Malformed address",
                   "expected an address of this network (" + RestHrp(snap) +
                       "1...) or a 64-hex account id");
  }
  return *id;
}

RestOr<uint32_t> RestParseUint(const RestRequest& req, std::string_view name, uint32_t lo,
                               uint32_t hi, uint32_t fallback) {
  std::optional<std::string> text = req.Query(name);
  if (!text) return fallback;
  std::optional<uint64_t> v = UtilParseDecimal(*text);
  if (!v || *v < lo || *v > hi) {
    return UtilBadParameter(name, "expected an integer from " + std::to_string(lo) + " to " +
                                      std::to_string(hi));
  }
  return static_cast<uint32_t>(*v);
}

RestOr<std::optional<chain::Hash256>> RestParseAfter(const RestRequest& req,
                                                     std::string_view name) {
  std::optional<std::string> text = req.Query(name);
  if (!text) return std::optional<chain::Hash256>();
  std::optional<chain::Hash256> id = chain::Hash256::FromHex(*text);
  if (!id) return UtilBadParameter(name, "expected a 64-hex id (the previous page's next_cursor)");
  return id;
}

const std::string& RestHrp(const consensus::ReadSnapshot& snap) {
  return snap.params().address_prefix;
}

PartyDirectory RestParties(const std::shared_ptr<const consensus::ReadSnapshot>& snap) {
  return PartyDirectory(
      [snap](const chain::AccountId& id, size_t max_endorsements) {
        return snap->GetParty(id, max_endorsements);
      },
      RestHrp(*snap));
}

std::optional<uint64_t> RestEventYield(const consensus::ReadSnapshot& snap,
                                       const chain::AssetEvent& e) {
  auto linked = [&snap](const chain::Hash256& id) -> std::optional<chain::Asset> {
    auto a = snap.GetAsset(id);
    if (!a.ok() || !*a) return std::nullopt;
    return std::move(**a);
  };
  std::vector<chain::Hash256> inputs, outputs;
  if (e.related.empty()) return std::nullopt;
  if (e.type == chain::EventType::kTransform) {
    outputs = e.related;
    auto first = linked(outputs.front());
    if (!first) return std::nullopt;
    inputs = first->parents;
  } else if (e.type == chain::EventType::kTransformOutput) {
    inputs = e.related;
    auto first = linked(inputs.front());
    if (!first) return std::nullopt;
    outputs = first->children;
  } else {
    return std::nullopt;
  }
  chain::UnitSum in, out;
  for (const chain::Hash256& id : inputs) {
    auto a = linked(id);
    if (!a) return std::nullopt;
    in.Add(a->quantity, a->unit);
  }
  for (const chain::Hash256& id : outputs) {
    auto a = linked(id);
    if (!a) return std::nullopt;
    out.Add(a->quantity, a->unit);
  }
  return chain::TransformYieldPpm(in, out, snap.params().units);
}

template <typename Sink>
void RestWriteEventFields(Sink& out, const consensus::ReadSnapshot& snap,
                          PartyDirectory* parties, const chain::AssetEvent& event) {
  WriteEventFields(out, event, parties->addresses(), RestEventYield(snap, event));
  WriteEventParties(out, parties, event);
  out.Key("confirmations").Int(RestConfirmations(snap, event.height));
}

template <typename Sink>
void RestWriteAssetFields(Sink& out, const consensus::ReadSnapshot& snap,
                          PartyDirectory* parties, const chain::Asset& asset) {
  WriteAssetFields(out, asset, parties->addresses(), snap.params().units);
  WriteAssetParties(out, parties, asset);
}

template void RestWriteEventFields(JsonWriter&, const consensus::ReadSnapshot&, PartyDirectory*,
                                   const chain::AssetEvent&);
template void RestWriteEventFields(JsonTreeBuilder&, const consensus::ReadSnapshot&,
                                   PartyDirectory*, const chain::AssetEvent&);
template void RestWriteAssetFields(JsonWriter&, const consensus::ReadSnapshot&, PartyDirectory*,
                                   const chain::Asset&);
template void RestWriteAssetFields(JsonTreeBuilder&, const consensus::ReadSnapshot&,
                                   PartyDirectory*, const chain::Asset&);

RestJson RestEventJson(const consensus::ReadSnapshot& snap, PartyDirectory* parties,
                       const chain::AssetEvent& event) {
  JsonTreeBuilder b;
  b.BeginObject();
  RestWriteEventFields(b, snap, parties, event);
  b.EndObject();
  return b.Take();
}

RestJson RestAssetJson(const consensus::ReadSnapshot& snap, PartyDirectory* parties,
                       const chain::Asset& asset) {
  JsonTreeBuilder b;
  b.BeginObject();
  RestWriteAssetFields(b, snap, parties, asset);
  b.EndObject();
  return b.Take();
}

RestOr<chain::Asset> RestLoadAsset(const consensus::ReadSnapshot& snap,
                                   const chain::Hash256& id) {
  auto asset = snap.GetAsset(id);
  if (!asset.ok()) return RestInternalError(asset.status());
  if (!*asset) return Problem(404, "Not found", "no asset " + id.ToHex());
  return std::move(**asset);
}

std::optional<std::string> RestMetadataValue(const chain::Asset& asset, std::string_view key) {
  for (const chain::MetadataEntry& m : asset.metadata) {
    if (m.kind == chain::MetaKind::kPublished && m.key == key) return m.value;
  }
  return std::nullopt;
}

}  // namespace waybill::node
