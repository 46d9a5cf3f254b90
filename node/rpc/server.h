// JSON-RPC 2.0 over HTTP: the handler that the HTTP server (node/http/server.h) runs for
// `POST /`, and the RPC listener built from it. This header and its .cpp know JSON-RPC and
// nothing of sockets; node/http/ knows sockets and nothing of JSON-RPC.
//
// The RPC listener answers:
//   GET /health        -> 200 "ok" (no auth: a liveness probe learns nothing else)
//   bad credentials    -> 401 with WWW-Authenticate: Basic realm="waybill-rpc"
//   a method the user may not call (whitelist.h) -> 403 with a JSON-RPC error object
//                         (kForbidden); a batch is refused whole if any entry is such
//   other target       -> 404;  body too large -> 413
//   not POST -> 405;  not application/json -> 415
//   POST /             -> 200 with the JSON-RPC response (parse errors included), or 204 when
//                         the request held only notifications.
// Only application/json is accepted as the content type: a browser cannot send that
// cross-origin without a CORS preflight, which this server never grants.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "chain/log.h"
#include "chain/status.h"
#include "node/http/auth.h"
#include "node/http/message.h"
#include "node/http/router.h"
#include "node/http/server.h"
#include "node/rpc/table.h"
#include "node/rpc/whitelist.h"

namespace waybill::node {

using chain::LogLevel;
using chain::LogSink;

inline constexpr size_t kRpcMaxBodyBytes = 4 << 20;    // larger bodies get 413
inline constexpr size_t kRpcMaxHeaderBytes = 8 << 10;  // larger headers get 431
// JSON nested deeper than this is refused before parsing (a parse error), so no handler
// meets a pathological document.
inline constexpr int kRpcMaxJsonDepth = 64;
// A body with more values and members than this (counted as its '[', '{', ',' and ':' outside
// strings) is refused before parsing (a parse error): parsing would cost 20 to 40 times its
// size. A full batch of kRpcMaxBatchEntries calls needs about a tenth of it.
inline constexpr size_t kRpcMaxJsonTokens = 100'000;

// The JSON-RPC handler, as the router calls it (credentials, route and body size already
// checked): 405 (Allow: POST) unless POST, 415 unless application/json, then the JSON-RPC
// request or batch through table (depth and value-count limits above, reply limits of
// table.h). Thread-safe if the table's handlers are.
HttpResponse HandleJsonRpc(const HttpRequest& request, const RpcTable& table);
// As above, first refusing with 403 a request or batch naming a method that the user of the
// request's (already checked) Basic credentials may not call. whitelist may be null (no check).
HttpResponse HandleJsonRpc(const HttpRequest& request, const RpcTable& table,
                           const RpcWhitelist* whitelist);

// The RPC listener's routes: GET /health (public) and `/` (HandleJsonRpc, bodies up to
// kRpcMaxBodyBytes), behind auth. REQUIRES: table outlives the router.
HttpRouter MakeRpcRouter(const RpcTable& table, AuthConfig auth);
// As above with several sets of credentials (--rpcauth) and a whitelist (may be null).
HttpRouter MakeRpcRouter(const RpcTable& table, Credentials credentials,
                         std::shared_ptr<const RpcWhitelist> whitelist);

// What the RPC listener answers to one request (see the top of this file): the pure form of
// RpcServer, for tests and tools.
HttpResponse HandleRpcHttp(const HttpRequest& request, const RpcTable& table,
                           const AuthConfig& auth);

// HttpServerOptions with the RPC's limits (kRpcMaxHeaderBytes, kRpcMaxBodyBytes) and names
// ("RPC", "JSON-RPC", log category "rpc").
struct RpcServerOptions : HttpServerOptions {
  RpcServerOptions();
};

// The RPC listener: an HttpServer with MakeRpcRouter's routes.
class RpcServer {
 public:
  // REQUIRES: table and log (may be null) outlive the server.
  RpcServer(const RpcTable* table, AuthConfig auth, RpcServerOptions options, LogSink* log);
  RpcServer(const RpcTable* table, Credentials credentials,
            std::shared_ptr<const RpcWhitelist> whitelist, RpcServerOptions options, LogSink* log);

  // As HttpServer: "cannot bind RPC to 127.0.0.1:19740: Address already in use".
  chain::Status Start() { return server_.Start(); }
  // As HttpServer::Stop. REQUIRES: not called from an RPC handler (`stop` asks its owner
  // through NodeContext::request_stop).
  void Stop() { server_.Stop(); }
  uint16_t port() const { return server_.port(); }

 private:
  HttpServer server_;
};

}  // namespace waybill::node
