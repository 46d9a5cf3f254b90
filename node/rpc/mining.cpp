// Mining methods: getmininginfo, generatetoaddress, getblocktemplate, submitblock.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "chain/amount.h"
#include "chain/arith_uint256.h"
#include "chain/bech32.h"
#include "chain/block.h"
#include "chain/block_index.h"
#include "consensus/chainstate.h"
#include "node/mining/miner.h"
#include "node/rpc/args.h"
#include "node/rpc/common.h"
#include "node/rpc/context.h"
#include "node/rpc/json_convert.h"
#include "node/rpc/methods.h"
#include "node/rpc/table.h"

namespace waybill::node {
namespace {

using chain::Hash256;

// Bounds of caller-chosen sizes: enough for any sane use, small enough that one call cannot
// tie up the node for long.
constexpr uint64_t kMaxGenerateBlocks = 100'000;
constexpr uint64_t kDefaultMaxTries = 1'000'000;
// getmininginfo's networkhashps: the work and time of this many recent blocks (Bitcoin's
// default window).
constexpr uint32_t kHashRateWindow = 120;

// Hashes per second over the last kHashRateWindow blocks: their work divided by the span of
// their times. 0 when the chain is too short or the times do not advance.
uint64_t NetworkHashPerSecond(const NodeContext& ctx) {
  const consensus::TipInfo tip = ctx.chain->Tip();
  const uint32_t window = std::min(kHashRateWindow, tip.height);
  if (window == 0) return 0;
  int64_t min_time = tip.header.time;
  int64_t max_time = tip.header.time;
  chain::ArithU256 start_work;
  Hash256 prev = tip.header.prev;
  for (uint32_t i = 0; i < window; ++i) {
    auto block = ctx.chain->GetBlockIndex(prev);
    if (!block) return 0;
    min_time = std::min<int64_t>(min_time, block->header.time);
    max_time = std::max<int64_t>(max_time, block->header.time);
    start_work = block->chain_work;
    prev = block->header.prev;
  }
  if (max_time <= min_time) return 0;
  const chain::ArithU256 rate =
      (tip.chain_work - start_work) / chain::ArithU256(static_cast<uint64_t>(max_time - min_time));
  if (rate.bits() > 63) return static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  return rate.low64();
}

Json GetMiningInfo(NodeContext& ctx, const Args&) {
  const consensus::TipInfo tip = ctx.chain->Tip();
  const consensus::NextBlockRules next = ctx.chain->NextRules();
  uint64_t hashes_per_sec = 0;
  bool mining = false;
  uint64_t found = 0;
  if (ctx.miner) {
    const double rate = ctx.miner->HashRate();
    if (std::isfinite(rate) && rate > 0) {
      hashes_per_sec = rate >= 9.2e18 ? static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                                      : static_cast<uint64_t>(std::llround(rate));
    }
    mining = ctx.miner->running();
    found = ctx.miner->BlocksFound();
  }
  return {{"chain", ctx.params->network},
          {"blocks", tip.height},
          {"bits", BitsToHex(tip.header.bits)},
          {"target", BitsToTargetHex(tip.header.bits)},
          {"difficulty", DifficultyString(tip.header.bits, ctx.params->pow_limit)},
          {"next_bits", BitsToHex(next.bits)},
          {"networkhashps", NetworkHashPerSecond(ctx)},
          {"hashespersec", hashes_per_sec},
          {"mining", mining},
          {"blocksfound", found},
          {"pooledtx", ctx.mempool->Info().size}};
}

Json GenerateToAddress(NodeContext& ctx, const Args& a) {
  const auto count = static_cast<uint32_t>(UIntArg(a, 0, 0, kMaxGenerateBlocks));
  const chain::AccountId miner = AccountArg(ctx, a, 1);
  const uint64_t max_tries =
      UIntArg(a, 2, 1, std::numeric_limits<uint64_t>::max(), kDefaultMaxTries);
  auto ids = GenerateBlocks(ctx.mining_chain, ctx.tx_source, *ctx.clock, miner, count, max_tries);
  if (!ids.ok()) {
    if (ids.status().IsLocalError()) ThrowLocal(ids.status().reason());
    Throw(rpc_code::kMiscError, "generatetoaddress: " + ids.status().reason());
  }
  Json out = Json::array();
  for (const Hash256& id : *ids) out.push_back(id.ToHex());
  return out;
}

// A template's time bound as a header can carry it: a header's time is a u32, so a maxtime
// past 2^32 - 1 (a clock near its end plus the allowed drift) means 2^32 - 1.
int64_t ClampU32Time(int64_t t) {
  return std::clamp<int64_t>(t, 0, std::numeric_limits<uint32_t>::max());
}

// The miner account of getblocktemplate: an address, or Bitcoin Core's template_request
// object with a "miner" (or "address") member.
chain::AccountId TemplateMiner(const NodeContext& ctx, const Args& a) {
  const Json* v = a[0];
  if (v && v->is_object()) {
    const Json& request = *v;
    for (const auto& [key, value] : request.items()) {
      if (key != "miner" && key != "address" && key != "mode" && key != "rules" &&
          key != "capabilities") {
        Throw(rpc_code::kInvalidParameter, "template_request: unknown member " + key);
      }
    }
    if (auto mode = request.find("mode"); mode != request.end() && *mode != "template") {
      Throw(rpc_code::kInvalidParameter, "template_request: only mode \"template\" is supported");
    }
    Json miner = request.contains("miner") ? request.at("miner") : Json();
    if (miner.is_null() && request.contains("address")) miner = request.at("address");
    if (!miner.is_null()) {
      const Json wrapped = Json::array({std::move(miner)});
      return AccountArg(ctx, Args(wrapped, {"miner"}), 0);
    }
    v = nullptr;
  }
  if (!v) {
    Throw(rpc_code::kInvalidParameter,
          "getblocktemplate needs a miner address: getblocktemplate ADDRESS");
  }
  return AccountArg(ctx, a, 0);
}

Json GetBlockTemplate(NodeContext& ctx, const Args& a) {
  const chain::AccountId miner = TemplateMiner(ctx, a);
  const BlockTemplate t = BuildTemplate(*ctx.mining_chain, *ctx.tx_source, miner, ctx.clock->Now());
  const chain::BlockHeader& h = t.block.header;
  Json txs = Json::array();
  for (size_t i = 0; i < t.block.txs.size(); ++i) {
    const chain::Bytes raw = t.block.txs[i].Serialize();
    txs.push_back({{"data", chain::HexEncode(raw)},
                   {"txid", t.txids.at(i).ToHex()},
                   {"fee", t.block.txs[i].fee},
                   {"size", raw.size()}});
  }
  chain::BlockHeader header = h;
  header.nonce = 0;
  const chain::Amount value = chain::CheckedAdd(t.reward, t.fees).value_or(t.reward);
  return {{"version", h.version},
          {"previousblockhash", h.prev.ToHex()},
          {"height", t.height},
          {"bits", BitsToHex(h.bits)},
          {"target", BitsToTargetHex(h.bits)},
          {"curtime", h.time},
          {"mintime", ClampU32Time(t.min_time)},
          {"maxtime", ClampU32Time(t.max_time)},
          {"merkleroot", h.merkle_root.ToHex()},
          {"miner", chain::bech32::EncodeAddress(Hrp(ctx), miner)},
          {"miner_account", miner.ToHex()},
          {"reward", t.reward},
          {"fees", t.fees},
          {"coinbasevalue", value},
          {"transactions", std::move(txs)},
          {"sizelimit", ctx.params->max_block_size},
          {"txlimit", ctx.params->max_block_txs},
          {"noncerange", "0000000000000000ffffffffffffffff"},
          {"header", HeaderHex(header)}};
}

Json SubmitBlock(NodeContext& ctx, const Args& a) {
  const chain::Bytes bytes = HexArg(a, 0, "Block");
  auto block = chain::DecodeBlock(bytes, ctx.params->max_block_size);
  if (!block.ok()) {
    Throw(rpc_code::kDeserializationError, "Block decode failed: " + block.status().reason());
  }
  if (auto known = ctx.chain->GetBlockIndex(block->block.header.Id())) {
    if (known->status & (chain::kBlockFailed | chain::kBlockFailedParent)) {
      return std::string(ReasonString(consensus::Reason::kDuplicateInvalid));
    }
    if (known->status & chain::kBlockHaveData) return "duplicate";
  }
  consensus::BlockOutcome outcome = consensus::BlockOutcome::kDuplicate;
  const consensus::ValidationResult r = ctx.chain->ProcessBlock(*block, &outcome);
  if (r.error()) ThrowLocal(r.ToString());
  if (r.invalid()) return r.reason();
  switch (outcome) {
    case consensus::BlockOutcome::kNewTip:
      return nullptr;
    case consensus::BlockOutcome::kStored:
      return "inconclusive";
    case consensus::BlockOutcome::kDuplicate:
      return "duplicate";
  }
  return nullptr;
}

}  // namespace

void RegisterMiningRpcMethods(RpcTable& table, NodeContext& ctx) {
  table.Register("getmininginfo", {}, Bind(ctx, GetMiningInfo),
                 "getmininginfo  Tip, target, network and local hash rates, mining state.");
  table.Register(
      "generatetoaddress", {"nblocks", "address", "maxtries"}, Bind(ctx, GenerateToAddress),
      "generatetoaddress nblocks address [maxtries=1000000]  Mines blocks now; returns ids.");
  table.Register("getblocktemplate", {"template_request"}, Bind(ctx, GetBlockTemplate),
                 "getblocktemplate address|{\"miner\":address}|{\"address\":address}  A block "
                 "to mine, with its header hex.");
  table.Register("submitblock", {"hexdata", "dummy"}, Bind(ctx, SubmitBlock),
                 "submitblock hexdata [dummy]  Submits a block; null if accepted, else a BIP22 "
                 "reason string. dummy is accepted for compatibility and ignored.");
}

}  // namespace waybill::node
