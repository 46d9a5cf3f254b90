// The node's control methods: stop, uptime, setmocktime (regtest only), logging [level].
// (`help` is the table's own, table.h.) Caller errors: -8 a bad timestamp or level; -1
// setmocktime where the genesis file does not allow it.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "consensus/params.h"
#include "node/mining/clock.h"

namespace waybill::node {

class RpcTable;

// What the control methods reach. The log level is read and set through functions, because
// the logger is the node's (node/logging.h), not something this library sees.
struct ControlContext {
  const consensus::ChainParams* params = nullptr;
  NodeClock* clock = nullptr;
  // Asks the node to stop; returns at once (the reply to `stop` is still sent).
  std::function<void()> request_stop;
  std::chrono::steady_clock::time_point started_at;
  // The current level's name ("info").
  std::function<std::string()> log_level;
  // Sets the level by name; false for a name that is not a level.
  std::function<bool(const std::string&)> set_log_level;
};

// REQUIRES: every member of ctx is set, and what it points to outlives the table.
void RegisterControlRpcMethods(RpcTable& table, ControlContext ctx);

}  // namespace waybill::node
