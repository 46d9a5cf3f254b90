#include "node/rest/rest_server.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>
#include <thread>
#include <utility>

#include "consensus/chainstate.h"
#include "node/rest/epcis.h"
#include "node/rest/events.h"
#include "node/rest/metrics_route.h"
#include "node/rest/proof_route.h"
#include "node/rest/qr.h"
#include "node/rest/route_util.h"
#include "node/rest/routes.h"

namespace waybill::node {
namespace {

constexpr std::string_view kRestAllowedMethods = "GET, HEAD, OPTIONS";
// What a 503 asks a client to wait before it tries again while the node syncs.
constexpr int kRestSyncingRetrySeconds = 10;
// The routes run on the worker pool (RestPlacement): a lineage walked (the asset page's
// ancestry and the trace: up to ~100 ms for thousands of events), a proof bundle built, a
// block's txs written, a metadata scan of up to kRestMaxMetaScan entries (search and the GS1
// Digital Link), an account's custody page, a contract (its code validated again for the entry
// summary, up to 1,000 storage entries, 100 call records and 1,000 assets read), and /metrics,
// whose gauges read the parts of the node under their locks.
constexpr std::array<std::string_view, 11> kRestWorkerRoutes = {
    "/v1/assets/{id}",       "/v1/assets/{id}/trace",  "/v1/assets/{id}/proof",
    "/v1/assets/{id}/epcis", "/v1/blocks/{id}",        "/v1/search",
    "/01/{gtin}/10/{lot}",   "/01/{gtin}/10/{lot}/21/{serial}",
    "/metrics",              "/v1/accounts/{address}", "/v1/contracts/{address}"};

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void AddCors(HttpResponse* r) { r->headers.emplace_back("Access-Control-Allow-Origin", "*"); }

// The routes under /v1/ that read the chain; /v1/status says itself whether the node syncs.
bool RestIsDataRoute(std::string_view pattern) {
  return pattern.rfind("/v1/", 0) == 0 && pattern != "/v1/status";
}

HttpResponse RestPreflight() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  r.headers.emplace_back("Access-Control-Allow-Methods", std::string(kRestAllowedMethods));
  r.headers.emplace_back("Access-Control-Allow-Headers",
                         "Accept, If-None-Match, Last-Event-ID, Cache-Control");
  r.headers.emplace_back("Access-Control-Max-Age", "86400");
  return r;
}

HttpResponse RestRoute(const HttpRequest& request, const RestRoutes& routes,
                       const RestContext& ctx, const RestLimits& limits) {
  if (request.target.size() > limits.max_target_bytes) {
    return Problem(414, "URI too long",
                   "the target is longer than " + std::to_string(limits.max_target_bytes) +
                       " bytes");
  }
  std::optional<RestRequest> req = ParseRestTarget(request);
  if (!req) {
    return Problem(400, "Bad target",
                   "the target is not a valid path (bad percent-encoding, NUL, '.' or '..')");
  }
  RestRoutes::Match match = routes.Find("GET", req->segments);
  if (match.handler == nullptr) {
    return Problem(404, "Not found", "no route for " + req->path);
  }
  HttpResponse r;
  const std::string& method = request.method;
  if (method == "OPTIONS") {
    r = RestPreflight();
  } else if (method != "GET" && method != "HEAD") {
    r = Problem(405, "Method not allowed", "this API answers GET, HEAD and OPTIONS only");
    r.headers.emplace_back("Allow", std::string(kRestAllowedMethods));
  } else if (RestIsDataRoute(match.pattern) && RestNodeSyncing(ctx, limits.syncing_blocks)) {
    r = Problem(503, "Syncing",
                "the node is still catching up with its best header chain; try again later");
    r.headers.emplace_back("Retry-After", std::to_string(kRestSyncingRetrySeconds));
  } else {
    req->params = std::move(match.params);
    r = (*match.handler)(ctx, *req);
  }
  r.route = match.pattern;
  return r;
}

}  // namespace

RestRateLimiter::RestRateLimiter(const RestLimits& limits)
    : rate_(std::max(limits.rate_per_second, 1e-3)),
      burst_(std::max(limits.burst, 1.0)),
      max_clients_(std::max<size_t>(limits.max_clients, 1)) {}

std::optional<int> RestRateLimiter::Take(const std::string& ip, double now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = buckets_.find(ip);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) {
      buckets_.erase(lru_.front());
      lru_.pop_front();
    }
    lru_.push_back(ip);
    Bucket fresh;
    fresh.tokens = burst_;
    fresh.updated = now;
    fresh.lru = std::prev(lru_.end());
    it = buckets_.emplace(ip, fresh).first;
  } else {
    lru_.splice(lru_.end(), lru_, it->second.lru);
  }
  Bucket& b = it->second;
  if (now > b.updated) {
    b.tokens = std::min(burst_, b.tokens + (now - b.updated) * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate_)));
}

size_t RestRateLimiter::tracked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buckets_.size();
}

bool RestNodeSyncing(const RestContext& ctx, uint32_t syncing_blocks) {
  if (ctx.chain == nullptr) return false;
  // From the snapshot requests read (no chainstate lock when ctx.snapshots is set).
  uint32_t best = RestBestHeaderHeight(ctx);
  uint32_t tip = RestSnapshot(ctx)->tip().height;
  return best > tip && best - tip > syncing_blocks;
}

RestRoutes MakeRestRoutes(const RestContext& ctx) {
  (void)ctx;
  RestRoutes routes;
  RegisterAssetRoutes(routes);
  RegisterChainRoutes(routes);
  RegisterAccountRoutes(routes);
  RegisterContractRoutes(routes);
  RegisterSearchRoutes(routes);
  RegisterDigitalLinkRoutes(routes);
  RegisterProofRoutes(routes);
  RegisterEpcisRoutes(routes);
  RegisterQrRoutes(routes);
  RegisterEventRoutes(routes);
  RegisterMetricsRoutes(routes);
  RegisterWebRoutes(routes);  // last: its patterns are the broadest
  return routes;
}

HttpResponse DispatchRest(const HttpRequest& request, const RestRoutes& routes,
                          const RestContext& ctx, const RestLimits& limits,
                          RestRateLimiter* limiter) {
  HttpResponse r;
  std::optional<int> wait;
  if (limits.rate_per_second > 0) {
    wait = limiter->Take(request.remote_address, limits.clock ? limits.clock() : SteadySeconds());
  }
  if (wait) {
    r = Problem(429, "Too many requests",
                "more than the rate limit of this API from your address; retry after " +
                    std::to_string(*wait) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(*wait));
  } else {
    r = RestRoute(request, routes, ctx, limits);
  }
  AddCors(&r);
  return r;
}

HttpRunOn RestPlacement(const RestRoutes& routes, std::string_view target) {
  HttpRequest request;
  request.target = std::string(target);
  std::optional<RestRequest> req = ParseRestTarget(request);
  if (!req) return HttpRunOn::kIoThread;  // 400
  const RestRoutes::Match match = routes.Find("GET", req->segments);
  const bool heavy = std::find(kRestWorkerRoutes.begin(), kRestWorkerRoutes.end(),
                               match.pattern) != kRestWorkerRoutes.end();
  return heavy ? HttpRunOn::kWorker : HttpRunOn::kIoThread;
}

HttpRouter MakeRestRouter(std::shared_ptr<const RestRoutes> routes, const RestContext& ctx,
                          RestLimits limits) {
  auto limiter = std::make_shared<RestRateLimiter>(limits);
  HttpRouter router;
  HttpPlacement placement = [routes](std::string_view, std::string_view target) {
    return RestPlacement(*routes, target);
  };
  router.Mount(
      "", "*", 0,
      [routes = std::move(routes), ctx = &ctx, limits = std::move(limits),
       limiter](const HttpRequest& request) {
        return DispatchRest(request, *routes, *ctx, limits, limiter.get());
      },
      std::move(placement));
  return router;
}

RestServerOptions::RestServerOptions() {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  io_threads = cores;
  worker_threads = cores;
  max_header_bytes = kHttpDefaultMaxHeaderBytes;
  max_body_bytes = 0;
  name = "REST";
  title = "REST API";
  log_category = "rest";
}

RestServer::RestServer(const RestContext* ctx, RestServerOptions options, chain::LogSink* log)
    : server_(MakeRestRouter(std::make_shared<const RestRoutes>(MakeRestRoutes(*ctx)), *ctx,
                             options.limits),
              static_cast<HttpServerOptions>(options), log) {}

}  // namespace waybill::node
