// The CLI's JSON-RPC 2.0 client: one HTTP/1.1 POST per call over a plain TCP socket, Basic
// auth from credentials or the node's cookie file. Blocking, with a deadline on connect and
// on the whole exchange. Not thread-safe (the CLI makes one call at a time).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "chain/status.h"

namespace waybill::cli {

using Json = nlohmann::json;

struct RpcConnection {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string user;  // with password: Basic auth "user:password"
  std::string password;
  int timeout_seconds = 900;
  // The node's cookie file the credentials were read from; empty when they were given.
  std::string cookie_path;
};

// Why a call did not complete.
enum class RpcFailure {
  kNone,          // it completed (a result or a JSON-RPC error)
  kUnreachable,   // no connection could be made: the node may not be up yet
  kUnauthorized,  // HTTP 401: the credentials are not this node's (say, a stale cookie)
  kOther,         // a timeout, HTTP 403, or a response that is not a JSON-RPC reply
};

// An RPC call that reached the node. `ok` means a result; otherwise code and message are the
// JSON-RPC error object's.
struct RpcReply {
  bool ok = false;
  Json result;
  int code = 0;
  std::string message;
};

class RpcClient {
 public:
  explicit RpcClient(RpcConnection conn) : conn_(std::move(conn)) {}

  // Not ok, with a clear reason, when the call did not complete: IoError when no connection
  // could be made (the node may not be up yet); Invalid on a timeout, HTTP 401 (bad
  // credentials) or a response that is not a JSON-RPC reply. A JSON-RPC error from the node
  // is a completed call (ok == false in the reply). *failure, when given, says which.
  chain::Result<RpcReply> Call(const std::string& method, const Json& params,
                               RpcFailure* failure = nullptr) const;

  const RpcConnection& connection() const { return conn_; }
  // Reads connection().cookie_path again (the node rewrites it at each start). Invalid when
  // there is no cookie path or the file cannot be read; the credentials are kept then.
  chain::Status ReloadCookie();

 private:
  RpcConnection conn_;
};

// Reads a node's cookie file ("user:password"; its path is node::CookiePath(datadir,
// network)). Invalid with the path on failure.
chain::Status ReadCookie(const std::string& path, std::string* user, std::string* password);

}  // namespace waybill::cli
