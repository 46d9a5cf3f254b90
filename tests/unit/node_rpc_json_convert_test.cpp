// The asset and event shapes written once as templates over a sink (json_convert.h): the
// JsonWriter text and the JsonTreeBuilder tree must both equal the nlohmann form the RPC and
// the REST API printed before the templates (kept here, field by field, as the reference), for
// events of every type, and the party summaries likewise.
#include "node/rpc/json_convert.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chain/bech32.h"
#include "chain/quantity.h"
#include "node/rpc/json_writer.h"
#include "node/rpc/parties.h"

namespace waybill::node {
namespace {

using chain::Hash256;

constexpr std::string_view kHrp = "wbr";

Hash256 H(uint8_t b) {
  Hash256 h;
  for (size_t i = 0; i < h.bytes.size(); ++i) h.bytes[i] = static_cast<uint8_t>(b + i);
  return h;
}

// --- The reference: the nlohmann forms as json_convert.cpp and parties.cpp built them ---

Json RefHashOrNull(const Hash256& h) {
  if (h.IsZero()) return nullptr;
  return h.ToHex();
}

Json RefHashArray(const std::vector<Hash256>& hashes) {
  Json out = Json::array();
  for (const Hash256& h : hashes) out.push_back(h.ToHex());
  return out;
}

Json RefEntry(const chain::MetadataEntry& e) {
  if (e.kind == chain::MetaKind::kCommitted) {
    return {{"key", e.key}, {"commitment", e.commitment.ToHex()}};
  }
  return {{"key", e.key}, {"value", e.value}};
}

Json RefMetadata(const std::vector<chain::MetadataEntry>& metadata) {
  Json out = Json::array();
  for (const auto& e : metadata) out.push_back(RefEntry(e));
  return out;
}

Json RefChanges(const std::vector<chain::MetadataChange>& changes) {
  const auto body = [](const chain::MetadataEntry& e) {
    Json j = RefEntry(e);
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

std::string Addr(const chain::AccountId& id) {
  return chain::bech32::EncodeAddress(kHrp, id);
}

Json RefAsset(const chain::Asset& a, const chain::UnitScales& units) {
  return {{"asset", a.id.ToHex()},
          {"issuer", Addr(a.issuer)},
          {"issuer_account", a.issuer.ToHex()},
          {"custodian", Addr(a.custodian)},
          {"custodian_account", a.custodian.ToHex()},
          {"quantity", a.quantity},
          {"amount", chain::FormatScaled(a.quantity, chain::ScaleOf(units, a.unit))},
          {"unit", a.unit},
          {"metadata", RefMetadata(a.metadata)},
          {"documents", RefHashArray(a.documents)},
          {"status", chain::AssetStatusName(a.status)},
          {"created_height", a.created_height},
          {"created_tx", a.created_tx.ToHex()},
          {"last_event", RefHashOrNull(a.last_event)},
          {"event_count", a.event_count},
          {"parents", RefHashArray(a.parents)},
          {"children", RefHashArray(a.children)}};
}

Json RefEvent(const chain::AssetEvent& e, std::optional<uint64_t> yield_ppm) {
  Json j = {{"event", e.id.ToHex()},
            {"asset", e.asset.ToHex()},
            {"sequence", e.sequence},
            {"type", chain::EventTypeName(e.type)},
            {"prev_event", RefHashOrNull(e.prev_event)},
            {"txid", e.txid.ToHex()},
            {"height", e.height},
            {"time", e.time},
            {"actor", Addr(e.actor)},
            {"actor_account", e.actor.ToHex()},
            {"counterparty", nullptr},
            {"counterparty_account", nullptr},
            {"related", RefHashArray(e.related)}};
  if (!e.counterparty.IsZero()) {
    j["counterparty"] = Addr(e.counterparty);
    j["counterparty_account"] = e.counterparty.ToHex();
  }
  if (e.type == chain::EventType::kAttest) {
    j["claim"] = e.claim;
    j["value"] = e.value;
    j["document"] = RefHashOrNull(e.document);
    j["attester_certified"] = e.attester_certified != 0;
  }
  if (e.type == chain::EventType::kCorrect) {
    j["reason"] = e.value;
    j["changes"] = RefChanges(e.changes);
  }
  if (e.type == chain::EventType::kTransform || e.type == chain::EventType::kTransformOutput) {
    j["yield_ppm"] = yield_ppm ? Json(*yield_ppm) : Json(nullptr);
  }
  return j;
}

// --- Fixtures ---

std::vector<chain::AssetEvent> EventsOfEveryType() {
  std::vector<chain::AssetEvent> out;
  for (uint8_t t = 1; t <= 10; ++t) {
    chain::AssetEvent e;
    e.type = static_cast<chain::EventType>(t);
    e.id = H(t);
    e.asset = H(100);
    e.sequence = t - 1;
    e.prev_event = t == 1 ? Hash256{} : H(t - 1);
    e.txid = H(50 + t);
    e.height = 1000 + t;
    e.time = 1'700'000'000u + t;
    e.actor = H(200);
    if (e.type == chain::EventType::kTransfer) e.counterparty = H(201);
    if (t >= 3 && t <= 6) e.related = {H(150), H(151)};
    if (e.type == chain::EventType::kAttest) {
      e.claim = "temperature";
      e.value = "4 C \"cold\"\n\xC3\xA9";  // escapes and UTF-8
      e.document = H(77);
      e.attester_certified = 1;
    }
    if (e.type == chain::EventType::kCorrect) {
      e.related = {H(2)};
      e.value = "typo";
      chain::MetadataEntry committed{"price", "", chain::MetaKind::kCommitted, H(9)};
      e.changes = {{"lot", chain::MetadataEntry{"lot", "A1"}, chain::MetadataEntry{"lot", "A2"}},
                   {"price", std::nullopt, committed}};
    }
    out.push_back(e);
  }
  // An attestation without a document, by an attester without certification.
  chain::AssetEvent plain = out[6];
  plain.document = Hash256{};
  plain.attester_certified = 0;
  out.push_back(plain);
  return out;
}

template <typename Fill>
Json Written(Fill fill) {
  JsonWriter w;
  w.BeginObject();
  fill(w);
  w.EndObject();
  EXPECT_TRUE(w.Complete());
  return Json::parse(w.str());
}

TEST(JsonConvertTest, EventsOfEveryTypeMatchThePreviousFormInBothSinks) {
  for (const chain::AssetEvent& e : EventsOfEveryType()) {
    for (std::optional<uint64_t> yield : {std::optional<uint64_t>(), std::optional<uint64_t>(830'000)}) {
      SCOPED_TRACE(std::string(chain::EventTypeName(e.type)) + (yield ? " yield" : ""));
      const Json expected = RefEvent(e, yield);
      EXPECT_EQ(EventToJson(e, kHrp, yield), expected);
      AddressCache addresses{std::string(kHrp)};
      EXPECT_EQ(Written([&](JsonWriter& w) { WriteEventFields(w, e, addresses, yield); }),
                expected);
    }
  }
}

TEST(JsonConvertTest, AssetsMatchThePreviousFormInBothSinks) {
  chain::UnitScales units;
  units["kg"] = 3;
  chain::Asset a;
  a.id = H(1);
  a.issuer = H(2);
  a.custodian = H(3);
  a.quantity = 1250;
  a.unit = "kg";
  a.metadata = {{"gtin", "09506000134352"},
                {"price", "", chain::MetaKind::kCommitted, H(4)}};
  a.documents = {H(5)};
  a.status = chain::AssetStatus::kSplit;
  a.created_height = 7;
  a.created_tx = H(6);
  a.event_count = 3;
  a.parents = {H(8), H(9)};
  a.children = {H(10)};
  chain::Asset fresh = a;  // no last event, no documents, no links, a unit without a scale
  fresh.last_event = Hash256{};
  fresh.documents.clear();
  fresh.parents.clear();
  fresh.children.clear();
  fresh.unit = "bags";
  a.last_event = H(11);
  for (const chain::Asset& asset : {a, fresh}) {
    const Json expected = RefAsset(asset, units);
    EXPECT_EQ(AssetToJson(asset, kHrp, units), expected);
    AddressCache addresses{std::string(kHrp)};
    EXPECT_EQ(Written([&](JsonWriter& w) { WriteAssetFields(w, asset, addresses, units); }),
              expected);
  }
}

// A party directory over fixed records: account 1 a certified farm (endorsed by registrar 9 for
// its role and by 8 for another), 2 without a profile, 9 a named registrar, 8 unnamed.
PartyDirectory FixedParties(int* reads) {
  return PartyDirectory(
      [reads](const chain::AccountId& id, size_t) -> chain::Result<consensus::Chainstate::PartyInfo> {
        ++*reads;
        consensus::Chainstate::PartyInfo info;
        if (id == H(1)) {
          chain::Party p;
          p.name = "Finca \"La Esperanza\"";
          p.role = "farm";
          info.party = p;
          info.endorsements = {{"farm", H(9), {3, H(30)}}, {"farm", H(8), {4, H(31)}},
                               {"exporter", H(9), {5, H(32)}}};
        } else if (id == H(9)) {
          chain::Party p;
          p.name = "Coop registry";
          p.role = "registrar";
          info.party = p;
        }
        return info;
      },
      std::string(kHrp));
}

Json RefSummary(const std::optional<std::string>& name, const std::optional<std::string>& role,
                std::vector<std::string> endorsed_by) {
  std::string label;
  for (const std::string& n : endorsed_by) label += (label.empty() ? "endorsed by " : ", ") + n;
  if (label.empty()) label = "self-declared";
  return {{"name", name ? Json(*name) : Json(nullptr)},
          {"role", role ? Json(*role) : Json(nullptr)},
          {"endorsed_by", endorsed_by},
          {"label", label}};
}

TEST(JsonConvertTest, PartySummariesMatchThePreviousFormAndReadEachAccountOnce) {
  int reads = 0;
  PartyDirectory parties = FixedParties(&reads);
  const Json farm =
      RefSummary("Finca \"La Esperanza\"", "farm", {"Coop registry", Addr(H(8))});
  const Json nobody = RefSummary(std::nullopt, std::nullopt, {});
  EXPECT_EQ(parties.Summary(H(1)), farm);
  EXPECT_EQ(Json::parse(parties.SummaryText(H(1))), farm);
  EXPECT_EQ(parties.Summary(H(2)), nobody);
  EXPECT_EQ(Json::parse(parties.SummaryText(H(2))), nobody);
  EXPECT_EQ(reads, 4);  // 1, its registrars 9 and 8, and 2: each once

  chain::AssetEvent e = EventsOfEveryType()[1];  // a transfer
  e.actor = H(1);
  e.counterparty = H(2);
  Json tree = EventToJson(e, kHrp);
  AnnotateEvent(&parties, e, &tree);
  Json expected = RefEvent(e, std::nullopt);
  expected["actor_party"] = farm;
  expected["counterparty_party"] = nobody;
  EXPECT_EQ(tree, expected);
  EXPECT_EQ(Written([&](JsonWriter& w) {
              WriteEventFields(w, e, parties.addresses(), std::nullopt);
              WriteEventParties(w, &parties, e);
            }),
            expected);
  e.counterparty = Hash256{};
  expected = RefEvent(e, std::nullopt);
  expected["actor_party"] = farm;
  expected["counterparty_party"] = nullptr;
  EXPECT_EQ(Written([&](JsonWriter& w) {
              WriteEventFields(w, e, parties.addresses(), std::nullopt);
              WriteEventParties(w, &parties, e);
            }),
            expected);
  EXPECT_EQ(reads, 4);
}

TEST(JsonConvertTest, TreeBuilderNestsAndAddsToAnExistingObject) {
  JsonTreeBuilder b;
  b.BeginObject()
      .Key("a")
      .BeginArray()
      .Uint(1)
      .BeginArray()
      .Int(-2)
      .EndArray()
      .BeginObject()
      .Key("x")
      .Null()
      .EndObject()
      .EndArray()
      .Key("h")
      .Hex(H(0).span())
      .Key("v")
      .Value(Json{{"k", true}})
      .EndObject();
  const Json built = b.Take();
  EXPECT_EQ(built, Json::parse(R"({"a":[1,[-2],{"x":null}],"h":")" + H(0).ToHex() +
                               R"(","v":{"k":true}})"));

  Json obj = {{"keep", 1}, {"replace", 2}};
  JsonTreeBuilder into(&obj);
  into.Key("replace").String("two").Key("added").BeginArray().Bool(false).EndArray();
  EXPECT_EQ(obj, Json::parse(R"({"keep":1,"replace":"two","added":[false]})"));
}

TEST(JsonConvertTest, AddressCacheEncodesAsBech32EvenPastItsBound) {
  AddressCache cache{std::string(kHrp)};
  for (size_t i = 0; i < AddressCache::kMaxEntries + 10; ++i) {
    Hash256 id;
    id.bytes[0] = static_cast<uint8_t>(i);
    id.bytes[1] = static_cast<uint8_t>(i >> 8);
    ASSERT_EQ(cache.Of(id), chain::bech32::EncodeAddress(kHrp, id)) << i;
  }
  Hash256 first;
  EXPECT_EQ(cache.Of(first), chain::bech32::EncodeAddress(kHrp, first));
}

}  // namespace
}  // namespace waybill::node
