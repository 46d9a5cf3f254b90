#include "node/rest/epcis.h"

#include <algorithm>
#include <array>
#include <ctime>
#include <set>
#include <utility>

#include "chain/bech32.h"

namespace waybill::node {
namespace {

using chain::Asset;
using chain::AssetEvent;
using chain::EventType;
using chain::Hash256;

bool EpcisIsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string EpcisPercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    if (EpcisIsUnreserved(c)) {
      out.push_back(c);
    } else {
      auto b = static_cast<uint8_t>(c);
      out.push_back('%');
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
  }
  return out;
}

bool EpcisAllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A GTIN as GS1's Digital Link writes it: 14 digits (GTIN-8, -12, -13 padded with zeros).
std::optional<std::string> EpcisGtin14(const Asset& asset) {
  auto gtin = PublishedMeta(asset, "gtin");
  if (!gtin || !EpcisAllDigits(*gtin)) return std::nullopt;
  size_t n = gtin->size();
  if (n != 8 && n != 12 && n != 13 && n != 14) return std::nullopt;
  return std::string(14 - n, '0') + *gtin;
}

// RFC 6920 "ni" URI of a SHA-256 document hash (base64url, no padding).
std::string EpcisNiUri(const Hash256& h) {
  static constexpr char kB64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "ni:///sha-256;";
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : h.bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kB64[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kB64[(acc << (6 - bits)) & 63]);
  return out;
}

// A decimal string as a JSON number (the schema's decimal): an integer when it has no
// fraction, else the nearest double (exact for up to 15 significant digits).
RestJson EpcisDecimal(std::string text) {
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  RestJson j = RestJson::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? RestJson(0) : j;
}

RestJson EpcisQuantity(const Asset& asset, const chain::UnitScales& units) {
  uint8_t scale = chain::ScaleOf(units, asset.unit);
  if (scale == 0) return RestJson(asset.quantity);
  return EpcisDecimal(chain::FormatScaled(asset.quantity, scale));
}

// Where the assets of an event go: instance ids or class quantities.
struct EpcisItems {
  std::vector<std::string> epcs;
  RestJson quantities = RestJson::array();
  void Add(const Hash256& id, const std::map<Hash256, Asset>& assets,
           const chain::UnitScales& units) {
    auto it = assets.find(id);
    std::string epc = "urn:waybill:asset:" + id.ToHex();
    if (it != assets.end()) {
      const Asset& a = it->second;
      auto gtin = EpcisGtin14(a);
      auto serial = PublishedMeta(a, "serial");
      auto lot = PublishedMeta(a, "lot");
      if (gtin && serial) {
        epc = "https://id.gs1.org/01/" + *gtin + "/21/" + EpcisPercentEncode(*serial);
      } else if (gtin && lot) {
        RestJson q = {{"epcClass", "https://id.gs1.org/01/" + *gtin + "/10/" +
                                       EpcisPercentEncode(*lot)},
                      {"quantity", EpcisQuantity(a, units)}};
        if (auto uom = UneceUnitCode(a.unit)) q["uom"] = *uom;
        quantities.push_back(std::move(q));
        return;
      }
    }
    if (std::find(epcs.begin(), epcs.end(), epc) == epcs.end()) epcs.push_back(std::move(epc));
  }
};

std::string EpcisParty(const std::string& hrp, const chain::AccountId& id) {
  return "urn:waybill:account:" + chain::bech32::EncodeAddress(hrp, id);
}

// An id for readPoint / bizLocation from a metadata value: a URI as is, a 13-digit GLN as
// its Digital Link URI; nullopt for anything else.
std::optional<std::string> EpcisLocation(const Asset& asset, std::string_view key) {
  auto v = PublishedMeta(asset, key);
  if (!v) return std::nullopt;
  if (v->size() == 13 && EpcisAllDigits(*v)) return "https://id.gs1.org/414/" + *v;
  size_t colon = v->find(':');
  if (colon == std::string::npos || colon == 0 || v->find(' ') != std::string::npos) {
    return std::nullopt;
  }
  return *v;
}

RestJson EpcisBaseEvent(const char* type, const AssetEvent& e, const Hash256& id_source,
                        const std::string& hrp) {
  return {{"type", type},
          {"eventID", EpcisUuid(id_source)},
          {"eventTime", EpcisTime(e.time)},
          {"eventTimeZoneOffset", "+00:00"},
          {"waybill:txid", e.txid.ToHex()},
          {"waybill:height", e.height},
          {"waybill:actor", EpcisParty(hrp, e.actor)}};
}

void EpcisPutItems(const EpcisItems& items, const char* epc_key, const char* quantity_key,
                   RestJson* event) {
  if (!items.epcs.empty() || items.quantities.empty()) (*event)[epc_key] = items.epcs;
  if (!items.quantities.empty()) (*event)[quantity_key] = items.quantities;
}

RestJson EpcisObjectEvent(const char* action, const AssetEvent& e, const EpcisInput& in,
                          const EpcisOptions& opt) {
  RestJson j = EpcisBaseEvent("ObjectEvent", e, e.id, opt.hrp);
  j["action"] = action;
  j["waybill:event"] = e.id.ToHex();
  EpcisItems items;
  items.Add(e.asset, in.assets, opt.units);
  EpcisPutItems(items, "epcList", "quantityList", &j);
  return j;
}

RestJson EpcisIssue(const AssetEvent& e, const EpcisInput& in, const EpcisOptions& opt) {
  RestJson j = EpcisObjectEvent("ADD", e, in, opt);
  j["bizStep"] = "commissioning";
  j["disposition"] = "active";
  auto it = in.assets.find(e.asset);
  if (it == in.assets.end()) return j;
  RestJson meta = RestJson::object();
  for (const auto& m : it->second.metadata) {
    if (m.kind == chain::MetaKind::kPublished) meta[m.key] = m.value;
  }
  j["ilmd"] = {{"waybill:metadata", std::move(meta)}};
  if (auto rp = EpcisLocation(it->second, "read_point")) j["readPoint"] = {{"id", *rp}};
  if (auto bl = EpcisLocation(it->second, "biz_location")) j["bizLocation"] = {{"id", *bl}};
  return j;
}

RestJson EpcisTransfer(const AssetEvent& e, const EpcisInput& in, const EpcisOptions& opt) {
  RestJson j = EpcisObjectEvent("OBSERVE", e, in, opt);
  j["bizStep"] = "shipping";
  std::string from = EpcisParty(opt.hrp, e.actor);
  std::string to = EpcisParty(opt.hrp, e.counterparty);
  j["sourceList"] = {{{"type", "owning_party"}, {"source", from}},
                     {{"type", "possessing_party"}, {"source", from}}};
  j["destinationList"] = {{{"type", "owning_party"}, {"destination", to}},
                          {{"type", "possessing_party"}, {"destination", to}}};
  return j;
}

RestJson EpcisAttest(const AssetEvent& e, const EpcisInput& in, const EpcisOptions& opt) {
  RestJson j = EpcisObjectEvent("OBSERVE", e, in, opt);
  j["waybill:claim"] = e.claim;
  j["waybill:value"] = e.value;
  j["waybill:document"] = e.document.IsZero() ? RestJson(nullptr) : RestJson(e.document.ToHex());
  j["waybill:certified"] = e.attester_certified != 0;
  if (auto reading = ParseSensorReading(e.claim, e.value)) {
    j["bizStep"] = "sensor_reporting";
    j["sensorElementList"] = {{{"sensorReport",
                                {{{"type", reading->type},
                                  {"value", EpcisDecimal(reading->value)},
                                  {"uom", reading->uom}}}}}};
    return j;
  }
  j["bizStep"] = "inspecting";
  std::vector<std::string> info;
  if (e.value.starts_with("https://") || e.value.starts_with("http://")) {
    if (e.value.find(' ') == std::string::npos) info.push_back(e.value);
  }
  if (!e.document.IsZero()) info.push_back(EpcisNiUri(e.document));
  if (info.size() == 1) j["certificationInfo"] = info[0];
  if (info.size() > 1) j["certificationInfo"] = info;
  return j;
}

RestJson EpcisCorrect(const AssetEvent& e, const EpcisInput& in, const EpcisOptions& opt) {
  RestJson j = EpcisObjectEvent("OBSERVE", e, in, opt);
  j["waybill:reason"] = e.value;
  RestJson changes = RestJson::array();
  for (const auto& c : e.changes) {
    changes.push_back({{"key", c.key},
                       {"before", c.before ? RestJson(c.before->value) : RestJson(nullptr)},
                       {"after", c.after.value}});
  }
  j["waybill:changes"] = std::move(changes);
  if (!e.related.empty()) j["waybill:corrects"] = e.related[0].ToHex();
  return j;
}

const Asset* EpcisFind(const EpcisInput& in, const Hash256& id) {
  auto it = in.assets.find(id);
  return it == in.assets.end() ? nullptr : &it->second;
}

// The inputs and outputs of the split, merge or transform that made e (chain/state.h: which
// side `related` names depends on the event type).
std::pair<std::vector<Hash256>, std::vector<Hash256>> EpcisSides(const AssetEvent& e,
                                                                 const EpcisInput& in) {
  std::vector<Hash256> self = {e.asset};
  const Asset* other = e.related.empty() ? nullptr : EpcisFind(in, e.related[0]);
  switch (e.type) {
    case EventType::kSplit:
      return {self, e.related};
    case EventType::kSplitChild:
      return {e.related, other ? other->children : self};
    case EventType::kMerge:
      return {other ? other->parents : self, e.related};
    case EventType::kMergeOutput:
      return {e.related, self};
    case EventType::kTransform:
      return {other ? other->parents : self, e.related};
    case EventType::kTransformOutput:
      return {e.related, other ? other->children : self};
    default:
      return {self, self};
  }
}

RestJson EpcisTransformation(const AssetEvent& e, const EpcisInput& in,
                             const EpcisOptions& opt) {
  RestJson j = EpcisBaseEvent("TransformationEvent", e, e.txid, opt.hrp);
  auto [inputs, outputs] = EpcisSides(e, in);
  EpcisItems in_items;
  for (const auto& id : inputs) in_items.Add(id, in.assets, opt.units);
  EpcisItems out_items;
  for (const auto& id : outputs) out_items.Add(id, in.assets, opt.units);
  EpcisPutItems(in_items, "inputEPCList", "inputQuantityList", &j);
  EpcisPutItems(out_items, "outputEPCList", "outputQuantityList", &j);
  j["transformationID"] = "urn:waybill:tx:" + e.txid.ToHex();
  const char* op = "transform";
  const char* step = "commissioning";
  if (e.type == EventType::kSplit || e.type == EventType::kSplitChild) {
    op = "split";
    step = "repackaging";
  } else if (e.type == EventType::kMerge || e.type == EventType::kMergeOutput) {
    op = "merge";
    step = "assembling";
  }
  j["bizStep"] = step;
  j["waybill:operation"] = op;
  return j;
}

bool EpcisIsTransformation(EventType t) {
  return t == EventType::kSplit || t == EventType::kSplitChild || t == EventType::kMerge ||
         t == EventType::kMergeOutput || t == EventType::kTransform ||
         t == EventType::kTransformOutput;
}

}  // namespace

std::optional<std::string> UneceUnitCode(std::string_view unit) {
  static const std::map<std::string_view, std::string_view> kCodes = {
      {"g", "GRM"},   {"kg", "KGM"},  {"mg", "MGM"},  {"t", "TNE"},   {"lb", "LBR"},
      {"oz", "ONZ"},  {"l", "LTR"},   {"ml", "MLT"},  {"m3", "MTQ"},   {"m", "MTR"},
      {"pcs", "H87"}, {"pc", "H87"},  {"piece", "H87"}, {"ea", "EA"},  {"each", "EA"},
      {"kwh", "KWH"}};
  auto it = kCodes.find(unit);
  if (it == kCodes.end()) return std::nullopt;
  return std::string(it->second);
}

std::string EpcisTime(uint32_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

std::string EpcisUuid(const Hash256& h) {
  std::array<uint8_t, 16> b{};
  std::copy_n(h.bytes.begin(), 16, b.begin());
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x80);  // version 8 (RFC 9562 §5.8)
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // variant 10
  std::string hex = chain::HexEncode(chain::ByteSpan(b.data(), b.size()));
  return "urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) +
         "-" + hex.substr(16, 4) + "-" + hex.substr(20);
}

std::optional<std::string> PublishedMeta(const Asset& asset, std::string_view key) {
  for (const auto& m : asset.metadata) {
    if (m.key == key) {
      if (m.kind != chain::MetaKind::kPublished) return std::nullopt;
      return m.value;
    }
  }
  return std::nullopt;
}

std::optional<std::string> DigitalLinkPath(const Asset& asset) {
  auto gtin = PublishedMeta(asset, "gtin");
  auto lot = PublishedMeta(asset, "lot");
  if (!gtin || !lot || gtin->empty() || lot->empty()) return std::nullopt;
  std::string path = "/01/" + EpcisPercentEncode(*gtin) + "/10/" + EpcisPercentEncode(*lot);
  auto serial = PublishedMeta(asset, "serial");
  if (serial && !serial->empty()) path += "/21/" + EpcisPercentEncode(*serial);
  return path;
}

std::optional<EpcisSensorReading> ParseSensorReading(std::string_view claim,
                                                     std::string_view value) {
  bool temperature = claim == "temperature" || claim == "temp";
  bool humidity = claim == "humidity" || claim == "relative_humidity";
  if (!temperature && !humidity) return std::nullopt;
  size_t i = 0;
  if (i < value.size() && (value[i] == '-' || value[i] == '+')) ++i;
  size_t int_start = i;
  while (i < value.size() && value[i] >= '0' && value[i] <= '9') ++i;
  if (i == int_start || i - int_start > 9) return std::nullopt;
  if (i < value.size() && value[i] == '.') {
    size_t frac_start = ++i;
    while (i < value.size() && value[i] >= '0' && value[i] <= '9') ++i;
    if (i == frac_start || i - frac_start > 6) return std::nullopt;
  }
  std::string_view digits = value.substr(0, i);
  if (digits.front() == '+') digits.remove_prefix(1);
  std::string number(digits);
  std::string_view unit = value.substr(i);
  if (!unit.empty() && unit[0] == ' ') unit.remove_prefix(1);
  EpcisSensorReading r;
  r.value = std::move(number);
  if (temperature) {
    r.type = "Temperature";
    if (unit.empty() || unit == "C" || unit == "\xC2\xB0" "C" || unit == "CEL") {
      r.uom = "CEL";
    } else if (unit == "F" || unit == "\xC2\xB0" "F" || unit == "FAH") {
      r.uom = "FAH";
    } else if (unit == "K" || unit == "KEL") {
      r.uom = "KEL";
    } else {
      return std::nullopt;
    }
  } else {
    r.type = "RelativeHumidity";
    if (!unit.empty() && unit != "%" && unit != "P1") return std::nullopt;
    r.uom = "P1";
  }
  return r;
}

RestJson EpcisDocument(const EpcisInput& in, const EpcisOptions& opt) {
  RestJson events = RestJson::array();
  std::set<Hash256> transformations;  // txids already emitted
  for (const AssetEvent& e : in.events) {
    switch (e.type) {
      case EventType::kIssue:
        events.push_back(EpcisIssue(e, in, opt));
        break;
      case EventType::kTransfer:
        events.push_back(EpcisTransfer(e, in, opt));
        break;
      case EventType::kAttest:
        events.push_back(EpcisAttest(e, in, opt));
        break;
      case EventType::kCorrect:
        events.push_back(EpcisCorrect(e, in, opt));
        break;
      default:
        if (EpcisIsTransformation(e.type) && transformations.insert(e.txid).second) {
          events.push_back(EpcisTransformation(e, in, opt));
        }
        break;
    }
  }
  RestJson doc = {
      {"@context",
       {std::string(kEpcisContext), {{"waybill", std::string(kEpcisExtensionNamespace)}}}},
      {"type", "EPCISDocument"},
      {"schemaVersion", "2.0"},
      {"creationDate", EpcisTime(opt.creation_time)},
      {"epcisBody", {{"eventList", std::move(events)}}}};
  if (in.truncated) doc["waybill:truncated"] = true;
  return doc;
}

}  // namespace waybill::node
