#include "chain/block.h"
#include "fuzz/fuzz.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto header = chain::DecodeHeader(chain::ByteSpan(data, size));
  FUZZ_CHECK(header.ok() == (size == chain::kHeaderSize));
  if (!header.ok()) return 0;
  auto again = header->Serialize();
  FUZZ_CHECK(std::equal(again.begin(), again.end(), data, data + size));
  return 0;
}
