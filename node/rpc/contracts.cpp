// Contract methods: callcontract (a call run on the tip state, nothing written) and
// getcontract (a contract's code summary, holdings, storage and recent calls).
#include "node/rpc/contracts.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "chain/bech32.h"
#include "chain/contract_state.h"
#include "chain/quantity.h"
#include "chain/tx.h"
#include "consensus/contract_sim.h"
#include "contracts/bytecode.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"
#include "node/rpc/args.h"
#include "node/rpc/common.h"
#include "node/rpc/context.h"
#include "node/rpc/table.h"

namespace waybill::node {
namespace {

using chain::Hash256;

// A storage key as text too when it is printable ASCII (keys are usually names).
bool ContractPrintable(const chain::Bytes& bytes) {
  return !bytes.empty() &&
         std::all_of(bytes.begin(), bytes.end(), [](uint8_t c) { return c >= 0x20 && c < 0x7f; });
}

// {name, offset, gas_bound}: gas_bound is the most gas a call of the entry can use (the
// intrinsic gas of the code's size and the entry's static bound), null when a backward jump is
// reachable from it.
Json ContractEntriesJson(const chain::Bytes& code, size_t* max_stack_depth) {
  Json entries = Json::array();
  auto validated = contracts::ValidateBytecode(code);
  const auto* ok = std::get_if<std::shared_ptr<const contracts::ValidatedCode>>(&validated);
  if (ok == nullptr) return entries;  // deployed code always validates (consensus checked it)
  const contracts::ValidatedCode& vc = **ok;
  *max_stack_depth = vc.max_stack_depth();
  const std::vector<contracts::Entry>& list = vc.program().entries;
  for (size_t i = 0; i < list.size(); ++i) {
    Json bound = nullptr;
    if (auto b = vc.StaticGasBound(i)) bound = contracts::IntrinsicGas(code.size()) + *b;
    entries.push_back({{"name", list[i].name}, {"offset", list[i].offset}, {"gas_bound", bound}});
  }
  return entries;
}

chain::Status ContractAddHoldings(const consensus::ReadSnapshot& snap, const chain::AccountId& id,
                                  size_t limit, Json* out) {
  Json assets = Json::array();
  bool truncated = false;
  if (limit > 0) {
    auto page = snap.ListCustody(id, std::nullopt, limit);
    if (!page.ok()) return page.status();
    truncated = page->more;
    for (const Hash256& asset_id : page->assets) {
      auto asset = snap.GetAsset(asset_id);
      if (!asset.ok()) return asset.status();
      if (!*asset) return chain::Status::Corruption("custody index names a lost asset");
      const chain::Asset& a = **asset;
      assets.push_back(
          {{"asset", a.id.ToHex()},
           {"quantity", a.quantity},
           {"amount", chain::FormatScaled(a.quantity, chain::ScaleOf(snap.params().units, a.unit))},
           {"unit", a.unit}});
    }
  } else {
    auto page = snap.ListCustody(id, std::nullopt, 1);
    if (!page.ok()) return page.status();
    truncated = !page->assets.empty();
  }
  (*out)["assets"] = std::move(assets);
  (*out)["assets_truncated"] = truncated;
  return chain::Status::Ok();
}

chain::Status ContractAddStorage(const consensus::ReadSnapshot& snap, const chain::AccountId& id,
                                 size_t limit, Json* out) {
  // One more than asked: whether the list was cut.
  auto entries = chain::ListContractStorage(snap.store(), id, limit + 1);
  if (!entries.ok()) return entries.status();
  const bool truncated = entries->size() > limit;
  Json storage = Json::array();
  for (size_t i = 0; i < entries->size() && i < limit; ++i) {
    const auto& [key, value] = (*entries)[i];
    Json e = {{"key_hex", chain::HexEncode(key)}, {"value_hex", chain::HexEncode(value)}};
    if (ContractPrintable(key)) e["key_text"] = std::string(key.begin(), key.end());
    storage.push_back(std::move(e));
  }
  (*out)["storage"] = std::move(storage);
  (*out)["storage_truncated"] = truncated;
  return chain::Status::Ok();
}

chain::Status ContractAddCalls(const consensus::ReadSnapshot& snap, const chain::AccountId& id,
                               uint64_t call_count, size_t limit, Json* out) {
  Json calls = Json::array();
  if (limit > 0) {
    auto txids = chain::RecentContractCalls(snap.state(), id, limit);
    if (!txids.ok()) return txids.status();
    for (const Hash256& txid : *txids) {
      auto record = CallRecordJsonOf(snap.state(), txid, snap.params().address_prefix);
      if (!record.ok()) return record.status();
      if (!*record) return chain::Status::Corruption("call index names a tx without a record");
      calls.push_back({{"txid", txid.ToHex()}, {"call", std::move(**record)}});
    }
  }
  (*out)["calls_truncated"] = call_count > calls.size();
  (*out)["calls"] = std::move(calls);
  return chain::Status::Ok();
}

std::vector<chain::ContractArg> ContractArgsParam(const Args& a, size_t i) {
  auto args = ContractArgsFromJson(a[i] != nullptr ? *a[i] : Json());
  if (!args.ok()) Throw(rpc_code::kInvalidParameter, a.Name(i) + ": " + args.status().reason());
  return std::move(*args);
}

std::vector<Hash256> ContractAssetsParam(const Args& a, size_t i) {
  std::vector<Hash256> out;
  const Json* v = a[i];
  if (v == nullptr) return out;
  if (!v->is_array()) Throw(rpc_code::kInvalidParameter, a.Name(i) + " must be an array");
  if (v->size() > chain::kMaxCallAssets) {
    Throw(rpc_code::kInvalidParameter,
          a.Name(i) + ": at most " + std::to_string(chain::kMaxCallAssets) + " assets");
  }
  std::set<Hash256> seen;
  for (const Json& id : *v) {
    std::optional<Hash256> h;
    if (id.is_string()) h = Hash256::FromHex(id.get<std::string>());
    if (!h) Throw(rpc_code::kInvalidParameter, a.Name(i) + ": not an asset id: " + Echo(id));
    if (!seen.insert(*h).second) {
      Throw(rpc_code::kInvalidParameter, a.Name(i) + ": asset " + h->ToHex() + " given twice");
    }
    out.push_back(*h);
  }
  return out;
}

// The contract's record on snap, or kInvalidAddress "Contract not found".
chain::ContractRecord RequireContract(const consensus::ReadSnapshot& snap,
                                      const chain::AccountId& id) {
  auto record = chain::ReadContract(snap.state(), id);
  if (!record.ok()) ThrowLocal(record.status().ToString());
  if (!*record) Throw(rpc_code::kInvalidAddress, "Contract not found");
  return std::move(**record);
}

// The context a block on top of the snapshot's tip would have: the next height, and the
// later of now and the earliest time the header rules allow.
consensus::BlockContext NextBlockContext(const NodeContext& ctx,
                                         const consensus::ReadSnapshot& snap) {
  consensus::BlockContext block;
  block.height = snap.tip().height + 1;
  const int64_t time = std::max(ctx.clock->Now(), snap.tip().median_time_past + 1);
  block.time = static_cast<uint32_t>(std::clamp<int64_t>(time, 0, UINT32_MAX));
  return block;
}

Json CallContract(NodeContext& ctx, const Args& a) {
  chain::ContractCallOp op;
  op.contract = AccountArg(ctx, a, 0);
  op.entry = StringArg(a, 1);
  if (!contracts::IsValidEntryName(op.entry)) {
    Throw(rpc_code::kInvalidParameter,
          "entry must be 1..32 characters of [a-z0-9_], not " + Echo(a.Required(1)));
  }
  op.args = ContractArgsParam(a, 2);
  op.coins = UIntArg(a, 3, 0, chain::kMaxAmount, 0);
  op.assets = ContractAssetsParam(a, 4);
  // Above max_tx_gas is the consensus refusal below, not a parameter out of range.
  op.gas_limit = UIntArg(a, 5, 1, UINT64_MAX, ctx.params->max_tx_gas);
  chain::AccountId sender;  // zero: nobody (a call that attaches nothing needs no sender)
  if (a[6] != nullptr) sender = AccountArg(ctx, a, 6);
  const std::shared_ptr<const consensus::ReadSnapshot> snap = ctx.chain->TakeSnapshot();
  (void)RequireContract(*snap, op.contract);
  chain::CallRecord record;
  const consensus::ValidationResult r = consensus::SimulateContractCall(
      *ctx.params, NextBlockContext(ctx, *snap), sender, op, snap->state(), &record);
  if (r.error()) ThrowLocal(r.ToString());
  // No tx of this call could ever be sent: answered as sendrawtransaction answers that tx.
  if (r.code() == consensus::Reason::kGasLimitTooHigh) {
    Throw(rpc_code::kVerifyRejected, r.ToString());
  }
  if (r.invalid()) {
    return {{"valid", false},
            {"reason", r.ToString()},
            {"contract", chain::bech32::EncodeAddress(Hrp(ctx), op.contract)},
            {"entry", op.entry}};
  }
  Json j = CallRecordToJson(record, Hrp(ctx));
  j["valid"] = true;
  j["height"] = snap->tip().height + 1;
  return j;
}

Json GetContract(NodeContext& ctx, const Args& a) {
  const chain::AccountId id = AccountArg(ctx, a, 0);
  ContractViewLimits limits;
  limits.storage = UIntArg(a, 1, 0, ContractViewLimits::kMaxStorage, limits.storage);
  limits.calls = UIntArg(a, 2, 0, ContractViewLimits::kMaxCalls, limits.calls);
  limits.assets = UIntArg(a, 3, 0, ContractViewLimits::kMaxAssets, limits.assets);
  const std::shared_ptr<const consensus::ReadSnapshot> snap = ctx.chain->TakeSnapshot();
  auto view = ContractViewJson(*snap, id, limits);
  if (!view.ok()) ThrowLocal(view.status().ToString());
  if (!*view) Throw(rpc_code::kInvalidAddress, "Contract not found");
  return std::move(**view);
}

}  // namespace

bool IsContractOp(const chain::Operation& op) {
  return std::holds_alternative<chain::ContractDeployOp>(op) ||
         std::holds_alternative<chain::ContractCallOp>(op);
}

chain::Result<std::optional<Json>> CallRecordJsonOf(const chain::KvReader& state,
                                                    const Hash256& txid, const std::string& hrp) {
  auto record = chain::ReadCallRecord(state, txid);
  if (!record.ok()) return record.status();
  if (!*record) return std::optional<Json>();
  return std::optional<Json>(CallRecordToJson(**record, hrp));
}

chain::Result<std::optional<Json>> ContractViewJson(const consensus::ReadSnapshot& snap,
                                                    const chain::AccountId& id,
                                                    const ContractViewLimits& limits) {
  auto record = chain::ReadContract(snap.state(), id);
  if (!record.ok()) return record.status();
  if (!*record) return std::optional<Json>();
  const chain::ContractRecord& c = **record;
  const std::string& hrp = snap.params().address_prefix;
  auto account = snap.GetAccount(id);
  if (!account.ok()) return account.status();
  auto code = chain::ReadContractCode(snap.state(), id);
  if (!code.ok()) return code.status();
  if (!*code) return chain::Status::Corruption("contract " + id.ToHex() + " without its code");
  auto call_count = chain::ReadContractCallCount(snap.state(), id);
  if (!call_count.ok()) return call_count.status();
  size_t max_stack_depth = 0;
  Json entries = ContractEntriesJson(**code, &max_stack_depth);
  Json j = {{"address", chain::bech32::EncodeAddress(hrp, id)},
            {"account", id.ToHex()},
            {"deployer", chain::bech32::EncodeAddress(hrp, c.deployer)},
            {"deployer_account", c.deployer.ToHex()},
            {"deploy_txid", c.deploy_txid.ToHex()},
            {"height", c.height},
            {"code_hex", chain::HexEncode(**code)},
            {"code_size", c.code_size},
            {"entries", std::move(entries)},
            {"max_stack_depth", max_stack_depth},
            {"balance", account->balance},
            {"call_count", *call_count}};
  if (chain::Status s = ContractAddHoldings(snap, id, limits.assets, &j); !s.ok()) return s;
  if (chain::Status s = ContractAddStorage(snap, id, limits.storage, &j); !s.ok()) return s;
  if (chain::Status s = ContractAddCalls(snap, id, *call_count, limits.calls, &j); !s.ok()) {
    return s;
  }
  return std::optional<Json>(std::move(j));
}

void RegisterContractRpcMethods(RpcTable& table, NodeContext& ctx) {
  table.Register(
      "callcontract", {"contract", "entry", "args", "coins", "assets", "gas_limit", "sender"},
      Bind(ctx, CallContract),
      "callcontract contract entry [args=[]] [coins=0] [assets=[]] [gas_limit=max_tx_gas] "
      "[sender]  Runs a call on the tip state in the next block's context, writing nothing: "
      "the call record it would get (outcome, gas used, effects, logs), or valid=false and "
      "the reason the tx would be refused.");
  table.Register(
      "getcontract", {"address", "storage_limit", "calls_limit", "assets_limit"},
      Bind(ctx, GetContract),
      "getcontract address [storage_limit=100] [calls_limit=10] [assets_limit=100]  A "
      "contract: code summary, balance, holdings, storage (<= 1000 entries) and recent calls "
      "(<= 100) with their records.");
}

}  // namespace waybill::node
