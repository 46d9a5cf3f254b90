// The contract interpreter on random valid programs under a gas limit (sanitizers on in the
// fuzz build and in the sanitizer suite's replay). The input is read as a recipe: each byte
// picks an opcode of the table, missing operands are pushed first (integers or constants),
// immediates and jump targets come from the following bytes. Programs the validator refuses
// (mismatched heights at a jump target) are skipped. Every run must end in bounded gas with
// a result whose gas used is within the limit, and a rerun must give the same result.
#include <vector>

#include "contracts/bytecode.h"
#include "contracts/interpreter.h"
#include "contracts/limits.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"
#include "fuzz/fuzz.h"
#include "tests/unit/contracts_test_util.h"

using namespace waybill;
using contracts::Op;

namespace {

// Above the dearest opcode (MERGE), so that a block holding any opcode can run.
constexpr uint64_t kGasLimit = 1'000'000;

class Recipe {
 public:
  Recipe(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t Next() { return pos_ < size_ ? data_[pos_++] : 0; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

std::vector<uint8_t> KnownOps() {
  std::vector<uint8_t> ops;
  for (int b = 0; b < 256; ++b) {
    if (contracts::InfoOf(static_cast<uint8_t>(b)).known()) ops.push_back(static_cast<uint8_t>(b));
  }
  return ops;
}

contracts::Program Generate(Recipe& r) {
  static const std::vector<uint8_t> kOps = KnownOps();
  contracts::Program p;
  p.constants = {chain::Bytes(32, 0xa1), chain::Bytes(32, 0x02), chain::Bytes(64, 3),
                 chain::Bytes(contracts::kMaxValueBytes, 7), chain::Bytes(32, 0x42)};
  p.entries = {contracts::Entry{"main", 0}};
  chain::Bytes& c = p.code;
  std::vector<size_t> starts, fixups;
  int height = 0;
  while (!r.done() && c.size() < 2000) {
    const uint8_t byte = kOps[r.Next() % kOps.size()];
    const contracts::OpInfo& info = contracts::InfoOf(byte);
    while (height < info.pops) {
      uint8_t k = r.Next();
      starts.push_back(c.size());
      if (k & 1) {
        c.push_back(static_cast<uint8_t>(Op::kPushC));
        c.push_back(static_cast<uint8_t>((k >> 1) % p.constants.size()));
      } else {
        c.push_back(static_cast<uint8_t>(Op::kPush1));
        c.push_back(k >> 1);
      }
      ++height;
    }
    starts.push_back(c.size());
    c.push_back(byte);
    if (info.immediate == contracts::Immediate::kTarget) {
      fixups.push_back(c.size());
      c.push_back(r.Next());
      c.push_back(0);
    } else if (info.immediate == contracts::Immediate::kConst) {
      c.push_back(static_cast<uint8_t>(r.Next() % p.constants.size()));
    } else {
      for (size_t i = 0; i < contracts::ImmediateSize(info.immediate); ++i) c.push_back(r.Next());
    }
    height += info.pushes - info.pops;
    if (info.flow == contracts::Flow::kStop || info.flow == contracts::Flow::kJump) height = 0;
    if (height > 200) break;
  }
  starts.push_back(c.size());
  c.push_back(static_cast<uint8_t>(Op::kStop));
  for (size_t at : fixups) {
    size_t target = starts[c[at] % starts.size()];
    c[at] = static_cast<uint8_t>(target);
    c[at + 1] = static_cast<uint8_t>(target >> 8);
  }
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Recipe recipe(data, size);
  auto validated = contracts::ValidateProgram(Generate(recipe));
  if (std::holds_alternative<contracts::DeployError>(validated)) return 0;
  const auto& code = *std::get<std::shared_ptr<const contracts::ValidatedCode>>(validated);

  auto run = [&](contracts::testing::FakeHost& host) {
    host.balance = 1000;
    host.assets[chain::Hash256::FromSpan(code.program().constants[0])] =
        contracts::AssetFacts{host.self, 100, "kg", 0};
    contracts::CallInput input;
    input.entry = "main";
    input.self = host.self;
    input.args = {uint64_t{7}, chain::Bytes(32, 0xa1)};
    input.attached_assets = {chain::Hash256::FromSpan(code.program().constants[0])};
    input.gas_limit = kGasLimit;
    auto result = contracts::Execute(code, input, host);
    FUZZ_CHECK(result.ok());  // the fake host has no local faults
    FUZZ_CHECK(result->gas_used <= kGasLimit);
    FUZZ_CHECK(result->storage_writes <= contracts::kMaxStorageWritesPerCall);
    FUZZ_CHECK(result->logs.size() <= contracts::kMaxLogsPerCall);
    return *result;
  };
  contracts::testing::FakeHost first, second;
  contracts::ExecResult a = run(first);
  contracts::ExecResult b = run(second);
  FUZZ_CHECK(a.outcome == b.outcome && a.error == b.error && a.gas_used == b.gas_used &&
             a.error_offset == b.error_offset && a.logs == b.logs);
  FUZZ_CHECK(first.storage == second.storage && first.sent == second.sent);
  if (auto bound = code.StaticGasBound(0); bound && a.outcome != contracts::Outcome::kOutOfGas) {
    FUZZ_CHECK(a.gas_used <= *bound);
  }
  return 0;
}
