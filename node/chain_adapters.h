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

// The calls of consensus::TipStateView, passed to the chainstate, for either library's view.
template <typename View, typename ChainstatePtr>
class ChainstateTipView : public View {
 public:
  explicit ChainstateTipView(ChainstatePtr chain) : chain_(chain) {}
  const consensus::ChainParams& params() const override { return chain_->params(); }
  void WithTipState(const consensus::TipStateView::TipStateFn& fn) const override {
    chain_->WithTipState(fn);
  }

 protected:
  ChainstatePtr const chain_;
};

class ChainstateMempoolView
    : public ChainstateTipView<mempool::ChainView, const consensus::Chainstate*> {
 public:
  using ChainstateTipView::ChainstateTipView;
  chain::Result<bool> IsConfirmed(const chain::Hash256& txid) const override;
};

class ChainstateMiningView : public ChainstateTipView<mining::ChainView, consensus::Chainstate*> {
 public:
  using ChainstateTipView::ChainstateTipView;
  consensus::NextBlockRules NextRules() const override { return chain_->NextRules(); }
  chain::Hash256 TipId() const override { return chain_->Tip().id; }
  consensus::ValidationResult ProcessBlock(const chain::DecodedBlock& block,
                                           consensus::BlockOutcome* outcome) override {
    return chain_->ProcessBlock(block, outcome);
  }
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

// The mempool and the miner's views over one chainstate, wired as the node wires them (the node
// and the tests' fixtures build them here). Built in member order, destroyed in reverse: the tx
// source before the mempool before the views it reads through.
struct ChainstateMempool {
  ChainstateMempool(consensus::Chainstate* chain, MempoolOptions options)
      : mempool_view(chain),
        mining_view(chain),
        mempool(&mempool_view, std::move(options)),
        tx_source(&mempool) {}
  ChainstateMempool(const ChainstateMempool&) = delete;
  ChainstateMempool& operator=(const ChainstateMempool&) = delete;

  ChainstateMempoolView mempool_view;
  ChainstateMiningView mining_view;
  Mempool mempool;
  MempoolTxSource tx_source;
};

}  // namespace waybill::node
