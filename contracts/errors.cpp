#include "contracts/errors.h"

#include <iterator>
#include <span>

namespace waybill::contracts {
namespace {

#define WAYBILL_VM_TEXT(name, text) text,
constexpr std::string_view kValidationTexts[] = {WAYBILL_VM_VALIDATION_ERRORS(WAYBILL_VM_TEXT)};
constexpr std::string_view kVmTexts[] = {WAYBILL_VM_ERRORS(WAYBILL_VM_TEXT)};
#undef WAYBILL_VM_TEXT

// The enums number their values from 0 in the order of the lists, as the arrays do.
std::string_view TextAt(std::span<const std::string_view> texts, size_t i) {
  return i < texts.size() ? texts[i] : "unknown";
}

}  // namespace

std::string_view ValidationErrorString(ValidationError e) {
  return TextAt(kValidationTexts, static_cast<size_t>(e));
}
std::string_view VmErrorString(VmError e) { return TextAt(kVmTexts, static_cast<size_t>(e)); }

}  // namespace waybill::contracts
