#include "node/rpc/json_convert.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>
#include <variant>
#include <vector>

#include "chain/bech32.h"
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
};

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
