// GET /v1/assets/{id}/proof (node/rest/proof_route.h): the bundle built from the request's
// snapshot (consensus::BuildProofBundle), as bytes or as JSON.
#include "node/rest/proof_route.h"

#include <string>
#include <utility>

#include "chain/contract_state.h"
#include "chain/tx.h"
#include "consensus/proof.h"
#include "node/rest/route_util.h"

namespace waybill::node {
namespace {

// A claimed effect with the fields of its kind (§11.1), ids as hex.
RestJson ProofEffectJson(const chain::ContractEffect& e) {
  RestJson out = {{"kind", chain::ContractEffectKindName(e.kind)}};
  switch (e.kind) {
    case chain::ContractEffectKind::kCoins:
      out["to"] = e.to.ToHex();
      out["amount"] = e.amount;
      break;
    case chain::ContractEffectKind::kAsset:
      out["to"] = e.to.ToHex();
      out["asset"] = e.asset.ToHex();
      break;
    case chain::ContractEffectKind::kSplit:
    case chain::ContractEffectKind::kMerge: {
      out["asset"] = e.asset.ToHex();
      if (e.kind == chain::ContractEffectKind::kSplit) out["first"] = e.amount;
      if (e.kind == chain::ContractEffectKind::kMerge) out["with"] = e.with.ToHex();
      RestJson created = RestJson::array();
      for (const auto& id : e.created) created.push_back(id.ToHex());
      out["created"] = created;
      break;
    }
  }
  return out;
}

// The bundle as JSON: the binary format's fields in order, bytes as lowercase hex; each entry
// also names its txid (derived, for readers; the verifier recomputes it).
RestJson ProofBundleJson(const consensus::ProofBundle& b) {
  RestJson headers = RestJson::array();
  for (const auto& h : b.headers) {
    const auto raw = h.Serialize();
    headers.push_back(chain::HexEncode(chain::ByteSpan(raw.data(), raw.size())));
  }
  RestJson txs = RestJson::array();
  for (const auto& t : b.txs) {
    RestJson path = RestJson::array();
    for (const auto& p : t.path) path.push_back(p.ToHex());
    auto tx = chain::DecodeTransaction(t.tx);
    txs.push_back({{"height", t.height},
                   {"position", t.position},
                   {"block_tx_count", t.block_tx_count},
                   {"path", path},
                   {"txid", tx.ok() ? RestJson(tx->Id().ToHex()) : RestJson(nullptr)},
                   {"tx", chain::HexEncode(t.tx)}});
  }
  RestJson assets = RestJson::array();
  for (const auto& a : b.assets) assets.push_back({{"asset", a.id.ToHex()}, {"events", a.events}});
  RestJson calls = RestJson::array();
  for (const auto& c : b.calls) {
    RestJson effects = RestJson::array();
    for (const auto& e : c.effects) effects.push_back(ProofEffectJson(e));
    calls.push_back({{"entry", c.entry}, {"effects", effects}});
  }
  return {{"format", "waybill-proof"},
          {"version", consensus::kProofVersion},
          {"chain_id", b.chain_id.ToHex()},
          {"subject", b.subject.ToHex()},
          {"headers", headers},
          {"txs", txs},
          {"assets", assets},
          {"profiles", b.profiles},
          {"calls", calls}};
}

HttpResponse ProofHandler(const RestContext& ctx, const RestRequest& req) {
  RestOr<chain::Hash256> id = RestParseId(req.params.at(0), "asset");
  if (auto* problem = std::get_if<HttpResponse>(&id)) return std::move(*problem);
  const chain::Hash256 asset = std::get<chain::Hash256>(id);
  const std::string format = req.Query("format").value_or("binary");
  if (format != "binary" && format != "json") {
    return Problem(400, "Bad parameter", "format must be binary or json");
  }
  const auto snap = RestSnapshot(ctx);
  auto bundle = consensus::BuildProofBundle(*snap, asset);
  if (!bundle.ok()) {
    const chain::Status& s = bundle.status();
    if (s.IsNotFound()) return Problem(404, "Not found", "no asset " + asset.ToHex());
    if (s.IsInvalid()) return Problem(422, "Lineage too large", s.reason());
    return RestInternalError(s);
  }
  // A bundle reaches the tip: it changes with every block, so it is never cached.
  if (format == "json") return JsonReply(req, ProofBundleJson(*bundle), CachePolicy::kNoStore);
  const chain::Bytes bytes = consensus::EncodeProofBundle(*bundle);
  HttpResponse r;
  r.status = 200;
  r.content_type = kProofMediaType;
  r.body.assign(bytes.begin(), bytes.end());
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + asset.ToHex() + ".wbproof\"");
  return r;
}

}  // namespace

void RegisterProofRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/assets/{id}/proof", ProofHandler);
}

}  // namespace waybill::node
