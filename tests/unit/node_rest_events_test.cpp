// The live event stream's broker (node/rest/events.h) over a real chainstate on regtest: the
// events of a connected block reach the subscribers of their asset and accounts and nobody
// else, a reorg retracts the disconnected block before the new branch's events, a subscriber
// that does not keep up gets `overflow` and its stream ends, the subscriber cap, the replay
// after a reconnect with Last-Event-ID (events and retracts; `reset` for an id the window
// does not reach), the window's bounds, the yield of a transform, the events a contract's code
// wrote (a deploy's init and calls: assets it sent and split, with the contract as actor, and
// their retract), reads that do not wait for the chainstate's lock, and the route's answers
// to good and bad filters.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "chain/bech32.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "contracts/assembler.h"
#include "contracts/bytecode.h"
#include "node/rest/events.h"
#include "node/rest/rest.h"
#include "node/rest/snapshots.h"
#include "tests/unit/consensus_test_util.h"
#include "tests/unit/node_test_util.h"

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

// The parts of an id "<epoch>-<sequence>".
std::string Epoch(const std::string& id) { return id.substr(0, id.find('-')); }
uint64_t Sequence(const std::string& id) {
  const size_t dash = id.find('-');
  EXPECT_NE(dash, std::string::npos) << id;
  return dash == std::string::npos ? 0 : std::stoull(id.substr(dash + 1));
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
  std::shared_ptr<HttpStream> SubscribeAsset(const Hash256& id,
                                             std::optional<std::string> last_id = {}) {
    return broker_->Subscribe(EventFilter{EventFilter::Kind::kAsset, id}, last_id);
  }
  std::shared_ptr<HttpStream> SubscribeAccount(int key, std::optional<std::string> last_id = {}) {
    return broker_->Subscribe(EventFilter{EventFilter::Kind::kAccount, f_.Id(key)}, last_id);
  }
  // Alice issues `count` lots of 1 kg in one block (nonces from *nonce on).
  std::vector<Hash256> IssueLots(uint64_t* nonce, int count) {
    std::vector<chain::Transaction> txs;
    std::vector<Hash256> ids;
    for (int i = 0; i < count; ++i) {
      txs.push_back(f_.Make(kAlice, (*nonce)++, Lot(1)));
      ids.push_back(chain::NewAssetIds(txs.back()).at(0));
    }
    Submit(Next(txs));
    return ids;
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
  // Ids are the broker's: one epoch, sequences that grow.
  EXPECT_EQ(Epoch(d.messages[0].id), Epoch(hello.messages[0].id));
  EXPECT_GT(Sequence(d.messages[1].id), Sequence(d.messages[0].id));
  EXPECT_GT(Sequence(d.messages[0].id), Sequence(hello.messages[0].id));
  EXPECT_EQ(d.messages[0].data["event"]["txid"], issue.Id().ToHex());
  EXPECT_EQ(d.messages[1].data["event"]["txid"], transfer.Id().ToHex());
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
  EXPECT_EQ(alice.messages[1].data["event"]["txid"], second.Id().ToHex());
  EXPECT_GT(Sequence(alice.messages[1].id), Sequence(alice.messages[0].id));

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

TEST_F(EventBrokerTest, AClientThatReconnectsWithItsLastEventIdGetsWhatItMissed) {
  const chain::Transaction issue = f_.Make(kAlice, 0, Lot(100));
  const Hash256 asset = chain::NewAssetIds(issue).at(0);
  auto first = SubscribeAsset(asset);
  ASSERT_TRUE(first);
  Drained hello = Drain(*first);
  ASSERT_EQ(Events(hello), std::vector<std::string>{"hello"});
  const std::string hello_id = hello.messages[0].id;
  Submit(Next({issue}));
  Drained seen = Drain(*first);
  ASSERT_EQ(Events(seen), std::vector<std::string>{"event"});
  first->Cancel();  // the connection drops

  // Meanwhile: a transfer of the asset and an event of another asset.
  const chain::Transaction transfer = f_.Make(kAlice, 1, chain::AssetTransferOp{asset, f_.Id(kBob)});
  const chain::Transaction other = f_.Make(kCarol, 0, Lot(7));
  Submit(Next({transfer, other}));
  const chain::Transaction attest =
      f_.Make(kBob, 0, chain::AssetAttestOp{asset, "temperature", "4 C", Hash256{}});
  Submit(Next({attest}));

  // Reconnecting from the last event seen: the two missed events of the asset, nothing else.
  auto again = SubscribeAsset(asset, seen.messages[0].id);
  ASSERT_TRUE(again);
  Drained replay = Drain(*again);
  ASSERT_EQ(Events(replay), (std::vector<std::string>{"hello", "event", "event"}));
  EXPECT_EQ(replay.messages[0].id, seen.messages[0].id);  // the position it starts from
  EXPECT_EQ(replay.messages[0].data["height"], 3);
  EXPECT_EQ(replay.messages[1].data["event"]["txid"], transfer.Id().ToHex());
  EXPECT_EQ(replay.messages[2].data["event"]["txid"], attest.Id().ToHex());
  EXPECT_GT(Sequence(replay.messages[1].id), Sequence(seen.messages[0].id));
  // Then live ones.
  const chain::Transaction back = f_.Make(kBob, 1, chain::AssetTransferOp{asset, f_.Id(kAlice)});
  Submit(Next({back}));
  Drained live = Drain(*again);
  ASSERT_EQ(Events(live), std::vector<std::string>{"event"});
  EXPECT_EQ(live.messages[0].data["event"]["txid"], back.Id().ToHex());
  EXPECT_GT(Sequence(live.messages[0].id), Sequence(replay.messages[2].id));

  // From the hello's id: all four; from the newest id: nothing but the hello.
  auto from_hello = SubscribeAsset(asset, hello_id);
  EXPECT_EQ(Events(Drain(*from_hello)),
            (std::vector<std::string>{"hello", "event", "event", "event", "event"}));
  auto up_to_date = SubscribeAsset(asset, live.messages[0].id);
  EXPECT_EQ(Events(Drain(*up_to_date)), std::vector<std::string>{"hello"});
  // A query-less account subscriber from the hello: Carol's lot only.
  auto carol = SubscribeAccount(kCarol, hello_id);
  Drained carol_replay = Drain(*carol);
  ASSERT_EQ(Events(carol_replay), (std::vector<std::string>{"hello", "event"}));
  EXPECT_EQ(carol_replay.messages[1].data["event"]["txid"], other.Id().ToHex());
}

TEST_F(EventBrokerTest, RetractsAreReplayedInOrderWithTheNewBranch) {
  const consensus::TipInfo genesis = cs_->Tip();
  const chain::Transaction first = f_.Make(kAlice, 0, Lot(100));
  const Hash256 asset = chain::NewAssetIds(first).at(0);
  const chain::Transaction second = f_.Make(kAlice, 0, Lot(200));
  auto stream = SubscribeAccount(kAlice);
  const chain::Block a1 = On(genesis.id, 0, {first});
  Submit(a1);
  Drained seen = Drain(*stream);
  ASSERT_EQ(Events(seen), (std::vector<std::string>{"hello", "event"}));
  stream->Cancel();

  const chain::Block b1 = On(genesis.id, 0, {second});
  Submit(b1);
  Submit(On(b1.header.Id(), 1, {}));
  ASSERT_EQ(cs_->Tip().height, 2u);

  auto again = SubscribeAccount(kAlice, seen.messages[1].id);
  Drained replay = Drain(*again);
  ASSERT_EQ(Events(replay), (std::vector<std::string>{"hello", "retract", "event"}));
  EXPECT_EQ(replay.messages[1].data["block"], a1.header.Id().ToHex());
  EXPECT_EQ(replay.messages[1].data["txids"], RestJson::array({first.Id().ToHex()}));
  EXPECT_EQ(replay.messages[1].data["assets"], RestJson::array({asset.ToHex()}));
  EXPECT_FALSE(replay.messages[1].id.empty());
  EXPECT_EQ(replay.messages[2].data["event"]["txid"], second.Id().ToHex());
  EXPECT_EQ(replay.messages[2].data["block"], b1.header.Id().ToHex());
  // Bob's stream from the same id: nothing of his was retracted or published.
  auto bob = SubscribeAccount(kBob, seen.messages[1].id);
  EXPECT_EQ(Events(Drain(*bob)), std::vector<std::string>{"hello"});
}

TEST_F(EventBrokerTest, AnIdTheWindowDoesNotReachGetsAReset) {
  EventBrokerOptions options;
  options.window_messages = 3;
  Open(options);
  auto stream = SubscribeAccount(kAlice);
  const std::string hello_id = Drain(*stream).messages.at(0).id;
  uint64_t nonce = 0;
  IssueLots(&nonce, 2);
  Drained two = Drain(*stream);
  ASSERT_EQ(two.messages.size(), 2u);
  IssueLots(&nonce, 2);  // 4 published: the window keeps the newest 3
  Drained next = Drain(*stream);
  ASSERT_EQ(next.messages.size(), 2u);
  EXPECT_EQ(broker_->window_size().messages, 3u);

  // The first event's successor is still held: replayed. The hello's is not: reset.
  auto held = SubscribeAccount(kAlice, two.messages[0].id);
  EXPECT_EQ(Events(Drain(*held)), (std::vector<std::string>{"hello", "event", "event", "event"}));
  auto too_old = SubscribeAccount(kAlice, hello_id);
  Drained reset = Drain(*too_old);
  ASSERT_EQ(Events(reset), (std::vector<std::string>{"hello", "reset"}));
  EXPECT_EQ(reset.messages[1].id, broker_->last_id());
  EXPECT_EQ(reset.messages[0].id, broker_->last_id());
  EXPECT_EQ(reset.messages[1].data["height"], 2);
  EXPECT_EQ(reset.messages[1].data["tip"], cs_->Tip().id.ToHex());
  EXPECT_TRUE(reset.messages[1].data["reason"].is_string());
  EXPECT_FALSE(reset.ended);  // live messages follow

  // Unknown ids: another epoch (a restart), one past the newest, not an id at all.
  const std::string last = broker_->last_id();
  const std::string epoch = Epoch(last);
  for (const std::string& id :
       {std::string("0123456789abcdef-") + std::to_string(Sequence(last)),
        epoch + "-" + std::to_string(Sequence(last) + 1), std::string("garbage"), epoch + "-",
        epoch + "-12x", epoch + "-99999999999999999999999", std::string("")}) {
    auto unknown = SubscribeAccount(kAlice, id);
    ASSERT_TRUE(unknown) << id;
    EXPECT_EQ(Events(Drain(*unknown)), (std::vector<std::string>{"hello", "reset"})) << id;
    unknown->Cancel();
  }
  // A reset stream goes on with live events, and its id is good for the next reconnect.
  IssueLots(&nonce, 1);
  Drained after = Drain(*too_old);
  ASSERT_EQ(Events(after), std::vector<std::string>{"event"});
  auto from_reset = SubscribeAccount(kAlice, reset.messages[1].id);
  EXPECT_EQ(Events(Drain(*from_reset)), (std::vector<std::string>{"hello", "event"}));
}

TEST_F(EventBrokerTest, TheWindowKeepsItsBoundsInMessagesAndBytes) {
  EventBrokerOptions options;
  options.window_bytes = 4096;
  Open(options);
  auto stream = SubscribeAccount(kAlice);
  Drain(*stream);
  uint64_t nonce = 0;
  size_t published = 0;
  for (int block = 0; block < 6; ++block) {
    IssueLots(&nonce, 4);
    published += 4;
    Drain(*stream);
    const EventBroker::WindowSize size = broker_->window_size();
    EXPECT_LE(size.bytes, options.window_bytes);
    EXPECT_GT(size.messages, 0u);
  }
  // Each event weighs several hundred bytes: the byte bound, not the count, cut the window.
  EXPECT_LT(broker_->window_size().messages, published);

  options = EventBrokerOptions{};
  options.window_messages = 5;
  Open(options);
  auto counted = SubscribeAccount(kAlice);
  Drain(*counted);
  IssueLots(&nonce, 8);
  EXPECT_EQ(broker_->window_size().messages, 5u);
  EXPECT_EQ(Drain(*counted).messages.size(), 8u);  // the live stream is not cut by the window
}

TEST_F(EventBrokerTest, AReplayLongerThanTheQueueIsAReset) {
  EventBrokerOptions options;
  options.max_queue_messages = 16;  // a replay of at most 16 / 2 - 2 = 6 messages
  Open(options);
  auto stream = SubscribeAccount(kAlice);
  const std::string from = Drain(*stream).messages.at(0).id;
  stream->Cancel();
  uint64_t nonce = 0;
  IssueLots(&nonce, 6);
  auto fits = SubscribeAccount(kAlice, from);
  EXPECT_EQ(Drain(*fits).messages.size(), 7u);  // hello + 6
  fits->Cancel();
  IssueLots(&nonce, 1);
  auto too_long = SubscribeAccount(kAlice, from);
  EXPECT_EQ(Events(Drain(*too_long)), (std::vector<std::string>{"hello", "reset"}));
}

TEST_F(EventBrokerTest, AfterLingeringWithoutSubscribersEveryEarlierIdIsReset) {
  EventBrokerOptions options;
  options.linger = 0ms;
  Open(options);
  auto stream = SubscribeAccount(kAlice);
  const std::string hello_id = Drain(*stream).messages.at(0).id;
  uint64_t nonce = 0;
  IssueLots(&nonce, 1);
  const std::string seen = Drain(*stream).messages.at(0).id;
  stream->Cancel();
  stream.reset();
  IssueLots(&nonce, 1);  // nobody listens: the broker goes idle and reads nothing
  EXPECT_EQ(broker_->window_size().messages, 0u);
  auto again = SubscribeAccount(kAlice, seen);
  Drained reset = Drain(*again);
  ASSERT_EQ(Events(reset), (std::vector<std::string>{"hello", "reset"}));
  EXPECT_EQ(reset.messages[0].data["height"], 2);  // the hello's tip is read from a snapshot
  auto from_hello = SubscribeAccount(kAlice, hello_id);
  EXPECT_EQ(Events(Drain(*from_hello)), (std::vector<std::string>{"hello", "reset"}));
  // And live events again from there.
  IssueLots(&nonce, 1);
  EXPECT_EQ(Events(Drain(*again)), std::vector<std::string>{"event"});
}

TEST_F(EventBrokerTest, ATransformsEventsCarryItsYield) {
  const chain::Transaction issue = f_.Make(kAlice, 0, Lot(100));
  const Hash256 green = chain::NewAssetIds(issue).at(0);
  const chain::Transaction roast = f_.Make(
      kAlice, 1, chain::AssetTransformOp{{green}, {chain::TransformOutput{80, "kg", {}, {}}}});
  const Hash256 roasted = chain::NewAssetIds(roast).at(0);
  auto stream = SubscribeAccount(kAlice);
  Drain(*stream);
  Submit(Next({issue}));
  Drained issued = Drain(*stream);
  ASSERT_EQ(issued.messages.size(), 1u);
  EXPECT_TRUE(issued.messages[0].data["event"]["yield_ppm"].is_null());
  Submit(Next({roast}));
  Drained d = Drain(*stream);
  ASSERT_EQ(Events(d), (std::vector<std::string>{"event", "event"}));
  for (const Sse& m : d.messages) {
    EXPECT_EQ(m.data["event"]["yield_ppm"], 800000) << m.data.dump();
  }
  std::set<std::string> assets = {d.messages[0].data["asset"], d.messages[1].data["asset"]};
  EXPECT_EQ(assets, (std::set<std::string>{green.ToHex(), roasted.ToHex()}));
}

// init and send: send asset arg 1, which the contract already holds, to arg 0; keep: holds what
// is attached; halve: splits asset arg 0 into 1 and the rest.
constexpr const char* kForwarder = R"(
.entry init
  JUMP forward
.entry keep
  STOP
.entry send
forward:
  PUSH 0
  ARG
  PUSH 1
  ARG
  SENDASSET
  STOP
.entry halve
  PUSH 0
  ARG
  PUSH 1
  SPLIT
  POP
  POP
  STOP
)";

chain::Bytes IdArg(const Hash256& id) { return chain::Bytes(id.bytes.begin(), id.bytes.end()); }

// d is one `event`: tx's transfer of asset from actor to counterparty (addresses).
void ExpectOneTransfer(const Drained& d, const Hash256& asset, const chain::Transaction& tx,
                       const std::string& actor, const std::string& counterparty) {
  ASSERT_EQ(Events(d), std::vector<std::string>{"event"});
  const RestJson& data = d.messages[0].data;
  EXPECT_EQ(data["asset"], asset.ToHex());
  EXPECT_EQ(data["event"]["txid"], tx.Id().ToHex());
  EXPECT_EQ(data["event"]["type"], "transfer");
  EXPECT_EQ(data["event"]["actor"], actor);
  EXPECT_EQ(data["event"]["counterparty"], counterparty);
}

// A contract's code moves assets that no field of its tx names (only its call record does):
// their events are published to the subscribers of the asset, of the recipient and of the
// contract (the actor), for a deploy's init and for a call, and a reorg retracts them.
TEST_F(EventBrokerTest, TheEventsAContractsCodeWroteArePublishedAndRetracted) {
  const uint64_t gas = 1'000'000;
  auto contract_tx = [&](uint64_t nonce, chain::Operation op) {
    const chain::Transaction probe = f_.Make(kAlice, nonce, op, 0);
    return f_.Make(kAlice, nonce, std::move(op),
                   *params_.MinFee(probe.Serialize().size()) + gas * params_.gas_price);
  };
  auto program = contracts::Assemble(kForwarder);
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const chain::AccountId contract = chain::ContractIdFor(params_.chain_id(), f_.Id(kAlice), 4);
  const std::string contract_address =
      chain::bech32::EncodeAddress(params_.address_prefix, contract);
  auto address = [&](int key) {
    return chain::bech32::EncodeAddress(params_.address_prefix, f_.Id(key));
  };

  // Alice issues three lots and hands the third to the contract's id before it is deployed.
  uint64_t nonce = 0;
  std::vector<chain::Transaction> issues;
  for (; nonce < 3; ++nonce) issues.push_back(f_.Make(kAlice, nonce, Lot(10)));
  const Hash256 pallet = chain::NewAssetIds(issues[0]).at(0);
  const Hash256 crate = chain::NewAssetIds(issues[1]).at(0);
  const Hash256 gift = chain::NewAssetIds(issues[2]).at(0);
  issues.push_back(f_.Make(kAlice, nonce++, chain::AssetTransferOp{gift, contract}));
  Submit(Next(issues));

  // The deploy's init sends the gift on to Carol; a call in the same block leaves the pallet
  // and the crate with the contract.
  auto by_gift = SubscribeAsset(gift);
  auto by_carol = SubscribeAccount(kCarol);
  ASSERT_TRUE(by_gift && by_carol);
  Drain(*by_gift);
  Drain(*by_carol);
  const chain::Transaction deploy = contract_tx(
      nonce++, chain::ContractDeployOp{
                   contracts::EncodeProgram(*program), {IdArg(f_.Id(kCarol)), IdArg(gift)}, gas});
  ASSERT_EQ(nonce, 5u);
  const chain::Transaction keep =
      contract_tx(nonce++, chain::ContractCallOp{contract, "keep", {}, 0, {pallet, crate}, gas});
  Submit(Next({deploy, keep}));
  for (auto* stream : {&by_gift, &by_carol}) {
    ExpectOneTransfer(Drain(**stream), gift, deploy, contract_address, address(kCarol));
  }

  // A call sends the pallet, which it does not attach, to Bob and splits the crate.
  auto by_pallet = SubscribeAsset(pallet);
  auto by_crate = SubscribeAsset(crate);
  auto by_bob = SubscribeAccount(kBob);
  auto by_contract = broker_->Subscribe(EventFilter{EventFilter::Kind::kAccount, contract});
  ASSERT_TRUE(by_pallet && by_crate && by_bob && by_contract);
  for (auto* stream : {&by_pallet, &by_crate, &by_bob, &by_contract}) Drain(**stream);
  const consensus::TipInfo before = cs_->Tip();
  const chain::Transaction send = contract_tx(
      nonce++,
      chain::ContractCallOp{contract, "send", {IdArg(f_.Id(kBob)), IdArg(pallet)}, 0, {}, gas});
  const chain::Transaction halve =
      contract_tx(nonce++, chain::ContractCallOp{contract, "halve", {IdArg(crate)}, 0, {}, gas});
  const chain::Block calls = Next({send, halve});
  Submit(calls);

  for (auto* stream : {&by_pallet, &by_bob}) {
    ExpectOneTransfer(Drain(**stream), pallet, send, contract_address, address(kBob));
  }
  Drained crate_events = Drain(*by_crate);
  ASSERT_EQ(Events(crate_events), std::vector<std::string>{"event"});
  EXPECT_EQ(crate_events.messages[0].data["event"]["txid"], halve.Id().ToHex());
  EXPECT_EQ(crate_events.messages[0].data["event"]["actor"], contract_address);
  // The contract acted in every event: the pallet sent, the crate split and its two children
  // (ids from the contract's nonce, which its first split uses).
  Drained acted = Drain(*by_contract);
  std::multiset<std::string> assets;
  for (const Sse& m : acted.messages) {
    ASSERT_EQ(m.event, "event");
    EXPECT_EQ(m.data["event"]["actor"], contract_address) << m.data.dump();
    assets.insert(m.data["asset"].get<std::string>());
  }
  const Hash256 first = chain::AssetIdFor(params_.chain_id(), contract, 0, 0);
  const Hash256 second = chain::AssetIdFor(params_.chain_id(), contract, 0, 1);
  EXPECT_EQ(assets, (std::multiset<std::string>{pallet.ToHex(), crate.ToHex(), first.ToHex(),
                                                second.ToHex()}));

  // A longer branch without the calls' block: its retract names what the calls moved.
  const chain::Block other1 = On(before.id, before.height, {});
  const chain::Block other2 = On(other1.header.Id(), before.height + 1, {});
  Submit(other1);
  Submit(other2);
  ASSERT_EQ(cs_->Tip().id, other2.header.Id());
  Drained bob = Drain(*by_bob);
  ASSERT_EQ(Events(bob), std::vector<std::string>{"retract"});
  EXPECT_EQ(bob.messages[0].data["block"], calls.header.Id().ToHex());
  EXPECT_EQ(bob.messages[0].data["txids"], RestJson::array({send.Id().ToHex()}));
  EXPECT_EQ(bob.messages[0].data["assets"], RestJson::array({pallet.ToHex()}));
  Drained retracted = Drain(*by_contract);
  ASSERT_EQ(Events(retracted), std::vector<std::string>{"retract"});
  const RestJson& names = retracted.messages[0].data["assets"];
  EXPECT_EQ(std::multiset<std::string>(names.begin(), names.end()), assets);
}

// With waybilld's source (RestSnapshots), neither a subscription nor the publishing of a block
// waits for the chainstate's lock.
TEST_F(EventBrokerTest, TheBrokerDoesNotWaitForTheChainstateLock) {
  relay_.broker = nullptr;
  broker_.reset();
  RestSnapshots snapshots(cs_.get());
  broker_ = std::make_unique<EventBroker>([&snapshots] { return snapshots.Latest(); });
  auto stream = SubscribeAccount(kAlice);
  ASSERT_TRUE(broker_->WaitIdle(10s));
  Drain(*stream);
  // A block connected (the relay calls the listeners after the lock is released, as waybilld).
  const chain::Transaction issue = f_.Make(kAlice, 0, Lot(5));
  const chain::Block block = Next({issue});
  consensus::BlockOutcome outcome;
  ASSERT_TRUE(cs_->ProcessBlockBytes(block.Serialize(), &outcome).valid());
  consensus::TipChange change;
  change.tip = cs_->Tip();
  change.connected_blocks = {block.header.Id()};
  snapshots.OnTipChanged(change);  // RestSnapshots takes its snapshot (and the lock) first

  bool published = false;
  std::shared_ptr<HttpStream> another;
  const bool while_locked = testing::RunsWhileChainstateLocked(*cs_, [&] {
    broker_->OnTipChanged(change);
    published = broker_->WaitIdle(10s);
    another = SubscribeAccount(kBob);
  });
  EXPECT_TRUE(published);
  EXPECT_TRUE(while_locked);
  EXPECT_EQ(Events(Drain(*stream)), std::vector<std::string>{"event"});
  ASSERT_TRUE(another);
  EXPECT_EQ(Drain(*another).messages.at(0).data["height"], 1);
  broker_.reset();  // before the snapshots it reads
}

TEST_F(EventBrokerTest, TheRouteChecksItsFilter) {
  RestRoutes routes;
  RegisterEventRoutes(routes);
  RestContext ctx;
  ctx.params = &params_;
  ctx.chain = cs_.get();
  ctx.events = broker_.get();
  auto call = [&](const std::string& target, std::string last_event_id = "") {
    HttpRequest http;
    http.method = "GET";
    http.target = target;
    if (!last_event_id.empty()) http.headers.emplace_back("last-event-id", last_event_id);
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
  // Last-Event-ID as the header (EventSource) or the parameter (polyfills); empty: none.
  const std::string last = broker_->last_id();
  HttpResponse by_header = call("/v1/events/stream?account=" + alice, last);
  ASSERT_TRUE(by_header.stream);
  Drained header_hello = Drain(*by_header.stream);
  EXPECT_EQ(Events(header_hello), std::vector<std::string>{"hello"});
  EXPECT_EQ(header_hello.messages.at(0).id, last);
  HttpResponse by_param = call("/v1/events/stream?account=" + alice + "&last_event_id=x-1");
  ASSERT_TRUE(by_param.stream);
  EXPECT_EQ(Events(Drain(*by_param.stream)), (std::vector<std::string>{"hello", "reset"}));
  HttpResponse empty_param = call("/v1/events/stream?account=" + alice + "&last_event_id=");
  ASSERT_TRUE(empty_param.stream);
  EXPECT_EQ(Events(Drain(*empty_param.stream)), std::vector<std::string>{"hello"});
  HttpResponse both = call("/v1/events/stream?account=" + alice + "&last_event_id=" + last, "y-2");
  ASSERT_TRUE(both.stream);
  EXPECT_EQ(Events(Drain(*both.stream)), (std::vector<std::string>{"hello", "reset"}))
      << "the header wins";

  ctx.events = nullptr;
  EXPECT_EQ(call("/v1/events/stream?account=" + alice).status, 503);
}

}  // namespace
}  // namespace waybill::node
