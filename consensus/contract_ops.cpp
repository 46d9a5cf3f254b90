// Placeholder of branch r-chain, replaced by r-cons's contract_ops.cpp (the rules of §9.2):
// CheckTransaction refuses both operations before they get here.
#include "consensus/op_context.h"

namespace waybill::consensus {

ValidationResult ApplyOp(const OpContext&, const chain::ContractDeployOp&) {
  return ValidationResult::Invalid(Reason::kBadVersion, "contract.deploy is not enabled");
}

ValidationResult ApplyOp(const OpContext&, const chain::ContractCallOp&) {
  return ValidationResult::Invalid(Reason::kBadVersion, "contract.call is not enabled");
}

}  // namespace waybill::consensus
