// Read access to the tip's state, for code that applies txs on top of it (the mempool checks a
// tx against it, block assembly fills a block on it). The chainstate offers both calls; the
// node's adapters (node/chain_adapters.h) pass them through to the views of node/mempool/ and
// node/mining/, which extend this one with what each needs besides; a test implements it over
// an in-memory state.
#pragma once

#include <functional>

#include "chain/state.h"
#include "consensus/chainstate.h"  // TipInfo (a value type)
#include "consensus/params.h"

namespace waybill::consensus {

class TipStateView {
 public:
  using TipStateFn = std::function<void(const chain::KvReader& state, const TipInfo& tip)>;

  virtual ~TipStateView() = default;

  // The same object for the view's lifetime.
  virtual const ChainParams& params() const = 0;
  // Runs fn with the tip's state and the tip; neither changes while fn runs. fn must not call
  // back into the view. Thread-safe.
  virtual void WithTipState(const TipStateFn& fn) const = 0;
};

}  // namespace waybill::consensus
