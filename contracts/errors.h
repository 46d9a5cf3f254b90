// The typed reasons of the contract VM: why bytecode is refused at deploy, and why a call
// failed. Each is defined once here; its text (docs/CONTRACTS.md "Failure rules", the RPC's
// reason field) is derived from it. Layers above act on the code, never on the text.
#pragma once

#include <cstdint>
#include <string_view>

namespace waybill::contracts {

// X(name, text)
// clang-format off
#define WAYBILL_VM_VALIDATION_ERRORS(X)                                                \
  X(kTruncated, "truncated")                       /* the bytes end inside a field */ \
  X(kBadMagic, "bad-magic")                                                            \
  X(kBadVersion, "bad-version")                                                        \
  X(kTrailingBytes, "trailing-bytes")                                                  \
  X(kTooManyConstants, "too-many-constants")                                           \
  X(kConstantTooLong, "constant-too-long")                                             \
  X(kNoEntries, "no-entries")                                                          \
  X(kTooManyEntries, "too-many-entries")                                               \
  X(kBadEntryName, "bad-entry-name")                                                   \
  X(kEntriesNotSorted, "entries-not-sorted")  /* or a name given twice */              \
  X(kEmptyCode, "empty-code")                                                          \
  X(kCodeTooLarge, "code-too-large")                                                   \
  X(kEntryNotInstruction, "entry-not-instruction")                                     \
  X(kUnknownOpcode, "unknown-opcode")                                                  \
  X(kTruncatedImmediate, "truncated-immediate")                                        \
  X(kBadConstantIndex, "bad-constant-index")                                           \
  X(kBadJumpTarget, "bad-jump-target")  /* outside the code or not an instruction */   \
  X(kFallsOffEnd, "falls-off-end")                                                     \
  X(kStackUnderflow, "stack-underflow")                                                \
  X(kStackOverflow, "stack-overflow")                                                  \
  X(kStackMismatch, "stack-mismatch")  /* two paths reach an offset at other heights */
// clang-format on

enum class ValidationError : uint8_t {
#define WAYBILL_VM_ENUM(name, text) name,
  WAYBILL_VM_VALIDATION_ERRORS(WAYBILL_VM_ENUM)
#undef WAYBILL_VM_ENUM
};

// X(name, text)
// clang-format off
#define WAYBILL_VM_ERRORS(X)                                                      \
  X(kTypeMismatch, "type-mismatch")        /* an integer where bytes were due, or back */ \
  X(kOverflow, "overflow")                                                       \
  X(kDivisionByZero, "division-by-zero")                                         \
  X(kShiftOutOfRange, "shift-out-of-range")                                      \
  X(kValueTooLong, "value-too-long")       /* a result past kMaxValueBytes */    \
  X(kSliceOutOfRange, "slice-out-of-range")                                      \
  X(kIntTooLong, "int-too-long")           /* BTOI of more than 8 bytes */       \
  X(kBadId, "bad-id")                      /* an id that is not 32 bytes */      \
  X(kBadSignature, "bad-signature-length") /* SIGCHECK's signature not 64 bytes */ \
  X(kArgumentIndex, "argument-index")                                            \
  X(kAttachmentIndex, "attachment-index")                                        \
  X(kStorageKeyTooLong, "storage-key-too-long")                                  \
  X(kStorageWriteLimit, "storage-write-limit")                                   \
  X(kLogLimit, "log-limit")                                                      \
  X(kLogTooLong, "log-too-long")                                                 \
  X(kEffectLimit, "effect-limit")                                                \
  X(kMemoryLimit, "memory-limit")                                                \
  X(kUnknownAsset, "unknown-asset")                                              \
  X(kEffectRefused, "effect-refused")      /* the host refused an effect: see detail */ \
  X(kNoSuchEntry, "no-such-entry")                                               \
  X(kBadArguments, "bad-arguments")        /* too many, or one too long */       \
  X(kOutOfGas, "out-of-gas")                                                     \
  X(kAborted, "aborted")                   /* ABORT: the code is in the result */
// clang-format on

enum class VmError : uint8_t {
#define WAYBILL_VM_ENUM(name, text) name,
  WAYBILL_VM_ERRORS(WAYBILL_VM_ENUM)
#undef WAYBILL_VM_ENUM
};

std::string_view ValidationErrorString(ValidationError e);
std::string_view VmErrorString(VmError e);

}  // namespace waybill::contracts
