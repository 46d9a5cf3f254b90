#include "chain/tx.h"
#include "consensus/tx_check.h"
#include "fuzz/fuzz.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto tx = chain::DecodeTransaction(chain::ByteSpan(data, size));
  if (!tx.ok()) return 0;
  // A decodable tx re-encodes to exactly the input: the encoding is canonical.
  chain::Bytes again = tx->Serialize();
  FUZZ_CHECK(again == chain::Bytes(data, data + size));
  FUZZ_CHECK(tx->Id() == chain::MakeTxWithId(*tx).id);
  (void)consensus::CheckTransaction(*tx);
  (void)tx->VerifySignature();
  return 0;
}
