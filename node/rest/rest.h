// What every handler of the public REST API (docs/API.md "REST API") shares: the context it
// reads from, the parsed request, the route table that maps a path pattern to a handler, and
// the response helpers (JSON with its cache policy, RFC 9457 problem+json errors).
//
// Handlers are pure functions of (context, request): no sockets (node/http/ has those), no
// writes to the chain. Each reads one consistent snapshot of the chain
// (consensus::ReadSnapshot), never the chainstate under its lock, so no read waits for a block
// being connected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/http/message.h"
#include "node/http/router.h"

namespace waybill::consensus {
class Chainstate;
struct ChainParams;
}  // namespace waybill::consensus
namespace waybill::p2p {
class Connman;
}  // namespace waybill::p2p

namespace waybill::node {

class Mempool;
class Metrics;
class EventBroker;
class RestSnapshots;

using RestJson = nlohmann::json;

// What REST handlers can reach. Owned by the Node; every pointer outlives the REST server.
// Pointers other than chain and params may be null (a test that does not need them).
struct RestContext {
  const consensus::ChainParams* params = nullptr;
  consensus::Chainstate* chain = nullptr;
  Mempool* mempool = nullptr;
  p2p::Connman* connman = nullptr;
  Metrics* metrics = nullptr;      // GET /metrics
  EventBroker* events = nullptr;   // GET /v1/events/stream
  // The snapshot of the newest tip change (snapshots.h): what requests read, so that none
  // waits for the chainstate's lock. Null: each request takes a snapshot of its own (tests).
  const RestSnapshots* snapshots = nullptr;
  // The address by which clients reach this listener, without a trailing '/':
  // "http://127.0.0.1:19750" by default, --resturl when the node sits behind a proxy. Used in
  // the links of replies, the GS1 Digital Link URIs and the QR codes.
  std::string public_url;
};

// A request as the REST handlers see it: the HTTP request, its path split into
// percent-decoded segments, and its query parameters percent-decoded in order.
struct RestRequest {
  const HttpRequest* http = nullptr;
  std::string path;                   // the raw path, without the query string
  std::vector<std::string> segments;  // "/v1/assets/ab" -> {"v1", "assets", "ab"}
  std::vector<std::pair<std::string, std::string>> query;
  // Values of the pattern's "{name}" segments, in order.
  std::vector<std::string> params;

  // The first value of a query parameter; nullopt when absent.
  std::optional<std::string> Query(std::string_view name) const;
  // A request header by lower-case name ("accept", "if-none-match"); "" when absent.
  std::string_view Header(std::string_view lower_name) const;
};

// Parses target ("/v1/assets/ab?x=1") into a RestRequest. nullopt if it is not a valid
// origin-form target (bad percent-encoding, a NUL, a "." or ".." segment, no leading '/').
std::optional<RestRequest> ParseRestTarget(const HttpRequest& http);

// How long a reply may be cached (docs/API.md "Caching").
enum class CachePolicy {
  kNoStore,    // changes with every block: Cache-Control: no-store
  kShort,      // may change: Cache-Control: public, max-age=5
  kImmutable,  // can never change (a block, an event deeper than kImmutableDepth):
               // Cache-Control: public, max-age=31536000, immutable
};
// An event (or a tx) this many blocks deep is treated as final for caching: its reply is
// kImmutable. A reorg deeper than this would need the cache to be bypassed.
inline constexpr uint32_t kImmutableDepth = 100;

// 200 (or status) with body as application/json and the cache policy's headers; an ETag (a
// strong validator: "\"" + hex of the first 16 bytes of SHA-256 of the body + "\"") for every
// policy but kNoStore. If the request's If-None-Match names that ETag, 304 without a body.
HttpResponse JsonReply(const RestRequest& request, const RestJson& body,
                       CachePolicy cache = CachePolicy::kNoStore, int status = 200);
// The same for a body that is already JSON text (e.g. node/rpc/json_writer.h's); a newline
// is appended as above.
HttpResponse JsonReply(const RestRequest& request, std::string body,
                       CachePolicy cache = CachePolicy::kNoStore, int status = 200);
// RFC 9457 application/problem+json: {type, title, status, detail}, type
// "https://waybill.dev/problems/<slug>" (slug: the title in lower case with '-' for spaces).
// Every error of the REST listener is one of these.
HttpResponse Problem(int status, std::string_view title, std::string detail);

// Answers one REST request whose route matched. Runs on a worker thread, possibly on several
// at once; must not throw.
using RestHandler = std::function<HttpResponse(const RestContext& ctx, const RestRequest& req)>;

// The REST listener's routes: method + path pattern ("/v1/assets/{id}/history": literal
// segments and "{name}" segments, each matching one non-empty segment) -> handler.
class RestRoutes {
 public:
  // route_label: how metrics and logs name the route ("/v1/assets/{id}"): the pattern.
  void Add(std::string method, std::string pattern, RestHandler handler);
  struct Match {
    const RestHandler* handler = nullptr;  // null: no route for this path and method
    std::string pattern;                   // the route's pattern (for metrics)
    std::vector<std::string> params;       // the "{name}" segments' values
    std::vector<std::string> allowed;      // the path matched but not the method: its methods
  };
  Match Find(std::string_view method, const std::vector<std::string>& segments) const;
  // Every (method, pattern), in the order added: the OpenAPI coverage test compares these
  // with docs/openapi.yaml.
  std::vector<std::pair<std::string, std::string>> List() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> parts;  // the pattern's segments
    RestHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace waybill::node
