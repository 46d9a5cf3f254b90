#include "consensus/state_transition.h"

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "chain/amount.h"
#include "chain/state.h"
#include "consensus/op_context.h"
#include "consensus/tx_check.h"

namespace waybill::consensus {

// The coin transfer's rule; the asset operations' are in asset_ops.cpp.
ValidationResult ApplyOp(const OpContext& c, const chain::TransferOp& op) {
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

uint64_t TxGasLimit(const chain::Transaction& tx) {
  if (const auto* deploy = std::get_if<chain::ContractDeployOp>(&tx.op)) return deploy->gas_limit;
  if (const auto* call = std::get_if<chain::ContractCallOp>(&tx.op)) return call->gas_limit;
  return 0;
}

ValidationResult CheckGasLimit(const ChainParams& params, uint64_t gas_limit) {
  if (gas_limit > params.max_tx_gas) {
    return ValidationResult::Invalid(Reason::kGasLimitTooHigh,
                                     "gas_limit " + std::to_string(gas_limit) + ", maximum " +
                                         std::to_string(params.max_tx_gas));
  }
  return ValidationResult::Valid();
}

namespace {

using chain::AccountId;
using chain::Amount;
using chain::Hash256;
using chain::StateCache;

// What the sender's balance must cover (the fee, a transfer's amount, a call's coins) and what
// is debited before the operation: all of it but a call's coins, which move on the call's own
// overlay (contract_ops.cpp) so that a failed call returns them. nullopt: past kMaxAmount.
struct Debit {
  std::optional<Amount> required;
  Amount now = 0;
};
Debit DebitOf(const chain::Transaction& tx) {
  if (const auto* transfer = std::get_if<chain::TransferOp>(&tx.op)) {
    const std::optional<Amount> sum = chain::CheckedAdd(tx.fee, transfer->amount);
    return {sum, sum.value_or(0)};
  }
  if (const auto* call = std::get_if<chain::ContractCallOp>(&tx.op)) {
    return {chain::CheckedAdd(tx.fee, call->coins), tx.fee};
  }
  return {tx.fee, tx.fee};
}

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
  const uint64_t gas_limit = TxGasLimit(tx);
  if (auto r = CheckGasLimit(params, gas_limit); !r.valid()) return r;
  // The size fee, and gas_limit × gas_price (0 but for contract txs); past kMaxAmount no fee
  // can pay it.
  const std::optional<Amount> min_fee = params.MinContractFee(txw.size, gas_limit);
  if (!min_fee || tx.fee < *min_fee) {
    return ValidationResult::Invalid(
        Reason::kFeeTooLow,
        "fee " + std::to_string(tx.fee) + " for " + std::to_string(txw.size) + " bytes" +
            (gas_limit > 0 ? " and " + std::to_string(gas_limit) + " gas" : "") + ", minimum " +
            (min_fee ? std::to_string(*min_fee) : "overflow"));
  }
  const Debit debit = DebitOf(tx);
  if (!debit.required || account->balance < *debit.required) {
    return ValidationResult::Invalid(Reason::kInsufficientBalance,
                                     "balance " + std::to_string(account->balance));
  }
  // Debit and advance the nonce before the operation, so that a transfer to self reads the
  // debited account. Nothing else the operation does touches the sender's account, but for a
  // call's coins (DebitOf).
  account->balance -= debit.now;
  account->nonce += 1;
  state->PutAccount(tx.sender, *account);

  const OpContext c{params, ctx, txw, state};
  const auto apply = [&c](const auto& op) { return ApplyOp(c, op); };
  if (auto r = std::visit(apply, tx.op); !r.valid()) return r;

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

// The gas limits of the block's contract txs sum to at most max_block_gas.
ValidationResult CheckBlockGas(const ChainParams& params, const chain::Block& block) {
  uint64_t gas = 0;
  for (const chain::Transaction& tx : block.txs) {
    const std::optional<uint64_t> sum =
        chain::CheckedAdd(gas, TxGasLimit(tx), std::numeric_limits<uint64_t>::max());
    if (!sum || *sum > params.max_block_gas) {
      return ValidationResult::Invalid(
          Reason::kBlockGasLimit,
          "the contract txs reserve more than " + std::to_string(params.max_block_gas) + " gas");
    }
    gas = *sum;
  }
  return ValidationResult::Valid();
}

// tx_sizes: each tx's encoded size, or empty to encode each tx to learn it.
ValidationResult ApplyBlock(const ChainParams& params, const BlockContext& ctx,
                            const chain::Block& block, std::span<const Hash256> txids,
                            std::span<const uint32_t> tx_sizes, StateCache* state) {
  if (txids.size() != block.txs.size()) {
    return ValidationResult::Error("block has " + std::to_string(block.txs.size()) + " txs but " +
                                   std::to_string(txids.size()) + " ids");
  }
  const bool sized = tx_sizes.size() == block.txs.size();
  if (auto r = CheckBlockGas(params, block); !r.valid()) return r;
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
  // New: the block at the tip's height + 1 (a disconnect deletes the key).
  state->PutNew(chain::keys::Height(ctx.height), IdBytes(ctx.block_id));
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
