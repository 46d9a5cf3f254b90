// A write overlay over a KvReader: the state transition reads and writes through it, and the
// overlay yields the writes for the WriteBatch and the undo data (each changed key's previous
// value). Overlays nest: a tx applies on a child overlay that is merged into the block's only
// when the whole tx succeeds, so a failing tx leaves nothing behind.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/state.h"
#include "chain/store.h"

namespace waybill::chain {

// The undo data of one block: every state key it changed, with the value it had before
// (nullopt: the key did not exist), except the index keys (keys::IsIndexKey): those follow
// from the asset records ('s' keys) the record restores, and ApplyUndo derives them.
// Disconnecting restores these.
struct UndoRecord {
  struct Entry {
    std::string key;
    std::optional<Bytes> previous;
    bool operator==(const Entry&) const = default;
  };
  std::vector<Entry> entries;
  bool operator==(const UndoRecord&) const = default;
};
Bytes EncodeUndo(const UndoRecord& undo);
Result<UndoRecord> DecodeUndo(ByteSpan data);

// The index keys (keys::Custody, keys::Metadata) that change when an asset's record goes from
// `before` to `after` (nullptr: no record), in the order they are to be written: (key, true)
// for a key to write (with an empty value), (key, false) for one to delete.
// REQUIRES: both records, when given, have the same id.
std::vector<std::pair<std::string, bool>> AssetIndexChanges(const Asset* before,
                                                            const Asset* after);

// Adds to batch what disconnects the block whose undo record this is, on `state` (the state
// with that block connected): each entry's previous value (or its deletion), and for each
// asset record the entries restore, the index keys that follow from going back from its record
// in state to the restored one (AssetIndexChanges). An undo record that also holds index keys
// (database version 3) restores the same keys to the same values. A stored asset record that
// does not decode is Corruption; a read error is returned; on error the batch is incomplete
// and must not be written.
[[nodiscard]] Status ApplyUndo(const KvReader& state, const UndoRecord& undo, StoreBatch* batch);

// Not thread-safe; one owner at a time. The base must outlive the overlay and must not change
// while the overlay is in use.
class StateCache : public KvReader {
 public:
  // Hashed, not ordered: a block's overlay holds tens of thousands of keys that share long
  // prefixes (a kind byte and a 32-byte id), and every read of a call looks through three
  // overlays, so an ordered map's O(log n) prefix comparisons per lookup (memcmp) led the
  // profile of a block of contract calls; hashing cut the connecting thread's instructions
  // by 8 % (docs/BENCHMARKS.md, bench_contracts). Only the undo data needs key order; it
  // sorts once.
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
  };
  using Changes = std::unordered_map<std::string, std::optional<Bytes>, KeyHash, std::equal_to<>>;

  explicit StateCache(const KvReader* base) : base_(base) {}
  // A child overlay (a tx's, a call's): reads go to the parent, which keeps what it read of
  // its own base, so the child keeps no copy of its own (base_reads_ stays empty).
  explicit StateCache(const StateCache* parent) : base_(parent), parent_(parent) {}

  Status Get(std::string_view key, Bytes* value) const override;
  void Put(const std::string& key, Bytes value);
  // Put for a key that cannot exist in the base: a record keyed by a txid (a txid is confirmed
  // at most once: its sender's nonce) or by a sequence number past the last one its counter
  // gave. The undo data records its absence without reading it from the base. REQUIRES: the
  // key is absent in the base (a sanitizer build checks it when it makes the undo data: a key
  // found there is an Internal error, never a wrong undo record).
  void PutNew(const std::string& key, Bytes value);
  void Delete(const std::string& key);

  // An absent account reads as the zero account.
  Result<Account> GetAccount(const AccountId& id) const;
  // Writing the zero account deletes the key, so state holds no empty accounts.
  void PutAccount(const AccountId& id, const Account& account);
  Result<std::optional<Asset>> GetAsset(const Hash256& id) const;
  // Writes the asset and keeps the custody index (keys::Custody) and the metadata index
  // (keys::Metadata) right: it reads the asset's previous record, deletes the old custodian's
  // key when the asset was open and is now closed or held by another account, and writes the
  // new custodian's key when it is open; it deletes the metadata keys of the previous record's
  // published entries that the new record lacks and writes those of the new record's published
  // entries that the previous one lacked (committed entries are not indexed):
  // AssetIndexChanges. An error reading the previous record is returned and nothing is
  // written.
  [[nodiscard]] Status PutAsset(const Asset& asset);
  // PutNew: an event's sequence is its asset's event_count before it.
  void PutEvent(const AssetEvent& event);
  Result<std::optional<Party>> GetParty(const AccountId& account) const;
  void PutParty(const AccountId& account, const Party& party);
  // PutNew: an event's sequence is its party's history_count before it.
  void PutPartyEvent(const AccountId& account, const PartyEvent& event);
  Result<std::optional<Endorsement>> GetEndorsement(const AccountId& account, std::string_view role,
                                                    const AccountId& registrar) const;
  // nullopt deletes the endorsement (a revocation).
  void PutEndorsement(const AccountId& account, std::string_view role, const AccountId& registrar,
                      const std::optional<Endorsement>& e);
  // PutNew: a txid is confirmed at most once.
  void PutTxLocation(const Hash256& txid, const TxLocation& location);

  // Pending writes: key -> new value, nullopt = delete. In no particular order.
  const Changes& changes() const { return changes_; }
  bool empty() const { return changes_.empty(); }
  // Moves this overlay's writes into parent, and what it read of keys the parent has not
  // changed (so the parent's undo data need not read them). REQUIRES: parent is this
  // overlay's base.
  void MergeInto(StateCache* parent) &&;
  // Adds the writes to batch.
  void WriteTo(StoreBatch* batch) const;
  // The undo data: each changed key with its value in the base, in key order, except the
  // index keys (UndoRecord): their previous values are neither read nor recorded.
  Result<UndoRecord> MakeUndo() const;
  // EncodeUndo(MakeUndo()) into *out (cleared first, its capacity kept: a buffer reused from
  // block to block grows once), without building the record: each previous value is copied
  // once, into *out. On error *out is incomplete.
  [[nodiscard]] Status EncodeUndoTo(Bytes* out) const;

 private:
  // The changed keys but the index keys, in key order: the undo data's keys.
  std::vector<const Changes::value_type*> UndoKeys() const;
  // Calls fn(key, previous) for each of keys with the key's value in the base (previous;
  // null: absent): the undo data's entries.
  template <typename Fn>
  Status ForEachUndoEntry(const std::vector<const Changes::value_type*>& keys, Fn&& fn) const;

  const KvReader* base_;
  const StateCache* parent_ = nullptr;  // base_ when it is an overlay
  Changes changes_;
  // What Get read from the base (nullopt: absent), what PutNew knows to be absent, or what a
  // child's MergeInto tells of either, so that a key is read from the base at most once:
  // a later Get, and MakeUndo for a key that was read (or PutNew) before it was written, use
  // this. The base does not change while the overlay is in use, so it cannot go stale. Bounded
  // like changes_: by the keys one block (or one tx) touches. In a child overlay (parent_):
  // only the keys PutNew wrote (its reads are kept by the parent).
  mutable Changes base_reads_;
};

}  // namespace waybill::chain
