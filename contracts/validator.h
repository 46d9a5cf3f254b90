// Deploy-time validation (docs/CONTRACTS.md "Validation"): decodes bytecode, checks every
// instruction, jump target and stack height, and precomputes per basic block the gas and the
// stack heights, so that the interpreter checks gas once per block and never checks the
// stack at all. Bytecode that fails is refused with the offset and a typed reason.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chain/status.h"
#include "chain/types.h"
#include "contracts/bytecode.h"
#include "contracts/errors.h"

namespace waybill::contracts {

struct DeployError {
  ValidationError reason{};
  // kCode: offset in the code section (what the disassembler prints); kBytecode: offset in
  // the whole bytecode (a format error before or around the code section).
  enum class Where : uint8_t { kBytecode, kCode } where = Where::kBytecode;
  size_t offset = 0;

  // "unknown-opcode at code offset 12"
  std::string ToString() const;
  // Invalid(ToString()): the deployer's fault.
  chain::Status ToStatus() const { return chain::Status::Invalid(ToString()); }
};

// A straight run of instructions entered only at `begin` and left only after its last
// instruction (a jump, a stop, or falling into the next block).
struct BasicBlock {
  uint16_t begin = 0;
  uint16_t end = 0;         // one past its last instruction's immediate
  uint64_t gas = 0;         // the sum of its instructions' gas, charged on entry (64 bits:
                            // 24 KiB of the dearest opcodes pass 2^32)
  uint16_t height_in = 0;   // the stack height on entry (the same on every path)
  uint16_t max_height = 0;  // the highest the stack gets inside it
  bool reachable = false;   // from some entry point; unreachable blocks are never run
};

inline constexpr uint16_t kNoBlock = 0xffff;

// Code that passed ValidateBytecode. Immutable; shareable between threads.
class ValidatedCode {
 public:
  const Program& program() const { return program_; }
  const chain::Bytes& code() const { return program_.code; }
  std::span<const BasicBlock> blocks() const { return blocks_; }
  // The block that starts at offset, or kNoBlock. REQUIRES: offset < code().size().
  uint16_t BlockAt(size_t offset) const { return block_at_[offset]; }
  // The deepest the stack gets on any path from any entry point (<= kMaxStackDepth).
  size_t max_stack_depth() const { return max_stack_depth_; }
  // The index of the entry named name, if any.
  std::optional<size_t> FindEntry(std::string_view name) const;
  // The most gas a call of entry i can use, when no backward jump is reachable from it
  // (every path then ends); nullopt when one is (the gas limit then bounds the call).
  std::optional<uint64_t> StaticGasBound(size_t entry) const { return gas_bounds_[entry]; }

 private:
  friend class Validator;
  Program program_;
  std::vector<BasicBlock> blocks_;
  std::vector<uint16_t> block_at_;                   // by code offset
  std::vector<std::optional<uint64_t>> gas_bounds_;  // by entry index
  size_t max_stack_depth_ = 0;
};

using ValidateResult = std::variant<std::shared_ptr<const ValidatedCode>, DeployError>;

// Decodes and validates bytecode (the whole of it: trailing bytes are refused).
// Time and memory are linear in the input's size.
ValidateResult ValidateBytecode(chain::ByteSpan bytecode);

// Validates a program given as a value (the assembler's output).
ValidateResult ValidateProgram(Program program);

}  // namespace waybill::contracts
