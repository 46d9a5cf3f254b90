// asset.split at retail scale (docs/PROTOCOL.md §3, §8.3, §9.2; plan §6): up to 1,000
// children with up to 4 metadata entries each, within the 64 KiB tx limit; each child's
// metadata is the parent's with its own entries replacing or adding keys; a block holding a
// 1,000-child split, disconnected, leaves every state key as it was.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
using chain::AssetSplitOp;
using chain::Hash256;
using chain::MetadataEntry;
using chain::SplitChild;
using chain::TxWithId;
using testing::TxFactory;

constexpr int kAlice = 0, kBob = 1;
// Enough for a 64 KiB tx at regtest's 1 unit per byte.
constexpr chain::Amount kSplitFee = 100'000;

Hash256 H(uint8_t b) {
  Hash256 h;
  h.bytes.fill(b);
  return h;
}

// "000001" ... : the label of the i-th bag (1-based), as `waybill tx split --bags` makes it.
std::string Label(size_t i) {
  std::string s = std::to_string(i);
  return std::string(6 - s.size(), '0') + s;
}

// n children of `each`, child i labeled bag=Label(i + 1).
std::vector<SplitChild> Bags(size_t n, chain::Quantity each) {
  std::vector<SplitChild> children;
  for (size_t i = 0; i < n; ++i) children.push_back({each, {{"bag", Label(i + 1)}}});
  return children;
}

AssetIssueOp Lot(chain::Quantity quantity) {
  return AssetIssueOp{quantity, "g",
                      {{"gtin", "09506000134352"}, {"lot", "L-17"}, {"origin", "PE"}},
                      {H(0xd0)}};
}

// --- Encoding (§3) ---

chain::Transaction SignedSplit(const TxFactory& f, std::vector<SplitChild> children) {
  return f.Make(kAlice, 1, AssetSplitOp{H(1), std::move(children)}, kSplitFee);
}

TEST(SplitEncoding, ThousandLabeledChildrenFitTheTxLimitAndRoundTrip) {
  const TxFactory f(testing::MakeParams());
  const chain::Transaction tx = SignedSplit(f, Bags(chain::kMaxSplitParts, 1500));
  const chain::Bytes enc = tx.Serialize();
  // 1,000 x (8-byte quantity, 1-byte count, "bag" 4, "000123" 7) = 20 KB, far within 64 KiB.
  EXPECT_LT(enc.size(), chain::kMaxTxSize / 2);
  auto d = chain::DecodeTransaction(enc);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, tx);
  EXPECT_TRUE(d->VerifySignature());
  EXPECT_EQ(chain::NewAssetIds(*d).size(), chain::kMaxSplitParts);
}

TEST(SplitEncoding, ThousandAndOneChildrenDoNotDecode) {
  const TxFactory f(testing::MakeParams());
  auto d = chain::DecodeTransaction(SignedSplit(f, Bags(chain::kMaxSplitParts + 1, 1)).Serialize());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("exceeds limit 1000"), std::string::npos)
      << d.status().ToString();
  // The fewest: two.
  d = chain::DecodeTransaction(SignedSplit(f, Bags(1, 1)).Serialize());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("at least 2"), std::string::npos) << d.status().ToString();
}

TEST(SplitEncoding, AChildHasAtMostFourEntries) {
  const TxFactory f(testing::MakeParams());
  std::vector<SplitChild> children = Bags(2, 1);
  children[1].metadata = {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}};
  EXPECT_TRUE(chain::DecodeTransaction(SignedSplit(f, children).Serialize()).ok());
  children[1].metadata.push_back({"e", "5"});
  auto d = chain::DecodeTransaction(SignedSplit(f, children).Serialize());
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("exceeds limit 4"), std::string::npos)
      << d.status().ToString();
}

// A split padded to exactly kMaxTxSize decodes; one byte more does not.
TEST(SplitEncoding, TheSizeLimitIsExact) {
  const TxFactory f(testing::MakeParams());
  std::vector<SplitChild> children = Bags(chain::kMaxSplitParts, 1);
  size_t size = SignedSplit(f, children).Serialize().size();
  ASSERT_LT(size, chain::kMaxTxSize);
  // Values stay below 253 bytes so that their length prefix stays one byte.
  for (SplitChild& child : children) {
    std::string& value = child.metadata[0].value;
    const size_t add = std::min(chain::kMaxTxSize - size, 252 - value.size());
    value.append(add, 'x');
    size += add;
    if (size == chain::kMaxTxSize) break;
  }
  const chain::Transaction at_limit = SignedSplit(f, children);
  ASSERT_EQ(at_limit.Serialize().size(), chain::kMaxTxSize);
  EXPECT_TRUE(chain::DecodeTransaction(at_limit.Serialize()).ok());
  children.back().metadata[0].value.push_back('x');
  const chain::Bytes over = SignedSplit(f, children).Serialize();
  ASSERT_EQ(over.size(), chain::kMaxTxSize + 1);
  auto d = chain::DecodeTransaction(over);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().reason().find("exceeds 65536"), std::string::npos) << d.status().ToString();
}

// --- Context-free rules (§8.3) ---

std::string Check(const AssetSplitOp& op, std::string* detail = nullptr) {
  chain::Transaction tx;
  tx.op = op;
  ValidationResult r = CheckTransaction(tx);
  if (detail) *detail = r.detail();
  return r.valid() ? "valid" : r.reason();
}

TEST(SplitCheck, ChildRulesInOrderNamingTheChild) {
  std::vector<SplitChild> children = Bags(5, 10);
  EXPECT_EQ(Check({H(1), children}), "valid");
  std::string detail;

  children[3].quantity = 0;
  EXPECT_EQ(Check({H(1), children}, &detail), "bad-split");
  EXPECT_EQ(detail, "child 3 is zero");

  children = Bags(5, 10);
  children[2].metadata = {{"Bag", "1"}};  // upper case: outside the key alphabet
  EXPECT_EQ(Check({H(1), children}, &detail), "bad-metadata");
  EXPECT_EQ(detail, "child 2: entry 0: bad key");

  children[2].metadata = {{"serial", "2"}, {"bag", "1"}};  // not ascending
  EXPECT_EQ(Check({H(1), children}, &detail), "bad-metadata");
  EXPECT_EQ(detail, "child 2: entry 1: keys not ascending");

  children[2].metadata = {{"bag", "a\x01"}};  // a control character
  EXPECT_EQ(Check({H(1), children}, &detail), "bad-metadata");
  EXPECT_EQ(detail, "child 2: entry 0: bad value");

  // Built in memory only (the decoder refuses it): five entries.
  children[2].metadata = {{"a", ""}, {"b", ""}, {"c", ""}, {"d", ""}, {"e", ""}};
  EXPECT_EQ(Check({H(1), children}, &detail), "bad-metadata");
  EXPECT_EQ(detail, "child 2: 5 entries");

  // Child by child, quantity before metadata: the first bad child names the reason.
  children = Bags(5, 10);
  children[1].metadata = {{"Bag", "1"}};
  children[4].quantity = 0;
  EXPECT_EQ(Check({H(1), children}), "bad-metadata");
  children = Bags(5, 10);
  children[1].quantity = 0;
  children[4].metadata = {{"Bag", "1"}};
  EXPECT_EQ(Check({H(1), children}), "bad-split");

  EXPECT_EQ(Check({H(1), Bags(chain::kMaxSplitParts, 1)}), "valid");
  EXPECT_EQ(Check({H(1), Bags(chain::kMaxSplitParts + 1, 1)}, &detail), "bad-split");
  EXPECT_EQ(detail, "1001 children");
  EXPECT_EQ(Check({H(1), Bags(1, 1)}), "bad-split");
}

// --- State rules (§9.2) ---

class SplitStateTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(ApplyGenesis(params_, &state_).valid()); }

  std::string Apply(int key, chain::Operation op, chain::Amount fee = kSplitFee) {
    auto account = state_.GetAccount(f_.Id(key));
    EXPECT_TRUE(account.ok());
    const TxWithId tx = f_.MakeWithId(key, account->nonce, std::move(op), fee);
    chain::Amount paid = 0;
    ValidationResult r = ApplyTransaction(params_, ctx_, tx, index_++, &state_, &paid);
    EXPECT_FALSE(r.error()) << r.ToString();
    last_detail_ = r.detail();
    last_tx_ = tx;
    return r.valid() ? "valid" : r.reason();
  }
  // Issues `op` as key's and returns the new asset's id.
  Hash256 Issue(int key, AssetIssueOp op) {
    EXPECT_EQ(Apply(key, std::move(op)), "valid");
    return chain::NewAssetIds(last_tx_.tx).front();
  }
  Asset AssetOf(const Hash256& id) const { return testing::AssetIn(state_, id); }
  AssetEvent EventOf(const Hash256& asset, uint32_t sequence) const {
    return testing::EventIn(state_, asset, sequence);
  }

  const ChainParams params_ = testing::MakeParams();
  const TxFactory f_{params_};
  chain::MemoryKv base_;
  chain::StateCache state_{&base_};
  BlockContext ctx_{H(0xb1), 1, 1'700'000'100};
  uint32_t index_ = 0;
  std::string last_detail_;
  TxWithId last_tx_;
};

TEST_F(SplitStateTest, ChildrenMustSumToTheParentExactly) {
  const Hash256 lot = Issue(kAlice, Lot(1'500'000));
  EXPECT_EQ(Apply(kAlice, AssetSplitOp{lot, Bags(1000, 1499)}), "bad-split-sum");
  EXPECT_EQ(last_detail_, "children sum to 1499000, parent holds 1500000");
  EXPECT_EQ(Apply(kAlice, AssetSplitOp{lot, Bags(1000, 1501)}), "bad-split-sum");
  std::vector<SplitChild> overflow = Bags(2, UINT64_MAX);
  EXPECT_EQ(Apply(kAlice, AssetSplitOp{lot, overflow}), "bad-split-sum");
  EXPECT_EQ(last_detail_, "children overflow");
  EXPECT_EQ(Apply(kBob, AssetSplitOp{lot, Bags(1000, 1500)}), "not-custodian");
  EXPECT_EQ(Apply(kAlice, AssetSplitOp{lot, Bags(1000, 1500)}), "valid");
  EXPECT_EQ(Apply(kAlice, AssetSplitOp{lot, Bags(1000, 1500)}), "asset-closed");
}

TEST_F(SplitStateTest, ChildMetadataReplacesOrAddsKeysOfTheParents) {
  const Hash256 lot = Issue(kAlice, Lot(100));
  std::vector<SplitChild> children = {
      {40, {}},                                             // the parent's, unchanged
      {35, {{"lot", "L-17-b"}, {"serial", "SN-0002"}}},     // replaces lot, adds serial
      {25, {{"a.first", "x"}, {"origin", "PE-Cusco"}, {"zz", ""}}},  // first, middle, last
  };
  ASSERT_EQ(Apply(kAlice, AssetSplitOp{lot, children}), "valid");
  const std::vector<Hash256> ids = chain::NewAssetIds(last_tx_.tx);
  const std::vector<MetadataEntry> parent = Lot(1).metadata;
  EXPECT_EQ(AssetOf(ids[0]).metadata, parent);
  EXPECT_EQ(AssetOf(ids[1]).metadata,
            (std::vector<MetadataEntry>{{"gtin", "09506000134352"},
                                        {"lot", "L-17-b"},
                                        {"origin", "PE"},
                                        {"serial", "SN-0002"}}));
  EXPECT_EQ(AssetOf(ids[2]).metadata,
            (std::vector<MetadataEntry>{{"a.first", "x"},
                                        {"gtin", "09506000134352"},
                                        {"lot", "L-17"},
                                        {"origin", "PE-Cusco"},
                                        {"zz", ""}}));
  // The parent keeps its own; every child keeps the parent's unit and documents.
  EXPECT_EQ(AssetOf(lot).metadata, parent);
  for (const Hash256& id : ids) {
    EXPECT_EQ(AssetOf(id).unit, "g");
    EXPECT_EQ(AssetOf(id).documents, std::vector<Hash256>{H(0xd0)});
  }
}

TEST_F(SplitStateTest, MoreThanSixteenMergedEntriesAreRefused) {
  AssetIssueOp full = Lot(10);
  full.metadata.clear();
  for (int i = 10; i < 26; ++i) full.metadata.push_back({"k" + std::to_string(i), "v"});
  const Hash256 lot = Issue(kAlice, full);
  // Replacing keys keeps 16 entries: valid. Adding one makes 17 in child 1.
  std::vector<SplitChild> children = {{5, {{"k10", "new"}, {"k25", "new"}}}, {5, {{"k99", "x"}}}};
  EXPECT_EQ(Apply(kAlice, AssetSplitOp{lot, children}), "metadata-full");
  EXPECT_EQ(last_detail_, "child 1: 17 entries with the parent's");
  EXPECT_EQ(AssetOf(lot).status, chain::AssetStatus::kOpen);  // nothing applied
  children[1].metadata = {{"k11", "new"}};
  ASSERT_EQ(Apply(kAlice, AssetSplitOp{lot, children}), "valid");
  const std::vector<Hash256> ids = chain::NewAssetIds(last_tx_.tx);
  EXPECT_EQ(AssetOf(ids[0]).metadata.size(), 16u);
  EXPECT_EQ(AssetOf(ids[0]).metadata.front(), (MetadataEntry{"k10", "new"}));
  EXPECT_EQ(AssetOf(ids[1]).metadata[1], (MetadataEntry{"k11", "new"}));
}

TEST_F(SplitStateTest, ThousandChildrenLinkedBothWays) {
  const Hash256 lot = Issue(kAlice, Lot(1'500'000));
  ASSERT_EQ(Apply(kAlice, AssetSplitOp{lot, Bags(chain::kMaxSplitParts, 1500)}), "valid");
  const std::vector<Hash256> ids = chain::NewAssetIds(last_tx_.tx);
  ASSERT_EQ(ids.size(), 1000u);
  const Asset parent = AssetOf(lot);
  EXPECT_EQ(parent.status, chain::AssetStatus::kSplit);
  EXPECT_EQ(parent.children, ids);
  const AssetEvent split = EventOf(lot, 1);
  EXPECT_EQ(split.type, chain::EventType::kSplit);
  EXPECT_EQ(split.related, ids);
  // The record of a parent of 1,000 children round-trips through its encoding.
  auto decoded = chain::DecodeAsset(chain::EncodeAsset(parent));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, parent);

  const Asset child = AssetOf(ids[499]);
  EXPECT_EQ(child.quantity, 1500u);
  EXPECT_EQ(child.parents, std::vector<Hash256>{lot});
  EXPECT_EQ(child.metadata.front(), (MetadataEntry{"bag", "000500"}));
  EXPECT_EQ(child.metadata.size(), 4u);  // bag + the parent's three
  EXPECT_EQ(EventOf(ids[499], 0).type, chain::EventType::kSplitChild);
  EXPECT_EQ(EventOf(ids[499], 0).related, std::vector<Hash256>{lot});
}

// --- A block holding a 1,000-child split, connected and disconnected (§11 undo) ---

class SplitChainTest : public testing::StoredChainTest {
 protected:
  ValidationResult Submit(const chain::Block& block) {
    BlockOutcome outcome;
    return cs_->ProcessBlockBytes(block.Serialize(), &outcome);
  }
};

TEST_F(SplitChainTest, DisconnectingAThousandChildSplitRestoresEveryStateKey) {
  const chain::Transaction issue = f_.Make(kAlice, 0, Lot(1'500'000));
  const Hash256 lot = chain::NewAssetIds(issue).front();
  const chain::Block b1 =
      testing::MakeBlock(params_, params_.genesis_id, 0, {issue}, f_.Id(testing::kFundedKeys));
  ASSERT_TRUE(Submit(b1).valid());
  const std::map<std::string, chain::Bytes> before = StateKeys();

  const chain::Transaction split =
      f_.Make(kAlice, 1, AssetSplitOp{lot, Bags(chain::kMaxSplitParts, 1500)}, kSplitFee);
  const chain::Block b2 =
      testing::MakeBlock(params_, b1.header.Id(), 1, {split}, f_.Id(testing::kFundedKeys));
  ASSERT_TRUE(Submit(b2).valid());
  ASSERT_EQ(cs_->Tip().id, b2.header.Id());
  const std::map<std::string, chain::Bytes> after = StateKeys();
  // 1,000 new assets with one event, one custody key and four metadata index keys (bag and the
  // parent's three) each, the parent's split event, the tx index and height; the closed
  // parent's custody key is deleted (its metadata keys stay).
  EXPECT_EQ(after.size(), before.size() + 7 * chain::kMaxSplitParts + 3 - 1);
  auto child = cs_->GetAsset(chain::NewAssetIds(split)[499]);
  ASSERT_TRUE(child.ok() && child->has_value());
  EXPECT_EQ((*child)->metadata.front(), (MetadataEntry{"bag", "000500"}));

  // Disconnect: every key and value exactly as before the block.
  ASSERT_TRUE(cs_->InvalidateBlock(b2.header.Id()).valid());
  ASSERT_EQ(cs_->Tip().id, b1.header.Id());
  EXPECT_TRUE(StateKeys() == before);

  // Connected again: exactly as the first time.
  ASSERT_TRUE(cs_->ReconsiderBlock(b2.header.Id()).valid());
  ASSERT_EQ(cs_->Tip().id, b2.header.Id());
  EXPECT_TRUE(StateKeys() == after);
}

}  // namespace
}  // namespace waybill::consensus
