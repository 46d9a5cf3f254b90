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
  if (ctx.chain != nullptr) body["height"] = RestSnapshot(ctx)->tip().height;
  return JsonReply(req, body, CachePolicy::kNoStore, 200);
}

void RegisterMetricsRoutes(RestRoutes& routes) {
  routes.Add("GET", "/metrics", MetricsHandleMetrics);
  routes.Add("GET", "/healthz", MetricsHandleHealthz);
}

}  // namespace waybill::node
