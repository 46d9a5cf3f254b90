#include "node/rpc/net.h"

#include <string>
#include <vector>

#include "p2p/net_address.h"
#include "node/rpc/context.h"
#include "node/rpc/table.h"
#include "node/rpc/args.h"
#include "node/params/network.h"
#include "p2p/connman.h"

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

}  // namespace

void RegisterNetRpcMethods(RpcTable& table, NodeContext& ctx) {
  NodeContext* c = &ctx;
  const uint16_t default_port = DefaultP2pPort(ctx.params->network);
  table.Register(
      "getconnectioncount", {}, [c](const Json&) -> Json { return c->connman->ConnectionCount(); },
      "getconnectioncount  The number of open P2P connections.");
  table.Register(
      "getpeerinfo", {},
      [c](const Json&) -> Json {
        Json out = Json::array();
        for (const p2p::PeerInfo& info : c->connman->GetPeerInfo()) out.push_back(PeerJson(info));
        return out;
      },
      "getpeerinfo  Each connected peer: address, direction, handshake, version, heights, ping "
      "(ms), traffic and misbehaviour score.");
  table.Register(
      "getnetworkinfo", {},
      [c](const Json&) -> Json {
        p2p::NetworkInfo info = c->connman->GetNetworkInfo();
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
      },
      "getnetworkinfo  The P2P side: listening address, connection counts, address book size, "
      "bans, traffic.");
  RegisterArgsMethod(
      table, "addnode", {"node", "command"},
      [c, default_port](const Args& a) -> Json {
        p2p::NetAddress addr = AddressArg(a, 0, default_port);
        const std::string& command = StringArg(a, 1);
        chain::Status s = c->connman->AddNode(addr, command);
        if (!s.ok()) {
          Throw(command == "add"      ? rpc_code::kClientNodeAlreadyAdded
                : command == "remove" ? rpc_code::kClientNodeNotAdded
                                      : rpc_code::kInvalidParameter,
                "Error: " + s.reason());
        }
        return nullptr;
      },
      "addnode node command  Keep (add), stop keeping (remove) or make once (onetry) a "
      "connection to IP[:PORT].");
  RegisterArgsMethod(
      table, "disconnectnode", {"address", "nodeid"},
      [c](const Args& a) -> Json {
        bool found = false;
        if (a[0] && a[1]) {
          Throw(rpc_code::kInvalidParameter, "Give the address or the nodeid, not both");
        }
        if (a[0]) {
          // A bare IP drops every connection of that IP.
          const std::string& text = StringArg(a, 0);
          auto addr = p2p::NetAddress::Parse(text, 0);
          if (!addr) {
            Throw(rpc_code::kInvalidParameter, "Invalid address: '" + Echo(text) + "'");
          }
          found = c->connman->DisconnectNode(*addr);
        } else if (a[1]) {
          found = c->connman->DisconnectNode(UIntArg(a, 1, 0, UINT64_MAX));
        } else {
          Throw(rpc_code::kInvalidParams, "Invalid params: missing address or nodeid");
        }
        if (!found) Throw(rpc_code::kClientNodeNotConnected, "Node not found in connected nodes");
        return nullptr;
      },
      "disconnectnode [address] [nodeid]  Close the connections to IP[:PORT] (any port for a "
      "bare IP) or of one peer id.");
  RegisterArgsMethod(
      table, "setban", {"subnet", "command", "bantime"},
      [c](const Args& a) -> Json {
        p2p::NetAddress ip = IpArg(a, 0);
        const std::string& command = StringArg(a, 1);
        if (command == "add") {
          const int64_t seconds =
              static_cast<int64_t>(UIntArg(a, 2, 0, int64_t{100} * 365 * 86400, 0));
          c->connman->Ban(ip, seconds, "banned by RPC");
        } else if (command == "remove") {
          if (!c->connman->Unban(ip)) {
            Throw(rpc_code::kClientInvalidIpOrSubnet, "Error: Unban failed: not banned");
          }
        } else {
          Throw(rpc_code::kInvalidParameter, "command must be add or remove");
        }
        return nullptr;
      },
      "setban ip command [bantime=0]  Ban (add) an IP for bantime seconds (0: the default, "
      "--bantime) and drop its connections, or lift a ban (remove).");
  table.Register(
      "listbanned", {},
      [c](const Json&) -> Json {
        Json out = Json::array();
        for (const p2p::BanEntry& e : c->connman->ListBanned()) {
          out.push_back(
              {{"address", e.ip.IpString()}, {"banned_until", e.until}, {"reason", e.reason}});
        }
        return out;
      },
      "listbanned  Every banned IP with the Unix time its ban ends and why.");
  table.Register(
      "clearbanned", {},
      [c](const Json&) -> Json {
        c->connman->ClearBanned();
        return nullptr;
      },
      "clearbanned  Lift every ban.");
}

}  // namespace waybill::node
