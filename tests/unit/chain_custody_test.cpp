// The custody index (chain/custody.h, keys::Custody): StateCache::PutAsset moves, writes and
// deletes an asset's 'c' key as its custodian and status change, the undo data restores it,
// and ListCustody pages through one account's keys in asset id order without reading past
// its prefix.
#include "chain/custody.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"

namespace waybill::chain {
namespace {

namespace fs = std::filesystem;

Hash256 H(uint8_t b) {
  Hash256 h;
  h.bytes.fill(b);
  return h;
}

// An id that sorts by n: n big-endian in the first two bytes.
Hash256 Numbered(uint16_t n) {
  Hash256 h = H(0x11);
  h.bytes[0] = static_cast<uint8_t>(n >> 8);
  h.bytes[1] = static_cast<uint8_t>(n);
  return h;
}

Asset OpenAsset(const Hash256& id, const AccountId& custodian) {
  Asset a;
  a.id = id;
  a.issuer = custodian;
  a.custodian = custodian;
  a.quantity = 10;
  a.unit = "kg";
  return a;
}

// The overlay's pending writes under the custody prefix: key -> present (true) or deleted.
std::map<std::string, bool> CustodyChanges(const StateCache& cache) {
  std::map<std::string, bool> out;
  for (const auto& [key, value] : cache.changes()) {
    if (key.front() != keys::kCustody) continue;
    if (value) {
      EXPECT_TRUE(value->empty()) << "a custody key's value is empty";
    }
    out[key] = value.has_value();
  }
  return out;
}

TEST(CustodyKeys, LayoutAndParse) {
  const std::string key = keys::Custody(H(1), H(2));
  ASSERT_EQ(key.size(), 65u);
  EXPECT_EQ(key[0], 'c');
  EXPECT_EQ(key.substr(0, 33), keys::CustodyPrefix(H(1)));
  EXPECT_EQ(key.substr(33), std::string(32, '\x02'));
  EXPECT_TRUE(keys::IsStateKey(key));
  AccountId custodian;
  Hash256 asset;
  ASSERT_TRUE(keys::ParseCustody(key, &custodian, &asset));
  EXPECT_EQ(custodian, H(1));
  EXPECT_EQ(asset, H(2));
  EXPECT_FALSE(keys::ParseCustody(key.substr(0, 64), &custodian, &asset));
  EXPECT_FALSE(keys::ParseCustody(keys::Correction(H(1), H(2)), &custodian, &asset));
}

TEST(CustodyIndex, PutAssetMovesTheKeyWithCustodyAndStatus) {
  MemoryKv base;
  const AccountId alice = H(0xa1), bob = H(0xb0);
  Asset lot = OpenAsset(H(7), alice);

  {  // A new open asset: its custodian's key.
    StateCache cache(&base);
    ASSERT_TRUE(cache.PutAsset(lot).ok());
    EXPECT_EQ(CustodyChanges(cache), (std::map<std::string, bool>{
                                         {keys::Custody(alice, lot.id), true}}));
    for (const auto& [key, value] : cache.changes()) base.Put(key, value.value_or(Bytes()));
  }
  {  // Another write without a change of custody (an event recorded): the index is untouched.
    StateCache cache(&base);
    lot.event_count = 1;
    ASSERT_TRUE(cache.PutAsset(lot).ok());
    EXPECT_TRUE(CustodyChanges(cache).empty());
  }
  {  // A transfer: the key moves from alice to bob; the undo data holds the asset record only
    // (ApplyUndo derives the index keys from it).
    StateCache cache(&base);
    lot.custodian = bob;
    ASSERT_TRUE(cache.PutAsset(lot).ok());
    EXPECT_EQ(CustodyChanges(cache),
              (std::map<std::string, bool>{{keys::Custody(alice, lot.id), false},
                                           {keys::Custody(bob, lot.id), true}}));
    auto undo = cache.MakeUndo();
    ASSERT_TRUE(undo.ok());
    ASSERT_EQ(undo->entries.size(), 1u);
    EXPECT_EQ(undo->entries[0].key, keys::Asset(lot.id));
  }
  {  // Closed (split, merged or transformed): the key is deleted and never written again.
    for (AssetStatus closed : {AssetStatus::kSplit, AssetStatus::kMerged,
                               AssetStatus::kTransformed}) {
      StateCache cache(&base);
      Asset closed_lot = lot;
      closed_lot.custodian = alice;
      closed_lot.status = closed;
      ASSERT_TRUE(cache.PutAsset(closed_lot).ok());
      EXPECT_EQ(CustodyChanges(cache), (std::map<std::string, bool>{
                                           {keys::Custody(alice, lot.id), false}}))
          << AssetStatusName(closed);
      // An already closed asset written again (a correction, an attestation): nothing.
      for (const auto& [key, value] : cache.changes()) {
        if (key == keys::Asset(lot.id)) {
          MemoryKv closed_base;
          closed_base.Put(key, *value);
          StateCache again(&closed_base);
          ASSERT_TRUE(again.PutAsset(closed_lot).ok());
          EXPECT_TRUE(CustodyChanges(again).empty());
        }
      }
    }
  }
}

// A base whose reads fail with a local error.
class FailingKv : public KvReader {
 public:
  Status Get(std::string_view, Bytes*) const override { return Status::IoError("disk gone"); }
};

TEST(CustodyIndex, PutAssetReturnsAReadErrorAndWritesNothing) {
  FailingKv base;
  StateCache cache(&base);
  Status s = cache.PutAsset(OpenAsset(H(7), H(1)));
  EXPECT_EQ(s.code(), Status::Code::kIoError);
  EXPECT_TRUE(cache.empty());
}

class CustodyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("waybill_custody_test_" + std::to_string(getpid()) +
                                        "_" + std::to_string(std::random_device{}()));
    fs::remove_all(dir_);
    auto store = Store::Open(dir_.string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Write(const std::vector<std::string>& keys_to_put) {
    StoreBatch batch;
    for (const std::string& k : keys_to_put) batch.Put(k, ByteSpan());
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  std::vector<Hash256> Page(const AccountId& who, std::optional<Hash256> after, size_t limit,
                            bool* more) {
    auto page = ListCustody(*store_, who, after, limit);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) return {};
    *more = page->more;
    return page->assets;
  }

  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(CustodyStoreTest, PagesInAssetIdOrderWithinTheAccount) {
  const AccountId who = H(0x50);
  // The accounts just below and above share every prefix byte but the last: a page must not
  // run into them.
  AccountId below = who, above = who;
  below.bytes[31] = 0x4f;
  above.bytes[31] = 0x51;
  std::vector<std::string> put;
  for (uint16_t n : {40, 10, 30, 50, 20}) put.push_back(keys::Custody(who, Numbered(n)));
  put.push_back(keys::Custody(below, Numbered(5)));
  put.push_back(keys::Custody(above, Numbered(1)));
  put.push_back(keys::Asset(Numbered(15)));  // another kind of record
  Write(put);

  bool more = false;
  EXPECT_EQ(Page(who, std::nullopt, 2, &more), (std::vector{Numbered(10), Numbered(20)}));
  EXPECT_TRUE(more);
  EXPECT_EQ(Page(who, Numbered(20), 2, &more), (std::vector{Numbered(30), Numbered(40)}));
  EXPECT_TRUE(more);
  EXPECT_EQ(Page(who, Numbered(40), 2, &more), (std::vector{Numbered(50)}));
  EXPECT_FALSE(more);
  EXPECT_TRUE(Page(who, Numbered(50), 2, &more).empty());
  EXPECT_FALSE(more);
  // Exactly the page size: no more.
  EXPECT_EQ(Page(who, std::nullopt, 5, &more).size(), 5u);
  EXPECT_FALSE(more);
  EXPECT_EQ(Page(who, std::nullopt, 1000, &more).size(), 5u);
  // `after` need not be held: the page starts at the next greater id.
  EXPECT_EQ(Page(who, Numbered(25), 10, &more), (std::vector{Numbered(30), Numbered(40),
                                                             Numbered(50)}));
  EXPECT_EQ(Page(who, H(0x00), 1, &more), (std::vector{Numbered(10)}));
  EXPECT_TRUE(Page(who, H(0xff), 10, &more).empty());
  // Limit 1 walks every id once.
  std::vector<Hash256> walked;
  std::optional<Hash256> after;
  for (int i = 0; i < 10; ++i) {
    auto page = Page(who, after, 1, &more);
    walked.insert(walked.end(), page.begin(), page.end());
    if (!more) break;
    after = page.back();
  }
  EXPECT_EQ(walked, (std::vector{Numbered(10), Numbered(20), Numbered(30), Numbered(40),
                                 Numbered(50)}));
  EXPECT_EQ(Page(below, std::nullopt, 10, &more), (std::vector{Numbered(5)}));
  EXPECT_TRUE(Page(H(0x60), std::nullopt, 10, &more).empty());
}

TEST_F(CustodyStoreTest, ASnapshotListsTheIndexAsItWas) {
  const AccountId who = H(0x50);
  Write({keys::Custody(who, Numbered(1))});
  auto snapshot = store_->NewSnapshot();
  Write({keys::Custody(who, Numbered(2))});
  auto then = ListCustody(*snapshot, who, std::nullopt, 10);
  ASSERT_TRUE(then.ok());
  EXPECT_EQ(then->assets, (std::vector{Numbered(1)}));
  auto now = ListCustody(*store_, who, std::nullopt, 10);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->assets, (std::vector{Numbered(1), Numbered(2)}));
}

TEST_F(CustodyStoreTest, AMalformedKeyUnderThePrefixIsCorruption) {
  const AccountId who = H(0x50);
  Write({keys::Custody(who, Numbered(1)), keys::CustodyPrefix(who) + "short"});
  auto page = ListCustody(*store_, who, std::nullopt, 10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace waybill::chain
