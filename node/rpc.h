// JSON-RPC 2.0 method table. Handlers are pure functions from params to a result and
// report caller errors by throwing RpcError, which the dispatcher turns into a JSON-RPC
// error object. The transport (rpc_server.h) only moves bytes.
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace waybill::node {

using Json = nlohmann::json;

// JSON-RPC 2.0 codes, plus Bitcoin Core's application codes where one fits.
namespace rpc_code {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
inline constexpr int kMiscError = -1;
inline constexpr int kInvalidAddress = -5;       // also: unknown block/tx/asset
inline constexpr int kInvalidParameter = -8;
inline constexpr int kDatabaseError = -20;
inline constexpr int kDeserializationError = -22;
inline constexpr int kVerifyRejected = -26;      // tx or block rejected by a rule
inline constexpr int kVerifyAlreadyInChain = -27;
}  // namespace rpc_code

struct RpcError : std::runtime_error {
  RpcError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
  int code;
};

using RpcHandler = std::function<Json(const Json& params)>;

class RpcTable {
 public:
  // help: one line "name arg1 [arg2]  description".
  void Register(const std::string& name, RpcHandler handler, std::string help);
  // Handles one parsed request object or a batch array; returns the response (null Json for
  // a notification-only request/batch, which gets no body).
  Json Handle(const Json& request) const;
  std::vector<std::string> Names() const;
  const std::string* Help(const std::string& name) const;

 private:
  Json HandleOne(const Json& request) const;
  struct Entry {
    RpcHandler handler;
    std::string help;
  };
  std::map<std::string, Entry> methods_;
};

}  // namespace waybill::node
