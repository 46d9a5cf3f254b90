// The adapters that let the mempool and the miner see the chainstate and the mempool through
// the interfaces they own (node/mempool/chain_view.h, node/mining/chain_view.h,
// node/mining/tx_source.h). They live in the composition root, the one place that sees all
// three libraries, so that mining/ needs no mempool/ and neither needs the Chainstate class.
// Each holds a pointer only: REQUIRES the object it adapts outlives it.
#pragma once

#include "consensus/chainstate.h"
#include "node/mempool/chain_view.h"
#include "node/mempool/mempool.h"
#include "node/mining/chain_view.h"
#include "node/mining/tx_source.h"

namespace waybill::node {

class ChainstateMempoolView : public mempool::ChainView {
 public:
  explicit ChainstateMempoolView(const consensus::Chainstate* chain) : chain_(chain) {}
  const consensus::ChainParams& params() const override { return chain_->params(); }
  chain::Result<bool> IsConfirmed(const chain::Hash256& txid) const override;
  void WithTipState(const TipStateFn& fn) const override { chain_->WithTipState(fn); }

 private:
  const consensus::Chainstate* const chain_;
};

class ChainstateMiningView : public mining::ChainView {
 public:
  explicit ChainstateMiningView(consensus::Chainstate* chain) : chain_(chain) {}
  const consensus::ChainParams& params() const override { return chain_->params(); }
  consensus::NextBlockRules NextRules() const override { return chain_->NextRules(); }
  void WithTipState(const TipStateFn& fn) const override { chain_->WithTipState(fn); }
  chain::Hash256 TipId() const override { return chain_->Tip().id; }
  consensus::ValidationResult ProcessBlock(const chain::DecodedBlock& block,
                                           consensus::BlockOutcome* outcome) override {
    return chain_->ProcessBlock(block, outcome);
  }

 private:
  consensus::Chainstate* const chain_;
};

class MempoolTxSource : public mining::TxSource {
 public:
  explicit MempoolTxSource(const Mempool* mempool) : mempool_(mempool) {}
  std::vector<chain::TxWithId> Candidates(size_t max_txs) const override {
    return mempool_->Candidates(max_txs);
  }
  uint64_t Version() const override { return mempool_->Version(); }

 private:
  const Mempool* const mempool_;
};

}  // namespace waybill::node
