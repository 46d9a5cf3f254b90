// Which handler answers a request, and who may ask: the routes of one listener (method and
// path to a handler) and its credentials. A pure function of the request, testable without a
// socket; HttpServer (server.h) asks it twice: Admit() on the header alone, before any body
// is read, then Handle() on the whole request.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/http/auth.h"
#include "node/http/message.h"

namespace waybill::node {

// Answers one request. Runs on a thread of the server (see HttpRunOn), possibly on several at
// once (so it must be thread-safe). Errors are responses: a handler does not throw (the server
// answers 500 "Internal error" if one does, e.g. on std::bad_alloc).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Where the server runs a request's handler (HttpServer in server.h).
enum class HttpRunOn {
  // A worker thread: the handler may block or take long (mining, a 100 ms proof bundle). Costs
  // two thread hand-offs per request.
  kWorker,
  // The connection's io thread, right after the request is read: no hand-off, but while the
  // handler runs, every other connection of that io thread waits. Only for handlers that never
  // block (no lock held for long, no disk wait worth the name) and answer in tens of
  // microseconds.
  kIoThread,
};
// Chooses, from the start line alone, where a route runs a request (e.g. the REST API: cheap
// routes on the io thread, proof bundles and traces on the workers). Must be quick, pure and
// thread-safe.
using HttpPlacement = std::function<HttpRunOn(std::string_view method, std::string_view target)>;

// What the header of a request decides (HttpRouter::Admit).
struct HttpAdmission {
  enum class Access {
    kPublic,      // a public route: answered whatever the credentials
    kAuthorized,  // the credentials are right (or the listener needs none)
    kRefused,     // answer Unauthorized() without reading the body
  };
  Access access = Access::kRefused;
  // The body limit of the route the request goes to; nullopt when no route matches (the
  // server's own limit then applies) or the request is refused.
  std::optional<size_t> max_body_bytes;
  // Where Handle() runs for this request: the route's placement (kWorker when it has none);
  // kIoThread when no route matches (Handle then only answers 404 or 405).
  HttpRunOn run_on = HttpRunOn::kWorker;
};

class HttpRouter {
 public:
  // A listener without credentials: every route is open to anyone (the public REST API).
  HttpRouter() = default;
  // Every route but those mounted with MountPublic needs HTTP Basic credentials matching auth
  // (CheckBasicAuth); a 401 names realm ("waybill-rpc").
  HttpRouter(AuthConfig auth, std::string realm);
  // As above, with every set of credentials in `credentials` accepted (--rpcauth users too).
  HttpRouter(Credentials credentials, std::string realm);

  // Adds a route. method: "GET", "POST", ... matched exactly, or "" for any method (the
  // handler then answers the methods it does not take). path: the exact target ("/": a query
  // string makes another target), or a prefix ending in '*' ("/rest/*" matches every target
  // that starts with "/rest/"). A body longer than max_body_bytes gets 413 before the handler
  // runs. The first route mounted that matches answers. placement: where its requests run
  // (empty: every one on a worker).
  void Mount(std::string method, std::string path, size_t max_body_bytes, HttpHandler handler,
             HttpPlacement placement = {});
  // As Mount, answered without credentials; matched only by its method (not "") and path: any
  // other request for that path goes on as if this route did not exist (and so needs the
  // credentials). Routes mounted with MountPublic are looked at first.
  void MountPublic(std::string method, std::string path, size_t max_body_bytes,
                   HttpHandler handler, HttpPlacement placement = {});

  // From the start line and the Authorization header alone.
  HttpAdmission Admit(std::string_view method, std::string_view target,
                      std::string_view authorization) const;
  // Answers one request:
  //   a public route                  -> its handler
  //   wrong or no credentials         -> Unauthorized()
  //   no route for the target         -> 404 "Not found"
  //   no route for target and method  -> 405 "Method not allowed", Allow: the route's methods
  //   body over the route's limit     -> 413 "Request body larger than N bytes"
  //   otherwise                       -> the route's handler
  // Thread-safe (const) if the handlers are; a handler's exception goes to the caller.
  HttpResponse Handle(const HttpRequest& request) const;
  // 401 "Unauthorized" with WWW-Authenticate: Basic realm="<realm>".
  HttpResponse Unauthorized() const;

 private:
  struct Route {
    std::string method;  // "" for any
    std::string path;    // exact, or a prefix ending in '*'
    size_t max_body_bytes = 0;
    HttpHandler handler;
    bool is_public = false;
    HttpPlacement placement;  // empty: kWorker
    bool MatchesTarget(std::string_view target) const;
    HttpRunOn RunOn(std::string_view method, std::string_view target) const;
  };
  const Route* FindPublic(std::string_view method, std::string_view target) const;
  bool Authorized(std::string_view authorization) const;

  std::optional<Credentials> auth_;  // nullopt: no credentials needed
  std::string realm_;
  std::vector<Route> routes_;
};

// Mounts GET /health on router, public: 200 "ok" (a liveness probe learns nothing else), with
// a body of at most kHealthMaxBodyBytes; answered on the io thread.
inline constexpr size_t kHealthMaxBodyBytes = 1024;
void MountHealthCheck(HttpRouter& router);

}  // namespace waybill::node
