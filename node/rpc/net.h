// The P2P JSON-RPC methods: getconnectioncount, getpeerinfo, getnetworkinfo, addnode,
// disconnectnode, setban, listbanned, clearbanned (names and result fields after Bitcoin
// Core; docs/API.md "JSON-RPC" lists them). getchaintips is a chain method (methods.h).
//
// Caller errors: -8 a bad address or command; -23 addnode add of a node already added; -24
// addnode remove of one never added; -29 disconnectnode of no connected peer; -30 setban remove
// of an IP that is not banned.
#pragma once

namespace waybill::node {

class RpcTable;
struct NodeContext;

// REQUIRES: ctx.connman and ctx.params are set and outlive the table.
void RegisterNetRpcMethods(RpcTable& table, NodeContext& ctx);

}  // namespace waybill::node
