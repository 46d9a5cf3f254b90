// The assembler and the disassembler: the syntax, errors with line numbers, and round trips
// (text -> program -> text -> the same program; random code -> text -> the same bytes).
#include <gtest/gtest.h>

#include <random>

#include "contracts/assembler.h"
#include "contracts/interpreter.h"
#include "contracts/limits.h"
#include "tests/unit/contracts_test_util.h"

namespace waybill::contracts {
namespace {

using testing::B;
using testing::FakeHost;
using testing::MustValidate;

constexpr const char* kCounter = R"(
; A counter in storage: "bump" adds ARG 0, "get" aborts with the count.
.const key "count"

.entry bump
  PUSHC key
  SLOAD           ; old (bytes, empty at first)
  BTOI
  PUSH 0
  ARG             ; old n
  ADD
  ITOB
  PUSHC key
  SWAP1
  SSTORE
  STOP

.entry get
  PUSHC key
  SLOAD
  BTOI
  ABORT
)";

TEST(ContractsAssembler, AssemblesAndRuns) {
  auto program = Assemble(kCounter);
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  ASSERT_EQ(program->entries.size(), 2u);
  EXPECT_EQ(program->entries[0].name, "bump");
  EXPECT_EQ(program->entries[1].name, "get");
  EXPECT_EQ(program->constants, std::vector<chain::Bytes>{B("count")});
  auto code = MustValidate(*program);
  FakeHost host;
  CallInput input;
  input.gas_limit = 100'000;
  input.entry = "bump";
  input.args = {uint64_t{5}};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Execute(*code, input, host)->ok());
  input.entry = "get";
  auto r = Execute(*code, input, host);
  EXPECT_EQ(r->abort_code, 15u);
}

TEST(ContractsAssembler, Syntax) {
  auto p = Assemble(R"(
    top:
      PUSH 255        ; PUSH1
      PUSH 256        ; PUSH8
      push1 0x10      ; mnemonics in any case, hex integers
      PUSHC "a;b\"\x41"
      PUSHC 0x0102
      JUMPI top
      JUMP end
    end:
      STOP
  )");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->entries, (std::vector<Entry>{Entry{"main", 0}}));
  EXPECT_EQ(p->constants, (std::vector<chain::Bytes>{B("a;b\"A"), chain::Bytes{1, 2}}));
  chain::Bytes expected = {0x10, 255,  0x11, 0,    1, 0,    0, 0, 0,    0,  0, 0x10,
                           0x10, 0x12, 0,    0x12, 1, 0x03, 0, 0, 0x02, 23, 0, 0x00};
  EXPECT_EQ(p->code, expected);
}

TEST(ContractsAssembler, DeadlineClaim) {
  // The asset held in escrow goes to the caller only from the deadline (argument 0) on.
  auto program = Assemble(R"(
    .entry claim
      HEIGHT
      PUSH 0
      ARG             ; height deadline
      LT
      JUMPI early
      SENDER
      PUSH 1
      ARG             ; the asset's id
      SENDASSET
      PUSHC "claimed"
      LOG
      STOP
    early:
      PUSH 1
      ABORT
  )");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  auto code = MustValidate(*program);
  ASSERT_TRUE(code->StaticGasBound(0));

  FakeHost host;
  chain::Hash256 asset = testing::Id(0xa1);
  host.assets[asset] = AssetFacts{host.self, 10, "kg", 0};
  CallInput input;
  input.entry = "claim";
  input.self = host.self;
  input.sender = testing::Id(0xf0);
  input.args = {uint64_t{100}, chain::Bytes(asset.bytes.begin(), asset.bytes.end())};
  input.gas_limit = 1'000'000;
  input.height = 99;
  auto early = Execute(*code, input, host);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->outcome, Outcome::kAborted);
  EXPECT_EQ(early->abort_code, 1u);
  EXPECT_EQ(host.assets[asset].custodian, host.self);

  input.height = 100;
  auto claimed = Execute(*code, input, host);
  ASSERT_TRUE(claimed.ok());
  EXPECT_TRUE(claimed->ok()) << claimed->ToString();
  EXPECT_EQ(host.assets[asset].custodian, testing::Id(0xf0));
  EXPECT_EQ(claimed->logs, std::vector<chain::Bytes>{B("claimed")});
  // The longer path is the claim: its gas is the static bound.
  EXPECT_EQ(claimed->gas_used, *code->StaticGasBound(0));
  EXPECT_LT(early->gas_used, claimed->gas_used);
}

TEST(ContractsAssembler, ErrorsNameTheLine) {
  struct Case {
    const char* source;
    const char* error;
  };
  for (const Case& c : std::vector<Case>{
           {"STOP\nFOO", "line 2: unknown mnemonic FOO"},
           {"PUSH1 256", "line 1: bad integer for PUSH1"},
           {"PUSH x", "line 1: PUSH takes an integer"},
           {"ADD 1", "line 1: ADD takes no operand"},
           {"JUMP", "line 1: JUMP needs an operand"},
           {"\n\nJUMP nowhere", "line 3: unknown label nowhere"},
           {"a:\na:\nSTOP", "line 2: label defined twice: a"},
           {".const k \"x\"\n.const k \"y\"", "line 2: constant defined twice: k"},
           {".const k nope", "line 1: bad constant value (\"text\" or 0xhex)"},
           {"PUSHC missing", "line 1: unknown constant missing"},
           {".entry Bad", "line 1: bad entry name"},
           {"STOP\n.entry late", "line 2: entry without an instruction after it"},
       }) {
    auto p = Assemble(c.source);
    ASSERT_FALSE(p.ok()) << c.source;
    EXPECT_EQ(p.status().reason(), c.error) << c.source;
  }
}

TEST(ContractsAssembler, DisassemblyRoundTrips) {
  auto p = Assemble(kCounter);
  ASSERT_TRUE(p.ok());
  std::string text = Disassemble(*p);
  auto again = Assemble(text);
  ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << text;
  EXPECT_EQ(*again, *p);
  EXPECT_NE(text.find(".entry bump"), std::string::npos);
  EXPECT_NE(text.find("SSTORE"), std::string::npos);
}

TEST(ContractsAssembler, RandomCodeRoundTrips) {
  std::mt19937 rng(13);
  std::vector<uint8_t> ops;
  for (int b = 0; b < 256; ++b) {
    if (InfoOf(static_cast<uint8_t>(b)).known()) ops.push_back(static_cast<uint8_t>(b));
  }
  for (int round = 0; round < 200; ++round) {
    Program p;
    p.constants.assign(rng() % 4 + 1, chain::Bytes{});
    for (auto& c : p.constants) c.assign(rng() % 40, static_cast<uint8_t>(rng()));
    std::vector<size_t> starts, fixups;
    size_t n = rng() % 60 + 1;
    for (size_t i = 0; i < n; ++i) {
      starts.push_back(p.code.size());
      const uint8_t op = ops[rng() % ops.size()];
      const OpInfo& info = InfoOf(op);
      p.code.push_back(op);
      if (info.immediate == Immediate::kTarget) fixups.push_back(p.code.size());
      for (size_t k = 0; k < ImmediateSize(info.immediate); ++k) {
        uint8_t b = static_cast<uint8_t>(rng());
        if (info.immediate == Immediate::kConst) b = static_cast<uint8_t>(b % p.constants.size());
        p.code.push_back(b);
      }
    }
    for (size_t at : fixups) {
      size_t t = starts[rng() % starts.size()];
      p.code[at] = static_cast<uint8_t>(t);
      p.code[at + 1] = static_cast<uint8_t>(t >> 8);
    }
    if (rng() % 4 == 0) p.code.push_back(0xfe);  // a byte that is not an opcode
    p.entries = {Entry{"a", static_cast<uint16_t>(starts[rng() % starts.size()])},
                 Entry{"b", static_cast<uint16_t>(starts[rng() % starts.size()])}};
    std::string text = Disassemble(p);
    auto again = Assemble(text);
    ASSERT_TRUE(again.ok()) << again.status().ToString() << "\n" << text;
    ASSERT_EQ(EncodeProgram(*again), EncodeProgram(p)) << text;
  }
}

}  // namespace
}  // namespace waybill::contracts
