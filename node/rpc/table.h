// JSON-RPC 2.0 method table. Handlers are pure functions from params to a result and
// report caller errors by throwing RpcError, which the dispatcher turns into a JSON-RPC
// error object. The transport (server.h over node/http/) only moves bytes.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node/rpc/args.h"
#include "node/rpc/error.h"

namespace waybill::node {

// A batch holds at most this many entries; a longer one is refused whole (kInvalidRequest)
// before any entry runs.
inline constexpr size_t kRpcMaxBatchEntries = 1000;
// The serialized reply to one request or batch is at most this long (the largest legitimate
// reply, a verbose getblock of a full block, is well below). An entry whose reply would pass
// it, and every later entry of its batch (not run), gets kServerLimit instead.
inline constexpr size_t kRpcMaxReplyBytes = size_t{64} << 20;

// A method: its params as Args (args.h), its result as Json; caller errors as RpcError.
using RpcHandler = std::function<Json(const Args&)>;

// The handler of a method written as a function of a context and the params: fn(ctx, args).
// REQUIRES: ctx outlives the table.
template <typename Context>
RpcHandler Bind(Context& ctx, Json (*fn)(Context&, const Args&)) {
  return [&ctx, fn](const Args& a) { return fn(ctx, a); };
}

class RpcTable {
 public:
  // The one way to add a method. help: one line "name arg1 [arg2]  description".
  // param_names: the params the method accepts, in order. The table refuses a call whose
  // params do not fit them (CheckParamNames) before the handler runs, and hands the handler
  // an Args over them, so the handler sees only params it declared. A second registration of
  // a name replaces the first. `help` is the table's own (`help [method]`) unless registered.
  void Register(const std::string& name, std::vector<std::string> param_names, RpcHandler handler,
                std::string help);
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
  // The param names a method was registered with; null for an unknown method.
  const std::vector<std::string>* ParamNames(const std::string& name) const;

 private:
  Json HandleOne(const Json& request) const;
  // The error of a batch that cannot be run at all (empty, too long); null if it can.
  static Json CheckBatch(const Json& batch);
  struct Entry {
    RpcHandler handler;
    std::string help;
    std::vector<std::string> param_names;
  };
  std::map<std::string, Entry> methods_;
};

}  // namespace waybill::node
