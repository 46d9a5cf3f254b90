// The write overlay: shadowing, nesting, typed records, and undo data that restores a block.
#include "chain/state_cache.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "chain/state.h"
#include "chain/store.h"

namespace waybill::chain {
namespace {

namespace fs = std::filesystem;

Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

Hash256 H(uint8_t seed) {
  Hash256 h;
  h.bytes.fill(seed);
  return h;
}

using Contents = std::vector<std::pair<std::string, Bytes>>;

Contents ScanAll(const Store& store) {
  Contents out;
  Status s = store.Scan("", [&](std::string_view k, ByteSpan v) {
    out.emplace_back(std::string(k), Bytes(v.begin(), v.end()));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(StateCacheTest, OverlayReadsThroughAndShadowsBase) {
  MemoryKv base;
  base.Put("a", B("base-a"));
  base.Put("b", B("base-b"));
  StateCache cache(&base);
  EXPECT_TRUE(cache.empty());

  Bytes v;
  ASSERT_TRUE(cache.Get("a", &v).ok());
  EXPECT_EQ(v, B("base-a"));
  EXPECT_TRUE(cache.Get("c", &v).IsNotFound());

  cache.Put("a", B("new-a"));
  cache.Put("c", B("new-c"));
  cache.Delete("b");
  EXPECT_FALSE(cache.empty());
  ASSERT_TRUE(cache.Get("a", &v).ok());
  EXPECT_EQ(v, B("new-a"));
  ASSERT_TRUE(cache.Get("c", &v).ok());
  EXPECT_EQ(v, B("new-c"));
  EXPECT_TRUE(cache.Get("b", &v).IsNotFound());  // deleted in the overlay, present in base

  // The base is untouched.
  ASSERT_TRUE(base.Get("a", &v).ok());
  EXPECT_EQ(v, B("base-a"));
  ASSERT_TRUE(base.Get("b", &v).ok());
  EXPECT_TRUE(base.Get("c", &v).IsNotFound());

  EXPECT_EQ(cache.changes().size(), 3u);
  EXPECT_FALSE(cache.changes().at("b").has_value());
}

TEST(StateCacheTest, DeleteThenGetThenPutAgain) {
  MemoryKv base;
  base.Put("k", B("v"));
  StateCache cache(&base);
  Bytes v;
  cache.Delete("k");
  EXPECT_TRUE(cache.Get("k", &v).IsNotFound());
  cache.Put("k", B("w"));
  ASSERT_TRUE(cache.Get("k", &v).ok());
  EXPECT_EQ(v, B("w"));
  cache.Delete("k");
  EXPECT_TRUE(cache.Get("k", &v).IsNotFound());
  // Deleting a key the base never had is still recorded (the undo must know of it).
  cache.Delete("never");
  EXPECT_TRUE(cache.Get("never", &v).IsNotFound());
  EXPECT_EQ(cache.changes().size(), 2u);
}

TEST(StateCacheTest, NestedOverlayMergeInto) {
  MemoryKv base;
  base.Put("keep", B("0"));
  base.Put("gone", B("0"));
  StateCache block(&base);
  block.Put("block-only", B("1"));
  block.Put("shared", B("block"));

  {
    StateCache tx(&block);
    Bytes v;
    ASSERT_TRUE(tx.Get("block-only", &v).ok());  // reads through two levels
    EXPECT_EQ(v, B("1"));
    ASSERT_TRUE(tx.Get("keep", &v).ok());
    tx.Put("shared", B("tx"));
    tx.Put("tx-only", B("2"));
    tx.Delete("gone");
    tx.Delete("block-only");
    std::move(tx).MergeInto(&block);
    EXPECT_TRUE(tx.empty());  // NOLINT(bugprone-use-after-move): MergeInto leaves it empty
  }
  Bytes v;
  ASSERT_TRUE(block.Get("shared", &v).ok());
  EXPECT_EQ(v, B("tx"));
  ASSERT_TRUE(block.Get("tx-only", &v).ok());
  EXPECT_EQ(v, B("2"));
  EXPECT_TRUE(block.Get("gone", &v).IsNotFound());
  EXPECT_TRUE(block.Get("block-only", &v).IsNotFound());
  ASSERT_TRUE(block.Get("keep", &v).ok());
  EXPECT_EQ(v, B("0"));

  // A tx overlay that is dropped leaves nothing behind.
  {
    StateCache failed(&block);
    failed.Put("shared", B("failed"));
    failed.Delete("keep");
  }
  ASSERT_TRUE(block.Get("shared", &v).ok());
  EXPECT_EQ(v, B("tx"));
  ASSERT_TRUE(block.Get("keep", &v).ok());
}

TEST(StateCacheTest, AccountsAndZeroAccountDeletes) {
  MemoryKv base;
  const AccountId alice = H(1), bob = H(2);
  base.Put(keys::Account(bob), EncodeAccount({500, 3}));
  StateCache cache(&base);

  auto a = cache.GetAccount(alice);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, Account{});  // absent reads as zero
  auto b = cache.GetAccount(bob);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (Account{500, 3}));

  cache.PutAccount(alice, {10, 0});
  a = cache.GetAccount(alice);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, (Account{10, 0}));

  cache.PutAccount(bob, {0, 0});
  ASSERT_TRUE(cache.changes().contains(keys::Account(bob)));
  EXPECT_FALSE(cache.changes().at(keys::Account(bob)).has_value());
  Bytes v;
  EXPECT_TRUE(cache.Get(keys::Account(bob), &v).IsNotFound());
  b = cache.GetAccount(bob);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, Account{});

  // A zero balance with a used nonce is not the zero account: it stays.
  cache.PutAccount(bob, {0, 4});
  ASSERT_TRUE(cache.Get(keys::Account(bob), &v).ok());
  EXPECT_EQ(*DecodeAccount(v), (Account{0, 4}));
}

TEST(StateCacheTest, TypedRecordsUseStateKeys) {
  MemoryKv base;
  StateCache cache(&base);
  auto missing = cache.GetAsset(H(9));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  Asset asset;
  asset.id = H(9);
  asset.custodian = H(1);
  asset.quantity = 5;
  asset.unit = "kg";
  ASSERT_TRUE(cache.PutAsset(asset).ok());
  auto got = cache.GetAsset(H(9));
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, asset);

  AssetEvent event;
  event.asset = H(9);
  event.sequence = 3;
  event.txid = H(4);
  event.id = AssetEventId(event.txid, event.asset);
  cache.PutEvent(event);
  Bytes v;
  ASSERT_TRUE(cache.Get(keys::Event(H(9), 3), &v).ok());
  EXPECT_EQ(*DecodeAssetEvent(v), event);

  TxLocation loc{H(7), 10, 2};
  cache.PutTxLocation(H(4), loc);
  ASSERT_TRUE(cache.Get(keys::TxIndex(H(4)), &v).ok());
  EXPECT_EQ(*DecodeTxLocation(v), loc);

  for (const auto& [key, value] : cache.changes()) EXPECT_TRUE(keys::IsStateKey(key));
}

// A base whose reads fail with a local error.
class FailingKv : public KvReader {
 public:
  Status Get(std::string_view, Bytes*) const override { return Status::IoError("disk gone"); }
};

TEST(StateCacheTest, BaseErrorsPropagate) {
  FailingKv base;
  StateCache cache(&base);
  auto a = cache.GetAccount(H(1));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kIoError);
  auto s = cache.GetAsset(H(1));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kIoError);
  cache.Put("k", B("v"));
  auto undo = cache.MakeUndo();
  ASSERT_FALSE(undo.ok());
  EXPECT_EQ(undo.status().code(), Status::Code::kIoError);
}

// Counts the reads that reach the base.
class CountingKv : public KvReader {
 public:
  Status Get(std::string_view key, Bytes* value) const override {
    ++reads;
    return kv.Get(key, value);
  }
  MemoryKv kv;
  mutable int reads = 0;
};

TEST(StateCacheTest, EachKeyIsReadFromTheBaseOnce) {
  CountingKv base;
  base.kv.Put("a", B("base-a"));
  StateCache cache(&base);
  Bytes v;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(cache.Get("a", &v).ok());
    EXPECT_EQ(v, B("base-a"));
    EXPECT_TRUE(cache.Get("absent", &v).IsNotFound());
  }
  EXPECT_EQ(base.reads, 2);

  // Written after being read: the undo data holds the value read, without another read.
  cache.Put("a", B("new-a"));
  cache.Put("absent", B("now-here"));
  cache.Put("unread", B("x"));
  ASSERT_TRUE(cache.Get("a", &v).ok());
  EXPECT_EQ(v, B("new-a"));
  auto undo = cache.MakeUndo();
  ASSERT_TRUE(undo.ok());
  EXPECT_EQ(base.reads, 3);  // only "unread" was read for the undo data
  const UndoRecord want{{{"a", B("base-a")}, {"absent", std::nullopt}, {"unread", std::nullopt}}};
  EXPECT_EQ(*undo, want);
}

// A child overlay reads through its parent, which keeps what it read: the base is read once
// whatever the depth, and after the children merge, the parent's undo data reads nothing.
TEST(StateCacheTest, NestedOverlaysReadTheBaseOnce) {
  CountingKv base;
  base.kv.Put("a", B("base-a"));
  base.kv.Put("b", B("base-b"));
  StateCache block(&base);
  Bytes v;
  {
    StateCache tx(&block);
    tx.Put("b", B("tx-b"));
    StateCache call(&tx);
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(call.Get("a", &v).ok());
      EXPECT_EQ(v, B("base-a"));
      EXPECT_TRUE(call.Get("absent", &v).IsNotFound());
      ASSERT_TRUE(tx.Get("a", &v).ok());
    }
    EXPECT_EQ(base.reads, 2);
    ASSERT_TRUE(call.Get("b", &v).ok());
    EXPECT_EQ(v, B("tx-b"));  // the parent's write shadows the base
    call.Put("a", B("call-a"));
    call.Put("absent", B("call-new"));
    std::move(call).MergeInto(&tx);
    tx.Put("b", B("tx-b2"));
    std::move(tx).MergeInto(&block);
  }
  EXPECT_EQ(base.reads, 2);  // "b" was never read from the base
  ASSERT_TRUE(block.Get("a", &v).ok());
  EXPECT_EQ(v, B("call-a"));
  ASSERT_TRUE(block.Get("b", &v).ok());
  EXPECT_EQ(v, B("tx-b2"));
  const UndoRecord want{{{"a", B("base-a")}, {"absent", std::nullopt}, {"b", B("base-b")}}};
  auto made = block.MakeUndo();
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(*made, want);
  EXPECT_EQ(base.reads, 3);  // "b", written unread
}

// PutNew gives the writes and the undo bytes of Put, without the base reads the undo data makes
// for keys written unread: at the block's level, from a tx's or a call's overlay merged into it,
// and not from an overlay dropped (a failed call).
TEST(StateCacheTest, PutNewGivesPutsUndoBytesWithoutReadingTheKey) {
  CountingKv base;
  base.kv.Put("a", B("base-a"));
  // The same writes, through Put (old) and PutNew (fresh keys).
  auto write = [](StateCache* block, bool put_new) {
    auto put = [put_new](StateCache* cache, const std::string& key, Bytes value) {
      if (put_new) {
        cache->PutNew(key, std::move(value));
      } else {
        cache->Put(key, std::move(value));
      }
    };
    block->Put("a", B("new-a"));
    put(block, "t-block", B("1"));
    StateCache tx(block);
    put(&tx, "t-tx", B("2"));
    {
      StateCache call(&tx);
      put(&call, "e-call", B("3"));
      std::move(call).MergeInto(&tx);
    }
    {
      StateCache failed(&tx);  // dropped, as a failed call's overlay
      put(&failed, "e-failed", B("4"));
    }
    std::move(tx).MergeInto(block);
  };
  StateCache old_way(&base);
  write(&old_way, false);
  const int old_reads = base.reads;
  Bytes old_undo;
  ASSERT_TRUE(old_way.EncodeUndoTo(&old_undo).ok());
  EXPECT_EQ(base.reads - old_reads, 4);  // "a", "t-block", "t-tx", "e-call"

  base.reads = 0;
  StateCache new_way(&base);
  write(&new_way, true);
  Bytes new_undo;
  ASSERT_TRUE(new_way.EncodeUndoTo(&new_undo).ok());
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(base.reads, 1);  // "a" only (a sanitizer build reads the others to check them)
#endif
  EXPECT_EQ(new_way.changes(), old_way.changes());
  EXPECT_FALSE(new_way.changes().contains("e-failed"));
  EXPECT_EQ(new_undo, old_undo);
  const UndoRecord want{{{"a", B("base-a")},
                         {"e-call", std::nullopt},
                         {"t-block", std::nullopt},
                         {"t-tx", std::nullopt}}};
  auto made = new_way.MakeUndo();
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(*made, want);
  Bytes v;
  ASSERT_TRUE(new_way.Get("t-tx", &v).ok());
  EXPECT_EQ(v, B("2"));
}

// PutNew of a key that is in the base breaks its contract: the sanitizer build finds it when it
// makes the undo data (an Internal error); a release build records the key absent unread.
TEST(StateCacheTest, PutNewOfAKeyInTheBaseIsFoundInASanitizerBuild) {
  CountingKv base;
  base.kv.Put("t", B("old"));
  StateCache cache(&base);
  cache.PutNew("t", B("new"));
  Bytes out;
  const Status s = cache.EncodeUndoTo(&out);
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_EQ(s.code(), Status::Code::kInternal);
#else
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(base.reads, 0);
  EXPECT_EQ(out, EncodeUndo(UndoRecord{{{"t", std::nullopt}}}));
#endif
}

// EncodeUndoTo writes the bytes of EncodeUndo(MakeUndo()) into a buffer it clears first, and
// returns a read error as MakeUndo does.
TEST(StateCacheTest, EncodeUndoToEqualsEncodingMakeUndo) {
  CountingKv base;
  base.kv.Put("a", B("base-a"));
  base.kv.Put("unread", Bytes(300, 0x11));
  StateCache cache(&base);
  Bytes v;
  ASSERT_TRUE(cache.Get("a", &v).ok());
  ASSERT_TRUE(cache.Get("absent", &v).IsNotFound());
  cache.Put("a", B("new-a"));
  cache.Delete("absent");
  cache.Put("unread", B("x"));
  cache.Put("new", B("y"));
  cache.Put(keys::Custody(H(1), H(2)), Bytes());  // an index key: not in the undo data
  auto made = cache.MakeUndo();
  ASSERT_TRUE(made.ok());
  ASSERT_EQ(made->entries.size(), 4u);
  Bytes out = B("leftover bytes of the previous block");
  ASSERT_TRUE(cache.EncodeUndoTo(&out).ok());
  EXPECT_EQ(out, EncodeUndo(*made));
  ASSERT_TRUE(cache.EncodeUndoTo(&out).ok());  // nothing taken: the same again
  EXPECT_EQ(out, EncodeUndo(*made));
  EXPECT_TRUE(StateCache(&base).EncodeUndoTo(&out).ok());
  EXPECT_EQ(out, Bytes{0});

  FailingKv failing;
  StateCache broken(&failing);
  broken.Put("k", B("v"));
  EXPECT_EQ(broken.EncodeUndoTo(&out).code(), Status::Code::kIoError);
}
// The undo data lists the keys in byte order whatever order they were written in: keys that
// share their first 8 bytes, keys that are prefixes of others, bytes above 0x7f, a zero byte.
TEST(StateCacheTest, UndoEntriesAreInByteOrderOfTheKeys) {
  MemoryKv base;
  StateCache cache(&base);
  const std::vector<std::string> keys = {
      "w" + std::string(10, '\x01') + "b", "w" + std::string(10, '\x01') + "a",
      "w" + std::string(10, '\x01'),       "w" + std::string(7, '\x01'),
      std::string("w\x01\x01\x01\x01\x01\x01\x01\x00", 9),
      "w\xff",                             "w\x7f",
      "a",                                  std::string("a\x00", 2),
      "t" + std::string(40, '\x80'),        "t" + std::string(39, '\x80') + "\x7f"};
  for (const std::string& key : keys) cache.Put(key, B("v"));
  auto undo = cache.MakeUndo();
  ASSERT_TRUE(undo.ok());
  std::vector<std::string> got;
  for (const auto& e : undo->entries) got.push_back(e.key);
  std::vector<std::string> want = keys;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

// PutAsset keeps the custody and metadata indexes; the undo data leaves their keys out (they
// follow from the asset records it restores: ApplyUndo), so neither the tx's overlay nor the
// block's reads them.
TEST(StateCacheTest, IndexKeysOfAnAssetAreLeftOutOfTheUndoData) {
  CountingKv base;
  Asset old;
  old.id = H(1);
  old.custodian = H(2);
  old.quantity = 5;
  old.unit = "kg";
  old.metadata = {{"gtin", "1"}, {"lot", "A"}};
  base.kv.Put(keys::Asset(old.id), EncodeAsset(old));
  base.kv.Put(keys::Custody(old.custodian, old.id), Bytes());
  base.kv.Put(keys::Metadata("gtin", "1", old.id), Bytes());
  base.kv.Put(keys::Metadata("lot", "A", old.id), Bytes());

  StateCache block(&base);
  {
    StateCache tx(&block);
    Asset moved = old;
    moved.custodian = H(3);
    moved.metadata = {{"gtin", "1"}, {"lot", "B"}};  // a correction of the lot
    ASSERT_TRUE(tx.PutAsset(moved).ok());
    Asset fresh;
    fresh.id = H(4);
    fresh.custodian = H(3);
    fresh.quantity = 1;
    fresh.unit = "kg";
    fresh.metadata = {{"lot", "C"}};
    ASSERT_TRUE(tx.PutAsset(fresh).ok());
    std::move(tx).MergeInto(&block);
  }
  EXPECT_EQ(base.reads, 2);  // the two asset records
  StateCache::Changes want_changes;
  for (const std::string& key : {keys::Custody(H(3), H(1)), keys::Custody(H(3), H(4)),
                                 keys::Metadata("lot", "B", H(1)),
                                 keys::Metadata("lot", "C", H(4))}) {
    want_changes[key] = Bytes();
  }
  want_changes[keys::Custody(H(2), H(1))] = std::nullopt;
  want_changes[keys::Metadata("lot", "A", H(1))] = std::nullopt;
  for (const auto& [key, value] : block.changes()) {
    if (key.front() == keys::kAsset) want_changes[key] = value;
  }
  EXPECT_EQ(block.changes(), want_changes);
  auto undo = block.MakeUndo();
  ASSERT_TRUE(undo.ok());
  EXPECT_EQ(base.reads, 2);
  const UndoRecord want{{{keys::Asset(H(1)), EncodeAsset(old)}, {keys::Asset(H(4)), std::nullopt}}};
  EXPECT_EQ(*undo, want);
}

TEST(StateCacheTest, AssetIndexChangesFollowTheRecords) {
  Asset a;
  a.id = H(1);
  a.custodian = H(2);
  a.metadata = {{"gtin", "1"}, {"lot", "A"}};
  a.metadata.push_back(MetadataEntry{"secret", "", MetaKind::kCommitted, H(9)});
  using Changes = std::vector<std::pair<std::string, bool>>;
  // Created: its custody key and one key per published entry (not the committed one).
  EXPECT_EQ(AssetIndexChanges(nullptr, &a),
            (Changes{{keys::Custody(H(2), H(1)), true},
                     {keys::Metadata("gtin", "1", H(1)), true},
                     {keys::Metadata("lot", "A", H(1)), true}}));
  EXPECT_TRUE(AssetIndexChanges(&a, &a).empty());
  Asset closed = a;
  closed.status = AssetStatus::kSplit;
  closed.metadata[1].value = "B";
  EXPECT_EQ(AssetIndexChanges(&a, &closed),
            (Changes{{keys::Custody(H(2), H(1)), false},
                     {keys::Metadata("lot", "A", H(1)), false},
                     {keys::Metadata("lot", "B", H(1)), true}}));
  // Gone (a disconnected issue): every key it had.
  EXPECT_EQ(AssetIndexChanges(&closed, nullptr),
            (Changes{{keys::Metadata("gtin", "1", H(1)), false},
                     {keys::Metadata("lot", "B", H(1)), false}}));
}

class StateCacheStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("waybill_state_cache_test_" + std::to_string(getpid()) + "_" + std::to_string(rd()));
    auto store = Store::Open(dir_.string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StateCacheStoreTest, UndoRestoresPreviousContentsExactly) {
  // Initial state: two accounts, an open asset (and its custody key), an event, a height and a
  // non-state record.
  {
    StateCache init(store_.get());
    init.PutAccount(H(1), {1000, 1});
    init.PutAccount(H(2), {50, 0});
    Asset asset;
    asset.id = H(10);
    asset.quantity = 7;
    ASSERT_TRUE(init.PutAsset(asset).ok());
    AssetEvent ev;
    ev.asset = H(10);
    init.PutEvent(ev);
    init.Put(keys::Height(0), Bytes(32, 0xaa));
    init.Put(keys::Meta("tip"), B("genesis"));
    StoreBatch batch;
    init.WriteTo(&batch);
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  const Contents before = ScanAll(*store_);
  ASSERT_EQ(before.size(), 7u);  // with the open asset's custody key

  // A "block": modifies, deletes (zero account), creates, and re-writes an unchanged value.
  StateCache block(store_.get());
  {
    StateCache tx1(&block);
    tx1.PutAccount(H(1), {900, 2});
    tx1.PutAccount(H(3), {100, 0});  // new
    std::move(tx1).MergeInto(&block);
  }
  {
    StateCache tx2(&block);
    tx2.PutAccount(H(2), {0, 0});  // emptied: deleted
    Asset asset;
    asset.id = H(10);
    asset.quantity = 7;
    asset.status = AssetStatus::kSplit;
    ASSERT_TRUE(tx2.PutAsset(asset).ok());
    AssetEvent ev;
    ev.asset = H(10);
    ev.sequence = 1;
    tx2.PutEvent(ev);
    tx2.Put(keys::Height(0), Bytes(32, 0xaa));  // same value as before
    tx2.Put(keys::Height(1), Bytes(32, 0xbb));
    tx2.Delete(keys::TxIndex(H(99)));  // delete of an absent key
    std::move(tx2).MergeInto(&block);
  }
  auto undo = block.MakeUndo();
  ASSERT_TRUE(undo.ok()) << undo.status().ToString();
  size_t state_changes = 0;  // the index keys are left out
  for (const auto& [key, value] : block.changes()) state_changes += !keys::IsIndexKey(key);
  EXPECT_LT(state_changes, block.changes().size());
  EXPECT_EQ(undo->entries.size(), state_changes);
  for (size_t i = 1; i < undo->entries.size(); ++i) {
    EXPECT_LT(undo->entries[i - 1].key, undo->entries[i].key);  // key order
  }

  // Connect: the block's writes and its undo record in one batch.
  StoreBatch connect;
  block.WriteTo(&connect);
  Bytes undo_bytes = EncodeUndo(*undo);
  const Hash256 block_id = H(0x77);
  connect.Put(keys::Undo(block_id), undo_bytes);
  ASSERT_TRUE(store_->Write(connect).ok());
  const Contents after = ScanAll(*store_);
  EXPECT_NE(after, before);
  Bytes v;
  EXPECT_TRUE(store_->Get(keys::Account(H(2)), &v).IsNotFound());

  // Disconnect: read the undo back from the store, restore, drop the undo record.
  ASSERT_TRUE(store_->Get(keys::Undo(block_id), &v).ok());
  auto decoded = DecodeUndo(v);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, *undo);
  StoreBatch disconnect;
  ASSERT_TRUE(ApplyUndo(*store_, *decoded, &disconnect).ok());
  disconnect.Delete(keys::Undo(block_id));
  ASSERT_TRUE(store_->Write(disconnect).ok());
  EXPECT_EQ(ScanAll(*store_), before);
}

// The index keys that the undo record leaves out come back from the asset records it
// restores: an asset created, one moved to another custodian with a lot corrected, one closed;
// and a version-3 undo record (which also holds the index keys with their previous values)
// restores the same contents.
TEST_F(StateCacheStoreTest, ApplyUndoRestoresTheIndexesFromTheAssetRecords) {
  Asset moved;
  moved.id = H(10);
  moved.custodian = H(1);
  moved.metadata = {{"gtin", "1"}, {"lot", "A"}};
  Asset closed;
  closed.id = H(11);
  closed.custodian = H(1);
  closed.metadata = {{"lot", "B"}};
  {
    StateCache init(store_.get());
    ASSERT_TRUE(init.PutAsset(moved).ok());
    ASSERT_TRUE(init.PutAsset(closed).ok());
    StoreBatch batch;
    init.WriteTo(&batch);
    ASSERT_TRUE(store_->Write(batch).ok());
  }
  const Contents before = ScanAll(*store_);
  ASSERT_EQ(before.size(), 2u + 2u + 3u);  // records, custody keys, metadata keys

  StateCache block(store_.get());
  moved.custodian = H(2);
  moved.metadata[1].value = "A2";
  ASSERT_TRUE(block.PutAsset(moved).ok());
  closed.status = AssetStatus::kMerged;
  ASSERT_TRUE(block.PutAsset(closed).ok());
  Asset created;
  created.id = H(12);
  created.custodian = H(2);
  created.metadata = {{"lot", "A"}};
  ASSERT_TRUE(block.PutAsset(created).ok());
  created.custodian = H(3);  // handed on in the same block
  ASSERT_TRUE(block.PutAsset(created).ok());
  auto undo = block.MakeUndo();
  ASSERT_TRUE(undo.ok());
  ASSERT_EQ(undo->entries.size(), 3u);  // the three asset records only
  // What a version-3 node recorded: the index keys too, with their values before the block.
  UndoRecord v3 = *undo;
  for (const auto& [key, value] : block.changes()) {
    if (!keys::IsIndexKey(key)) continue;
    Bytes previous;
    const bool had = store_->Get(key, &previous).ok();
    v3.entries.push_back({key, had ? std::optional<Bytes>(previous) : std::nullopt});
  }
  ASSERT_GT(v3.entries.size(), undo->entries.size());
  StoreBatch connect;
  block.WriteTo(&connect);
  ASSERT_TRUE(store_->Write(connect).ok());
  const Contents after = ScanAll(*store_);
  ASSERT_NE(after, before);

  for (const UndoRecord* record : {&*undo, &v3}) {
    StoreBatch disconnect;
    ASSERT_TRUE(ApplyUndo(*store_, *record, &disconnect).ok());
    ASSERT_TRUE(store_->Write(disconnect).ok());
    EXPECT_EQ(ScanAll(*store_), before);
    StoreBatch again;  // connect again for the next record
    block.WriteTo(&again);
    ASSERT_TRUE(store_->Write(again).ok());
    EXPECT_EQ(ScanAll(*store_), after);
  }
}

// A stored asset record that does not decode is Corruption, not a silently wrong index.
TEST_F(StateCacheStoreTest, ApplyUndoRefusesAnUndecodableAssetRecord) {
  StoreBatch bad;
  bad.Put(keys::Asset(H(5)), ByteSpan());
  ASSERT_TRUE(store_->Write(bad).ok());
  const UndoRecord undo{{{keys::Asset(H(5)), std::nullopt}}};
  StoreBatch disconnect;
  EXPECT_EQ(ApplyUndo(*store_, undo, &disconnect).code(), Status::Code::kCorruption);
}

TEST(UndoEncodingTest, RoundTrip) {
  UndoRecord undo;
  EXPECT_EQ(EncodeUndo(undo), Bytes{0});
  auto empty = DecodeUndo(Bytes{0});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->entries.empty());

  undo.entries.push_back({"a", std::nullopt});
  undo.entries.push_back({std::string(1024, 'k'), Bytes(70000, 0x5a)});
  undo.entries.push_back({"", Bytes{}});  // empty key and present-but-empty value
  undo.entries.push_back({std::string("\0\xff", 2), B("x")});
  Bytes enc = EncodeUndo(undo);
  auto d = DecodeUndo(enc);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, undo);
}

TEST(UndoEncodingTest, CorruptUndoRejected) {
  UndoRecord undo;
  undo.entries.push_back({"key1", B("value")});
  undo.entries.push_back({"key2", std::nullopt});
  const Bytes enc = EncodeUndo(undo);
  ASSERT_TRUE(DecodeUndo(enc).ok());

  for (size_t n = 0; n < enc.size(); ++n) {
    auto r = DecodeUndo(ByteSpan(enc.data(), n));
    EXPECT_FALSE(r.ok()) << "prefix " << n;
  }
  Bytes trailing = enc;
  trailing.push_back(0);
  EXPECT_FALSE(DecodeUndo(trailing).ok());

  // Presence flag other than 0/1: entry 1 is count(1) key(1+4) value flag at offset 6.
  Bytes bad_flag = enc;
  ASSERT_EQ(bad_flag[6], 1);
  bad_flag[6] = 2;
  EXPECT_FALSE(DecodeUndo(bad_flag).ok());

  // A count larger than the data could hold fails before anything is allocated.
  Bytes huge_count = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
  EXPECT_FALSE(DecodeUndo(huge_count).ok());
  Bytes big_count = {0xfe, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00};
  EXPECT_FALSE(DecodeUndo(big_count).ok());

  // Non-canonical count.
  Bytes noncanon = enc;
  noncanon[0] = 0xfd;
  noncanon.insert(noncanon.begin() + 1, {0x02, 0x00});
  EXPECT_FALSE(DecodeUndo(noncanon).ok());

  // Key longer than 1024.
  UndoRecord long_key;
  long_key.entries.push_back({std::string(1025, 'k'), std::nullopt});
  EXPECT_FALSE(DecodeUndo(EncodeUndo(long_key)).ok());

  // Value length claims more than the data holds.
  Bytes short_value = {1, 1, 'k', 1, 0xfe, 0x00, 0x00, 0x00, 0x01};
  EXPECT_FALSE(DecodeUndo(short_value).ok());
}

}  // namespace
}  // namespace waybill::chain
