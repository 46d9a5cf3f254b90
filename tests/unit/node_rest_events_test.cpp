// The live event stream's broker (node/rest/events.h) over a real chainstate on regtest: the
// events of a connected block reach the subscribers of their asset and accounts and nobody
// else, a reorg retracts the disconnected block before the new branch's events, a subscriber
// that does not keep up gets `overflow` and its stream ends, the subscriber cap, and the
// route's answers to good and bad filters.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "chain/bech32.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "node/rest/events.h"
#include "node/rest/rest.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::node {
namespace {

using namespace std::chrono_literals;
using chain::Hash256;
using consensus::testing::TxFactory;

constexpr int kAlice = 0, kBob = 1, kCarol = 2;
constexpr int kMiner = consensus::testing::kFundedKeys;

chain::AssetIssueOp Lot(chain::Quantity quantity) {
  return chain::AssetIssueOp{quantity, "kg", {{"lot", "L-1"}}, {}};
}

// Forwards the chainstate's tip changes to the broker, created after the chainstate.
class BrokerRelay : public consensus::ChainstateListener {
 public:
  void OnTipChanged(const consensus::TipChange& change) override {
    if (broker) broker->OnTipChanged(change);
  }
  EventBroker* broker = nullptr;
};

// One SSE message, parsed.
struct Sse {
  std::string event;
  std::string id;
  RestJson data;
};

// Everything a stream has ready now: its messages (keepalive comments and the retry field
// skipped) and whether it ended.
struct Drained {
  std::vector<Sse> messages;
  bool ended = false;
};

Drained Drain(HttpStream& stream) {
  std::string text;
  Drained out;
  for (int i = 0; i < 1000; ++i) {
    std::optional<std::string> chunk = stream.Next(0ms);
    if (!chunk) {
      out.ended = true;
      break;
    }
    if (chunk->empty()) break;
    text += *chunk;
  }
  size_t pos = 0;
  for (size_t end; (end = text.find("\n\n", pos)) != std::string::npos; pos = end + 2) {
    Sse message;
    bool any = false;
    size_t line_start = pos;
    while (line_start < end) {
      size_t line_end = text.find('\n', line_start);
      if (line_end > end) line_end = end;
      const std::string line = text.substr(line_start, line_end - line_start);
      line_start = line_end + 1;
      if (line.rfind("event: ", 0) == 0) message.event = line.substr(7), any = true;
      if (line.rfind("id: ", 0) == 0) message.id = line.substr(4);
      if (line.rfind("data: ", 0) == 0) message.data = RestJson::parse(line.substr(6));
    }
    if (any) out.messages.push_back(std::move(message));
  }
  EXPECT_EQ(pos, text.size()) << "a partial message: " << text.substr(pos);
  return out;
}

std::vector<std::string> Events(const Drained& d) {
  std::vector<std::string> names;
  for (const Sse& m : d.messages) names.push_back(m.event);
  return names;
}

class EventBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(EventBrokerOptions{}); }
  void TearDown() override {
    relay_.broker = nullptr;
    broker_.reset();
    cs_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(EventBrokerOptions options) {
    relay_.broker = nullptr;
    broker_.reset();
    cs_.reset();
    if (dir_.empty()) dir_ = consensus::testing::FreshTempDir("waybill_events_test");
    consensus::ChainstateOptions cs_options;
    cs_options.clock = [] { return int64_t{1'800'000'000}; };
    cs_options.verify_threads = 1;
    cs_options.listener = &relay_;
    auto cs = consensus::Chainstate::Open(dir_.string(), params_, std::move(cs_options));
    ASSERT_TRUE(cs.ok()) << cs.status().ToString();
    cs_ = std::move(*cs);
    broker_ = std::make_unique<EventBroker>(cs_.get(), options);
    relay_.broker = broker_.get();
  }

  chain::Block On(const Hash256& parent, uint32_t parent_height,
                  std::vector<chain::Transaction> txs) {
    return consensus::testing::MakeBlock(params_, parent, parent_height, std::move(txs),
                                         f_.Id(kMiner));
  }
  chain::Block Next(std::vector<chain::Transaction> txs) {
    const consensus::TipInfo tip = cs_->Tip();
    return On(tip.id, tip.height, std::move(txs));
  }
  void Submit(const chain::Block& block) {
    consensus::BlockOutcome outcome;
    consensus::ValidationResult r = cs_->ProcessBlockBytes(block.Serialize(), &outcome);
    ASSERT_TRUE(r.valid()) << r.ToString();
    ASSERT_TRUE(broker_->WaitIdle(10s));
  }
  std::shared_ptr<HttpStream> SubscribeAsset(const Hash256& id) {
    return broker_->Subscribe(EventFilter{EventFilter::Kind::kAsset, id});
  }
  std::shared_ptr<HttpStream> SubscribeAccount(int key) {
    return broker_->Subscribe(EventFilter{EventFilter::Kind::kAccount, f_.Id(key)});
  }

  const consensus::ChainParams params_ = consensus::testing::MakeParams();
  const TxFactory f_{params_};
  std::filesystem::path dir_;
  BrokerRelay relay_;
  std::unique_ptr<consensus::Chainstate> cs_;
  std::unique_ptr<EventBroker> broker_;
};

TEST_F(EventBrokerTest, ABlocksEventsReachTheirAssetAndAccountSubscribersOnly) {
  const chain::Transaction issue = f_.Make(kAlice, 0, Lot(100));
  const Hash256 asset = chain::NewAssetIds(issue).at(0);
  const chain::Transaction transfer = f_.Make(kAlice, 1, chain::AssetTransferOp{asset, f_.Id(kBob)});
  const chain::Transaction other = f_.Make(kCarol, 0, Lot(7));
  const Hash256 other_asset = chain::NewAssetIds(other).at(0);

  auto by_asset = SubscribeAsset(asset);
  auto by_alice = SubscribeAccount(kAlice);
  auto by_bob = SubscribeAccount(kBob);
  auto by_carol = SubscribeAccount(kCarol);
  auto by_nobody = SubscribeAsset(Hash256::FromHex(std::string(64, 'e')).value());
  ASSERT_TRUE(by_asset && by_alice && by_bob && by_carol && by_nobody);
  // hello first, with the tip.
  Drained hello = Drain(*by_asset);
  ASSERT_EQ(Events(hello), std::vector<std::string>{"hello"});
  EXPECT_EQ(hello.messages[0].data["height"], 0);
  EXPECT_EQ(hello.messages[0].data["tip"], cs_->Tip().id.ToHex());
  for (auto* s : {&by_alice, &by_bob, &by_carol, &by_nobody}) Drain(**s);

  const chain::Block block = Next({issue, transfer, other});
  Submit(block);

  Drained d = Drain(*by_asset);
  ASSERT_EQ(Events(d), (std::vector<std::string>{"event", "event"}));
  EXPECT_FALSE(d.ended);
  const std::string height_prefix = "1:";
  EXPECT_EQ(d.messages[0].id, height_prefix + issue.Id().ToHex() + ":" + asset.ToHex());
  EXPECT_EQ(d.messages[1].id, height_prefix + transfer.Id().ToHex() + ":" + asset.ToHex());
  EXPECT_EQ(d.messages[0].data["event"]["type"], "issue");
  EXPECT_EQ(d.messages[1].data["event"]["type"], "transfer");
  EXPECT_EQ(d.messages[1].data["block"], block.header.Id().ToHex());
  EXPECT_EQ(d.messages[1].data["height"], 1);
  EXPECT_EQ(d.messages[1].data["asset"], asset.ToHex());
  EXPECT_EQ(d.messages[1].data["event"]["counterparty"],
            chain::bech32::EncodeAddress(params_.address_prefix, f_.Id(kBob)));

  // Alice acted in both; Bob is the transfer's counterparty and the asset's custodian now.
  EXPECT_EQ(Events(Drain(*by_alice)), (std::vector<std::string>{"event", "event"}));
  EXPECT_EQ(Events(Drain(*by_bob)), (std::vector<std::string>{"event", "event"}));
  // Carol only issued her own asset.
  Drained carol = Drain(*by_carol);
  ASSERT_EQ(Events(carol), std::vector<std::string>{"event"});
  EXPECT_EQ(carol.messages[0].data["asset"], other_asset.ToHex());
  EXPECT_TRUE(Drain(*by_nobody).messages.empty());
}

TEST_F(EventBrokerTest, AReorgRetractsTheDisconnectedBlockThenPublishesTheNewBranch) {
  const consensus::TipInfo genesis = cs_->Tip();
  const chain::Transaction first = f_.Make(kAlice, 0, Lot(100));
  const Hash256 asset = chain::NewAssetIds(first).at(0);
  // The other branch issues the same asset id (it comes from sender and nonce) as another lot.
  const chain::Transaction second = f_.Make(kAlice, 0, Lot(200));
  ASSERT_EQ(chain::NewAssetIds(second).at(0), asset);
  ASSERT_NE(first.Id(), second.Id());

  auto by_alice = SubscribeAccount(kAlice);
  auto by_asset = SubscribeAsset(asset);
  auto by_bob = SubscribeAccount(kBob);
  const chain::Block a1 = On(genesis.id, 0, {first});
  Submit(a1);
  Drain(*by_alice);
  Drain(*by_asset);

  // A longer branch without `first`: b1 alone is stored, b2 makes it the active chain.
  const chain::Block b1 = On(genesis.id, 0, {second});
  const chain::Block b2 = On(b1.header.Id(), 1, {});
  Submit(b1);
  ASSERT_EQ(cs_->Tip().id, a1.header.Id());
  Submit(b2);
  ASSERT_EQ(cs_->Tip().id, b2.header.Id());

  Drained alice = Drain(*by_alice);
  ASSERT_EQ(Events(alice), (std::vector<std::string>{"retract", "event"}));
  const RestJson& retract = alice.messages[0].data;
  EXPECT_EQ(retract["block"], a1.header.Id().ToHex());
  EXPECT_EQ(retract["height"], 1);
  EXPECT_EQ(retract["txids"], RestJson::array({first.Id().ToHex()}));
  EXPECT_EQ(retract["assets"], RestJson::array({asset.ToHex()}));
  EXPECT_EQ(alice.messages[1].data["asset"], asset.ToHex());
  EXPECT_EQ(alice.messages[1].data["block"], b1.header.Id().ToHex());
  EXPECT_EQ(alice.messages[1].id, "1:" + second.Id().ToHex() + ":" + asset.ToHex());

  // The same for the asset's subscriber; Bob was never involved.
  Drained by_id = Drain(*by_asset);
  ASSERT_EQ(Events(by_id), (std::vector<std::string>{"retract", "event"}));
  EXPECT_EQ(by_id.messages[0].data, retract);
  EXPECT_EQ(by_id.messages[1].data["event"]["txid"], second.Id().ToHex());
  EXPECT_EQ(Events(Drain(*by_bob)), std::vector<std::string>{"hello"});
}

TEST_F(EventBrokerTest, ASubscriberThatDoesNotKeepUpOverflowsAndEnds) {
  EventBrokerOptions options;
  options.max_queue_messages = 4;
  Open(options);
  auto slow = SubscribeAccount(kAlice);
  auto fast = SubscribeAccount(kAlice);
  ASSERT_TRUE(slow && fast);
  Drain(*fast);
  std::vector<chain::Transaction> issues;
  for (uint64_t nonce = 0; nonce < 3; ++nonce) issues.push_back(f_.Make(kAlice, nonce, Lot(1)));
  Submit(Next(issues));
  // hello + 3 events fit in 4; the fast one took its hello first.
  EXPECT_EQ(Events(Drain(*fast)), (std::vector<std::string>{"event", "event", "event"}));
  issues.clear();
  for (uint64_t nonce = 3; nonce < 9; ++nonce) issues.push_back(f_.Make(kAlice, nonce, Lot(1)));
  Submit(Next(issues));
  // 6 events for a queue of 4: what was queued is replaced by the overflow message, the end.
  Drained fast_second = Drain(*fast);
  EXPECT_EQ(Events(fast_second), std::vector<std::string>{"overflow"});
  EXPECT_TRUE(fast_second.ended);
  Drained d = Drain(*slow);
  EXPECT_EQ(Events(d), std::vector<std::string>{"overflow"});
  EXPECT_TRUE(d.ended);
  EXPECT_EQ(broker_->subscribers(), 0u);
}

TEST_F(EventBrokerTest, SubscribersAreCappedAndKeptAlive) {
  EventBrokerOptions options;
  options.max_subscribers = 2;
  options.keepalive = 0ms;
  Open(options);
  auto a = SubscribeAccount(kAlice);
  auto b = SubscribeAccount(kBob);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(SubscribeAccount(kCarol), nullptr);
  Drain(*a);
  EXPECT_EQ(a->Next(0ms), std::optional<std::string>(": keepalive\n\n"));
  a->Cancel();
  EXPECT_EQ(a->Next(0ms), std::nullopt);
  auto c = SubscribeAccount(kCarol);
  EXPECT_NE(c, nullptr);
  broker_->Stop();  // ends every stream
  EXPECT_EQ(b->Next(0ms), std::nullopt);
  EXPECT_EQ(c->Next(0ms), std::nullopt);
  EXPECT_EQ(SubscribeAccount(kCarol), nullptr);
}

TEST_F(EventBrokerTest, TheRouteChecksItsFilter) {
  RestRoutes routes;
  RegisterEventRoutes(routes);
  RestContext ctx;
  ctx.params = &params_;
  ctx.chain = cs_.get();
  ctx.events = broker_.get();
  auto call = [&](const std::string& target) {
    HttpRequest http;
    http.method = "GET";
    http.target = target;
    std::optional<RestRequest> req = ParseRestTarget(http);
    EXPECT_TRUE(req.has_value()) << target;
    RestRoutes::Match match = routes.Find("GET", req->segments);
    EXPECT_NE(match.handler, nullptr) << target;
    req->http = &http;
    return (*match.handler)(ctx, *req);
  };
  const std::string alice = chain::bech32::EncodeAddress(params_.address_prefix, f_.Id(kAlice));
  EXPECT_EQ(call("/v1/events/stream").status, 400);
  EXPECT_EQ(call("/v1/events/stream?asset=" + std::string(64, 'a') + "&account=" + alice).status,
            400);
  HttpResponse bad_id = call("/v1/events/stream?asset=abc");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(bad_id.content_type, "application/problem+json");
  EXPECT_EQ(call("/v1/events/stream?account=wb1nothing").status, 400);
  EXPECT_EQ(broker_->subscribers(), 0u);

  HttpResponse ok = call("/v1/events/stream?account=" + alice);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.content_type, "text/event-stream");
  ASSERT_TRUE(ok.stream);
  EXPECT_EQ(Events(Drain(*ok.stream)), std::vector<std::string>{"hello"});
  HttpResponse by_hex = call("/v1/events/stream?asset=" + std::string(64, 'A'));
  EXPECT_EQ(by_hex.status, 200);
  EXPECT_EQ(broker_->subscribers(), 2u);

  ctx.events = nullptr;
  EXPECT_EQ(call("/v1/events/stream?account=" + alice).status, 503);
}

}  // namespace
}  // namespace waybill::node
