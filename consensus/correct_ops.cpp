// The state rule of asset.correct (docs/PROTOCOL.md §9.2).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "consensus/op_context.h"

namespace waybill::consensus {
namespace {

using chain::Asset;
using chain::Hash256;
using chain::MetadataChange;
using chain::MetadataEntry;

// `corrects` names the asset's creating event (whose id follows from the asset record: the
// creating tx and the asset id, §2) or one of its `correct` events, which the correction index
// (keys::Correction) holds; so the check reads at most one key, however long the history.
ValidationResult CheckCorrectable(const chain::StateCache& state, const Asset& asset,
                                  const Hash256& corrects) {
  if (corrects == chain::AssetEventId(asset.created_tx, asset.id)) {
    return ValidationResult::Valid();
  }
  chain::Bytes sequence;
  const chain::Status s = state.Get(chain::keys::Correction(asset.id, corrects), &sequence);
  if (s.ok()) return ValidationResult::Valid();
  if (!s.IsNotFound()) return StoreError(s);
  return ValidationResult::Invalid(Reason::kUnknownEvent,
                                   corrects.ToHex() + " is neither the creating event nor a "
                                                      "correction of " +
                                       asset.id.ToHex());
}

// The metadata with `set` applied (both in ascending key order, so is the result), and one
// change per entry of `set`.
std::vector<MetadataEntry> ApplySet(const std::vector<MetadataEntry>& metadata,
                                    const std::vector<MetadataEntry>& set,
                                    std::vector<MetadataChange>* changes) {
  std::vector<MetadataEntry> out;
  out.reserve(metadata.size() + set.size());
  size_t i = 0;
  for (const MetadataEntry& e : set) {
    while (i < metadata.size() && metadata[i].key < e.key) out.push_back(metadata[i++]);
    MetadataChange change{e.key, std::nullopt, e};
    if (i < metadata.size() && metadata[i].key == e.key) change.before = metadata[i++];
    changes->push_back(std::move(change));
    out.push_back(e);
  }
  while (i < metadata.size()) out.push_back(metadata[i++]);
  return out;
}

}  // namespace

ValidationResult ApplyOp(const OpContext& c, const chain::AssetCorrectOp& op) {
  std::optional<Asset> asset;
  if (auto r = ReadAsset(*c.state, op.asset, &asset); !r.valid()) return r;
  if (!asset) return ValidationResult::Invalid(Reason::kUnknownAsset, op.asset.ToHex());
  // Open or closed: a closed lot's label is still read by whoever traces its children.
  if (c.sender() != asset->custodian && c.sender() != asset->issuer) {
    return ValidationResult::Invalid(Reason::kNotCustodianOrIssuer,
                                     op.asset.ToHex() + " is held by " +
                                         asset->custodian.ToHex() + ", issued by " +
                                         asset->issuer.ToHex());
  }
  if (auto r = CheckCorrectable(*c.state, *asset, op.corrects); !r.valid()) return r;
  std::vector<MetadataChange> changes;
  std::vector<MetadataEntry> metadata = ApplySet(asset->metadata, op.set, &changes);
  if (metadata.size() > chain::kMaxMetadataEntries) {
    return ValidationResult::Invalid(Reason::kMetadataFull,
                                     "the corrected metadata would have " +
                                         std::to_string(metadata.size()) + " entries");
  }
  asset->metadata = std::move(metadata);
  chain::AssetEvent ev = OpContext::Event(chain::EventType::kCorrect, {op.corrects});
  ev.value = op.reason;
  ev.changes = std::move(changes);
  const Hash256 event_id = chain::AssetEventId(c.tx.id, asset->id);
  const uint32_t sequence = asset->event_count;
  if (auto r = c.Record(&*asset, std::move(ev)); !r.valid()) return r;
  c.state->Put(chain::keys::Correction(asset->id, event_id), chain::EncodeSequence(sequence));
  return ValidationResult::Valid();
}

}  // namespace waybill::consensus
