// node/rest/metrics_route.h: GET /metrics renders the registry with the Prometheus content type;
// GET /healthz answers 200 while healthy and 503 with the reason once the node is stopping or
// failed; both routes are registered under their exact patterns. On a real chainstate, the
// chain's series, /healthz and the REST syncing check answer while another thread holds the
// chainstate's lock (as a block being connected does), and see headers that arrived after the
// last tip change.
#include "node/rest/metrics_route.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "consensus/chainstate.h"
#include "node/http/metrics.h"
#include "node/rest/rest_server.h"
#include "node/rest/route_util.h"
#include "node/rest/snapshots.h"
#include "tests/unit/node_test_util.h"

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

class RestMetricsChainTest : public testing::RegtestFixture {
 protected:
  // Mines an empty block on the tip.
  void Connect() {
    const consensus::TipInfo tip = chain_->Tip();
    chain::Block b = consensus::testing::MakeBlock(params_, tip.id, tip.height, {}, Id(9));
    consensus::BlockOutcome outcome;
    ASSERT_TRUE(chain_->ProcessBlockBytes(b.Serialize(), &outcome).valid());
  }
  // Headers of `count` blocks on the tip, accepted without their bodies.
  void AcceptHeadersAhead(uint32_t count) {
    const consensus::TipInfo tip = chain_->Tip();
    std::vector<chain::BlockHeader> headers;
    chain::Hash256 prev = tip.id;
    for (uint32_t i = 0; i < count; ++i) {
      chain::Block b = consensus::testing::MakeBlock(params_, prev, tip.height + i, {}, Id(9));
      headers.push_back(b.header);
      prev = b.header.Id();
    }
    ASSERT_TRUE(chain_->AcceptHeaders(headers).result.valid());
  }
};

TEST_F(RestMetricsChainTest, ChainFiguresDoNotWaitForTheChainstateLock) {
  Connect();
  Connect();
  RestSnapshots snapshots(chain_.get());
  Metrics metrics;
  RegisterChainMetrics(metrics, *chain_);
  RestContext ctx;
  ctx.params = &params_;
  ctx.chain = chain_.get();
  ctx.snapshots = &snapshots;
  ctx.metrics = &metrics;
  // After the snapshot's tip change: only the published figures know these headers.
  AcceptHeadersAhead(7);

  HttpResponse rendered, health;
  bool syncing = false;
  uint32_t best = 0;
  EXPECT_TRUE(testing::RunsWhileChainstateLocked(*chain_, [&] {
    HttpRequest http;
    http.method = "GET";
    http.target = "/metrics";
    rendered = MetricsHandleMetrics(ctx, Get(http));
    http.target = "/healthz";
    health = MetricsHandleHealthz(ctx, Get(http));
    syncing = RestNodeSyncing(ctx, 6);
    best = RestBestHeaderHeight(ctx);
  }));
  EXPECT_EQ(rendered.status, 200);
  EXPECT_NE(rendered.body.find("\nwaybill_chain_height 2\n"), std::string::npos) << rendered.body;
  EXPECT_NE(rendered.body.find("\nwaybill_headers_height 9\n"), std::string::npos);
  EXPECT_NE(rendered.body.find("\nwaybill_blocks_connected_total 2\n"), std::string::npos);
  EXPECT_NE(rendered.body.find("\nwaybill_reorgs_total 0\n"), std::string::npos);
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(RestJson::parse(health.body), (RestJson{{"status", "ok"}, {"height", 2}}));
  EXPECT_EQ(best, 9u);
  EXPECT_TRUE(syncing);  // 7 headers ahead of the snapshot's tip: more than 6
}

}  // namespace
}  // namespace waybill::node
