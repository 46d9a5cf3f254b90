#include "consensus/contract_effect.h"

#include <limits>
#include <optional>
#include <string>

#include "chain/amount.h"

namespace waybill::consensus {

using chain::AccountId;
using chain::Asset;
using chain::ContractEffect;
using chain::ContractEffectKind;

namespace {

constexpr size_t kSplitCreated = 2;
constexpr size_t kMergeCreated = 1;

// c with the contract acting under scope (which must outlive the result).
OpContext Acting(const OpContext& c, const ContractScope& scope) {
  OpContext e = c;
  e.contract = &scope;
  return e;
}

ValidationResult SendCoins(const OpContext& c, const AccountId& contract,
                           const ContractEffect& e) {
  // The rules of a coin transfer (tx_check's bad-amount), and no transfer to itself: it would
  // change nothing but add an effect.
  if (e.amount == 0) return ValidationResult::Invalid(Reason::kBadAmount, "0 coins");
  if (e.to == contract) {
    return ValidationResult::Invalid(Reason::kTransferToSelf, "coins to the contract itself");
  }
  auto account = c.state->GetAccount(contract);
  if (!account.ok()) return StoreError(account.status());
  const std::optional<chain::Amount> left = chain::CheckedSub(account->balance, e.amount);
  if (!left) {
    return ValidationResult::Invalid(Reason::kInsufficientBalance,
                                     "balance " + std::to_string(account->balance) +
                                         ", sending " + std::to_string(e.amount));
  }
  account->balance = *left;
  c.state->PutAccount(contract, *account);
  const ContractScope scope{&contract, {}};
  return ApplyOp(Acting(c, scope), chain::TransferOp{e.to, e.amount});
}

ValidationResult Split(const OpContext& c, const AccountId& contract, const ContractEffect& e) {
  // The host's ids always differ (two indexes of one nonce); a claim's might not.
  if (e.created.size() != kSplitCreated || e.created[0] == e.created[1]) {
    return ValidationResult::Invalid(Reason::kBadSplit, "a split effect creates 2 distinct assets");
  }
  Asset parent;
  if (auto r = LoadOwnedAsset(*c.state, e.asset, contract, &parent); !r.valid()) return r;
  // asset.split's context-free rule: no part of quantity 0.
  if (e.amount == 0 || e.amount >= parent.quantity) {
    return ValidationResult::Invalid(Reason::kBadSplit,
                                     "a first part of " + std::to_string(e.amount) + " of " +
                                         std::to_string(parent.quantity));
  }
  chain::AssetSplitOp op;
  op.asset = e.asset;
  op.children = {chain::SplitChild{e.amount, {}},
                 chain::SplitChild{parent.quantity - e.amount, {}}};
  const ContractScope scope{&contract, e.created};
  return ApplyOp(Acting(c, scope), op);
}

ValidationResult Merge(const OpContext& c, const AccountId& contract, const ContractEffect& e) {
  if (e.created.size() != kMergeCreated) {
    return ValidationResult::Invalid(Reason::kBadMergeInputs, "a merge effect creates 1 asset");
  }
  // asset.merge's context-free rule: distinct inputs.
  if (e.asset == e.with) {
    return ValidationResult::Invalid(Reason::kBadMergeInputs, "an asset merged with itself");
  }
  Asset first;
  Asset second;
  if (auto r = LoadOwnedAsset(*c.state, e.asset, contract, &first); !r.valid()) return r;
  if (auto r = LoadOwnedAsset(*c.state, e.with, contract, &second); !r.valid()) return r;
  const std::optional<chain::Quantity> sum =
      chain::CheckedAdd(first.quantity, second.quantity, std::numeric_limits<uint64_t>::max());
  if (!sum) {
    return ValidationResult::Invalid(Reason::kMergeQuantityMismatch,
                                     "the inputs sum past 2^64 - 1");
  }
  // The output keeps the unit (a second input in another unit is merge-unit-mismatch) and
  // sums the quantity; it has no metadata or documents of its own.
  chain::AssetMergeOp op;
  op.inputs = {e.asset, e.with};
  op.quantity = *sum;
  op.unit = first.unit;
  const ContractScope scope{&contract, e.created};
  return ApplyOp(Acting(c, scope), op);
}

}  // namespace

ValidationResult ApplyContractEffect(const OpContext& c, const AccountId& contract,
                                     const ContractEffect& e) {
  switch (e.kind) {
    case ContractEffectKind::kCoins:
      return SendCoins(c, contract, e);
    case ContractEffectKind::kAsset: {
      const ContractScope scope{&contract, {}};
      return ApplyOp(Acting(c, scope), chain::AssetTransferOp{e.asset, e.to});
    }
    case ContractEffectKind::kSplit:
      return Split(c, contract, e);
    case ContractEffectKind::kMerge:
      return Merge(c, contract, e);
  }
  // The enum is closed and its decoder refuses other values: only a bug gets here.
  return ValidationResult::Error("contract effect of unknown kind " +
                                 std::to_string(static_cast<int>(e.kind)));
}

}  // namespace waybill::consensus
