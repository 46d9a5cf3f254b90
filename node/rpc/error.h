// What every part of the JSON-RPC shares: the Json type, the error codes and the exception that
// a method throws to answer with a JSON-RPC error object (the table catches it; nothing else
// crosses the table, see table.h).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

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
// The caller's user may not call this method (--rpcwhitelist); answered with HTTP 403.
inline constexpr int kForbidden = -32001;
}  // namespace rpc_code

struct RpcError : std::runtime_error {
  RpcError(int c, const std::string& message) : std::runtime_error(message), code(c) {}
  int code;
};

// User input quoted in an error message, cut to 80 bytes (never inside a UTF-8 sequence).
std::string Echo(const Json& v);
[[noreturn]] void Throw(int code, const std::string& message);
// A local fault (store, corruption): kDatabaseError.
[[noreturn]] void ThrowLocal(const std::string& what);

}  // namespace waybill::node
