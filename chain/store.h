// The node's LevelDB database: one database, one key prefix per kind of record
// (chain/state.h keys::). Every change of the tip is one synced WriteBatch, so a node killed
// at any moment reopens on a consistent tip.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"
#include "chain/types.h"

namespace leveldb {
class DB;
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

 private:
  friend class Store;
  std::unique_ptr<leveldb::WriteBatch> batch_;
};

struct StoreOptions {
  size_t cache_bytes = 64 << 20;       // LevelDB block cache
  size_t write_buffer_bytes = 16 << 20;
  bool create_if_missing = true;
};

class StoreSnapshot;

// Thread-safe: LevelDB allows concurrent reads and writes.
class Store : public KvReader {
 public:
  // Opens (or creates) the database in dir. LevelDB's own LOCK file refuses a second
  // process on the same dir; that comes back as an IoError with LevelDB's message.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir,
                                             const StoreOptions& options = {});
  ~Store() override;

  Status Get(std::string_view key, Bytes* value) const override;
  // sync = true waits until the write is on disk (fsync).
  Status Write(StoreBatch& batch, bool sync = true);
  // Calls fn(key, value) for each key starting with prefix, in key order, until fn returns
  // false.
  Status Scan(std::string_view prefix,
              const std::function<bool(std::string_view key, ByteSpan value)>& fn) const;
  // A consistent read-only view of the database as it is now: writes made after this call
  // are invisible to it. Long reads (verifychain) run on a snapshot without the caller's
  // lock. REQUIRES: the snapshot is destroyed before this Store.
  std::unique_ptr<StoreSnapshot> NewSnapshot() const;

 private:
  explicit Store(std::unique_ptr<leveldb::DB> db);
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<class StoreCacheHolder> cache_;
};

// A point-in-time view of a Store (Store::NewSnapshot). Reads verify LevelDB's checksums.
// Thread-safe; keeps the state of that moment alive in LevelDB until destroyed, so hold one
// only for the duration of a read.
class StoreSnapshot : public KvReader {
 public:
  ~StoreSnapshot() override;
  StoreSnapshot(const StoreSnapshot&) = delete;
  StoreSnapshot& operator=(const StoreSnapshot&) = delete;

  Status Get(std::string_view key, Bytes* value) const override;
  // As Store::Scan, on the snapshot.
  Status Scan(std::string_view prefix,
              const std::function<bool(std::string_view key, ByteSpan value)>& fn) const;

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
