// The deploy-time validator: the container's every rejection, the code's every rejection with
// its offset, the basic blocks it precomputes, and the static gas bound.
#include <gtest/gtest.h>

#include "chain/serialize.h"
#include "contracts/limits.h"
#include "tests/unit/contracts_test_util.h"

namespace waybill::contracts {
namespace {

using testing::CodeBuilder;
using testing::MustValidate;

std::optional<DeployError> ErrorOf(const ValidateResult& r) {
  if (auto* e = std::get_if<DeployError>(&r)) return *e;
  return std::nullopt;
}

// Expects program p to be refused for reason at code offset `at`.
void ExpectCodeError(const Program& p, ValidationError reason, size_t at) {
  auto e = ErrorOf(ValidateProgram(p));
  ASSERT_TRUE(e) << "accepted";
  EXPECT_EQ(e->reason, reason) << e->ToString();
  EXPECT_EQ(e->where, DeployError::Where::kCode) << e->ToString();
  EXPECT_EQ(e->offset, at) << e->ToString();
  // The encoded form is refused the same way.
  auto again = ErrorOf(ValidateBytecode(EncodeProgram(p)));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->reason, reason);
  EXPECT_EQ(again->offset, at);
}

void ExpectFormatError(chain::ByteSpan bytes, ValidationError reason) {
  auto e = ErrorOf(ValidateBytecode(bytes));
  ASSERT_TRUE(e) << "accepted";
  EXPECT_EQ(e->reason, reason) << e->ToString();
  EXPECT_EQ(e->where, DeployError::Where::kBytecode);
}

Program Simple() { return CodeBuilder().Push(1).Add(Op::kAbort).Build(); }

TEST(ContractsValidator, RoundTripsAValidProgram) {
  CodeBuilder c;
  c.EntryHere("b").PushString("k").Add(Op::kStorageGet).Add(Op::kLog).Add(Op::kStop);
  c.EntryHere("a").Push(1).Add(Op::kAbort);
  Program p = c.Build();
  chain::Bytes bytes = EncodeProgram(p);
  auto r = ValidateBytecode(bytes);
  ASSERT_FALSE(ErrorOf(r)) << ErrorOf(r)->ToString();
  const auto& code = std::get<std::shared_ptr<const ValidatedCode>>(r);
  EXPECT_EQ(code->program(), p);
  EXPECT_EQ(EncodeProgram(code->program()), bytes);
  EXPECT_EQ(code->FindEntry("a"), 0u);
  EXPECT_EQ(code->FindEntry("b"), 1u);
  EXPECT_FALSE(code->FindEntry("c"));
}

TEST(ContractsValidator, RefusesBadContainers) {
  chain::Bytes good = EncodeProgram(Simple());
  ExpectFormatError(chain::ByteSpan(good).first(3), ValidationError::kTruncated);
  for (size_t n = 0; n < good.size(); ++n) {
    auto e = ErrorOf(ValidateBytecode(chain::ByteSpan(good).first(n)));
    ASSERT_TRUE(e) << n;
  }
  chain::Bytes bad = good;
  bad[0] = 'X';
  ExpectFormatError(bad, ValidationError::kBadMagic);
  bad = good;
  bad[4] = 2;
  ExpectFormatError(bad, ValidationError::kBadVersion);
  bad = good;
  bad.push_back(0);
  ExpectFormatError(bad, ValidationError::kTrailingBytes);

  Program p = Simple();
  p.constants.assign(kMaxConstants + 1, chain::Bytes{});
  ExpectFormatError(EncodeProgram(p), ValidationError::kTooManyConstants);
  p = Simple();
  p.constants = {chain::Bytes(kMaxValueBytes + 1, 0)};
  ExpectFormatError(EncodeProgram(p), ValidationError::kConstantTooLong);
  p = Simple();
  p.entries.clear();
  ExpectFormatError(EncodeProgram(p), ValidationError::kNoEntries);
  p = Simple();
  p.entries.clear();
  for (size_t i = 0; i <= kMaxEntries; ++i)
    p.entries.push_back(Entry{"e" + std::to_string(100 + i), 0});
  ExpectFormatError(EncodeProgram(p), ValidationError::kTooManyEntries);
  for (const std::string& name :
       std::vector<std::string>{"", "Upper", "a-b", std::string(kMaxEntryNameBytes + 1, 'a')}) {
    p = Simple();
    p.entries = {Entry{name, 0}};
    ExpectFormatError(EncodeProgram(p), ValidationError::kBadEntryName);
  }
  p = Simple();
  p.entries = {Entry{"b", 0}, Entry{"a", 0}};
  ExpectFormatError(EncodeProgram(p), ValidationError::kEntriesNotSorted);
  p.entries = {Entry{"a", 0}, Entry{"a", 0}};
  ExpectFormatError(EncodeProgram(p), ValidationError::kEntriesNotSorted);
  p = Simple();
  p.code.clear();
  ExpectFormatError(EncodeProgram(p), ValidationError::kEmptyCode);
  p = Simple();
  p.code.assign(kMaxCodeBytes + 1, static_cast<uint8_t>(Op::kStop));
  ExpectFormatError(EncodeProgram(p), ValidationError::kCodeTooLarge);
  // The same limits hold for programs given as values.
  EXPECT_EQ(ErrorOf(ValidateProgram(p))->reason, ValidationError::kCodeTooLarge);
}

TEST(ContractsValidator, RefusesBadCode) {
  // Every byte that is not in the table is refused.
  for (int byte = 0; byte < 256; ++byte) {
    if (InfoOf(static_cast<uint8_t>(byte)).known()) continue;
    Program p = CodeBuilder().Push(1).Raw({static_cast<uint8_t>(byte)}).Add(Op::kStop).Build();
    ExpectCodeError(p, ValidationError::kUnknownOpcode, 2);
  }
  ExpectCodeError(CodeBuilder().Add(Op::kStop).Raw({0x11, 1, 2}).Build(),
                  ValidationError::kTruncatedImmediate, 1);
  ExpectCodeError(CodeBuilder().Raw({0x12, 0}).Add(Op::kStop).Build(),
                  ValidationError::kBadConstantIndex, 0);
  // A jump outside the code, and one into PUSH8's immediate.
  ExpectCodeError(CodeBuilder().Raw({0x02, 0xff, 0}).Build(), ValidationError::kBadJumpTarget, 0);
  ExpectCodeError(CodeBuilder().Push(1000).Raw({0x02, 2, 0}).Build(),
                  ValidationError::kBadJumpTarget, 9);
  Program p = Simple();
  p.entries = {Entry{"main", 1}};
  ExpectCodeError(p, ValidationError::kEntryNotInstruction, 1);
  p.entries = {Entry{"main", 200}};
  ExpectCodeError(p, ValidationError::kEntryNotInstruction, 200);
  ExpectCodeError(CodeBuilder().Push(1).Add(Op::kPop).Build(), ValidationError::kFallsOffEnd, 2);
  CodeBuilder jumpi;
  jumpi.Push(1).Jump(Op::kJumpIf, "x").Label("x").Add(Op::kStop);
  EXPECT_NO_THROW(MustValidate(jumpi.Build()));
  ExpectCodeError(CodeBuilder().Push(1).Raw({0x03, 0, 0}).Build(), ValidationError::kFallsOffEnd,
                  2);
}

TEST(ContractsValidator, ChecksStackHeightsOnEveryPath) {
  // Underflow at the instruction that needs more than the stack has.
  ExpectCodeError(CodeBuilder().Push(1).Add(Op::kAdd).Add(Op::kStop).Build(),
                  ValidationError::kStackUnderflow, 2);
  ExpectCodeError(CodeBuilder().Add(Op::kDup1).Add(Op::kStop).Build(),
                  ValidationError::kStackUnderflow, 0);
  ExpectCodeError(CodeBuilder().Push(1).Add(Op::kSwap1).Add(Op::kStop).Build(),
                  ValidationError::kStackUnderflow, 2);
  // Only one path underflows: a branch that pops what the other never pushed.
  CodeBuilder c;
  c.Add(Op::kHeight)
      .Jump(Op::kJumpIf, "pop")
      .Add(Op::kStop)
      .Label("pop")
      .Add(Op::kPop)
      .Add(Op::kStop);
  ExpectCodeError(c.Build(), ValidationError::kStackUnderflow, 5);
  // Two paths reach "join" at heights 1 and 0.
  CodeBuilder m;
  m.Add(Op::kHeight).Jump(Op::kJumpIf, "join").Push(7).Label("join").Add(Op::kStop);
  ExpectCodeError(m.Build(), ValidationError::kStackMismatch, 6);
  // A loop that pushes on every round.
  CodeBuilder grow;
  grow.Label("loop").Push(1).Jump(Op::kJump, "loop");
  ExpectCodeError(grow.Build(), ValidationError::kStackMismatch, 0);
  // Straight-line overflow.
  CodeBuilder deep;
  for (size_t i = 0; i <= kMaxStackDepth; ++i) deep.Push(1);
  deep.Add(Op::kStop);
  ExpectCodeError(deep.Build(), ValidationError::kStackOverflow, 2 * kMaxStackDepth);
  // Entries start with an empty stack: a jump into another entry at a height is a mismatch.
  CodeBuilder e;
  e.EntryHere("a").Push(1).Jump(Op::kJump, "b").EntryHere("b").Label("b").Add(Op::kStop);
  ExpectCodeError(e.Build(), ValidationError::kStackMismatch, 5);
}

TEST(ContractsValidator, PrecomputesBlocks) {
  // PUSH1 0 | JUMPI end | PUSH1 5 POP | end: STOP
  CodeBuilder c;
  c.Push(0).Jump(Op::kJumpIf, "end").Push(5).Add(Op::kPop).Label("end").Add(Op::kStop);
  auto code = MustValidate(c.Build());
  auto blocks = code->blocks();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].begin, 0u);
  EXPECT_EQ(blocks[0].end, 5u);
  EXPECT_EQ(blocks[0].gas, 1u + 3u);
  EXPECT_EQ(blocks[0].max_height, 1u);
  EXPECT_EQ(blocks[1].begin, 5u);
  EXPECT_EQ(blocks[1].gas, 2u);
  EXPECT_EQ(blocks[1].height_in, 0u);
  EXPECT_EQ(blocks[2].begin, 8u);
  EXPECT_EQ(code->BlockAt(8), 2u);
  EXPECT_EQ(code->BlockAt(6), kNoBlock);
  EXPECT_EQ(code->max_stack_depth(), 1u);
  EXPECT_EQ(code->StaticGasBound(0), 1u + 3u + 2u + 1u);
  // Unreachable code is decoded but not analysed (it may even underflow).
  CodeBuilder u;
  u.Add(Op::kStop).Add(Op::kAdd).Add(Op::kStop);
  code = MustValidate(u.Build());
  EXPECT_FALSE(code->blocks()[1].reachable);
}

TEST(ContractsValidator, GasBoundOnlyWithoutBackwardJumps) {
  CodeBuilder loop;
  loop.EntryHere("loop").Label("top").Add(Op::kHeight).Jump(Op::kJumpIf, "top").Add(Op::kStop);
  loop.EntryHere("once").Push(1).Add(Op::kAbort);
  auto code = MustValidate(loop.Build());
  EXPECT_FALSE(code->StaticGasBound(*code->FindEntry("loop")));
  EXPECT_EQ(code->StaticGasBound(*code->FindEntry("once")), 2u);
  // The longest of two forward paths.
  CodeBuilder fork;
  fork.Add(Op::kHeight)
      .Jump(Op::kJumpIf, "cheap")
      .PushString("x")
      .Add(Op::kSha256)
      .Add(Op::kPop)
      .Add(Op::kStop)
      .Label("cheap")
      .Add(Op::kStop);
  code = MustValidate(fork.Build());
  EXPECT_EQ(code->StaticGasBound(0), 2u + 3u + 2u + InfoOf(Op::kSha256).gas + 1u + 1u);
}

TEST(ContractsValidator, SumsBlockGasIn64Bits) {
  // One block of MERGEs as long as the code allows (PUSH1 0, then DUP1 DUP1 MERGE POP ...):
  // its gas passes 2^32, which a 32-bit sum would wrap to a small charge.
  CodeBuilder c;
  c.Push(0);
  uint64_t expected = InfoOf(Op::kPush1).gas + InfoOf(Op::kStop).gas;
  while (c.size() + 4 + 1 <= kMaxCodeBytes) {
    c.Add(Op::kDup1).Add(Op::kDup1).Add(Op::kMerge).Add(Op::kPop);
    expected += 2 * InfoOf(Op::kDup1).gas + InfoOf(Op::kMerge).gas + InfoOf(Op::kPop).gas;
  }
  c.Add(Op::kStop);
  ASSERT_GT(expected, uint64_t{UINT32_MAX}) << "the prices no longer make a block pass 2^32";
  auto code = MustValidate(c.Build());
  ASSERT_EQ(code->blocks().size(), 1u);
  EXPECT_EQ(code->blocks()[0].gas, expected);
  EXPECT_EQ(code->StaticGasBound(0), expected);
}

TEST(ContractsValidator, ErrorText) {
  DeployError e{ValidationError::kUnknownOpcode, DeployError::Where::kCode, 12};
  EXPECT_EQ(e.ToString(), "unknown-opcode at code offset 12");
  EXPECT_TRUE(e.ToStatus().IsInvalid());
  DeployError f{ValidationError::kBadMagic, DeployError::Where::kBytecode, 0};
  EXPECT_EQ(f.ToString(), "bad-magic at byte 0");
}

}  // namespace
}  // namespace waybill::contracts
