#include "node/rest/metrics_route.h"

#include <optional>
#include <string>

#include "consensus/chainstate.h"
#include "node/http/metrics.h"
#include "node/rest/route_util.h"

namespace waybill::node {

HttpResponse MetricsHandleMetrics(const RestContext& ctx, const RestRequest&) {
  if (ctx.metrics == nullptr) return Problem(404, "Not found", "this node keeps no metrics");
  HttpResponse r;
  r.status = 200;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = ctx.metrics->Render();
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse MetricsHandleHealthz(const RestContext& ctx, const RestRequest& req) {
  std::optional<std::string> unhealthy;
  if (ctx.metrics != nullptr) unhealthy = ctx.metrics->Unhealthy();
  if (unhealthy) {
    return JsonReply(req, RestJson{{"status", *unhealthy}}, CachePolicy::kNoStore, 503);
  }
  RestJson body = {{"status", "ok"}};
  if (ctx.chain != nullptr) body["height"] = ctx.chain->Figures().height;
  return JsonReply(req, body, CachePolicy::kNoStore, 200);
}

void RegisterChainMetrics(Metrics& m, const consensus::Chainstate& chain) {
  const consensus::Chainstate* c = &chain;
  m.AddGauge("waybill_chain_height", "Height of the active chain's tip.");
  m.SetCallback("waybill_chain_height", {}, [c] { return double(c->Figures().height); });
  m.AddGauge("waybill_headers_height", "Height of the most-work valid header known.");
  m.SetCallback("waybill_headers_height", {},
                [c] { return double(c->Figures().best_header_height); });
  m.AddCounter("waybill_blocks_connected_total", "Blocks connected to the active chain.");
  m.SetCallback("waybill_blocks_connected_total", {},
                [c] { return double(c->Figures().blocks_connected); });
  m.AddCounter("waybill_reorgs_total", "Tip changes that disconnected at least one block.");
  m.SetCallback("waybill_reorgs_total", {}, [c] { return double(c->Figures().reorgs); });
}

void RegisterMetricsRoutes(RestRoutes& routes) {
  routes.Add("GET", "/metrics", MetricsHandleMetrics);
  routes.Add("GET", "/healthz", MetricsHandleHealthz);
}

}  // namespace waybill::node
