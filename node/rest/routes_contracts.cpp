// GET /v1/contracts/{address}: a contract's code summary, balance, holdings, storage and recent
// calls, in getcontract's shape (node/rpc/contracts.h).
#include <utility>

#include "node/rest/route_util.h"
#include "node/rest/routes.h"
#include "node/rpc/contracts.h"

namespace waybill::node {
namespace {

HttpResponse ContractRoute(const RestContext& ctx, const RestRequest& req) {
  auto snap = RestSnapshot(ctx);
  auto id = RestParseAccount(*snap, req.params.at(0));
  if (auto* bad = std::get_if<HttpResponse>(&id)) return std::move(*bad);
  ContractViewLimits limits;
  auto storage = RestParseUint(req, "storage_limit", 0, ContractViewLimits::kMaxStorage,
                               ContractViewLimits::kDefaultStorage);
  if (auto* bad = std::get_if<HttpResponse>(&storage)) return std::move(*bad);
  auto calls = RestParseUint(req, "calls_limit", 0, ContractViewLimits::kMaxCalls,
                             ContractViewLimits::kDefaultCalls);
  if (auto* bad = std::get_if<HttpResponse>(&calls)) return std::move(*bad);
  auto assets = RestParseUint(req, "assets_limit", 0, ContractViewLimits::kMaxAssets,
                              ContractViewLimits::kDefaultAssets);
  if (auto* bad = std::get_if<HttpResponse>(&assets)) return std::move(*bad);
  limits.storage = std::get<uint32_t>(storage);
  limits.calls = std::get<uint32_t>(calls);
  limits.assets = std::get<uint32_t>(assets);
  auto view = ContractViewJson(*snap, std::get<chain::AccountId>(id), limits);
  if (!view.ok()) return RestInternalError(view.status());
  if (!*view) return Problem(404, "Not found", "no contract " + req.params.at(0));
  // Balance, storage and calls change with any block: cached as briefly as the asset page.
  return JsonReply(req, **view, CachePolicy::kShort);
}

}  // namespace

void RegisterContractRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/contracts/{address}", ContractRoute);
}

}  // namespace waybill::node
