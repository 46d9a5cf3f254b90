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

 private:
  explicit Store(std::unique_ptr<leveldb::DB> db);
  std::unique_ptr<leveldb::DB> db_;
  std::unique_ptr<class StoreCacheHolder> cache_;
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
