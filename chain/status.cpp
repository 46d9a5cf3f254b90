#include "chain/status.h"

namespace waybill::chain {

std::string Status::ToString() const {
  const char* name = "ok";
  switch (code_) {
    case Code::kOk: return "ok";
    case Code::kInvalid: name = "invalid"; break;
    case Code::kNotFound: name = "not found"; break;
    case Code::kCorruption: name = "corruption"; break;
    case Code::kIoError: name = "io error"; break;
    case Code::kInternal: name = "internal error"; break;
  }
  return std::string(name) + ": " + reason_;
}

}  // namespace waybill::chain
