#include "consensus/validation.h"

namespace waybill::consensus {

ValidationResult ValidationResult::FromStatus(const chain::Status& s, Reason invalid_reason) {
  if (s.ok()) return Valid();
  if (s.IsInvalid()) return Invalid(invalid_reason, s.reason());
  return Error(s.ToString());
}

std::string ValidationResult::reason() const {
  switch (kind_) {
    case Kind::kValid:
      return {};
    case Kind::kInvalid:
      return std::string(ReasonString(*code_));
    case Kind::kError:
      return std::string(kLocalErrorReason);
  }
  return {};
}

std::string ValidationResult::ToString() const {
  if (valid()) return "valid";
  if (detail_.empty()) return reason();
  return reason() + ": " + detail_;
}

}  // namespace waybill::consensus
