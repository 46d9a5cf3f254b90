// The node's side of the overlay: p2p::NodeInterface over the chainstate and the mempool, and
// the table that turns consensus verdicts into misbehaviour scores (docs/PROTOCOL.md §12.7).
#pragma once

#include <functional>

#include "consensus/chainstate.h"
#include "consensus/validation.h"
#include "node/mempool/mempool.h"
#include "p2p/node_interface.h"

namespace waybill::node {

// What a peer deserves for sending something that failed with this result.
enum class NetObject { kHeader, kBlock, kTx };
p2p::Verdict ToVerdict(const consensus::ValidationResult& result, NetObject what);

class NetBridge final : public p2p::NodeInterface {
 public:
  // REQUIRES: chain and mempool outlive the bridge.
  NetBridge(consensus::Chainstate* chain, Mempool* mempool) : chain_(chain), mempool_(mempool) {}

  p2p::ChainSummary GetChainSummary() override;
  std::optional<p2p::HeaderInfo> GetHeaderInfo(const chain::Hash256& id) override;
  std::vector<chain::Hash256> GetLocator() override;
  std::vector<chain::BlockHeader> GetHeadersAfter(const std::vector<chain::Hash256>& locator,
                                                  const chain::Hash256& stop, size_t max) override;
  p2p::HeadersVerdict AcceptHeaders(const std::vector<chain::BlockHeader>& headers) override;
  p2p::HeadersVerdict AcceptHeadersFrom(uint64_t peer,
                                        const std::vector<chain::BlockHeader>& headers) override;
  void ForgetHeadersFrom(uint64_t peer) override;
  std::vector<chain::Hash256> BlocksToDownload(
      const chain::Hash256& target, size_t max, uint32_t window,
      const std::function<bool(const chain::Hash256&)>& skip) override;
  p2p::Verdict ProcessBlock(const chain::DecodedBlock& block) override;
  std::optional<chain::Bytes> ReadBlock(const chain::Hash256& id) override;
  p2p::Verdict AcceptTx(const chain::Transaction& tx) override;
  // Mempool::AcceptBatch: the signatures verified together, the txs admitted in order.
  std::vector<p2p::Verdict> AcceptTxs(std::vector<chain::TxWithId> txs) override;
  bool HaveTx(const chain::Hash256& txid) override;
  std::optional<chain::Bytes> GetMempoolTx(const chain::Hash256& txid) override;
  std::vector<chain::Hash256> MempoolTxids() override;

 private:
  consensus::Chainstate* const chain_;
  Mempool* const mempool_;
};

}  // namespace waybill::node
