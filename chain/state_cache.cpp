// Undo record encoding (docs/PROTOCOL.md "Storage"):
//   field           type                  bytes
//   count           CompactSize           1..9    at most (remaining bytes) / 2
//   count x entry:
//     key           VarBytes(1024)        1..3 + len
//     present       u8                    1       0 = the key did not exist, 1 = it did
//     value         VarBytes(16 MiB)      1..5 + len, only when present = 1
#include "chain/state_cache.h"

#include <algorithm>
#include <cassert>

#include "chain/serialize.h"

namespace waybill::chain {
namespace {

constexpr size_t kMaxUndoKeyLen = 1024;
constexpr size_t kMaxUndoValueLen = 16 << 20;
// The smallest entry: a key length byte and the presence byte.
constexpr size_t kMinUndoEntrySize = 2;

ByteSpan AsBytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Stored state that does not decode is this node's fault, not bad input.
Status StoredRecordStatus(const Status& s, std::string_view key) {
  return Status::Corruption("state key " + HexEncode(AsBytes(key)) + ": " + s.reason());
}

}  // namespace

Bytes EncodeUndo(const UndoRecord& undo) {
  Writer w;
  w.CompactSize(undo.entries.size());
  for (const auto& e : undo.entries) {
    w.String(e.key);
    w.U8(e.previous ? 1 : 0);
    if (e.previous) w.VarBytes(*e.previous);
  }
  return w.Take();
}

Result<UndoRecord> DecodeUndo(ByteSpan data) {
  Reader r(data);
  UndoRecord undo;
  uint64_t n = 0;
  // No reserve: n is bounded by the input, but an entry in memory is far larger than its
  // smallest encoding, so the vector grows only as entries actually decode.
  if (r.CompactSize(&n, r.remaining() / kMinUndoEntrySize)) {
    for (uint64_t i = 0; i < n; ++i) {
      UndoRecord::Entry e;
      uint8_t present;
      if (!r.String(&e.key, kMaxUndoKeyLen) || !r.U8(&present)) break;
      if (present > 1) {
        r.Fail("invalid presence flag " + std::to_string(present));
        break;
      }
      if (present) {
        e.previous.emplace();
        if (!r.VarBytes(&*e.previous, kMaxUndoValueLen)) break;
      }
      undo.entries.push_back(std::move(e));
    }
  }
  if (Status s = r.Finish("undo"); !s.ok()) return s;
  return undo;
}

Status StateCache::Get(std::string_view key, Bytes* value) const {
  auto it = changes_.find(key);
  if (it == changes_.end()) {
    if (parent_) return parent_->Get(key, value);
    it = base_reads_.find(key);
    if (it == base_reads_.end()) {
      Status s = base_->Get(key, value);
      if (s.ok()) {
        base_reads_.emplace(std::string(key), *value);
      } else if (s.IsNotFound()) {
        base_reads_.emplace(std::string(key), std::nullopt);
      }
      return s;
    }
  }
  if (!it->second) return Status::NotFound("no value");
  *value = *it->second;
  return Status::Ok();
}

void StateCache::Put(const std::string& key, Bytes value) {
  changes_.insert_or_assign(key, std::move(value));
}

void StateCache::PutNew(const std::string& key, Bytes value) {
  changes_.insert_or_assign(key, std::move(value));
  base_reads_.try_emplace(key, std::nullopt);
}

void StateCache::Delete(const std::string& key) { changes_.insert_or_assign(key, std::nullopt); }

Result<Account> StateCache::GetAccount(const AccountId& id) const {
  const std::string key = keys::Account(id);
  Bytes value;
  Status s = Get(key, &value);
  if (s.IsNotFound()) return Account{};
  if (!s.ok()) return s;
  auto account = DecodeAccount(value);
  if (!account.ok()) return StoredRecordStatus(account.status(), key);
  return account;
}

void StateCache::PutAccount(const AccountId& id, const Account& account) {
  if (account == Account{}) {
    Delete(keys::Account(id));
  } else {
    Put(keys::Account(id), EncodeAccount(account));
  }
}

Result<std::optional<Asset>> StateCache::GetAsset(const Hash256& id) const {
  const std::string key = keys::Asset(id);
  Bytes value;
  Status s = Get(key, &value);
  if (s.IsNotFound()) return std::optional<Asset>();
  if (!s.ok()) return s;
  auto asset = DecodeAsset(value);
  if (!asset.ok()) return StoredRecordStatus(asset.status(), key);
  return std::optional<Asset>(std::move(asset).value());
}

Status StateCache::PutAsset(const Asset& asset) {
  auto previous = GetAsset(asset.id);
  if (!previous.ok()) return previous.status();
  for (auto& [key, present] :
       AssetIndexChanges(previous->has_value() ? &**previous : nullptr, &asset)) {
    if (present) {
      Put(key, Bytes());
    } else {
      Delete(key);
    }
  }
  Put(keys::Asset(asset.id), EncodeAsset(asset));
  return Status::Ok();
}

std::vector<std::pair<std::string, bool>> AssetIndexChanges(const Asset* before,
                                                            const Asset* after) {
  std::vector<std::pair<std::string, bool>> out;
  const bool was_open = before && before->status == AssetStatus::kOpen;
  const bool is_open = after && after->status == AssetStatus::kOpen;
  if (was_open && (!is_open || before->custodian != after->custodian)) {
    out.emplace_back(keys::Custody(before->custodian, before->id), false);
  }
  if (is_open && (!was_open || before->custodian != after->custodian)) {
    out.emplace_back(keys::Custody(after->custodian, after->id), true);
  }
  auto published_in = [](const Asset* record, const MetadataEntry& e) {
    return record && std::any_of(record->metadata.begin(), record->metadata.end(),
                                 [&](const MetadataEntry& other) {
                                   return other.kind == MetaKind::kPublished &&
                                          other.key == e.key && other.value == e.value;
                                 });
  };
  // Entries number at most kMaxMetadataEntries, so the quadratic checks stay small.
  if (before) {
    for (const MetadataEntry& e : before->metadata) {
      if (e.kind == MetaKind::kPublished && !published_in(after, e)) {
        out.emplace_back(keys::Metadata(e.key, e.value, before->id), false);
      }
    }
  }
  if (after) {
    for (const MetadataEntry& e : after->metadata) {
      if (e.kind == MetaKind::kPublished && !published_in(before, e)) {
        out.emplace_back(keys::Metadata(e.key, e.value, after->id), true);
      }
    }
  }
  return out;
}

namespace {

// Reads and decodes an optional record; a stored record that does not decode is Corruption.
template <typename Record, typename Decode>
Result<std::optional<Record>> GetRecord(const StateCache& cache, const std::string& key,
                                        Decode decode) {
  Bytes value;
  Status s = cache.Get(key, &value);
  if (s.IsNotFound()) return std::optional<Record>();
  if (!s.ok()) return s;
  auto record = decode(value);
  if (!record.ok()) return StoredRecordStatus(record.status(), key);
  return std::optional<Record>(std::move(record).value());
}

}  // namespace

Result<std::optional<Party>> StateCache::GetParty(const AccountId& account) const {
  return GetRecord<Party>(*this, keys::Party(account), DecodeParty);
}

void StateCache::PutParty(const AccountId& account, const Party& party) {
  Put(keys::Party(account), EncodeParty(party));
}

void StateCache::PutPartyEvent(const AccountId& account, const PartyEvent& event) {
  PutNew(keys::PartyEvent(account, event.sequence), EncodePartyEvent(event));
}

Result<std::optional<Endorsement>> StateCache::GetEndorsement(const AccountId& account,
                                                              std::string_view role,
                                                              const AccountId& registrar) const {
  return GetRecord<Endorsement>(*this, keys::Endorsement(account, role, registrar),
                                DecodeEndorsement);
}

void StateCache::PutEndorsement(const AccountId& account, std::string_view role,
                                const AccountId& registrar, const std::optional<Endorsement>& e) {
  const std::string key = keys::Endorsement(account, role, registrar);
  if (e) {
    Put(key, EncodeEndorsement(*e));
  } else {
    Delete(key);
  }
}

void StateCache::PutEvent(const AssetEvent& event) {
  PutNew(keys::Event(event.asset, event.sequence), EncodeAssetEvent(event));
}

void StateCache::PutTxLocation(const Hash256& txid, const TxLocation& location) {
  PutNew(keys::TxIndex(txid), EncodeTxLocation(location));
}

void StateCache::MergeInto(StateCache* parent) && {
  assert(parent == base_);
  // What this overlay knows of the parent's view of a key the parent has not changed is the
  // parent's base value too (the parent did not change while this overlay was in use): the
  // parent's undo data need not read it again. The parent keeps what it read itself. (A
  // child overlay (parent_) read through the parent, which kept what it read: what it has to
  // move is what PutNew knows absent.) The map nodes move, key and value, without a copy.
  while (!base_reads_.empty()) {
    auto node = base_reads_.extract(base_reads_.begin());
    if (!parent->changes_.contains(node.key())) parent->base_reads_.insert(std::move(node));
  }
  while (!changes_.empty()) {
    auto node = changes_.extract(changes_.begin());
    auto [it, inserted, rest] = parent->changes_.insert(std::move(node));
    if (!inserted) it->second = std::move(rest.mapped());
  }
}

std::vector<const StateCache::Changes::value_type*> StateCache::UndoKeys() const {
  // Sorted by the first 8 bytes as a big-endian integer, then by the whole key: the same
  // order as comparing the keys, but most comparisons end at the integer (keys share their
  // kind byte, and then differ within the id that follows).
  struct Sortable {
    uint64_t head;
    const Changes::value_type* change;
  };
  std::vector<Sortable> sortable;
  sortable.reserve(changes_.size());
  for (const auto& change : changes_) {
    if (keys::IsIndexKey(change.first)) continue;
    uint64_t head = 0;
    for (size_t i = 0; i < 8; ++i) {
      const uint8_t byte = i < change.first.size() ? static_cast<uint8_t>(change.first[i]) : 0;
      head = head << 8 | byte;
    }
    sortable.push_back({head, &change});
  }
  std::sort(sortable.begin(), sortable.end(), [](const Sortable& a, const Sortable& b) {
    if (a.head != b.head) return a.head < b.head;
    return a.change->first < b.change->first;
  });
  std::vector<const Changes::value_type*> keys;
  keys.reserve(sortable.size());
  for (const Sortable& s : sortable) keys.push_back(s.change);
  return keys;
}

template <typename Fn>
Status StateCache::ForEachUndoEntry(const std::vector<const Changes::value_type*>& keys,
                                    Fn&& fn) const {
  Bytes read_now;
  for (const auto* change : keys) {
    const std::string& key = change->first;
    if (auto read = base_reads_.find(key); read != base_reads_.end()) {
#if defined(__SANITIZE_ADDRESS__)
      // PutNew's contract, checked where the sanitizer suite runs (the kinds PutNew writes).
      if (!read->second && std::string_view("ehklpt").find(key[0]) != std::string_view::npos &&
          !base_->Get(key, &read_now).IsNotFound()) {
        return Status::Internal("state key " + HexEncode(AsBytes(key)) + " is not new");
      }
#endif
      fn(key, read->second ? &*read->second : nullptr);
      continue;
    }
    Status s = base_->Get(key, &read_now);
    if (!s.ok() && !s.IsNotFound()) return s;
    fn(key, s.ok() ? &read_now : nullptr);
  }
  return Status::Ok();
}

Result<UndoRecord> StateCache::MakeUndo() const {
  UndoRecord undo;
  const auto keys = UndoKeys();
  undo.entries.reserve(keys.size());
  Status s = ForEachUndoEntry(keys, [&](const std::string& key, const Bytes* previous) {
    undo.entries.push_back({key, previous ? std::optional<Bytes>(*previous) : std::nullopt});
  });
  if (!s.ok()) return s;
  return undo;
}

// The same bytes as EncodeUndo(MakeUndo()).
Status StateCache::EncodeUndoTo(Bytes* out) const {
  const auto keys = UndoKeys();
  out->clear();
  Writer w(out);
  w.CompactSize(keys.size());
  return ForEachUndoEntry(keys, [&](const std::string& key, const Bytes* previous) {
    w.String(key);
    w.U8(previous ? 1 : 0);
    if (previous) w.VarBytes(*previous);
  });
}

}  // namespace waybill::chain
