// The REST listener (docs/API.md "REST API"): every area's routes in one table, the dispatcher
// that runs before any handler (target checks, CORS, rate limit per client IP, 404/405, 503
// while syncing) and the HttpServer that carries it, with the REST API's limits and names.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "chain/log.h"
#include "chain/status.h"
#include "node/http/router.h"
#include "node/http/server.h"
#include "node/rest/rest.h"

namespace waybill::node {

// What the dispatcher enforces. The defaults are the listener's (docs/API.md "Limits").
struct RestLimits {
  // Token bucket per client IP: `rate` requests a second on average, bursts of `burst`
  // (--restratelimit N: rate N, burst 2N). rate_per_second <= 0: no limit, no bucket kept.
  double rate_per_second = 50;
  double burst = 100;
  // Client IPs tracked at once; past it the one seen least recently is forgotten (and so
  // starts again with a full bucket).
  size_t max_clients = 4096;
  // Targets longer than this get 414.
  size_t max_target_bytes = 2048;
  // The node is "syncing" while its best header is more than this many blocks ahead of its
  // tip: data routes (/v1/...) then answer 503 with Retry-After (docs/API.md "Syncing").
  uint32_t syncing_blocks = 6;
  // The clock of the rate limiter, in seconds (any origin); empty: std::chrono::steady_clock.
  std::function<double()> clock;
};

// Per-IP token buckets, bounded (RestLimits::max_clients). Thread-safe.
class RestRateLimiter {
 public:
  explicit RestRateLimiter(const RestLimits& limits);
  // Takes a token of ip's bucket at time now (seconds). nullopt: admitted; otherwise the
  // whole seconds (>= 1) until the next token (Retry-After).
  std::optional<int> Take(const std::string& ip, double now);
  size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0;
    double updated = 0;
    std::list<std::string>::iterator lru;
  };
  const double rate_;
  const double burst_;
  const size_t max_clients_;
  mutable std::mutex mu_;
  // Guarded by mu_: the buckets, and their IPs least recently used first.
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;
};

// True while the REST data routes answer 503 (RestLimits::syncing_blocks).
bool RestNodeSyncing(const RestContext& ctx, uint32_t syncing_blocks);

// Every route of the REST listener: calls each area's Register*Routes. ctx is not kept.
RestRoutes MakeRestRoutes(const RestContext& ctx);

// The pure dispatcher: answers one request (routes and the limiter are used, not kept).
//   rate limit exceeded for request.remote_address -> 429 + Retry-After
//   target longer than max_target_bytes            -> 414
//   target not parseable (ParseRestTarget)         -> 400
//   no route for the path                          -> 404
//   method other than GET, HEAD, OPTIONS           -> 405, Allow: GET, HEAD, OPTIONS
//   OPTIONS                                        -> 204 CORS preflight
//   /v1/ data route while syncing                  -> 503 + Retry-After
//   otherwise                                      -> the handler (HEAD as GET: the server
//                                                     sends the headers only)
// Every reply carries Access-Control-Allow-Origin: * and its route pattern (response.route).
HttpResponse DispatchRest(const HttpRequest& request, const RestRoutes& routes,
                          const RestContext& ctx, const RestLimits& limits,
                          RestRateLimiter* limiter);

// Where the REST listener runs a request (node/http/README.md "Where handlers run"): on the
// worker pool for the routes whose handlers may take milliseconds or wait for a lock (the
// trace, the proof bundle, EPCIS, a block with its txs, search, /metrics); on the connection's
// io thread for every other target (routes that read a few keys of the snapshot, the explorer's
// files, and targets that get 400/404).
HttpRunOn RestPlacement(const RestRoutes& routes, std::string_view target);

// An HttpRouter without credentials whose one route ("" any method, every target) is
// DispatchRest, with no request body accepted (a body gets 413), placed by RestPlacement.
// REQUIRES: ctx outlives the router.
HttpRouter MakeRestRouter(std::shared_ptr<const RestRoutes> routes, const RestContext& ctx,
                          RestLimits limits);

// HttpServerOptions with the REST API's limits (header 8 KiB, no body, the RPC's timeouts),
// names ("REST", "REST API", log category "rest") and threads (io threads and workers: one per
// core, std::thread::hardware_concurrency), plus the dispatcher's limits.
struct RestServerOptions : HttpServerOptions {
  RestServerOptions();
  RestLimits limits;
};

// The REST listener: an HttpServer with MakeRestRouter(MakeRestRoutes(*ctx)).
class RestServer {
 public:
  // REQUIRES: ctx and log (may be null) outlive the server.
  RestServer(const RestContext* ctx, RestServerOptions options, chain::LogSink* log);

  chain::Status Start() { return server_.Start(); }
  void Stop() { server_.Stop(); }
  uint16_t port() const { return server_.port(); }

 private:
  HttpServer server_;
};

}  // namespace waybill::node
