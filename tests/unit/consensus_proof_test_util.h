// What the proof bundle tests (consensus_proof_*_test.cpp) share: finding a tx's entry and
// checking which check a tampered bundle fails.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "chain/tx.h"
#include "consensus/proof.h"

namespace waybill::consensus::testing {

// The index into b.txs of the tx with this id (0 and a test failure when absent).
inline size_t ProofEntryOf(const ProofBundle& b, const chain::Hash256& txid) {
  for (size_t i = 0; i < b.txs.size(); ++i) {
    auto tx = chain::DecodeTransaction(b.txs[i].tx);
    if (tx.ok() && tx->Id() == txid) return i;
  }
  ADD_FAILURE() << "no entry for " << txid.ToHex();
  return 0;
}

// Verifies b against params, expecting it to fail with check; returns the report.
inline ProofReport ExpectProofFails(const ProofBundle& b, const ChainParams& params,
                                    ProofCheck check) {
  ProofReport r = VerifyProofBundle(b, params);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(ProofCheckName(r.check), std::string(ProofCheckName(check))) << r.Describe();
  return r;
}

}  // namespace waybill::consensus::testing
