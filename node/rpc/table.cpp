#include "node/rpc/table.h"

#include <algorithm>
#include <new>
#include <optional>
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
  methods_[name] = Entry{std::move(handler), std::move(help), std::move(param_names)};
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
  Json responses = Json::array();
  for (const Json& one : request) {
    Json response = HandleOne(one);
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
  for (const Json& one : request) {
    std::string text;
    if (!full) {
      Json response = HandleOne(one);
      if (response.is_null()) continue;
      text = Dump(response);
      if (out.size() + text.size() + 2 > max_reply_bytes) {
        full = true;
        text = Dump(ErrorResponse(
            response["id"], rpc_code::kServerLimit,
            "Reply too large: the batch's reply would pass the limit of " + limit + " bytes"));
      }
    } else {
      if (IsNotification(one)) continue;
      text = Dump(
          ErrorResponse(IdOf(one), rpc_code::kServerLimit,
                        "Not run: the batch's reply reached the limit of " + limit + " bytes"));
    }
    if (out.size() > 1) out.push_back(',');
    out += text;
  }
  // A batch of notifications only gets no response at all (JSON-RPC 2.0, section 6).
  if (out.size() == 1) return std::nullopt;
  out.push_back(']');
  return out;
}

Json RpcTable::HandleOne(const Json& request) const {
  if (!request.is_object()) {
    return ErrorResponse(nullptr, rpc_code::kInvalidRequest,
                         "Invalid request: expected a JSON object");
  }
  // The id first, so that every later error can carry it.
  Json id = nullptr;
  bool has_id = false;
  if (auto v = request.find("id"); v != request.end()) {
    if (!v->is_null() && !v->is_string() && !v->is_number()) {
      return ErrorResponse(nullptr, rpc_code::kInvalidRequest,
                           "Invalid request: id must be a string, a number or null");
    }
    id = *v;
    has_id = true;
  }
  Dialect dialect = Dialect::kLegacy;
  if (auto v = request.find("jsonrpc"); v != request.end()) {
    if (*v == "2.0") {
      dialect = Dialect::kV2;
    } else if (*v != "1.0" && *v != "1.1") {
      // Answered even without an id, like every broken envelope.
      return ErrorResponse(id, rpc_code::kInvalidRequest,
                           "Invalid request: jsonrpc must be \"2.0\"");
    }
  }
  const bool notification = dialect == Dialect::kV2 && !has_id;

  auto method_it = request.find("method");
  if (method_it == request.end() || !method_it->is_string()) {
    // An invalid request is answered even without an id: the sender cannot be told otherwise.
    return ErrorResponse(id, rpc_code::kInvalidRequest, "Invalid request: method must be a string");
  }
  const std::string& method = method_it->get_ref<const std::string&>();

  Json params = Json::array();
  if (auto p = request.find("params"); p != request.end() && !p->is_null()) {
    if (!p->is_array() && !p->is_object()) {
      return ErrorResponse(id, rpc_code::kInvalidRequest,
                           "Invalid request: params must be an array or an object");
    }
    params = *p;
  }

  Json response;
  try {
    auto entry = methods_.find(method);
    if (entry != methods_.end()) {
      response = ResultResponse(id, entry->second.handler(Args(params, entry->second.param_names)));
    } else if (method == "help") {
      response = ResultResponse(id, BuiltinHelp(*this, Args(params, HelpParamNames())));
    } else {
      response =
          ErrorResponse(id, rpc_code::kMethodNotFound, "Method not found: " + Echo(*method_it));
    }
  } catch (const RpcError& e) {
    response = ErrorResponse(id, e.code, e.what());
  } catch (const Json::exception& e) {
    // A handler read a parameter of the wrong type or a missing one (params.at(0).get<T>()).
    response =
        ErrorResponse(id, rpc_code::kInvalidParams, std::string("Invalid params: ") + e.what());
  } catch (const std::bad_alloc&) {
    response = ErrorResponse(id, rpc_code::kInternalError, "Internal error: out of memory");
  } catch (...) {
    // Anything else is a bug or a local fault; its text may name files or internals that a
    // client has no business seeing.
    response = ErrorResponse(id, rpc_code::kInternalError, "Internal error");
  }
  if (notification) return Json();
  return response;
}

}  // namespace waybill::node
