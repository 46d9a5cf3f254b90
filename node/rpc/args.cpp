#include "node/rpc/args.h"

#include <algorithm>
#include <utility>

namespace waybill::node {
namespace {

constexpr size_t kMaxEcho = 80;

}  // namespace

void CheckParamNames(const Json& params, const std::vector<std::string>& names) {
  if (params.is_array()) {
    if (params.size() > names.size()) {
      throw RpcError(rpc_code::kInvalidParams, "Invalid params: expected at most " +
                                                   std::to_string(names.size()) + ", got " +
                                                   std::to_string(params.size()));
    }
  } else if (params.is_object()) {
    for (const auto& [key, value] : params.items()) {
      if (std::find(names.begin(), names.end(), key) == names.end()) {
        throw RpcError(rpc_code::kInvalidParams, "Invalid params: unknown named parameter " + key);
      }
    }
  }
}

std::string Echo(const Json& v) {
  std::string s =
      v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > kMaxEcho) {
    // Cut before a UTF-8 continuation byte's sequence, never inside it.
    size_t n = kMaxEcho;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    s = s.substr(0, n) + "...";
  }
  return s;
}

Args::Args(const Json& params, std::vector<std::string> names)
    : params_(params), names_(std::move(names)), values_(names_.size()) {
  CheckParamNames(params, names_);
  if (params.is_array()) {
    for (size_t i = 0; i < params.size(); ++i) values_[i] = &params[i];
  } else if (params.is_object()) {
    for (const auto& [key, value] : params.items()) {
      values_[std::find(names_.begin(), names_.end(), key) - names_.begin()] = &value;
    }
  }
}

const Json& Args::Required(size_t i) const {
  const Json* v = (*this)[i];
  if (!v) Throw(rpc_code::kInvalidParams, "Invalid params: missing " + names_.at(i));
  return *v;
}

[[noreturn]] void Throw(int code, const std::string& message) { throw RpcError(code, message); }

[[noreturn]] void ThrowLocal(const std::string& what) {
  Throw(rpc_code::kDatabaseError, "Database error: " + what);
}

uint64_t ToU64(const Json& v, const std::string& name, uint64_t min, uint64_t max) {
  bool ok = false;
  uint64_t n = 0;
  if (v.is_number_unsigned()) {
    n = v.get<uint64_t>();
    ok = true;
  } else if (v.is_number_integer()) {
    if (v.get<int64_t>() < 0) {
      Throw(rpc_code::kInvalidParameter, name + " out of range: " + Echo(v));
    }
    n = static_cast<uint64_t>(v.get<int64_t>());
    ok = true;
  }
  if (!ok) Throw(rpc_code::kInvalidParameter, name + " must be an integer, not " + Echo(v));
  if (n < min || n > max) {
    Throw(rpc_code::kInvalidParameter, name + " out of range: " + std::to_string(n) + " (allowed " +
                                           std::to_string(min) + ".." + std::to_string(max) + ")");
  }
  return n;
}

uint64_t UIntArg(const Args& a, size_t i, uint64_t min, uint64_t max,
                 std::optional<uint64_t> fallback) {
  const Json* v = a[i];
  if (!v && fallback) return *fallback;
  return ToU64(v ? *v : a.Required(i), a.Name(i), min, max);
}

int LevelArg(const Args& a, size_t i, int max, int fallback) {
  const Json* v = a[i];
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>() ? 1 : 0;
  return static_cast<int>(ToU64(*v, a.Name(i), 0, static_cast<uint64_t>(max)));
}

bool BoolArg(const Args& a, size_t i, bool fallback) { return LevelArg(a, i, 1, fallback) != 0; }

const std::string& StringArg(const Args& a, size_t i) {
  const Json& v = a.Required(i);
  if (!v.is_string()) {
    Throw(rpc_code::kInvalidParameter, a.Name(i) + " must be a string, not " + Echo(v));
  }
  return v.get_ref<const std::string&>();
}

chain::Hash256 HashArg(const Args& a, size_t i) {
  const std::string& s = StringArg(a, i);
  if (s.size() != 64) {
    Throw(rpc_code::kInvalidParameter, a.Name(i) + " must be of length 64 (not " +
                                           std::to_string(s.size()) + ", for '" + Echo(s) + "')");
  }
  auto h = chain::Hash256::FromHex(s);
  if (!h) {
    Throw(rpc_code::kInvalidParameter,
          a.Name(i) + " must be hexadecimal string (not '" + Echo(s) + "')");
  }
  return *h;
}

}  // namespace waybill::node
