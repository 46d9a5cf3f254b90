#include "node/rpc/table.h"

#include <algorithm>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "node/rpc/args.h"

namespace waybill::node {
namespace {

constexpr char kHelpLine[] = "help [method]  List the methods, or show the help of one method.";

// The params of the built-in help.
const std::vector<std::string>& HelpParamNames() {
  static const std::vector<std::string> kNames = {"method"};  // immutable
  return kNames;
}

// Requests come in two dialects. JSON-RPC 2.0 ("jsonrpc": "2.0"): a request without "id" is
// a notification and gets no response. Legacy 1.0/1.1 as Bitcoin Core clients send them (no
// "jsonrpc" member): always answered, as Bitcoin Core does, because 1.0 clients wait for a
// reply even when they send "id": null. Either way the response is 2.0-shaped.
enum class Dialect { kV2, kLegacy };

Json ErrorResponse(const Json& id, int code, const std::string& message) {
  return Json{{"jsonrpc", "2.0"}, {"error", {{"code", code}, {"message", message}}}, {"id", id}};
}

Json ResultResponse(const Json& id, Json result) {
  return Json{{"jsonrpc", "2.0"}, {"result", std::move(result)}, {"id", id}};
}

std::string Dump(const Json& j) {
  // replace: a handler's string that is not valid UTF-8 must not make the reply fail.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The id of a batch entry that is not run: its own if it has a valid one, else null.
Json IdOf(const Json& request) {
  if (!request.is_object()) return nullptr;
  auto id = request.find("id");
  if (id == request.end() || !(id->is_string() || id->is_number())) return nullptr;
  return *id;
}

// A well-formed JSON-RPC 2.0 notification (no id): it never gets a response.
bool IsNotification(const Json& request) {
  return request.is_object() && !request.contains("id") && request.contains("jsonrpc") &&
         request["jsonrpc"] == "2.0" && request.contains("method") && request["method"].is_string();
}

// A request object whose envelope is valid: what running it needs.
struct Envelope {
  Json id;                       // null when absent
  bool notification = false;     // no response, whatever happens
  const Json* method = nullptr;  // a string
  const Json* params = nullptr;  // an array or an object
};

const Json& NoParams() {
  static const Json kEmpty = Json::array();  // immutable
  return kEmpty;
}

// Reads request's envelope into *call; returns the error response of a broken one (null when
// it is valid). An invalid request is answered even without an id: the sender cannot be told
// otherwise.
Json ReadEnvelope(const Json& request, Envelope* call) {
  if (!request.is_object()) {
    return ErrorResponse(nullptr, rpc_code::kInvalidRequest,
                         "Invalid request: expected a JSON object");
  }
  // The id first, so that every later error can carry it.
  bool has_id = false;
  if (auto v = request.find("id"); v != request.end()) {
    if (!v->is_null() && !v->is_string() && !v->is_number()) {
      return ErrorResponse(nullptr, rpc_code::kInvalidRequest,
                           "Invalid request: id must be a string, a number or null");
    }
    call->id = *v;
    has_id = true;
  }
  Dialect dialect = Dialect::kLegacy;
  if (auto v = request.find("jsonrpc"); v != request.end()) {
    if (*v == "2.0") {
      dialect = Dialect::kV2;
    } else if (*v != "1.0" && *v != "1.1") {
      // Answered even without an id, like every broken envelope.
      return ErrorResponse(call->id, rpc_code::kInvalidRequest,
                           "Invalid request: jsonrpc must be \"2.0\"");
    }
  }
  call->notification = dialect == Dialect::kV2 && !has_id;
  auto method = request.find("method");
  if (method == request.end() || !method->is_string()) {
    return ErrorResponse(call->id, rpc_code::kInvalidRequest,
                         "Invalid request: method must be a string");
  }
  call->method = &*method;
  call->params = &NoParams();
  if (auto p = request.find("params"); p != request.end() && !p->is_null()) {
    if (!p->is_array() && !p->is_object()) {
      return ErrorResponse(call->id, rpc_code::kInvalidRequest,
                           "Invalid request: params must be an array or an object");
    }
    call->params = &*p;
  }
  return Json();
}

// The response to a call that ran (null for a notification).
Json Respond(const Envelope& call, RpcCallResult r) {
  if (call.notification) return Json();
  if (r.error) return ErrorResponse(call.id, r.error->code, r.error->what());
  return ResultResponse(call.id, std::move(r.result));
}

// The built-in `help [method]`, used unless a handler named help is registered.
Json BuiltinHelp(const RpcTable& table, const Args& a) {
  const Json* arg = a[0];
  if (arg == nullptr) {
    std::string text;
    for (const std::string& name : table.Names()) {
      if (!text.empty()) text.push_back('\n');
      text += *table.Help(name);
    }
    return text;
  }
  if (!arg->is_string()) throw RpcError(rpc_code::kInvalidParameter, "method must be a string");
  const std::string* help = table.Help(arg->get<std::string>());
  if (help == nullptr) {
    throw RpcError(rpc_code::kMethodNotFound, "Method not found: " + Echo(*arg));
  }
  return *help;
}

}  // namespace

void RpcTable::Register(const std::string& name, std::vector<std::string> param_names,
                        RpcHandler handler, std::string help) {
  methods_[name] = Entry{std::move(handler), std::move(help), std::move(param_names), {}};
}

bool RpcTable::RegisterBatch(const std::string& name, RpcBatchHandler handler) {
  auto it = methods_.find(name);
  if (it == methods_.end()) return false;
  it->second.batch_handler = std::move(handler);
  return true;
}

std::vector<std::string> RpcTable::Names() const {
  std::vector<std::string> names;
  names.reserve(methods_.size() + 1);
  for (const auto& [name, entry] : methods_) names.push_back(name);
  if (!methods_.count("help")) {
    names.insert(std::lower_bound(names.begin(), names.end(), "help"), "help");
  }
  return names;
}

const std::string* RpcTable::Help(const std::string& name) const {
  auto it = methods_.find(name);
  if (it != methods_.end()) return &it->second.help;
  if (name == "help") {
    static const std::string kHelp = kHelpLine;  // immutable: not mutable global state
    return &kHelp;
  }
  return nullptr;
}

const std::vector<std::string>* RpcTable::ParamNames(const std::string& name) const {
  auto it = methods_.find(name);
  if (it != methods_.end()) return &it->second.param_names;
  if (name == "help") return &HelpParamNames();
  return nullptr;
}

Json RpcTable::CheckBatch(const Json& batch) {
  if (batch.empty()) {
    return ErrorResponse(nullptr, rpc_code::kInvalidRequest, "Invalid request: empty batch");
  }
  if (batch.size() > kRpcMaxBatchEntries) {
    return ErrorResponse(nullptr, rpc_code::kInvalidRequest,
                         "Invalid request: batch of " + std::to_string(batch.size()) +
                             " entries, at most " + std::to_string(kRpcMaxBatchEntries));
  }
  return Json();
}

Json RpcTable::Handle(const Json& request) const {
  if (!request.is_array()) return HandleOne(request);
  if (Json error = CheckBatch(request); !error.is_null()) return error;
  std::vector<Json> all;
  all.reserve(request.size());
  for (size_t i = 0; i < request.size();) i += HandleRun(request, i, &all);
  Json responses = Json::array();
  for (Json& response : all) {
    if (!response.is_null()) responses.push_back(std::move(response));
  }
  // A batch of notifications only gets no response at all (JSON-RPC 2.0, section 6).
  if (responses.empty()) return Json();
  return responses;
}

std::optional<std::string> RpcTable::HandleToText(const Json& request,
                                                  size_t max_reply_bytes) const {
  const std::string limit = std::to_string(max_reply_bytes);
  if (!request.is_array()) {
    Json response = HandleOne(request);
    if (response.is_null()) return std::nullopt;
    std::string text = Dump(response);
    if (text.size() <= max_reply_bytes) return text;
    return Dump(ErrorResponse(response["id"], rpc_code::kServerLimit,
                              "Reply too large: over the limit of " + limit + " bytes"));
  }
  if (Json error = CheckBatch(request); !error.is_null()) return Dump(error);
  std::string out = "[";
  bool full = false;  // the reply reached the limit: the remaining entries are not run
  auto append = [&out](const std::string& text) {
    if (out.size() > 1) out.push_back(',');
    out += text;
  };
  std::vector<Json> run;
  for (size_t i = 0; i < request.size();) {
    if (full) {
      if (!IsNotification(request[i])) {
        append(Dump(
            ErrorResponse(IdOf(request[i]), rpc_code::kServerLimit,
                          "Not run: the batch's reply reached the limit of " + limit + " bytes")));
      }
      ++i;
      continue;
    }
    run.clear();
    i += HandleRun(request, i, &run);
    // Every entry of a run has run, those past the limit too: they say so.
    for (const Json& response : run) {
      if (response.is_null()) continue;
      std::string text = full ? std::string() : Dump(response);
      if (full || out.size() + text.size() + 2 > max_reply_bytes) {
        full = true;
        text = Dump(ErrorResponse(
            response["id"], rpc_code::kServerLimit,
            "Reply too large: the batch's reply would pass the limit of " + limit + " bytes"));
      }
      append(text);
    }
  }
  // A batch of notifications only gets no response at all (JSON-RPC 2.0, section 6).
  if (out.size() == 1) return std::nullopt;
  out.push_back(']');
  return out;
}

Json RpcTable::HandleOne(const Json& request) const {
  Envelope call;
  if (Json error = ReadEnvelope(request, &call); !error.is_null()) return error;
  const std::string& method = call.method->get_ref<const std::string&>();
  auto run = [&]() -> Json {
    auto entry = methods_.find(method);
    if (entry != methods_.end()) {
      return entry->second.handler(Args(*call.params, entry->second.param_names));
    }
    if (method == "help") return BuiltinHelp(*this, Args(*call.params, HelpParamNames()));
    throw RpcError(rpc_code::kMethodNotFound, "Method not found: " + Echo(*call.method));
  };
  return Respond(call, RunRpcCall(run));
}

size_t RpcTable::HandleRun(const Json& batch, size_t from, std::vector<Json>* responses) const {
  Envelope first;
  const Entry* entry = nullptr;
  if (ReadEnvelope(batch[from], &first).is_null()) {
    auto it = methods_.find(first.method->get_ref<const std::string&>());
    if (it != methods_.end() && it->second.batch_handler) entry = &it->second;
  }
  if (entry == nullptr) {
    responses->push_back(HandleOne(batch[from]));
    return 1;
  }
  std::vector<Envelope> calls;
  calls.push_back(std::move(first));
  for (size_t i = from + 1; i < batch.size(); ++i) {
    Envelope next;
    if (!ReadEnvelope(batch[i], &next).is_null() || *next.method != *calls.front().method) break;
    calls.push_back(std::move(next));
  }
  // The params of each call checked on their own: a call whose params do not fit gets its
  // error and stays out of the run.
  std::vector<RpcCallResult> results(calls.size());
  std::vector<Args> args;
  std::vector<size_t> ran;  // args[k] are the params of calls[ran[k]]
  args.reserve(calls.size());
  ran.reserve(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    results[i] = RunRpcCall([&] {
      args.emplace_back(*calls[i].params, entry->param_names);
      ran.push_back(i);
      return Json();
    });
  }
  if (!args.empty()) {
    std::vector<RpcCallResult> outcomes;
    RpcCallResult failed = RunRpcCall([&] {
      outcomes = entry->batch_handler(std::span<const Args>(args));
      return Json();
    });
    if (!failed.error && outcomes.size() != args.size()) {
      failed.error = RpcError(rpc_code::kInternalError, "Internal error");
    }
    for (size_t k = 0; k < ran.size(); ++k) {
      results[ran[k]] = failed.error ? failed : std::move(outcomes[k]);
    }
  }
  for (size_t i = 0; i < calls.size(); ++i) {
    responses->push_back(Respond(calls[i], std::move(results[i])));
  }
  return calls.size();
}

}  // namespace waybill::node
