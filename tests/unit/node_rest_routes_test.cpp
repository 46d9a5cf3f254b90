// The REST routes as pure handlers (DispatchRest) over a real regtest chainstate: a lot issued,
// attested, split, one child transferred and merged with another lot. Every route with good
// and bad input, the dispatcher's rules, and a reorg that removes an event from every answer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "chain/block.h"
#include "chain/tx.h"
#include "node/rest/rest.h"
#include "node/rest/rest_server.h"
#include "node/rest/snapshots.h"
#include "node/rest/web_files.h"
#include "node/rpc/contracts.h"
#include "contracts/assembler.h"
#include "contracts/bytecode.h"
#include "tests/unit/node_test_util.h"

namespace waybill::node {
namespace {

using chain::Hash256;
using Json = nlohmann::json;

class RestRoutesTest : public testing::RegtestFixture {
 protected:
  void SetUp() override {
    RegtestFixture::SetUp();
    ctx_.params = &params_;
    ctx_.chain = chain_.get();
    ctx_.mempool = mempool_;
    ctx_.public_url = "http://rest.test";
    routes_ = MakeRestRoutes(ctx_);
    limits_.rate_per_second = 1e6;
    limits_.burst = 1e6;
    limits_.clock = [this] { return now_; };
    limiter_ = std::make_unique<RestRateLimiter>(limits_);
    BuildLineage();
  }

  struct Reply {
    int status = 0;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    Json json;
    std::string route;
    std::string Header(const std::string& name) const {
      for (const auto& [k, v] : headers) {
        if (k == name) return v;
      }
      return "";
    }
  };

  Reply Get(const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {},
            const std::string& method = "GET", const std::string& ip = "127.0.0.1") {
    HttpRequest req;
    req.method = method;
    req.target = target;
    req.headers = std::move(headers);
    req.remote_address = ip;
    HttpResponse r = DispatchRest(req, routes_, ctx_, limits_, limiter_.get());
    Reply out{r.status, r.content_type, r.headers, r.body, Json(), r.route};
    if (!r.body.empty() && r.content_type.find("json") != std::string::npos) {
      out.json = Json::parse(r.body, nullptr, false);
    }
    return out;
  }

  // Mines txs into a block on the current tip.
  Hash256 Connect(std::vector<chain::Transaction> txs) {
    consensus::TipInfo tip = chain_->Tip();
    chain::Block b = consensus::testing::MakeBlock(params_, tip.id, tip.height, std::move(txs),
                                                   Id(9));
    consensus::BlockOutcome outcome;
    consensus::ValidationResult r = chain_->ProcessBlockBytes(b.Serialize(), &outcome);
    EXPECT_TRUE(r.valid()) << r.ToString();
    return b.header.Id();
  }

  static chain::MetadataEntry Meta(std::string k, std::string v) {
    chain::MetadataEntry m;
    m.key = std::move(k);
    m.value = std::move(v);
    return m;
  }

  chain::Transaction Tx(int key, chain::Operation op) {
    return Make(key, nonces_[key]++, std::move(op));
  }

  // lot (key 0, gtin/lot metadata) --attest by key 1--> split into a (600) and b (400);
  // a handed to key 2; b merged with lot2 (key 0) into pallet.
  void BuildLineage() {
    chain::AssetIssueOp issue{1000, "kg", {Meta("gtin", "09506000134352"), Meta("lot", "L1")}, {}};
    chain::Transaction t_issue = Tx(0, issue);
    lot_ = chain::NewAssetIds(t_issue).at(0);
    chain::AssetIssueOp issue2{500, "kg", {Meta("gtin", "09506000134352"), Meta("lot", "L2")}, {}};
    chain::Transaction t_issue2 = Tx(0, issue2);
    lot2_ = chain::NewAssetIds(t_issue2).at(0);
    Connect({t_issue, t_issue2});
    attest_tx_ = Tx(1, chain::AssetAttestOp{lot_, "organic", "EU-BIO-01", Hash256{}});
    Connect({attest_tx_});
    chain::Transaction t_split = Tx(0, chain::AssetSplitOp{lot_, chain::SplitChildren({600, 400})});
    a_ = chain::NewAssetIds(t_split).at(0);
    b_ = chain::NewAssetIds(t_split).at(1);
    Connect({t_split});
    transfer_tx_ = Tx(0, chain::AssetTransferOp{a_, Id(2)});
    chain::Transaction t_merge = Tx(0, chain::AssetMergeOp{{b_, lot2_}, 900, "kg", {}, {}});
    pallet_ = chain::NewAssetIds(t_merge).at(0);
    Connect({transfer_tx_, t_merge});
  }

  std::string Addr(int key) const {
    return chain::bech32::EncodeAddress(params_.address_prefix, Id(key));
  }

  RestContext ctx_;
  RestRoutes routes_;
  RestLimits limits_;
  double now_ = 1000;
  std::unique_ptr<RestRateLimiter> limiter_;
  std::map<int, uint64_t> nonces_;
  Hash256 lot_, lot2_, a_, b_, pallet_;
  chain::Transaction attest_tx_, transfer_tx_;
};

TEST_F(RestRoutesTest, AssetCarriesOriginsAndAncestorAttestations) {
  Reply r = Get("/v1/assets/" + pallet_.ToHex());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.route, "/v1/assets/{id}");
  EXPECT_EQ(r.json["asset"]["asset"], pallet_.ToHex());
  EXPECT_EQ(r.json["asset"]["confirmations"], 1);
  std::set<std::string> origins;
  for (const Json& o : r.json["origins"]) origins.insert(o["asset"].get<std::string>());
  EXPECT_EQ(origins, (std::set<std::string>{lot_.ToHex(), lot2_.ToHex()}));
  ASSERT_EQ(r.json["attestations"].size(), 1u);
  EXPECT_EQ(r.json["attestations"][0]["on_asset"], lot_.ToHex());
  EXPECT_EQ(r.json["attestations"][0]["hop"], 2);  // pallet <- b <- lot
  EXPECT_EQ(r.json["attestations"][0]["claim"], "organic");
  EXPECT_TRUE(r.json["attestations"][0].contains("actor_party"));
  EXPECT_EQ(r.json["links"]["digital_link"], nullptr);  // the pallet has no gtin/lot
  Reply lot = Get("/v1/assets/" + lot_.ToHex());
  EXPECT_EQ(lot.json["links"]["digital_link"], "http://rest.test/01/09506000134352/10/L1");
  EXPECT_EQ(lot.json["attestations"][0]["hop"], 0);
  EXPECT_EQ(lot.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_FALSE(lot.Header("ETag").empty());
}

TEST_F(RestRoutesTest, MalformedAndUnknownIds) {
  for (const std::string& id : std::vector<std::string>{"zz", "abc", std::string(63, 'a'), std::string(65, 'a'),
                                std::string(64, 'g')}) {
    for (const std::string path : {"/v1/assets/", "/v1/txs/"}) {
      Reply r = Get(path + id);
      EXPECT_EQ(r.status, 400) << path << id;
      EXPECT_EQ(r.content_type, "application/problem+json");
      EXPECT_EQ(r.json["title"], "Malformed id");
    }
  }
  const std::string unknown(64, 'e');
  for (const std::string path : {"/v1/assets/", "/v1/txs/", "/v1/blocks/"}) {
    Reply r = Get(path + unknown);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.json["status"], 404);
  }
  EXPECT_EQ(Get("/v1/assets/" + unknown + "/history").status, 404);
  EXPECT_EQ(Get("/v1/assets/" + unknown + "/trace").status, 404);
  EXPECT_EQ(Get("/v1/blocks/99999").status, 404);
  EXPECT_EQ(Get("/v1/blocks/-1").status, 400);
  EXPECT_EQ(Get("/v1/blocks/12345678901").status, 400);
  EXPECT_EQ(Get("/v1/accounts/wbr1nope").status, 400);
}

TEST_F(RestRoutesTest, HistoryPagesAndCursorValidation) {
  Reply all = Get("/v1/assets/" + lot_.ToHex() + "/history");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(all.json["events"].size(), 3u);  // issue, attest, split
  EXPECT_EQ(all.json["next_cursor"], nullptr);
  EXPECT_EQ(all.Header("Cache-Control"), "public, max-age=5");
  Reply p1 = Get("/v1/assets/" + lot_.ToHex() + "/history?limit=2&unknown=1");
  ASSERT_EQ(p1.json["events"].size(), 2u);
  ASSERT_EQ(p1.json["next_cursor"], "2");
  Reply p2 = Get("/v1/assets/" + lot_.ToHex() + "/history?limit=2&cursor=2");
  ASSERT_EQ(p2.json["events"].size(), 1u);
  EXPECT_EQ(p2.json["events"][0]["type"], "split");
  EXPECT_EQ(p2.json["next_cursor"], nullptr);
  for (const std::string q : {"limit=0", "limit=1001", "limit=-1", "limit=abc", "limit=",
                               "limit=1e3", "cursor=-5", "cursor=99999999999999999999",
                               "cursor=+1", "cursor=%201"}) {
    Reply r = Get("/v1/assets/" + lot_.ToHex() + "/history?" + q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.json["title"], "Bad parameter") << q;
  }
  Reply past = Get("/v1/assets/" + lot_.ToHex() + "/history?cursor=4000000000");
  EXPECT_EQ(past.status, 200);
  EXPECT_TRUE(past.json["events"].empty());
}

TEST_F(RestRoutesTest, HistoryPageDeepEnoughIsImmutable) {
  // Full page (limit 2 of 3 events) whose events are all deeper than kImmutableDepth.
  std::vector<chain::Transaction> none;
  for (uint32_t i = 0; i <= kImmutableDepth; ++i) Connect(none);
  Reply page = Get("/v1/assets/" + lot_.ToHex() + "/history?limit=2");
  EXPECT_EQ(page.Header("Cache-Control"), "public, max-age=31536000, immutable");
  Reply last = Get("/v1/assets/" + lot_.ToHex() + "/history");  // not full: may grow
  EXPECT_EQ(last.Header("Cache-Control"), "public, max-age=5");
  Reply etag = Get("/v1/assets/" + lot_.ToHex() + "/history?limit=2",
                   {{"if-none-match", page.Header("ETag")}});
  EXPECT_EQ(etag.status, 304);
  EXPECT_TRUE(etag.body.empty());
  Reply block = Get("/v1/blocks/" + chain_->BlockHashAt(1)->ToHex());
  EXPECT_EQ(block.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/v1/blocks/1").Header("Cache-Control"), "public, max-age=5");
}

TEST_F(RestRoutesTest, TraceBackAndForward) {
  Reply back = Get("/v1/assets/" + pallet_.ToHex() + "/trace");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.Header("Cache-Control"), "public, max-age=5");
  EXPECT_EQ(back.json["root"], pallet_.ToHex());
  EXPECT_EQ(back.json["direction"], "back");
  EXPECT_EQ(back.json["max_depth"], 64);
  EXPECT_EQ(back.json["truncated"], false);
  EXPECT_EQ(back.json["limits"],
            Json::parse(R"({"nodes": 5000, "events_per_node": 1000, "events": 20000})"));
  const Json& nodes = back.json["nodes"];
  const Json& parties = back.json["parties"];
  ASSERT_EQ(nodes.size(), 4u);  // pallet, then b and lot2 (in the merge's order), then lot
  EXPECT_EQ(nodes[0]["asset"], pallet_.ToHex());
  EXPECT_EQ(nodes[0]["depth"], 0);
  EXPECT_EQ(nodes[1]["asset"], b_.ToHex());
  EXPECT_EQ(nodes[2]["asset"], lot2_.ToHex());
  EXPECT_EQ(nodes[3]["asset"], lot_.ToHex());
  EXPECT_EQ(nodes[3]["depth"], 2);
  // lot: issued (key 0), attested (key 1), split; parties are named once, by position.
  const Json& lot = nodes[3];
  EXPECT_EQ(lot["status"], "split");
  EXPECT_EQ(lot["quantity"], 1000);
  EXPECT_EQ(lot["amount"], "1.000");
  EXPECT_EQ(lot["unit"], "kg");
  EXPECT_EQ(lot["metadata"][1], Json::parse(R"({"key": "lot", "value": "L1"})"));
  EXPECT_EQ(lot["event_count"], 3);
  ASSERT_EQ(lot["events"].size(), 3u);
  EXPECT_EQ(lot["events"][0]["type"], "issue");
  const Json& attest = lot["events"][1];
  EXPECT_EQ(attest["type"], "attest");
  EXPECT_EQ(attest["claim"], "organic");
  EXPECT_EQ(attest["value"], "EU-BIO-01");
  EXPECT_EQ(attest["document"], nullptr);
  EXPECT_EQ(attest["height"], 2);
  const std::string hrp = params_.address_prefix;
  EXPECT_EQ(parties.at(attest["actor"].get<size_t>())["address"],
            chain::bech32::EncodeAddress(hrp, Id(1)));
  EXPECT_EQ(parties.at(lot["custodian"].get<size_t>())["address"],
            chain::bech32::EncodeAddress(hrp, Id(0)));
  std::set<std::string> addresses;
  for (const Json& p : parties) {
    EXPECT_TRUE(p.contains("name") && p.contains("role") && p.contains("label")) << p;
    EXPECT_TRUE(addresses.insert(p["address"].get<std::string>()).second) << "named twice";
  }
  EXPECT_EQ(addresses.size(), 2u);  // keys 0 and 1
  // Edges name nodes by position: lot -> b (split: the child's 400), b and lot2 -> pallet
  // (merge: each input's quantity).
  const Json& edges = back.json["edges"];
  ASSERT_EQ(edges.size(), 3u);
  EXPECT_EQ(edges[0], Json::parse(R"({"from": 1, "to": 0, "kind": "merge", "quantity": 400,
                                      "amount": "0.400", "unit": "kg"})"));
  EXPECT_EQ(edges[1], Json::parse(R"({"from": 2, "to": 0, "kind": "merge", "quantity": 500,
                                      "amount": "0.500", "unit": "kg"})"));
  EXPECT_EQ(edges[2], Json::parse(R"({"from": 3, "to": 1, "kind": "split", "quantity": 400,
                                      "amount": "0.400", "unit": "kg"})"));

  Reply shallow = Get("/v1/assets/" + pallet_.ToHex() + "/trace?max_depth=1");
  EXPECT_EQ(shallow.json["nodes"].size(), 3u);
  EXPECT_EQ(shallow.json["edges"].size(), 2u);
  EXPECT_EQ(shallow.json["truncated"], false);
  Reply fwd = Get("/v1/assets/" + lot_.ToHex() + "/trace?direction=forward");
  ASSERT_EQ(fwd.json["nodes"].size(), 4u);  // lot, a, b, pallet
  EXPECT_EQ(fwd.json["nodes"][3]["asset"], pallet_.ToHex());
  EXPECT_EQ(fwd.json["nodes"][3]["depth"], 2);
  EXPECT_EQ(fwd.json["nodes"][0]["events"].size(), 3u);
  // The transfer of a names its new custodian (key 2).
  const Json& a_events = fwd.json["nodes"][1]["events"];
  ASSERT_EQ(a_events.size(), 2u);
  EXPECT_EQ(a_events[1]["type"], "transfer");
  EXPECT_EQ(fwd.json["parties"].at(a_events[1]["counterparty"].get<size_t>())["address"],
            chain::bech32::EncodeAddress(hrp, Id(2)));
  EXPECT_EQ(fwd.json["edges"].size(), 3u);  // lot -> a, lot -> b, b -> pallet (not lot2's)

  EXPECT_EQ(Get("/v1/assets/" + lot_.ToHex() + "/trace?direction=sideways").status, 400);
  EXPECT_EQ(Get("/v1/assets/" + lot_.ToHex() + "/trace?max_depth=1001").status, 400);
  EXPECT_EQ(Get("/v1/assets/" + lot_.ToHex() + "/trace?max_depth=-1").status, 400);
  EXPECT_EQ(Get("/v1/assets/" + lot_.ToHex() + "/trace?max_depth=x").status, 400);
  EXPECT_EQ(Get("/v1/assets/" + lot_.ToHex().substr(1) + "/trace").status, 400);
  EXPECT_EQ(Get("/v1/assets/" + lot_.ToHex() + "/trace?max_depth=0").json["nodes"].size(), 1u);
}

TEST_F(RestRoutesTest, TxsBlocksAccountsStatus) {
  Reply tx = Get("/v1/txs/" + transfer_tx_.Id().ToHex());
  ASSERT_EQ(tx.status, 200) << tx.body;
  EXPECT_EQ(tx.json["status"], "confirmed");
  EXPECT_EQ(tx.json["height"], 4);
  EXPECT_EQ(tx.json["position"], 0);
  EXPECT_EQ(tx.json["op"]["type"], "asset.transfer");
  chain::Transaction pending = Pay(3, 0, 4, 1000);
  ASSERT_TRUE(Accept(pending).valid());
  Reply mem = Get("/v1/txs/" + pending.Id().ToHex());
  EXPECT_EQ(mem.json["status"], "mempool");
  EXPECT_EQ(mem.json["height"], nullptr);
  EXPECT_EQ(mem.Header("Cache-Control"), "no-store");

  Reply by_height = Get("/v1/blocks/4");
  ASSERT_EQ(by_height.status, 200);
  EXPECT_EQ(by_height.json["txs"].size(), 2u);
  EXPECT_EQ(by_height.json["txs"][1]["type"], "asset.merge");
  Reply by_hash = Get("/v1/blocks/" + by_height.json["hash"].get<std::string>());
  EXPECT_EQ(by_hash.json["height"], 4);

  Reply acct = Get("/v1/accounts/" + Addr(2));
  ASSERT_EQ(acct.status, 200) << acct.body;
  ASSERT_EQ(acct.json["assets"].size(), 1u);
  EXPECT_EQ(acct.json["assets"][0]["asset"], a_.ToHex());
  EXPECT_TRUE(acct.json.contains("party"));
  Reply hex_acct = Get("/v1/accounts/" + Id(0).ToHex() + "?limit=1");
  ASSERT_EQ(hex_acct.json["assets"].size(), 1u);  // key 0 holds the pallet only
  EXPECT_EQ(hex_acct.json["next_cursor"], nullptr);
  EXPECT_EQ(Get("/v1/accounts/" + Addr(0) + "?after=xyz").status, 400);
  EXPECT_EQ(Get("/v1/accounts/" + Addr(0) + "?limit=5000").status, 400);

  Reply status = Get("/v1/status");
  EXPECT_EQ(status.json["height"], 4);
  EXPECT_EQ(status.json["network"], "regtest");
  EXPECT_EQ(status.json["syncing"], false);
  EXPECT_EQ(status.json["mempool"]["txs"], 1);
}

TEST_F(RestRoutesTest, SearchAndDigitalLink) {
  // Split children carry their parent's metadata: lot, its children a and b, and lot2.
  Reply all = Get("/v1/search?meta.gtin=09506000134352");
  ASSERT_EQ(all.status, 200) << all.body;
  std::set<std::string> found;
  for (const Json& a : all.json["results"]) found.insert(a["asset"].get<std::string>());
  EXPECT_EQ(found, (std::set<std::string>{lot_.ToHex(), a_.ToHex(), b_.ToHex(), lot2_.ToHex()}));
  Reply one = Get("/v1/search?meta.gtin=09506000134352&meta.lot=L2");
  ASSERT_EQ(one.json["results"].size(), 1u);
  EXPECT_EQ(one.json["results"][0]["asset"], lot2_.ToHex());
  Reply paged = Get("/v1/search?meta.gtin=09506000134352&limit=1");
  ASSERT_EQ(paged.json["results"].size(), 1u);
  ASSERT_TRUE(paged.json["next_cursor"].is_string());
  Reply next = Get("/v1/search?meta.gtin=09506000134352&limit=3&after=" +
                   paged.json["next_cursor"].get<std::string>());
  ASSERT_EQ(next.json["results"].size(), 3u);
  EXPECT_EQ(next.json["next_cursor"], nullptr);
  EXPECT_GT(next.json["results"][0]["asset"], paged.json["results"][0]["asset"]);
  EXPECT_EQ(Get("/v1/search").status, 400);
  EXPECT_EQ(Get("/v1/search?gtin=1").status, 400);
  EXPECT_EQ(Get("/v1/search?meta.=1").status, 400);
  EXPECT_EQ(Get("/v1/search?meta." + std::string(33, 'k') + "=1").status, 400);
  EXPECT_EQ(Get("/v1/search?meta.gtin=nothing").json["results"].size(), 0u);

  Reply redirect = Get("/01/09506000134352/10/L2", {{"accept", "text/html"}});
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.Header("Location"), "http://rest.test/asset/" + lot2_.ToHex());
  Reply several = Get("/01/09506000134352/10/L1");  // lot, a and b
  EXPECT_EQ(several.status, 302);
  EXPECT_EQ(several.Header("Location"),
            "http://rest.test/search?meta.gtin=09506000134352&meta.lot=L1");
  Reply linkset = Get("/01/09506000134352/10/L2", {{"accept", "application/linkset+json"}});
  ASSERT_EQ(linkset.status, 200);
  EXPECT_EQ(linkset.content_type, "application/linkset+json");
  ASSERT_EQ(linkset.json["linkset"].size(), 1u);
  const Json& set = linkset.json["linkset"][0];
  EXPECT_EQ(set["anchor"], "http://rest.test/01/09506000134352/10/L2");
  EXPECT_EQ(set["https://gs1.org/voc/traceability"][0]["href"],
            "http://rest.test/v1/assets/" + lot2_.ToHex());
  EXPECT_EQ(Get("/01/09506000134352/10/L1", {{"accept", "application/linkset+json"}})
                .json["linkset"].size(), 3u);
  EXPECT_EQ(Get("/01/09506000134352/10/NOPE").status, 404);
  EXPECT_EQ(Get("/01/09506000134352/10/L1/21/S1").status, 404);
}

TEST_F(RestRoutesTest, DispatcherRules) {
  EXPECT_EQ(Get("/nothing/here").status, 404);
  Reply post = Get("/v1/status", {}, "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(post.content_type, "application/problem+json");
  Reply pre = Get("/v1/assets/" + lot_.ToHex(), {{"origin", "https://shop.example"}}, "OPTIONS");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(pre.Header("Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
  Reply head = Get("/v1/status", {}, "HEAD");
  EXPECT_EQ(head.status, 200);  // the server sends its headers only
  for (const std::string t : {"/static/../x", "/static/%2e%2e", "/static/%2E%2E/x", "/v1/%00",
                               "/static/a%2fb", "/v1/assets/%zz", "v1/status"}) {
    EXPECT_EQ(Get(t).status, 400) << t;
  }
  EXPECT_EQ(Get("/v1/search?meta.a=" + std::string(3000, 'x')).status, 414);
  EXPECT_EQ(Get("/static/nothing.js").status, 404);
  EXPECT_EQ(Get("/v1/status/").status, 404);
}

TEST_F(RestRoutesTest, WebFilesAreEmbedded) {
  ASSERT_NE(FindWebFile("index.html"), nullptr);
  for (const std::string& page : std::vector<std::string>{"/", "/asset/" + lot_.ToHex(), "/tx/x", "/block/1",
                                  "/account/" + Addr(0), "/search"}) {
    Reply r = Get(page);
    EXPECT_EQ(r.status, 200) << page;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.body, std::string(FindWebFile("index.html")->bytes));
    EXPECT_NE(r.Header("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
  }
  for (const WebFile& f : EmbeddedWebFiles()) {
    Reply r = Get("/static/" + std::string(f.path));
    EXPECT_EQ(r.status, 200) << f.path;
    EXPECT_EQ(r.body.size(), f.bytes.size());
  }
}

TEST_F(RestRoutesTest, RateLimitPerIp) {
  limits_.rate_per_second = 2;
  limits_.burst = 3;
  limits_.max_clients = 2;
  limiter_ = std::make_unique<RestRateLimiter>(limits_);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/v1/status", {}, "GET", "10.0.0.1").status, 200);
  Reply limited = Get("/v1/status", {}, "GET", "10.0.0.1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.Header("Retry-After"), "1");
  EXPECT_EQ(Get("/v1/status", {}, "GET", "10.0.0.2").status, 200);  // another IP
  now_ += 0.5;  // one token back
  EXPECT_EQ(Get("/v1/status", {}, "GET", "10.0.0.1").status, 200);
  EXPECT_EQ(Get("/v1/status", {}, "GET", "10.0.0.1").status, 429);
  // The table holds 2 IPs: a third forgets the least recently seen (10.0.0.2), not 10.0.0.1.
  EXPECT_EQ(Get("/v1/status", {}, "GET", "10.0.0.3").status, 200);
  EXPECT_EQ(limiter_->tracked(), 2u);
  EXPECT_EQ(Get("/v1/status", {}, "GET", "10.0.0.1").status, 429);
}

TEST_F(RestRoutesTest, RateLimitZeroIsOff) {
  limits_.rate_per_second = 0;  // --restratelimit=0
  limits_.burst = 0;
  limiter_ = std::make_unique<RestRateLimiter>(limits_);
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(Get("/v1/status", {}, "GET", "10.0.0.1").status, 200) << i;
  }
  EXPECT_EQ(limiter_->tracked(), 0u);  // no bucket kept
}

// The routes that may take milliseconds run on the workers, every other target on the io
// thread; the router built for the listener answers the server with the same choice.
TEST_F(RestRoutesTest, ContractPageIsGetcontractsObject) {
  // init stores "owner"; pay logs "paid".
  auto program = contracts::Assemble(
      ".entry init\n PUSHC \"owner\"\n SENDER\n SSTORE\n STOP\n"
      ".entry pay\n PUSHC \"paid\"\n LOG\n STOP\n");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  chain::ContractDeployOp deploy;
  deploy.code = contracts::EncodeProgram(*program);
  deploy.gas_limit = 1'000'000;
  const uint64_t nonce = nonces_[3];
  chain::Transaction t_deploy =
      Make(3, nonces_[3]++, deploy, 100'000 + deploy.gas_limit * params_.gas_price);
  Connect({t_deploy});
  const chain::AccountId id = chain::ContractIdFor(params_.chain_id(), Id(3), nonce);
  chain::ContractCallOp pay;
  pay.contract = id;
  pay.entry = "pay";
  pay.gas_limit = 500'000;
  chain::Transaction t_pay =
      Make(3, nonces_[3]++, pay, 100'000 + pay.gas_limit * params_.gas_price);
  Connect({t_pay});

  const std::string address = chain::bech32::EncodeAddress(params_.address_prefix, id);
  Reply page = Get("/v1/contracts/" + address);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.route, "/v1/contracts/{address}");
  EXPECT_FALSE(page.Header("ETag").empty());
  auto view = ContractViewJson(*chain_->TakeSnapshot(), id, ContractViewLimits{});
  ASSERT_TRUE(view.ok() && *view);
  EXPECT_EQ(page.json, **view);
  EXPECT_EQ(page.json["deployer"], Addr(3));
  EXPECT_EQ(page.json["storage"][0]["key_text"], "owner");
  EXPECT_EQ(page.json["calls"][0]["txid"], t_pay.Id().ToHex());
  EXPECT_EQ(page.json["calls"][0]["call"]["logs"][0]["text"], "paid");
  // By 64-hex id too, and with limits.
  Reply cut = Get("/v1/contracts/" + id.ToHex() + "?storage_limit=0&calls_limit=0");
  ASSERT_EQ(cut.status, 200);
  EXPECT_EQ(cut.json["storage"], Json::array());
  EXPECT_EQ(cut.json["storage_truncated"], true);
  EXPECT_EQ(cut.json["calls_truncated"], true);
  EXPECT_EQ(Get("/v1/contracts/" + address + "?calls_limit=101").status, 400);
  EXPECT_EQ(Get("/v1/contracts/" + address + "?storage_limit=x").status, 400);
  EXPECT_EQ(Get("/v1/contracts/wbr1nope").status, 400);
  EXPECT_EQ(Get("/v1/contracts/" + Addr(0)).status, 404);  // an account, not a contract

  // The tx view carries the call record; a tx that is no contract tx has none.
  Reply tx = Get("/v1/txs/" + t_pay.Id().ToHex());
  ASSERT_EQ(tx.status, 200);
  EXPECT_EQ(tx.json["call"]["outcome"], "success");
  EXPECT_EQ(tx.json["call"]["entry"], "pay");
  EXPECT_EQ(Get("/v1/txs/" + t_deploy.Id().ToHex()).json["call"]["entry"], "init");
  EXPECT_FALSE(Get("/v1/txs/" + transfer_tx_.Id().ToHex()).json.contains("call"));
}

TEST_F(RestRoutesTest, PlacementKeepsHeavyRoutesOffTheIoThread) {
  const std::string lot = "/v1/assets/" + lot_.ToHex();
  const std::vector<std::string> heavy = {lot,
                                          lot + "/trace?direction=forward",
                                          lot + "/proof",
                                          lot + "/epcis?lineage=1",
                                          "/v1/blocks/1",
                                          "/v1/search?meta.lot=L-1",
                                          "/01/09506000134352/10/L-1",
                                          "/v1/accounts/" + lot_.ToHex(),
                                          "/v1/contracts/" + lot_.ToHex(),
                                          "/metrics"};
  const std::vector<std::string> cheap = {lot + "/history?limit=2", "/v1/status",
                                          "/v1/txs/" + lot_.ToHex(), "/healthz", "/",
                                          "/no/such/route", "/bad%zz"};
  HttpRouter router =
      MakeRestRouter(std::make_shared<const RestRoutes>(MakeRestRoutes(ctx_)), ctx_, limits_);
  for (const std::string& target : heavy) {
    EXPECT_EQ(RestPlacement(routes_, target), HttpRunOn::kWorker) << target;
    EXPECT_EQ(router.Admit("GET", target, "").run_on, HttpRunOn::kWorker) << target;
  }
  for (const std::string& target : cheap) {
    EXPECT_EQ(RestPlacement(routes_, target), HttpRunOn::kIoThread) << target;
    EXPECT_EQ(router.Admit("GET", target, "").run_on, HttpRunOn::kIoThread) << target;
  }
}

TEST_F(RestRoutesTest, SyncingAnswers503ForDataRoutes) {
  // Headers 7 blocks ahead of the tip, without their bodies.
  consensus::TipInfo tip = chain_->Tip();
  std::vector<chain::BlockHeader> headers;
  Hash256 prev = tip.id;
  for (uint32_t i = 1; i <= 7; ++i) {
    chain::Block b = consensus::testing::MakeBlock(params_, prev, tip.height + i - 1, {}, Id(9));
    headers.push_back(b.header);
    prev = b.header.Id();
  }
  ASSERT_TRUE(chain_->AcceptHeaders(headers).result.valid());
  Reply data = Get("/v1/assets/" + lot_.ToHex());
  EXPECT_EQ(data.status, 503);
  EXPECT_EQ(data.Header("Retry-After"), "10");
  EXPECT_EQ(Get("/v1/status").json["syncing"], true);
  EXPECT_EQ(Get("/").status, 200);
}

TEST_F(RestRoutesTest, ReorgRemovesTheEventEverywhere) {
  // A second attestation on lot2 in a block at height 5, then a longer branch from height 4.
  chain::Transaction late = Tx(1, chain::AssetAttestOp{lot2_, "fairtrade", "FT-9", Hash256{}});
  Connect({late});
  auto has_claim = [this](const std::string& target, const std::string& claim) {
    return Get(target).body.find(claim) != std::string::npos;
  };
  const std::string pallet = "/v1/assets/" + pallet_.ToHex();
  ASSERT_TRUE(has_claim(pallet, "fairtrade"));
  ASSERT_TRUE(has_claim("/v1/assets/" + lot2_.ToHex() + "/history", "fairtrade"));
  ASSERT_TRUE(has_claim(pallet + "/trace", "fairtrade"));
  ASSERT_EQ(Get("/v1/txs/" + late.Id().ToHex()).json["status"], "confirmed");
  // Reorg: two empty blocks on height 4.
  Hash256 fork = *chain_->BlockHashAt(4);
  chain::Block c1 = consensus::testing::MakeBlock(params_, fork, 4, {}, Id(8));
  chain::Block c2 = consensus::testing::MakeBlock(params_, c1.header.Id(), 5, {}, Id(8));
  consensus::BlockOutcome outcome;
  ASSERT_TRUE(chain_->ProcessBlockBytes(c1.Serialize(), &outcome).valid());
  ASSERT_TRUE(chain_->ProcessBlockBytes(c2.Serialize(), &outcome).valid());
  ASSERT_EQ(chain_->Tip().id, c2.header.Id());
  EXPECT_FALSE(has_claim(pallet, "fairtrade"));
  EXPECT_FALSE(has_claim("/v1/assets/" + lot2_.ToHex() + "/history", "fairtrade"));
  EXPECT_FALSE(has_claim(pallet + "/trace", "fairtrade"));
  // The tx went back to the mempool: no longer confirmed.
  EXPECT_EQ(Get("/v1/txs/" + late.Id().ToHex()).json["status"], "mempool");
}

TEST_F(RestRoutesTest, ReorgRemovesAnIssuedAssetFromSearch) {
  chain::AssetIssueOp issue{10, "kg", {Meta("gtin", "111"), Meta("lot", "GONE")}, {}};
  chain::Transaction t = Tx(3, issue);
  Hash256 gone = chain::NewAssetIds(t).at(0);
  Hash256 fork = chain_->Tip().id;
  const uint32_t height = chain_->Tip().height;
  Connect({t});
  ASSERT_EQ(Get("/v1/search?meta.lot=GONE").json["results"].size(), 1u);
  ASSERT_EQ(Get("/01/111/10/GONE").status, 302);
  chain::Block c1 = consensus::testing::MakeBlock(params_, fork, height, {}, Id(8));
  chain::Block c2 = consensus::testing::MakeBlock(params_, c1.header.Id(), height + 1, {}, Id(8));
  consensus::BlockOutcome outcome;
  ASSERT_TRUE(chain_->ProcessBlockBytes(c1.Serialize(), &outcome).valid());
  ASSERT_TRUE(chain_->ProcessBlockBytes(c2.Serialize(), &outcome).valid());
  EXPECT_EQ(Get("/v1/search?meta.lot=GONE").json["results"].size(), 0u);
  EXPECT_EQ(Get("/01/111/10/GONE").status, 404);
  EXPECT_EQ(Get("/v1/assets/" + gone.ToHex()).status, 404);
}

// With the node's RestSnapshots (what waybilld uses), a request reads the snapshot of the
// newest tip change and answers while another thread holds the chainstate's lock, as a block
// being connected does for the whole connect.
TEST_F(RestRoutesTest, RequestsDoNotWaitForTheChainstateLock) {
  RestSnapshots snapshots(chain_.get());
  ctx_.snapshots = &snapshots;
  Reply asset, status;
  EXPECT_TRUE(testing::RunsWhileChainstateLocked(*chain_, [&] {
    asset = Get("/v1/assets/" + lot_.ToHex());
    status = Get("/v1/status");
  }));
  EXPECT_EQ(asset.status, 200);
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(status.json["height"], chain_->Tip().height);

  // A block connected later is seen once the tip change reaches RestSnapshots (the node relays
  // every tip change to it), not before.
  const uint32_t before = chain_->Tip().height;
  Connect({});
  EXPECT_EQ(Get("/v1/status").json["height"], before);
  snapshots.OnTipChanged(consensus::TipChange{});
  EXPECT_EQ(Get("/v1/status").json["height"], before + 1);
  ctx_.snapshots = nullptr;
}

}  // namespace
}  // namespace waybill::node
