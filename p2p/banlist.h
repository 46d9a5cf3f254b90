// Banned IP addresses, each until an expiry time. Keyed on the IP alone: the port of every
// NetAddress passed in is ignored, and entries carry port 0. Bounded: when a ban would make
// the list exceed max_entries, the entry that expires soonest (possibly the new one) goes.
// The banlist.dat format is specified in docs/PROTOCOL.md ("Ban list").
//
// Times are seconds since the Unix epoch, passed in by the caller; negative times are
// treated as 0. An entry is in force while now < until. Expired entries are dropped by
// List() and are the first to go when the list is full; IsBanned() ignores them.
//
// Thread safety: a BanList is safe for concurrent use from several threads (one internal
// mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "chain/status.h"
#include "chain/types.h"
#include "p2p/net_address.h"

namespace waybill::p2p {

struct BanEntry {
  NetAddress ip;  // port 0
  int64_t until = 0;
  std::string reason;  // at most BanList::kMaxReasonSize bytes

  bool operator==(const BanEntry&) const = default;
};

class BanList {
 public:
  static constexpr size_t kDefaultMaxEntries = 10000;
  // The largest max_entries, and the most entries a banlist.dat may hold.
  static constexpr size_t kMaxEntriesLimit = 100000;
  // Longer reasons are truncated.
  static constexpr size_t kMaxReasonSize = 128;
  static constexpr size_t kMaxFileSize =
      4 + 1 + 5 + kMaxEntriesLimit * (16 + 8 + 1 + kMaxReasonSize) + 32;

  // max_entries is clamped to [1, kMaxEntriesLimit].
  explicit BanList(size_t max_entries = kDefaultMaxEntries);
  BanList(const BanList&) = delete;
  BanList& operator=(const BanList&) = delete;

  // Bans ip (port ignored) until `until`. An existing ban is only ever extended: if it
  // already lasts at least as long, nothing changes; otherwise expiry and reason are
  // replaced.
  void Ban(const NetAddress& ip, int64_t until, std::string reason);
  // Returns whether ip was on the list (expired or not).
  bool Unban(const NetAddress& ip);
  bool IsBanned(const NetAddress& ip, int64_t now) const;
  void Clear();
  // Drops expired entries and returns the rest, ordered by IP.
  std::vector<BanEntry> List(int64_t now);
  // Entries on the list, expired ones included.
  size_t size() const;
  size_t max_entries() const { return max_entries_; }

  // The banlist.dat encoding: canonical (ordered by IP), versioned, checksummed. Expired
  // entries are included (List() first to drop them).
  chain::Bytes Serialize() const;
  // Corruption for anything malformed: bad magic, unknown version, checksum mismatch, a
  // count over kMaxEntriesLimit, IPs not in strictly ascending order, a time over INT64_MAX,
  // a reason over kMaxReasonSize, truncation, trailing bytes. If the data holds more than
  // max_entries entries, the ones expiring soonest are dropped.
  static chain::Result<std::unique_ptr<BanList>> Deserialize(
      chain::ByteSpan data, size_t max_entries = kDefaultMaxEntries);

  // Writes Serialize() to path atomically (temp file, fsync, rename, fsync of the folder),
  // mode 0600. IoError on failure; a failure before the rename leaves the old file as it
  // was.
  chain::Status SaveFile(const std::string& path) const;
  // NotFound if path does not exist; IoError if it cannot be read; Corruption if it does
  // not decode.
  static chain::Result<std::unique_ptr<BanList>> LoadFile(const std::string& path,
                                                          size_t max_entries = kDefaultMaxEntries);

 private:
  struct Record {
    int64_t until;
    std::string reason;
  };

  // REQUIRES: mu_ held.
  void BanLocked(const NetAddress& ip, int64_t until, std::string reason);

  // Fixed after construction.
  const size_t max_entries_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::map<NetAddress, Record> bans_;                   // key: the IP with port 0
  std::set<std::pair<int64_t, NetAddress>> by_expiry_;  // (until, IP) of every entry
};

}  // namespace waybill::p2p
