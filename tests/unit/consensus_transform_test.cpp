// Protocol 2's mass balance (docs/PROTOCOL.md §9.2): a merge conserves its inputs' unit and
// quantity, and asset.transform (op 7) closes inputs into outputs of any unit within the
// network's yield bounds. Context-free rules, state rules in their order, the links and events
// it records, its encoding, and a block of them connected and disconnected leaving the state
// exactly as before.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "chain/quantity.h"
#include "chain/serialize.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "consensus/state_transition.h"
#include "consensus/tx_check.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Asset;
using chain::AssetEvent;
using chain::AssetIssueOp;
using chain::AssetMergeOp;
using chain::AssetStatus;
using chain::AssetTransformOp;
using chain::EventType;
using chain::Hash256;
using chain::Operation;
using chain::Quantity;
using chain::TransformOutput;
using chain::TxWithId;
using testing::TxFactory;

constexpr int kAlice = 0, kBob = 1, kMiner = 3;
constexpr Quantity kMax = std::numeric_limits<Quantity>::max();

Hash256 H(uint8_t b) {
  Hash256 h;
  h.bytes.fill(b);
  return h;
}

AssetIssueOp Issue(Quantity quantity, std::string unit = "kg") {
  return AssetIssueOp{quantity, std::move(unit), {{"lot", "L-1"}}, {}};
}

AssetMergeOp Merge(std::vector<Hash256> inputs, Quantity quantity, std::string unit = "kg") {
  return AssetMergeOp{std::move(inputs), quantity, std::move(unit), {}, {}};
}

TransformOutput Out(Quantity quantity, std::string unit = "kg") {
  return TransformOutput{quantity, std::move(unit), {{"product", "roasted"}}, {H(0xd0)}};
}

AssetTransformOp Transform(std::vector<Hash256> inputs, std::vector<TransformOutput> outputs) {
  return AssetTransformOp{std::move(inputs), std::move(outputs)};
}

// Regtest (kg scale 3; the yield bound kg -> kg is 500,000..1,000,000 ppm) on a state in memory.
class TransformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(params_.ScaleOf("kg"), 3);
    ASSERT_NE(params_.FindYieldBound("kg", "kg"), nullptr);
    ValidationResult r = ApplyGenesis(params_, &state_);
    ASSERT_TRUE(r.valid()) << r.ToString();
  }

  uint64_t NonceOf(int key) const { return state_.GetAccount(f_.Id(key))->nonce; }

  Asset AssetOf(const Hash256& id) const { return testing::AssetIn(state_, id); }
  AssetEvent EventOf(const Hash256& asset, uint32_t sequence) const {
    return testing::EventIn(state_, asset, sequence);
  }

  // "valid" or the reason; *detail gets the detail.
  std::string Apply(int key, Operation op, std::string* detail = nullptr) {
    const TxWithId tx = f_.MakeWithId(key, NonceOf(key), std::move(op));
    chain::Amount fee = 0;
    ValidationResult r = ApplyTransaction(params_, ctx_, tx, index_, &state_, &fee);
    EXPECT_FALSE(r.error()) << r.ToString();
    if (detail) *detail = r.detail();
    if (!r.valid()) return r.reason();
    ++index_;
    return "valid";
  }
  // Issues an asset of key's and returns its id.
  Hash256 Lot(int key, Quantity quantity, std::string unit = "kg") {
    const uint64_t nonce = NonceOf(key);
    EXPECT_EQ(Apply(key, Issue(quantity, std::move(unit))), "valid");
    return chain::AssetIdFor(params_.chain_id(), f_.Id(key), nonce, 0);
  }
  std::vector<Hash256> NewIds(int key, size_t n) const {
    std::vector<Hash256> ids;
    for (uint32_t i = 0; i < n; ++i) {
      ids.push_back(chain::AssetIdFor(params_.chain_id(), f_.Id(key), NonceOf(key), i));
    }
    return ids;
  }

  ChainParams params_ = testing::MakeParams();
  TxFactory f_{params_};
  chain::MemoryKv base_;
  chain::StateCache state_{&base_};
  BlockContext ctx_{H(0xb1), 1, 1'700'000'100};
  uint32_t index_ = 0;
};

// --- merge balance ---

TEST_F(TransformTest, MergeOfOtherUnitsIsRefused) {
  const Hash256 a = Lot(kAlice, 1'800'000);           // 1,800 kg
  const Hash256 b = Lot(kAlice, 1'500'000'000, "g");  // 1,500,000 g
  std::string detail;
  // The issue's loophole: 1,800 kg in, 1,500,000 g out.
  EXPECT_EQ(Apply(kAlice, Merge({a, b}, 1'500'000'000, "g"), &detail), "merge-unit-mismatch");
  EXPECT_NE(detail.find("input 0 " + a.ToHex() + " is in kg, the output in g"), std::string::npos)
      << detail;
  // The first input of another unit, in list order, is named.
  EXPECT_EQ(Apply(kAlice, Merge({a, b}, 3'300'000), &detail), "merge-unit-mismatch");
  EXPECT_NE(detail.find("input 1 " + b.ToHex()), std::string::npos) << detail;
  EXPECT_EQ(AssetOf(a).status, AssetStatus::kOpen);
}

TEST_F(TransformTest, MergeMustConserveTheQuantity) {
  const Hash256 a = Lot(kAlice, 1'000'000);
  const Hash256 b = Lot(kAlice, 800'000);
  std::string detail;
  EXPECT_EQ(Apply(kAlice, Merge({a, b}, 2'000'000), &detail), "merge-quantity-mismatch");
  EXPECT_EQ(detail, "the inputs sum to 1800000, the output has 2000000");
  EXPECT_EQ(Apply(kAlice, Merge({a, b}, 1'799'999)), "merge-quantity-mismatch");
  EXPECT_EQ(Apply(kAlice, Merge({a, b}, 1'800'000)), "valid");
  EXPECT_EQ(AssetOf(a).status, AssetStatus::kMerged);
}

TEST_F(TransformTest, MergeSumMayNotWrap) {
  const Hash256 a = Lot(kAlice, kMax);
  const Hash256 b = Lot(kAlice, 101);
  const Hash256 c = Lot(kAlice, kMax - 1);
  const Hash256 d = Lot(kAlice, 1);
  std::string detail;
  // kMax + 101 wraps to 100 in 64 bits: it must not pass as 100.
  EXPECT_EQ(Apply(kAlice, Merge({a, b}, 100), &detail), "merge-quantity-mismatch");
  EXPECT_EQ(detail, "the inputs sum past 2^64 - 1");
  EXPECT_EQ(Apply(kAlice, Merge({c, d}, kMax)), "valid");  // all 64 bits
}

TEST_F(TransformTest, MergeRuleOrder) {
  const Hash256 mine_kg = Lot(kAlice, 5);
  const Hash256 mine_g = Lot(kAlice, 5, "g");
  const Hash256 bobs = Lot(kBob, 5, "g");
  // The per-input checks come first, over all inputs, then the units, then the sum.
  EXPECT_EQ(Apply(kAlice, Merge({mine_g, mine_kg, bobs}, 1)), "not-custodian");
  EXPECT_EQ(Apply(kAlice, Merge({mine_g, mine_kg, H(0x42)}, 1)), "unknown-asset");
  EXPECT_EQ(Apply(kAlice, Merge({mine_g, mine_kg}, 1)), "merge-unit-mismatch");
  EXPECT_EQ(Apply(kAlice, Merge({mine_g, mine_kg}, 10, "g")), "merge-unit-mismatch");
  // The context-free rules come before any of them.
  EXPECT_EQ(Apply(kAlice, Merge({mine_g, mine_g}, 10, "g")), "bad-merge-inputs");
}

// --- asset.transform: context-free ---

std::string Check(const Operation& op) {
  chain::Transaction tx;
  tx.op = op;
  ValidationResult r = CheckTransaction(tx);
  return r.valid() ? "valid" : r.reason();
}

TEST(TransformCheck, ContextFreeRules) {
  EXPECT_EQ(Check(Transform({H(1)}, {Out(1)})), "valid");
  EXPECT_EQ(Check(Transform({}, {Out(1)})), "bad-transform-inputs");  // in memory only
  EXPECT_EQ(Check(Transform({H(1)}, {})), "bad-transform-inputs");
  std::vector<Hash256> many;
  for (int i = 0; i < 17; ++i) many.push_back(H(static_cast<uint8_t>(i)));
  EXPECT_EQ(Check(Transform(many, {Out(1)})), "bad-transform-inputs");
  many.pop_back();
  EXPECT_EQ(Check(Transform(many, std::vector<TransformOutput>(16, Out(1)))), "valid");
  EXPECT_EQ(Check(Transform({H(1)}, std::vector<TransformOutput>(17, Out(1)))),
            "bad-transform-inputs");
  EXPECT_EQ(Check(Transform({H(1), H(2), H(1)}, {Out(1)})), "bad-transform-inputs");
  // Each output as asset.issue's fields, outputs in order; the detail names the output.
  EXPECT_EQ(Check(Transform({H(1)}, {Out(1), Out(0)})), "bad-quantity");
  EXPECT_EQ(Check(Transform({H(1)}, {Out(1), Out(1, "k g")})), "bad-unit");
  EXPECT_EQ(Check(Transform({H(1)}, {Out(1), Out(1, "")})), "bad-unit");
  TransformOutput bad_key = Out(1);
  bad_key.metadata = {{"Lot", "x"}};
  EXPECT_EQ(Check(Transform({H(1)}, {bad_key})), "bad-metadata");
  TransformOutput unsorted = Out(1);
  unsorted.metadata = {{"b", "x"}, {"a", "y"}};
  EXPECT_EQ(Check(Transform({H(1)}, {unsorted})), "bad-metadata");
  TransformOutput docs = Out(1);
  docs.documents.assign(9, H(3));
  EXPECT_EQ(Check(Transform({H(1)}, {Out(1), docs})), "bad-documents");
  chain::Transaction tx;
  tx.op = Transform({H(1)}, {Out(1), Out(0)});
  EXPECT_EQ(CheckTransaction(tx).detail(), "output 1: zero");
  // A repeated input is found before a bad output.
  EXPECT_EQ(Check(Transform({H(1), H(1)}, {Out(0)})), "bad-transform-inputs");
}

TEST(TransformEncoding, RoundTripAndDecoderBounds) {
  chain::Transaction tx;
  tx.chain_id = H(9);
  tx.sender = H(8);
  tx.op = Transform({H(1), H(2)}, {Out(830, "kg"), Out(20, "g")});
  chain::Bytes bytes = tx.Serialize();
  auto back = chain::DecodeTransaction(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, tx);
  EXPECT_EQ(chain::TypeOf(back->op), chain::OpType::kAssetTransform);
  EXPECT_STREQ(chain::OpTypeName(chain::OpType::kAssetTransform), "asset.transform");
  // op_type 7 at offset 2 + 32 + 32 + 8 + 8, then the fields of §3.
  EXPECT_EQ(bytes[82], 7);
  EXPECT_EQ(bytes[83], 2);  // two inputs
  EXPECT_EQ(chain::NewAssetIds(tx).size(), 2u);
  EXPECT_EQ(chain::NewAssetIds(tx)[1], chain::AssetIdFor(H(9), H(8), 0, 1));

  auto decodes = [](const AssetTransformOp& op) {
    chain::Transaction t;
    t.op = op;
    return chain::DecodeTransaction(t.Serialize()).ok();
  };
  EXPECT_FALSE(decodes(Transform({}, {Out(1)})));
  EXPECT_FALSE(decodes(Transform({H(1)}, {})));
  EXPECT_TRUE(decodes(Transform(std::vector<Hash256>(16, H(1)), {Out(1)})));  // rule, not shape
  EXPECT_FALSE(decodes(Transform(std::vector<Hash256>(17, H(1)), {Out(1)})));
  EXPECT_TRUE(decodes(Transform({H(1)}, std::vector<TransformOutput>(16, Out(1)))));
  EXPECT_FALSE(decodes(Transform({H(1)}, std::vector<TransformOutput>(17, Out(1)))));
  EXPECT_FALSE(decodes(Transform({H(1)}, {Out(1, std::string(17, 'u'))})));
  TransformOutput docs = Out(1);
  docs.documents.assign(9, H(3));
  EXPECT_FALSE(decodes(Transform({H(1)}, {docs})));
}

// --- asset.transform: state ---

TEST_F(TransformTest, RoastRecordsLinksAndEvents) {
  const Hash256 green = Lot(kAlice, 600'000);  // 600 kg
  const Hash256 more = Lot(kAlice, 400'000);   // 400 kg
  const std::vector<Hash256> outs = NewIds(kAlice, 2);
  const TxWithId tx = f_.MakeWithId(kAlice, NonceOf(kAlice),
                                    Transform({green, more}, {Out(830'000), Out(5'000, "g")}));
  chain::Amount fee = 0;
  ASSERT_TRUE(ApplyTransaction(params_, ctx_, tx, index_, &state_, &fee).valid());
  for (const Hash256& in : {green, more}) {
    const Asset a = AssetOf(in);
    EXPECT_EQ(a.status, AssetStatus::kTransformed);
    EXPECT_EQ(a.children, outs);
    EXPECT_EQ(a.event_count, 2u);
    const AssetEvent e = EventOf(in, 1);
    EXPECT_EQ(e.type, EventType::kTransform);
    EXPECT_EQ(e.related, outs);
    EXPECT_EQ(e.prev_event, EventOf(in, 0).id);
    EXPECT_EQ(e.id, chain::AssetEventId(tx.id, in));
    EXPECT_EQ(a.last_event, e.id);
  }
  const Quantity quantities[] = {830'000, 5'000};
  const char* units[] = {"kg", "g"};
  for (size_t i = 0; i < outs.size(); ++i) {
    const Asset o = AssetOf(outs[i]);
    EXPECT_EQ(o.quantity, quantities[i]);
    EXPECT_EQ(o.unit, units[i]);
    EXPECT_EQ(o.metadata, Out(1).metadata);
    EXPECT_EQ(o.documents, Out(1).documents);
    EXPECT_EQ(o.issuer, f_.Id(kAlice));
    EXPECT_EQ(o.custodian, f_.Id(kAlice));
    EXPECT_EQ(o.status, AssetStatus::kOpen);
    EXPECT_EQ(o.parents, (std::vector<Hash256>{green, more}));
    EXPECT_EQ(o.created_tx, tx.id);
    const AssetEvent e = EventOf(outs[i], 0);
    EXPECT_EQ(e.type, EventType::kTransformOutput);
    EXPECT_EQ(e.related, (std::vector<Hash256>{green, more}));
    EXPECT_TRUE(e.prev_event.IsZero());
  }
  // Mixed output units: no yield bound applies, and no yield is shown.
  chain::UnitSum in, out;
  for (const Hash256& id : {green, more}) in.Add(AssetOf(id).quantity, AssetOf(id).unit);
  for (const Hash256& id : outs) out.Add(AssetOf(id).quantity, AssetOf(id).unit);
  EXPECT_FALSE(chain::TransformYieldPpm(in, out, params_.units).has_value());
  // The inputs are closed; the outputs are ordinary open assets.
  EXPECT_EQ(Apply(kAlice, Transform({green}, {Out(1)})), "asset-closed");
  EXPECT_EQ(Apply(kAlice, Merge({green, outs[0]}, 1)), "asset-closed");
  EXPECT_EQ(Apply(kAlice, chain::AssetSplitOp{outs[0], chain::SplitChildren({800'000, 30'000})}), "valid");
}

TEST_F(TransformTest, OneInputOneOutputOfAnotherUnit) {
  const Hash256 cherries = Lot(kAlice, 12, "t");
  EXPECT_EQ(Apply(kAlice, Transform({cherries}, {Out(2'000'000, "l")})), "valid");
  EXPECT_EQ(AssetOf(cherries).status, AssetStatus::kTransformed);
}

TEST_F(TransformTest, YieldBoundsExactlyAtTheEdges) {
  // kg -> kg: 500,000..1,000,000 ppm. 1,000 kg in: 500 kg and 1,000 kg pass exactly, one
  // gram (the smallest step at scale 3) outside fails.
  std::string detail;
  Hash256 lot = Lot(kAlice, 1'000'000);
  EXPECT_EQ(Apply(kAlice, Transform({lot}, {Out(499'999)}), &detail), "yield-out-of-bounds");
  EXPECT_EQ(detail, "yield 499999 ppm (499999 kg from 1000000 kg), bounds 500000..1000000");
  EXPECT_EQ(Apply(kAlice, Transform({lot}, {Out(1'000'001)})), "yield-out-of-bounds");
  EXPECT_EQ(Apply(kAlice, Transform({lot}, {Out(250'000), Out(250'000)})), "valid");
  lot = Lot(kAlice, 1'000'000);
  EXPECT_EQ(Apply(kAlice, Transform({lot}, {Out(1'000'000)})), "valid");
  // The sum over several inputs and outputs is what is bounded.
  const Hash256 a = Lot(kAlice, 600'000), b = Lot(kAlice, 400'000);
  EXPECT_EQ(Apply(kAlice, Transform({a, b}, {Out(600'000), Out(400'001)})), "yield-out-of-bounds");
  EXPECT_EQ(Apply(kAlice, Transform({a, b}, {Out(100'000), Out(730'000)})), "valid");
}

TEST_F(TransformTest, YieldBoundsWithBigQuantitiesDoNotOverflow) {
  // 16 inputs of 2^64 - 1 kg-steps into 16 outputs of as much: a yield of exactly 10^6 ppm.
  std::vector<Hash256> inputs;
  for (int i = 0; i < 16; ++i) inputs.push_back(Lot(kAlice, kMax));
  std::vector<TransformOutput> outputs(16, Out(kMax));
  EXPECT_EQ(Apply(kAlice, Transform(inputs, outputs)), "valid");
  inputs.clear();
  for (int i = 0; i < 16; ++i) inputs.push_back(Lot(kAlice, kMax));
  EXPECT_EQ(Apply(kAlice, Transform(inputs, {Out(kMax / 2)})), "yield-out-of-bounds");  // 1/32
  EXPECT_EQ(Apply(kAlice, Transform(inputs, std::vector<TransformOutput>(16, Out(kMax)))), "valid")
      << "exactly 100% is inside";
  // One step over 100%: 16 x (2^64 - 1) out of one step less in.
  inputs.clear();
  for (int i = 0; i < 15; ++i) inputs.push_back(Lot(kAlice, kMax));
  inputs.push_back(Lot(kAlice, kMax - 1));
  EXPECT_EQ(Apply(kAlice, Transform(inputs, std::vector<TransformOutput>(16, Out(kMax)))),
            "yield-out-of-bounds");
  EXPECT_EQ(Apply(kAlice, Transform(inputs, std::vector<TransformOutput>(9, Out(kMax)))),
            "valid");  // 9/16 = 562,500 ppm
}

TEST_F(TransformTest, NoBoundForOtherPairsOrMixedUnits) {
  // kg -> l has no bound on regtest: any yield passes.
  Hash256 lot = Lot(kAlice, 1'000);
  EXPECT_EQ(Apply(kAlice, Transform({lot}, {Out(kMax, "l")})), "valid");
  // Mixed input units: no bound, even though every output is in kg.
  const Hash256 kg = Lot(kAlice, 1'000'000), g = Lot(kAlice, 1, "g");
  EXPECT_EQ(Apply(kAlice, Transform({kg, g}, {Out(1)})), "valid");
  // Mixed output units likewise.
  lot = Lot(kAlice, 1'000'000);
  EXPECT_EQ(Apply(kAlice, Transform({lot}, {Out(1), Out(1, "g")})), "valid");
}

TEST_F(TransformTest, StateRuleOrder) {
  const Hash256 mine = Lot(kAlice, 1'000'000);
  const Hash256 bobs = Lot(kBob, 1'000'000);
  const Hash256 closed = Lot(kAlice, 2);
  ASSERT_EQ(Apply(kAlice, chain::AssetSplitOp{closed, chain::SplitChildren({1, 1})}), "valid");
  // Each input in list order: exists, open, custodian; the first bad one names the reason.
  EXPECT_EQ(Apply(kAlice, Transform({mine, H(0x42), bobs}, {Out(1)})), "unknown-asset");
  EXPECT_EQ(Apply(kAlice, Transform({mine, closed, H(0x42)}, {Out(1)})), "asset-closed");
  EXPECT_EQ(Apply(kAlice, Transform({mine, bobs, closed}, {Out(1)})), "not-custodian");
  // The inputs are checked before the yield (an out-of-bounds yield with a foreign input).
  EXPECT_EQ(Apply(kAlice, Transform({bobs}, {Out(1)})), "not-custodian");
  EXPECT_EQ(Apply(kAlice, Transform({mine}, {Out(1)})), "yield-out-of-bounds");
  // A failed transform changed nothing (the tx's overlay is discarded).
  EXPECT_EQ(AssetOf(mine).status, AssetStatus::kOpen);
  EXPECT_EQ(AssetOf(mine).event_count, 1u);
}

// --- reorg: a block of merges and transforms connected, then disconnected ---

class TransformReorgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::FreshTempDir("waybill_transform_reorg_test");
    ChainstateOptions options;
    options.clock = [] { return int64_t{1'800'000'000}; };
    auto cs = Chainstate::Open(dir_.string(), params_, std::move(options));
    ASSERT_TRUE(cs.ok()) << cs.status().ToString();
    cs_ = std::move(*cs);
  }
  void TearDown() override {
    cs_.reset();
    std::filesystem::remove_all(dir_);
  }
  chain::Block Block(const Hash256& parent, uint32_t height, std::vector<chain::Transaction> txs) {
    return testing::MakeBlock(params_, parent, height, std::move(txs), f_.Id(kMiner));
  }
  Chainstate::StateDigest Digest() {
    auto d = cs_->DigestState();
    EXPECT_TRUE(d.ok());
    return d.ok() ? *d : Chainstate::StateDigest{};
  }

  ChainParams params_ = testing::MakeParams();
  TxFactory f_{params_};
  std::filesystem::path dir_;
  std::unique_ptr<Chainstate> cs_;
};

TEST_F(TransformReorgTest, DisconnectRestoresEveryStateKey) {
  auto id = [&](int key, uint64_t nonce, uint32_t i) {
    return chain::AssetIdFor(params_.chain_id(), f_.Id(key), nonce, i);
  };
  chain::Block b1 = Block(params_.genesis_id, 0,
                          {f_.Make(kAlice, 0, Issue(600'000)), f_.Make(kAlice, 1, Issue(400'000)),
                           f_.Make(kAlice, 2, Issue(5, "g"))});
  BlockOutcome outcome;
  ASSERT_TRUE(cs_->ProcessBlockBytes(b1.Serialize(), &outcome).valid());
  const Chainstate::StateDigest before = Digest();

  // Block 2: a balanced merge, a roast of its output, a transform of mixed units, and an
  // attestation of a transformed input (closed assets stay attestable).
  const Hash256 merged = id(kAlice, 3, 0);
  chain::Block b2 =
      Block(b1.header.Id(), 1,
            {f_.Make(kAlice, 3, Merge({id(kAlice, 0, 0), id(kAlice, 1, 0)}, 1'000'000)),
             f_.Make(kAlice, 4, Transform({merged}, {Out(830'000), Out(20'000)})),
             f_.Make(kAlice, 5, Transform({id(kAlice, 4, 1), id(kAlice, 2, 0)}, {Out(1, "pcs")})),
             f_.Make(kBob, 0, chain::AssetAttestOp{merged, "audit", "ok", {}})});
  ASSERT_TRUE(cs_->ProcessBlockBytes(b2.Serialize(), &outcome).valid());
  ASSERT_EQ(cs_->Tip().id, b2.header.Id());
  const Chainstate::StateDigest after = Digest();
  EXPECT_EQ(after.assets, before.assets + 1 + 2 + 1);
  EXPECT_NE(after.hash, before.hash);
  EXPECT_EQ((*cs_->GetAsset(merged))->status, AssetStatus::kTransformed);

  // Disconnect block 2: every account, asset, event, tx-index and height key as before.
  ASSERT_TRUE(cs_->InvalidateBlock(b2.header.Id()).valid());
  ASSERT_EQ(cs_->Tip().id, b1.header.Id());
  const Chainstate::StateDigest undone = Digest();
  EXPECT_EQ(undone.hash, before.hash);
  EXPECT_EQ(undone.accounts, before.accounts);
  EXPECT_EQ(undone.assets, before.assets);
  EXPECT_EQ(undone.events, before.events);
  EXPECT_EQ(undone.txs, before.txs);
  EXPECT_EQ((*cs_->GetAsset(id(kAlice, 0, 0)))->status, AssetStatus::kOpen);
  EXPECT_FALSE(cs_->GetAsset(merged)->has_value());

  // And connecting it again gives the same state as the first time.
  ASSERT_TRUE(cs_->ReconsiderBlock(b2.header.Id()).valid());
  ASSERT_EQ(cs_->Tip().id, b2.header.Id());
  EXPECT_EQ(Digest().hash, after.hash);
  auto report = cs_->VerifyChain();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->problems.empty());
}

}  // namespace
}  // namespace waybill::consensus
