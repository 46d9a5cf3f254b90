// What block assembly and the miner need of the chain: the parameters, the rules of the next
// block, the tip's state to apply txs on, the tip's id (to notice a new tip) and where to
// hand a solved block. The node implements it over the chainstate (node/chain_adapters.h); a
// test implements it over an in-memory state.
#pragma once

#include <functional>

#include "chain/block.h"
#include "chain/hash.h"
#include "chain/state.h"
#include "consensus/chainstate.h"  // TipInfo, NextBlockRules, BlockOutcome (value types)
#include "consensus/params.h"
#include "consensus/validation.h"

namespace waybill::node::mining {

class ChainView {
 public:
  using TipStateFn =
      std::function<void(const chain::KvReader& state, const consensus::TipInfo& tip)>;

  virtual ~ChainView() = default;

  // The same object for the view's lifetime.
  virtual const consensus::ChainParams& params() const = 0;
  // What a block needs to extend the tip now (its prev is the tip then).
  virtual consensus::NextBlockRules NextRules() const = 0;
  // Runs fn with the tip's state and the tip; neither changes while fn runs (the tip may have
  // moved since NextRules). fn must not call back into the view.
  virtual void WithTipState(const TipStateFn& fn) const = 0;
  virtual chain::Hash256 TipId() const = 0;
  // Validates and stores a solved block; Invalid with the rule it breaks, Error on a local
  // fault. *outcome says whether it became the tip.
  virtual consensus::ValidationResult ProcessBlock(const chain::DecodedBlock& block,
                                                   consensus::BlockOutcome* outcome) = 0;
};

}  // namespace waybill::node::mining
