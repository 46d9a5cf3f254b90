#include "consensus/validation.h"

namespace waybill::consensus {

ValidationResult ValidationResult::FromStatus(const chain::Status& s,
                                              std::string invalid_reason) {
  if (s.ok()) return Valid();
  if (s.IsInvalid()) return Invalid(std::move(invalid_reason), s.reason());
  return Error(s.ToString());
}

std::string ValidationResult::ToString() const {
  if (valid()) return "valid";
  if (detail_.empty()) return reason_;
  return reason_ + ": " + detail_;
}

}  // namespace waybill::consensus
