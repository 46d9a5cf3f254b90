#include "contracts/errors.h"

namespace waybill::contracts {

std::string_view ValidationErrorString(ValidationError e) {
  switch (e) {
#define WAYBILL_VM_CASE(name, text) \
  case ValidationError::name:       \
    return text;
    WAYBILL_VM_VALIDATION_ERRORS(WAYBILL_VM_CASE)
#undef WAYBILL_VM_CASE
  }
  return "unknown";
}

std::string_view VmErrorString(VmError e) {
  switch (e) {
#define WAYBILL_VM_CASE(name, text) \
  case VmError::name:               \
    return text;
    WAYBILL_VM_ERRORS(WAYBILL_VM_CASE)
#undef WAYBILL_VM_CASE
  }
  return "unknown";
}

}  // namespace waybill::contracts
