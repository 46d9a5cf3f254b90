// node/rest/metrics_route.h: GET /metrics renders the registry with the Prometheus content type;
// GET /healthz answers 200 while healthy and 503 with the reason once the node is stopping or
// failed; both routes are registered under their exact patterns.
#include "node/rest/metrics_route.h"

#include <gtest/gtest.h>

#include <string>

#include "node/http/metrics.h"

namespace waybill::node {
namespace {

RestRequest Get(const HttpRequest& http) {
  auto parsed = ParseRestTarget(http);
  EXPECT_TRUE(parsed.has_value());
  return parsed.value_or(RestRequest{});
}

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(RestMetricsTest, MetricsRendersTheRegistry) {
  Metrics metrics;
  metrics.AddGauge("waybill_chain_height", "Height.");
  metrics.SetCallback("waybill_chain_height", {}, [] { return 42; });
  RestContext ctx;
  ctx.metrics = &metrics;
  HttpRequest http;
  http.method = "GET";
  http.target = "/metrics";
  HttpResponse r = MetricsHandleMetrics(ctx, Get(http));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("\nwaybill_chain_height 42\n"), std::string::npos) << r.body;
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-store");
  RestContext empty;
  EXPECT_EQ(MetricsHandleMetrics(empty, Get(http)).status, 404);
}

TEST(RestMetricsTest, HealthzIsOkUntilTheNodeStops) {
  Metrics metrics;
  RestContext ctx;
  ctx.metrics = &metrics;
  HttpRequest http;
  http.method = "GET";
  http.target = "/healthz";
  HttpResponse ok = MetricsHandleHealthz(ctx, Get(http));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(RestJson::parse(ok.body)["status"], "ok");
  metrics.SetUnhealthy("stopping");
  HttpResponse stopping = MetricsHandleHealthz(ctx, Get(http));
  EXPECT_EQ(stopping.status, 503);
  EXPECT_EQ(RestJson::parse(stopping.body), (RestJson{{"status", "stopping"}}));
  EXPECT_EQ(HeaderOf(stopping, "Cache-Control"), "no-store");
}

TEST(RestMetricsTest, RoutesAreRegistered) {
  RestRoutes routes;
  RegisterMetricsRoutes(routes);
  auto m = routes.Find("GET", {"metrics"});
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.pattern, "/metrics");
  auto h = routes.Find("GET", {"healthz"});
  ASSERT_NE(h.handler, nullptr);
  EXPECT_EQ(h.pattern, "/healthz");
  EXPECT_EQ(routes.Find("GET", {"metrics", "x"}).handler, nullptr);
}

}  // namespace
}  // namespace waybill::node
