// GET /v1/accounts/{address}: balance, nonce, party and the open assets in its custody.
#include <utility>

#include "node/rest/route_util.h"
#include "node/rest/routes.h"
#include "node/rpc/json_convert.h"

namespace waybill::node {
namespace {

constexpr uint32_t kAccountDefaultLimit = 100;
constexpr uint32_t kAccountMaxLimit = 1000;

HttpResponse AccountRoute(const RestContext& ctx, const RestRequest& req) {
  auto snap = RestSnapshot(ctx);
  auto id = RestParseAccount(*snap, req.params.at(0));
  if (auto* bad = std::get_if<HttpResponse>(&id)) return std::move(*bad);
  auto after = RestParseAfter(req, "after");
  if (auto* bad = std::get_if<HttpResponse>(&after)) return std::move(*bad);
  auto limit = RestParseUint(req, "limit", 1, kAccountMaxLimit, kAccountDefaultLimit);
  if (auto* bad = std::get_if<HttpResponse>(&limit)) return std::move(*bad);
  const chain::AccountId account = std::get<chain::AccountId>(id);
  auto state = snap->GetAccount(account);
  if (!state.ok()) return RestInternalError(state.status());
  auto page = snap->ListCustody(account, std::get<std::optional<chain::Hash256>>(after),
                                std::get<uint32_t>(limit));
  if (!page.ok()) return RestInternalError(page.status());
  PartyDirectory parties = RestParties(snap);
  RestJson assets = RestJson::array();
  for (const chain::Hash256& asset_id : page->assets) {
    auto asset = RestLoadAsset(*snap, asset_id);
    if (std::holds_alternative<HttpResponse>(asset)) {
      return RestInternalError(chain::Status::Corruption("custody index names a lost asset"));
    }
    assets.push_back(RestAssetJson(*snap, &parties, std::get<chain::Asset>(asset)));
  }
  RestJson j = AccountToJson(account, *state, RestHrp(*snap));
  j["party"] = parties.Summary(account);
  j["assets"] = std::move(assets);
  j["next_cursor"] = page->more && !page->assets.empty() ? RestJson(page->assets.back().ToHex())
                                                         : RestJson(nullptr);
  if (!parties.status().ok()) return RestInternalError(parties.status());
  return JsonReply(req, j, CachePolicy::kShort);
}

}  // namespace

void RegisterAccountRoutes(RestRoutes& routes) {
  routes.Add("GET", "/v1/accounts/{address}", AccountRoute);
}

}  // namespace waybill::node
