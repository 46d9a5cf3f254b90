// The metadata index ('g' keys, docs/PROTOCOL.md §11) through every asset operation on a stored
// chain: after each block, and after each block is disconnected and connected again, the index
// is exactly what a scan of every asset record gives (each published entry of each asset, any
// status), and ReadSnapshot::FindByMetadata pages through it. A correction that changes a
// published value moves the asset's entry. (The database versions before protocol 3 are refused:
// consensus_custody_test.cpp.)
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "consensus/read_snapshot.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Hash256;
using chain::MetadataEntry;
using StateMap = std::map<std::string, chain::Bytes>;
using Entry = std::tuple<std::string, std::string, Hash256>;  // key, value, asset

constexpr int kAlice = 0, kBob = 1;

// The oracle: every published entry of every asset record.
std::set<Entry> EntriesByScan(const StateMap& state) {
  std::set<Entry> out;
  for (const auto& [key, value] : state) {
    if (key.front() != chain::keys::kAsset) continue;
    auto asset = chain::DecodeAsset(value);
    EXPECT_TRUE(asset.ok()) << asset.status().ToString();
    if (!asset.ok()) continue;
    for (const MetadataEntry& e : asset->metadata) {
      if (e.kind == chain::MetaKind::kPublished) out.emplace(e.key, e.value, asset->id);
    }
  }
  return out;
}

// The index as stored.
std::set<Entry> IndexKeys(const StateMap& state) {
  std::set<Entry> out;
  for (const auto& [key, value] : state) {
    if (key.front() != chain::keys::kMetadata) continue;
    std::string k, v;
    Hash256 asset;
    EXPECT_TRUE(chain::keys::ParseMetadata(key, &k, &v, &asset));
    EXPECT_TRUE(value.empty());
    out.emplace(k, v, asset);
  }
  return out;
}

class MetadataIndexTest : public testing::StoredChainTest {
 protected:
  // Checks the stored index against the oracle; returns the stored state.
  StateMap CheckIndex(const std::string& when) {
    StateMap state = StateKeys();
    EXPECT_EQ(IndexKeys(state), EntriesByScan(state)) << when;
    return state;
  }
  std::vector<Hash256> Find(std::string_view key, std::string_view value) {
    auto snapshot = cs_->TakeSnapshot();
    auto page = snapshot->FindByMetadata(key, value, std::nullopt, 1000);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return {};
    EXPECT_FALSE(page->more);
    return page->assets;
  }
};

std::vector<Hash256> Sorted(std::vector<Hash256> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST_F(MetadataIndexTest, EveryOperationAndItsUndoKeepTheIndexEqualToAScan) {
  const StateMap at_genesis = CheckIndex("genesis");

  // Block 1: issues, one with a committed entry (not indexed).
  const chain::Transaction issue_x = f_.Make(
      kAlice, 0,
      chain::AssetIssueOp{1000, "kg", {{"gtin", "09506000134352"}, {"lot", "A1"}}, {}});
  MetadataEntry secret{"price", "", chain::MetaKind::kCommitted, Hash256()};
  secret.commitment.data()[0] = 7;
  const chain::Transaction issue_y = f_.Make(
      kAlice, 1,
      chain::AssetIssueOp{900, "kg", {{"gtin", "09506000134352"}, {"lot", "B2"}, secret}, {}});
  const chain::Transaction issue_z =
      f_.Make(kBob, 0, chain::AssetIssueOp{100, "kg", {{"lot", "Z"}}, {}});
  const Hash256 x = chain::NewAssetIds(issue_x).front();
  const Hash256 y = chain::NewAssetIds(issue_y).front();
  const Hash256 z = chain::NewAssetIds(issue_z).front();
  const chain::Block b1 = Next({issue_x, issue_y, issue_z});
  Submit(b1);
  const StateMap after_b1 = CheckIndex("after issues");
  EXPECT_EQ(Find("gtin", "09506000134352"), Sorted({x, y}));
  EXPECT_EQ(Find("lot", "A1"), std::vector<Hash256>{x});
  EXPECT_TRUE(Find("price", "").empty());
  EXPECT_TRUE(Find("lot", "A").empty());  // exact values only, not prefixes

  // Block 2: a split whose children replace or add keys, and a transfer.
  std::vector<chain::SplitChild> children = chain::SplitChildren({600, 400});
  children[0].metadata = {{"serial", "S-1"}};
  children[1].metadata = {{"lot", "A1-b"}};
  const chain::Transaction split_x = f_.Make(kAlice, 2, chain::AssetSplitOp{x, children});
  const std::vector<Hash256> bags = chain::NewAssetIds(split_x);
  const chain::Transaction give_y = f_.Make(kAlice, 3, chain::AssetTransferOp{y, f_.Id(kBob)});
  const chain::Block b2 = Next({split_x, give_y});
  Submit(b2);
  const StateMap after_b2 = CheckIndex("after split and transfer");
  // The closed parent stays indexed; the children carry the inherited and their own entries.
  EXPECT_EQ(Find("lot", "A1"), Sorted({x, bags[0]}));
  EXPECT_EQ(Find("lot", "A1-b"), std::vector<Hash256>{bags[1]});
  EXPECT_EQ(Find("serial", "S-1"), std::vector<Hash256>{bags[0]});

  // Block 3: a merge, a transform and a correction that changes a published value.
  const chain::Transaction merge = f_.Make(
      kBob, 1, chain::AssetMergeOp{{y, z}, 1000, "kg", {{"lot", "M-1"}}, {}});
  const Hash256 merged = chain::NewAssetIds(merge).front();
  const chain::Transaction transform = f_.Make(
      kAlice, 4,
      chain::AssetTransformOp{{bags[1]}, {chain::TransformOutput{300, "kg", {{"lot", "R-9"}}, {}}}});
  const Hash256 roasted = chain::NewAssetIds(transform).front();
  const chain::Transaction correct = f_.Make(
      kAlice, 5,
      chain::AssetCorrectOp{bags[0], chain::AssetEventId(split_x.Id(), bags[0]),
                            {{"lot", "A1-fixed"}}, "typo"});
  const chain::Block b3 = Next({merge, transform, correct});
  Submit(b3);
  const StateMap after_b3 = CheckIndex("after merge, transform, correct");
  EXPECT_EQ(Find("lot", "M-1"), std::vector<Hash256>{merged});
  EXPECT_EQ(Find("lot", "Z"), std::vector<Hash256>{z});  // the merged input stays indexed
  EXPECT_EQ(Find("lot", "R-9"), std::vector<Hash256>{roasted});
  EXPECT_EQ(Find("lot", "A1"), std::vector<Hash256>{x});  // bags[0] moved away
  EXPECT_EQ(Find("lot", "A1-fixed"), std::vector<Hash256>{bags[0]});

  // Disconnected one block at a time: every state key (the index among them) as it was.
  ASSERT_TRUE(cs_->InvalidateBlock(b3.header.Id()).valid());
  EXPECT_TRUE(CheckIndex("b3 disconnected") == after_b2);
  EXPECT_EQ(Find("lot", "A1"), Sorted({x, bags[0]}));
  EXPECT_TRUE(Find("lot", "M-1").empty());
  ASSERT_TRUE(cs_->InvalidateBlock(b2.header.Id()).valid());
  EXPECT_TRUE(CheckIndex("b2 disconnected") == after_b1);
  ASSERT_TRUE(cs_->InvalidateBlock(b1.header.Id()).valid());
  EXPECT_TRUE(CheckIndex("b1 disconnected") == at_genesis);
  EXPECT_TRUE(Find("gtin", "09506000134352").empty());

  // Connected again: exactly as the first time.
  ASSERT_TRUE(cs_->ReconsiderBlock(b3.header.Id()).valid());
  ASSERT_EQ(cs_->Tip().id, b3.header.Id());
  EXPECT_TRUE(CheckIndex("reconnected") == after_b3);
}

TEST_F(MetadataIndexTest, PagesOfASearch) {
  std::vector<chain::Transaction> txs;
  std::vector<Hash256> ids;
  for (uint64_t n = 0; n < 7; ++n) {
    txs.push_back(f_.Make(kAlice, n, chain::AssetIssueOp{10 + n, "kg", {{"lot", "L"}}, {}}));
    ids.push_back(chain::NewAssetIds(txs.back()).front());
  }
  txs.push_back(f_.Make(kAlice, 7, chain::AssetIssueOp{5, "kg", {{"lot", "L2"}}, {}}));
  Submit(Next(txs));
  std::sort(ids.begin(), ids.end());

  auto snapshot = cs_->TakeSnapshot();
  std::vector<Hash256> walked;
  std::optional<Hash256> after;
  for (int page = 0; page < 10; ++page) {
    auto found = snapshot->FindByMetadata("lot", "L", after, 3);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_LE(found->assets.size(), 3u);
    walked.insert(walked.end(), found->assets.begin(), found->assets.end());
    if (!found->more) break;
    after = found->assets.back();
  }
  EXPECT_EQ(walked, ids);
  // A limit past the page bound is clamped to it, 0 to 1.
  auto one = snapshot->FindByMetadata("lot", "L", std::nullopt, 0);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->assets.size(), 1u);
  EXPECT_TRUE(one->more);
  auto all = snapshot->FindByMetadata("lot", "L", std::nullopt, 1'000'000);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->assets, ids);
  // Keys and values longer than any entry can be match nothing.
  auto long_key = snapshot->FindByMetadata(std::string(33, 'k'), "L", std::nullopt, 10);
  ASSERT_TRUE(long_key.ok());
  EXPECT_TRUE(long_key->assets.empty());
}

TEST_F(MetadataIndexTest, ABadIndexKeyIsCorruption) {
  Submit(Next({f_.Make(kAlice, 0, chain::AssetIssueOp{10, "kg", {{"lot", "L"}}, {}})}));
  cs_.reset();
  {
    auto store = chain::Store::Open(dir_.string());
    ASSERT_TRUE(store.ok());
    chain::StoreBatch batch;
    batch.Put(chain::keys::MetadataPrefix("lot", "L") + "short", chain::ByteSpan());
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  Open();
  auto found = cs_->TakeSnapshot()->FindByMetadata("lot", "L", std::nullopt, 10);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), chain::Status::Code::kCorruption);
}

}  // namespace
}  // namespace waybill::consensus
