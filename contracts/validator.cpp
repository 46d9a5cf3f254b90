#include "contracts/validator.h"

#include <algorithm>
#include <cstring>

#include "chain/serialize.h"
#include "contracts/limits.h"
#include "contracts/opcodes.h"

namespace waybill::contracts {
namespace {

DeployError FormatError(ValidationError reason, size_t offset) {
  return DeployError{reason, DeployError::Where::kBytecode, offset};
}
DeployError CodeError(ValidationError reason, size_t offset) {
  return DeployError{reason, DeployError::Where::kCode, offset};
}

uint16_t ReadU16(const chain::Bytes& code, size_t at) {
  return static_cast<uint16_t>(code[at] | (code[at + 1] << 8));
}

// Reads the container; the code is not looked at yet.
std::variant<Program, DeployError> DecodeContainer(chain::ByteSpan in) {
  chain::Reader r(in);
  auto truncated = [&] { return FormatError(ValidationError::kTruncated, r.position()); };
  uint8_t magic[4];
  if (!r.Raw(4, magic)) return truncated();
  if (std::memcmp(magic, kBytecodeMagic, 4) != 0) return FormatError(ValidationError::kBadMagic, 0);
  uint8_t version = 0;
  if (!r.U8(&version)) return truncated();
  if (version != kBytecodeVersion) return FormatError(ValidationError::kBadVersion, 4);

  Program p;
  uint16_t n_constants = 0;
  size_t at = r.position();
  if (!r.U16(&n_constants)) return truncated();
  if (n_constants > kMaxConstants) return FormatError(ValidationError::kTooManyConstants, at);
  p.constants.reserve(n_constants);
  for (size_t i = 0; i < n_constants; ++i) {
    uint16_t len = 0;
    at = r.position();
    if (!r.U16(&len)) return truncated();
    if (len > kMaxValueBytes) return FormatError(ValidationError::kConstantTooLong, at);
    chain::ByteSpan bytes;
    if (!r.Span(len, &bytes)) return truncated();
    p.constants.emplace_back(bytes.begin(), bytes.end());
  }

  uint8_t n_entries = 0;
  at = r.position();
  if (!r.U8(&n_entries)) return truncated();
  if (n_entries == 0) return FormatError(ValidationError::kNoEntries, at);
  if (n_entries > kMaxEntries) return FormatError(ValidationError::kTooManyEntries, at);
  for (size_t i = 0; i < n_entries; ++i) {
    uint8_t len = 0;
    at = r.position();
    if (!r.U8(&len)) return truncated();
    chain::ByteSpan name;
    if (!r.Span(len, &name)) return truncated();
    Entry e{std::string(name.begin(), name.end()), 0};
    if (!IsValidEntryName(e.name)) return FormatError(ValidationError::kBadEntryName, at);
    if (!p.entries.empty() && p.entries.back().name >= e.name) {
      return FormatError(ValidationError::kEntriesNotSorted, at);
    }
    if (!r.U16(&e.offset)) return truncated();
    p.entries.push_back(std::move(e));
  }

  uint16_t code_size = 0;
  at = r.position();
  if (!r.U16(&code_size)) return truncated();
  if (code_size == 0) return FormatError(ValidationError::kEmptyCode, at);
  if (code_size > kMaxCodeBytes) return FormatError(ValidationError::kCodeTooLarge, at);
  chain::ByteSpan code;
  if (!r.Span(code_size, &code)) return truncated();
  p.code.assign(code.begin(), code.end());
  if (!r.AtEnd()) return FormatError(ValidationError::kTrailingBytes, r.position());
  return p;
}

}  // namespace

std::string DeployError::ToString() const {
  return std::string(ValidationErrorString(reason)) +
         (where == Where::kCode ? " at code offset " : " at byte ") + std::to_string(offset);
}

std::optional<size_t> ValidatedCode::FindEntry(std::string_view name) const {
  for (size_t i = 0; i < program_.entries.size(); ++i) {
    if (program_.entries[i].name == name) return i;
  }
  return std::nullopt;
}

// The steps of validation, in order; each returns the first error it finds.
class Validator {
 public:
  explicit Validator(Program program) { out_->program_ = std::move(program); }

  ValidateResult Run() {
    if (auto e = CheckContainerLimits()) return *e;
    if (auto e = DecodeInstructions()) return *e;
    if (auto e = CheckTargets()) return *e;
    BuildBlocks();
    if (auto e = ComputeHeights()) return *e;
    ComputeGasBounds();
    return std::shared_ptr<const ValidatedCode>(std::move(out_));
  }

 private:
  const chain::Bytes& code() const { return out_->program_.code; }

  // What DecodeContainer checks, for programs given as values.
  std::optional<DeployError> CheckContainerLimits() const {
    const Program& p = out_->program_;
    if (p.constants.size() > kMaxConstants)
      return FormatError(ValidationError::kTooManyConstants, 0);
    for (const chain::Bytes& c : p.constants) {
      if (c.size() > kMaxValueBytes) return FormatError(ValidationError::kConstantTooLong, 0);
    }
    if (p.entries.empty()) return FormatError(ValidationError::kNoEntries, 0);
    if (p.entries.size() > kMaxEntries) return FormatError(ValidationError::kTooManyEntries, 0);
    for (size_t i = 0; i < p.entries.size(); ++i) {
      if (!IsValidEntryName(p.entries[i].name))
        return FormatError(ValidationError::kBadEntryName, 0);
      if (i > 0 && p.entries[i - 1].name >= p.entries[i].name) {
        return FormatError(ValidationError::kEntriesNotSorted, 0);
      }
    }
    if (p.code.empty()) return FormatError(ValidationError::kEmptyCode, 0);
    if (p.code.size() > kMaxCodeBytes) return FormatError(ValidationError::kCodeTooLarge, 0);
    return std::nullopt;
  }

  // A linear sweep: every byte is an opcode or one of its immediates.
  std::optional<DeployError> DecodeInstructions() {
    is_instruction_.assign(code().size(), false);
    for (size_t pc = 0; pc < code().size();) {
      const OpInfo& info = InfoOf(code()[pc]);
      if (!info.known()) return CodeError(ValidationError::kUnknownOpcode, pc);
      size_t next = pc + 1 + ImmediateSize(info.immediate);
      if (next > code().size()) return CodeError(ValidationError::kTruncatedImmediate, pc);
      if (info.immediate == Immediate::kConst &&
          code()[pc + 1] >= out_->program_.constants.size()) {
        return CodeError(ValidationError::kBadConstantIndex, pc);
      }
      is_instruction_[pc] = true;
      pc = next;
    }
    return std::nullopt;
  }

  std::optional<DeployError> CheckTargets() {
    is_leader_.assign(code().size(), false);
    for (const Entry& e : out_->program_.entries) {
      if (e.offset >= code().size() || !is_instruction_[e.offset]) {
        return CodeError(ValidationError::kEntryNotInstruction, e.offset);
      }
      is_leader_[e.offset] = true;
    }
    for (size_t pc = 0; pc < code().size(); pc = Next(pc)) {
      const OpInfo& info = InfoOf(code()[pc]);
      if (info.immediate == Immediate::kTarget) {
        uint16_t target = ReadU16(code(), pc + 1);
        if (target >= code().size() || !is_instruction_[target]) {
          return CodeError(ValidationError::kBadJumpTarget, pc);
        }
        is_leader_[target] = true;
      }
      if (info.flow != Flow::kNext && Next(pc) < code().size()) is_leader_[Next(pc)] = true;
    }
    return std::nullopt;
  }

  size_t Next(size_t pc) const { return pc + 1 + ImmediateSize(InfoOf(code()[pc]).immediate); }

  // Splits the code at the leaders; sums gas and the relative stack heights of each block.
  void BuildBlocks() {
    out_->block_at_.assign(code().size(), kNoBlock);
    for (size_t pc = 0; pc < code().size();) {
      BasicBlock b;
      b.begin = static_cast<uint16_t>(pc);
      out_->block_at_[pc] = static_cast<uint16_t>(out_->blocks_.size());
      Shape shape;
      do {
        const OpInfo& info = InfoOf(code()[pc]);
        b.gas += info.gas;
        shape.need = std::max(shape.need, info.pops - shape.delta);
        shape.delta += info.pushes - info.pops;
        shape.growth = std::max(shape.growth, shape.delta);
        pc = Next(pc);
        if (info.flow != Flow::kNext) break;
      } while (pc < code().size() && !is_leader_[pc]);
      b.end = static_cast<uint16_t>(pc);
      out_->blocks_.push_back(b);
      shapes_.push_back(shape);
    }
  }

  // The first instruction of block b that needs more than height h on entry gives.
  size_t UnderflowOffset(const BasicBlock& b, int h) const {
    for (size_t pc = b.begin; pc < b.end; pc = Next(pc)) {
      const OpInfo& info = InfoOf(code()[pc]);
      if (h < info.pops) return pc;
      h += info.pushes - info.pops;
    }
    return b.begin;
  }
  size_t OverflowOffset(const BasicBlock& b, int h) const {
    for (size_t pc = b.begin; pc < b.end; pc = Next(pc)) {
      const OpInfo& info = InfoOf(code()[pc]);
      h += info.pushes - info.pops;
      if (h > static_cast<int>(kMaxStackDepth)) return pc;
    }
    return b.begin;
  }

  // The blocks that may follow block i, and the offset of its last instruction.
  void Successors(size_t i, std::vector<size_t>* succ, size_t* last) const {
    const BasicBlock& b = out_->blocks_[i];
    size_t pc = b.begin;
    for (size_t next = Next(pc); next < b.end; next = Next(pc)) pc = next;
    *last = pc;
    const OpInfo& info = InfoOf(code()[pc]);
    succ->clear();
    if (info.immediate == Immediate::kTarget) {
      succ->push_back(out_->block_at_[ReadU16(code(), pc + 1)]);
    }
    if (info.flow == Flow::kNext || info.flow == Flow::kJumpIf) {
      // b.end == code size is checked by the caller (falls off the end).
      if (b.end < code().size()) succ->push_back(out_->block_at_[b.end]);
    }
  }

  // Every reachable block gets one entry height; a path that disagrees, underflows or
  // overflows is refused. A worklist over blocks: each block is visited once.
  std::optional<DeployError> ComputeHeights() {
    std::vector<BasicBlock>& blocks = out_->blocks_;
    std::vector<size_t> work;
    for (const Entry& e : out_->program_.entries) {
      size_t bi = out_->block_at_[e.offset];
      if (blocks[bi].reachable) {
        if (blocks[bi].height_in != 0) return CodeError(ValidationError::kStackMismatch, e.offset);
        continue;
      }
      blocks[bi].reachable = true;
      blocks[bi].height_in = 0;
      work.push_back(bi);
    }
    std::vector<size_t> succ;
    while (!work.empty()) {
      size_t bi = work.back();
      work.pop_back();
      BasicBlock& b = blocks[bi];
      const Shape& s = shapes_[bi];
      int h = b.height_in;
      if (h < s.need) return CodeError(ValidationError::kStackUnderflow, UnderflowOffset(b, h));
      if (h + s.growth > static_cast<int>(kMaxStackDepth)) {
        return CodeError(ValidationError::kStackOverflow, OverflowOffset(b, h));
      }
      b.max_height = static_cast<uint16_t>(h + s.growth);
      out_->max_stack_depth_ = std::max<size_t>(out_->max_stack_depth_, b.max_height);
      size_t last = 0;
      Successors(bi, &succ, &last);
      const OpInfo& info = InfoOf(code()[last]);
      if ((info.flow == Flow::kNext || info.flow == Flow::kJumpIf) && b.end == code().size()) {
        return CodeError(ValidationError::kFallsOffEnd, last);
      }
      int h_out = h + s.delta;
      for (size_t si : succ) {
        BasicBlock& next = blocks[si];
        if (!next.reachable) {
          next.reachable = true;
          next.height_in = static_cast<uint16_t>(h_out);
          work.push_back(si);
        } else if (next.height_in != h_out) {
          return CodeError(ValidationError::kStackMismatch, next.begin);
        }
      }
    }
    return std::nullopt;
  }

  // Longest path in gas from each block, when every edge reachable from it goes forward.
  // Blocks are in code order, so a reverse sweep sees every forward successor first.
  void ComputeGasBounds() {
    const std::vector<BasicBlock>& blocks = out_->blocks_;
    std::vector<std::optional<uint64_t>> bound(blocks.size());
    std::vector<size_t> succ;
    for (size_t i = blocks.size(); i-- > 0;) {
      if (!blocks[i].reachable) continue;
      size_t last = 0;
      Successors(i, &succ, &last);
      uint64_t most = 0;
      bool bounded = true;
      for (size_t si : succ) {
        if (si <= i || !bound[si]) {
          bounded = false;
          break;
        }
        most = std::max(most, *bound[si]);
      }
      if (bounded) bound[i] = blocks[i].gas + most;
    }
    for (const Entry& e : out_->program_.entries) {
      out_->gas_bounds_.push_back(bound[out_->block_at_[e.offset]]);
    }
  }

  // A block's effect on the stack relative to its entry height.
  struct Shape {
    int need = 0;    // the height it needs on entry
    int delta = 0;   // exit height - entry height
    int growth = 0;  // the highest it gets, relative to entry
  };

  std::unique_ptr<ValidatedCode> out_ = std::make_unique<ValidatedCode>();
  std::vector<bool> is_instruction_;
  std::vector<bool> is_leader_;
  std::vector<Shape> shapes_;
};

ValidateResult ValidateProgram(Program program) { return Validator(std::move(program)).Run(); }

ValidateResult ValidateBytecode(chain::ByteSpan bytecode) {
  auto decoded = DecodeContainer(bytecode);
  if (auto* e = std::get_if<DeployError>(&decoded)) return *e;
  return ValidateProgram(std::move(std::get<Program>(decoded)));
}

}  // namespace waybill::contracts
