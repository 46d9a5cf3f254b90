// Proof bundles of assets that contract code moved (docs/PROTOCOL.md §14): a lot attached to a
// contract that splits it and hands a part on, two lots attached and merged by a contract, each
// bundle built from a real chainstate, encoded, decoded and verified with the contract's events
// marked as resting on the node's claim; the replayed events are the chainstate's own (contract
// event ids). Tampered claims fail where they should: an effect on an asset the contract does
// not hold (custody), a claim dropped or put on a transfer (reference), a split's first part
// changed (conservation, through the contract's rule or a later signed split).
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chain/contract_state.h"
#include "consensus/proof.h"
#include "consensus/read_snapshot.h"
#include "tests/unit/consensus_contract_test_util.h"
#include "tests/unit/consensus_proof_test_util.h"

namespace waybill::consensus {
namespace {

using chain::AccountId;
using chain::ContractEffect;
using chain::ContractEffectKind;
using chain::Hash256;
using testing::CallOp;
using testing::Code;
using testing::IdArg;

constexpr int kAlice = 0, kBob = 1, kCarol = 2;

// give: arg 0 an asset the contract holds, sent to arg 1. split_give: attached asset 0 split
// at arg 0, the first part sent to arg 1, the rest kept. merge_back: attached assets 0 and 1
// merged, the output sent to the sender.
constexpr std::string_view kRelay = R"(
.entry give
  PUSH 1
  ARG
  PUSH 0
  ARG
  SENDASSET
  STOP
.entry split_give
  PUSH 1
  ARG
  PUSH 0
  ATTASSET
  PUSH 0
  ARG
  SPLIT
  POP
  SENDASSET
  STOP
.entry merge_back
  SENDER
  PUSH 0
  ATTASSET
  PUSH 1
  ATTASSET
  MERGE
  SENDASSET
  STOP
)";

class ProofContractTest : public testing::ContractChainTest {
 protected:
  void SetUp() override {
    ContractChainTest::SetUp();
    auto [issue, lot] = Issue(kAlice, 1000);
    auto [issue2, lot2] = Issue(kAlice, 10);
    auto [issue3, lot3] = Issue(kAlice, 5);
    auto [deploy, relay] = Deploy(kBob, Code(kRelay));
    lot_ = lot;
    lot2_ = lot2;
    lot3_ = lot3;
    relay_ = relay;
    Mine({issue, issue2, issue3, deploy});
    // The relay splits the lot 600 / 400 and hands the 600 to Carol, who splits it again.
    split_give_ = Tx(kAlice, CallOp(relay_, "split_give", {uint64_t{600}, IdArg(f_.Id(kCarol))},
                                    0, {lot_}));
    Mine({split_give_});
    ASSERT_EQ(Record(split_give_).outcome, 0) << Record(split_give_).detail;
    part_ = chain::AssetIdFor(params_.chain_id(), relay_, 0, 0);
    kept_ = chain::AssetIdFor(params_.chain_id(), relay_, 0, 1);
    carol_split_ = Tx(kCarol, chain::AssetSplitOp{part_, chain::SplitChildren({350, 250})});
    Mine({carol_split_});
    piece_ = chain::NewAssetIds(carol_split_).front();
    // The relay merges the other two lots and returns the output to Alice.
    merge_back_ = Tx(kAlice, CallOp(relay_, "merge_back", {}, 0, {lot2_, lot3_}));
    Mine({merge_back_});
    ASSERT_EQ(Record(merge_back_).outcome, 0) << Record(merge_back_).detail;
    merged_ = chain::AssetIdFor(params_.chain_id(), relay_, 1, 0);
    Mine({});
    snapshot_ = cs_->TakeSnapshot();
  }
  void TearDown() override {
    snapshot_.reset();  // before the chainstate whose store it reads
    ContractChainTest::TearDown();
  }

  ProofBundle Build(const Hash256& asset) {
    auto b = BuildProofBundle(*snapshot_, asset);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : ProofBundle{};
  }
  static size_t EntryOf(const ProofBundle& b, const Hash256& txid) {
    return testing::ProofEntryOf(b, txid);
  }
  static ProofCall* ClaimOf(ProofBundle& b, size_t entry) {
    for (ProofCall& c : b.calls) {
      if (c.entry == entry) return &c;
    }
    ADD_FAILURE() << "no claim for entry " << entry;
    return nullptr;
  }
  ProofReport ExpectFails(const ProofBundle& b, ProofCheck check) {
    return testing::ExpectProofFails(b, params_, check);
  }

  std::shared_ptr<const ReadSnapshot> snapshot_;
  AccountId relay_;
  Hash256 lot_, lot2_, lot3_, part_, kept_, piece_, merged_;
  chain::Transaction split_give_, carol_split_, merge_back_;
};

TEST_F(ProofContractTest, AContractsSplitAndHandOnVerifyAsAClaim) {
  const ProofBundle b = Build(piece_);
  ASSERT_EQ(b.assets.size(), 3u);  // piece, part, lot: not the part the relay kept
  EXPECT_EQ(b.txs.size(), 3u);     // the issue, the call, Carol's split
  ASSERT_EQ(b.calls.size(), 1u);
  EXPECT_EQ(b.calls[0].entry, EntryOf(b, split_give_.Id()));
  // The call record's effects, the split carrying its first part.
  EXPECT_EQ(b.calls[0].effects, Record(split_give_).effects);
  ASSERT_EQ(b.calls[0].effects.size(), 2u);
  EXPECT_EQ(b.calls[0].effects[0].kind, ContractEffectKind::kSplit);
  EXPECT_EQ(b.calls[0].effects[0].amount, 600u);

  const chain::Bytes bytes = EncodeProofBundle(b);
  EXPECT_EQ(bytes[4], kProofVersion);
  auto decoded = DecodeProofBundle(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, b);
  EXPECT_EQ(EncodeProofBundle(*decoded), bytes);

  const ProofReport r = VerifyProofBundle(*decoded, params_);
  ASSERT_TRUE(r.ok) << r.Describe();
  EXPECT_EQ(r.assets[0].quantity, 350u);
  ASSERT_EQ(r.claims.size(), 1u);
  const ProofClaim& claim = r.claims.at(split_give_.Id());
  EXPECT_EQ(claim.contract, relay_);
  EXPECT_EQ(claim.entry, "split_give");
  EXPECT_EQ(claim.applied, b.calls[0].effects);
  // The replayed events are the chainstate's, contract event ids included; the relay's rest on
  // the claim, Carol's split does not.
  for (const Hash256& id : {piece_, part_, lot_}) {
    const auto& events = r.events.at(id);
    EXPECT_EQ(events, EventsOf(id)) << id.ToHex();
    for (const chain::AssetEvent& e : events) {
      EXPECT_EQ(r.RestsOnClaim(e), e.txid == split_give_.Id()) << id.ToHex() << " " << e.sequence;
    }
  }
  const auto& lot_events = r.events.at(lot_);
  ASSERT_EQ(lot_events.size(), 3u);  // issue; attached (by Alice); split (by the relay)
  EXPECT_EQ(lot_events[1].actor, f_.Id(kAlice));
  EXPECT_EQ(lot_events[1].id, chain::ContractEventId(split_give_.Id(), lot_, 1));
  EXPECT_EQ(lot_events[2].actor, relay_);
  const auto& part_events = r.events.at(part_);
  ASSERT_EQ(part_events.size(), 3u);  // split_child, handed to Carol (by the relay), her split
  EXPECT_EQ(part_events[1].type, chain::EventType::kTransfer);
  EXPECT_EQ(part_events[1].counterparty, f_.Id(kCarol));
}

TEST_F(ProofContractTest, AMergeOfTwoAttachedLotsVerifies) {
  const ProofBundle b = Build(merged_);
  ASSERT_EQ(b.assets.size(), 3u);  // the output, the two lots
  EXPECT_EQ(b.txs.size(), 3u);     // two issues (one tx each), the call
  ASSERT_EQ(b.calls.size(), 1u);
  EXPECT_EQ(b.calls[0].effects.size(), 2u);  // merge, asset
  const ProofReport r = VerifyProofBundle(b, params_);
  ASSERT_TRUE(r.ok) << r.Describe();
  EXPECT_EQ(r.claims.at(merge_back_.Id()).applied.size(), 2u);
  EXPECT_EQ(r.assets[0].quantity, 15u);
  EXPECT_EQ(r.assets[0].custodian, f_.Id(kAlice));
  EXPECT_EQ(r.assets[0].issuer, relay_);
  for (const chain::Asset& a : r.assets) EXPECT_EQ(r.events.at(a.id), EventsOf(a.id));
  // One of the lots the contract merged away: its bundle carries the other one.
  const ProofBundle input = Build(lot2_);
  ASSERT_EQ(input.assets.size(), 2u);
  EXPECT_EQ(input.assets[1].id, lot3_);
  EXPECT_TRUE(VerifyProofBundle(input, params_).ok);
}

TEST_F(ProofContractTest, AnEffectOnAnAssetTheContractDoesNotHoldFailsCustody) {
  ProofBundle b = Build(piece_);
  ProofCall* claim = ClaimOf(b, EntryOf(b, split_give_.Id()));
  ASSERT_NE(claim, nullptr);
  // After handing the part to Carol, the relay claims to send it again.
  ContractEffect again;
  again.kind = ContractEffectKind::kAsset;
  again.to = f_.Id(kBob);
  again.asset = part_;
  claim->effects.push_back(again);
  const ProofReport r = ExpectFails(b, ProofCheck::kCustody);
  EXPECT_EQ(r.asset, part_);
  EXPECT_EQ(r.txid, split_give_.Id());
}

TEST_F(ProofContractTest, AMissingOrMisplacedClaimFailsReference) {
  ProofBundle b = Build(piece_);
  b.calls.clear();
  ExpectFails(b, ProofCheck::kReference);
  // A claim on Carol's signed split, which is no contract tx.
  b = Build(piece_);
  ProofCall extra{static_cast<uint32_t>(EntryOf(b, carol_split_.Id())), {}};
  b.calls.push_back(extra);
  ExpectFails(b, ProofCheck::kReference);
  // Out of range.
  b = Build(piece_);
  b.calls.push_back(ProofCall{static_cast<uint32_t>(b.txs.size()), {}});
  ExpectFails(b, ProofCheck::kReference);
}

TEST_F(ProofContractTest, AChangedSplitAmountFailsConservation) {
  ProofBundle b = Build(piece_);
  ProofCall* claim = ClaimOf(b, EntryOf(b, split_give_.Id()));
  ASSERT_NE(claim, nullptr);
  // 599: the relay's split passes, Carol's signed split of 350 + 250 then does not add up.
  claim->effects[0].amount = 599;
  ProofReport r = ExpectFails(b, ProofCheck::kConservation);
  EXPECT_EQ(r.txid, carol_split_.Id());
  // All of the parent: the contract's split rule itself refuses it.
  claim->effects[0].amount = 1000;
  r = ExpectFails(b, ProofCheck::kConservation);
  EXPECT_EQ(r.txid, split_give_.Id());
  EXPECT_NE(r.detail.find("bad-split"), std::string::npos) << r.detail;
}

TEST_F(ProofContractTest, ASplitClaimWithOneIdTwiceIsRefused) {
  ProofBundle b = Build(piece_);
  ProofCall* claim = ClaimOf(b, EntryOf(b, split_give_.Id()));
  ASSERT_NE(claim, nullptr);
  claim->effects[0].created[1] = claim->effects[0].created[0];
  const ProofReport r = ExpectFails(b, ProofCheck::kConservation);
  EXPECT_NE(r.detail.find("distinct"), std::string::npos) << r.detail;
}

TEST_F(ProofContractTest, ADroppedEffectFailsTheNextSignedStep) {
  ProofBundle b = Build(piece_);
  ProofCall* claim = ClaimOf(b, EntryOf(b, split_give_.Id()));
  ASSERT_NE(claim, nullptr);
  claim->effects.pop_back();  // the hand-on to Carol: her split then fails custody
  ExpectFails(b, ProofCheck::kCustody);
}

TEST_F(ProofContractTest, ClaimEntriesMustIncreaseAndEffectsDecodeStrictly) {
  ProofBundle b = Build(piece_);
  b.calls.push_back(b.calls.front());  // the same entry twice
  auto d = DecodeProofBundle(EncodeProofBundle(b));
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("strictly increasing"), std::string::npos)
      << d.status().reason();
  // An effect of an unknown kind. The calls are the file's last list: the last call's effects
  // (a split, 105 bytes, and an asset, 65 bytes, §11.1) end it.
  const ProofBundle good = Build(piece_);
  ASSERT_EQ(good.calls.back().effects.size(), 2u);
  chain::Bytes bytes = EncodeProofBundle(good);
  ASSERT_EQ(bytes[bytes.size() - 105 - 65], static_cast<uint8_t>(ContractEffectKind::kSplit));
  bytes[bytes.size() - 105 - 65] = 9;
  d = DecodeProofBundle(bytes);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("unknown contract effect kind"), std::string::npos)
      << d.status().reason();
  // A version 1 file is refused before anything else is read.
  bytes = EncodeProofBundle(good);
  bytes[4] = 1;
  d = DecodeProofBundle(bytes);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("version 1"), std::string::npos) << d.status().reason();
}

}  // namespace
}  // namespace waybill::consensus
