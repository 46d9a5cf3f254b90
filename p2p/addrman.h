// The address book: every peer address this node has heard of, in two bounded tables of keyed
// buckets, in the spirit of Bitcoin Core's addrman (simpler: one place per address, no
// test-before-evict). The bucketing rules and the peers.dat format are specified in
// docs/PROTOCOL.md ("Address book").
//
// - "new" holds addresses heard of but never connected to. The bucket depends on the group
//   of the address and on the group of the peer that told us (its source), keyed with a
//   secret, so one source group can only ever reach a few new buckets
//   (new_buckets_per_source_group) and cannot flood the table.
// - "tried" holds addresses we completed a handshake with. The bucket depends on the
//   address and its group, so one group can only reach tried_buckets_per_group buckets.
// - Every bucket has bucket_size slots; an address lives in at most one slot of one table.
//
// Times are seconds since the Unix epoch, passed in by the caller (no clock here); a negative
// `now` is treated as 0.
//
// Thread safety: an AddrMan is safe for concurrent use from several threads (one internal
// mutex). The `exclude` callback of Select runs with that mutex held: it must not call back
// into the same AddrMan.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chain/hash.h"
#include "chain/status.h"
#include "chain/types.h"
#include "p2p/net_address.h"

namespace waybill::p2p {

struct AddrManOptions {
  // Table geometry. Values outside [1, kMaxBucketCount] / [1, kMaxBucketSize] and fan-outs
  // larger than their table are clamped by the constructor.
  uint32_t new_bucket_count = 256;
  uint32_t tried_bucket_count = 64;
  uint32_t bucket_size = 64;
  // How many new buckets the addresses of one source group can reach, and how many tried
  // buckets the addresses of one address group can reach.
  uint32_t new_buckets_per_source_group = 16;
  uint32_t tried_buckets_per_group = 4;
  // The bucketing secret. nullopt: 32 bytes from the OS CSPRNG. Set it only in tests. A
  // loaded book keeps the key stored in its file and ignores this one.
  std::optional<chain::Hash256> key;
  // Seed of the private generator behind Select and GetAddresses. 0: from the OS CSPRNG.
  uint64_t seed = 0;

  static constexpr uint32_t kMaxBucketCount = 1024;
  static constexpr uint32_t kMaxBucketSize = 128;
};

// One address book entry, as returned by All() and Find().
struct AddrInfo {
  NetAddress addr;
  NetAddress source;         // the peer that told us about addr (may be unspecified)
  int64_t last_seen = 0;     // when addr was last reported or seen alive
  int64_t last_try = 0;      // last connection attempt; 0 = never
  int64_t last_success = 0;  // last completed handshake; 0 = never
  uint32_t attempts = 0;     // failed attempts since the last success
  bool in_tried = false;
  uint32_t bucket = 0;  // position in its table
  uint32_t slot = 0;

  bool operator==(const AddrInfo&) const = default;
};

// An address with its last-seen time, as relayed in an addr message.
struct TimedAddress {
  NetAddress addr;
  int64_t last_seen = 0;

  bool operator==(const TimedAddress&) const = default;
};

// A hash of an address under two secret words (AddrMan's: from its bucketing key); without
// them a peer cannot choose addresses that share a bucket of a hash table.
class KeyedAddressHasher {
 public:
  KeyedAddressHasher() = default;
  KeyedAddressHasher(uint64_t k0, uint64_t k1) : k0_(k0), k1_(k1) {}
  size_t operator()(const NetAddress& a) const;

 private:
  uint64_t k0_ = 0;
  uint64_t k1_ = 0;
};

class AddrMan {
 public:
  // Select makes at most this many random picks before falling back to a scan.
  static constexpr int kMaxSelectTries = 1000;
  // Connected() refreshes last_seen at most this often.
  static constexpr int64_t kConnectedUpdateInterval = 20 * 60;
  // The encoded size of one entry in peers.dat.
  static constexpr size_t kEntrySize = 64;
  // The largest peers.dat LoadFile reads: a file of the largest geometry, full.
  static constexpr size_t kMaxFileSize =
      4 + 1 + 32 + 5 * 4 + 2 * 5 +
      size_t{2} * AddrManOptions::kMaxBucketCount * AddrManOptions::kMaxBucketSize * kEntrySize +
      32;

  explicit AddrMan(AddrManOptions options = {});
  ~AddrMan();
  AddrMan(const AddrMan&) = delete;
  AddrMan& operator=(const AddrMan&) = delete;

  // Records that `source` told us about `addr`, last seen alive at `time_seen` (clamped to
  // [0, now]). A known address only has its last_seen raised. An unknown one goes into its
  // new slot if the slot is free or its occupant is terrible (which is then forgotten).
  // Returns true iff addr was not known before and is now stored. Refuses (false) addresses
  // that are not IsValid() and addresses that would be terrible on arrival (seen more than
  // 30 days ago).
  bool Add(const NetAddress& addr, const NetAddress& source, int64_t time_seen, int64_t now);
  // A connection attempt to addr: counts towards its failed attempts until Good(). No-op for
  // an unknown address.
  void Attempt(const NetAddress& addr, int64_t now);
  // A handshake with addr completed: resets its attempts and moves it to tried. If its
  // tried slot is taken, the occupant goes back to new (forgetting whatever sat in that
  // occupant's new slot). last_seen is not changed, so that what we relay does not reveal
  // whom we are connected to. No-op for an unknown address.
  void Good(const NetAddress& addr, int64_t now);
  // addr is a connected peer: refresh its last_seen, at most every kConnectedUpdateInterval.
  void Connected(const NetAddress& addr, int64_t now);

  // An address to connect to; nullopt if no address qualifies: the book is empty (or the
  // new table, with new_only) or exclude returns true for every candidate. Addresses for
  // which exclude returns true (already connected, banned) are never returned; exclude may
  // be empty. Up to kMaxSelectTries random picks: each chooses tried or new with equal odds
  // when both are non-empty (only new with new_only), a uniformly random non-empty bucket
  // and a uniformly random entry in it, and accepts it with a probability that falls with
  // its failed attempts and a recent attempt (raised 1.2x after each refusal). If none is
  // accepted, one address is drawn from all that are not excluded, weighted the same way.
  // Runs in O(kMaxSelectTries * (buckets + bucket size) + size()) and calls exclude at
  // most kMaxSelectTries + size() times.
  std::optional<NetAddress> Select(bool new_only,
                                   const std::function<bool(const NetAddress&)>& exclude,
                                   int64_t now);

  // A uniformly random sample of non-terrible addresses for a getaddr reply: at most
  // max_percent percent of the book and at most max_count addresses (0 = no such limit).
  std::vector<TimedAddress> GetAddresses(size_t max_count, size_t max_percent, int64_t now);

  size_t size() const;
  size_t NewCount() const;
  size_t TriedCount() const;
  std::optional<AddrInfo> Find(const NetAddress& addr) const;
  // Every entry, ordered by address. For debugging and RPC.
  std::vector<AddrInfo> All() const;
  // The geometry in effect (after clamping), without the key.
  AddrManOptions options() const;

  // The peers.dat encoding: canonical (entries ordered by address), versioned, checksummed.
  chain::Bytes Serialize() const;
  // Decodes a Serialize() output. Entries are re-bucketed into options' geometry with the
  // key stored in the data (options.key is ignored), so a file written with another
  // geometry still loads; an entry whose slot is then taken is dropped (a tried one first
  // falls back to new). Corruption for anything malformed: bad magic, unknown version,
  // checksum mismatch, out-of-range geometry or counts, unordered or duplicate or invalid
  // addresses, truncation, trailing bytes.
  static chain::Result<std::unique_ptr<AddrMan>> Deserialize(chain::ByteSpan data,
                                                             AddrManOptions options);

  // Writes Serialize() to path atomically (temp file, fsync, rename, fsync of the folder),
  // mode 0600. IoError on failure; a failure before the rename leaves the old file as it
  // was.
  chain::Status SaveFile(const std::string& path) const;
  // NotFound if path does not exist; IoError if it cannot be read; Corruption if it does
  // not decode (the caller may then start with an empty book).
  static chain::Result<std::unique_ptr<AddrMan>> LoadFile(const std::string& path,
                                                          AddrManOptions options);

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  struct Table {
    uint32_t bucket_count = 0;
    uint32_t bucket_size = 0;
    std::vector<uint32_t> slots;  // entry ids, kEmpty if free; bucket-major
    std::vector<uint32_t> fill;   // occupied slots per bucket
    uint32_t nonempty_buckets = 0;
    size_t count = 0;

    void Init(uint32_t buckets, uint32_t size);
    uint32_t& At(uint32_t bucket, uint32_t slot) {
      return slots[size_t{bucket} * bucket_size + slot];
    }
    void Put(uint32_t bucket, uint32_t slot, uint32_t id);
    void Erase(uint32_t bucket, uint32_t slot);
  };

  struct Position {
    uint32_t bucket;
    uint32_t slot;
  };

  // Pure functions of the key and the geometry: no lock needed.
  Position NewPosition(const NetAddress& addr, const NetAddress& source) const;
  Position TriedPosition(const NetAddress& addr) const;
  // The bucketing tags (docs/PROTOCOL.md "Address book"), indices into keyed_tags_.
  enum KeyedTag { kNewSourceBucket, kNewBucket, kTriedGroupBucket, kTriedBucket, kSlot };
  static constexpr size_t kKeyedTagCount = 5;
  Position PlaceIn(uint8_t table, const NetAddress& addr, chain::ByteSpan first, KeyedTag first_tag,
                   uint32_t per_group, chain::ByteSpan group, KeyedTag bucket_tag,
                   uint32_t buckets) const;

  // REQUIRES: mu_ held.
  uint32_t NewId();
  // Forgets an entry entirely.
  void Delete(uint32_t id);
  // Inserts a new entry into the new table at its position; false if the slot is taken.
  bool PlaceNew(uint32_t id);
  // Moves an entry that is in new to tried, evicting a tried occupant to new.
  void MakeTried(uint32_t id);
  uint64_t RandBelow(uint64_t n);
  // Every entry id, ordered by address.
  std::vector<uint32_t> IdsByAddress() const;
  // Stores info (not yet in the book) under a new id, in no table yet; returns the id.
  uint32_t Insert(const AddrInfo& info);
  // Removes the entry from the indexes and entries_ (not from its table).
  void Forget(uint32_t id);
  AddrInfo* Lookup(const NetAddress& addr);

  // Fixed after construction.
  AddrManOptions options_;  // clamped; key unset
  chain::Hash256 key_;
  // Per KeyedTag: a hasher primed with the tag prefix and key_.
  std::array<chain::Sha256, kKeyedTagCount> keyed_tags_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::unordered_map<uint32_t, AddrInfo> entries_;
  // Every entry by address: keyed with key_, so a peer cannot aim its addresses at one hash
  // bucket; info points into entries_ (whose elements do not move).
  struct IdRef {
    uint32_t id;
    AddrInfo* info;
  };
  std::unordered_map<NetAddress, IdRef, KeyedAddressHasher> ids_;
  // The same (address, id) pairs, sorted by address: what is read in address order.
  std::vector<std::pair<NetAddress, uint32_t>> by_address_;
  Table new_;
  Table tried_;
  uint32_t next_id_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace waybill::p2p
