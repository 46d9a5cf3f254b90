// The contract interpreter's speed on an arithmetic loop (issue 13's goal: >= 150 million
// instructions/s per core), against the same loop compiled as C++ in the same run (the bound
// an interpreter approaches; the ratio is what a loaded machine leaves comparable).
//
//   bench_vm [--rounds N] [--repeat R]
//
// Prints "vm_instructions_per_s <n> ns_per_instruction <x> native_ratio <r>" and the goal.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "contracts/bytecode.h"
#include "contracts/host.h"
#include "contracts/interpreter.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"
#include "vm_loop.h"

namespace {

namespace chain = waybill::chain;
using waybill::bench::kInstructionsPerRound;
using waybill::bench::LoopProgram;
namespace vm = waybill::contracts;
using Clock = std::chrono::steady_clock;
using vm::Op;

// The loop never asks the host.
class NoHost : public vm::Host {
 public:
  chain::Result<chain::Bytes> StorageGet(chain::ByteSpan) override { return Fail(); }
  chain::Status StoragePut(chain::ByteSpan, chain::ByteSpan) override { return Fail(); }
  chain::Result<uint64_t> Balance() override { return Fail(); }
  chain::Result<vm::AssetFacts> GetAsset(const chain::Hash256&) override { return Fail(); }
  chain::Result<std::optional<chain::Bytes>> Metadata(const chain::Hash256&,
                                                      chain::ByteSpan) override {
    return Fail();
  }
  chain::Result<std::optional<chain::Bytes>> Attestation(const chain::Hash256&, chain::ByteSpan,
                                                         const chain::AccountId&) override {
    return Fail();
  }
  chain::Status SendCoins(const chain::AccountId&, uint64_t) override { return Fail(); }
  chain::Status SendAsset(const chain::AccountId&, const chain::Hash256&) override {
    return Fail();
  }
  chain::Result<std::array<chain::Hash256, 2>> Split(const chain::Hash256&, uint64_t) override {
    return Fail();
  }
  chain::Result<chain::Hash256> Merge(const chain::Hash256&, const chain::Hash256&) override {
    return Fail();
  }

 private:
  static chain::Status Fail() { return chain::Status::Internal("bench: no host"); }
};

uint64_t NativeLoop(uint64_t rounds_in) {
  uint64_t acc = 0;
  for (uint64_t c = rounds_in; c != 0; --c) acc = (c * 3) ^ acc;
  return acc;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rounds = 20'000'000;
  int repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--repeat") == 0) repeat = std::atoi(argv[i + 1]);
  }
  auto validated = vm::ValidateProgram(LoopProgram(rounds));
  if (auto* e = std::get_if<vm::DeployError>(&validated)) {
    std::fprintf(stderr, "bench_vm: %s\n", e->ToString().c_str());
    return 1;
  }
  const auto& code = *std::get<std::shared_ptr<const vm::ValidatedCode>>(validated);
  vm::CallInput input;
  input.entry = "main";
  input.gas_limit = ~uint64_t{0};
  NoHost host;

  // Read through a volatile, so the compiler cannot fold the native loop for a known count.
  volatile uint64_t rounds_opaque = rounds;
  const uint64_t expected = NativeLoop(rounds_opaque);
  double best_vm = 1e300, best_native = 1e300;
  for (int r = 0; r < repeat; ++r) {
    auto t0 = Clock::now();
    auto result = vm::Execute(code, input, host);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!result.ok() || result->outcome != vm::Outcome::kAborted ||
        result->abort_code != expected) {
      std::fprintf(stderr, "bench_vm: wrong result\n");
      return 1;
    }
    best_vm = std::min(best_vm, s);
    t0 = Clock::now();
    if (NativeLoop(rounds_opaque) != expected) return 1;
    best_native = std::min(best_native, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  const double instructions = static_cast<double>(rounds) * kInstructionsPerRound;
  const double per_s = instructions / best_vm;
  std::printf("vm_instructions_per_s %.0f ns_per_instruction %.2f native_ratio %.1f\n", per_s,
              1e9 * best_vm / instructions, best_vm / best_native);
  std::printf("goal >= 150000000 instructions/s: %s (rounds %llu, best of %d)\n",
              per_s >= 150e6 ? "met" : "NOT met", static_cast<unsigned long long>(rounds), repeat);
  return 0;
}
