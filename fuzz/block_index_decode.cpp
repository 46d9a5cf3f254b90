#include "chain/block_index.h"
#include "fuzz/fuzz.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  chain::BlockIndex index;
  if (!chain::DecodeBlockIndex(chain::ByteSpan(data, size), &index).ok()) return 0;
  FUZZ_CHECK(chain::EncodeBlockIndex(index) == chain::Bytes(data, data + size));
  return 0;
}
