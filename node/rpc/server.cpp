#include "node/rpc/server.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace waybill::node {
namespace {

HttpResponse JsonRpcError(int code, const std::string& message) {
  Json body = {
      {"jsonrpc", "2.0"}, {"error", {{"code", code}, {"message", message}}}, {"id", nullptr}};
  HttpResponse r;
  r.body = body.dump() + "\n";
  return r;
}

// What a linear scan (skipping strings) finds in a JSON text before it is parsed: how deep
// arrays/objects nest and how many values and members it holds (counted as the '[', '{', ','
// and ':' outside strings, an upper bound). Run before the parser so that no document can
// make parsing or any later recursive walk (dump, handlers) deep, nor the parsed tree large:
// a parsed value costs 16 to 100 bytes for every 2 or 3 bytes of text.
struct JsonShape {
  bool too_deep = false;
  size_t tokens = 0;
};

JsonShape ScanJson(std::string_view text, int max_depth) {
  JsonShape shape;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++shape.tokens;
      if (++depth > max_depth) shape.too_deep = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' || c == ':') {
      ++shape.tokens;
    }
  }
  return shape;
}

// The first method named by a request or batch that `user` may not call; nullopt if none.
// Entries without a string method are left to the table (they get kInvalidRequest).
std::optional<std::string> ForbiddenMethod(const Json& parsed, const RpcWhitelist& whitelist,
                                           std::string_view user) {
  auto check = [&](const Json& one) -> std::optional<std::string> {
    if (!one.is_object()) return std::nullopt;
    auto method = one.find("method");
    if (method == one.end() || !method->is_string()) return std::nullopt;
    const std::string& name = method->get_ref<const std::string&>();
    if (whitelist.Allowed(user, name)) return std::nullopt;
    return name;
  };
  if (!parsed.is_array()) return check(parsed);
  for (const Json& one : parsed) {
    if (auto name = check(one)) return name;
  }
  return std::nullopt;
}

HttpResponse Forbidden(const Json& parsed, std::string_view user, const std::string& method) {
  Json id = nullptr;
  if (parsed.is_object()) {
    auto v = parsed.find("id");
    if (v != parsed.end() && (v->is_string() || v->is_number())) id = *v;
  }
  Json body = {{"jsonrpc", "2.0"},
               {"error",
                {{"code", rpc_code::kForbidden},
                 {"message", "Forbidden: user " + Echo(std::string(user)) + " may not call " +
                                 Echo(method) +
                                 (parsed.is_array() ? " (the whole batch was refused)" : "")}}},
               {"id", id}};
  HttpResponse r;
  r.status = 403;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  return r;
}

}  // namespace

HttpResponse HandleJsonRpc(const HttpRequest& request, const RpcTable& table) {
  return HandleJsonRpc(request, table, nullptr);
}

HttpResponse HandleJsonRpc(const HttpRequest& request, const RpcTable& table,
                           const RpcWhitelist* whitelist) {
  if (request.method != "POST") {
    HttpResponse r = PlainResponse(405, "JSON-RPC requests must use POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (!MediaTypeIs(request.content_type, "application/json")) {
    return PlainResponse(415, "Content-Type must be application/json");
  }
  const JsonShape shape = ScanJson(request.body, kRpcMaxJsonDepth);
  if (shape.too_deep) {
    return JsonRpcError(rpc_code::kParseError,
                        "Parse error: nested deeper than " + std::to_string(kRpcMaxJsonDepth));
  }
  if (shape.tokens > kRpcMaxJsonTokens) {
    return JsonRpcError(rpc_code::kParseError,
                        "Parse error: more than " + std::to_string(kRpcMaxJsonTokens) +
                            " values and members (a batch holds at most " +
                            std::to_string(kRpcMaxBatchEntries) + " entries)");
  }
  std::optional<std::string> reply;
  {
    Json parsed = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return JsonRpcError(rpc_code::kParseError, "Parse error");
    if (whitelist != nullptr) {
      const std::string user = BasicAuthUser(request.authorization).value_or("");
      if (auto method = ForbiddenMethod(parsed, *whitelist, user)) {
        return Forbidden(parsed, user, *method);
      }
    }
    reply = table.HandleToText(parsed);
  }  // the parsed request is freed before the reply is sent
  HttpResponse r;
  if (!reply) {
    r.status = 204;  // notifications only
    r.content_type.clear();
    return r;
  }
  r.body = std::move(*reply);
  r.body.push_back('\n');
  return r;
}

HttpRouter MakeRpcRouter(const RpcTable& table, AuthConfig auth) {
  return MakeRpcRouter(table, Credentials(std::move(auth)), nullptr);
}

HttpRouter MakeRpcRouter(const RpcTable& table, Credentials credentials,
                         std::shared_ptr<const RpcWhitelist> whitelist) {
  HttpRouter router(std::move(credentials), "waybill-rpc");
  MountHealthCheck(router);
  router.Mount("", "/", kRpcMaxBodyBytes,
               [&table, whitelist = std::move(whitelist)](const HttpRequest& request) {
                 HttpResponse response = HandleJsonRpc(request, table, whitelist.get());
                 response.route = "/";
                 return response;
               });
  return router;
}

HttpResponse HandleRpcHttp(const HttpRequest& request, const RpcTable& table,
                           const AuthConfig& auth) {
  return MakeRpcRouter(table, auth).Handle(request);
}

RpcServerOptions::RpcServerOptions() {
  max_header_bytes = kRpcMaxHeaderBytes;
  max_body_bytes = kRpcMaxBodyBytes;
  name = "RPC";
  title = "JSON-RPC";
  log_category = "rpc";
}

RpcServer::RpcServer(const RpcTable* table, AuthConfig auth, RpcServerOptions options, LogSink* log)
    : server_(MakeRpcRouter(*table, std::move(auth)), std::move(options), log) {}

RpcServer::RpcServer(const RpcTable* table, Credentials credentials,
                     std::shared_ptr<const RpcWhitelist> whitelist, RpcServerOptions options,
                     LogSink* log)
    : server_(MakeRpcRouter(*table, std::move(credentials), std::move(whitelist)),
              std::move(options), log) {}

}  // namespace waybill::node
