// The EPCIS and QR routes (node/rest/epcis.h, qr.h) on a real chainstate, through a route table
// of their own (RegisterEpcisRoutes, RegisterQrRoutes): replies, content types, errors.
// tests/functional/rest_epcis_test.py runs them on a live node and validates the documents
// against GS1's schema.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chain/bech32.h"
#include "consensus/chainstate.h"
#include "node/rest/epcis.h"
#include "node/rest/qr.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::node {
namespace {

using consensus::testing::StoredChainTest;

constexpr int kMiner = 5;

class EpcisRouteTest : public StoredChainTest {
 protected:
  void SetUp() override {
    StoredChainTest::SetUp();
    RegisterEpcisRoutes(routes_);
    RegisterQrRoutes(routes_);
    ctx_.params = &params_;
    ctx_.chain = cs_.get();
    ctx_.public_url = "http://shop.example";
  }

  void Mine(std::vector<chain::Transaction> txs) {
    const consensus::TipInfo tip = cs_->Tip();
    chain::Block block = consensus::testing::MakeBlock(params_, tip.id, tip.height,
                                                       std::move(txs), f_.Id(kMiner));
    consensus::BlockOutcome outcome;
    consensus::ValidationResult r = cs_->ProcessBlockBytes(block.Serialize(), &outcome);
    ASSERT_TRUE(r.valid()) << r.ToString();
  }

  chain::Hash256 Issue(int key, uint64_t nonce, std::vector<chain::MetadataEntry> meta) {
    chain::Transaction tx = f_.Make(key, nonce, chain::AssetIssueOp{1'200'000, "kg", meta, {}});
    chain::Hash256 id = chain::NewAssetIds(tx).at(0);
    Mine({tx});
    return id;
  }

  HttpResponse Get(const std::string& target) {
    HttpRequest http;
    http.method = "GET";
    http.target = target;
    auto req = ParseRestTarget(http);
    EXPECT_TRUE(req);
    if (!req) return {};
    RestRoutes::Match m = routes_.Find("GET", req->segments);
    EXPECT_NE(m.handler, nullptr) << target;
    if (m.handler == nullptr) return {};
    req->params = m.params;
    return (*m.handler)(ctx_, *req);
  }

  RestRoutes routes_;
  RestContext ctx_;
};

TEST_F(EpcisRouteTest, DocumentOfAnIssuedLot) {
  chain::Hash256 lot = Issue(0, 0, {{"gtin", "09506000134352"}, {"lot", "L1"}});
  chain::Transaction attest =
      f_.Make(1, 0, chain::AssetAttestOp{lot, "temperature", "-18 C", chain::Hash256()});
  Mine({attest});
  HttpResponse r = Get("/v1/assets/" + lot.ToHex() + "/epcis");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/ld+json");
  RestJson doc = RestJson::parse(r.body);
  EXPECT_EQ(doc["type"], "EPCISDocument");
  EXPECT_EQ(doc["creationDate"], EpcisTime(cs_->Tip().header.time));
  const RestJson& events = doc["epcisBody"]["eventList"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["action"], "ADD");
  EXPECT_EQ(events[0]["quantityList"][0]["epcClass"],
            "https://id.gs1.org/01/09506000134352/10/L1");
  EXPECT_EQ(events[0]["quantityList"][0]["quantity"], 1200);
  EXPECT_EQ(events[0]["waybill:actor"],
            "urn:waybill:account:" +
                chain::bech32::EncodeAddress(params_.address_prefix, f_.Id(0)));
  EXPECT_EQ(events[1]["sensorElementList"][0]["sensorReport"][0]["value"], -18);
  // Lineage of an origin lot: the same events.
  RestJson lineage = RestJson::parse(Get("/v1/assets/" + lot.ToHex() + "/epcis?lineage=1").body);
  EXPECT_EQ(lineage["epcisBody"], doc["epcisBody"]);
}

TEST_F(EpcisRouteTest, Errors) {
  chain::Hash256 lot = Issue(0, 0, {});
  EXPECT_EQ(Get("/v1/assets/" + std::string(63, 'a') + "/epcis").status, 400);
  EXPECT_EQ(Get("/v1/assets/" + std::string(64, 'g') + "/epcis").status, 400);
  EXPECT_EQ(Get("/v1/assets/" + std::string(64, '0') + "/epcis").status, 404);
  EXPECT_EQ(Get("/v1/assets/" + lot.ToHex() + "/epcis?lineage=2").status, 400);
  EXPECT_EQ(Get("/v1/assets/" + lot.ToHex() + "/epcis?lineage=true").status, 200);
  EXPECT_EQ(Get("/v1/assets/" + std::string(64, '0') + "/qr.svg").status, 404);
  HttpResponse bad = Get("/v1/assets/xyz/qr.svg");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.content_type, "application/problem+json");
}

TEST_F(EpcisRouteTest, QrEncodesTheDigitalLinkOrThePage) {
  chain::Hash256 lot = Issue(0, 0, {{"gtin", "09506000134352"}, {"lot", "L 1"}});
  chain::Hash256 plain = Issue(0, 1, {{"origin", "Huila"}});
  HttpResponse r = Get("/v1/assets/" + lot.ToHex() + "/qr.svg");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "image/svg+xml");
  EXPECT_NE(r.body.find("data-uri=\"http://shop.example/01/09506000134352/10/L%201\""),
            std::string::npos)
      << r.body.substr(0, 300);
  r = Get("/v1/assets/" + plain.ToHex() + "/qr.svg");
  EXPECT_NE(r.body.find("<title>http://shop.example/asset/" + plain.ToHex() + "</title>"),
            std::string::npos);
  bool cache = false;
  for (const auto& [name, value] : r.headers) {
    cache |= name == "Cache-Control" && value == "public, max-age=5";
  }
  EXPECT_TRUE(cache);
}

}  // namespace
}  // namespace waybill::node
