// What block assembly and the miner need of the chain: the parameters and the tip's state to
// apply txs on (consensus::TipStateView), the rules of the next block, the tip's id (to notice
// a new tip) and where to hand a solved block. The node implements it over the chainstate
// (node/chain_adapters.h); a test implements it over an in-memory state.
#pragma once

#include "chain/block.h"
#include "chain/hash.h"
#include "consensus/chainstate.h"  // NextBlockRules, BlockOutcome (value types)
#include "consensus/tip_view.h"
#include "consensus/validation.h"

namespace waybill::node::mining {

class ChainView : public consensus::TipStateView {
 public:
  // What a block needs to extend the tip now (its prev is the tip then). WithTipState may
  // already see a newer tip.
  virtual consensus::NextBlockRules NextRules() const = 0;
  virtual chain::Hash256 TipId() const = 0;
  // Validates and stores a solved block; Invalid with the rule it breaks, Error on a local
  // fault. *outcome says whether it became the tip.
  virtual consensus::ValidationResult ProcessBlock(const chain::DecodedBlock& block,
                                                   consensus::BlockOutcome* outcome) = 0;
};

}  // namespace waybill::node::mining
