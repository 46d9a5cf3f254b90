// The contract bytecode decoder and validator: any bytes are refused with a reason or
// accepted; what is accepted re-encodes to exactly the input (the format is canonical), and
// its analysis keeps the validator's promises (blocks tile the code, heights within limits).
#include "contracts/bytecode.h"
#include "contracts/limits.h"
#include "contracts/validator.h"
#include "fuzz/fuzz.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto result = contracts::ValidateBytecode(chain::ByteSpan(data, size));
  if (auto* e = std::get_if<contracts::DeployError>(&result)) {
    FUZZ_CHECK(!e->ToString().empty());
    return 0;
  }
  const auto& code = *std::get<std::shared_ptr<const contracts::ValidatedCode>>(result);
  FUZZ_CHECK(contracts::EncodeProgram(code.program()) == chain::Bytes(data, data + size));
  FUZZ_CHECK(code.max_stack_depth() <= contracts::kMaxStackDepth);
  size_t at = 0;
  for (const contracts::BasicBlock& b : code.blocks()) {
    FUZZ_CHECK(b.begin == at && b.end > b.begin && b.gas >= 1);
    FUZZ_CHECK(!b.reachable || b.max_height <= code.max_stack_depth());
    at = b.end;
  }
  FUZZ_CHECK(at == code.code().size());
  return 0;
}
