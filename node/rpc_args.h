// Parameter helpers shared by the JSON-RPC method files: positional or named params, typed
// accessors that throw RpcError with Bitcoin Core's codes and messages, and a bounded echo of
// user input for error messages.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/types.h"
#include "node/rpc.h"

namespace waybill::node {

// User input quoted in an error message, cut to 80 bytes (never inside a UTF-8 sequence).
std::string Echo(const Json& v);
[[noreturn]] void Throw(int code, const std::string& message);
// A local fault (store, corruption): kDatabaseError.
[[noreturn]] void ThrowLocal(const std::string& what);

// The params of one call, positional or named. operator[] gives null for an absent or null
// param, so optional params take their defaults either way (as Bitcoin Core treats null).
class Args {
 public:
  // REQUIRES: names outlives the Args. Throws RpcError kInvalidParams unless params fit names
  // (CheckParamNames; the table has done that already for a method registered with them).
  Args(const Json& params, const std::vector<std::string>& names)
      : values_(names.size()), names_(names) {
    CheckParamNames(params, names);
    if (params.is_array()) {
      for (size_t i = 0; i < params.size(); ++i) values_[i] = &params[i];
    } else if (params.is_object()) {
      for (const auto& [key, value] : params.items()) {
        values_[std::find(names.begin(), names.end(), key) - names.begin()] = &value;
      }
    }
  }

  const Json* operator[](size_t i) const {
    if (i >= values_.size() || values_[i] == nullptr || values_[i]->is_null()) return nullptr;
    return values_[i];
  }
  const Json& Required(size_t i) const {
    const Json* v = (*this)[i];
    if (!v) Throw(rpc_code::kInvalidParams, "Invalid params: missing " + names_.at(i));
    return *v;
  }
  const std::string& Name(size_t i) const { return names_.at(i); }

 private:
  std::vector<const Json*> values_;
  const std::vector<std::string>& names_;
};

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
