#include "consensus/op_context.h"

#include <utility>

namespace waybill::consensus {

using chain::Asset;
using chain::AssetEvent;
using chain::AssetStatus;
using chain::Hash256;

ValidationResult StoreError(const chain::Status& s) {
  return ValidationResult::Error(s.ToString());
}

ValidationResult ReadAsset(const chain::StateCache& state, const Hash256& id,
                           std::optional<Asset>* out) {
  auto r = state.GetAsset(id);
  if (!r.ok()) return StoreError(r.status());
  *out = std::move(r).value();
  return ValidationResult::Valid();
}

ValidationResult LoadOwnedAsset(const chain::StateCache& state, const Hash256& id,
                                const chain::AccountId& sender, Asset* out) {
  std::optional<Asset> asset;
  if (auto r = ReadAsset(state, id, &asset); !r.valid()) return r;
  if (!asset) return ValidationResult::Invalid(Reason::kUnknownAsset, id.ToHex());
  if (asset->status != AssetStatus::kOpen) {
    return ValidationResult::Invalid(Reason::kAssetClosed,
                                     id.ToHex() + " is " + chain::AssetStatusName(asset->status));
  }
  if (asset->custodian != sender) {
    return ValidationResult::Invalid(Reason::kNotCustodian,
                                     id.ToHex() + " is held by " + asset->custodian.ToHex());
  }
  *out = std::move(*asset);
  return ValidationResult::Valid();
}

ValidationResult CheckNewAssetId(const chain::StateCache& state, const Hash256& id) {
  std::optional<Asset> existing;
  if (auto r = ReadAsset(state, id, &existing); !r.valid()) return r;
  if (existing) return ValidationResult::Invalid(Reason::kAssetExists, id.ToHex());
  return ValidationResult::Valid();
}

std::vector<Hash256> OpContext::NewAssetIds() const {
  return contract != nullptr ? contract->new_ids : chain::NewAssetIds(tx.tx);
}

Asset OpContext::NewAsset(const Hash256& id, chain::Quantity quantity, std::string unit,
                          std::vector<chain::MetadataEntry> metadata,
                          std::vector<Hash256> documents) const {
  Asset a;
  a.id = id;
  a.issuer = actor();
  a.custodian = actor();
  a.quantity = quantity;
  a.unit = std::move(unit);
  a.metadata = std::move(metadata);
  a.documents = std::move(documents);
  a.status = AssetStatus::kOpen;
  a.created_height = block.height;
  a.created_tx = tx.id;
  return a;
}

ValidationResult OpContext::Record(Asset* asset, AssetEvent ev) const {
  ev.id = contract != nullptr ? chain::ContractEventId(tx.id, asset->id, asset->event_count)
                              : chain::AssetEventId(tx.id, asset->id);
  ev.asset = asset->id;
  ev.sequence = asset->event_count;
  ev.prev_event = asset->last_event;  // zero for a new asset's creating event
  ev.txid = tx.id;
  ev.height = block.height;
  ev.time = block.time;
  ev.actor = actor();
  asset->last_event = ev.id;
  asset->event_count += 1;
  state->PutEvent(ev);
  if (chain::Status s = state->PutAsset(*asset); !s.ok()) return StoreError(s);
  return ValidationResult::Valid();
}

AssetEvent OpContext::Event(chain::EventType type, std::vector<Hash256> related) {
  AssetEvent ev;
  ev.type = type;
  ev.related = std::move(related);
  return ev;
}

}  // namespace waybill::consensus
