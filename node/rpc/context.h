// What RPC handlers can reach. Owned by the Node (node/node.h); every pointer outlives the
// RPC server.
#pragma once

#include <functional>
#include <span>
#include <string>

#include "consensus/chainstate.h"
#include "consensus/params.h"
#include "node/mining/chain_view.h"
#include "node/mining/clock.h"
#include "node/mining/tx_source.h"
#include "node/mempool/mempool.h"

namespace waybill::p2p {
class Connman;
}  // namespace waybill::p2p

namespace waybill::node {

class Miner;

struct NodeContext {
  const consensus::ChainParams* params = nullptr;
  consensus::Chainstate* chain = nullptr;
  Mempool* mempool = nullptr;
  // How getblocktemplate and generatetoaddress see the chain and the mempool.
  mining::ChainView* mining_chain = nullptr;
  mining::TxSource* tx_source = nullptr;
  Miner* miner = nullptr;  // null unless mining
  p2p::Connman* connman = nullptr;  // the overlay
  // Announces txs accepted from elsewhere than the network (sendrawtransaction: one call for
  // the txs of a batch's run); may be empty.
  std::function<void(std::span<const chain::Hash256>)> on_local_txs;
  NodeClock* clock = nullptr;
  std::string datadir;
  std::function<void()> request_stop;
};

}  // namespace waybill::node
