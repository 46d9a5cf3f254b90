// The EPCIS 2.0 mapping (node/rest/epcis.h) on a lineage built in memory: farm lots merged by a
// cooperative, a certificate, a split, a temperature reading, a transformation and a
// correction. tests/functional/rest_epcis_test.py validates the same kinds of documents against
// GS1's JSON schema on a live node.
#include "node/rest/epcis.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "chain/bech32.h"
#include "chain/hash.h"

namespace waybill::node {
namespace {

using chain::Asset;
using chain::AssetEvent;
using chain::EventType;
using chain::Hash256;

Hash256 H(const std::string& label) {
  return chain::Sha256Hash(
      chain::ByteSpan(reinterpret_cast<const uint8_t*>(label.data()), label.size()));
}

const char* kHrp = "wbrt";

// The lineage: lot1 (gtin+lot, 1200 kg) and lot2 (no GS1 keys, 800 kg) issued at height 1;
// lot1 handed to the cooperative at 2; both merged into m (gtin+lot M1) at 3; m certified at
// 4; m split into s1 and s2 at 5; s1's temperature at 6; s1 transformed into r (gtin+serial)
// at 7; r corrected at 8.
class EpcisWorld {
 public:
  EpcisWorld() {
    farm_ = H("farm");
    coop_ = H("coop");
    Asset lot1 = MakeAsset("lot1", farm_, 1'200'000, "kg",
                           {{"gtin", "9506000134352"}, {"lot", "L1"},
                            {"origin", "Huila"}, {"read_point", "9506000134000"}},
                           1);
    Asset lot2 = MakeAsset("lot2", farm_, 800'000, "kg", {{"origin", "Nariño"}}, 1);
    Asset m = MakeAsset("m", coop_, 2'000'000, "kg", {{"gtin", "9506000134352"}, {"lot", "M1"}}, 3);
    Asset s1 = MakeAsset("s1", coop_, 1'000'000, "kg", {{"gtin", "9506000134352"}, {"lot", "M1"}}, 5);
    Asset s2 = MakeAsset("s2", coop_, 999'750, "kg", {{"gtin", "9506000134352"}, {"lot", "M1"}}, 5);
    Asset r = MakeAsset("r", coop_, 850, "bags",
                        {{"gtin", "09506000999999"}, {"lot", "R1"}, {"serial", "SN 1/2"}}, 7);
    m.parents = {lot1.id, lot2.id};
    lot1.children = lot2.children = {m.id};
    m.children = {s1.id, s2.id};
    s1.parents = s2.parents = {m.id};
    s1.children = {r.id};
    r.parents = {s1.id};
    for (Asset* a : {&lot1, &lot2, &m, &s1, &s2, &r}) assets_[a->id] = *a;

    Add(lot1.id, EventType::kIssue, "issue1", 1, farm_);
    Add(lot2.id, EventType::kIssue, "issue2", 1, farm_);
    AssetEvent& t = Add(lot1.id, EventType::kTransfer, "xfer", 2, farm_);
    t.counterparty = coop_;
    Add(lot1.id, EventType::kMerge, "merge", 3, coop_).related = {m.id};
    Add(lot2.id, EventType::kMerge, "merge", 3, coop_).related = {m.id};
    Add(m.id, EventType::kMergeOutput, "merge", 3, coop_).related = {lot1.id, lot2.id};
    AssetEvent& cert = Add(m.id, EventType::kAttest, "cert", 4, H("certifier"));
    cert.claim = "organic";
    cert.value = "https://cert.example/eu-bio/123";
    cert.document = H("certificate.pdf");
    cert.attester_certified = 1;
    Add(m.id, EventType::kSplit, "split", 5, coop_).related = {s1.id, s2.id};
    Add(s1.id, EventType::kSplitChild, "split", 5, coop_).related = {m.id};
    Add(s2.id, EventType::kSplitChild, "split", 5, coop_).related = {m.id};
    AssetEvent& temp = Add(s1.id, EventType::kAttest, "temp", 6, H("carrier"));
    temp.claim = "temperature";
    temp.value = "4.5 C";
    Add(s1.id, EventType::kTransform, "roast", 7, coop_).related = {r.id};
    Add(r.id, EventType::kTransformOutput, "roast", 7, coop_).related = {s1.id};
    AssetEvent& fix = Add(r.id, EventType::kCorrect, "fix", 8, coop_);
    fix.value = "typo";
    fix.related = {events_[r.id][0].id};
    fix.changes = {{"lot", chain::MetadataEntry{"lot", "R0"}, chain::MetadataEntry{"lot", "R1"}}};
    for (auto& [id, a] : assets_) a.event_count = static_cast<uint32_t>(events_[id].size());
  }

  EpcisReader Reader() const {
    EpcisReader reader;
    reader.get_asset = [this](const Hash256& id) -> chain::Result<std::optional<Asset>> {
      auto it = assets_.find(id);
      if (it == assets_.end()) return std::optional<Asset>();
      return std::optional<Asset>(it->second);
    };
    reader.get_events = [this](const Hash256& id, uint32_t from,
                               uint32_t limit) -> chain::Result<std::vector<AssetEvent>> {
      std::vector<AssetEvent> out;
      auto it = events_.find(id);
      if (it == events_.end()) return out;
      for (size_t i = from; i < it->second.size() && out.size() < limit; ++i) {
        out.push_back(it->second[i]);
      }
      return out;
    };
    return reader;
  }

  RestJson Document(const std::string& asset, bool lineage) const {
    auto input = LoadEpcisInput(Reader(), H(asset), lineage);
    EXPECT_TRUE(input.ok() && input->has_value());
    if (!input.ok() || !input->has_value()) return RestJson();
    EpcisOptions options;
    options.hrp = kHrp;
    options.units = {{"kg", 3}, {"t", 3}, {"pcs", 0}};
    options.creation_time = 1'800'000'100;
    return EpcisDocument(**input, options);
  }

  std::string Party(const Hash256& id) const {
    return "urn:waybill:account:" + chain::bech32::EncodeAddress(kHrp, id);
  }
  const Hash256& farm() const { return farm_; }
  const Hash256& coop() const { return coop_; }
  std::map<Hash256, Asset>& assets() { return assets_; }
  std::map<Hash256, std::vector<AssetEvent>>& events() { return events_; }

 private:
  Asset MakeAsset(const std::string& name, const Hash256& issuer, uint64_t quantity,
                  const std::string& unit, std::vector<chain::MetadataEntry> metadata,
                  uint32_t height) {
    Asset a;
    a.id = H(name);
    a.issuer = a.custodian = issuer;
    a.quantity = quantity;
    a.unit = unit;
    a.metadata = std::move(metadata);
    a.created_height = height;
    return a;
  }
  AssetEvent& Add(const Hash256& asset, EventType type, const std::string& tx, uint32_t height,
                  const Hash256& actor) {
    std::vector<AssetEvent>& list = events_[asset];
    AssetEvent e;
    e.txid = H("tx:" + tx);
    e.id = chain::AssetEventId(e.txid, asset);
    e.asset = asset;
    e.sequence = static_cast<uint32_t>(list.size());
    e.prev_event = list.empty() ? Hash256() : list.back().id;
    e.type = type;
    e.height = height;
    e.time = 1'800'000'000 + 60 * height;
    e.actor = actor;
    list.push_back(e);
    return list.back();
  }

  Hash256 farm_;
  Hash256 coop_;
  std::map<Hash256, Asset> assets_;
  std::map<Hash256, std::vector<AssetEvent>> events_;
};

const RestJson& EventList(const RestJson& doc) { return doc["epcisBody"]["eventList"]; }

TEST(EpcisDocument, DocumentHeader) {
  EpcisWorld w;
  RestJson doc = w.Document("lot1", false);
  EXPECT_EQ(doc["@context"][0], "https://ref.gs1.org/standards/epcis/epcis-context.jsonld");
  EXPECT_EQ(doc["@context"][1]["waybill"], "https://waybill.dev/epcis/");
  EXPECT_EQ(doc["type"], "EPCISDocument");
  EXPECT_EQ(doc["schemaVersion"], "2.0");
  EXPECT_EQ(doc["creationDate"], "2027-01-15T08:01:40Z");
  EXPECT_FALSE(doc.contains("waybill:truncated"));
  // issue, transfer, merge (one TransformationEvent).
  ASSERT_EQ(EventList(doc).size(), 3u);
}

TEST(EpcisDocument, IssueIsObjectEventAddWithClassQuantity) {
  EpcisWorld w;
  const RestJson issue = EventList(w.Document("lot1", false))[0];
  EXPECT_EQ(issue["type"], "ObjectEvent");
  EXPECT_EQ(issue["action"], "ADD");
  EXPECT_EQ(issue["bizStep"], "commissioning");
  EXPECT_EQ(issue["eventTime"], "2027-01-15T08:01:00Z");
  EXPECT_EQ(issue["eventTimeZoneOffset"], "+00:00");
  EXPECT_TRUE(std::regex_match(issue["eventID"].get<std::string>(),
                               std::regex("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-"
                                          "[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(issue["eventID"], EpcisUuid(chain::AssetEventId(H("tx:issue1"), H("lot1"))));
  EXPECT_FALSE(issue.contains("epcList"));
  ASSERT_EQ(issue["quantityList"].size(), 1u);
  EXPECT_EQ(issue["quantityList"][0]["epcClass"],
            "https://id.gs1.org/01/09506000134352/10/L1");
  EXPECT_EQ(issue["quantityList"][0]["quantity"], 1200);
  // 1200.000 kg is written as the integer 1200, not 1200.0.
  EXPECT_TRUE(issue["quantityList"][0]["quantity"].is_number_integer());
  EXPECT_EQ(issue["quantityList"][0]["uom"], "KGM");
  EXPECT_EQ(issue["readPoint"]["id"], "https://id.gs1.org/414/9506000134000");
  EXPECT_FALSE(issue.contains("bizLocation"));
  EXPECT_EQ(issue["ilmd"]["waybill:metadata"]["origin"], "Huila");
  EXPECT_EQ(issue["waybill:actor"], w.Party(w.farm()));
}

TEST(EpcisDocument, AssetWithoutGs1KeysIsNamedByItsId) {
  EpcisWorld w;
  const RestJson issue = EventList(w.Document("lot2", false))[0];
  EXPECT_EQ(issue["epcList"], RestJson({"urn:waybill:asset:" + H("lot2").ToHex()}));
  EXPECT_FALSE(issue.contains("quantityList"));
  EXPECT_FALSE(issue.contains("readPoint"));
}

TEST(EpcisDocument, TransferHasSourceAndDestinationParties) {
  EpcisWorld w;
  const RestJson t = EventList(w.Document("lot1", false))[1];
  EXPECT_EQ(t["type"], "ObjectEvent");
  EXPECT_EQ(t["action"], "OBSERVE");
  EXPECT_EQ(t["bizStep"], "shipping");
  ASSERT_EQ(t["sourceList"].size(), 2u);
  EXPECT_EQ(t["sourceList"][0]["type"], "owning_party");
  EXPECT_EQ(t["sourceList"][0]["source"], w.Party(w.farm()));
  EXPECT_EQ(t["sourceList"][1]["type"], "possessing_party");
  EXPECT_EQ(t["destinationList"][0]["destination"], w.Party(w.coop()));
  EXPECT_EQ(t["destinationList"][1]["destination"], w.Party(w.coop()));
}

TEST(EpcisDocument, MergeIsOneTransformationEventWithBothSides) {
  EpcisWorld w;
  const RestJson m = EventList(w.Document("lot1", false))[2];
  EXPECT_EQ(m["type"], "TransformationEvent");
  EXPECT_EQ(m["waybill:operation"], "merge");
  EXPECT_EQ(m["eventID"], EpcisUuid(H("tx:merge")));
  EXPECT_EQ(m["transformationID"], "urn:waybill:tx:" + H("tx:merge").ToHex());
  EXPECT_EQ(m["inputEPCList"], RestJson({"urn:waybill:asset:" + H("lot2").ToHex()}));
  ASSERT_EQ(m["inputQuantityList"].size(), 1u);
  EXPECT_EQ(m["inputQuantityList"][0]["epcClass"], "https://id.gs1.org/01/09506000134352/10/L1");
  ASSERT_EQ(m["outputQuantityList"].size(), 1u);
  EXPECT_EQ(m["outputQuantityList"][0]["epcClass"],
            "https://id.gs1.org/01/09506000134352/10/M1");
  EXPECT_EQ(m["outputQuantityList"][0]["quantity"], 2000);
  EXPECT_FALSE(m.contains("outputEPCList"));
}

TEST(EpcisDocument, CertificateAndSensorAttestations) {
  EpcisWorld w;
  const RestJson m_events = EventList(w.Document("m", false));
  ASSERT_EQ(m_events.size(), 3u);  // merge, certificate, split
  const RestJson cert = m_events[1];
  EXPECT_EQ(cert["bizStep"], "inspecting");
  ASSERT_TRUE(cert["certificationInfo"].is_array());
  EXPECT_EQ(cert["certificationInfo"][0], "https://cert.example/eu-bio/123");
  EXPECT_TRUE(cert["certificationInfo"][1].get<std::string>().starts_with("ni:///sha-256;"));
  EXPECT_EQ(cert["certificationInfo"][1].get<std::string>().size(), 14u + 43u);
  EXPECT_EQ(cert["waybill:claim"], "organic");
  EXPECT_EQ(cert["waybill:document"], H("certificate.pdf").ToHex());
  EXPECT_EQ(cert["waybill:certified"], true);
  EXPECT_FALSE(cert.contains("sensorElementList"));

  const RestJson s1_events = EventList(w.Document("s1", false));
  ASSERT_EQ(s1_events.size(), 3u);  // split, temperature, transform
  const RestJson split = s1_events[0];
  EXPECT_EQ(split["waybill:operation"], "split");
  EXPECT_EQ(split["inputQuantityList"][0]["quantity"], 2000);
  ASSERT_EQ(split["outputQuantityList"].size(), 2u);  // s1 and s2 (the sibling too)
  EXPECT_DOUBLE_EQ(split["outputQuantityList"][1]["quantity"].get<double>(), 999.75);
  const RestJson temp = s1_events[1];
  EXPECT_EQ(temp["bizStep"], "sensor_reporting");
  EXPECT_FALSE(temp.contains("certificationInfo"));
  const RestJson report = temp["sensorElementList"][0]["sensorReport"][0];
  EXPECT_EQ(report["type"], "Temperature");
  EXPECT_DOUBLE_EQ(report["value"].get<double>(), 4.5);
  EXPECT_EQ(report["uom"], "CEL");
  const RestJson roast = s1_events[2];
  EXPECT_EQ(roast["waybill:operation"], "transform");
  // r has gtin and serial: an instance id, percent-encoded; its unit has no UN/CEFACT code.
  EXPECT_EQ(roast["outputEPCList"],
            RestJson({"https://id.gs1.org/01/09506000999999/21/SN%201%2F2"}));
}

TEST(EpcisDocument, CorrectionCarriesItsChanges) {
  EpcisWorld w;
  const RestJson r_events = EventList(w.Document("r", false));
  ASSERT_EQ(r_events.size(), 2u);
  const RestJson fix = r_events[1];
  EXPECT_EQ(fix["type"], "ObjectEvent");
  EXPECT_EQ(fix["action"], "OBSERVE");
  EXPECT_EQ(fix["waybill:reason"], "typo");
  EXPECT_EQ(fix["waybill:changes"][0]["before"], "R0");
  EXPECT_EQ(fix["waybill:changes"][0]["after"], "R1");
}

TEST(EpcisDocument, LineageHasEveryAncestorOnceInHeightOrder) {
  EpcisWorld w;
  RestJson doc = w.Document("r", true);
  const RestJson& list = EventList(doc);
  // issue1, issue2, transfer, merge, cert, split, temp, roast, fix.
  ASSERT_EQ(list.size(), 9u);
  std::vector<int> heights;
  for (const auto& e : list) heights.push_back(e["waybill:height"].get<int>());
  EXPECT_EQ(heights, (std::vector<int>{1, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(list[3]["waybill:operation"], "merge");
  // Without lineage the same asset has only its own two events.
  EXPECT_EQ(EventList(w.Document("r", false)).size(), 2u);
  // s2 is not an ancestor of r: its own events never appear (the split appears once).
  for (const auto& e : list) EXPECT_NE(e.value("waybill:event", ""), H("s2").ToHex());
}

TEST(EpcisDocument, LineageStopsAtItsBound) {
  EpcisWorld w;
  // A chain of kEpcisMaxAssets + 5 assets, each the split child of the one before.
  Hash256 prev = H("lot1");
  for (size_t i = 0; i < kEpcisMaxAssets + 5; ++i) {
    Asset a;
    a.id = H("chain" + std::to_string(i));
    a.parents = {prev};
    a.created_height = 10;
    w.assets()[a.id] = a;
    prev = a.id;
  }
  auto input = LoadEpcisInput(w.Reader(), prev, true);
  ASSERT_TRUE(input.ok() && input->has_value());
  EXPECT_TRUE((*input)->truncated);
  EpcisOptions options;
  options.hrp = kHrp;
  EXPECT_EQ(EpcisDocument(**input, options)["waybill:truncated"], true);
  auto small = LoadEpcisInput(w.Reader(), H("chain3"), true);
  ASSERT_TRUE(small.ok() && small->has_value());
  EXPECT_FALSE((*small)->truncated);
}

TEST(EpcisDocument, UnknownAssetIsNullopt) {
  EpcisWorld w;
  auto input = LoadEpcisInput(w.Reader(), H("nothing"), true);
  ASSERT_TRUE(input.ok());
  EXPECT_FALSE(input->has_value());
}

TEST(EpcisHelpers, UnitCodes) {
  EXPECT_EQ(UneceUnitCode("kg"), "KGM");
  EXPECT_EQ(UneceUnitCode("t"), "TNE");
  EXPECT_EQ(UneceUnitCode("l"), "LTR");
  EXPECT_EQ(UneceUnitCode("pcs"), "H87");
  EXPECT_EQ(UneceUnitCode("bags"), std::nullopt);
}

TEST(EpcisHelpers, SensorReadings) {
  auto r = ParseSensorReading("temperature", "-18.5 \xC2\xB0" "C");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, "-18.5");
  EXPECT_EQ(r->uom, "CEL");
  EXPECT_EQ(ParseSensorReading("temperature", "39.2F")->uom, "FAH");
  EXPECT_EQ(ParseSensorReading("temp", "+4")->value, "4");
  EXPECT_EQ(ParseSensorReading("humidity", "65 %")->uom, "P1");
  EXPECT_EQ(ParseSensorReading("humidity", "65 %")->type, "RelativeHumidity");
  EXPECT_FALSE(ParseSensorReading("temperature", "cold"));
  EXPECT_FALSE(ParseSensorReading("temperature", ""));
  EXPECT_FALSE(ParseSensorReading("temperature", "4.5 bar"));
  EXPECT_FALSE(ParseSensorReading("temperature", "1."));
  EXPECT_FALSE(ParseSensorReading("organic", "4.5"));
}

TEST(EpcisHelpers, DigitalLinkPath) {
  EpcisWorld w;
  EXPECT_EQ(DigitalLinkPath(w.assets()[H("lot1")]), "/01/9506000134352/10/L1");
  EXPECT_EQ(DigitalLinkPath(w.assets()[H("r")]), "/01/09506000999999/10/R1/21/SN%201%2F2");
  EXPECT_EQ(DigitalLinkPath(w.assets()[H("lot2")]), std::nullopt);
  Asset committed = w.assets()[H("lot1")];
  committed.metadata[1].kind = chain::MetaKind::kCommitted;  // lot
  EXPECT_EQ(DigitalLinkPath(committed), std::nullopt);
}

TEST(EpcisHelpers, TimeAndUuid) {
  EXPECT_EQ(EpcisTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(EpcisTime(1'700'000'000), "2023-11-14T22:13:20Z");
  Hash256 h;
  for (size_t i = 0; i < 32; ++i) h.bytes[i] = 0xff;
  EXPECT_EQ(EpcisUuid(h), "urn:uuid:ffffffff-ffff-8fff-bfff-ffffffffffff");
}

// With WAYBILL_EPCIS_DUMP_DIR set, writes the documents of every asset (alone and with its
// lineage) there, one file each, for a schema check by hand:
//   WAYBILL_EPCIS_DUMP_DIR=/tmp/x build/node_rest_epcis_test --gtest_filter='*Dump*'
TEST(EpcisDocument, DumpForSchemaCheck) {
  const char* dir = std::getenv("WAYBILL_EPCIS_DUMP_DIR");
  if (dir == nullptr) GTEST_SKIP() << "WAYBILL_EPCIS_DUMP_DIR not set";
  EpcisWorld w;
  for (const char* name : {"lot1", "lot2", "m", "s1", "s2", "r"}) {
    for (bool lineage : {false, true}) {
      std::ofstream out(std::string(dir) + "/" + name + (lineage ? "_lineage" : "") + ".jsonld");
      out << w.Document(name, lineage).dump(1) << "\n";
      ASSERT_TRUE(out.good());
    }
  }
}

}  // namespace
}  // namespace waybill::node
