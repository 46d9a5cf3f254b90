// The params of one call as a method sees them: positional or named, checked against the names
// the method declared, with typed accessors that throw RpcError with Bitcoin Core's codes and
// messages. Every method is registered with its param names and reads its params through an
// Args (RpcTable::Register, table.h): the table's check, `help`, the params test and the
// handler all use the one list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/types.h"
#include "node/rpc/error.h"

namespace waybill::node {

// Checks a call's params (an array or an object) against the names of the params its method
// accepts, in order: an array may hold at most names.size() values, an object only members
// that names lists (case-sensitive). Throws RpcError kInvalidParams, "Invalid params: expected
// at most N, got M" or "Invalid params: unknown named parameter NAME", otherwise. Whether a
// required param is present, and the values' types, are left to the method.
void CheckParamNames(const Json& params, const std::vector<std::string>& names);

// The params of one call, positional or named. operator[] gives null for an absent or null
// param, so optional params take their defaults either way (as Bitcoin Core treats null).
//
// An Args owns a copy of the param names, so it can be built from a braced list or a
// temporary vector; it points into `params`, which therefore must outlive it: the
// constructor refuses a temporary Json at compile time.
class Args {
 public:
  // Throws RpcError kInvalidParams unless params (an array, an object, or null for none) fit
  // names (CheckParamNames).
  Args(const Json& params, std::vector<std::string> names);
  Args(Json&& params, std::vector<std::string> names) = delete;  // would dangle

  const Json* operator[](size_t i) const {
    if (i >= values_.size() || values_[i] == nullptr || values_[i]->is_null()) return nullptr;
    return values_[i];
  }
  // Param i; RpcError kInvalidParams "Invalid params: missing NAME" when absent or null.
  const Json& Required(size_t i) const;
  const std::string& Name(size_t i) const { return names_.at(i); }
  size_t size() const { return names_.size(); }
  // The params as sent (an array or an object that fits the names).
  const Json& params() const { return params_; }

 private:
  const Json& params_;
  std::vector<std::string> names_;
  std::vector<const Json*> values_;
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
