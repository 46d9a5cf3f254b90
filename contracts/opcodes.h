// The opcode table of the contract VM: the one definition that the validator, the
// interpreter, the assembler, the disassembler and docs/CONTRACTS.md follow
// (contracts_opcodes_test checks the docs against it).
//
// Stack effects are fixed per opcode: `pops` values are taken from the top (the last one
// pushed is the right-hand operand: `a b SUB` computes a - b) and `pushes` values are left.
// DUPn needs n values and leaves n + 1; SWAPn needs n + 1 and leaves n + 1.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace waybill::contracts {

// How an instruction ends or continues the flow of control.
enum class Flow : uint8_t {
  kNext,    // continues with the next instruction
  kStop,    // ends the call (STOP, ABORT)
  kJump,    // continues at its u16 target
  kJumpIf,  // pops a condition; continues at its target if it is not 0, else with the next
};

// What the immediate bytes after an opcode mean.
enum class Immediate : uint8_t {
  kNone,
  kInt8,    // PUSH1: one byte, pushed as an integer
  kInt64,   // PUSH8: eight bytes, little-endian, pushed as an integer
  kConst,   // PUSHC: one byte, an index into the constant table
  kTarget,  // JUMP, JUMPI: two bytes, little-endian, a code offset
};

// X(name, mnemonic, byte, immediate, pops, pushes, gas, flow)
// clang-format off
#define WAYBILL_VM_OPCODES(X)                                   \
  /* control */                                                 \
  X(kStop, "STOP", 0x00, kNone, 0, 0, 1, kStop)                 \
  X(kAbort, "ABORT", 0x01, kNone, 1, 0, 1, kStop)               \
  X(kJump, "JUMP", 0x02, kTarget, 0, 0, 2, kJump)               \
  X(kJumpIf, "JUMPI", 0x03, kTarget, 1, 0, 3, kJumpIf)          \
  /* stack */                                                   \
  X(kPush1, "PUSH1", 0x10, kInt8, 0, 1, 1, kNext)               \
  X(kPush8, "PUSH8", 0x11, kInt64, 0, 1, 1, kNext)              \
  X(kPushC, "PUSHC", 0x12, kConst, 0, 1, 2, kNext)              \
  X(kPop, "POP", 0x13, kNone, 1, 0, 1, kNext)                   \
  X(kDup1, "DUP1", 0x18, kNone, 1, 2, 1, kNext)                 \
  X(kDup2, "DUP2", 0x19, kNone, 2, 3, 1, kNext)                 \
  X(kDup3, "DUP3", 0x1a, kNone, 3, 4, 1, kNext)                 \
  X(kDup4, "DUP4", 0x1b, kNone, 4, 5, 1, kNext)                 \
  X(kDup5, "DUP5", 0x1c, kNone, 5, 6, 1, kNext)                 \
  X(kDup6, "DUP6", 0x1d, kNone, 6, 7, 1, kNext)                 \
  X(kDup7, "DUP7", 0x1e, kNone, 7, 8, 1, kNext)                 \
  X(kDup8, "DUP8", 0x1f, kNone, 8, 9, 1, kNext)                 \
  X(kSwap1, "SWAP1", 0x20, kNone, 2, 2, 1, kNext)               \
  X(kSwap2, "SWAP2", 0x21, kNone, 3, 3, 1, kNext)               \
  X(kSwap3, "SWAP3", 0x22, kNone, 4, 4, 1, kNext)               \
  X(kSwap4, "SWAP4", 0x23, kNone, 5, 5, 1, kNext)               \
  X(kSwap5, "SWAP5", 0x24, kNone, 6, 6, 1, kNext)               \
  X(kSwap6, "SWAP6", 0x25, kNone, 7, 7, 1, kNext)               \
  X(kSwap7, "SWAP7", 0x26, kNone, 8, 8, 1, kNext)               \
  X(kSwap8, "SWAP8", 0x27, kNone, 9, 9, 1, kNext)               \
  /* checked u64 arithmetic and comparisons */                  \
  X(kAdd, "ADD", 0x30, kNone, 2, 1, 2, kNext)                   \
  X(kSub, "SUB", 0x31, kNone, 2, 1, 2, kNext)                   \
  X(kMul, "MUL", 0x32, kNone, 2, 1, 3, kNext)                   \
  X(kDiv, "DIV", 0x33, kNone, 2, 1, 4, kNext)                   \
  X(kMod, "MOD", 0x34, kNone, 2, 1, 4, kNext)                   \
  X(kShl, "SHL", 0x35, kNone, 2, 1, 2, kNext)                   \
  X(kShr, "SHR", 0x36, kNone, 2, 1, 2, kNext)                   \
  X(kAnd, "AND", 0x37, kNone, 2, 1, 2, kNext)                   \
  X(kOr, "OR", 0x38, kNone, 2, 1, 2, kNext)                     \
  X(kXor, "XOR", 0x39, kNone, 2, 1, 2, kNext)                   \
  X(kNot, "NOT", 0x3a, kNone, 1, 1, 2, kNext)                   \
  X(kLt, "LT", 0x3b, kNone, 2, 1, 2, kNext)                     \
  X(kGt, "GT", 0x3c, kNone, 2, 1, 2, kNext)                     \
  X(kEq, "EQ", 0x3d, kNone, 2, 1, 2, kNext)                     \
  X(kIsZero, "ISZERO", 0x3e, kNone, 1, 1, 2, kNext)             \
  /* byte strings */                                            \
  X(kLen, "LEN", 0x40, kNone, 1, 1, 2, kNext)                   \
  X(kConcat, "CONCAT", 0x41, kNone, 2, 1, 50, kNext)            \
  X(kSlice, "SLICE", 0x42, kNone, 3, 1, 10, kNext)              \
  X(kBytesEq, "BEQ", 0x43, kNone, 2, 1, 10, kNext)               \
  X(kIntToBytes, "ITOB", 0x44, kNone, 1, 1, 6, kNext)           \
  X(kBytesToInt, "BTOI", 0x45, kNone, 1, 1, 4, kNext)           \
  X(kIsBytes, "ISBYTES", 0x46, kNone, 1, 1, 1, kNext)           \
  /* cryptography */                                            \
  X(kSha256, "SHA256", 0x50, kNone, 1, 1, 1000, kNext)            \
  X(kSigCheck, "SIGCHECK", 0x51, kNone, 3, 1, 60000, kNext)      \
  /* own storage */                                             \
  X(kStorageGet, "SLOAD", 0x58, kNone, 1, 1, 10000, kNext)        \
  X(kStoragePut, "SSTORE", 0x59, kNone, 2, 0, 30000, kNext)      \
  /* environment */                                             \
  X(kSelf, "SELF", 0x60, kNone, 0, 1, 2, kNext)                 \
  X(kSender, "SENDER", 0x61, kNone, 0, 1, 2, kNext)             \
  X(kArgCount, "ARGC", 0x62, kNone, 0, 1, 2, kNext)             \
  X(kArg, "ARG", 0x63, kNone, 1, 1, 3, kNext)                   \
  X(kHeight, "HEIGHT", 0x64, kNone, 0, 1, 2, kNext)             \
  X(kTime, "TIME", 0x65, kNone, 0, 1, 2, kNext)                 \
  X(kAttachedCoins, "ATTCOINS", 0x66, kNone, 0, 1, 2, kNext)    \
  X(kAttachedAssetCount, "ATTASSETC", 0x67, kNone, 0, 1, 2, kNext) \
  X(kAttachedAsset, "ATTASSET", 0x68, kNone, 1, 1, 3, kNext)    \
  X(kBalance, "BALANCE", 0x69, kNone, 0, 1, 100, kNext)         \
  X(kHolds, "HOLDS", 0x6a, kNone, 1, 1, 150000, kNext)             \
  /* asset reads */                                             \
  X(kCustodian, "CUSTODIAN", 0x70, kNone, 1, 1, 150000, kNext)     \
  X(kQuantity, "QUANTITY", 0x71, kNone, 1, 1, 150000, kNext)       \
  X(kUnit, "UNIT", 0x72, kNone, 1, 1, 150000, kNext)               \
  X(kStatus, "STATUS", 0x73, kNone, 1, 1, 150000, kNext)           \
  X(kMeta, "META", 0x74, kNone, 2, 2, 150000, kNext)               \
  X(kAttestation, "ATTESTATION", 0x75, kNone, 3, 2, 160000, kNext) \
  /* effects */                                                 \
  X(kSendCoins, "SENDCOINS", 0x80, kNone, 2, 0, 15000, kNext)    \
  X(kSendAsset, "SENDASSET", 0x81, kNone, 2, 0, 100000, kNext)    \
  X(kSplit, "SPLIT", 0x82, kNone, 2, 2, 600000, kNext)            \
  X(kMerge, "MERGE", 0x83, kNone, 2, 1, 700000, kNext)            \
  X(kLog, "LOG", 0x84, kNone, 1, 0, 2000, kNext)
// clang-format on

enum class Op : uint8_t {
#define WAYBILL_VM_ENUM(name, mnemonic, byte, imm, pops, pushes, gas, flow) name = byte,
  WAYBILL_VM_OPCODES(WAYBILL_VM_ENUM)
#undef WAYBILL_VM_ENUM
};

struct OpInfo {
  std::string_view mnemonic;  // empty: the byte is not an opcode
  Immediate immediate = Immediate::kNone;
  uint8_t pops = 0;
  uint8_t pushes = 0;
  uint32_t gas = 0;
  Flow flow = Flow::kNext;
  bool known() const { return !mnemonic.empty(); }
};

constexpr size_t ImmediateSize(Immediate imm) {
  switch (imm) {
    case Immediate::kNone:
      return 0;
    case Immediate::kInt8:
      return 1;
    case Immediate::kInt64:
      return 8;
    case Immediate::kConst:
      return 1;
    case Immediate::kTarget:
      return 2;
  }
  return 0;
}

namespace internal {
constexpr std::array<OpInfo, 256> MakeOpTable() {
  std::array<OpInfo, 256> table{};
#define WAYBILL_VM_ROW(name, mnemonic, byte, imm, pops, pushes, gas, flow) \
  table[byte] = OpInfo{mnemonic, Immediate::imm, pops, pushes, gas, Flow::flow};
  WAYBILL_VM_OPCODES(WAYBILL_VM_ROW)
#undef WAYBILL_VM_ROW
  return table;
}
}  // namespace internal

// Indexed by the opcode byte; rows of unknown bytes have an empty mnemonic.
inline constexpr std::array<OpInfo, 256> kOpTable = internal::MakeOpTable();

constexpr const OpInfo& InfoOf(uint8_t byte) { return kOpTable[byte]; }
constexpr const OpInfo& InfoOf(Op op) { return kOpTable[static_cast<uint8_t>(op)]; }

// The intrinsic gas of a run of code (a contract.call, a deploy's `init`), charged before its
// first instruction (docs/CONTRACTS.md "Execution"): base + per byte of the contract's code as
// deployed, priced from bench_contracts "fixed cost" at bench_gas's unit (docs/BENCHMARKS.md).
// The base is what a call costs over a transfer when it is the first to touch its contract
// (reading the record and the call count, writing them and the call record); the bytes are a
// code cache miss (reading and validating the code). A tx's gas_limit must cover the base
// (`bad-gas-limit`), so that a block's gas bounds the number of runs in it.
inline constexpr uint64_t kRunBaseGas = 100'000;
inline constexpr uint64_t kRunGasPerCodeByte = 100;
constexpr uint64_t IntrinsicGas(uint64_t code_size) {
  return kRunBaseGas + kRunGasPerCodeByte * code_size;  // code_size <= 32 KiB: no overflow
}

// The opcode with this mnemonic (exact, upper case), if any.
constexpr std::optional<Op> OpByMnemonic(std::string_view mnemonic) {
  for (size_t i = 0; i < kOpTable.size(); ++i) {
    if (kOpTable[i].known() && kOpTable[i].mnemonic == mnemonic) return static_cast<Op>(i);
  }
  return std::nullopt;
}

}  // namespace waybill::contracts
