#include "consensus/proof.h"
#include "fuzz/fuzz.h"
#include "node/params/genesis.h"

using namespace waybill;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bundle = consensus::DecodeProofBundle(chain::ByteSpan(data, size));
  if (!bundle.ok()) return 0;
  // A decodable bundle re-encodes to exactly the input: the encoding is canonical.
  FUZZ_CHECK(consensus::EncodeProofBundle(*bundle) == chain::Bytes(data, data + size));
  // Whatever it holds, the verifier answers with a report (never a crash).
  static const auto params = node::EmbeddedGenesis("regtest");
  FUZZ_CHECK(params.ok());
  consensus::ProofReport report = consensus::VerifyProofBundle(*bundle, *params);
  FUZZ_CHECK(report.ok || !report.Describe().empty());
  return 0;
}
