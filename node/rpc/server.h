// The JSON-RPC transport: HTTP/1.1 on a TCP port (Boost.Beast, kept inside rpc_server.cpp so
// that this header stays cheap to include).
//
// The request handling is a pure function, HandleRpcHttp(), over plain structs: it checks the
// route, the credentials, the content type and the size, and asks the RpcTable. RpcServer
// only moves bytes between sockets and that function.
//
// Security: bind to loopback unless told otherwise; HTTP Basic auth against a cookie file
// (mode 0600, random each start) or configured credentials, compared in constant time;
// credentials are never logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chain/status.h"
#include "chain/log.h"
#include "node/rpc/table.h"

namespace waybill::node {

using chain::LogLevel;
using chain::LogSink;
using chain::TokenBucket;

inline constexpr size_t kRpcMaxBodyBytes = 4 << 20;    // larger bodies get 413
inline constexpr size_t kRpcMaxHeaderBytes = 8 << 10;  // larger headers get 431
// JSON nested deeper than this is refused before parsing (a parse error), so no handler
// meets a pathological document.
inline constexpr int kRpcMaxJsonDepth = 64;
// A body with more values and members than this (counted as its '[', '{', ',' and ':' outside
// strings) is refused before parsing (a parse error): parsing would cost 20 to 40 times its
// size. A full batch of kRpcMaxBatchEntries calls needs about a tenth of it.
inline constexpr size_t kRpcMaxJsonTokens = 100'000;

// The parts of an HTTP request that the handler looks at.
struct HttpRequest {
  std::string method;         // "POST", "GET", ...
  std::string target;         // "/", "/health", ...
  std::string authorization;  // the Authorization header, empty if absent
  std::string content_type;   // the Content-Type header, empty if absent
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;                                          // empty for 204
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// The one set of credentials the server accepts: the cookie's (user "__cookie__") or the
// configured rpcuser/rpcpassword. Secret: never log it.
struct AuthConfig {
  std::string user;
  std::string password;
};

// Answers one HTTP request:
//   GET /health        -> 200 "ok" (no auth: a liveness probe learns nothing else)
//   bad credentials    -> 401 with WWW-Authenticate: Basic
//   other target       -> 404;  not POST -> 405;  not application/json -> 415
//   body too large     -> 413
//   POST /             -> 200 with the JSON-RPC response (parse errors included), or 204 when
//                         the request held only notifications.
// Only application/json is accepted as the content type: a browser cannot send that
// cross-origin without a CORS preflight, which this server never grants.
// Thread-safe if the table's handlers are.
HttpResponse HandleRpcHttp(const HttpRequest& request, const RpcTable& table,
                           const AuthConfig& auth);

// True if `authorization` is "Basic base64(user:password)" matching auth. The comparison
// takes the same time wherever the first difference is (SHA-256 of both, CRYPTO_memcmp).
bool CheckBasicAuth(std::string_view authorization, const AuthConfig& auth);

// The cookie file <datadir>/.cookie: "__cookie__:" and 64 hex digits from RAND_bytes, mode
// 0600. Created by Create() (a stale file is removed first; creation uses O_EXCL so nothing
// else's file is ever written through), removed when the object is destroyed.
class CookieFile {
 public:
  static constexpr char kUser[] = "__cookie__";
  static chain::Result<std::unique_ptr<CookieFile>> Create(const std::string& path);
  ~CookieFile();
  CookieFile(const CookieFile&) = delete;
  CookieFile& operator=(const CookieFile&) = delete;

  const AuthConfig& auth() const { return auth_; }
  const std::string& path() const { return path_; }

 private:
  CookieFile(std::string path, AuthConfig auth);
  const std::string path_;
  AuthConfig auth_;
};

// Connection slots. A connection is "pending" until one of its requests carries valid
// credentials, then "authenticated" for the rest of its life. A pending connection gets
// pre_auth_timeout to send a complete request header; a request without valid credentials
// (other than GET /health) is answered 401 from its header alone, its body never read, and
// the connection closed. Of max_connections, pending connections may hold all but
// reserved_slots, and pending connections from addresses other than loopback all but
// 2 * reserved_slots. When a new connection would pass a cap, the oldest pending connection
// still waiting for its header is closed to make room (a non-loopback newcomer only ever
// displaces a non-loopback one); if there is none, the newcomer is closed.
struct RpcServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 0;            // 0: an ephemeral port, see RpcServer::port()
  size_t max_connections = 64;  // connections beyond are closed at once
  size_t reserved_slots = 8;    // see above; at most max_connections / 4 is used
  std::chrono::milliseconds pre_auth_timeout{1'000};  // for a pending connection's header
  std::chrono::milliseconds timeout{30'000};          // per read or write of a request/response
  int io_threads = 1;
  int worker_threads = 4;  // run the RPC handlers, which may block
};

// The HTTP server. Threading: the sockets live on `io_threads` threads that never block;
// every request is handed to a pool of `worker_threads` threads that runs HandleRpcHttp (and
// so the handler, which may mine for seconds), then the response goes back to the
// connection's strand to be written. A slow handler therefore holds one worker, never the
// io thread: other connections keep being read, answered (while workers are free) and timed
// out. Requests beyond the free workers wait in the pool's queue.
class RpcServer {
 public:
  // REQUIRES: table and log (may be null) outlive the server.
  RpcServer(const RpcTable* table, AuthConfig auth, RpcServerOptions options, LogSink* log);
  ~RpcServer();  // Stop()
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Binds, listens and starts the threads. Invalid/IoError with a message such as
  // "cannot bind RPC to 127.0.0.1:19740: Address already in use".
  chain::Status Start();
  // Stops accepting, closes idle connections, lets requests in progress finish writing their
  // responses for up to a grace period, then stops and joins every thread. Idempotent. A
  // handler that is still running is waited for. REQUIRES: not called from an RPC handler
  // (it would wait for itself); a handler that wants the server gone asks its owner instead,
  // as `stop` does through NodeContext::request_stop.
  void Stop();
  // The bound port (useful with port 0). REQUIRES: Start() succeeded.
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace waybill::node
