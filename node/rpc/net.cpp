#include "node/rpc/net.h"

#include <string>
#include <vector>

#include "node/params/network.h"
#include "node/rpc/args.h"
#include "node/rpc/context.h"
#include "node/rpc/table.h"
#include "p2p/connman.h"
#include "p2p/net_address.h"

namespace waybill::node {
namespace {

p2p::NetAddress AddressArg(const Args& a, size_t i, uint16_t default_port) {
  const std::string& text = StringArg(a, i);
  auto addr = p2p::NetAddress::Parse(text, default_port);
  if (!addr || !addr->IsValid()) {
    Throw(rpc_code::kInvalidParameter,
          "Invalid " + a.Name(i) + ": expected IP or IP:PORT, got '" + Echo(text) + "'");
  }
  return *addr;
}

p2p::NetAddress IpArg(const Args& a, size_t i) {
  const std::string& text = StringArg(a, i);
  auto ip = p2p::NetAddress::ParseIp(text);
  if (!ip) Throw(rpc_code::kInvalidParameter, "Invalid IP address: '" + Echo(text) + "'");
  return *ip;
}

Json PeerJson(const p2p::PeerInfo& info) {
  const p2p::PeerState& s = info.state;
  Json peer = {
      {"id", s.id},
      {"addr", s.addr.ToString()},
      {"inbound", s.inbound},
      {"manual", info.manual},
      {"handshake", s.handshake_done},
      {"version", s.version},
      {"subver", s.user_agent},
      {"startingheight", s.start_height},
      {"synced_headers", s.best_known_height ? Json(*s.best_known_height) : Json(-1)},
      {"inflight", s.blocks_in_flight},
      {"pingms", s.ping_ms ? Json(*s.ping_ms) : Json(nullptr)},
      {"conntime", info.connected_unix},
      {"bytessent", info.bytes_sent},
      {"bytesrecv", info.bytes_received},
      {"messagesrecv", s.messages_received},
      {"banscore", s.score},
  };
  return peer;
}

Json GetConnectionCount(NodeContext& ctx, const Args&) { return ctx.connman->ConnectionCount(); }

Json GetPeerInfo(NodeContext& ctx, const Args&) {
  Json out = Json::array();
  for (const p2p::PeerInfo& info : ctx.connman->GetPeerInfo()) out.push_back(PeerJson(info));
  return out;
}

Json GetNetworkInfo(NodeContext& ctx, const Args&) {
  p2p::NetworkInfo info = ctx.connman->GetNetworkInfo();
  return Json{
      {"version", WaybillVersion()},
      {"subversion", std::string("/waybill:") + WaybillVersion() + "/"},
      {"protocolversion", p2p::kProtocolVersion},
      {"localaddress", info.listening ? Json(info.listening->ToString()) : Json(nullptr)},
      {"connections", info.inbound + info.outbound},
      {"connections_in", info.inbound},
      {"connections_out", info.outbound},
      {"knownaddresses", info.known_addresses},
      {"banned", info.banned},
      {"totalbytessent", info.bytes_sent},
      {"totalbytesrecv", info.bytes_received},
  };
}

Json AddNode(NodeContext& ctx, const Args& a) {
  p2p::NetAddress addr = AddressArg(a, 0, DefaultP2pPort(ctx.params->network));
  const std::string& command = StringArg(a, 1);
  chain::Status s = ctx.connman->AddNode(addr, command);
  if (!s.ok()) {
    Throw(command == "add"      ? rpc_code::kClientNodeAlreadyAdded
          : command == "remove" ? rpc_code::kClientNodeNotAdded
                                : rpc_code::kInvalidParameter,
          "Error: " + s.reason());
  }
  return nullptr;
}

Json DisconnectNode(NodeContext& ctx, const Args& a) {
  bool found = false;
  if (a[0] && a[1]) Throw(rpc_code::kInvalidParameter, "Give the address or the nodeid, not both");
  if (a[0]) {
    // A bare IP drops every connection of that IP.
    const std::string& text = StringArg(a, 0);
    auto addr = p2p::NetAddress::Parse(text, 0);
    if (!addr) Throw(rpc_code::kInvalidParameter, "Invalid address: '" + Echo(text) + "'");
    found = ctx.connman->DisconnectNode(*addr);
  } else if (a[1]) {
    found = ctx.connman->DisconnectNode(UIntArg(a, 1, 0, UINT64_MAX));
  } else {
    Throw(rpc_code::kInvalidParams, "Invalid params: missing address or nodeid");
  }
  if (!found) Throw(rpc_code::kClientNodeNotConnected, "Node not found in connected nodes");
  return nullptr;
}

Json SetBan(NodeContext& ctx, const Args& a) {
  p2p::NetAddress ip = IpArg(a, 0);
  const std::string& command = StringArg(a, 1);
  if (command == "add") {
    const int64_t seconds = static_cast<int64_t>(UIntArg(a, 2, 0, int64_t{100} * 365 * 86400, 0));
    ctx.connman->Ban(ip, seconds, "banned by RPC");
  } else if (command == "remove") {
    if (!ctx.connman->Unban(ip)) {
      Throw(rpc_code::kClientInvalidIpOrSubnet, "Error: Unban failed: not banned");
    }
  } else {
    Throw(rpc_code::kInvalidParameter, "command must be add or remove");
  }
  return nullptr;
}

Json ListBanned(NodeContext& ctx, const Args&) {
  Json out = Json::array();
  for (const p2p::BanEntry& e : ctx.connman->ListBanned()) {
    out.push_back({{"address", e.ip.IpString()}, {"banned_until", e.until}, {"reason", e.reason}});
  }
  return out;
}

Json ClearBanned(NodeContext& ctx, const Args&) {
  ctx.connman->ClearBanned();
  return nullptr;
}

}  // namespace

void RegisterNetRpcMethods(RpcTable& table, NodeContext& ctx) {
  table.Register("getconnectioncount", {}, Bind(ctx, GetConnectionCount),
                 "getconnectioncount  The number of open P2P connections.");
  table.Register("getpeerinfo", {}, Bind(ctx, GetPeerInfo),
                 "getpeerinfo  Each connected peer: address, direction, handshake, version, "
                 "heights, ping (ms), traffic and misbehaviour score.");
  table.Register("getnetworkinfo", {}, Bind(ctx, GetNetworkInfo),
                 "getnetworkinfo  The P2P side: listening address, connection counts, address "
                 "book size, bans, traffic.");
  table.Register("addnode", {"node", "command"}, Bind(ctx, AddNode),
                 "addnode node command  Keep (add), stop keeping (remove) or make once (onetry) a "
                 "connection to IP[:PORT].");
  table.Register("disconnectnode", {"address", "nodeid"}, Bind(ctx, DisconnectNode),
                 "disconnectnode [address] [nodeid]  Close the connections to IP[:PORT] (any port "
                 "for a bare IP) or of one peer id.");
  table.Register("setban", {"subnet", "command", "bantime"}, Bind(ctx, SetBan),
                 "setban ip command [bantime=0]  Ban (add) an IP for bantime seconds (0: the "
                 "default, --bantime) and drop its connections, or lift a ban (remove).");
  table.Register("listbanned", {}, Bind(ctx, ListBanned),
                 "listbanned  Every banned IP with the Unix time its ban ends and why.");
  table.Register("clearbanned", {}, Bind(ctx, ClearBanned), "clearbanned  Lift every ban.");
}

}  // namespace waybill::node
