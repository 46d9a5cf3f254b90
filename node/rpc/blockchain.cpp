// Blockchain methods: the tip, blocks and headers, chain tips, verifychain, getstateinfo,
// invalidateblock and reconsiderblock.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "chain/block.h"
#include "chain/block_index.h"
#include "chain/serialize.h"
#include "consensus/chainstate.h"
#include "node/rpc/args.h"
#include "node/rpc/common.h"
#include "node/rpc/context.h"
#include "node/rpc/json_convert.h"
#include "node/rpc/methods.h"
#include "node/rpc/table.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using consensus::BlockIndexInfo;

// getblockchaininfo's initialblockdownload: the best header is more than this many blocks
// ahead of the tip.
constexpr uint32_t kInitialDownloadLag = 6;

uint64_t StoredTxCount(const chain::Bytes& bytes) {
  if (bytes.size() < chain::kHeaderSize) ThrowLocal("stored block is truncated");
  chain::Reader r(chain::ByteSpan(bytes).subspan(chain::kHeaderSize));
  uint64_t n = 0;
  if (!r.CompactSize(&n, std::numeric_limits<uint64_t>::max())) {
    ThrowLocal("stored block is truncated");
  }
  return n;
}

// The network's units table {unit: scale} (genesis `units`): clients read it to write and read
// decimal amounts (waybill tx --quantity 0.25).
Json UnitsToJson(const consensus::ChainParams& p) {
  Json units = Json::object();
  for (const auto& [unit, scale] : p.units) units[unit] = scale;
  return units;
}

Json YieldBoundsToJson(const consensus::ChainParams& p) {
  Json bounds = Json::array();
  for (const auto& [pair, range] : p.yield_bounds) {
    bounds.push_back({{"from", pair.first},
                      {"to", pair.second},
                      {"min_ppm", range.min_ppm},
                      {"max_ppm", range.max_ppm}});
  }
  return bounds;
}

Json GetBlockchainInfo(NodeContext& ctx, const Args&) {
  const consensus::TipInfo tip = ctx.chain->Tip();
  const consensus::ChainParams& p = *ctx.params;
  // While syncing the best header runs ahead of the tip: progress is the share of the known
  // chain that is connected.
  const uint32_t headers = std::max(tip.height, ctx.chain->BestHeader().height);
  const double progress = headers == 0 ? 1.0 : std::round(10000.0 * tip.height / headers) / 10000.0;
  return {{"chain", p.network},
          {"blocks", tip.height},
          {"headers", headers},
          {"bestblockhash", tip.id.ToHex()},
          {"bits", BitsToHex(tip.header.bits)},
          {"target", BitsToTargetHex(tip.header.bits)},
          {"difficulty", DifficultyString(tip.header.bits, p.pow_limit)},
          {"time", tip.header.time},
          {"mediantime", tip.median_time_past},
          {"chainwork", tip.chain_work.ToHex()},
          {"verificationprogress", progress},
          {"initialblockdownload", headers > tip.height + kInitialDownloadLag},
          {"chain_id", p.chain_id().ToHex()},
          {"genesis_hash", p.genesis_id.ToHex()},
          {"address_prefix", p.address_prefix},
          {"units", UnitsToJson(p)},
          {"yield_bounds", YieldBoundsToJson(p)},
          {"gas_price", p.gas_price},
          {"max_tx_gas", p.max_tx_gas},
          {"max_block_gas", p.max_block_gas},
          {"warnings", ""}};
}

Json GetBlockHash(NodeContext& ctx, const Args& a) {
  const uint64_t height = UIntArg(a, 0, 0, std::numeric_limits<uint64_t>::max());
  const uint32_t tip = ctx.chain->Tip().height;
  std::optional<Hash256> id;
  if (height <= tip) id = ctx.chain->BlockHashAt(static_cast<uint32_t>(height));
  if (!id) Throw(rpc_code::kInvalidParameter, "Block height out of range");
  return id->ToHex();
}

Json GetBlockHeader(NodeContext& ctx, const Args& a) {
  const Hash256 id = HashArg(a, 0);
  const bool verbose = BoolArg(a, 1, true);
  const BlockIndexInfo info = RequireBlock(ctx, id);
  if (!verbose) return HeaderHex(info.header);
  Json j = HeaderToJson(info.header, id, PositionOf(ctx, info), ctx.params->pow_limit, Hrp(ctx));
  // A header whose block the node does not have (yet) has no tx count.
  if (auto bytes = ctx.chain->ReadBlock(id); bytes.ok()) j["ntx"] = StoredTxCount(*bytes);
  return j;
}

Json GetBlock(NodeContext& ctx, const Args& a) {
  const Hash256 id = HashArg(a, 0);
  const int verbosity = LevelArg(a, 1, 2, 1);
  const BlockIndexInfo info = RequireBlock(ctx, id);
  const chain::Bytes bytes = ReadBlockBytes(ctx, id);
  if (verbosity == 0) return chain::HexEncode(bytes);
  const chain::DecodedBlock block = DecodeStoredBlock(bytes);
  return BlockToJson(block, PositionOf(ctx, info), ctx.params->pow_limit, Hrp(ctx),
                     ctx.params->units, verbosity);
}

Json InvalidateOrReconsider(NodeContext& ctx, const Args& a, bool invalidate) {
  const Hash256 id = HashArg(a, 0);
  RequireBlock(ctx, id);
  const consensus::ValidationResult r =
      invalidate ? ctx.chain->InvalidateBlock(id) : ctx.chain->ReconsiderBlock(id);
  if (r.error()) ThrowLocal(r.ToString());
  if (r.invalid()) Throw(rpc_code::kMiscError, r.ToString());
  return nullptr;
}

Json VerifyChain(NodeContext& ctx, const Args& a) {
  // Bitcoin Core's checklevel and nblocks are read for compatibility; the check is always
  // the full replay from genesis.
  UIntArg(a, 0, 0, 4, 4);
  UIntArg(a, 1, 0, std::numeric_limits<uint32_t>::max(), 0);
  auto report = ctx.chain->VerifyChain();
  if (!report.ok()) ThrowLocal(report.status().ToString());
  return {{"ok", report->problems.empty()},
          {"blocks", report->blocks_checked},
          {"state_keys", report->state_keys_compared},
          {"problems", report->problems}};
}

Json GetStateInfo(NodeContext& ctx, const Args&) {
  auto digest = ctx.chain->DigestState();
  if (!digest.ok()) ThrowLocal(digest.status().ToString());
  return {{"height", digest->height},
          {"bestblock", digest->tip.ToHex()},
          {"accounts", digest->accounts},
          {"assets", digest->assets},
          {"asset_events", digest->events},
          {"txs", digest->txs},
          {"hash", digest->hash.ToHex()}};
}

std::string TipStatus(const BlockIndexInfo& info) {
  if (info.in_active_chain) return "active";
  if (info.status & (chain::kBlockFailed | chain::kBlockFailedParent)) return "invalid";
  if (!(info.status & chain::kBlockHaveData)) return "headers-only";
  if (info.status & chain::kBlockValid) return "valid-fork";
  return "valid-headers";
}

Json GetChainTips(NodeContext& ctx, const Args&) {
  Json out = Json::array();
  for (const BlockIndexInfo& info : ctx.chain->ChainTips()) {
    out.push_back({{"height", info.height},
                   {"hash", info.id.ToHex()},
                   {"branchlen", info.in_active_chain ? 0 : info.branch_length},
                   {"status", TipStatus(info)}});
  }
  return out;
}

Json InvalidateBlockMethod(NodeContext& ctx, const Args& a) {
  return InvalidateOrReconsider(ctx, a, true);
}
Json ReconsiderBlockMethod(NodeContext& ctx, const Args& a) {
  return InvalidateOrReconsider(ctx, a, false);
}

Json GetBlockCount(NodeContext& ctx, const Args&) { return ctx.chain->Tip().height; }

Json GetBestBlockHash(NodeContext& ctx, const Args&) { return ctx.chain->Tip().id.ToHex(); }

}  // namespace

void RegisterBlockchainRpcMethods(RpcTable& table, NodeContext& ctx) {
  table.Register("getblockchaininfo", {}, Bind(ctx, GetBlockchainInfo),
                 "getblockchaininfo  The network, tip, target, chain work, chain id and gas "
                 "price and limits.");
  table.Register("getblockcount", {}, Bind(ctx, GetBlockCount),
                 "getblockcount  Height of the active chain's tip.");
  table.Register("getbestblockhash", {}, Bind(ctx, GetBestBlockHash),
                 "getbestblockhash  Id of the active chain's tip.");
  table.Register("getblockhash", {"height"}, Bind(ctx, GetBlockHash),
                 "getblockhash height  Id of the active chain's block at height.");
  table.Register(
      "getblockheader", {"blockhash", "verbose"}, Bind(ctx, GetBlockHeader),
      "getblockheader blockhash [verbose=true]  A header as JSON, or its 116 bytes as hex.");
  table.Register(
      "getblock", {"blockhash", "verbosity"}, Bind(ctx, GetBlock),
      "getblock blockhash [verbosity=1]  0: hex; 1: fields and txids; 2: with decoded txs.");
  table.Register("invalidateblock", {"blockhash"}, Bind(ctx, InvalidateBlockMethod),
                 "invalidateblock blockhash  Marks a block and its descendants invalid.");
  table.Register("reconsiderblock", {"blockhash"}, Bind(ctx, ReconsiderBlockMethod),
                 "reconsiderblock blockhash  Removes invalid marks set by invalidateblock.");
  table.Register("verifychain", {"checklevel", "nblocks"}, Bind(ctx, VerifyChain),
                 "verifychain [checklevel=4] [nblocks=0]  Replays the whole active chain and "
                 "compares the stored state. checklevel (0..4) and nblocks are accepted for "
                 "compatibility and ignored: the whole chain is always checked.");
  table.Register("getstateinfo", {}, Bind(ctx, GetStateInfo),
                 "getstateinfo  Counts and a digest of the whole state at the tip (accounts, "
                 "assets, asset events, tx index, height index), read from a snapshot: nodes on "
                 "the same tip agree on it. As Bitcoin Core's gettxoutsetinfo.");
  table.Register("getchaintips", {}, Bind(ctx, GetChainTips),
                 "getchaintips  Every branch tip: height, hash, branch length, status.");
}

}  // namespace waybill::node
