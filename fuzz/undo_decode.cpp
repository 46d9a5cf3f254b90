#include "chain/state_cache.h"
#include "fuzz/fuzz.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto undo = chain::DecodeUndo(chain::ByteSpan(data, size));
  if (!undo.ok()) return 0;
  FUZZ_CHECK(chain::EncodeUndo(*undo) == chain::Bytes(data, data + size));
  return 0;
}
