#include "node/rpc/json_convert.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <utility>
#include <variant>
#include <vector>

#include "chain/bech32.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using chain::Result;
using chain::Status;

std::string Address(std::string_view hrp, const chain::AccountId& id) {
  return chain::bech32::EncodeAddress(hrp, id);
}

// A hash, or null when it is all zeros (no previous event, no document).
Json HashOrNull(const Hash256& h) {
  if (h.IsZero()) return nullptr;
  return h.ToHex();
}

Json HashArray(const std::vector<Hash256>& hashes) {
  Json out = Json::array();
  for (const Hash256& h : hashes) out.push_back(h.ToHex());
  return out;
}

// A published entry {key, value}; a committed one {key, commitment} (docs/API.md).
Json EntryToJson(const chain::MetadataEntry& e) {
  if (e.kind == chain::MetaKind::kCommitted) {
    return {{"key", e.key}, {"commitment", e.commitment.ToHex()}};
  }
  return {{"key", e.key}, {"value", e.value}};
}

Json MetadataToJson(const std::vector<chain::MetadataEntry>& metadata) {
  Json out = Json::array();
  for (const auto& e : metadata) out.push_back(EntryToJson(e));
  return out;
}

// A correction's changes: {key, old (null when the key was added), new}, old and new as
// EntryToJson without the key.
Json ChangesToJson(const std::vector<chain::MetadataChange>& changes) {
  const auto body = [](const chain::MetadataEntry& e) {
    Json j = EntryToJson(e);
    j.erase("key");
    return j;
  };
  Json out = Json::array();
  for (const auto& c : changes) {
    out.push_back({{"key", c.key},
                   {"old", c.before ? body(*c.before) : Json(nullptr)},
                   {"new", body(c.after)}});
  }
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
};

}  // namespace

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

Json AssetToJson(const chain::Asset& a, std::string_view hrp, const chain::UnitScales& units) {
  return {{"asset", a.id.ToHex()},
          {"issuer", Address(hrp, a.issuer)},
          {"issuer_account", a.issuer.ToHex()},
          {"custodian", Address(hrp, a.custodian)},
          {"custodian_account", a.custodian.ToHex()},
          {"quantity", a.quantity},
          {"amount", chain::FormatScaled(a.quantity, chain::ScaleOf(units, a.unit))},
          {"unit", a.unit},
          {"metadata", MetadataToJson(a.metadata)},
          {"documents", HashArray(a.documents)},
          {"status", chain::AssetStatusName(a.status)},
          {"created_height", a.created_height},
          {"created_tx", a.created_tx.ToHex()},
          {"last_event", HashOrNull(a.last_event)},
          {"event_count", a.event_count},
          {"parents", HashArray(a.parents)},
          {"children", HashArray(a.children)}};
}

Json EventToJson(const chain::AssetEvent& e, std::string_view hrp,
                 std::optional<uint64_t> yield_ppm) {
  Json j = {{"event", e.id.ToHex()},
            {"asset", e.asset.ToHex()},
            {"sequence", e.sequence},
            {"type", chain::EventTypeName(e.type)},
            {"prev_event", HashOrNull(e.prev_event)},
            {"txid", e.txid.ToHex()},
            {"height", e.height},
            {"time", e.time},
            {"actor", Address(hrp, e.actor)},
            {"actor_account", e.actor.ToHex()},
            {"counterparty", nullptr},
            {"counterparty_account", nullptr},
            {"related", HashArray(e.related)}};
  if (!e.counterparty.IsZero()) {
    j["counterparty"] = Address(hrp, e.counterparty);
    j["counterparty_account"] = e.counterparty.ToHex();
  }
  if (e.type == chain::EventType::kAttest) {
    j["claim"] = e.claim;
    j["value"] = e.value;
    j["document"] = HashOrNull(e.document);
    j["attester_certified"] = e.attester_certified != 0;
  }
  if (e.type == chain::EventType::kCorrect) {
    j["reason"] = e.value;
    j["changes"] = ChangesToJson(e.changes);
  }
  if (e.type == chain::EventType::kTransform || e.type == chain::EventType::kTransformOutput) {
    j["yield_ppm"] = yield_ppm ? Json(*yield_ppm) : Json(nullptr);
  }
  return j;
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
