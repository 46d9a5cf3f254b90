// Transaction and mempool methods: getrawtransaction (with the call record of a confirmed
// contract tx), decoderawtransaction, sendrawtransaction (a batch's run of them admitted
// together), getrawmempool, getmempoolinfo.
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "chain/block.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "node/rpc/args.h"
#include "node/rpc/common.h"
#include "node/rpc/context.h"
#include "node/rpc/contracts.h"
#include "node/rpc/json_convert.h"
#include "node/rpc/methods.h"
#include "node/rpc/table.h"

namespace waybill::node {
namespace {

using chain::Hash256;

// "call": the call record of a confirmed contract tx (absent off the active chain).
void AddCallRecord(const NodeContext& ctx, const Hash256& txid, Json* j) {
  chain::Result<std::optional<Json>> record = std::optional<Json>();
  ctx.chain->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo&) {
    record = CallRecordJsonOf(state, txid, Hrp(ctx));
  });
  if (!record.ok()) ThrowLocal(record.status().ToString());
  if (*record) (*j)["call"] = std::move(**record);
}

Json GetRawTransaction(NodeContext& ctx, const Args& a) {
  const Hash256 txid = HashArg(a, 0);
  const bool verbose = LevelArg(a, 1, 2, 0) != 0;
  if (auto txw = ctx.mempool->Get(txid)) {
    const chain::Bytes raw = txw->tx.Serialize();
    if (!verbose) return chain::HexEncode(raw);
    Json j = TxToJson(*txw, Hrp(ctx), ctx.params->units);
    j["hex"] = chain::HexEncode(raw);
    return j;
  }
  auto location = ctx.chain->GetTxLocation(txid);
  if (!location.ok()) ThrowLocal(location.status().ToString());
  if (!*location) Throw(rpc_code::kInvalidAddress, "No such mempool or blockchain transaction");
  const chain::TxLocation& loc = **location;
  const chain::DecodedBlock block = DecodeStoredBlock(ReadBlockBytes(ctx, loc.block));
  if (loc.index >= block.block.txs.size() || block.txids[loc.index] != txid) {
    ThrowLocal("tx index points at the wrong tx");
  }
  const chain::Transaction& tx = block.block.txs[loc.index];
  const chain::Bytes raw = tx.Serialize();
  if (!verbose) return chain::HexEncode(raw);
  Json j = TxToJson(tx, txid, raw.size(), Hrp(ctx), ctx.params->units);
  j["hex"] = chain::HexEncode(raw);
  j["blockhash"] = loc.block.ToHex();
  j["height"] = loc.height;
  j["index"] = loc.index;
  const auto active = ctx.chain->BlockHashAt(loc.height);
  j["confirmations"] =
      Confirmations(ctx.chain->Tip().height, loc.height, active && *active == loc.block);
  j["time"] = block.block.header.time;
  j["blocktime"] = block.block.header.time;
  if (IsContractOp(tx.op)) AddCallRecord(ctx, txid, &j);
  return j;
}

chain::Transaction DecodeTxArg(const Args& a) {
  const chain::Bytes bytes = HexArg(a, 0, "TX");
  auto tx = chain::DecodeTransaction(bytes);
  if (!tx.ok()) {
    Throw(rpc_code::kDeserializationError, "TX decode failed: " + tx.status().reason());
  }
  return std::move(*tx);
}

Json DecodeRawTransaction(NodeContext& ctx, const Args& a) {
  chain::TxWithId txw = chain::MakeTxWithId(DecodeTxArg(a));
  return TxToJson(txw, Hrp(ctx), ctx.params->units);
}

// The reply to a sendrawtransaction of txid that the mempool answered with r (throws the
// call's RpcError); a tx new to the mempool is added to *announce (a resent tx was announced
// the first time).
Json SendResult(const Hash256& txid, const consensus::ValidationResult& r,
                std::vector<Hash256>* announce) {
  if (r.error()) ThrowLocal(r.ToString());
  if (r.invalid()) {
    // Already pending is success, as in Bitcoin Core: a resent tx is not an error.
    if (r.code() == consensus::Reason::kTxnAlreadyInMempool) return txid.ToHex();
    if (r.code() == consensus::Reason::kTxnAlreadyKnown) {
      Throw(rpc_code::kVerifyAlreadyInChain, "Transaction already in block chain");
    }
    Throw(rpc_code::kVerifyRejected, r.ToString());
  }
  announce->push_back(txid);
  return txid.ToHex();
}

void Announce(const NodeContext& ctx, const std::vector<Hash256>& txids) {
  if (!txids.empty() && ctx.on_local_txs) ctx.on_local_txs(txids);
}

Json SendRawTransaction(NodeContext& ctx, const Args& a) {
  std::vector<chain::TxWithId> one;
  one.push_back(chain::MakeTxWithId(DecodeTxArg(a)));
  const Hash256 txid = one.front().id;
  std::vector<Hash256> announce;
  Json reply = SendResult(txid, ctx.mempool->AcceptBatch(std::move(one)).front(), &announce);
  Announce(ctx, announce);
  return reply;
}

// A batch's run of sendrawtransaction calls: the txs that decode go to the mempool in one
// AcceptBatch (their signatures verified together, admitted in order under one lock hold),
// which gives each the result Accept would give it after the ones before; the new ones are
// announced in one call.
std::vector<RpcCallResult> SendRawTransactions(NodeContext& ctx, std::span<const Args> calls) {
  std::vector<RpcCallResult> out(calls.size());
  std::vector<chain::TxWithId> txws;
  std::vector<Hash256> ids;
  std::vector<size_t> call_of;  // txws[k] is the tx of calls[call_of[k]]
  txws.reserve(calls.size());
  ids.reserve(calls.size());
  call_of.reserve(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    out[i] = RunRpcCall([&] {
      txws.push_back(chain::MakeTxWithId(DecodeTxArg(calls[i])));
      ids.push_back(txws.back().id);
      call_of.push_back(i);
      return Json();
    });
  }
  // The ids are computed once, here; the mempool takes the txs.
  const std::vector<consensus::ValidationResult> results =
      ctx.mempool->AcceptBatch(std::move(txws));
  std::vector<Hash256> announce;
  announce.reserve(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) {
    out[call_of[k]] = RunRpcCall([&] { return SendResult(ids[k], results[k], &announce); });
  }
  Announce(ctx, announce);
  return out;
}

Json GetRawMempool(NodeContext& ctx, const Args& a) {
  const bool verbose = BoolArg(a, 0, false);
  const std::vector<Hash256> txids = ctx.mempool->Txids();
  if (!verbose) {
    Json out = Json::array();
    for (const Hash256& id : txids) out.push_back(id.ToHex());
    return out;
  }
  Json out = Json::object();
  for (const Hash256& id : txids) {
    auto txw = ctx.mempool->Get(id);
    if (!txw) continue;  // confirmed or evicted since Txids()
    out[id.ToHex()] = {{"size", txw->size},
                       {"fee", txw->tx.fee},
                       {"feerate", txw->size ? txw->tx.fee / txw->size : 0},
                       {"sender", chain::bech32::EncodeAddress(Hrp(ctx), txw->tx.sender)},
                       {"nonce", txw->tx.nonce},
                       {"type", chain::OpTypeName(chain::TypeOf(txw->tx.op))}};
  }
  return out;
}

Json GetMempoolInfo(NodeContext& ctx, const Args&) {
  const MempoolInfo info = ctx.mempool->Info();
  return {{"loaded", true},
          {"size", info.size},
          {"bytes", info.bytes},
          {"total_fee", info.total_fees},
          {"maxmempool", info.max_bytes},
          {"maxtxs", info.max_txs},
          {"mempoolminfee", info.min_fee_per_byte},
          {"min_fee_per_byte", info.min_fee_per_byte}};
}

}  // namespace

void RegisterTxRpcMethods(RpcTable& table, NodeContext& ctx) {
  table.Register("getrawtransaction", {"txid", "verbose"}, Bind(ctx, GetRawTransaction),
                 "getrawtransaction txid [verbose=0]  A pending or confirmed tx; verbose 0..2 "
                 "(or a bool): 0 hex, 1 or 2 decoded.");
  table.Register("decoderawtransaction", {"hexstring"}, Bind(ctx, DecodeRawTransaction),
                 "decoderawtransaction hexstring  Decodes a serialized tx.");
  table.Register(
      "sendrawtransaction", {"hexstring"}, Bind(ctx, SendRawTransaction),
      "sendrawtransaction hexstring  Adds a signed tx to the mempool; returns its txid.");
  table.RegisterBatch("sendrawtransaction", BindBatch(ctx, SendRawTransactions));
  table.Register("getrawmempool", {"verbose"}, Bind(ctx, GetRawMempool),
                 "getrawmempool [verbose=false]  Pending txids, or an object of txid -> details.");
  table.Register("getmempoolinfo", {}, Bind(ctx, GetMempoolInfo),
                 "getmempoolinfo  Size, bytes, fees and limits of the mempool.");
}

}  // namespace waybill::node
