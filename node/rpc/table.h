// JSON-RPC 2.0 method table. Handlers are pure functions from params to a result and
// report caller errors by throwing RpcError, which the dispatcher turns into a JSON-RPC
// error object. A method may also handle a run of its calls in a batch at once
// (RegisterBatch). The transport (server.h over node/http/) only moves bytes.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <utility>
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

// What one call gave: its result, or the error object it is answered with.
struct RpcCallResult {
  Json result;                    // when there is no error
  std::optional<RpcError> error;  // set: the call failed with it
};

// Runs fn (a call: Json fn()) and turns what it throws into the error the table answers with:
// an RpcError as it is, a Json type or range error (a param read as the wrong type) as
// kInvalidParams, bad_alloc as kInternalError "out of memory", anything else as kInternalError
// "Internal error" (its text may name files or internals that a client has no business seeing).
template <typename F>
RpcCallResult RunRpcCall(F&& fn) {
  try {
    return RpcCallResult{std::forward<F>(fn)(), std::nullopt};
  } catch (const RpcError& e) {
    return RpcCallResult{Json(), e};
  } catch (const Json::exception& e) {
    return RpcCallResult{
        Json(), RpcError(rpc_code::kInvalidParams, std::string("Invalid params: ") + e.what())};
  } catch (const std::bad_alloc&) {
    return RpcCallResult{Json(),
                         RpcError(rpc_code::kInternalError, "Internal error: out of memory")};
  } catch (...) {
    return RpcCallResult{Json(), RpcError(rpc_code::kInternalError, "Internal error")};
  }
}

// A method's optional handler for a run of its calls in a batch (RpcTable::RegisterBatch): the
// params of each call (already checked against the method's names), one result per call, in
// order. Contract: each call gets exactly the result or error that the method's single handler
// would give it if the calls ran one after the other in this order; the handler may do their
// work together (one lock hold, one signature batch). It should catch per call (RunRpcCall);
// what it throws becomes the error of every call of the run.
using RpcBatchHandler = std::function<std::vector<RpcCallResult>(std::span<const Args>)>;

// The handler of a method written as a function of a context and the params: fn(ctx, args).
// REQUIRES: ctx outlives the table.
template <typename Context>
RpcHandler Bind(Context& ctx, Json (*fn)(Context&, const Args&)) {
  return [&ctx, fn](const Args& a) { return fn(ctx, a); };
}
// The same for a batch handler: fn(ctx, calls).
template <typename Context>
RpcBatchHandler BindBatch(Context& ctx,
                          std::vector<RpcCallResult> (*fn)(Context&, std::span<const Args>)) {
  return [&ctx, fn](std::span<const Args> calls) { return fn(ctx, calls); };
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
  // Adds a batch handler to a registered method (false, and nothing changes, if name is not
  // registered). In a batch, consecutive entries that call the method (a run: it ends at an
  // entry for another method or with a broken envelope) go to it together; entries whose params
  // do not fit the method's names get their error and are left out of the run. A second
  // Register of the name drops the batch handler. For methods with small replies: the reply
  // limit (kRpcMaxReplyBytes) is checked after the run, so every call of a run has run.
  bool RegisterBatch(const std::string& name, RpcBatchHandler handler);
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
  struct Entry {
    RpcHandler handler;
    std::string help;
    std::vector<std::string> param_names;
    RpcBatchHandler batch_handler;  // may be empty
  };

  Json HandleOne(const Json& request) const;
  // The responses to batch[from] and, if it calls a method with a batch handler, to the calls
  // of that method that follow it (the run): one per entry (null for a notification) appended
  // to *responses. Returns how many entries it answered (>= 1).
  size_t HandleRun(const Json& batch, size_t from, std::vector<Json>* responses) const;
  // The error of a batch that cannot be run at all (empty, too long); null if it can.
  static Json CheckBatch(const Json& batch);
  std::map<std::string, Entry> methods_;
};

}  // namespace waybill::node
