#include "chain/block.h"
#include "chain/merkle.h"
#include "fuzz/fuzz.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto block = chain::DecodeBlock(chain::ByteSpan(data, size), 1 << 20);
  if (!block.ok()) return 0;
  FUZZ_CHECK(block->block.Serialize() == chain::Bytes(data, data + size));
  FUZZ_CHECK(block->txids.size() == block->block.txs.size());
  for (size_t i = 0; i < block->txids.size(); ++i) {
    FUZZ_CHECK(block->txids[i] == block->block.txs[i].Id());
  }
  (void)chain::BlockMerkleRoot(block->txids);
  return 0;
}
