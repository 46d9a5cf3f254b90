// What RPC handlers can reach. Owned by the Node (node/node.h); every pointer outlives the
// RPC server.
#pragma once

#include <functional>
#include <string>

#include "consensus/chainstate.h"
#include "consensus/params.h"
#include "node/clock.h"
#include "node/mempool.h"

namespace waybill::node {

class Miner;

struct NodeContext {
  const consensus::ChainParams* params = nullptr;
  consensus::Chainstate* chain = nullptr;
  Mempool* mempool = nullptr;
  Miner* miner = nullptr;  // null unless mining
  NodeClock* clock = nullptr;
  std::string datadir;
  std::function<void()> request_stop;
};

}  // namespace waybill::node
