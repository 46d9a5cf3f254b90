#include "chain/store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/status.h>
#include <leveldb/write_batch.h>

#include <filesystem>
#include <system_error>

namespace waybill::chain {

// The block cache and filter policy that leveldb::Options only points to. They must outlive
// the DB, so ~Store closes the DB before this holder is destroyed.
class StoreCacheHolder {
 public:
  explicit StoreCacheHolder(size_t cache_bytes)
      : cache_(leveldb::NewLRUCache(cache_bytes)), filter_(leveldb::NewBloomFilterPolicy(10)) {}
  leveldb::Cache* cache() const { return cache_.get(); }
  const leveldb::FilterPolicy* filter() const { return filter_.get(); }

 private:
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
};

namespace {

leveldb::Slice ToSlice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }
leveldb::Slice ToSlice(ByteSpan b) {
  return leveldb::Slice(reinterpret_cast<const char*>(b.data()), b.size());
}
ByteSpan ToSpan(const leveldb::Slice& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

Status FromLevelDb(const leveldb::Status& s) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsCorruption()) return Status::Corruption(s.ToString());
  return Status::IoError(s.ToString());
}

}  // namespace

StoreBatch::StoreBatch() : batch_(std::make_unique<leveldb::WriteBatch>()) {}
StoreBatch::~StoreBatch() = default;
StoreBatch::StoreBatch(StoreBatch&&) noexcept = default;
StoreBatch& StoreBatch::operator=(StoreBatch&&) noexcept = default;

void StoreBatch::Put(std::string_view key, ByteSpan value) {
  if (!batch_) batch_ = std::make_unique<leveldb::WriteBatch>();  // moved-from: reusable
  batch_->Put(ToSlice(key), ToSlice(value));
}

void StoreBatch::Delete(std::string_view key) {
  if (!batch_) batch_ = std::make_unique<leveldb::WriteBatch>();
  batch_->Delete(ToSlice(key));
}

size_t StoreBatch::ApproximateSize() const { return batch_ ? batch_->ApproximateSize() : 0; }

Store::Store(std::unique_ptr<leveldb::DB> db) : db_(std::move(db)) {}

Store::~Store() {
  db_.reset();  // before cache_, which the DB uses until it is closed
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const StoreOptions& options) {
  if (options.create_if_missing) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  }
  auto holder = std::make_unique<StoreCacheHolder>(options.cache_bytes);
  leveldb::Options opts;
  opts.create_if_missing = options.create_if_missing;
  opts.write_buffer_size = options.write_buffer_bytes;
  opts.block_cache = holder->cache();
  opts.filter_policy = holder->filter();
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(opts, dir, &raw);
  if (!s.ok()) {
    delete raw;  // null on failure; deleted in case a version ever sets it
    return FromLevelDb(s);
  }
  std::unique_ptr<Store> store(new Store(std::unique_ptr<leveldb::DB>(raw)));
  store->cache_ = std::move(holder);
  return store;
}

Status Store::Get(std::string_view key, Bytes* value) const {
  std::string out;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), ToSlice(key), &out);
  if (!s.ok()) return FromLevelDb(s);
  value->assign(out.begin(), out.end());
  return Status::Ok();
}

Status Store::Write(StoreBatch& batch, bool sync) {
  if (!batch.batch_) return Status::Ok();
  leveldb::WriteOptions opts;
  opts.sync = sync;
  return FromLevelDb(db_->Write(opts, batch.batch_.get()));
}

Status Store::Scan(std::string_view prefix,
                   const std::function<bool(std::string_view key, ByteSpan value)>& fn) const {
  leveldb::ReadOptions opts;
  opts.fill_cache = false;  // a scan would evict the hot blocks that point reads need
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(opts));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    leveldb::Slice key = it->key();
    if (!key.starts_with(ToSlice(prefix))) break;
    if (!fn(std::string_view(key.data(), key.size()), ToSpan(it->value()))) break;
  }
  return FromLevelDb(it->status());
}

std::unique_ptr<StoreSnapshot> Store::NewSnapshot() const {
  return std::unique_ptr<StoreSnapshot>(new StoreSnapshot(db_.get(), db_->GetSnapshot()));
}

StoreSnapshot::StoreSnapshot(leveldb::DB* db, const leveldb::Snapshot* snapshot)
    : db_(db), snapshot_(snapshot) {}

StoreSnapshot::~StoreSnapshot() { db_->ReleaseSnapshot(snapshot_); }

Status StoreSnapshot::Get(std::string_view key, Bytes* value) const {
  leveldb::ReadOptions opts;
  opts.snapshot = snapshot_;
  opts.verify_checksums = true;
  std::string out;
  leveldb::Status s = db_->Get(opts, ToSlice(key), &out);
  if (!s.ok()) return FromLevelDb(s);
  value->assign(out.begin(), out.end());
  return Status::Ok();
}

Status StoreSnapshot::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view key, ByteSpan value)>& fn) const {
  leveldb::ReadOptions opts;
  opts.snapshot = snapshot_;
  opts.verify_checksums = true;
  opts.fill_cache = false;  // as Store::Scan
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(opts));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    leveldb::Slice key = it->key();
    if (!key.starts_with(ToSlice(prefix))) break;
    if (!fn(std::string_view(key.data(), key.size()), ToSpan(it->value()))) break;
  }
  return FromLevelDb(it->status());
}

Status MemoryKv::Get(std::string_view key, Bytes* value) const {
  auto it = map_.find(key);
  if (it == map_.end()) return Status::NotFound("key not found");
  *value = it->second;
  return Status::Ok();
}

void MemoryKv::Put(std::string key, Bytes value) {
  map_.insert_or_assign(std::move(key), std::move(value));
}

void MemoryKv::Delete(const std::string& key) { map_.erase(key); }

}  // namespace waybill::chain
