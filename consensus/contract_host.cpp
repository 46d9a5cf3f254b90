#include "consensus/contract_host.h"

#include <string>
#include <utility>

#include "consensus/contract_effect.h"

namespace waybill::consensus {

using chain::AccountId;
using chain::Asset;
using chain::Bytes;
using chain::ByteSpan;
using chain::Hash256;
using chain::Result;
using chain::Status;

namespace {

// A rule's verdict as the host reports it: a refusal is Invalid with the reason's text and
// detail (the VM's effect-refused detail), a store fault a local error.
Status ToHostStatus(const ValidationResult& r) {
  if (r.valid()) return Status::Ok();
  if (r.error()) return Status::IoError(r.detail());
  return Status::Invalid(r.ToString());
}

std::string_view AsText(ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

ContractHost::ContractHost(const OpContext& c, const AccountId& contract)
    : c_(c), contract_(contract) {}

Result<Bytes> ContractHost::StorageGet(ByteSpan key) {
  Bytes value;
  Status s = c_.state->Get(chain::keys::ContractStorage(contract_, key), &value);
  if (s.IsNotFound()) return Bytes{};
  if (!s.ok()) return s;
  return value;
}

Status ContractHost::StoragePut(ByteSpan key, ByteSpan value) {
  const std::string k = chain::keys::ContractStorage(contract_, key);
  if (value.empty()) {
    c_.state->Delete(k);
  } else {
    c_.state->Put(k, Bytes(value.begin(), value.end()));
  }
  return Status::Ok();
}

Result<uint64_t> ContractHost::Balance() {
  auto account = c_.state->GetAccount(contract_);
  if (!account.ok()) return account.status();
  return account->balance;
}

Result<Asset> ContractHost::ReadExisting(const Hash256& asset) const {
  auto a = c_.state->GetAsset(asset);
  if (!a.ok()) return a.status();
  if (!a->has_value()) return Status::NotFound(asset.ToHex());
  return std::move(**a);
}

Result<contracts::AssetFacts> ContractHost::GetAsset(const Hash256& asset) {
  auto a = ReadExisting(asset);
  if (!a.ok()) return a.status();
  contracts::AssetFacts facts;
  facts.custodian = a->custodian;
  facts.quantity = a->quantity;
  facts.unit = a->unit;
  facts.status = static_cast<uint8_t>(a->status);
  return facts;
}

Result<std::optional<Bytes>> ContractHost::Metadata(const Hash256& asset, ByteSpan key) {
  auto a = ReadExisting(asset);
  if (!a.ok()) return a.status();
  for (const chain::MetadataEntry& e : a->metadata) {
    // Committed entries hold no value to read: only the published ones answer.
    if (e.kind == chain::MetaKind::kPublished && e.key == AsText(key)) {
      return std::optional<Bytes>(Bytes(e.value.begin(), e.value.end()));
    }
  }
  return std::optional<Bytes>();
}

Result<std::optional<Bytes>> ContractHost::Attestation(const Hash256& asset, ByteSpan claim,
                                                       const AccountId& attester) {
  auto a = ReadExisting(asset);
  if (!a.ok()) return a.status();
  // No claim longer than asset.attest allows was ever indexed.
  if (claim.size() > chain::kMaxClaimLen) return std::optional<Bytes>();
  Bytes index;
  Status s = c_.state->Get(chain::keys::Attestation(asset, AsText(claim), attester), &index);
  if (s.IsNotFound()) return std::optional<Bytes>();
  if (!s.ok()) return s;
  auto sequence = chain::DecodeSequence(index);
  if (!sequence.ok()) return Status::Corruption("attestation index: " + sequence.status().reason());
  Bytes event_bytes;
  s = c_.state->Get(chain::keys::Event(asset, *sequence), &event_bytes);
  if (!s.ok()) {
    return s.IsNotFound() ? Status::Corruption("attestation index names a missing event") : s;
  }
  auto event = chain::DecodeAssetEvent(event_bytes);
  if (!event.ok()) return Status::Corruption("asset event: " + event.status().reason());
  return std::optional<Bytes>(Bytes(event->value.begin(), event->value.end()));
}

Status ContractHost::Apply(chain::ContractEffect effect) {
  if (Status s = ToHostStatus(ApplyContractEffect(c_, contract_, effect)); !s.ok()) return s;
  effects_.push_back(std::move(effect));
  return Status::Ok();
}

Status ContractHost::SendCoins(const AccountId& to, uint64_t amount) {
  chain::ContractEffect e;
  e.kind = chain::ContractEffectKind::kCoins;
  e.to = to;
  e.amount = amount;
  return Apply(std::move(e));
}

Status ContractHost::SendAsset(const AccountId& to, const Hash256& asset) {
  chain::ContractEffect e;
  e.kind = chain::ContractEffectKind::kAsset;
  e.to = to;
  e.asset = asset;
  return Apply(std::move(e));
}

// The new ids come from the contract's nonce before the rules run: a refused effect fails the
// run, whose overlay (with the nonce) is dropped.
Result<std::vector<Hash256>> ContractHost::NextAssetIds(uint32_t n) {
  auto account = c_.state->GetAccount(contract_);
  if (!account.ok()) return account.status();
  std::vector<Hash256> ids;
  for (uint32_t i = 0; i < n; ++i) {
    ids.push_back(chain::AssetIdFor(c_.params.chain_id(), contract_, account->nonce, i));
  }
  account->nonce += 1;
  c_.state->PutAccount(contract_, *account);
  return ids;
}

Result<std::vector<Hash256>> ContractHost::ApplyCreating(chain::ContractEffect effect,
                                                         uint32_t n) {
  auto ids = NextAssetIds(n);
  if (!ids.ok()) return ids.status();
  effect.created = *ids;
  if (Status s = Apply(std::move(effect)); !s.ok()) return s;
  return ids;
}

Result<std::array<Hash256, 2>> ContractHost::Split(const Hash256& asset, uint64_t first) {
  chain::ContractEffect e;
  e.kind = chain::ContractEffectKind::kSplit;
  e.asset = asset;
  e.amount = first;
  auto ids = ApplyCreating(std::move(e), 2);
  if (!ids.ok()) return ids.status();
  return std::array<Hash256, 2>{(*ids)[0], (*ids)[1]};
}

Result<Hash256> ContractHost::Merge(const Hash256& a, const Hash256& b) {
  chain::ContractEffect e;
  e.kind = chain::ContractEffectKind::kMerge;
  e.asset = a;
  e.with = b;
  auto ids = ApplyCreating(std::move(e), 1);
  if (!ids.ok()) return ids.status();
  return ids->front();
}

}  // namespace waybill::consensus
