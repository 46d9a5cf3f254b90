// The custody index ('c' keys, docs/PROTOCOL.md §11) through every asset operation on a stored
// chain: after each block, and after each block is disconnected and connected again, the index
// is exactly what a scan of every asset record gives (the open assets, by custodian), and
// Chainstate::GetAssetsInCustody lists it. Also the database versions: one of a protocol-2
// node (1 to 4) is refused with a message that says the network was reset.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "chain/state.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::AccountId;
using chain::Hash256;
using StateMap = std::map<std::string, chain::Bytes>;

constexpr int kAlice = 0, kBob = 1, kCarol = 2;

chain::AssetIssueOp Lot(chain::Quantity quantity) {
  return chain::AssetIssueOp{quantity, "kg", {{"lot", "L-1"}}, {}};
}

// The oracle: custodian -> its open assets, ascending, from a scan of every asset record.
std::map<AccountId, std::vector<Hash256>> OpenAssetsByScan(const StateMap& state) {
  std::map<AccountId, std::vector<Hash256>> out;
  for (const auto& [key, value] : state) {
    if (key.front() != chain::keys::kAsset) continue;
    auto asset = chain::DecodeAsset(value);
    EXPECT_TRUE(asset.ok()) << asset.status().ToString();
    if (asset.ok() && asset->status == chain::AssetStatus::kOpen) {
      out[asset->custodian].push_back(asset->id);
    }
  }
  for (auto& [custodian, ids] : out) std::sort(ids.begin(), ids.end());
  return out;
}

// The index as stored: custodian -> asset ids in key order.
std::map<AccountId, std::vector<Hash256>> CustodyKeys(const StateMap& state) {
  std::map<AccountId, std::vector<Hash256>> out;
  for (const auto& [key, value] : state) {
    if (key.front() != chain::keys::kCustody) continue;
    AccountId custodian;
    Hash256 asset;
    EXPECT_TRUE(chain::keys::ParseCustody(key, &custodian, &asset));
    EXPECT_TRUE(value.empty());
    out[custodian].push_back(asset);
  }
  return out;
}

class CustodyChainTest : public testing::StoredChainTest {
 protected:
  // Checks the index against the oracle, and Chainstate's reader against both; returns the
  // stored state.
  StateMap CheckIndex(const std::string& when) {
    StateMap state = StateKeys();
    const auto expected = OpenAssetsByScan(state);
    EXPECT_EQ(CustodyKeys(state), expected) << when;
    for (int key = 0; key < testing::kKeys; ++key) {
      auto listing = cs_->GetAssetsInCustody(f_.Id(key), std::nullopt, 1000);
      EXPECT_TRUE(listing.ok()) << listing.status().ToString();
      if (!listing.ok()) continue;
      std::vector<Hash256> ids;
      for (const chain::Asset& a : listing->assets) ids.push_back(a.id);
      auto it = expected.find(f_.Id(key));
      EXPECT_EQ(ids, it == expected.end() ? std::vector<Hash256>{} : it->second)
          << when << ", key " << key;
      EXPECT_FALSE(listing->more);
    }
    return state;
  }
  std::vector<Hash256> Held(int key) {
    auto listing = cs_->GetAssetsInCustody(f_.Id(key), std::nullopt, 1000);
    EXPECT_TRUE(listing.ok());
    std::vector<Hash256> ids;
    if (listing.ok()) {
      for (const chain::Asset& a : listing->assets) ids.push_back(a.id);
    }
    return ids;
  }
};

TEST_F(CustodyChainTest, EveryOperationAndItsUndoKeepTheIndexEqualToAScan) {
  const StateMap at_genesis = CheckIndex("genesis");
  EXPECT_TRUE(CustodyKeys(at_genesis).empty());

  // Block 1: issues.
  const chain::Transaction issue_x = f_.Make(kAlice, 0, Lot(1000));
  const chain::Transaction issue_y = f_.Make(kAlice, 1, Lot(900));
  const chain::Transaction issue_z = f_.Make(kBob, 0, Lot(500));
  const Hash256 x = chain::NewAssetIds(issue_x).front();
  const Hash256 y = chain::NewAssetIds(issue_y).front();
  const Hash256 z = chain::NewAssetIds(issue_z).front();
  const chain::Block b1 = Next({issue_x, issue_y, issue_z});
  Submit(b1);
  const StateMap after_b1 = CheckIndex("after issues");
  std::vector<Hash256> alice_b1{x, y};
  std::sort(alice_b1.begin(), alice_b1.end());
  EXPECT_EQ(Held(kAlice), alice_b1);
  EXPECT_EQ(Held(kBob), std::vector<Hash256>{z});

  // Block 2: a transfer and a split.
  const chain::Transaction give_x =
      f_.Make(kAlice, 2, chain::AssetTransferOp{x, f_.Id(kBob)});
  const chain::Transaction split_y =
      f_.Make(kAlice, 3, chain::AssetSplitOp{y, chain::SplitChildren({300, 300, 300})});
  const std::vector<Hash256> bags = chain::NewAssetIds(split_y);
  ASSERT_EQ(bags.size(), 3u);
  const chain::Block b2 = Next({give_x, split_y});
  Submit(b2);
  const StateMap after_b2 = CheckIndex("after transfer and split");
  std::vector<Hash256> alice_b2 = bags;
  std::sort(alice_b2.begin(), alice_b2.end());
  EXPECT_EQ(Held(kAlice), alice_b2);
  std::vector<Hash256> bob_b2{x, z};
  std::sort(bob_b2.begin(), bob_b2.end());
  EXPECT_EQ(Held(kBob), bob_b2);

  // Block 3: a merge, a transform, a correction, an attestation, and a transfer of an asset
  // made in the same block.
  const chain::Transaction merge =
      f_.Make(kBob, 1, chain::AssetMergeOp{{x, z}, 1500, "kg", {}, {}});
  const Hash256 merged = chain::NewAssetIds(merge).front();
  const chain::Transaction give_merged =
      f_.Make(kBob, 2, chain::AssetTransferOp{merged, f_.Id(kCarol)});
  const chain::Transaction transform = f_.Make(
      kAlice, 4, chain::AssetTransformOp{{bags[0]}, {chain::TransformOutput{200, "kg", {}, {}}}});
  const Hash256 roasted = chain::NewAssetIds(transform).front();
  const chain::Transaction correct = f_.Make(
      kAlice, 5,
      chain::AssetCorrectOp{bags[1], chain::AssetEventId(split_y.Id(), bags[1]),
                            {{"lot", "L-2"}}, "typo"});
  const chain::Transaction attest =
      f_.Make(kCarol, 0, chain::AssetAttestOp{bags[2], "moisture", "11%", Hash256()});
  const chain::Block b3 = Next({merge, give_merged, transform, correct, attest});
  Submit(b3);
  const StateMap after_b3 = CheckIndex("after merge, transform, correct, attest");
  std::vector<Hash256> alice_b3{bags[1], bags[2], roasted};
  std::sort(alice_b3.begin(), alice_b3.end());
  EXPECT_EQ(Held(kAlice), alice_b3);
  EXPECT_TRUE(Held(kBob).empty());
  EXPECT_EQ(Held(kCarol), std::vector<Hash256>{merged});

  // Disconnected one block at a time: every state key (the index among them) as it was.
  ASSERT_TRUE(cs_->InvalidateBlock(b3.header.Id()).valid());
  EXPECT_TRUE(CheckIndex("b3 disconnected") == after_b2);
  EXPECT_EQ(Held(kBob), bob_b2);
  ASSERT_TRUE(cs_->InvalidateBlock(b2.header.Id()).valid());
  EXPECT_TRUE(CheckIndex("b2 disconnected") == after_b1);
  EXPECT_EQ(Held(kAlice), alice_b1);
  ASSERT_TRUE(cs_->InvalidateBlock(b1.header.Id()).valid());
  EXPECT_TRUE(CheckIndex("b1 disconnected") == at_genesis);

  // Connected again: exactly as the first time.
  ASSERT_TRUE(cs_->ReconsiderBlock(b3.header.Id()).valid());
  ASSERT_EQ(cs_->Tip().id, b3.header.Id());
  EXPECT_TRUE(CheckIndex("reconnected") == after_b3);
}

TEST_F(CustodyChainTest, PagesOfAnAccountsAssets) {
  std::vector<chain::Transaction> txs;
  std::vector<Hash256> ids;
  for (uint64_t n = 0; n < 7; ++n) {
    txs.push_back(f_.Make(kAlice, n, Lot(10 + n)));
    ids.push_back(chain::NewAssetIds(txs.back()).front());
  }
  Submit(Next(txs));
  std::sort(ids.begin(), ids.end());

  std::vector<Hash256> walked;
  std::optional<Hash256> after;
  for (int page = 0; page < 10; ++page) {
    auto listing = cs_->GetAssetsInCustody(f_.Id(kAlice), after, 3);
    ASSERT_TRUE(listing.ok()) << listing.status().ToString();
    EXPECT_LE(listing->assets.size(), 3u);
    for (const chain::Asset& a : listing->assets) {
      EXPECT_EQ(a.custodian, f_.Id(kAlice));
      walked.push_back(a.id);
    }
    if (!listing->more) break;
    after = listing->assets.back().id;
  }
  EXPECT_EQ(walked, ids);
  // A limit past the page bound is clamped to it, 0 to 1.
  auto one = cs_->GetAssetsInCustody(f_.Id(kAlice), std::nullopt, 0);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->assets.size(), 1u);
  EXPECT_TRUE(one->more);
}

TEST_F(CustodyChainTest, AnIndexEntryWithoutItsOpenAssetIsCorruption) {
  const chain::Transaction issue = f_.Make(kAlice, 0, Lot(10));
  Submit(Next({issue}));
  cs_.reset();
  {
    auto store = chain::Store::Open(dir_.string());
    ASSERT_TRUE(store.ok());
    chain::StoreBatch batch;
    batch.Put(chain::keys::Custody(f_.Id(kBob), chain::NewAssetIds(issue).front()),
              chain::ByteSpan());
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  Open();
  auto listing = cs_->GetAssetsInCustody(f_.Id(kBob), std::nullopt, 10);
  ASSERT_FALSE(listing.ok());
  EXPECT_EQ(listing.status().code(), chain::Status::Code::kCorruption);
  EXPECT_TRUE(cs_->GetAssetsInCustody(f_.Id(kAlice), std::nullopt, 10).ok());
}

// Protocol 3 reset every network: a database that a protocol-2 (or older) node left, versions 1
// to 4, is refused with what to do, never opened, upgraded or crashed on, and so is version 5
// (protocol 3 before it was amended); once the version is the current one again the same
// directory opens.
TEST_F(CustodyChainTest, ADatabaseOfVersionOneToFourIsRefusedAsBeforeTheProtocolThreeReset) {
  Submit(Next({f_.Make(kAlice, 0, Lot(10))}));
  cs_.reset();
  const auto set_version = [this](std::string_view version) {
    auto store = chain::Store::Open(dir_.string());
    ASSERT_TRUE(store.ok());
    chain::StoreBatch batch;
    batch.Put(chain::keys::Meta("version"),
              chain::ByteSpan(reinterpret_cast<const uint8_t*>(version.data()), version.size()));
    ASSERT_TRUE((*store)->Write(batch).ok());
  };
  ChainstateOptions options;
  options.clock = [] { return int64_t{1'800'000'000}; };
  options.verify_threads = 1;
  for (std::string_view version : {"1", "2", "3", "4"}) {
    set_version(version);
    auto refused = Chainstate::Open(dir_.string(), params_, options);
    ASSERT_FALSE(refused.ok()) << version;
    EXPECT_TRUE(refused.status().IsInvalid()) << refused.status().ToString();
    const std::string why = refused.status().reason();  // a copy: status() is a temporary
    EXPECT_NE(why.find("database version " + std::string(version)), std::string::npos) << why;
    EXPECT_NE(why.find("protocol 3 reset every network"), std::string::npos) << why;
    EXPECT_NE(why.find("remove the data directory's regtest folder"), std::string::npos) << why;
  }
  // Version 5: protocol 3 before its amendment (another contract state layout).
  set_version("5");
  auto amended = Chainstate::Open(dir_.string(), params_, options);
  ASSERT_FALSE(amended.ok());
  EXPECT_TRUE(amended.status().IsInvalid()) << amended.status().ToString();
  const std::string why = amended.status().reason();
  EXPECT_NE(why.find("database version 5, this waybilld uses version 6"), std::string::npos)
      << why;
  EXPECT_NE(why.find("before protocol 3 was amended"), std::string::npos) << why;
  EXPECT_NE(why.find("remove the data directory's regtest folder"), std::string::npos) << why;
  set_version("7");
  auto unknown = Chainstate::Open(dir_.string(), params_, options);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), chain::Status::Code::kCorruption);
  set_version("6");
  Open();
  EXPECT_EQ(cs_->Tip().height, 1u);
}

}  // namespace
}  // namespace waybill::consensus
