// A write overlay over a KvReader: the state transition reads and writes through it, and the
// overlay yields the writes for the WriteBatch and the undo data (each changed key's previous
// value). Overlays nest: a tx applies on a child overlay that is merged into the block's only
// when the whole tx succeeds, so a failing tx leaves nothing behind.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "chain/state.h"
#include "chain/store.h"

namespace waybill::chain {

// The undo data of one block: every state key it changed, with the value it had before
// (nullopt: the key did not exist). Disconnecting restores these.
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

// Not thread-safe; one owner at a time. The base must outlive the overlay and must not change
// while the overlay is in use.
class StateCache : public KvReader {
 public:
  explicit StateCache(const KvReader* base) : base_(base) {}

  Status Get(std::string_view key, Bytes* value) const override;
  void Put(const std::string& key, Bytes value);
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
  // entries that the previous one lacked (committed entries are not indexed). An error reading
  // the previous record is returned and nothing is written.
  [[nodiscard]] Status PutAsset(const Asset& asset);
  void PutEvent(const AssetEvent& event);
  Result<std::optional<Party>> GetParty(const AccountId& account) const;
  void PutParty(const AccountId& account, const Party& party);
  void PutPartyEvent(const AccountId& account, const PartyEvent& event);
  Result<std::optional<Endorsement>> GetEndorsement(const AccountId& account,
                                                    std::string_view role,
                                                    const AccountId& registrar) const;
  // nullopt deletes the endorsement (a revocation).
  void PutEndorsement(const AccountId& account, std::string_view role,
                      const AccountId& registrar, const std::optional<Endorsement>& e);
  void PutTxLocation(const Hash256& txid, const TxLocation& location);

  // Pending writes: key -> new value, nullopt = delete.
  const std::map<std::string, std::optional<Bytes>, std::less<>>& changes() const {
    return changes_;
  }
  bool empty() const { return changes_.empty(); }
  // Moves this overlay's writes into parent, and what it read of keys the parent has not
  // changed (so the parent's undo data need not read them). REQUIRES: parent is this
  // overlay's base.
  void MergeInto(StateCache* parent) &&;
  // Adds the writes to batch.
  void WriteTo(StoreBatch* batch) const;
  // The undo data: each changed key with its value in the base.
  Result<UndoRecord> MakeUndo() const;

 private:
  // Put (value) or Delete (nullopt) of a key whose value in this overlay's view before the
  // write the caller knows from an invariant (an index key of a record it read): `known`. If
  // the overlay has neither read nor written the key, that is the key's value in the base, and
  // it is kept as if read, so MakeUndo does not read the base for it.
  void PutKnown(const std::string& key, std::optional<Bytes> value, std::optional<Bytes> known);
  // The metadata index's part of PutAsset.
  void UpdateMetadataIndex(const Hash256& asset, const std::vector<MetadataEntry>& before,
                           const std::vector<MetadataEntry>& after);

  const KvReader* base_;
  std::map<std::string, std::optional<Bytes>, std::less<>> changes_;
  // What Get read from the base (nullopt: absent), or what PutKnown and a child's MergeInto
  // tell of it, so that a key is read from the base once:
  // a later Get, and MakeUndo for a key that was read before it was written, use this. The
  // base does not change while the overlay is in use, so it cannot go stale. Bounded like
  // changes_: by the keys one block (or one tx) touches.
  mutable std::map<std::string, std::optional<Bytes>, std::less<>> base_reads_;
};

}  // namespace waybill::chain
