// The node's LevelDB database: one database, one key prefix per kind of record
// (chain/state.h keys::). Every change of the tip is one synced WriteBatch, so a node killed
// at any moment reopens on a consistent tip.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"
#include "chain/types.h"

namespace leveldb {
class DB;
class Env;
class Snapshot;
class WriteBatch;
}  // namespace leveldb

namespace waybill::chain {

// Read access to keys and values; implemented by the Store and by overlays.
class KvReader {
 public:
  virtual ~KvReader() = default;
  // OK and *value set if present; NotFound if absent; a local error otherwise.
  virtual Status Get(std::string_view key, Bytes* value) const = 0;
};

// Read access with ordered scans: the Store and its snapshots.
class KvScanner : public KvReader {
 public:
  // Calls fn(key, value) for each key starting with prefix, in key order, until fn returns
  // false.
  virtual Status Scan(std::string_view prefix,
                      const std::function<bool(std::string_view key, ByteSpan value)>& fn) const = 0;
  // As Scan, from the first key under prefix that is >= start: a page of a long listing that
  // begins after its last key without reading the keys before. A start below prefix begins
  // at prefix.
  virtual Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view key, ByteSpan value)>& fn) const = 0;
};

// A set of writes applied atomically.
class StoreBatch {
 public:
  StoreBatch();
  ~StoreBatch();
  StoreBatch(StoreBatch&&) noexcept;
  StoreBatch& operator=(StoreBatch&&) noexcept;
  void Put(std::string_view key, ByteSpan value);
  void Delete(std::string_view key);
  size_t ApproximateSize() const;
  // Puts and deletes added since the batch was made or cleared.
  size_t Count() const { return count_; }
  // Empties the batch and keeps its buffer: a batch reused for every block grows once, not
  // by doubling from empty each time.
  void Clear();

 private:
  friend class Store;
  std::unique_ptr<leveldb::WriteBatch> batch_;
  size_t count_ = 0;
};

struct StoreOptions {
  size_t cache_bytes = 64 << 20;       // LevelDB block cache
  size_t write_buffer_bytes = 16 << 20;
  // Create the database if dir holds none. Only for a data folder that is new: where a
  // database is expected, a missing one (a lost CURRENT file, say) must be an error, never
  // an empty chain (LevelDB would then delete the old tables as obsolete).
  bool create_if_missing = true;
  // The file system LevelDB uses; null: LevelDB's default. Tests pass a wrapper that fails
  // writes on demand. REQUIRES: outlives the Store.
  leveldb::Env* env = nullptr;
};

class StoreSnapshot;

// Thread-safe: LevelDB allows concurrent reads and writes.
//
// Integrity: the database is opened with LevelDB's paranoid_checks (a damaged write-ahead log
// or table fails the open or the compaction instead of being skipped) and every read verifies
// block checksums, so damaged data comes back as Corruption, never as a wrong value.
//
// Write failures stick: once a Write fails, every later Write fails with that first error
// and writes nothing. After a failed append the log's tail is indeterminate (a torn record);
// a record appended after it would be dropped with it on the next open, so a "successful"
// write after a failed one could be lost.
class Store : public KvScanner {
 public:
  // Opens (or creates, see StoreOptions) the database in dir. LevelDB's own LOCK file refuses
  // a second process on the same dir; that comes back as an IoError with LevelDB's message.
  // A damaged database is Corruption; its reason names the damaged files where it can find
  // them (see DescribeDamage).
  static Result<std::unique_ptr<Store>> Open(const std::string& dir,
                                             const StoreOptions& options = {});
  // LevelDB's RepairDB with paranoid checks: rebuilds the database's metadata from the
  // files in dir, keeps every record that still reads, and moves damaged files aside to
  // dir/lost. REQUIRES: no Store is open on dir.
  static Status Repair(const std::string& dir, const StoreOptions& options = {});
  // Checks the checksum of every block of every table in dir and returns the names of the
  // tables that fail (empty if none). Reads only; safe while the database is open.
  static std::vector<std::string> FindDamagedTables(const std::string& dir,
                                                    leveldb::Env* env = nullptr);
  // A sentence for an error message: the damaged tables in dir, or else the write-ahead
  // logs (the only other files LevelDB reads records from).
  static std::string DescribeDamage(const std::string& dir, leveldb::Env* env = nullptr);
  ~Store() override;

  Status Get(std::string_view key, Bytes* value) const override;
  // sync = true waits until the write is on disk (fsync). After a failure, see above.
  Status Write(StoreBatch& batch, bool sync = true);
  // The first write failure, or OK if every write succeeded.
  Status WriteFailure() const;
  // What this Store has done since it was opened (benchmarks count the keys a block costs):
  // point reads (Get; not snapshots' nor scans') and keys written (the Puts and Deletes of
  // the batches Write applied).
  struct Counts {
    uint64_t point_reads = 0;
    uint64_t keys_written = 0;
  };
  Counts counts() const {
    return {point_reads_.load(std::memory_order_relaxed),
            keys_written_.load(std::memory_order_relaxed)};
  }
  // KvScanner.
  Status Scan(std::string_view prefix,
              const std::function<bool(std::string_view key, ByteSpan value)>& fn) const override;
  Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view key, ByteSpan value)>& fn) const override;
  const std::string& dir() const { return dir_; }
  // A consistent read-only view of the database as it is now: writes made after this call
  // are invisible to it. Long reads (verifychain) run on a snapshot without the caller's
  // lock. REQUIRES: the snapshot is destroyed before this Store.
  std::unique_ptr<StoreSnapshot> NewSnapshot() const;

 private:
  Store(std::unique_ptr<leveldb::DB> db, std::string dir);

  // Fixed after construction.
  std::unique_ptr<leveldb::DB> db_;  // reset first by ~Store
  const std::string dir_;
  std::unique_ptr<class StoreCacheHolder> cache_;

  // Relaxed counters: figures only, ordered with nothing.
  mutable std::atomic<uint64_t> point_reads_{0};
  std::atomic<uint64_t> keys_written_{0};

  mutable std::mutex write_mu_;  // serializes writes, so none follows a failed one
  Status write_failure_;         // guarded by write_mu_
};

// A point-in-time view of a Store (Store::NewSnapshot). Reads verify LevelDB's checksums.
// Thread-safe; keeps the state of that moment alive in LevelDB until destroyed, so hold one
// only for the duration of a read.
class StoreSnapshot : public KvScanner {
 public:
  ~StoreSnapshot() override;
  StoreSnapshot(const StoreSnapshot&) = delete;
  StoreSnapshot& operator=(const StoreSnapshot&) = delete;

  Status Get(std::string_view key, Bytes* value) const override;
  // KvScanner: as Store::Scan and Store::ScanFrom, on the snapshot.
  Status Scan(std::string_view prefix,
              const std::function<bool(std::string_view key, ByteSpan value)>& fn) const override;
  Status ScanFrom(
      std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view key, ByteSpan value)>& fn) const override;

 private:
  friend class Store;
  StoreSnapshot(leveldb::DB* db, const leveldb::Snapshot* snapshot);
  leveldb::DB* const db_;
  const leveldb::Snapshot* const snapshot_;
};

// An in-memory KvReader (tests, chain replay for verifychain).
class MemoryKv : public KvReader {
 public:
  Status Get(std::string_view key, Bytes* value) const override;
  void Put(std::string key, Bytes value);
  void Delete(const std::string& key);
  const auto& entries() const { return map_; }

 private:
  std::map<std::string, Bytes, std::less<>> map_;
};

}  // namespace waybill::chain
