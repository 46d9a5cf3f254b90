#include "node/rpc/json_convert.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <system_error>
#include <nlohmann/json.hpp>
#include <utility>
#include <variant>
#include <vector>

#include "chain/bech32.h"
#include "consensus/tx_check.h"
#include "contracts/interpreter.h"
#include "node/rpc/json_writer.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using chain::Result;
using chain::Status;

std::string Address(std::string_view hrp, const chain::AccountId& id) {
  return chain::bech32::EncodeAddress(hrp, id);
}

// A hash, or null when it is all zeros (no previous event, no document).
template <typename Sink>
void WriteHashOrNull(Sink& out, const Hash256& h) {
  if (h.IsZero()) {
    out.Null();
  } else {
    out.Hex(h.span());
  }
}

Json HashOrNull(const Hash256& h) {
  if (h.IsZero()) return nullptr;
  return h.ToHex();
}

template <typename Sink>
void WriteHashArray(Sink& out, const std::vector<Hash256>& hashes) {
  out.BeginArray();
  for (const Hash256& h : hashes) out.Hex(h.span());
  out.EndArray();
}

Json HashArray(const std::vector<Hash256>& hashes) {
  JsonTreeBuilder b;
  WriteHashArray(b, hashes);
  return b.Take();
}

// An entry's members but its key: {value} when published, {commitment} when committed.
template <typename Sink>
void WriteEntryBody(Sink& out, const chain::MetadataEntry& e) {
  if (e.kind == chain::MetaKind::kCommitted) {
    out.Key("commitment").Hex(e.commitment.span());
  } else {
    out.Key("value").String(e.value);
  }
}

Json MetadataToJson(const std::vector<chain::MetadataEntry>& metadata) {
  JsonTreeBuilder b;
  WriteMetadata(b, metadata);
  return b.Take();
}

// A correction's changes: {key, old (null when the key was added), new}, old and new as an
// entry without the key.
template <typename Sink>
void WriteChanges(Sink& out, const std::vector<chain::MetadataChange>& changes) {
  out.BeginArray();
  for (const auto& c : changes) {
    out.BeginObject().Key("key").String(c.key).Key("old");
    if (c.before) {
      out.BeginObject();
      WriteEntryBody(out, *c.before);
      out.EndObject();
    } else {
      out.Null();
    }
    out.Key("new").BeginObject();
    WriteEntryBody(out, c.after);
    out.EndObject().EndObject();
  }
  out.EndArray();
}

Json ContractArgsToJson(const std::vector<chain::ContractArg>& args) {
  Json out = Json::array();
  for (const chain::ContractArg& arg : args) out.push_back(ContractArgToJson(arg));
  return out;
}

// --- Operations to JSON ---

struct OpWriter {
  const chain::Transaction& tx;
  std::string_view hrp;
  const chain::UnitScales& units;

  std::string Amount(chain::Quantity q, std::string_view unit) const {
    return chain::FormatScaled(q, chain::ScaleOf(units, unit));
  }

  Json operator()(const chain::TransferOp& op) const {
    return {{"to", Address(hrp, op.to)}, {"to_account", op.to.ToHex()}, {"amount", op.amount}};
  }
  Json operator()(const chain::AssetIssueOp& op) const {
    return {{"quantity", op.quantity},
            {"amount", Amount(op.quantity, op.unit)},
            {"unit", op.unit},
            {"metadata", MetadataToJson(op.metadata)},
            {"documents", HashArray(op.documents)},
            {"asset", chain::NewAssetIds(tx).front().ToHex()}};
  }
  Json operator()(const chain::AssetTransferOp& op) const {
    return {
        {"asset", op.asset.ToHex()}, {"to", Address(hrp, op.to)}, {"to_account", op.to.ToHex()}};
  }
  Json operator()(const chain::AssetSplitOp& op) const {
    const std::vector<Hash256> ids = chain::NewAssetIds(tx);
    Json children = Json::array();
    for (size_t i = 0; i < op.children.size(); ++i) {
      children.push_back({{"asset", ids[i].ToHex()},
                          {"quantity", op.children[i].quantity},
                          {"metadata", MetadataToJson(op.children[i].metadata)}});
    }
    return {{"asset", op.asset.ToHex()}, {"children", std::move(children)}};
  }
  Json operator()(const chain::AssetMergeOp& op) const {
    return {{"inputs", HashArray(op.inputs)},
            {"quantity", op.quantity},
            {"amount", Amount(op.quantity, op.unit)},
            {"unit", op.unit},
            {"metadata", MetadataToJson(op.metadata)},
            {"documents", HashArray(op.documents)},
            {"asset", chain::NewAssetIds(tx).front().ToHex()}};
  }
  Json operator()(const chain::AssetAttestOp& op) const {
    return {{"asset", op.asset.ToHex()},
            {"claim", op.claim},
            {"value", op.value},
            {"document", HashOrNull(op.document)}};
  }
  Json operator()(const chain::AssetTransformOp& op) const {
    const std::vector<Hash256> ids = chain::NewAssetIds(tx);
    Json outputs = Json::array();
    for (size_t i = 0; i < op.outputs.size(); ++i) {
      const chain::TransformOutput& o = op.outputs[i];
      outputs.push_back({{"quantity", o.quantity},
                         {"amount", Amount(o.quantity, o.unit)},
                         {"unit", o.unit},
                         {"metadata", MetadataToJson(o.metadata)},
                         {"documents", HashArray(o.documents)},
                         {"asset", ids[i].ToHex()}});
    }
    return {{"inputs", HashArray(op.inputs)}, {"outputs", std::move(outputs)}};
  }
  Json operator()(const chain::PartyProfileOp& op) const {
    return {{"name", op.name},
            {"role", op.role},
            {"identifiers", MetadataToJson(op.identifiers)},
            {"url", op.url},
            {"document", HashOrNull(op.document)}};
  }
  Json operator()(const chain::PartyEndorseOp& op) const {
    return {{"account", Address(hrp, op.account)},
            {"role", op.role},
            {"action", op.action == chain::EndorseAction::kEndorse ? "endorse" : "revoke"}};
  }
  Json operator()(const chain::AssetCorrectOp& op) const {
    return {{"asset", op.asset.ToHex()},
            {"corrects", op.corrects.ToHex()},
            {"set", MetadataToJson(op.set)},
            {"reason", op.reason}};
  }
  Json operator()(const chain::ContractDeployOp& op) const {
    const chain::AccountId id = chain::ContractIdFor(tx.chain_id, tx.sender, tx.nonce);
    return {{"code", chain::HexEncode(op.code)},
            {"args", ContractArgsToJson(op.args)},
            {"gas_limit", op.gas_limit},
            {"contract", Address(hrp, id)},
            {"contract_account", id.ToHex()}};
  }
  Json operator()(const chain::ContractCallOp& op) const {
    return {{"contract", Address(hrp, op.contract)},
            {"contract_account", op.contract.ToHex()},
            {"entry", op.entry},
            {"args", ContractArgsToJson(op.args)},
            {"coins", op.coins},
            {"assets", HashArray(op.assets)},
            {"gas_limit", op.gas_limit}};
  }
};

// --- Contract operations from JSON ---

Status BadMember(std::string_view name, std::string_view what) {
  return Status::Invalid(std::string(name) + " " + std::string(what));
}

// Every member of op is one of `known`: a misspelt "gas_limt" would otherwise read as 0.
Status CheckMembers(const Json& op, std::initializer_list<std::string_view> known) {
  if (!op.is_object()) return Status::Invalid("the operation must be a JSON object");
  for (const auto& [key, value] : op.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Status::Invalid("unknown member " + key);
    }
  }
  return Status::Ok();
}

// A JSON integer >= 0 (nlohmann keeps a small one built from an int as signed).
std::optional<uint64_t> NonNegativeInteger(const Json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

// A u64 member; absent (or null) reads as 0 unless required.
Result<uint64_t> U64Member(const Json& op, const char* name, bool required) {
  auto it = op.find(name);
  if (it == op.end() || it->is_null()) {
    if (required) return BadMember(name, "is required");
    return uint64_t{0};
  }
  std::optional<uint64_t> v = NonNegativeInteger(*it);
  if (!v) return BadMember(name, "must be a non-negative integer");
  return *v;
}

Result<chain::ContractArg> ContractArgFromJson(const Json& v) {
  if (std::optional<uint64_t> n = NonNegativeInteger(v)) return chain::ContractArg(*n);
  if (v.is_number_integer()) {
    return Status::Invalid("is negative (" + v.dump() + "): an integer argument is a u64");
  }
  if (v.is_string()) {
    const std::string& text = v.get_ref<const std::string&>();
    uint64_t n = 0;
    const char* end = text.data() + text.size();
    const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    const std::from_chars_result parsed = std::from_chars(text.data(), end, n);
    if (digits && parsed.ec == std::errc() && parsed.ptr == end) return chain::ContractArg(n);
    return Status::Invalid("a string argument must be the decimal digits of a u64");
  }
  if (v.is_object() && v.size() == 1 && v.contains("hex") && v["hex"].is_string()) {
    std::optional<chain::Bytes> bytes = chain::HexDecode(v["hex"].get_ref<const std::string&>());
    if (!bytes) return Status::Invalid("hex must be an even number of hex digits");
    if (bytes->size() > chain::kMaxContractArgBytes) {
      return Status::Invalid("bytes argument of " + std::to_string(bytes->size()) +
                             " bytes, at most " + std::to_string(chain::kMaxContractArgBytes));
    }
    return chain::ContractArg(std::move(*bytes));
  }
  return Status::Invalid("must be a non-negative integer, a string of decimal digits or "
                         "{\"hex\": \"...\"}");
}

Result<std::vector<chain::ContractArg>> ArgsMember(const Json& op) {
  auto it = op.find("args");
  if (it == op.end()) return std::vector<chain::ContractArg>();
  return ContractArgsFromJson(*it);
}

}  // namespace

JsonTreeBuilder::JsonTreeBuilder() = default;
JsonTreeBuilder::JsonTreeBuilder(Json* object) {
  assert(object != nullptr && object->is_object());
  open_.push_back(object);
}
JsonTreeBuilder::~JsonTreeBuilder() = default;

Json* JsonTreeBuilder::Slot() {
  if (open_.empty()) {
    assert(!root_ && "one value per builder");
    root_ = std::make_unique<Json>();
    return root_.get();
  }
  Json* top = open_.back();
  if (top->is_object()) {
    assert(key_pending_ && "a value inside an object needs a Key first");
    key_pending_ = false;
    return &(*top)[key_];
  }
  top->push_back(nullptr);
  return &top->back();
}

JsonTreeBuilder& JsonTreeBuilder::BeginObject() {
  Json* slot = Slot();
  *slot = Json::object();
  open_.push_back(slot);
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::EndObject() {
  assert(!open_.empty() && open_.back()->is_object() && !key_pending_);
  open_.pop_back();
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::BeginArray() {
  Json* slot = Slot();
  *slot = Json::array();
  open_.push_back(slot);
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::EndArray() {
  assert(!open_.empty() && open_.back()->is_array());
  open_.pop_back();
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::Key(std::string_view key) {
  assert(!open_.empty() && open_.back()->is_object() && !key_pending_);
  key_.assign(key);
  key_pending_ = true;
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::String(std::string_view value) {
  *Slot() = std::string(value);
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::Uint(uint64_t value) {
  *Slot() = value;
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::Int(int64_t value) {
  *Slot() = value;
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::Bool(bool value) {
  *Slot() = value;
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::Null() {
  *Slot() = nullptr;
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::Hex(std::span<const uint8_t> bytes) {
  *Slot() = chain::HexEncode(bytes);
  return *this;
}

JsonTreeBuilder& JsonTreeBuilder::Value(Json value) {
  *Slot() = std::move(value);
  return *this;
}

Json JsonTreeBuilder::Take() {
  assert(open_.empty() && root_);
  Json out = std::move(*root_);
  root_.reset();
  return out;
}

const std::string& AddressCache::Of(const chain::AccountId& id) {
  auto it = known_.find(id);
  if (it != known_.end()) return it->second;
  std::string address = chain::bech32::EncodeAddress(hrp_, id);
  if (known_.size() >= kMaxEntries) {
    scratch_ = std::move(address);
    return scratch_;
  }
  return known_.emplace(id, std::move(address)).first->second;
}

std::string BitsToHex(uint32_t bits) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", bits);
  return buf;
}

std::string BitsToTargetHex(uint32_t bits) {
  auto target = chain::TargetFromBits(bits);
  return target ? target->ToHex() : std::string();
}

std::string ToDecimal(const chain::ArithU256& v) {
  if (v.IsZero()) return "0";
  std::string digits;
  chain::ArithU256 rest = v;
  const chain::ArithU256 ten(10);
  while (!rest.IsZero()) {
    chain::ArithU256 q = rest / ten;
    digits.push_back(static_cast<char>('0' + (rest - q * ten).low64()));
    rest = q;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::string DifficultyString(uint32_t bits, const chain::ArithU256& pow_limit) {
  auto target = chain::TargetFromBits(bits);
  if (!target) return "0";
  chain::ArithU256 num = pow_limit;
  chain::ArithU256 den = *target;
  // Keep the remainder times 10^8 inside 256 bits; the bits dropped do not reach the 8th
  // fraction digit that matters here.
  if (den.bits() > 200) {
    const unsigned shift = static_cast<unsigned>(den.bits() - 200);
    num >>= shift;
    den >>= shift;
  }
  constexpr uint64_t kScale = 100'000'000;
  const chain::ArithU256 whole = num / den;
  const chain::ArithU256 frac = (num - whole * den) * kScale / den;
  std::string out = ToDecimal(whole);
  std::string f = std::to_string(frac.low64());
  f.insert(0, 8 - std::min<size_t>(8, f.size()), '0');
  while (!f.empty() && f.back() == '0') f.pop_back();
  if (!f.empty()) out += "." + f;
  return out;
}

Json HeaderToJson(const chain::BlockHeader& header, const Hash256& id, const BlockPosition& pos,
                  const chain::ArithU256& pow_limit, std::string_view hrp) {
  char version_hex[9];
  std::snprintf(version_hex, sizeof(version_hex), "%08x", header.version);
  Json j = {{"hash", id.ToHex()},
            {"confirmations", pos.confirmations},
            {"height", pos.height},
            {"version", header.version},
            {"versionHex", version_hex},
            {"merkleroot", header.merkle_root.ToHex()},
            {"miner", Address(hrp, header.miner)},
            {"miner_account", header.miner.ToHex()},
            {"time", header.time},
            {"mediantime", pos.median_time},
            {"nonce", header.nonce},
            {"bits", BitsToHex(header.bits)},
            {"target", BitsToTargetHex(header.bits)},
            {"difficulty", DifficultyString(header.bits, pow_limit)},
            {"chainwork", pos.chain_work.ToHex()}};
  if (!header.prev.IsZero()) j["previousblockhash"] = header.prev.ToHex();
  if (pos.next) j["nextblockhash"] = pos.next->ToHex();
  return j;
}

Json BlockToJson(const chain::DecodedBlock& block, const BlockPosition& pos,
                 const chain::ArithU256& pow_limit, std::string_view hrp,
                 const chain::UnitScales& units, int verbosity) {
  const chain::BlockHeader& header = block.block.header;
  Json j = HeaderToJson(header, header.Id(), pos, pow_limit, hrp);
  j["size"] = block.size;
  j["ntx"] = block.block.txs.size();
  Json txs = Json::array();
  for (size_t i = 0; i < block.block.txs.size(); ++i) {
    const Hash256& txid = i < block.txids.size() ? block.txids[i] : block.block.txs[i].Id();
    if (verbosity >= 2) {
      txs.push_back(
          TxToJson(block.block.txs[i], txid, block.block.txs[i].Serialize().size(), hrp, units));
    } else {
      txs.push_back(txid.ToHex());
    }
  }
  j["tx"] = std::move(txs);
  return j;
}

Json TxToJson(const chain::Transaction& tx, const Hash256& txid, size_t size,
              std::string_view hrp, const chain::UnitScales& units) {
  const char* type = chain::OpTypeName(chain::TypeOf(tx.op));
  Json op = std::visit(OpWriter{tx, hrp, units}, tx.op);
  op["type"] = type;
  return {{"txid", txid.ToHex()},
          {"version", tx.version},
          {"chain_id", tx.chain_id.ToHex()},
          {"sender", Address(hrp, tx.sender)},
          {"sender_account", tx.sender.ToHex()},
          {"nonce", tx.nonce},
          {"fee", tx.fee},
          {"size", size},
          {"type", type},
          {"op", std::move(op)},
          {"signature", chain::HexEncode(tx.signature)}};
}

Json TxToJson(const chain::TxWithId& txw, std::string_view hrp, const chain::UnitScales& units) {
  return TxToJson(txw.tx, txw.id, txw.size, hrp, units);
}

Json ContractArgToJson(const chain::ContractArg& arg) {
  if (const auto* n = std::get_if<uint64_t>(&arg)) return *n;
  return {{"hex", chain::HexEncode(std::get<chain::Bytes>(arg))}};
}

Result<std::vector<chain::ContractArg>> ContractArgsFromJson(const Json& args) {
  std::vector<chain::ContractArg> out;
  if (args.is_null()) return out;
  if (!args.is_array()) return Status::Invalid("args must be an array");
  if (args.size() > chain::kMaxContractArgs) {
    return Status::Invalid("args: " + std::to_string(args.size()) + " arguments, at most " +
                           std::to_string(chain::kMaxContractArgs));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    Result<chain::ContractArg> arg = ContractArgFromJson(args[i]);
    if (!arg.ok()) return Status::Invalid("args[" + std::to_string(i) + "] " + arg.status().reason());
    out.push_back(std::move(*arg));
  }
  return out;
}

Result<chain::ContractDeployOp> ContractDeployFromJson(const Json& op) {
  if (Status s = CheckMembers(op, {"type", "code", "args", "gas_limit", "contract",
                                   "contract_account"});
      !s.ok()) {
    return s;
  }
  chain::ContractDeployOp out;
  auto code = op.find("code");
  if (code == op.end() || !code->is_string()) return BadMember("code", "must be a hex string");
  std::optional<chain::Bytes> bytes = chain::HexDecode(code->get_ref<const std::string&>());
  if (!bytes) return BadMember("code", "must be an even number of hex digits");
  if (bytes->size() > chain::kMaxContractCodeSize) {
    return BadMember("code", "is longer than " + std::to_string(chain::kMaxContractCodeSize) +
                                 " bytes");
  }
  out.code = std::move(*bytes);
  Result<std::vector<chain::ContractArg>> args = ArgsMember(op);
  if (!args.ok()) return args.status();
  out.args = std::move(*args);
  Result<uint64_t> gas = U64Member(op, "gas_limit", false);
  if (!gas.ok()) return gas.status();
  out.gas_limit = *gas;
  return out;
}

Result<chain::ContractCallOp> ContractCallFromJson(const Json& op, std::string_view hrp) {
  if (Status s = CheckMembers(op, {"type", "contract", "contract_account", "entry", "args",
                                   "coins", "assets", "gas_limit"});
      !s.ok()) {
    return s;
  }
  chain::ContractCallOp out;
  auto contract = op.find("contract");
  if (contract == op.end() || !contract->is_string()) {
    return BadMember("contract", "must be an address");
  }
  Result<chain::AccountId> id =
      chain::bech32::ParseAccount(hrp, contract->get_ref<const std::string&>());
  if (!id.ok()) return BadMember("contract", id.status().reason());
  out.contract = *id;
  auto entry = op.find("entry");
  if (entry == op.end() || !entry->is_string() ||
      entry->get_ref<const std::string&>().size() > chain::kMaxContractEntryLen) {
    return BadMember("entry", "must be a string of at most " +
                                  std::to_string(chain::kMaxContractEntryLen) + " bytes");
  }
  out.entry = entry->get<std::string>();
  Result<std::vector<chain::ContractArg>> args = ArgsMember(op);
  if (!args.ok()) return args.status();
  out.args = std::move(*args);
  Result<uint64_t> coins = U64Member(op, "coins", false);
  if (!coins.ok()) return coins.status();
  out.coins = *coins;
  if (auto assets = op.find("assets"); assets != op.end() && !assets->is_null()) {
    if (!assets->is_array() || assets->size() > chain::kMaxCallAssets) {
      return BadMember("assets", "must be an array of at most " +
                                     std::to_string(chain::kMaxCallAssets) + " asset ids");
    }
    for (const Json& a : *assets) {
      std::optional<Hash256> asset;
      if (a.is_string()) asset = Hash256::FromHex(a.get_ref<const std::string&>());
      if (!asset) return BadMember("assets", "must hold asset ids of 64 hex digits");
      out.assets.push_back(*asset);
    }
  }
  Result<uint64_t> gas = U64Member(op, "gas_limit", true);
  if (!gas.ok()) return gas.status();
  out.gas_limit = *gas;
  return out;
}

std::string_view CallOutcomeName(uint8_t outcome) {
  constexpr std::string_view kNames[] = {"success", "vm-error", "out-of-gas", "aborted"};
  static_assert(std::size(kNames) == chain::kCallOutcomeMax + 1);
  return outcome < std::size(kNames) ? kNames[outcome] : "unknown";
}

template <typename Sink>
void WriteEffect(Sink& out, const chain::ContractEffect& e, AddressCache& addresses) {
  out.BeginObject().Key("kind").String(chain::ContractEffectKindName(e.kind));
  switch (e.kind) {
    case chain::ContractEffectKind::kCoins:
      out.Key("to").String(addresses.Of(e.to)).Key("to_account").Hex(e.to.span());
      out.Key("amount").Uint(e.amount);
      break;
    case chain::ContractEffectKind::kAsset:
      out.Key("to").String(addresses.Of(e.to)).Key("to_account").Hex(e.to.span());
      out.Key("asset").Hex(e.asset.span());
      break;
    case chain::ContractEffectKind::kSplit:
    case chain::ContractEffectKind::kMerge:
      out.Key("asset").Hex(e.asset.span());
      if (e.kind == chain::ContractEffectKind::kSplit) out.Key("first").Uint(e.amount);
      if (e.kind == chain::ContractEffectKind::kMerge) out.Key("with").Hex(e.with.span());
      WriteHashArray(out.Key("created"), e.created);
      break;
  }
  out.EndObject();
}

template <typename Sink>
void WriteCallRecordFields(Sink& out, const chain::CallRecord& r, AddressCache& addresses) {
  // The record holds the result's fields; the words are the VM's own (ExecResult::ToString).
  contracts::ExecResult result;
  result.outcome = static_cast<contracts::Outcome>(r.outcome);
  result.error = static_cast<contracts::VmError>(r.error);
  result.detail = r.detail;
  result.error_offset = r.error_offset;
  result.abort_code = r.abort_code;
  const bool failed = r.outcome != 0;
  out.Key("contract").String(addresses.Of(r.contract));
  out.Key("contract_account").Hex(r.contract.span());
  out.Key("entry").String(r.entry);
  out.Key("outcome").String(CallOutcomeName(r.outcome));
  if (failed) {
    out.Key("error").String(contracts::VmErrorString(result.error));
    out.Key("error_offset").Uint(r.error_offset);
    if (r.outcome == static_cast<uint8_t>(contracts::Outcome::kAborted)) {
      out.Key("abort_code").Uint(r.abort_code);
    }
    if (!r.detail.empty()) out.Key("detail").String(r.detail);
  }
  out.Key("gas_used").Uint(r.gas_used);
  out.Key("gas_limit").Uint(r.gas_limit);
  out.Key("logs").BeginArray();
  for (const chain::Bytes& log : r.logs) {
    out.BeginObject().Key("hex").Hex(log);
    const std::string_view text(reinterpret_cast<const char*>(log.data()), log.size());
    if (consensus::IsValidMetadataValue(text)) out.Key("text").String(text);
    out.EndObject();
  }
  out.EndArray();
  out.Key("effects").BeginArray();
  for (const chain::ContractEffect& e : r.effects) WriteEffect(out, e, addresses);
  out.EndArray();
  out.Key("message").String(failed ? result.ToString() : "ok");
}

template void WriteCallRecordFields(JsonWriter&, const chain::CallRecord&, AddressCache&);
template void WriteCallRecordFields(JsonTreeBuilder&, const chain::CallRecord&, AddressCache&);

Json CallRecordToJson(const chain::CallRecord& r, std::string_view hrp) {
  AddressCache addresses{std::string(hrp)};
  JsonTreeBuilder b;
  b.BeginObject();
  WriteCallRecordFields(b, r, addresses);
  b.EndObject();
  return b.Take();
}

Json AccountToJson(const chain::AccountId& id, const chain::Account& account,
                   std::string_view hrp) {
  return {{"address", Address(hrp, id)},
          {"account", id.ToHex()},
          {"balance", account.balance},
          {"nonce", account.nonce}};
}

template <typename Sink>
void WriteMetadata(Sink& out, const std::vector<chain::MetadataEntry>& metadata) {
  out.BeginArray();
  for (const chain::MetadataEntry& e : metadata) {
    out.BeginObject().Key("key").String(e.key);
    WriteEntryBody(out, e);
    out.EndObject();
  }
  out.EndArray();
}

template <typename Sink>
void WriteAssetFields(Sink& out, const chain::Asset& a, AddressCache& addresses,
                      const chain::UnitScales& units) {
  out.Key("asset").Hex(a.id.span());
  out.Key("issuer").String(addresses.Of(a.issuer));
  out.Key("issuer_account").Hex(a.issuer.span());
  out.Key("custodian").String(addresses.Of(a.custodian));
  out.Key("custodian_account").Hex(a.custodian.span());
  out.Key("quantity").Uint(a.quantity);
  out.Key("amount").String(chain::FormatScaled(a.quantity, chain::ScaleOf(units, a.unit)));
  out.Key("unit").String(a.unit);
  WriteMetadata(out.Key("metadata"), a.metadata);
  WriteHashArray(out.Key("documents"), a.documents);
  out.Key("status").String(chain::AssetStatusName(a.status));
  out.Key("created_height").Uint(a.created_height);
  out.Key("created_tx").Hex(a.created_tx.span());
  WriteHashOrNull(out.Key("last_event"), a.last_event);
  out.Key("event_count").Uint(a.event_count);
  WriteHashArray(out.Key("parents"), a.parents);
  WriteHashArray(out.Key("children"), a.children);
}

template <typename Sink>
void WriteEventFields(Sink& out, const chain::AssetEvent& e, AddressCache& addresses,
                      std::optional<uint64_t> yield_ppm) {
  out.Key("event").Hex(e.id.span());
  out.Key("asset").Hex(e.asset.span());
  out.Key("sequence").Uint(e.sequence);
  out.Key("type").String(chain::EventTypeName(e.type));
  WriteHashOrNull(out.Key("prev_event"), e.prev_event);
  out.Key("txid").Hex(e.txid.span());
  out.Key("height").Uint(e.height);
  out.Key("time").Uint(e.time);
  out.Key("actor").String(addresses.Of(e.actor));
  out.Key("actor_account").Hex(e.actor.span());
  if (e.counterparty.IsZero()) {
    out.Key("counterparty").Null().Key("counterparty_account").Null();
  } else {
    out.Key("counterparty").String(addresses.Of(e.counterparty));
    out.Key("counterparty_account").Hex(e.counterparty.span());
  }
  WriteHashArray(out.Key("related"), e.related);
  if (e.type == chain::EventType::kAttest) {
    out.Key("claim").String(e.claim);
    out.Key("value").String(e.value);
    WriteHashOrNull(out.Key("document"), e.document);
    out.Key("attester_certified").Bool(e.attester_certified != 0);
  }
  if (e.type == chain::EventType::kCorrect) {
    out.Key("reason").String(e.value);
    WriteChanges(out.Key("changes"), e.changes);
  }
  if (e.type == chain::EventType::kTransform || e.type == chain::EventType::kTransformOutput) {
    out.Key("yield_ppm");
    if (yield_ppm) {
      out.Uint(*yield_ppm);
    } else {
      out.Null();
    }
  }
}

template void WriteMetadata(JsonWriter&, const std::vector<chain::MetadataEntry>&);
template void WriteMetadata(JsonTreeBuilder&, const std::vector<chain::MetadataEntry>&);
template void WriteAssetFields(JsonWriter&, const chain::Asset&, AddressCache&,
                               const chain::UnitScales&);
template void WriteAssetFields(JsonTreeBuilder&, const chain::Asset&, AddressCache&,
                               const chain::UnitScales&);
template void WriteEventFields(JsonWriter&, const chain::AssetEvent&, AddressCache&,
                               std::optional<uint64_t>);
template void WriteEventFields(JsonTreeBuilder&, const chain::AssetEvent&, AddressCache&,
                               std::optional<uint64_t>);

Json AssetToJson(const chain::Asset& a, std::string_view hrp, const chain::UnitScales& units) {
  AddressCache addresses{std::string(hrp)};
  JsonTreeBuilder b;
  b.BeginObject();
  WriteAssetFields(b, a, addresses, units);
  b.EndObject();
  return b.Take();
}

Json EventToJson(const chain::AssetEvent& e, std::string_view hrp,
                 std::optional<uint64_t> yield_ppm) {
  AddressCache addresses{std::string(hrp)};
  JsonTreeBuilder b;
  b.BeginObject();
  WriteEventFields(b, e, addresses, yield_ppm);
  b.EndObject();
  return b.Take();
}

Json PartyToJson(const chain::AccountId& id, const chain::Party& p, std::string_view hrp) {
  return {{"address", Address(hrp, id)},
          {"account", id.ToHex()},
          {"name", p.name},
          {"role", p.role},
          {"identifiers", MetadataToJson(p.identifiers)},
          {"url", p.url},
          {"document", HashOrNull(p.document)},
          {"version", p.version},
          {"updated_height", p.updated_height},
          {"history_count", p.history_count}};
}

Json PartyEventToJson(const chain::PartyEvent& e, std::string_view hrp) {
  Json j = {{"sequence", e.sequence},
            {"type", chain::PartyEventTypeName(e.type)},
            {"txid", e.txid.ToHex()},
            {"height", e.height},
            {"time", e.time},
            {"actor", Address(hrp, e.actor)},
            {"actor_account", e.actor.ToHex()},
            {"role", e.role},
            {"version", e.version}};
  if (e.type == chain::PartyEventType::kProfile) {
    j["name"] = e.name;
    j["identifiers"] = MetadataToJson(e.identifiers);
    j["url"] = e.url;
    j["document"] = HashOrNull(e.document);
  }
  return j;
}

}  // namespace waybill::node
