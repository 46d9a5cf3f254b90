#include "chain/store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/status.h>
#include <leveldb/table.h>
#include <leveldb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

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

// Every read checks the checksums of what it reads; snapshot may be null (the current state).
leveldb::ReadOptions VerifiedReads(const leveldb::Snapshot* snapshot = nullptr) {
  leveldb::ReadOptions opts;
  opts.verify_checksums = true;
  opts.snapshot = snapshot;
  return opts;
}

Status GetWith(leveldb::DB* db, const leveldb::ReadOptions& opts, std::string_view key,
               Bytes* value) {
  std::string out;
  leveldb::Status s = db->Get(opts, ToSlice(key), &out);
  if (!s.ok()) return FromLevelDb(s);
  value->assign(out.begin(), out.end());
  return Status::Ok();
}

// Keys under prefix from the first one >= start (an empty start: from prefix).
Status ScanWith(leveldb::DB* db, leveldb::ReadOptions opts, std::string_view prefix,
                const std::function<bool(std::string_view key, ByteSpan value)>& fn,
                std::string_view start = {}) {
  opts.fill_cache = false;  // a scan would evict the hot blocks that point reads need
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(opts));
  for (it->Seek(ToSlice(std::max(prefix, start))); it->Valid(); it->Next()) {
    leveldb::Slice key = it->key();
    if (!key.starts_with(ToSlice(prefix))) break;
    if (!fn(std::string_view(key.data(), key.size()), ToSpan(it->value()))) break;
  }
  return FromLevelDb(it->status());
}

leveldb::Options BaseOptions(const StoreOptions& options) {
  leveldb::Options opts;
  opts.paranoid_checks = true;
  opts.write_buffer_size = options.write_buffer_bytes;
  if (options.env) opts.env = options.env;
  return opts;
}

// Names of the files in dir that end with suffix, sorted.
std::vector<std::string> FilesEndingWith(const std::string& dir, std::string_view suffix) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() >= suffix.size() && name.ends_with(suffix)) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Reads every block of one table with checksums verified.
bool TableReads(leveldb::Env* env, const std::string& path) {
  uint64_t size = 0;
  if (!env->GetFileSize(path, &size).ok()) return true;  // gone (compacted away): not damaged
  leveldb::RandomAccessFile* raw_file = nullptr;
  if (!env->NewRandomAccessFile(path, &raw_file).ok()) return true;
  std::unique_ptr<leveldb::RandomAccessFile> file(raw_file);
  leveldb::Options opts;
  opts.paranoid_checks = true;
  opts.env = env;
  leveldb::Table* raw_table = nullptr;
  if (!leveldb::Table::Open(opts, file.get(), size, &raw_table).ok()) return false;
  std::unique_ptr<leveldb::Table> table(raw_table);
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(VerifiedReads()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
  }
  return it->status().ok();
}

}  // namespace

StoreBatch::StoreBatch() : batch_(std::make_unique<leveldb::WriteBatch>()) {}
StoreBatch::~StoreBatch() = default;
StoreBatch::StoreBatch(StoreBatch&& other) noexcept
    : batch_(std::move(other.batch_)), count_(std::exchange(other.count_, 0)) {}
StoreBatch& StoreBatch::operator=(StoreBatch&& other) noexcept {
  batch_ = std::move(other.batch_);
  count_ = std::exchange(other.count_, 0);
  return *this;
}

void StoreBatch::Put(std::string_view key, ByteSpan value) {
  if (!batch_) batch_ = std::make_unique<leveldb::WriteBatch>();  // moved-from: reusable
  batch_->Put(ToSlice(key), ToSlice(value));
  ++count_;
}

void StoreBatch::Delete(std::string_view key) {
  if (!batch_) batch_ = std::make_unique<leveldb::WriteBatch>();
  batch_->Delete(ToSlice(key));
  ++count_;
}

void StoreBatch::Clear() {
  if (batch_) batch_->Clear();
  count_ = 0;
}

size_t StoreBatch::ApproximateSize() const { return batch_ ? batch_->ApproximateSize() : 0; }

Store::Store(std::unique_ptr<leveldb::DB> db, std::string dir)
    : db_(std::move(db)), dir_(std::move(dir)) {}

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
  leveldb::Options opts = BaseOptions(options);
  opts.create_if_missing = options.create_if_missing;
  opts.block_cache = holder->cache();
  opts.filter_policy = holder->filter();
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(opts, dir, &raw);
  if (!s.ok()) {
    delete raw;  // null on failure; deleted in case a version ever sets it
    if (s.IsCorruption()) {
      return Status::Corruption("database " + dir + ": " + s.ToString() + "; " +
                                DescribeDamage(dir, options.env));
    }
    // "does not exist (create_if_missing is false)": where a database is expected, it is
    // damaged (LevelDB's message names the folder, not the file it missed).
    if (s.IsInvalidArgument()) {
      std::error_code ec;
      const bool no_current = !std::filesystem::exists(dir + "/CURRENT", ec);
      return Status::Corruption("database " + dir + ": " +
                                (no_current ? "its CURRENT file is missing (" + s.ToString() + ")"
                                            : s.ToString()));
    }
    return FromLevelDb(s);
  }
  std::unique_ptr<Store> store(new Store(std::unique_ptr<leveldb::DB>(raw), dir));
  store->cache_ = std::move(holder);
  return store;
}

Status Store::Repair(const std::string& dir, const StoreOptions& options) {
  leveldb::Options opts = BaseOptions(options);
  return FromLevelDb(leveldb::RepairDB(dir, opts));
}

std::vector<std::string> Store::FindDamagedTables(const std::string& dir, leveldb::Env* env) {
  if (!env) env = leveldb::Env::Default();
  std::vector<std::string> damaged;
  for (std::string_view suffix : {".ldb", ".sst"}) {
    for (const std::string& name : FilesEndingWith(dir, suffix)) {
      if (!TableReads(env, dir + "/" + name)) damaged.push_back(dir + "/" + name);
    }
  }
  return damaged;
}

std::string Store::DescribeDamage(const std::string& dir, leveldb::Env* env) {
  std::vector<std::string> tables = FindDamagedTables(dir, env);
  std::string out;
  if (!tables.empty()) {
    out = "damaged table(s):";
    for (const std::string& t : tables) out += " " + t;
    return out;
  }
  std::vector<std::string> logs = FilesEndingWith(dir, ".log");
  if (logs.empty()) return "no damaged table found (details in " + dir + "/LOG)";
  out = "every table reads; the damage is in the write-ahead log:";
  for (const std::string& l : logs) out += " " + dir + "/" + l;
  return out + " (details in " + dir + "/LOG)";
}

Status Store::Get(std::string_view key, Bytes* value) const {
  point_reads_.fetch_add(1, std::memory_order_relaxed);
  return GetWith(db_.get(), VerifiedReads(), key, value);
}

Status Store::Write(StoreBatch& batch, bool sync) {
  std::lock_guard lock(write_mu_);
  if (!write_failure_.ok()) return write_failure_;
  if (!batch.batch_) return Status::Ok();
  leveldb::WriteOptions opts;
  opts.sync = sync;
  Status s = FromLevelDb(db_->Write(opts, batch.batch_.get()));
  if (s.ok()) keys_written_.fetch_add(batch.count_, std::memory_order_relaxed);
  if (!s.ok()) {
    write_failure_ = s.IsLocalError() ? s : Status::IoError(s.reason());
  }
  return s;
}

Status Store::WriteFailure() const {
  std::lock_guard lock(write_mu_);
  return write_failure_;
}

Status Store::Scan(std::string_view prefix,
                   const std::function<bool(std::string_view key, ByteSpan value)>& fn) const {
  return ScanWith(db_.get(), VerifiedReads(), prefix, fn);
}

Status Store::ScanFrom(std::string_view prefix, std::string_view start,
                       const std::function<bool(std::string_view key, ByteSpan value)>& fn) const {
  return ScanWith(db_.get(), VerifiedReads(), prefix, fn, start);
}

std::unique_ptr<StoreSnapshot> Store::NewSnapshot() const {
  return std::unique_ptr<StoreSnapshot>(new StoreSnapshot(db_.get(), db_->GetSnapshot()));
}

StoreSnapshot::StoreSnapshot(leveldb::DB* db, const leveldb::Snapshot* snapshot)
    : db_(db), snapshot_(snapshot) {}

StoreSnapshot::~StoreSnapshot() { db_->ReleaseSnapshot(snapshot_); }

Status StoreSnapshot::Get(std::string_view key, Bytes* value) const {
  return GetWith(db_, VerifiedReads(snapshot_), key, value);
}

Status StoreSnapshot::Scan(
    std::string_view prefix,
    const std::function<bool(std::string_view key, ByteSpan value)>& fn) const {
  return ScanWith(db_, VerifiedReads(snapshot_), prefix, fn);
}

Status StoreSnapshot::ScanFrom(
    std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view key, ByteSpan value)>& fn) const {
  return ScanWith(db_, VerifiedReads(snapshot_), prefix, fn, start);
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
