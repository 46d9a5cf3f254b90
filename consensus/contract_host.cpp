#include "consensus/contract_host.h"

#include <limits>
#include <string>
#include <utility>

#include "chain/amount.h"

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

Status Refuse(Reason reason, std::string detail) {
  return ToHostStatus(ValidationResult::Invalid(reason, std::move(detail)));
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

OpContext ContractHost::Acting(const ContractScope& scope) const {
  OpContext e = c_;
  e.contract = &scope;
  return e;
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

Status ContractHost::SendCoins(const AccountId& to, uint64_t amount) {
  // The rules of a coin transfer (tx_check's bad-amount), and no transfer to itself: it would
  // change nothing but add an effect.
  if (amount == 0) return Refuse(Reason::kBadAmount, "0 coins");
  if (to == contract_) return Refuse(Reason::kTransferToSelf, "coins to the contract itself");
  auto account = c_.state->GetAccount(contract_);
  if (!account.ok()) return account.status();
  const std::optional<chain::Amount> left = chain::CheckedSub(account->balance, amount);
  if (!left) {
    return Refuse(Reason::kInsufficientBalance, "balance " + std::to_string(account->balance) +
                                                    ", sending " + std::to_string(amount));
  }
  account->balance = *left;
  c_.state->PutAccount(contract_, *account);
  const ContractScope scope{&contract_, {}};
  if (Status s = ToHostStatus(ApplyOp(Acting(scope), chain::TransferOp{to, amount})); !s.ok()) {
    return s;
  }
  effects_.push_back({.kind = chain::ContractEffectKind::kCoins, .to = to, .amount = amount});
  return Status::Ok();
}

Status ContractHost::SendAsset(const AccountId& to, const Hash256& asset) {
  const ContractScope scope{&contract_, {}};
  if (Status s = ToHostStatus(ApplyOp(Acting(scope), chain::AssetTransferOp{asset, to})); !s.ok()) {
    return s;
  }
  effects_.push_back({.kind = chain::ContractEffectKind::kAsset, .to = to, .asset = asset});
  return Status::Ok();
}

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

Result<std::array<Hash256, 2>> ContractHost::Split(const Hash256& asset, uint64_t first) {
  Asset parent;
  if (Status s = ToHostStatus(LoadOwnedAsset(*c_.state, asset, contract_, &parent)); !s.ok()) {
    return s;
  }
  // asset.split's context-free rule: no part of quantity 0.
  if (first == 0 || first >= parent.quantity) {
    return Refuse(Reason::kBadSplit, "a first part of " + std::to_string(first) + " of " +
                                         std::to_string(parent.quantity));
  }
  auto ids = NextAssetIds(2);
  if (!ids.ok()) return ids.status();
  chain::AssetSplitOp op;
  op.asset = asset;
  op.children = {chain::SplitChild{first, {}}, chain::SplitChild{parent.quantity - first, {}}};
  const ContractScope scope{&contract_, *ids};
  if (Status s = ToHostStatus(ApplyOp(Acting(scope), op)); !s.ok()) return s;
  effects_.push_back({.kind = chain::ContractEffectKind::kSplit, .asset = asset, .created = *ids});
  return std::array<Hash256, 2>{(*ids)[0], (*ids)[1]};
}

Result<Hash256> ContractHost::Merge(const Hash256& a, const Hash256& b) {
  // asset.merge's context-free rule: distinct inputs.
  if (a == b) return Refuse(Reason::kBadMergeInputs, "an asset merged with itself");
  Asset first;
  Asset second;
  if (Status s = ToHostStatus(LoadOwnedAsset(*c_.state, a, contract_, &first)); !s.ok()) return s;
  if (Status s = ToHostStatus(LoadOwnedAsset(*c_.state, b, contract_, &second)); !s.ok()) {
    return s;
  }
  const std::optional<chain::Quantity> sum =
      chain::CheckedAdd(first.quantity, second.quantity, std::numeric_limits<uint64_t>::max());
  if (!sum) return Refuse(Reason::kMergeQuantityMismatch, "the inputs sum past 2^64 - 1");
  auto ids = NextAssetIds(1);
  if (!ids.ok()) return ids.status();
  // The output keeps the unit (a second input in another unit is merge-unit-mismatch) and
  // sums the quantity; it has no metadata or documents of its own.
  chain::AssetMergeOp op;
  op.inputs = {a, b};
  op.quantity = *sum;
  op.unit = first.unit;
  const ContractScope scope{&contract_, *ids};
  if (Status s = ToHostStatus(ApplyOp(Acting(scope), op)); !s.ok()) return s;
  effects_.push_back(
      {.kind = chain::ContractEffectKind::kMerge, .asset = a, .with = b, .created = *ids});
  return ids->front();
}

}  // namespace waybill::consensus
