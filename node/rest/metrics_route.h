// GET /metrics and GET /healthz on the REST listener (docs/API.md "Metrics"). The RPC listener
// serves neither (it keeps its public GET /health).
#pragma once

#include "node/rest/rest.h"

namespace waybill::consensus {
class Chainstate;
}

namespace waybill::node {

class Metrics;

// GET /metrics: RestContext::metrics rendered in the Prometheus text format 0.0.4
//   (Content-Type "text/plain; version=0.0.4; charset=utf-8", Cache-Control: no-store);
//   404 problem when the context has no metrics.
// GET /healthz: 200 {"status":"ok","height":H} while the node runs (H: the tip now, from
//   Chainstate::Figures(), without the chainstate's lock); 503
//   {"status":"stopping"} once a stop was requested, {"status":"failed"} after a fatal local
//   error (the chain database or another write failed: the node is stopping too) — the reason
//   the Metrics registry holds (Metrics::Unhealthy). Cache-Control: no-store.
void RegisterMetricsRoutes(RestRoutes& routes);

// The chain's series: waybill_chain_height, waybill_headers_height (gauges),
// waybill_blocks_connected_total and waybill_reorgs_total (counters), read at render time from
// Chainstate::Figures(), so GET /metrics never waits for a block being connected.
// REQUIRES: chain outlives every Render() of metrics.
void RegisterChainMetrics(Metrics& metrics, const consensus::Chainstate& chain);

// The two handlers, for tests.
HttpResponse MetricsHandleMetrics(const RestContext& ctx, const RestRequest& req);
HttpResponse MetricsHandleHealthz(const RestContext& ctx, const RestRequest& req);

}  // namespace waybill::node
