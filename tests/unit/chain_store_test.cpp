// The LevelDB store on a temporary directory: batches, prefix scans, persistence, open errors,
// write failures that stick, and damaged files (a flipped byte in a table or the log, a lost
// CURRENT) reported as Corruption naming the file, never served, never deleted.
#include "chain/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chain/state.h"
#include "chain/state_cache.h"
#include "tests/unit/fault_env.h"

namespace waybill::chain {
namespace {

namespace fs = std::filesystem;

Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Each test gets a fresh directory under the system temp dir, removed at the end.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("waybill_store_test_" + std::to_string(getpid()) + "_" +
                                        info->name() + "_" + std::to_string(rd()));
    fs::remove_all(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::unique_ptr<Store> OpenOrDie(const StoreOptions& options = {}) {
    auto store = Store::Open(dir_.string(), options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    return std::move(store).value();
  }

  static std::vector<std::pair<std::string, Bytes>> ScanAll(const Store& store,
                                                            std::string_view prefix = "") {
    std::vector<std::pair<std::string, Bytes>> out;
    Status s = store.Scan(prefix, [&](std::string_view k, ByteSpan v) {
      out.emplace_back(std::string(k), Bytes(v.begin(), v.end()));
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  fs::path dir_;
};

TEST_F(StoreTest, OpenCreatesNestedDirectory) {
  dir_ /= "nested/deeper";
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_TRUE(fs::is_directory(dir_));
  dir_ = dir_.parent_path().parent_path();  // TearDown removes the whole tree
}

TEST_F(StoreTest, PutGetDeleteThroughBatches) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  Bytes v;
  Status s = store->Get("missing", &v);
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();

  StoreBatch batch;
  EXPECT_EQ(batch.ApproximateSize(), StoreBatch().ApproximateSize());
  batch.Put("k1", B("v1"));
  batch.Put("k2", B("v2"));
  batch.Put(std::string("k\0bin", 5), B(std::string("\0\xff", 2)));
  batch.Put("empty", Bytes{});
  EXPECT_GT(batch.ApproximateSize(), StoreBatch().ApproximateSize());
  ASSERT_TRUE(store->Write(batch).ok());

  ASSERT_TRUE(store->Get("k1", &v).ok());
  EXPECT_EQ(v, B("v1"));
  ASSERT_TRUE(store->Get(std::string("k\0bin", 5), &v).ok());
  EXPECT_EQ(v, B(std::string("\0\xff", 2)));
  EXPECT_TRUE(store->Get("k", &v).IsNotFound());  // a prefix of a key is not the key
  v = B("stale");
  ASSERT_TRUE(store->Get("empty", &v).ok());
  EXPECT_TRUE(v.empty());

  // Within one batch the later write wins; unsynced writes are visible too.
  StoreBatch second;
  second.Delete("k1");
  second.Put("k2", B("old"));
  second.Put("k2", B("new"));
  second.Delete("never-existed");
  ASSERT_TRUE(store->Write(second, /*sync=*/false).ok());
  EXPECT_TRUE(store->Get("k1", &v).IsNotFound());
  ASSERT_TRUE(store->Get("k2", &v).ok());
  EXPECT_EQ(v, B("new"));

  // A moved batch carries its writes; the moved-from batch stays usable.
  StoreBatch source;
  source.Put("moved", B("yes"));
  StoreBatch target = std::move(source);
  source.Put("reused", B("also"));
  ASSERT_TRUE(store->Write(target).ok());
  ASSERT_TRUE(store->Write(source).ok());
  ASSERT_TRUE(store->Get("moved", &v).ok());
  EXPECT_EQ(v, B("yes"));
  ASSERT_TRUE(store->Get("reused", &v).ok());
  EXPECT_EQ(v, B("also"));

  // A cleared batch writes nothing of what it held before, only what is added after.
  StoreBatch cleared;
  cleared.Put("dropped", B("no"));
  cleared.Delete("k2");
  cleared.Clear();
  EXPECT_EQ(cleared.ApproximateSize(), StoreBatch().ApproximateSize());
  cleared.Put("after", B("yes"));
  ASSERT_TRUE(store->Write(cleared).ok());
  EXPECT_TRUE(store->Get("dropped", &v).IsNotFound());
  ASSERT_TRUE(store->Get("k2", &v).ok());
  ASSERT_TRUE(store->Get("after", &v).ok());
  EXPECT_EQ(v, B("yes"));
  StoreBatch moved_from = std::move(cleared);
  cleared.Clear();  // NOLINT(bugprone-use-after-move): a moved-from batch is reusable
  EXPECT_EQ(cleared.ApproximateSize(), 0u);
}

// The counts a benchmark reads: point reads (found or not), the keys of the batches written
// (not of a failed or empty write), and a batch's own count through Clear and a move.
TEST_F(StoreTest, CountsPointReadsAndKeysWritten) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->counts().point_reads, 0u);
  EXPECT_EQ(store->counts().keys_written, 0u);
  StoreBatch batch;
  batch.Put("a", B("1"));
  batch.Put("b", B("2"));
  batch.Delete("c");
  EXPECT_EQ(batch.Count(), 3u);
  ASSERT_TRUE(store->Write(batch).ok());
  EXPECT_EQ(store->counts().keys_written, 3u);
  Bytes v;
  ASSERT_TRUE(store->Get("a", &v).ok());
  EXPECT_TRUE(store->Get("c", &v).IsNotFound());
  EXPECT_EQ(store->counts().point_reads, 2u);
  batch.Clear();
  EXPECT_EQ(batch.Count(), 0u);
  batch.Put("d", B("4"));
  StoreBatch moved(std::move(batch));
  EXPECT_EQ(moved.Count(), 1u);
  EXPECT_EQ(batch.Count(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is reusable
  ASSERT_TRUE(store->Write(moved).ok());
  EXPECT_EQ(store->counts().keys_written, 4u);
  EXPECT_EQ(store->counts().point_reads, 2u);  // a write reads nothing
}

TEST_F(StoreTest, ScanRespectsPrefixBoundaries) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  StoreBatch batch;
  for (const char* k : {"`z", "a", "a\x01", "aa", "ab", "a\xff\xff", "b", "c"}) batch.Put(k, B(k));
  batch.Put(std::string("b\0", 2), B("b0"));
  ASSERT_TRUE(store->Write(batch).ok());

  auto a = ScanAll(*store, "a");
  std::vector<std::string> keys;
  for (auto& [k, v] : a) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "a\x01", "aa", "ab", "a\xff\xff"}));
  EXPECT_EQ(a[2].second, B("aa"));

  // The highest key under a prefix ending in 0xff is still bounded by the prefix.
  auto aff = ScanAll(*store, "a\xff");
  ASSERT_EQ(aff.size(), 1u);
  EXPECT_EQ(aff[0].first, "a\xff\xff");

  EXPECT_EQ(ScanAll(*store, "b").size(), 2u);
  EXPECT_TRUE(ScanAll(*store, "d").empty());
  EXPECT_TRUE(ScanAll(*store, "aac").empty());
  EXPECT_EQ(ScanAll(*store).size(), 9u);  // the empty prefix visits everything

  // fn returning false stops the scan.
  int visited = 0;
  ASSERT_TRUE(store->Scan("a", [&](std::string_view, ByteSpan) { return ++visited < 2; }).ok());
  EXPECT_EQ(visited, 2);
}

TEST_F(StoreTest, ScanUsesNumericHeightOrder) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  StoreBatch batch;
  for (uint32_t h : {256u, 1u, 65536u, 0u, 255u}) batch.Put(keys::Height(h), B("x"));
  batch.Put(keys::Meta("tip"), B("t"));
  ASSERT_TRUE(store->Write(batch).ok());
  std::vector<std::string> got;
  for (auto& [k, v] : ScanAll(*store, std::string(1, keys::kHeight))) got.push_back(k);
  EXPECT_EQ(got, (std::vector<std::string>{keys::Height(0), keys::Height(1), keys::Height(255),
                                           keys::Height(256), keys::Height(65536)}));
}

TEST_F(StoreTest, ReopenPersists) {
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store);
    StoreBatch batch;
    for (int i = 0; i < 1000; ++i) batch.Put("key" + std::to_string(i), B(std::to_string(i)));
    ASSERT_TRUE(store->Write(batch).ok());
    StoreBatch del;
    del.Delete("key7");
    ASSERT_TRUE(store->Write(del).ok());
  }
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  Bytes v;
  ASSERT_TRUE(store->Get("key999", &v).ok());
  EXPECT_EQ(v, B("999"));
  EXPECT_TRUE(store->Get("key7", &v).IsNotFound());
  EXPECT_EQ(ScanAll(*store, "key").size(), 999u);
}

TEST_F(StoreTest, SecondOpenOfSameDirFails) {
  auto first = OpenOrDie();
  ASSERT_TRUE(first);
  auto second = Store::Open(dir_.string());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsLocalError()) << second.status().ToString();
  // The first handle is unaffected, and the dir opens again once it is closed.
  StoreBatch batch;
  batch.Put("k", B("v"));
  EXPECT_TRUE(first->Write(batch).ok());
  first.reset();
  EXPECT_TRUE(OpenOrDie());
}

TEST_F(StoreTest, OpenFailuresAreStatuses) {
  StoreOptions no_create;
  no_create.create_if_missing = false;
  auto missing = Store::Open(dir_.string(), no_create);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsLocalError()) << missing.status().ToString();
  fs::remove_all(dir_);  // LevelDB creates the directory even when it then refuses to open

  // A regular file where the directory should be.
  std::ofstream(dir_.string()) << "not a directory";
  auto on_file = Store::Open(dir_.string());
  ASSERT_FALSE(on_file.ok());
  EXPECT_EQ(on_file.status().code(), Status::Code::kIoError) << on_file.status().ToString();
  fs::remove(dir_);

  // A database whose CURRENT file is garbage.
  ASSERT_TRUE(OpenOrDie());
  std::ofstream(dir_ / "CURRENT", std::ios::trunc) << "garbage-without-newline";
  auto corrupt = Store::Open(dir_.string());
  ASSERT_FALSE(corrupt.ok());
  EXPECT_TRUE(corrupt.status().IsLocalError()) << corrupt.status().ToString();
}

TEST_F(StoreTest, GarbageValuesDecodeToErrors) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  AccountId id;
  id.bytes[0] = 1;
  Hash256 asset_id;
  asset_id.bytes[0] = 2;
  StoreBatch batch;
  batch.Put(keys::Account(id), B("garbage"));
  batch.Put(keys::Asset(asset_id), B("\xff\xff\xff"));
  ASSERT_TRUE(store->Write(batch).ok());

  StateCache cache(store.get());
  auto account = cache.GetAccount(id);
  ASSERT_FALSE(account.ok());
  EXPECT_EQ(account.status().code(), Status::Code::kCorruption) << account.status().ToString();
  auto asset = cache.GetAsset(asset_id);
  ASSERT_FALSE(asset.ok());
  EXPECT_EQ(asset.status().code(), Status::Code::kCorruption) << asset.status().ToString();

  Bytes raw;
  ASSERT_TRUE(store->Get(keys::Asset(asset_id), &raw).ok());
  EXPECT_TRUE(DecodeAsset(raw).status().IsInvalid());
  EXPECT_TRUE(DecodeAssetEvent(raw).status().IsInvalid());
  EXPECT_TRUE(DecodeTxLocation(raw).status().IsInvalid());
  EXPECT_TRUE(DecodeUndo(raw).status().IsInvalid());
}

TEST_F(StoreTest, ConcurrentReadsDuringWrites) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  StoreBatch init;
  init.Put("stable", B("value"));
  ASSERT_TRUE(store->Write(init).ok());
  std::atomic<bool> failed{false};
  std::thread reader([&] {
    Bytes v;
    for (int i = 0; i < 2000; ++i) {
      if (!store->Get("stable", &v).ok() || v != B("value")) failed = true;
    }
  });
  for (int i = 0; i < 200; ++i) {
    StoreBatch b;
    b.Put("w" + std::to_string(i), B("x"));
    ASSERT_TRUE(store->Write(b, /*sync=*/false).ok());
  }
  reader.join();
  EXPECT_FALSE(failed);
}

// Flips one byte of the file at offset.
void FlipByte(const fs::path& file, size_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good()) << file;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x40);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

std::string ReadAll(const fs::path& file) {
  std::ifstream f(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::vector<fs::path> FilesWithSuffix(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().string().ends_with(suffix)) out.push_back(e.path());
  }
  return out;
}

// Bytes that do not compress, so that they sit in a table file as they are.
Bytes RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

TEST_F(StoreTest, WriteFailureSticksAndNothingAfterItIsLost) {
  waybill::testing::FaultEnv env;
  StoreOptions options;
  options.env = &env;
  {
    auto store = OpenOrDie(options);
    ASSERT_TRUE(store);
    StoreBatch b1;
    b1.Put("k1", B("one"));
    ASSERT_TRUE(store->Write(b1).ok());
    EXPECT_TRUE(store->WriteFailure().ok());

    env.FailWrites(true);  // the disk fills up
    StoreBatch b2;
    b2.Put("k2", B("two"));
    Status failed = store->Write(b2);
    ASSERT_FALSE(failed.ok());
    EXPECT_TRUE(failed.IsLocalError());

    env.FailWrites(false);  // space is back, but the log ends in a torn record
    StoreBatch b3;
    b3.Put("k3", B("three"));
    Status later = store->Write(b3);
    EXPECT_FALSE(later.ok()) << "a write after a failed one must fail too";
    EXPECT_EQ(later.reason(), failed.reason());
    EXPECT_EQ(store->WriteFailure().reason(), failed.reason());
    Bytes v;
    EXPECT_TRUE(store->Get("k3", &v).IsNotFound());
  }
  auto store = OpenOrDie();  // the torn tail is the end of the log: not an error
  ASSERT_TRUE(store);
  Bytes v;
  ASSERT_TRUE(store->Get("k1", &v).ok());
  EXPECT_EQ(v, B("one"));
  EXPECT_TRUE(store->Get("k3", &v).IsNotFound());
  StoreBatch b4;
  b4.Put("k4", B("four"));
  EXPECT_TRUE(store->Write(b4).ok());
}

// A flipped byte in a record's payload fails its checksum. (A flipped length field in the
// log's last 32 KiB block is indistinguishable from a write torn by a crash: LevelDB ends the
// log there without an error, as it must for a torn write.)
TEST_F(StoreTest, FlippedByteInTheLogRefusesToOpen) {
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store);
    for (int i = 0; i < 20; ++i) {
      StoreBatch b;
      b.Put("key" + std::to_string(i), RandomBytes(200, i));
      ASSERT_TRUE(store->Write(b).ok());
    }
  }
  auto logs = FilesWithSuffix(dir_, ".log");
  ASSERT_EQ(logs.size(), 1u);
  const Bytes value = RandomBytes(200, 10);
  size_t at = ReadAll(logs[0]).find(std::string(value.begin(), value.begin() + 32));
  ASSERT_NE(at, std::string::npos);
  FlipByte(logs[0], at + 16);
  StoreOptions options;
  options.create_if_missing = false;
  auto store = Store::Open(dir_.string(), options);
  ASSERT_FALSE(store.ok()) << "a damaged log must not be skipped silently: "
                           << ReadAll(dir_ / "LOG");
  EXPECT_EQ(store.status().code(), Status::Code::kCorruption);
  EXPECT_NE(store.status().reason().find(logs[0].filename().string()), std::string::npos)
      << store.status().reason();
  EXPECT_TRUE(fs::exists(logs[0]));
  // Repair keeps what still reads and makes the database open again.
  ASSERT_TRUE(Store::Repair(dir_.string()).ok());
  auto repaired = Store::Open(dir_.string(), options);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  Bytes v;
  EXPECT_TRUE((*repaired)->Get("key0", &v).ok());
}

TEST_F(StoreTest, FlippedByteInATableIsCorruptionNeverAWrongValue) {
  const Bytes value = RandomBytes(3000, 7);
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store);
    StoreBatch b;
    b.Put("target", value);
    ASSERT_TRUE(store->Write(b).ok());
  }
  { ASSERT_TRUE(OpenOrDie()); }  // reopening turns the log into a table
  auto tables = FilesWithSuffix(dir_, ".ldb");
  ASSERT_EQ(tables.size(), 1u);
  std::string contents = ReadAll(tables[0]);
  size_t at = contents.find(std::string(value.begin() + 1000, value.begin() + 1032));
  ASSERT_NE(at, std::string::npos) << "the value is not stored verbatim";
  FlipByte(tables[0], at + 10);

  StoreOptions options;
  options.create_if_missing = false;
  auto store = Store::Open(dir_.string(), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Bytes v;
  Status s = (*store)->Get("target", &v);
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << "served a value: " << (v == value);
  std::vector<std::string> damaged = Store::FindDamagedTables(dir_.string());
  ASSERT_EQ(damaged.size(), 1u);
  EXPECT_EQ(damaged[0], tables[0].string());
  EXPECT_NE(Store::DescribeDamage(dir_.string()).find(tables[0].string()), std::string::npos);
  Status scan = (*store)->Scan("", [](std::string_view, ByteSpan) { return true; });
  EXPECT_EQ(scan.code(), Status::Code::kCorruption);
}

TEST_F(StoreTest, MissingCurrentIsRefusedAndNothingIsDeleted) {
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store);
    StoreBatch b;
    b.Put("kept", B("value"));
    ASSERT_TRUE(store->Write(b).ok());
  }
  { ASSERT_TRUE(OpenOrDie()); }  // into a table
  auto tables = FilesWithSuffix(dir_, ".ldb");
  ASSERT_EQ(tables.size(), 1u);
  fs::remove(dir_ / "CURRENT");
  StoreOptions options;
  options.create_if_missing = false;
  auto store = Store::Open(dir_.string(), options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kCorruption);
  EXPECT_NE(store.status().reason().find("CURRENT"), std::string::npos)
      << store.status().reason();
  EXPECT_TRUE(fs::exists(tables[0])) << "the old table was deleted";
  ASSERT_TRUE(Store::Repair(dir_.string()).ok());
  auto repaired = Store::Open(dir_.string(), options);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  Bytes v;
  ASSERT_TRUE((*repaired)->Get("kept", &v).ok());
  EXPECT_EQ(v, B("value"));
}

TEST_F(StoreTest, SnapshotSeesTheStoreAsItWas) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  StoreBatch before;
  before.Put("a/1", B("one"));
  before.Put("a/2", B("two"));
  ASSERT_TRUE(store->Write(before).ok());
  std::unique_ptr<StoreSnapshot> snapshot = store->NewSnapshot();
  StoreBatch after;
  after.Put("a/1", B("changed"));
  after.Delete("a/2");
  after.Put("a/3", B("new"));
  ASSERT_TRUE(store->Write(after).ok());

  Bytes v;
  ASSERT_TRUE(snapshot->Get("a/1", &v).ok());
  EXPECT_EQ(v, B("one"));
  ASSERT_TRUE(snapshot->Get("a/2", &v).ok());
  EXPECT_EQ(v, B("two"));
  EXPECT_TRUE(snapshot->Get("a/3", &v).IsNotFound());
  std::vector<std::string> keys;
  ASSERT_TRUE(snapshot
                  ->Scan("a/",
                         [&](std::string_view k, ByteSpan) {
                           keys.emplace_back(k);
                           return true;
                         })
                  .ok());
  EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/2"}));
  // The store itself has moved on.
  ASSERT_TRUE(store->Get("a/1", &v).ok());
  EXPECT_EQ(v, B("changed"));
  EXPECT_EQ(ScanAll(*store, "a/").size(), 2u);
  snapshot.reset();  // before the store, as required
}

TEST(MemoryKvTest, Basics) {
  MemoryKv kv;
  Bytes v;
  EXPECT_TRUE(kv.Get("a", &v).IsNotFound());
  kv.Put("a", B("1"));
  kv.Put("a", B("2"));
  ASSERT_TRUE(kv.Get("a", &v).ok());
  EXPECT_EQ(v, B("2"));
  kv.Delete("a");
  kv.Delete("absent");
  EXPECT_TRUE(kv.Get("a", &v).IsNotFound());
  EXPECT_TRUE(kv.entries().empty());
}

}  // namespace
}  // namespace waybill::chain
