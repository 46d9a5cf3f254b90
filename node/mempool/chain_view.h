// What the mempool needs of the chain, and nothing more: the parameters, whether a tx is
// confirmed, and the tip state to apply txs on. The node implements it over the chainstate
// (node/chain_adapters.h); a test implements it over an in-memory state.
#pragma once

#include <functional>

#include "chain/hash.h"
#include "chain/state.h"
#include "chain/status.h"
#include "consensus/chainstate.h"  // TipInfo (a value type), not the Chainstate
#include "consensus/params.h"

namespace waybill::node::mempool {

class ChainView {
 public:
  using TipStateFn =
      std::function<void(const chain::KvReader& state, const consensus::TipInfo& tip)>;

  virtual ~ChainView() = default;

  // The same object for the view's lifetime.
  virtual const consensus::ChainParams& params() const = 0;
  // Whether a block of the active chain holds txid. An error status is a local fault (e.g.
  // reading the tx index), not an answer.
  virtual chain::Result<bool> IsConfirmed(const chain::Hash256& txid) const = 0;
  // Runs fn with the tip's state and the tip; neither changes while fn runs. fn must not call
  // back into the view. Thread-safe.
  virtual void WithTipState(const TipStateFn& fn) const = 0;
};

}  // namespace waybill::node::mempool
