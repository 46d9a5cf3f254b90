#include "node/rpc/methods.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chain/amount.h"
#include "chain/arith_uint256.h"
#include "chain/bech32.h"
#include "chain/block.h"
#include "chain/block_index.h"
#include "chain/serialize.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "consensus/pow.h"
#include "node/rpc/json_convert.h"
#include "node/mining/miner.h"
#include "node/rpc/context.h"
#include "node/rpc/table.h"
#include "node/rpc/args.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using consensus::BlockIndexInfo;

// Bounds of caller-chosen sizes: enough for any sane use, small enough that one call cannot
// tie up the node for long or build an enormous reply.
constexpr uint64_t kMaxGenerateBlocks = 100'000;
constexpr uint64_t kDefaultMaxTries = 1'000'000;
constexpr uint32_t kDefaultHistoryLimit = 100;
constexpr uint32_t kMaxHistoryLimit = 1000;
// getmininginfo's networkhashps: the work and time of this many recent blocks (Bitcoin's
// default window).
constexpr uint32_t kHashRateWindow = 120;
// getblockchaininfo's initialblockdownload: the best header is more than this many blocks
// ahead of the tip.
constexpr uint32_t kInitialDownloadLag = 6;
chain::AccountId AccountArg(const NodeContext& ctx, const Args& a, size_t i) {
  const Json& v = a.Required(i);
  if (!v.is_string()) Throw(rpc_code::kInvalidAddress, "Invalid address: " + Echo(v));
  auto id =
      chain::bech32::ParseAccount(ctx.params->address_prefix, v.get_ref<const std::string&>());
  if (!id.ok()) {
    Throw(rpc_code::kInvalidAddress,
          "Invalid address: " + Echo(v) + " (" + id.status().reason() + ")");
  }
  return *id;
}

chain::Bytes HexArg(const Args& a, size_t i, const std::string& what) {
  const std::string& s = StringArg(a, i);
  auto bytes = chain::HexDecode(s);
  if (!bytes) Throw(rpc_code::kDeserializationError, what + " decode failed: not hex");
  return std::move(*bytes);
}

// --- chain lookups ---

BlockIndexInfo RequireBlock(const NodeContext& ctx, const Hash256& id) {
  auto info = ctx.chain->GetBlockIndex(id);
  if (!info) Throw(rpc_code::kInvalidAddress, "Block not found");
  return std::move(*info);
}

int64_t MedianTimeOf(const NodeContext& ctx, const BlockIndexInfo& block) {
  std::vector<int64_t> times{block.header.time};
  Hash256 prev = block.header.prev;
  while (times.size() < consensus::kMedianTimeSpan && !prev.IsZero()) {
    auto parent = ctx.chain->GetBlockIndex(prev);
    if (!parent) break;
    times.push_back(parent->header.time);
    prev = parent->header.prev;
  }
  std::reverse(times.begin(), times.end());
  return consensus::MedianTimePast(times);
}

int64_t Confirmations(uint32_t tip_height, uint32_t height, bool in_active_chain) {
  if (!in_active_chain || tip_height < height) return -1;
  return static_cast<int64_t>(tip_height) - height + 1;
}

BlockPosition PositionOf(const NodeContext& ctx, const BlockIndexInfo& info) {
  BlockPosition pos;
  pos.height = info.height;
  pos.confirmations = Confirmations(ctx.chain->Tip().height, info.height, info.in_active_chain);
  if (info.in_active_chain) pos.next = info.next;
  pos.median_time = MedianTimeOf(ctx, info);
  pos.chain_work = info.chain_work;
  return pos;
}

chain::Bytes ReadBlockBytes(const NodeContext& ctx, const Hash256& id) {
  auto bytes = ctx.chain->ReadBlock(id);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound()) Throw(rpc_code::kMiscError, "Block not available");
    ThrowLocal(bytes.status().ToString());
  }
  return std::move(*bytes);
}

chain::DecodedBlock DecodeStoredBlock(const chain::Bytes& bytes) {
  auto block = chain::DecodeBlock(bytes);
  if (!block.ok()) ThrowLocal("stored block does not decode: " + block.status().reason());
  return std::move(*block);
}

uint64_t StoredTxCount(const chain::Bytes& bytes) {
  if (bytes.size() < chain::kHeaderSize) ThrowLocal("stored block is truncated");
  chain::Reader r(chain::ByteSpan(bytes).subspan(chain::kHeaderSize));
  uint64_t n = 0;
  if (!r.CompactSize(&n, std::numeric_limits<uint64_t>::max())) {
    ThrowLocal("stored block is truncated");
  }
  return n;
}

std::string HeaderHex(const chain::BlockHeader& header) {
  const auto bytes = header.Serialize();
  return chain::HexEncode(bytes);
}

const std::string& Hrp(const NodeContext& ctx) { return ctx.params->address_prefix; }

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

// --- the methods ---

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
  return BlockToJson(block, PositionOf(ctx, info), ctx.params->pow_limit, Hrp(ctx), verbosity);
}

Json GetRawTransaction(NodeContext& ctx, const Args& a) {
  const Hash256 txid = HashArg(a, 0);
  const bool verbose = LevelArg(a, 1, 2, 0) != 0;
  if (auto txw = ctx.mempool->Get(txid)) {
    const chain::Bytes raw = txw->tx.Serialize();
    if (!verbose) return chain::HexEncode(raw);
    Json j = TxToJson(*txw, Hrp(ctx));
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
  Json j = TxToJson(tx, txid, raw.size(), Hrp(ctx));
  j["hex"] = chain::HexEncode(raw);
  j["blockhash"] = loc.block.ToHex();
  j["height"] = loc.height;
  j["index"] = loc.index;
  const auto active = ctx.chain->BlockHashAt(loc.height);
  j["confirmations"] =
      Confirmations(ctx.chain->Tip().height, loc.height, active && *active == loc.block);
  j["time"] = block.block.header.time;
  j["blocktime"] = block.block.header.time;
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
  return TxToJson(txw, Hrp(ctx));
}

Json SendRawTransaction(NodeContext& ctx, const Args& a) {
  const chain::Transaction tx = DecodeTxArg(a);
  const Hash256 txid = tx.Id();
  const consensus::ValidationResult r = ctx.mempool->Accept(tx);
  if (r.error()) ThrowLocal(r.ToString());
  if (r.invalid()) {
    // Already pending is success, as in Bitcoin Core: a resent tx is not an error.
    if (r.code() == consensus::Reason::kTxnAlreadyInMempool) return txid.ToHex();
    if (r.code() == consensus::Reason::kTxnAlreadyKnown) {
      Throw(rpc_code::kVerifyAlreadyInChain, "Transaction already in block chain");
    }
    Throw(rpc_code::kVerifyRejected, r.ToString());
  }
  // New to the mempool: tell the peers (a resent tx was announced the first time).
  if (ctx.on_local_tx) ctx.on_local_tx(txid);
  return txid.ToHex();
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

Json GetAccount(NodeContext& ctx, const Args& a) {
  const chain::AccountId id = AccountArg(ctx, a, 0);
  auto account = ctx.chain->GetAccount(id);
  if (!account.ok()) ThrowLocal(account.status().ToString());
  const std::vector<chain::TxWithId> pending = ctx.mempool->BySender(id);
  uint64_t pending_nonce = account->nonce;
  if (!pending.empty()) pending_nonce = std::max(pending_nonce, pending.back().tx.nonce + 1);
  Json j = AccountToJson(id, *account, Hrp(ctx));
  j["pending_nonce"] = pending_nonce;
  j["pending_txs"] = pending.size();
  return j;
}

chain::Asset RequireAsset(const NodeContext& ctx, const Hash256& id) {
  auto asset = ctx.chain->GetAsset(id);
  if (!asset.ok()) ThrowLocal(asset.status().ToString());
  if (!*asset) Throw(rpc_code::kInvalidAddress, "Asset not found");
  return std::move(**asset);
}

Json GetAssetMethod(NodeContext& ctx, const Args& a) {
  return AssetToJson(RequireAsset(ctx, HashArg(a, 0)), Hrp(ctx));
}

Json GetAssetHistory(NodeContext& ctx, const Args& a) {
  const Hash256 id = HashArg(a, 0);
  const auto from =
      static_cast<uint32_t>(UIntArg(a, 1, 0, std::numeric_limits<uint32_t>::max(), 0));
  const auto limit =
      static_cast<uint32_t>(UIntArg(a, 2, 1, kMaxHistoryLimit, kDefaultHistoryLimit));
  const chain::Asset asset = RequireAsset(ctx, id);
  auto events = ctx.chain->GetAssetEvents(id, from, limit);
  if (!events.ok()) ThrowLocal(events.status().ToString());
  Json list = Json::array();
  for (const chain::AssetEvent& e : *events) list.push_back(EventToJson(e, Hrp(ctx)));
  return {{"asset", id.ToHex()},
          {"event_count", asset.event_count},
          {"from", from},
          {"events", std::move(list)}};
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

struct MethodSpec {
  const char* name;
  std::vector<std::string> params;
  Json (*fn)(NodeContext&, const Args&);
  const char* help;
};

Json InvalidateBlockMethod(NodeContext& ctx, const Args& a) {
  return InvalidateOrReconsider(ctx, a, true);
}
Json ReconsiderBlockMethod(NodeContext& ctx, const Args& a) {
  return InvalidateOrReconsider(ctx, a, false);
}

const std::vector<MethodSpec>& Methods() {
  static const std::vector<MethodSpec> kMethods = {
      {"getblockchaininfo",
       {},
       GetBlockchainInfo,
       "getblockchaininfo  The network, tip, target, chain work and chain id."},
      {"getblockcount",
       {},
       [](NodeContext& ctx, const Args&) -> Json { return ctx.chain->Tip().height; },
       "getblockcount  Height of the active chain's tip."},
      {"getbestblockhash",
       {},
       [](NodeContext& ctx, const Args&) -> Json { return ctx.chain->Tip().id.ToHex(); },
       "getbestblockhash  Id of the active chain's tip."},
      {"getblockhash",
       {"height"},
       GetBlockHash,
       "getblockhash height  Id of the active chain's block at height."},
      {"getblockheader",
       {"blockhash", "verbose"},
       GetBlockHeader,
       "getblockheader blockhash [verbose=true]  A header as JSON, or its 116 bytes as hex."},
      {"getblock",
       {"blockhash", "verbosity"},
       GetBlock,
       "getblock blockhash [verbosity=1]  0: hex; 1: fields and txids; 2: with decoded txs."},
      {"getrawtransaction",
       {"txid", "verbose"},
       GetRawTransaction,
       "getrawtransaction txid [verbose=0]  A pending or confirmed tx; verbose 0..2 (or a "
       "bool): 0 hex, 1 or 2 decoded."},
      {"decoderawtransaction",
       {"hexstring"},
       DecodeRawTransaction,
       "decoderawtransaction hexstring  Decodes a serialized tx."},
      {"sendrawtransaction",
       {"hexstring"},
       SendRawTransaction,
       "sendrawtransaction hexstring  Adds a signed tx to the mempool; returns its txid."},
      {"getrawmempool",
       {"verbose"},
       GetRawMempool,
       "getrawmempool [verbose=false]  Pending txids, or an object of txid -> details."},
      {"getmempoolinfo",
       {},
       GetMempoolInfo,
       "getmempoolinfo  Size, bytes, fees and limits of the mempool."},
      {"getaccount",
       {"address"},
       GetAccount,
       "getaccount address  Balance, nonce and pending nonce of an account."},
      {"getasset",
       {"assetid"},
       GetAssetMethod,
       "getasset assetid  An asset: custodian, quantity, metadata, status, lineage."},
      {"getassethistory",
       {"assetid", "from", "limit"},
       GetAssetHistory,
       "getassethistory assetid [from=0] [limit=100]  An asset's events in order (limit "
       "<= 1000)."},
      {"getmininginfo",
       {},
       GetMiningInfo,
       "getmininginfo  Tip, target, network and local hash rates, mining state."},
      {"generatetoaddress",
       {"nblocks", "address", "maxtries"},
       GenerateToAddress,
       "generatetoaddress nblocks address [maxtries=1000000]  Mines blocks now; returns ids."},
      {"getblocktemplate",
       {"template_request"},
       GetBlockTemplate,
       "getblocktemplate address|{\"miner\":address}|{\"address\":address}  A block to mine, "
       "with its header hex."},
      {"submitblock",
       {"hexdata", "dummy"},
       SubmitBlock,
       "submitblock hexdata [dummy]  Submits a block; null if accepted, else a BIP22 reason "
       "string. dummy is accepted for compatibility and ignored."},
      {"invalidateblock",
       {"blockhash"},
       InvalidateBlockMethod,
       "invalidateblock blockhash  Marks a block and its descendants invalid."},
      {"reconsiderblock",
       {"blockhash"},
       ReconsiderBlockMethod,
       "reconsiderblock blockhash  Removes invalid marks set by invalidateblock."},
      {"verifychain",
       {"checklevel", "nblocks"},
       VerifyChain,
       "verifychain [checklevel=4] [nblocks=0]  Replays the whole active chain and compares "
       "the stored state. checklevel (0..4) and nblocks are accepted for compatibility and "
       "ignored: the whole chain is always checked."},
      {"getstateinfo",
       {},
       GetStateInfo,
       "getstateinfo  Counts and a digest of the whole state at the tip (accounts, assets, asset "
       "events, tx index, height index), read from a snapshot: nodes on the same tip agree on "
       "it. As Bitcoin Core's gettxoutsetinfo."},
      {"getchaintips",
       {},
       GetChainTips,
       "getchaintips  Every branch tip: height, hash, branch length, status."},
  };
  return kMethods;
}

}  // namespace

void RegisterChainRpcMethods(RpcTable& table, NodeContext& ctx) {
  for (const MethodSpec& m : Methods()) {
    auto fn = m.fn;
    RegisterArgsMethod(
        table, m.name, m.params, [&ctx, fn](const Args& a) { return fn(ctx, a); }, m.help);
  }
}

}  // namespace waybill::node
