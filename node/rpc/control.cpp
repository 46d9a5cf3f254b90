#include "node/rpc/control.h"

#include <cstdint>
#include <memory>
#include <utility>

#include "node/rpc/args.h"
#include "node/rpc/table.h"

namespace waybill::node {
namespace {

Json Stop(ControlContext& ctx, const Args&) {
  // Only asks: the server finishes writing this reply before it shuts down.
  ctx.request_stop();
  return "Waybill server stopping";
}

Json Uptime(ControlContext& ctx, const Args&) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                          ctx.started_at)
      .count();
}

Json SetMockTime(ControlContext& ctx, const Args& a) {
  if (!ctx.params->allow_mocktime) {
    Throw(rpc_code::kMiscError, "setmocktime is for regtest only");
  }
  const Json* t = a[0];
  if (t == nullptr) Throw(rpc_code::kInvalidParameter, "timestamp is required");
  if (!t->is_number_integer()) Throw(rpc_code::kInvalidParameter, "timestamp must be an integer");
  // A header's time is a u32: a clock past it would overflow the template's maxtime.
  if ((t->is_number_unsigned() && t->get<uint64_t>() > UINT32_MAX) ||
      (!t->is_number_unsigned() && t->get<int64_t>() < 0)) {
    Throw(rpc_code::kInvalidParameter,
          "timestamp out of range: " + t->dump() + " (allowed 0..4294967295)");
  }
  ctx.clock->SetMockTime(t->get<int64_t>());
  return nullptr;
}

Json Logging(ControlContext& ctx, const Args& a) {
  if (const Json* level = a[0]) {
    if (!level->is_string()) Throw(rpc_code::kInvalidParameter, "level must be a string");
    if (!ctx.set_log_level(level->get<std::string>())) {
      Throw(rpc_code::kInvalidParameter, "level must be one of error, warn, info, debug, trace");
    }
  }
  return Json{{"level", ctx.log_level()}};
}

}  // namespace

void RegisterControlRpcMethods(RpcTable& table, ControlContext ctx) {
  // Shared by the handlers, which the table keeps (and copies) for as long as it lives.
  auto shared = std::make_shared<ControlContext>(std::move(ctx));
  auto bind = [shared](Json (*fn)(ControlContext&, const Args&)) -> RpcHandler {
    return [shared, fn](const Args& a) { return fn(*shared, a); };
  };
  table.Register("stop", {}, bind(Stop), "stop  Stop the node.");
  table.Register("uptime", {}, bind(Uptime), "uptime  Seconds since the node started.");
  table.Register("setmocktime", {"timestamp"}, bind(SetMockTime),
                 "setmocktime timestamp  Fix the node's clock at a Unix time (0: the system clock "
                 "again). Only where the genesis file allows it (regtest).");
  table.Register("logging", {"level"}, bind(Logging),
                 "logging [level]  Show the log level, or set it (error, warn, info, debug, "
                 "trace).");
}

}  // namespace waybill::node
