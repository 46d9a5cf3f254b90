// Where block assembly takes its txs from: the node's mempool (through the adapter in
// node/chain_adapters.h), or a test's list. Owned by mining/, so that mining/ needs no
// mempool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "chain/tx.h"

namespace waybill::node::mining {

class TxSource {
 public:
  virtual ~TxSource() = default;
  // At most max_txs candidates for a block, best first, each sender's txs in nonce order. A tx
  // may come before a tx of another sender that it needs; BuildTemplate retries such txs.
  // Thread-safe.
  virtual std::vector<chain::TxWithId> Candidates(size_t max_txs) const = 0;
  // Changes whenever the candidates may have changed (the miner then builds a new template).
  // Thread-safe and cheap: the miner polls it.
  virtual uint64_t Version() const = 0;
};

}  // namespace waybill::node::mining
