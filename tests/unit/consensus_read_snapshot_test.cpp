// ReadSnapshot (consensus/read_snapshot.h): a snapshot answers every getter from the state of
// the tip it was taken at, whatever blocks are connected or disconnected after it; a new
// snapshot sees the new tip. Each getter agrees with the Chainstate's own on the same tip, and
// a stored record that does not decode is Corruption.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chain/state.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "consensus/read_snapshot.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Hash256;

constexpr int kAlice = 0, kBob = 1;
constexpr int kMiner = testing::kFundedKeys;

class ReadSnapshotTest : public testing::StoredChainTest {
 protected:
  chain::AccountId Custodian(const ReadSnapshot& s, const Hash256& asset) {
    auto a = s.GetAsset(asset);
    EXPECT_TRUE(a.ok() && a->has_value());
    return a.ok() && a->has_value() ? (*a)->custodian : chain::AccountId();
  }
};

TEST_F(ReadSnapshotTest, ASnapshotKeepsAnsweringForItsTipAfterABlockConnects) {
  const chain::Transaction issue =
      f_.Make(kAlice, 0, chain::AssetIssueOp{10, "kg", {{"lot", "L"}}, {}});
  const Hash256 lot = chain::NewAssetIds(issue).front();
  const chain::Block b1 = Next({issue});
  Submit(b1);

  auto before = cs_->TakeSnapshot();
  ASSERT_EQ(before->tip().id, b1.header.Id());
  ASSERT_EQ(before->tip().height, 1u);

  const chain::Transaction give = f_.Make(kAlice, 1, chain::AssetTransferOp{lot, f_.Id(kBob)});
  const chain::Transaction pay = f_.Make(kBob, 0, chain::TransferOp{f_.Id(kAlice), 5});
  const chain::Block b2 = Next({give, pay});
  Submit(b2);

  // The old snapshot: the tip, records, indexes and active chain of block 1.
  EXPECT_EQ(before->tip().id, b1.header.Id());
  EXPECT_EQ(Custodian(*before, lot), f_.Id(kAlice));
  auto events = before->GetAssetEvents(lot, 0, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1u);
  auto alice = before->GetAccount(f_.Id(kAlice));
  ASSERT_TRUE(alice.ok());
  EXPECT_EQ(alice->nonce, 1u);
  EXPECT_FALSE(before->BlockHashAt(2).has_value());
  auto loc = before->GetTxLocation(give.Id());
  ASSERT_TRUE(loc.ok());
  EXPECT_FALSE(loc->has_value());
  auto held = before->ListCustody(f_.Id(kAlice), std::nullopt, 10);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->assets, std::vector<Hash256>{lot});
  auto header2 = before->GetHeader(b2.header.Id());
  ASSERT_TRUE(header2.ok());
  EXPECT_FALSE(header2->has_value());  // the block arrived after the snapshot
  EXPECT_FALSE(before->ActiveHeaders(0, 2).ok());

  // A new snapshot: block 2.
  auto after = cs_->TakeSnapshot();
  EXPECT_EQ(after->tip().id, b2.header.Id());
  EXPECT_EQ(Custodian(*after, lot), f_.Id(kBob));
  EXPECT_EQ(after->BlockHashAt(2), b2.header.Id());
  auto loc2 = after->GetTxLocation(give.Id());
  ASSERT_TRUE(loc2.ok() && loc2->has_value());
  EXPECT_EQ((*loc2)->block, b2.header.Id());
  EXPECT_EQ((*loc2)->height, 2u);
  EXPECT_EQ((*loc2)->index, 0u);
}

TEST_F(ReadSnapshotTest, AReorgIsVisibleOnlyInANewSnapshot) {
  const chain::Block b1 = Next({});
  Submit(b1);
  const chain::Transaction issue =
      f_.Make(kAlice, 0, chain::AssetIssueOp{10, "kg", {{"lot", "L"}}, {}});
  const Hash256 lot = chain::NewAssetIds(issue).front();
  const chain::Block b2 = Next({issue});
  Submit(b2);
  auto on_b2 = cs_->TakeSnapshot();

  // A competing branch from b1 with more work replaces b2.
  const chain::Block c2 = testing::MakeBlock(params_, b1.header.Id(), 1, {}, f_.Id(kBob));
  const chain::Block c3 = testing::MakeBlock(params_, c2.header.Id(), 2, {}, f_.Id(kBob));
  BlockOutcome outcome;
  ASSERT_TRUE(cs_->ProcessBlockBytes(c2.Serialize(), &outcome).valid());
  ASSERT_TRUE(cs_->ProcessBlockBytes(c3.Serialize(), &outcome).valid());
  ASSERT_EQ(cs_->Tip().id, c3.header.Id());

  EXPECT_EQ(on_b2->tip().id, b2.header.Id());
  EXPECT_EQ(on_b2->BlockHashAt(2), b2.header.Id());
  auto asset = on_b2->GetAsset(lot);
  ASSERT_TRUE(asset.ok());
  EXPECT_TRUE(asset->has_value());
  auto b2_there = on_b2->GetHeader(b2.header.Id());
  ASSERT_TRUE(b2_there.ok() && b2_there->has_value());
  EXPECT_TRUE((*b2_there)->in_active_chain);

  auto on_c3 = cs_->TakeSnapshot();
  EXPECT_EQ(on_c3->tip().id, c3.header.Id());
  EXPECT_EQ(on_c3->BlockHashAt(2), c2.header.Id());
  auto gone = on_c3->GetAsset(lot);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
  auto b2_left = on_c3->GetHeader(b2.header.Id());
  ASSERT_TRUE(b2_left.ok() && b2_left->has_value());
  EXPECT_FALSE((*b2_left)->in_active_chain);
  auto lot_search = on_c3->FindByMetadata("lot", "L", std::nullopt, 10);
  ASSERT_TRUE(lot_search.ok());
  EXPECT_TRUE(lot_search->assets.empty());
  auto old_search = on_b2->FindByMetadata("lot", "L", std::nullopt, 10);
  ASSERT_TRUE(old_search.ok());
  EXPECT_EQ(old_search->assets, std::vector<Hash256>{lot});
}

TEST_F(ReadSnapshotTest, EveryGetterAgreesWithTheChainstate) {
  const chain::Transaction issue =
      f_.Make(kAlice, 0, chain::AssetIssueOp{10, "kg", {{"lot", "L"}}, {}});
  const Hash256 lot = chain::NewAssetIds(issue).front();
  const chain::Transaction profile =
      f_.Make(kBob, 0, chain::PartyProfileOp{"Bob's farm", "farm", {}, "", Hash256()});
  const chain::Block b1 = Next({issue, profile});
  Submit(b1);
  const chain::Transaction attest =
      f_.Make(kBob, 1, chain::AssetAttestOp{lot, "moisture", "11%", Hash256()});
  const chain::Block b2 = Next({attest});
  Submit(b2);

  auto s = cs_->TakeSnapshot();
  EXPECT_EQ(s->tip().id, cs_->Tip().id);
  EXPECT_EQ(s->tip().median_time_past, cs_->Tip().median_time_past);
  EXPECT_EQ(s->params().chain_id(), params_.chain_id());
  for (uint32_t h = 0; h <= 2; ++h) EXPECT_EQ(s->BlockHashAt(h), cs_->BlockHashAt(h));
  EXPECT_FALSE(s->BlockHashAt(3).has_value());

  auto headers = s->ActiveHeaders(0, 2);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  ASSERT_EQ(headers->size(), 3u);
  EXPECT_EQ((*headers)[0].Id(), params_.genesis_id);
  EXPECT_EQ((*headers)[2], b2.header);
  EXPECT_FALSE(s->ActiveHeaders(2, 1).ok());

  auto header = s->GetHeader(b1.header.Id());
  ASSERT_TRUE(header.ok() && header->has_value());
  const auto index = cs_->GetBlockIndex(b1.header.Id());
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ((*header)->header, index->header);
  EXPECT_EQ((*header)->height, 1u);
  EXPECT_EQ((*header)->chain_work, index->chain_work);
  EXPECT_TRUE((*header)->in_active_chain);
  auto unknown = s->GetHeader(Hash256());
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());

  auto block = s->ReadBlock(b2.header.Id());
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(*block, *cs_->ReadBlock(b2.header.Id()));
  auto no_block = s->ReadBlock(Hash256());
  ASSERT_FALSE(no_block.ok());
  EXPECT_TRUE(no_block.status().IsNotFound());

  for (int key : {kAlice, kBob, kMiner}) {
    auto a = s->GetAccount(f_.Id(key));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(*a, *cs_->GetAccount(f_.Id(key)));
  }
  EXPECT_EQ(*s->GetAsset(lot), *cs_->GetAsset(lot));
  auto events = s->GetAssetEvents(lot, 0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(*events, *cs_->GetAssetEvents(lot, 0, 100));
  EXPECT_EQ(s->GetAssetEvents(lot, 1, 1)->front().type, chain::EventType::kAttest);
  EXPECT_EQ(*s->GetTxLocation(attest.Id()), *cs_->GetTxLocation(attest.Id()));

  auto party = s->GetParty(f_.Id(kBob), 10);
  ASSERT_TRUE(party.ok());
  ASSERT_TRUE(party->party.has_value());
  EXPECT_EQ(party->party->name, "Bob's farm");
  EXPECT_EQ(party->party, cs_->GetParty(f_.Id(kBob), 10)->party);
  auto nobody = s->GetParty(f_.Id(kAlice), 10);
  ASSERT_TRUE(nobody.ok());
  EXPECT_FALSE(nobody->party.has_value());

  auto held = s->ListCustody(f_.Id(kAlice), std::nullopt, 0);  // clamped to 1
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->assets, std::vector<Hash256>{lot});
  EXPECT_FALSE(held->more);
  auto found = s->FindByMetadata("lot", "L", std::nullopt, 10);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->assets, std::vector<Hash256>{lot});

  // state(): the raw records.
  chain::Bytes raw;
  EXPECT_TRUE(s->state().Get(chain::keys::Asset(lot), &raw).ok());
}

TEST_F(ReadSnapshotTest, RecordsThatDoNotDecodeAreCorruption) {
  const chain::Transaction issue =
      f_.Make(kAlice, 0, chain::AssetIssueOp{10, "kg", {{"lot", "L"}}, {}});
  const Hash256 lot = chain::NewAssetIds(issue).front();
  const chain::Block b1 = Next({issue});
  Submit(b1);
  cs_.reset();
  {
    auto store = chain::Store::Open(dir_.string());
    ASSERT_TRUE(store.ok());
    chain::StoreBatch batch;
    const uint8_t junk[] = {0xff, 0x01};
    // State records, which Open() does not read (it checks blocks and undo data).
    batch.Put(chain::keys::Account(f_.Id(kBob)), chain::ByteSpan(junk, 2));
    batch.Put(chain::keys::Event(lot, 0), chain::ByteSpan(junk, 2));
    batch.Put(chain::keys::TxIndex(issue.Id()), chain::ByteSpan(junk, 2));
    batch.Put(chain::keys::Height(1), chain::ByteSpan(junk, 2));
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  Open();
  {
    auto s = cs_->TakeSnapshot();
    auto account = s->GetAccount(f_.Id(kBob));
    ASSERT_FALSE(account.ok());
    EXPECT_EQ(account.status().code(), chain::Status::Code::kCorruption);
    auto events = s->GetAssetEvents(lot, 0, 10);
    ASSERT_FALSE(events.ok());
    EXPECT_EQ(events.status().code(), chain::Status::Code::kCorruption);
    auto loc = s->GetTxLocation(issue.Id());
    ASSERT_FALSE(loc.ok());
    EXPECT_EQ(loc.status().code(), chain::Status::Code::kCorruption);
    // The active chain comes from the chainstate's memory (consensus/header_chain.h), not from
    // the 'h' records: a damaged one does not change it.
    auto headers = s->ActiveHeaders(0, 1);
    ASSERT_TRUE(headers.ok());
    EXPECT_EQ(headers->back(), b1.header);
    EXPECT_EQ(s->BlockHashAt(1), b1.header.Id());
    // The Chainstate's getters share the decoders.
    EXPECT_EQ(cs_->GetAccount(f_.Id(kBob)).status().code(), chain::Status::Code::kCorruption);
  }
  cs_.reset();
  {
    auto store = chain::Store::Open(dir_.string());
    ASSERT_TRUE(store.ok());
    chain::StoreBatch batch;
    const uint8_t junk[] = {0x00};
    batch.Put(chain::keys::Asset(lot), chain::ByteSpan(junk, 1));
    batch.Put(chain::keys::BlockIndex(Hash256()), chain::ByteSpan(junk, 1));
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  // A block index record that does not decode fails Open() itself; so read the store
  // through a snapshot made by hand.
  auto store = chain::Store::Open(dir_.string());
  ASSERT_TRUE(store.ok());
  {
    ReadSnapshot s((*store)->NewSnapshot(), TipInfo{}, std::make_shared<const HeaderChain>(),
                   params_);
    auto asset = s.GetAsset(lot);
    ASSERT_FALSE(asset.ok());
    EXPECT_EQ(asset.status().code(), chain::Status::Code::kCorruption);
    auto header = s.GetHeader(Hash256());
    ASSERT_FALSE(header.ok());
    EXPECT_EQ(header.status().code(), chain::Status::Code::kCorruption);
  }
}

}  // namespace
}  // namespace waybill::consensus
