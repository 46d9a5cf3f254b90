#include "consensus/state_transition.h"

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "chain/amount.h"
#include "chain/state.h"
#include "consensus/tx_check.h"

namespace waybill::consensus {
namespace {

using chain::Account;
using chain::AccountId;
using chain::Amount;
using chain::Asset;
using chain::AssetEvent;
using chain::AssetStatus;
using chain::EventType;
using chain::Hash256;
using chain::StateCache;

ValidationResult StoreError(const chain::Status& s) {
  return ValidationResult::Error(s.ToString());
}

// Reads an asset; on success *out holds it or nullopt when absent.
ValidationResult ReadAsset(const StateCache& state, const Hash256& id, std::optional<Asset>* out) {
  auto r = state.GetAsset(id);
  if (!r.ok()) return StoreError(r.status());
  *out = std::move(r).value();
  return ValidationResult::Valid();
}

// Loads an asset that the sender is about to change: it must exist, be open and be in the
// sender's custody.
ValidationResult LoadOwnedAsset(const StateCache& state, const Hash256& id, const AccountId& sender,
                                Asset* out) {
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

// A new asset id must be unused. Ids derive from (sender, nonce, index) and a nonce is used
// once, so this fails only on a hash collision; it is checked anyway so that no history is
// ever overwritten.
ValidationResult CheckNewAssetId(const StateCache& state, const Hash256& id) {
  std::optional<Asset> existing;
  if (auto r = ReadAsset(state, id, &existing); !r.valid()) return r;
  if (existing) return ValidationResult::Invalid(Reason::kAssetExists, id.ToHex());
  return ValidationResult::Valid();
}

// A tx with its id and encoded size, by reference: a block's txs are applied without copies.
struct TxView {
  const chain::Transaction& tx;
  const Hash256& id;
  size_t size;
};

// Everything one tx's operation needs besides the operation itself.
struct OpContext {
  const BlockContext& block;
  const TxView& tx;
  StateCache* state;

  const AccountId& sender() const { return tx.tx.sender; }

  Asset NewAsset(const Hash256& id, chain::Quantity quantity, std::string unit,
                 std::vector<chain::MetadataEntry> metadata, std::vector<Hash256> documents) const {
    Asset a;
    a.id = id;
    a.issuer = sender();
    a.custodian = sender();
    a.quantity = quantity;
    a.unit = std::move(unit);
    a.metadata = std::move(metadata);
    a.documents = std::move(documents);
    a.status = AssetStatus::kOpen;
    a.created_height = block.height;
    a.created_tx = tx.id;
    return a;
  }

  // Appends an event to asset's chain and writes both. The caller fills the type-specific
  // fields (type, counterparty, related, claim ...) of ev; the chain fields are set here.
  void Record(Asset* asset, AssetEvent ev) const {
    ev.id = chain::AssetEventId(tx.id, asset->id);
    ev.asset = asset->id;
    ev.sequence = asset->event_count;
    ev.prev_event = asset->last_event;  // zero for a new asset's creating event
    ev.txid = tx.id;
    ev.height = block.height;
    ev.time = block.time;
    ev.actor = sender();
    asset->last_event = ev.id;
    asset->event_count += 1;
    state->PutEvent(ev);
    state->PutAsset(*asset);
  }

  static AssetEvent Event(EventType type, std::vector<Hash256> related = {}) {
    AssetEvent ev;
    ev.type = type;
    ev.related = std::move(related);
    return ev;
  }
};

// Applies the operation. The sender's account has already been debited.
struct OpApplier {
  const OpContext& c;

  ValidationResult operator()(const chain::TransferOp& op) const {
    auto to = c.state->GetAccount(op.to);
    if (!to.ok()) return StoreError(to.status());
    // Reading after the debit makes a transfer to self come out right: only the fee is lost.
    auto balance = chain::CheckedAdd(to->balance, op.amount);
    if (!balance) {
      return ValidationResult::Invalid(Reason::kBalanceOverflow, "receiver " + op.to.ToHex());
    }
    to->balance = *balance;
    c.state->PutAccount(op.to, *to);
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetIssueOp& op) const {
    const Hash256 id = chain::NewAssetIds(c.tx.tx).front();
    if (auto r = CheckNewAssetId(*c.state, id); !r.valid()) return r;
    Asset asset = c.NewAsset(id, op.quantity, op.unit, op.metadata, op.documents);
    c.Record(&asset, OpContext::Event(EventType::kIssue));
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetTransferOp& op) const {
    Asset asset;
    if (auto r = LoadOwnedAsset(*c.state, op.asset, c.sender(), &asset); !r.valid()) return r;
    // A no-op transfer would only add noise to the asset's history.
    if (op.to == c.sender()) return ValidationResult::Invalid(Reason::kTransferToSelf);
    asset.custodian = op.to;
    AssetEvent ev = OpContext::Event(EventType::kTransfer);
    ev.counterparty = op.to;
    c.Record(&asset, std::move(ev));
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetSplitOp& op) const {
    Asset parent;
    if (auto r = LoadOwnedAsset(*c.state, op.asset, c.sender(), &parent); !r.valid()) return r;
    std::optional<chain::Quantity> sum = 0;
    for (chain::Quantity q : op.quantities) {
      sum = chain::CheckedAdd(*sum, q, std::numeric_limits<chain::Quantity>::max());
      if (!sum) return ValidationResult::Invalid(Reason::kBadSplitSum, "parts overflow");
    }
    if (*sum != parent.quantity) {
      return ValidationResult::Invalid(Reason::kBadSplitSum,
                                       "parts sum to " + std::to_string(*sum) + ", parent holds " +
                                           std::to_string(parent.quantity));
    }
    const std::vector<Hash256> child_ids = chain::NewAssetIds(c.tx.tx);
    for (const Hash256& child_id : child_ids) {
      if (auto r = CheckNewAssetId(*c.state, child_id); !r.valid()) return r;
    }
    parent.status = AssetStatus::kSplit;
    parent.children = child_ids;
    c.Record(&parent, OpContext::Event(EventType::kSplit, child_ids));
    for (size_t i = 0; i < child_ids.size(); ++i) {
      Asset child = c.NewAsset(child_ids[i], op.quantities[i], parent.unit, parent.metadata,
                               parent.documents);
      child.parents = {parent.id};
      c.Record(&child, OpContext::Event(EventType::kSplitChild, {parent.id}));
    }
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetMergeOp& op) const {
    std::vector<Asset> inputs(op.inputs.size());
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      if (auto r = LoadOwnedAsset(*c.state, op.inputs[i], c.sender(), &inputs[i]); !r.valid()) {
        return r;
      }
    }
    const Hash256 out_id = chain::NewAssetIds(c.tx.tx).front();
    if (auto r = CheckNewAssetId(*c.state, out_id); !r.valid()) return r;
    for (Asset& in : inputs) {
      in.status = AssetStatus::kMerged;
      in.children = {out_id};
      c.Record(&in, OpContext::Event(EventType::kMerge, {out_id}));
    }
    Asset out = c.NewAsset(out_id, op.quantity, op.unit, op.metadata, op.documents);
    out.parents = op.inputs;
    c.Record(&out, OpContext::Event(EventType::kMergeOutput, op.inputs));
    return ValidationResult::Valid();
  }

  ValidationResult operator()(const chain::AssetAttestOp& op) const {
    std::optional<Asset> asset;
    if (auto r = ReadAsset(*c.state, op.asset, &asset); !r.valid()) return r;
    if (!asset) return ValidationResult::Invalid(Reason::kUnknownAsset, op.asset.ToHex());
    // Closed assets stay attestable: an audit of a lot often comes after it was split.
    AssetEvent ev = OpContext::Event(EventType::kAttest);
    ev.claim = op.claim;
    ev.value = op.value;
    ev.document = op.document;
    c.Record(&*asset, std::move(ev));
    return ValidationResult::Valid();
  }
};

// The ApplyTransaction body, on an overlay that the caller discards on failure.
ValidationResult ApplyOnOverlay(const ChainParams& params, const BlockContext& ctx,
                                const TxView& txw, uint32_t index_in_block, StateCache* state) {
  const chain::Transaction& tx = txw.tx;
  if (tx.chain_id != params.chain_id()) {
    return ValidationResult::Invalid(Reason::kBadChainId, tx.chain_id.ToHex());
  }
  if (auto r = CheckTransaction(tx); !r.valid()) return r;

  auto account = state->GetAccount(tx.sender);
  if (!account.ok()) return StoreError(account.status());
  if (tx.nonce != account->nonce) {
    return ValidationResult::Invalid(
        tx.nonce < account->nonce ? Reason::kNonceReused : Reason::kNonceGap,
        "expected " + std::to_string(account->nonce) + ", got " + std::to_string(tx.nonce));
  }
  const std::optional<Amount> min_fee = params.MinFee(txw.size);
  if (!min_fee || tx.fee < *min_fee) {
    return ValidationResult::Invalid(
        Reason::kFeeTooLow, "fee " + std::to_string(tx.fee) + " for " + std::to_string(txw.size) +
                                " bytes, minimum " +
                                (min_fee ? std::to_string(*min_fee) : "overflow"));
  }
  std::optional<Amount> debit = tx.fee;
  if (const auto* transfer = std::get_if<chain::TransferOp>(&tx.op)) {
    debit = chain::CheckedAdd(tx.fee, transfer->amount);
  }
  std::optional<Amount> balance;
  if (debit) balance = chain::CheckedSub(account->balance, *debit);
  if (!balance) {
    return ValidationResult::Invalid(Reason::kInsufficientBalance,
                                     "balance " + std::to_string(account->balance));
  }
  // Debit and advance the nonce before the operation, so that a transfer to self reads the
  // debited account. Nothing else the operation does touches the sender's account.
  account->balance = *balance;
  account->nonce += 1;
  state->PutAccount(tx.sender, *account);

  const OpContext c{ctx, txw, state};
  if (auto r = std::visit(OpApplier{c}, tx.op); !r.valid()) return r;

  state->PutTxLocation(txw.id, chain::TxLocation{ctx.block_id, ctx.height, index_in_block});
  return ValidationResult::Valid();
}

chain::Bytes IdBytes(const Hash256& id) { return chain::Bytes(id.bytes.begin(), id.bytes.end()); }

// Adds amount to an account's balance; Invalid(overflow) if it would pass kMaxAmount.
ValidationResult Credit(StateCache* state, const AccountId& id, Amount amount, Reason overflow) {
  auto account = state->GetAccount(id);
  if (!account.ok()) return StoreError(account.status());
  auto balance = chain::CheckedAdd(account->balance, amount);
  if (!balance) return ValidationResult::Invalid(overflow, "account " + id.ToHex());
  account->balance = *balance;
  state->PutAccount(id, *account);
  return ValidationResult::Valid();
}

}  // namespace

ValidationResult ApplyTransaction(const ChainParams& params, const BlockContext& ctx,
                                  const chain::TxWithId& tx, uint32_t index_in_block,
                                  StateCache* state, Amount* fee_out) {
  StateCache overlay(state);
  const TxView view{tx.tx, tx.id, tx.size};
  if (auto r = ApplyOnOverlay(params, ctx, view, index_in_block, &overlay); !r.valid()) return r;
  std::move(overlay).MergeInto(state);
  *fee_out = tx.tx.fee;
  return ValidationResult::Valid();
}

namespace {

// tx_sizes: each tx's encoded size, or empty to encode each tx to learn it.
ValidationResult ApplyBlock(const ChainParams& params, const BlockContext& ctx,
                            const chain::Block& block, std::span<const Hash256> txids,
                            std::span<const uint32_t> tx_sizes, StateCache* state) {
  if (txids.size() != block.txs.size()) {
    return ValidationResult::Error("block has " + std::to_string(block.txs.size()) + " txs but " +
                                   std::to_string(txids.size()) + " ids");
  }
  const bool sized = tx_sizes.size() == block.txs.size();
  Amount fees = 0;
  for (size_t i = 0; i < block.txs.size(); ++i) {
    const chain::Transaction& tx = block.txs[i];
    const TxView txw{tx, txids[i], sized ? tx_sizes[i] : tx.Serialize().size()};
    // Straight on the block's overlay, without ApplyTransaction's overlay per tx: a failing tx
    // fails the block, whose overlay the caller then discards, so nothing needs undoing. The
    // writes, and the order of reads and writes, are those of ApplyTransaction.
    ValidationResult r = ApplyOnOverlay(params, ctx, txw, static_cast<uint32_t>(i), state);
    if (r.error()) return r;
    if (!r.valid()) {
      std::string detail = "tx " + std::to_string(i) + " " + txids[i].ToHex();
      if (!r.detail().empty()) detail += ": " + r.detail();
      return r.WithDetail(std::move(detail));
    }
    auto sum = chain::CheckedAdd(fees, tx.fee);
    if (!sum) return ValidationResult::Invalid(Reason::kFeeOverflow, "at tx " + std::to_string(i));
    fees = *sum;
  }
  auto payout = chain::CheckedAdd(params.RewardAt(ctx.height), fees);
  if (!payout) return ValidationResult::Invalid(Reason::kRewardOverflow, "reward plus fees");
  if (auto r = Credit(state, block.header.miner, *payout, Reason::kRewardOverflow); !r.valid())
    return r;
  state->Put(chain::keys::Height(ctx.height), IdBytes(ctx.block_id));
  return ValidationResult::Valid();
}

}  // namespace

ValidationResult ApplyBlockTransactions(const ChainParams& params, const BlockContext& ctx,
                                        const chain::Block& block, std::span<const Hash256> txids,
                                        StateCache* state) {
  return ApplyBlock(params, ctx, block, txids, {}, state);
}

ValidationResult ApplyBlockTransactions(const ChainParams& params, const BlockContext& ctx,
                                        const chain::DecodedBlock& block, StateCache* state) {
  return ApplyBlock(params, ctx, block.block, block.txids, block.tx_sizes, state);
}

ValidationResult ApplyGenesis(const ChainParams& params, StateCache* state) {
  Amount total = 0;
  for (const Allocation& a : params.allocations) {
    auto sum = chain::CheckedAdd(total, a.amount);
    if (!sum) return ValidationResult::Invalid(Reason::kBadGenesisAllocation, "total overflows");
    total = *sum;
    // The total bounds every single balance, so the credit itself cannot overflow.
    if (auto r = Credit(state, a.account, a.amount, Reason::kBadGenesisAllocation); !r.valid()) {
      return r;
    }
  }
  state->Put(chain::keys::Height(0), IdBytes(params.genesis_id));
  return ValidationResult::Valid();
}

}  // namespace waybill::consensus
