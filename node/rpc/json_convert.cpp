#include "node/rpc/json_convert.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
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

Json MetadataToJson(const std::vector<chain::MetadataEntry>& metadata) {
  Json out = Json::array();
  for (const auto& e : metadata) out.push_back({{"key", e.key}, {"value", e.value}});
  return out;
}

// --- Operations to JSON ---

struct OpWriter {
  const chain::Transaction& tx;
  std::string_view hrp;

  Json operator()(const chain::TransferOp& op) const {
    return {{"to", Address(hrp, op.to)}, {"to_account", op.to.ToHex()}, {"amount", op.amount}};
  }
  Json operator()(const chain::AssetIssueOp& op) const {
    return {{"quantity", op.quantity},
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
    return {{"asset", op.asset.ToHex()},
            {"quantities", op.quantities},
            {"children", HashArray(chain::NewAssetIds(tx))}};
  }
  Json operator()(const chain::AssetMergeOp& op) const {
    return {{"inputs", HashArray(op.inputs)},
            {"quantity", op.quantity},
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
};

// --- JSON to a transaction ---
// Each reader returns false and sets *error on failure; the error names the field.

class FieldReader {
 public:
  FieldReader(const Json& obj, std::string where, std::string_view hrp)
      : obj_(obj), where_(std::move(where)), hrp_(hrp) {}

  const std::string& error() const { return error_; }

  // Fails on any member not in `known`.
  bool OnlyKnown(std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : obj_.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        return Fail("unknown field \"" + key + "\"");
      }
    }
    return true;
  }

  // Null when absent or null.
  const Json* Find(std::string_view key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  bool U64(std::string_view key, uint64_t* out, bool required = true) {
    const Json* v = Find(key);
    if (!v) return required ? Missing(key) : true;
    if (v->is_number_unsigned()) {
      *out = v->get<uint64_t>();
      return true;
    }
    if (v->is_number_integer()) {
      if (v->get<int64_t>() < 0) return Fail(std::string(key) + " must not be negative");
      *out = static_cast<uint64_t>(v->get<int64_t>());
      return true;
    }
    if (v->is_string()) {
      // Decimal digits, for clients whose numbers are doubles (JavaScript).
      const std::string& s = v->get_ref<const std::string&>();
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (!s.empty() && ec == std::errc() && end == s.data() + s.size() && s[0] != '+') {
        *out = n;
        return true;
      }
    }
    return Fail(std::string(key) + " must be an unsigned integer");
  }

  bool Str(std::string_view key, size_t max_len, std::string* out) {
    const Json* v = Find(key);
    if (!v) return Missing(key);
    if (!v->is_string()) return Fail(std::string(key) + " must be a string");
    const std::string& s = v->get_ref<const std::string&>();
    if (s.size() > max_len) {
      return Fail(std::string(key) + " is longer than " + std::to_string(max_len) + " bytes");
    }
    *out = s;
    return true;
  }

  bool HashField(std::string_view key, Hash256* out, bool required = true) {
    const Json* v = Find(key);
    if (!v) return required ? Missing(key) : true;
    return ParseHash(*v, std::string(key), out);
  }

  bool Account(std::string_view key, chain::AccountId* out) {
    const Json* v = Find(key);
    if (!v) return Missing(key);
    if (!v->is_string()) return Fail(std::string(key) + " must be an address");
    auto id = chain::bech32::ParseAccount(hrp_, v->get_ref<const std::string&>());
    if (!id.ok()) return Fail(std::string(key) + ": " + id.status().reason());
    *out = *id;
    return true;
  }

  bool Hashes(std::string_view key, size_t min, size_t max, std::vector<Hash256>* out,
              bool required = true) {
    const Json* v = Find(key);
    if (!v) return required ? Missing(key) : true;
    if (!v->is_array()) return Fail(std::string(key) + " must be an array of hashes");
    if (v->size() < min || v->size() > max) return CountError(key, min, max);
    out->clear();
    for (size_t i = 0; i < v->size(); ++i) {
      Hash256 h;
      if (!ParseHash((*v)[i], std::string(key) + "[" + std::to_string(i) + "]", &h)) return false;
      out->push_back(h);
    }
    return true;
  }

  bool Quantities(std::string_view key, size_t min, size_t max, std::vector<uint64_t>* out) {
    const Json* v = Find(key);
    if (!v) return Missing(key);
    if (!v->is_array()) return Fail(std::string(key) + " must be an array of integers");
    if (v->size() < min || v->size() > max) return CountError(key, min, max);
    out->clear();
    for (size_t i = 0; i < v->size(); ++i) {
      Json wrapper = {{"q", (*v)[i]}};
      FieldReader r(wrapper, where_, hrp_);
      uint64_t q = 0;
      if (!r.U64("q", &q)) {
        return Fail(std::string(key) + "[" + std::to_string(i) + "] must be an unsigned integer");
      }
      out->push_back(q);
    }
    return true;
  }

  // An array of {key, value} or an object, in any key order: chain::SortMetadata sorts the
  // entries and bounds them. Absent: empty.
  bool Metadata(std::vector<chain::MetadataEntry>* out) {
    out->clear();
    const Json* v = Find("metadata");
    if (!v) return true;
    if (v->size() > chain::kMaxMetadataEntries) {
      return CountError("metadata", 0, chain::kMaxMetadataEntries);
    }
    std::vector<chain::MetadataEntry> entries;
    auto add = [&](const Json& key, const Json& value, const std::string& where) {
      if (!key.is_string() || !value.is_string()) {
        return Fail(where + ": keys and values must be strings");
      }
      entries.push_back({key.get<std::string>(), value.get<std::string>()});
      return true;
    };
    if (v->is_object()) {
      for (const auto& [key, value] : v->items()) {
        if (!add(Json(key), value, "metadata." + key)) return false;
      }
    } else if (v->is_array()) {
      for (size_t i = 0; i < v->size(); ++i) {
        const Json& e = (*v)[i];
        const std::string where = "metadata[" + std::to_string(i) + "]";
        if (!e.is_object() || e.size() != 2 || !e.contains("key") || !e.contains("value")) {
          return Fail(where + " must be {\"key\": ..., \"value\": ...}");
        }
        if (!add(e["key"], e["value"], where)) return false;
      }
    } else {
      return Fail("metadata must be an array of {key, value} or an object");
    }
    auto sorted = chain::SortMetadata(std::move(entries));
    if (!sorted.ok()) return Fail("metadata: " + sorted.status().reason());
    *out = std::move(*sorted);
    return true;
  }

  bool Fail(std::string message) {
    if (error_.empty()) error_ = where_.empty() ? message : where_ + ": " + message;
    return false;
  }

 private:
  bool Missing(std::string_view key) { return Fail("missing " + std::string(key)); }
  bool CountError(std::string_view key, size_t min, size_t max) {
    return Fail(std::string(key) + " must have " + std::to_string(min) + " to " +
                std::to_string(max) + " entries");
  }
  bool ParseHash(const Json& v, const std::string& name, Hash256* out) {
    if (v.is_string()) {
      if (auto h = Hash256::FromHex(v.get_ref<const std::string&>())) {
        *out = *h;
        return true;
      }
    }
    return Fail(name + " must be 64 hex digits");
  }

  const Json& obj_;
  const std::string where_;
  const std::string_view hrp_;
  std::string error_;
};

Result<chain::Operation> OpFromJson(const Json& j, std::string_view hrp) {
  if (!j.is_object()) return Status::Invalid("op must be an object");
  FieldReader r(j, "op", hrp);
  const Json* type_json = r.Find("type");
  if (!type_json || !type_json->is_string()) return Status::Invalid("op.type must be a string");
  const std::string& type = type_json->get_ref<const std::string&>();
  auto done = [&](bool ok, chain::Operation op) -> Result<chain::Operation> {
    if (!ok) return Status::Invalid(r.error());
    return op;
  };
  if (type == "transfer") {
    chain::TransferOp op;
    bool ok = r.OnlyKnown({"type", "to", "to_account", "amount"}) && r.Account("to", &op.to) &&
              r.U64("amount", &op.amount);
    return done(ok, op);
  }
  if (type == "asset.issue") {
    chain::AssetIssueOp op;
    bool ok = r.OnlyKnown({"type", "quantity", "unit", "metadata", "documents", "asset"}) &&
              r.U64("quantity", &op.quantity) && r.Str("unit", chain::kMaxUnitLen, &op.unit) &&
              r.Metadata(&op.metadata) &&
              r.Hashes("documents", 0, chain::kMaxDocuments, &op.documents, false);
    return done(ok, op);
  }
  if (type == "asset.transfer") {
    chain::AssetTransferOp op;
    bool ok = r.OnlyKnown({"type", "asset", "to", "to_account"}) &&
              r.HashField("asset", &op.asset) && r.Account("to", &op.to);
    return done(ok, op);
  }
  if (type == "asset.split") {
    chain::AssetSplitOp op;
    bool ok =
        r.OnlyKnown({"type", "asset", "quantities", "children"}) &&
        r.HashField("asset", &op.asset) &&
        r.Quantities("quantities", chain::kMinSplitParts, chain::kMaxSplitParts, &op.quantities);
    return done(ok, op);
  }
  if (type == "asset.merge") {
    chain::AssetMergeOp op;
    bool ok =
        r.OnlyKnown({"type", "inputs", "quantity", "unit", "metadata", "documents", "asset"}) &&
        r.Hashes("inputs", chain::kMinMergeInputs, chain::kMaxMergeInputs, &op.inputs) &&
        r.U64("quantity", &op.quantity) && r.Str("unit", chain::kMaxUnitLen, &op.unit) &&
        r.Metadata(&op.metadata) &&
        r.Hashes("documents", 0, chain::kMaxDocuments, &op.documents, false);
    return done(ok, op);
  }
  if (type == "asset.attest") {
    chain::AssetAttestOp op;
    bool ok = r.OnlyKnown({"type", "asset", "claim", "value", "document"}) &&
              r.HashField("asset", &op.asset) && r.Str("claim", chain::kMaxClaimLen, &op.claim) &&
              r.Str("value", chain::kMaxClaimValueLen, &op.value) &&
              r.HashField("document", &op.document, false);
    return done(ok, op);
  }
  return Status::Invalid("op.type \"" + type +
                         "\" is not one of transfer, asset.issue, asset.transfer, asset.split, "
                         "asset.merge, asset.attest");
}

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
                 const chain::ArithU256& pow_limit, std::string_view hrp, int verbosity) {
  const chain::BlockHeader& header = block.block.header;
  Json j = HeaderToJson(header, header.Id(), pos, pow_limit, hrp);
  j["size"] = block.size;
  j["ntx"] = block.block.txs.size();
  Json txs = Json::array();
  for (size_t i = 0; i < block.block.txs.size(); ++i) {
    const Hash256& txid = i < block.txids.size() ? block.txids[i] : block.block.txs[i].Id();
    if (verbosity >= 2) {
      txs.push_back(TxToJson(block.block.txs[i], txid, block.block.txs[i].Serialize().size(), hrp));
    } else {
      txs.push_back(txid.ToHex());
    }
  }
  j["tx"] = std::move(txs);
  return j;
}

Json TxToJson(const chain::Transaction& tx, const Hash256& txid, size_t size,
              std::string_view hrp) {
  const char* type = chain::OpTypeName(chain::TypeOf(tx.op));
  Json op = std::visit(OpWriter{tx, hrp}, tx.op);
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

Json TxToJson(const chain::TxWithId& txw, std::string_view hrp) {
  return TxToJson(txw.tx, txw.id, txw.size, hrp);
}

Result<chain::Transaction> TxFromJson(const Json& json, std::string_view hrp) {
  if (!json.is_object()) return Status::Invalid("a transaction must be a JSON object");
  FieldReader r(json, "", hrp);
  chain::Transaction tx;
  uint64_t version = chain::kTxVersion;
  bool ok = r.OnlyKnown({"version", "chain_id", "sender", "sender_account", "nonce", "fee", "op",
                         "signature", "txid", "size", "type", "hex", "blockhash", "height",
                         "confirmations", "time", "blocktime", "index"}) &&
            r.U64("version", &version, false) && r.HashField("chain_id", &tx.chain_id, false) &&
            r.Account("sender", &tx.sender) && r.U64("nonce", &tx.nonce) && r.U64("fee", &tx.fee);
  if (ok && version > 0xffff) ok = r.Fail("version must be at most 65535");
  if (ok) {
    if (const Json* sig = r.Find("signature")) {
      std::optional<chain::Bytes> bytes;
      if (sig->is_string()) bytes = chain::HexDecode(sig->get_ref<const std::string&>());
      if (!bytes || bytes->size() != tx.signature.size()) {
        ok = r.Fail("signature must be 128 hex digits");
      } else {
        std::copy(bytes->begin(), bytes->end(), tx.signature.begin());
      }
    }
  }
  if (!ok) return Status::Invalid(r.error());
  tx.version = static_cast<uint16_t>(version);
  const Json* op_json = r.Find("op");
  if (!op_json) return Status::Invalid("missing op");
  auto op = OpFromJson(*op_json, hrp);
  if (!op.ok()) return op.status();
  tx.op = std::move(*op);
  if (const Json* type = r.Find("type")) {
    if (!type->is_string() || *type != chain::OpTypeName(chain::TypeOf(tx.op))) {
      return Status::Invalid("type does not match op.type");
    }
  }
  return tx;
}

Json AccountToJson(const chain::AccountId& id, const chain::Account& account,
                   std::string_view hrp) {
  return {{"address", Address(hrp, id)},
          {"account", id.ToHex()},
          {"balance", account.balance},
          {"nonce", account.nonce}};
}

Json AssetToJson(const chain::Asset& a, std::string_view hrp) {
  return {{"asset", a.id.ToHex()},
          {"issuer", Address(hrp, a.issuer)},
          {"issuer_account", a.issuer.ToHex()},
          {"custodian", Address(hrp, a.custodian)},
          {"custodian_account", a.custodian.ToHex()},
          {"quantity", a.quantity},
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

Json EventToJson(const chain::AssetEvent& e, std::string_view hrp) {
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
  }
  return j;
}

}  // namespace waybill::node
