// Parameter helpers shared by the JSON-RPC method files: positional or named params, typed
// accessors that throw RpcError with Bitcoin Core's codes and messages, and a bounded echo of
// user input for error messages.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "chain/types.h"
#include "node/rpc/table.h"

namespace waybill::node {

// User input quoted in an error message, cut to 80 bytes (never inside a UTF-8 sequence).
std::string Echo(const Json& v);
[[noreturn]] void Throw(int code, const std::string& message);
// A local fault (store, corruption): kDatabaseError.
[[noreturn]] void ThrowLocal(const std::string& what);

// The params of one call, positional or named. operator[] gives null for an absent or null
// param, so optional params take their defaults either way (as Bitcoin Core treats null).
//
// An Args owns a copy of the param names, so it can be built from a braced list or a
// temporary vector; it points into `params`, which therefore must outlive it: the
// constructor refuses a temporary Json at compile time. Method files build their Args from
// the names the method was registered with (RegisterArgsMethod), never from a second list.
class Args {
 public:
  // Throws RpcError kInvalidParams unless params fit names (CheckParamNames; the table has
  // done that already for a method registered with them).
  Args(const Json& params, std::vector<std::string> names);
  Args(Json&& params, std::vector<std::string> names) = delete;  // would dangle

  const Json* operator[](size_t i) const {
    if (i >= values_.size() || values_[i] == nullptr || values_[i]->is_null()) return nullptr;
    return values_[i];
  }
  const Json& Required(size_t i) const;
  const std::string& Name(size_t i) const { return names_.at(i); }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::vector<const Json*> values_;
};

// Registers a method whose handler reads its params through an Args built from param_names,
// the one list of the method's params (the table's check, the help test and the handler all
// use it).
void RegisterArgsMethod(RpcTable& table, const std::string& name,
                        std::vector<std::string> param_names,
                        std::function<Json(const Args&)> handler, std::string help);

// An unsigned integer in [min, max] (kInvalidParameter otherwise).
uint64_t ToU64(const Json& v, const std::string& name, uint64_t min, uint64_t max);
// Param i as ToU64; fallback when absent (required when there is none).
uint64_t UIntArg(const Args& a, size_t i, uint64_t min, uint64_t max,
                 std::optional<uint64_t> fallback = std::nullopt);
// A bool, or an integer 0..max (Bitcoin Core's verbose/verbosity params take either; true is
// 1).
int LevelArg(const Args& a, size_t i, int max, int fallback);
bool BoolArg(const Args& a, size_t i, bool fallback);
// A required string param.
const std::string& StringArg(const Args& a, size_t i);
// A required 64-hex-digit hash param.
chain::Hash256 HashArg(const Args& a, size_t i);

}  // namespace waybill::node
