// StateCache::WriteTo and ApplyUndo, apart from the rest of state_cache.cpp: they are the
// overlay's only uses of StoreBatch (LevelDB), so a program that replays operations on an
// overlay without a store (the `waybill` program's proof verifier,
// node/cli/check_links.cmake) links no LevelDB.
#include "chain/state_cache.h"

namespace waybill::chain {
namespace {

// The asset record under an 's' key in state, or none; a record that does not decode is
// Corruption.
Result<std::optional<Asset>> StoredAsset(const KvReader& state, const std::string& key) {
  Bytes value;
  Status s = state.Get(key, &value);
  if (s.IsNotFound()) return std::optional<Asset>();
  if (!s.ok()) return s;
  auto asset = DecodeAsset(value);
  if (!asset.ok()) {
    return Status::Corruption(
        "state key " +
        HexEncode(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size())) + ": " +
        asset.status().reason());
  }
  return std::optional<Asset>(std::move(asset).value());
}

}  // namespace

void StateCache::WriteTo(StoreBatch* batch) const {
  for (const auto& [key, value] : changes_) {
    if (value) {
      batch->Put(key, *value);
    } else {
      batch->Delete(key);
    }
  }
}

Status ApplyUndo(const KvReader& state, const UndoRecord& undo, StoreBatch* batch) {
  for (const auto& e : undo.entries) {
    if (e.key.size() != 1 + Hash256::kSize || e.key.front() != keys::kAsset) continue;
    auto current = StoredAsset(state, e.key);
    if (!current.ok()) return current.status();
    std::optional<Asset> restored;
    if (e.previous) {
      auto decoded = DecodeAsset(*e.previous);
      if (!decoded.ok()) {
        return Status::Corruption("undo entry of an asset: " + decoded.status().reason());
      }
      restored = std::move(decoded).value();
    }
    for (const auto& [key, present] : AssetIndexChanges(current->has_value() ? &**current : nullptr,
                                                        restored ? &*restored : nullptr)) {
      if (present) {
        batch->Put(key, ByteSpan());
      } else {
        batch->Delete(key);
      }
    }
  }
  // After the derived index keys, so that a version-3 record's own index entries (the same
  // keys, the same values) are what the batch ends with.
  for (const auto& e : undo.entries) {
    if (e.previous) {
      batch->Put(e.key, *e.previous);
    } else {
      batch->Delete(e.key);
    }
  }
  return Status::Ok();
}

}  // namespace waybill::chain
