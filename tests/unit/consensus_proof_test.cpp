// Proof bundles (docs/PROTOCOL.md §14): built from a real chainstate on regtest, encoded,
// decoded and verified with no node; every kind of tampering detected by the check that should
// catch it. Tampering that signatures and Merkle paths would catch first (a split by someone who
// is not the custodian, quantities that do not add up) is tested on a chain whose blocks the
// test mines itself, without a chainstate (which would refuse them).
#include "consensus/proof.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "chain/merkle.h"
#include "chain/serialize.h"
#include "chain/store.h"
#include "consensus/chainstate.h"
#include "consensus/read_snapshot.h"
#include "tests/unit/consensus_proof_test_util.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Hash256;
using testing::MakeBlock;
using testing::TxFactory;

constexpr int kFarmA = 0, kFarmB = 1, kCoop = 2, kInspector = 3, kMinerKey = 5;

// A ProofSource in memory: the state copied from the store, the blocks the test mined.
class MemorySource : public ProofSource {
 public:
  MemorySource(const ChainParams& params, const std::map<std::string, chain::Bytes>& state,
               const std::vector<chain::Block>& blocks)
      : params_(params) {
    for (const auto& [k, v] : state) state_.Put(k, v);
    for (const chain::Block& b : blocks) {
      headers_.push_back(b.header);
      blocks_[b.header.Id()] = b.Serialize();
    }
  }
  const ChainParams& params() const override { return params_; }
  uint32_t tip_height() const override { return static_cast<uint32_t>(headers_.size()); }
  const chain::KvReader& state() const override { return state_; }
  chain::Result<std::vector<chain::BlockHeader>> ActiveHeaders(uint32_t from,
                                                               uint32_t to) const override {
    if (from == 0 || to > headers_.size() || from > to) return chain::Status::NotFound("range");
    return std::vector<chain::BlockHeader>(headers_.begin() + (from - 1), headers_.begin() + to);
  }
  chain::Result<chain::Bytes> ReadBlock(const Hash256& id) const override {
    auto it = blocks_.find(id);
    if (it == blocks_.end()) return chain::Status::NotFound("block");
    return it->second;
  }

 private:
  const ChainParams& params_;
  chain::MemoryKv state_;
  std::vector<chain::BlockHeader> headers_;
  std::map<Hash256, chain::Bytes> blocks_;
};

chain::AssetIssueOp Issue(chain::Quantity q) { return {q, "kg", {{"lot", "L-1"}}, {}}; }

// Two farms issue lots, hand them to a cooperative that merges them, splits the merge, roasts
// one half (a transform) and hands the roast to the inspector, who attests along the way.
class ProofTest : public testing::StoredChainTest {
 protected:
  Hash256 Id(int key, uint64_t nonce, uint32_t i = 0) const {
    return chain::AssetIdFor(params_.chain_id(), f_.Id(key), nonce, i);
  }
  void Connect(std::vector<chain::Transaction> txs) {
    const Hash256 parent = blocks_.empty() ? params_.genesis_id : blocks_.back().header.Id();
    blocks_.push_back(MakeBlock(params_, parent, static_cast<uint32_t>(blocks_.size()),
                                std::move(txs), f_.Id(kMinerKey)));
    BlockOutcome outcome;
    ValidationResult r = cs_->ProcessBlockBytes(blocks_.back().Serialize(), &outcome);
    ASSERT_TRUE(r.valid()) << r.ToString();
  }
  void SetUp() override {
    StoredChainTest::SetUp();
    a_ = Id(kFarmA, 0);
    b_ = Id(kFarmB, 0);
    merged_ = Id(kCoop, 0);
    half_ = Id(kCoop, 1, 0);
    other_half_ = Id(kCoop, 1, 1);
    roast_ = Id(kCoop, 2, 0);
    Connect({f_.Make(kFarmA, 0, Issue(1'000'000)), f_.Make(kFarmB, 0, Issue(500'000)),
             f_.Make(kFarmA, 1, chain::PartyProfileOp{"Finca A", "farm", {}, "", {}})});
    Connect({f_.Make(kFarmA, 2, chain::AssetTransferOp{a_, f_.Id(kCoop)}),
             f_.Make(kFarmB, 1, chain::AssetTransferOp{b_, f_.Id(kCoop)}),
             f_.Make(kInspector, 0, chain::AssetAttestOp{a_, "organic", "yes", {}})});
    Connect({f_.Make(kCoop, 0, chain::AssetMergeOp{{a_, b_}, 1'500'000, "kg", {}, {}})});
    Connect({f_.Make(kCoop, 1, chain::AssetSplitOp{merged_, chain::SplitChildren({900'000,
                                                                                   600'000})})});
    Connect({f_.Make(kCoop, 2, chain::AssetTransformOp{{half_}, {{800'000, "kg", {}, {}}}}),
             f_.Make(kInspector, 1, chain::AssetAttestOp{other_half_, "moisture", "11%", {}})});
    Connect({f_.Make(kCoop, 3, chain::AssetTransferOp{roast_, f_.Id(kInspector)}),
             f_.Make(kInspector, 2, chain::AssetAttestOp{roast_, "cupping", "86", {}})});
    Connect({});
    source_.emplace(params_, StateKeys(), blocks_);  // reopens the chainstate
    snapshot_ = cs_->TakeSnapshot();
  }
  void TearDown() override {
    snapshot_.reset();  // before the chainstate whose store it reads
    StoredChainTest::TearDown();
  }

  // From the node's snapshot, as the REST route builds it.
  ProofBundle Build(const Hash256& asset, ProofLimits limits = {}) {
    auto b = BuildProofBundle(*snapshot_, asset, limits);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : ProofBundle{};
  }
  static size_t EntryOf(const ProofBundle& b, const Hash256& txid) {
    return testing::ProofEntryOf(b, txid);
  }
  void ExpectFails(const ProofBundle& b, ProofCheck check) {
    testing::ExpectProofFails(b, params_, check);
  }

  std::vector<chain::Block> blocks_;
  std::optional<MemorySource> source_;  // the same chain from memory
  std::shared_ptr<const ReadSnapshot> snapshot_;
  Hash256 a_, b_, merged_, half_, other_half_, roast_;
};

TEST_F(ProofTest, BuildsEncodesDecodesAndVerifiesTheLineage) {
  const ProofBundle b = Build(roast_);
  ASSERT_EQ(b.headers.size(), 7u);
  ASSERT_EQ(b.assets.size(), 5u);  // roast, half, merged, a, b: not the other half
  EXPECT_EQ(b.assets[0].id, roast_);
  // issue a, issue b, profile, 2 transfers, attest, merge, split, transform, transfer, attest;
  // not the other half's attestation.
  EXPECT_EQ(b.txs.size(), 11u);
  EXPECT_EQ(b.profiles.size(), 1u);

  const chain::Bytes bytes = EncodeProofBundle(b);
  auto decoded = DecodeProofBundle(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, b);
  EXPECT_EQ(EncodeProofBundle(*decoded), bytes);
  // A ProofSource of the same chain (state copied, blocks from memory) builds the same bundle.
  auto from_memory = BuildProofBundle(*source_, roast_);
  ASSERT_TRUE(from_memory.ok());
  EXPECT_EQ(*from_memory, b);

  ProofReport r = VerifyProofBundle(*decoded, params_);
  ASSERT_TRUE(r.ok) << r.Describe();
  EXPECT_EQ(r.tip_height, 7u);
  EXPECT_EQ(r.tip_id, blocks_.back().header.Id());
  ASSERT_EQ(r.assets.size(), 5u);
  EXPECT_EQ(r.assets[0].custodian, f_.Id(kInspector));
  EXPECT_EQ(r.assets[0].quantity, 800'000u);
  EXPECT_EQ(r.assets[0].parents, std::vector<Hash256>{half_});
  const auto& roast_events = r.events.at(roast_);
  ASSERT_EQ(roast_events.size(), 3u);
  EXPECT_EQ(roast_events[0].type, chain::EventType::kTransformOutput);
  EXPECT_EQ(roast_events[1].type, chain::EventType::kTransfer);
  EXPECT_EQ(roast_events[2].type, chain::EventType::kAttest);
  EXPECT_EQ(r.events.at(a_).size(), 4u);  // issue, transfer, attest, merge
  EXPECT_EQ(r.parties.at(f_.Id(kFarmA)).name, "Finca A");
  // The work of blocks 2..7 is six blocks of the genesis target.
  chain::ArithU256 six = r.cumulative_work[1];
  six -= r.cumulative_work[0];
  six *= 6;
  EXPECT_EQ(r.WorkSince(2), six);
  // The replayed events are the chainstate's own.
  auto stored = cs_->GetAssetEvents(roast_, 0, 10);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*stored, roast_events);
}

// A lot that was merged away: its bundle holds the other input of the merge (and that input's
// history), without which the merge cannot be replayed; not the merge's output.
TEST_F(ProofTest, AMergedLotCarriesTheOtherInputs) {
  const ProofBundle b = Build(a_);
  ASSERT_EQ(b.assets.size(), 2u);
  EXPECT_EQ(b.assets[0].id, a_);
  EXPECT_EQ(b.assets[1].id, b_);
  ProofReport r = VerifyProofBundle(b, params_);
  ASSERT_TRUE(r.ok) << r.Describe();
  EXPECT_EQ(r.assets[0].status, chain::AssetStatus::kMerged);
  EXPECT_EQ(r.events.at(a_), *cs_->GetAssetEvents(a_, 0, 10));
  // The same for the transformed half: its transform had no other input.
  EXPECT_TRUE(VerifyProofBundle(Build(half_), params_).ok);
}

TEST_F(ProofTest, UnknownAssetAndLimits) {
  auto none = BuildProofBundle(*source_, Hash256{});
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.status().IsNotFound());
  ProofLimits small;
  small.max_assets = 3;
  auto big = BuildProofBundle(*source_, roast_, small);
  ASSERT_FALSE(big.ok());
  EXPECT_TRUE(big.status().IsInvalid()) << big.status().ToString();
  small = {};
  small.max_txs = 4;
  EXPECT_TRUE(BuildProofBundle(*source_, roast_, small).status().IsInvalid());
  small = {};
  small.include_profiles = false;
  EXPECT_TRUE(Build(roast_, small).profiles.empty());
  EXPECT_TRUE(VerifyProofBundle(Build(roast_, small), params_).ok);
}

TEST_F(ProofTest, AFlippedTxByteFailsTheSignature) {
  ProofBundle b = Build(roast_);
  b.txs[3].tx.back() ^= 0x01;
  ExpectFails(b, ProofCheck::kSignature);
}

TEST_F(ProofTest, AFlippedAuditPathByteFailsTheMerklePath) {
  ProofBundle b = Build(roast_);
  ASSERT_FALSE(b.txs[0].path.empty());
  b.txs[0].path[0].bytes[5] ^= 0x40;
  ExpectFails(b, ProofCheck::kMerkle);
  b = Build(roast_);
  b.txs[0].position = 1;  // the path of another leaf
  ExpectFails(b, ProofCheck::kMerkle);
}

TEST_F(ProofTest, AHeaderNonceFailsProofOfWork) {
  ProofBundle b = Build(roast_);
  chain::BlockHeader& h = b.headers[3];
  // Regtest's target passes about half of all ids: count on to one that fails it.
  for (int i = 0; i < 1000 && CheckProofOfWork(h.Id(), h.bits, params_.pow_limit); ++i) h.nonce++;
  ASSERT_FALSE(CheckProofOfWork(h.Id(), h.bits, params_.pow_limit));
  ProofReport r = VerifyProofBundle(b, params_);
  EXPECT_EQ(r.check, ProofCheck::kPow) << r.Describe();
  EXPECT_EQ(r.header_height, 4);
}

TEST_F(ProofTest, ARemovedHeaderBreaksTheLinks) {
  ProofBundle b = Build(roast_);
  b.headers.erase(b.headers.begin() + 2);
  ExpectFails(b, ProofCheck::kLink);
}

TEST_F(ProofTest, WrongBitsAndTimesAreCaught) {
  ProofBundle b = Build(roast_);
  b.headers[0].bits -= 1;
  ExpectFails(b, ProofCheck::kDifficulty);
}

TEST_F(ProofTest, SwappedEventsBreakTheChaining) {
  ProofBundle b = Build(roast_);
  std::swap(b.assets[0].events[1], b.assets[0].events[2]);
  ExpectFails(b, ProofCheck::kChaining);
  // Entries out of chain order.
  b = Build(roast_);
  std::swap(b.txs[1], b.txs[2]);
  ExpectFails(b, ProofCheck::kOrder);
  // A left-out transfer: the next custodian cannot merge what it never received.
  b = Build(roast_);
  const size_t transfer = EntryOf(b, blocks_[1].txs[0].Id());
  for (ProofAsset& a : b.assets) std::erase(a.events, static_cast<uint32_t>(transfer));
  b.txs.erase(b.txs.begin() + transfer);
  for (ProofAsset& a : b.assets) {
    for (uint32_t& e : a.events) e -= e > transfer ? 1 : 0;
  }
  for (uint32_t& p : b.profiles) p -= p > transfer ? 1 : 0;
  ExpectFails(b, ProofCheck::kCustody);
}

TEST_F(ProofTest, AMissingParentOrSubjectIsCaught) {
  ProofBundle b = Build(roast_);
  b.assets.pop_back();  // farm B's lot: its txs are now referenced by nothing
  ExpectFails(b, ProofCheck::kReference);
  b = Build(roast_);
  b.subject = half_;
  ExpectFails(b, ProofCheck::kSubject);
  b = Build(roast_);
  b.profiles = {0};  // an issue, not a profile
  ExpectFails(b, ProofCheck::kProfile);
}

TEST_F(ProofTest, AnotherNetworkAndTooLittleWorkAreRefused) {
  const ProofBundle b = Build(roast_);
  auto devnet = node::EmbeddedGenesis("devnet");
  ASSERT_TRUE(devnet.ok());
  ProofReport r = VerifyProofBundle(b, *devnet);
  EXPECT_EQ(r.check, ProofCheck::kGenesis) << r.Describe();
  ProofReport ok = VerifyProofBundle(b, params_);
  ASSERT_TRUE(ok.ok);
  EXPECT_TRUE(VerifyProofBundle(b, params_, ok.total_work).ok);
  chain::ArithU256 more = ok.total_work;
  more += 1;
  r = VerifyProofBundle(b, params_, more);
  EXPECT_EQ(r.check, ProofCheck::kMinWork) << r.Describe();
}

TEST_F(ProofTest, TruncatedOrOversizeFilesDoNotDecode) {
  const chain::Bytes bytes = EncodeProofBundle(Build(roast_));
  // Every prefix of the file is refused (bounded: the file is a few KB).
  ASSERT_LT(bytes.size(), 20'000u);
  for (size_t n = 0; n < bytes.size(); ++n) {
    ASSERT_FALSE(DecodeProofBundle(chain::ByteSpan(bytes.data(), n)).ok()) << n;
  }
  chain::Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_FALSE(DecodeProofBundle(trailing).ok());
  chain::Bytes magic = bytes;
  magic[0] = 'X';
  EXPECT_FALSE(DecodeProofBundle(magic).ok());

  // Counts beyond the bounds, or beyond what the bytes left can hold, fail before allocating.
  auto with_count = [&](uint64_t headers) {
    chain::Writer w;
    w.Raw(chain::ByteSpan(kProofMagic, 4));
    w.U8(kProofVersion);
    w.Hash(params_.genesis_id);
    w.Hash(roast_);
    w.CompactSize(headers);
    return w.Take();
  };
  auto r = DecodeProofBundle(with_count(kMaxProofHeaders + 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().reason().find("exceeds"), std::string::npos) << r.status().reason();
  r = DecodeProofBundle(with_count(1000));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().reason().find("truncated"), std::string::npos) << r.status().reason();
  chain::Bytes txs = with_count(0);
  chain::Writer w(&txs);
  w.CompactSize(kMaxProofTxs);
  EXPECT_FALSE(DecodeProofBundle(txs).ok());
  chain::Bytes huge(kMaxProofBytes + 1, 0);
  EXPECT_FALSE(DecodeProofBundle(huge).ok());
}

// A chain the test mines itself (no chainstate), so that a tx can break a state rule and still
// be signed, included and linked: only the replay can catch it.
class ProofReplayTest : public ::testing::Test {
 protected:
  // Mines one block per list of txs and bundles them all, with the given lineage (asset ->
  // its events as (block, position)).
  ProofBundle Bundle(const std::vector<std::vector<chain::Transaction>>& blocks,
                     const std::vector<std::pair<Hash256, std::vector<std::pair<int, int>>>>&
                         lineage) {
    ProofBundle b;
    b.chain_id = params_.chain_id();
    b.subject = lineage.front().first;
    Hash256 parent = params_.genesis_id;
    std::map<std::pair<int, int>, uint32_t> entry;
    for (size_t h = 0; h < blocks.size(); ++h) {
      chain::Block block = MakeBlock(params_, parent, static_cast<uint32_t>(h), blocks[h],
                                     f_.Id(kMinerKey));
      parent = block.header.Id();
      b.headers.push_back(block.header);
      std::vector<Hash256> leaves;
      for (const auto& tx : block.txs) leaves.push_back(chain::MerkleLeafHash(tx.Id().span()));
      for (size_t i = 0; i < block.txs.size(); ++i) {
        entry[{static_cast<int>(h), static_cast<int>(i)}] = static_cast<uint32_t>(b.txs.size());
        b.txs.push_back(ProofTx{static_cast<uint32_t>(h + 1), static_cast<uint32_t>(i),
                                static_cast<uint32_t>(leaves.size()),
                                *chain::MerkleInclusionProof(leaves, i), block.txs[i].Serialize()});
      }
    }
    for (const auto& [id, events] : lineage) {
      ProofAsset a{id, {}};
      for (const auto& e : events) a.events.push_back(entry.at(e));
      b.assets.push_back(a);
    }
    return b;
  }
  Hash256 Id(int key, uint64_t nonce, uint32_t i = 0) const {
    return chain::AssetIdFor(params_.chain_id(), f_.Id(key), nonce, i);
  }

  ChainParams params_ = testing::MakeParams();
  TxFactory f_{params_};
};

TEST_F(ProofReplayTest, AnHonestSplitVerifies) {
  const Hash256 lot = Id(kFarmA, 0), child = Id(kFarmA, 1, 0);
  ProofBundle b = Bundle(
      {{f_.Make(kFarmA, 0, Issue(1000))},
       {f_.Make(kFarmA, 1, chain::AssetSplitOp{lot, chain::SplitChildren({600, 400})})}},
      {{child, {{1, 0}}}, {lot, {{0, 0}, {1, 0}}}});
  ProofReport r = VerifyProofBundle(b, params_);
  EXPECT_TRUE(r.ok) << r.Describe();
}

TEST_F(ProofReplayTest, ASplitSignedByWhoDoesNotHoldTheLotFailsCustody) {
  const Hash256 lot = Id(kFarmA, 0), child = Id(kInspector, 0, 0);
  ProofBundle b = Bundle(
      {{f_.Make(kFarmA, 0, Issue(1000))},
       {f_.Make(kInspector, 0, chain::AssetSplitOp{lot, chain::SplitChildren({600, 400})})}},
      {{child, {{1, 0}}}, {lot, {{0, 0}, {1, 0}}}});
  ProofReport r = VerifyProofBundle(b, params_);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.check, ProofCheck::kCustody) << r.Describe();
  EXPECT_EQ(r.asset, lot);
  EXPECT_EQ(r.tx_index, 1);
}

TEST_F(ProofReplayTest, ChildrenThatDoNotSumToTheParentFailConservation) {
  const Hash256 lot = Id(kFarmA, 0), child = Id(kFarmA, 1, 0);
  ProofBundle b = Bundle(
      {{f_.Make(kFarmA, 0, Issue(1000))},
       {f_.Make(kFarmA, 1, chain::AssetSplitOp{lot, chain::SplitChildren({700, 400})})}},
      {{child, {{1, 0}}}, {lot, {{0, 0}, {1, 0}}}});
  ProofReport r = VerifyProofBundle(b, params_);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.check, ProofCheck::kConservation) << r.Describe();
  // A merge claiming more than its inputs, and a roast that gains weight.
  const Hash256 lot2 = Id(kFarmA, 1);
  b = Bundle({{f_.Make(kFarmA, 0, Issue(1000)), f_.Make(kFarmA, 1, Issue(500))},
              {f_.Make(kFarmA, 2, chain::AssetMergeOp{{lot, lot2}, 1600, "kg", {}, {}})}},
             {{Id(kFarmA, 2), {{1, 0}}}, {lot, {{0, 0}, {1, 0}}}, {lot2, {{0, 1}, {1, 0}}}});
  EXPECT_EQ(VerifyProofBundle(b, params_).check, ProofCheck::kConservation);
  b = Bundle({{f_.Make(kFarmA, 0, Issue(1000))},
              {f_.Make(kFarmA, 1, chain::AssetTransformOp{{lot}, {{1001, "kg", {}, {}}}})}},
             {{Id(kFarmA, 1), {{1, 0}}}, {lot, {{0, 0}, {1, 0}}}});
  EXPECT_EQ(VerifyProofBundle(b, params_).check, ProofCheck::kConservation);
}

TEST_F(ProofReplayTest, AnAssetWithoutItsOriginFailsLineage) {
  const Hash256 lot = Id(kFarmA, 0), child = Id(kFarmA, 1, 0);
  // The split is there, the issue is not.
  ProofBundle b =
      Bundle({{f_.Make(kFarmB, 0, chain::AssetTransferOp{lot, f_.Id(kCoop)})},
              {f_.Make(kFarmA, 1, chain::AssetSplitOp{lot, chain::SplitChildren({600, 400})})}},
             {{child, {{1, 0}}}, {lot, {{0, 0}, {1, 0}}}});
  EXPECT_EQ(VerifyProofBundle(b, params_).check, ProofCheck::kLineage);
}

TEST_F(ProofReplayTest, ATxOfAnotherNetworkFailsTheChainId) {
  ProofBundle b = Bundle({{f_.Make(kFarmA, 0, Issue(1000))}}, {{Id(kFarmA, 0), {{0, 0}}}});
  ASSERT_TRUE(VerifyProofBundle(b, params_).ok);
  // Re-sign the same tx for another chain id; the header's root follows so only the id differs.
  chain::Transaction tx = *chain::DecodeTransaction(b.txs[0].tx);
  tx.chain_id.bytes[0] ^= 1;
  tx.Sign(f_.Key(kFarmA));
  b = Bundle({{tx}}, {{Id(kFarmA, 0), {{0, 0}}}});
  EXPECT_EQ(VerifyProofBundle(b, params_).check, ProofCheck::kChainId);
}

}  // namespace
}  // namespace waybill::consensus
