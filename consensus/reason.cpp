#include "consensus/reason.h"

namespace waybill::consensus {

std::optional<Reason> ReasonFromString(std::string_view text) {
  for (size_t i = 0; i < kReasonCount; ++i) {
    const auto reason = static_cast<Reason>(i);
    if (ReasonString(reason) == text) return reason;
  }
  return std::nullopt;
}

}  // namespace waybill::consensus
