// JSON-RPC 2.0 method table. Handlers are pure functions from params to a result and
// report caller errors by throwing RpcError, which the dispatcher turns into a JSON-RPC
// error object. The transport (rpc_server.h) only moves bytes.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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
inline constexpr int kInvalidAddress = -5;  // also: unknown block/tx/asset
inline constexpr int kInvalidParameter = -8;
inline constexpr int kDatabaseError = -20;
inline constexpr int kDeserializationError = -22;
inline constexpr int kVerifyRejected = -26;  // tx or block rejected by a rule
inline constexpr int kVerifyAlreadyInChain = -27;
inline constexpr int kClientNodeAlreadyAdded = -23;
inline constexpr int kClientNodeNotAdded = -24;
inline constexpr int kClientNodeNotConnected = -29;
inline constexpr int kClientInvalidIpOrSubnet = -30;
// JSON-RPC 2.0's range for implementation-defined server errors: a limit of the server.
inline constexpr int kServerLimit = -32000;
}  // namespace rpc_code

// A batch holds at most this many entries; a longer one is refused whole (kInvalidRequest)
// before any entry runs.
inline constexpr size_t kRpcMaxBatchEntries = 1000;
// The serialized reply to one request or batch is at most this long (the largest legitimate
// reply, a verbose getblock of a full block, is well below). An entry whose reply would pass
// it, and every later entry of its batch (not run), gets kServerLimit instead.
inline constexpr size_t kRpcMaxReplyBytes = size_t{64} << 20;

struct RpcError : std::runtime_error {
  RpcError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
  int code;
};

using RpcHandler = std::function<Json(const Json& params)>;

// Checks a call's params (an array or an object) against the names of the params its method
// accepts, in order: an array may hold at most names.size() values, an object only members
// that names lists (case-sensitive). Throws RpcError kInvalidParams, "Invalid params: expected
// at most N, got M" or "Invalid params: unknown named parameter NAME", otherwise. Whether a
// required param is present, and the values' types, are left to the method.
void CheckParamNames(const Json& params, const std::vector<std::string>& names);

class RpcTable {
 public:
  // help: one line "name arg1 [arg2]  description".
  // param_names: the params the method accepts, in order. The table refuses a call whose
  // params do not fit them (CheckParamNames) before the handler runs, so the handler sees
  // only params it knows.
  void Register(const std::string& name, std::vector<std::string> param_names, RpcHandler handler,
                std::string help);
  // As above for a handler that checks its params itself: any array or object reaches it.
  void Register(const std::string& name, RpcHandler handler, std::string help);
  // Handles one parsed request object or a batch array; returns the response (null Json for
  // a notification-only request/batch, which gets no body).
  // A batch longer than kRpcMaxBatchEntries gets one kInvalidRequest error object.
  Json Handle(const Json& request) const;
  // As Handle, serialized (invalid UTF-8 replaced), with the reply bounded by max_reply_bytes
  // as kRpcMaxReplyBytes says; nullopt when there is no body (notifications only).
  std::optional<std::string> HandleToText(const Json& request,
                                          size_t max_reply_bytes = kRpcMaxReplyBytes) const;
  std::vector<std::string> Names() const;
  const std::string* Help(const std::string& name) const;
  // The param names a method was registered with; null for an unknown method or one that
  // checks its own params.
  const std::vector<std::string>* ParamNames(const std::string& name) const;

 private:
  Json HandleOne(const Json& request) const;
  // The error of a batch that cannot be run at all (empty, too long); null if it can.
  static Json CheckBatch(const Json& batch);
  struct Entry {
    RpcHandler handler;
    std::string help;
    std::optional<std::vector<std::string>> param_names;  // nullopt: the handler checks
  };
  std::map<std::string, Entry> methods_;
};

}  // namespace waybill::node
