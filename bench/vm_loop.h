// The arithmetic loop that bench_vm times and that bench_gas takes as its unit of gas.
#pragma once

#include <cstdint>

#include "chain/types.h"
#include "contracts/bytecode.h"
#include "contracts/opcodes.h"

namespace waybill::bench {

inline constexpr uint64_t kInstructionsPerRound = 13;

// acc = 0, c = rounds; while c != 0 { acc = (c * 3) ^ acc; c -= 1 }; ABORT acc.
// Per round: DUP1 ISZERO JUMPI DUP1 PUSH1 MUL DUP3 XOR SWAP2 POP PUSH1 SUB JUMP (13).
inline contracts::Program LoopProgram(uint64_t rounds) {
  chain::Bytes c;
  using contracts::Op;
  auto op = [&](Op o) { c.push_back(static_cast<uint8_t>(o)); };
  auto u16 = [&](size_t v) {
    c.push_back(static_cast<uint8_t>(v));
    c.push_back(static_cast<uint8_t>(v >> 8));
  };
  op(Op::kPush1);
  c.push_back(0);
  op(Op::kPush8);
  for (int i = 0; i < 8; ++i) c.push_back(static_cast<uint8_t>(rounds >> (8 * i)));
  const size_t loop = c.size();
  op(Op::kDup1);
  op(Op::kIsZero);
  op(Op::kJumpIf);
  const size_t end_fixup = c.size();
  u16(0);
  op(Op::kDup1);
  op(Op::kPush1);
  c.push_back(3);
  op(Op::kMul);
  op(Op::kDup3);
  op(Op::kXor);
  op(Op::kSwap2);
  op(Op::kPop);
  op(Op::kPush1);
  c.push_back(1);
  op(Op::kSub);
  op(Op::kJump);
  u16(loop);
  const size_t end = c.size();
  c[end_fixup] = static_cast<uint8_t>(end);
  c[end_fixup + 1] = static_cast<uint8_t>(end >> 8);
  op(Op::kPop);
  op(Op::kAbort);
  return contracts::Program{{}, {contracts::Entry{"main", 0}}, c};
}
}  // namespace waybill::bench
