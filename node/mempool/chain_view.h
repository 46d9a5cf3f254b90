// What the mempool needs of the chain, and nothing more: the parameters and the tip state to
// apply txs on (consensus::TipStateView), and whether a tx is confirmed. The node implements it
// over the chainstate (node/chain_adapters.h); a test implements it over an in-memory state.
#pragma once

#include "chain/hash.h"
#include "chain/status.h"
#include "consensus/tip_view.h"

namespace waybill::node::mempool {

class ChainView : public consensus::TipStateView {
 public:
  // Whether a block of the active chain holds txid. An error status is a local fault (e.g.
  // reading the tx index), not an answer.
  virtual chain::Result<bool> IsConfirmed(const chain::Hash256& txid) const = 0;
};

}  // namespace waybill::node::mempool
