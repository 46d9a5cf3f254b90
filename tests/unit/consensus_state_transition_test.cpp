#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "chain/amount.h"
#include "chain/block.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"
#include "consensus/state_transition.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus {
namespace {

using chain::Account;
using chain::Amount;
using chain::Asset;
using chain::AssetAttestOp;
using chain::AssetEvent;
using chain::AssetIssueOp;
using chain::AssetMergeOp;
using chain::AssetSplitOp;
using chain::AssetStatus;
using chain::AssetTransferOp;
using chain::EventType;
using chain::Hash256;
using chain::Operation;
using chain::Quantity;
using chain::StateCache;
using chain::TransferOp;
using chain::TxWithId;
using testing::kAllocation;
using testing::MakeParams;
using testing::TxFactory;

constexpr Amount kFee = 2000;
constexpr int kAlice = 0, kBob = 1, kCarol = 2, kMiner = 3, kPoor = 4, kEmpty = 5;

Hash256 H(uint8_t b) {
  Hash256 h;
  h.bytes.fill(b);
  return h;
}

AssetIssueOp Issue(chain::Quantity quantity, std::string unit = "kg") {
  AssetIssueOp op;
  op.quantity = quantity;
  op.unit = std::move(unit);
  op.metadata = {{"gtin", "09506000134352"}, {"lot", "L-17"}, {"origin", "Côte d'Ivoire"}};
  op.documents = {H(0xd0)};
  return op;
}

// A merge into quantity of unit (a balanced merge: the inputs' units and sum, PROTOCOL §9.2).
AssetMergeOp Merge(std::vector<Hash256> inputs, Quantity quantity, std::string unit = "kg") {
  AssetMergeOp op;
  op.inputs = std::move(inputs);
  op.quantity = quantity;
  op.unit = std::move(unit);
  op.metadata = {{"sscc", "003456789012345678"}};
  return op;
}

// Fails every read, as a broken disk would.
class FailingKv : public chain::KvReader {
 public:
  chain::Status Get(std::string_view, chain::Bytes*) const override {
    return chain::Status::IoError("disk on fire");
  }
};

class StateTransitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ValidationResult r = ApplyGenesis(params_, &state_);
    ASSERT_TRUE(r.valid()) << r.ToString();
  }

  uint64_t NonceOf(int key) const { return AccountOf(key).nonce; }
  Amount BalanceOf(int key) const { return AccountOf(key).balance; }
  Account AccountOf(int key) const {
    auto a = state_.GetAccount(f_.Id(key));
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : Account{};
  }

  Asset AssetOf(const Hash256& id) const {
    auto a = state_.GetAsset(id);
    EXPECT_TRUE(a.ok() && a->has_value()) << id.ToHex();
    return a.ok() && a->has_value() ? **a : Asset{};
  }
  bool AssetExists(const Hash256& id) const {
    auto a = state_.GetAsset(id);
    return a.ok() && a->has_value();
  }

  AssetEvent EventOf(const Hash256& asset, uint32_t sequence) const {
    chain::Bytes bytes;
    EXPECT_TRUE(state_.Get(chain::keys::Event(asset, sequence), &bytes).ok());
    auto e = chain::DecodeAssetEvent(bytes);
    EXPECT_TRUE(e.ok());
    return e.ok() ? *e : AssetEvent{};
  }

  // Applies a tx at the next index of the current block; "valid" or the reason.
  std::string Apply(const TxWithId& tx) {
    Amount fee = 0;
    ValidationResult r = ApplyTransaction(params_, ctx_, tx, index_, &state_, &fee);
    EXPECT_FALSE(r.error()) << r.ToString();
    if (!r.valid()) return r.reason();
    EXPECT_EQ(fee, tx.tx.fee);
    ++index_;
    return "valid";
  }
  std::string Apply(int key, uint64_t nonce, Operation op, Amount fee = kFee) {
    return Apply(f_.MakeWithId(key, nonce, std::move(op), fee));
  }
  // Applies with the sender's next nonce and expects success.
  TxWithId Ok(int key, Operation op) {
    TxWithId tx = f_.MakeWithId(key, NonceOf(key), std::move(op));
    EXPECT_EQ(Apply(tx), "valid");
    return tx;
  }

  // Connects a block of txs on top of the state (height and time advance).
  ValidationResult ConnectBlock(std::vector<chain::Transaction> txs, int miner = kMiner) {
    ++ctx_.height;
    ctx_.time += 2;
    ctx_.block_id = H(static_cast<uint8_t>(ctx_.height));
    chain::Block block;
    block.header.miner = f_.Id(miner);
    block.txs = std::move(txs);
    std::vector<Hash256> ids;
    for (const auto& tx : block.txs) ids.push_back(tx.Id());
    return ApplyBlockTransactions(params_, ctx_, block, ids, &state_);
  }

  // Sum of every balance in the state. The base is empty, so the overlay holds it all.
  Amount TotalSupply() const {
    Amount total = 0;
    for (const auto& [key, value] : state_.changes()) {
      if (key[0] != chain::keys::kAccount || !value) continue;
      auto a = chain::DecodeAccount(*value);
      EXPECT_TRUE(a.ok());
      total += a->balance;
    }
    return total;
  }

  const ChainParams params_ = MakeParams();
  const TxFactory f_{params_};
  chain::MemoryKv base_;
  StateCache state_{&base_};
  BlockContext ctx_{H(0xb1), 1, 1'700'000'100};
  uint32_t index_ = 0;
};

TEST_F(StateTransitionTest, Genesis) {
  for (int k = 0; k < testing::kFundedKeys; ++k) EXPECT_EQ(BalanceOf(k), kAllocation);
  EXPECT_EQ(BalanceOf(kPoor), 0u);
  chain::Bytes id;
  ASSERT_TRUE(state_.Get(chain::keys::Height(0), &id).ok());
  EXPECT_EQ(Hash256::FromSpan(id), params_.genesis_id);
  EXPECT_EQ(TotalSupply(), testing::kFundedKeys * kAllocation);
}

TEST_F(StateTransitionTest, GenesisAllocationOverflow) {
  ChainParams p = params_;
  p.allocations = {{f_.Id(0), chain::kMaxAmount}, {f_.Id(1), 1}};
  chain::MemoryKv base;
  StateCache state(&base);
  EXPECT_EQ(ApplyGenesis(p, &state).reason(), "bad-genesis-allocation");
}

TEST_F(StateTransitionTest, Transfer) {
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), 5 * chain::kCoin}), "valid");
  EXPECT_EQ(BalanceOf(kAlice), kAllocation - 5 * chain::kCoin - kFee);
  EXPECT_EQ(BalanceOf(kBob), kAllocation + 5 * chain::kCoin);
  EXPECT_EQ(NonceOf(kAlice), 1u);
  EXPECT_EQ(NonceOf(kBob), 0u);
  // To a fresh account.
  EXPECT_EQ(Apply(kAlice, 1, TransferOp{f_.Id(kEmpty), 7}), "valid");
  EXPECT_EQ(BalanceOf(kEmpty), 7u);
  EXPECT_EQ(NonceOf(kAlice), 2u);
}

TEST_F(StateTransitionTest, TransferToSelfCostsOnlyTheFee) {
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kAlice), 100 * chain::kCoin}), "valid");
  EXPECT_EQ(BalanceOf(kAlice), kAllocation - kFee);
  EXPECT_EQ(NonceOf(kAlice), 1u);
  // Spending the whole balance to self leaves it less the fee.
  EXPECT_EQ(Apply(kAlice, 1, TransferOp{f_.Id(kAlice), kAllocation - 2 * kFee}), "valid");
  EXPECT_EQ(BalanceOf(kAlice), kAllocation - 2 * kFee);
}

TEST_F(StateTransitionTest, WrongChainId) {
  chain::Transaction tx = f_.Make(kAlice, 0, TransferOp{f_.Id(kBob), 1});
  tx.chain_id.bytes[0] ^= 1;
  tx.Sign(f_.Key(kAlice));
  EXPECT_EQ(Apply(chain::MakeTxWithId(tx)), "bad-chain-id");
}

TEST_F(StateTransitionTest, ContentRulesApply) {
  AssetIssueOp op = Issue(10);
  op.metadata = {{"lot", "1"}, {"gtin", "2"}};
  EXPECT_EQ(Apply(kAlice, 0, op), "bad-metadata");
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), 0}), "bad-amount");
  EXPECT_EQ(NonceOf(kAlice), 0u);
}

TEST_F(StateTransitionTest, NonceReusedAndGap) {
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), 1}), "valid");
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), 2}), "nonce-reused");
  EXPECT_EQ(Apply(kAlice, 2, TransferOp{f_.Id(kBob), 2}), "nonce-gap");
  Amount fee;
  ValidationResult r = ApplyTransaction(
      params_, ctx_, f_.MakeWithId(kAlice, 7, TransferOp{f_.Id(kBob), 1}), 0, &state_, &fee);
  EXPECT_EQ(r.reason(), "nonce-gap");
  EXPECT_NE(r.detail().find("expected 1"), std::string::npos) << r.detail();
  EXPECT_NE(r.detail().find("got 7"), std::string::npos) << r.detail();
  EXPECT_EQ(Apply(kAlice, 1, TransferOp{f_.Id(kBob), 2}), "valid");
  EXPECT_EQ(NonceOf(kAlice), 2u);
}

TEST_F(StateTransitionTest, FeeTooLow) {
  TxWithId probe = f_.MakeWithId(kAlice, 0, TransferOp{f_.Id(kBob), 1}, 0);
  const Amount min_fee = *params_.MinFee(probe.size);
  ASSERT_GT(min_fee, 0u);
  EXPECT_EQ(Apply(probe), "fee-too-low");
  // The fee's encoding is fixed-width, so the size does not change with it.
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), 1}, min_fee - 1), "fee-too-low");
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), 1}, min_fee), "valid");
  EXPECT_EQ(BalanceOf(kAlice), kAllocation - 1 - min_fee);
}

TEST_F(StateTransitionTest, MinFeeOverflowIsFeeTooLow) {
  ChainParams p = params_;
  p.min_fee_per_byte = chain::kMaxAmount;  // any tx's minimum overflows
  Amount fee;
  ValidationResult r = ApplyTransaction(
      p, ctx_, f_.MakeWithId(kAlice, 0, TransferOp{f_.Id(kBob), 1}, chain::kMaxAmount), 0, &state_,
      &fee);
  EXPECT_EQ(r.reason(), "fee-too-low");
}

TEST_F(StateTransitionTest, InsufficientBalance) {
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), kAllocation}), "insufficient-balance");
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), kAllocation - kFee + 1}),
            "insufficient-balance");
  // fee + amount above kMaxAmount must not wrap.
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), chain::kMaxAmount}), "insufficient-balance");
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), 1}, chain::kMaxAmount),
            "insufficient-balance");
  // An account that has nothing cannot pay a fee, whatever the operation.
  EXPECT_EQ(Apply(kPoor, 0, Issue(1)), "insufficient-balance");
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kBob), kAllocation - kFee}), "valid");
  EXPECT_EQ(BalanceOf(kAlice), 0u);
  EXPECT_EQ(NonceOf(kAlice), 1u);  // the nonce survives an empty balance
  EXPECT_EQ(Apply(kAlice, 1, Issue(1)), "insufficient-balance");
}

TEST_F(StateTransitionTest, BalanceOverflow) {
  state_.PutAccount(f_.Id(kEmpty), Account{chain::kMaxAmount - 5, 0});
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kEmpty), 6}), "balance-overflow");
  EXPECT_EQ(BalanceOf(kAlice), kAllocation);
  EXPECT_EQ(NonceOf(kAlice), 0u);
  EXPECT_EQ(Apply(kAlice, 0, TransferOp{f_.Id(kEmpty), 5}), "valid");
  EXPECT_EQ(BalanceOf(kEmpty), chain::kMaxAmount);
}

TEST_F(StateTransitionTest, UnknownAsset) {
  const Hash256 nowhere = H(0x77);
  EXPECT_EQ(Apply(kAlice, 0, AssetTransferOp{nowhere, f_.Id(kBob)}), "unknown-asset");
  EXPECT_EQ(Apply(kAlice, 0, AssetSplitOp{nowhere, chain::SplitChildren({1, 2})}), "unknown-asset");
  EXPECT_EQ(Apply(kAlice, 0, AssetAttestOp{nowhere, "grade", "A", {}}), "unknown-asset");
  Ok(kAlice, Issue(5));
  const Hash256 mine = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 0, 0);
  EXPECT_EQ(Apply(kAlice, 1, Merge({mine, nowhere}, 1)), "unknown-asset");
}

TEST_F(StateTransitionTest, AssetTransferRules) {
  Ok(kAlice, Issue(5));
  const Hash256 lot = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 0, 0);
  // Not Bob's to give.
  EXPECT_EQ(Apply(kBob, 0, AssetTransferOp{lot, f_.Id(kCarol)}), "not-custodian");
  EXPECT_EQ(Apply(kBob, 0, AssetTransferOp{lot, f_.Id(kBob)}), "not-custodian");
  EXPECT_EQ(Apply(kAlice, 1, AssetTransferOp{lot, f_.Id(kAlice)}), "transfer-to-self");
  Ok(kAlice, AssetTransferOp{lot, f_.Id(kBob)});
  // Alice gave it away: now it is foreign to her.
  EXPECT_EQ(Apply(kAlice, 2, AssetTransferOp{lot, f_.Id(kCarol)}), "not-custodian");
  EXPECT_EQ(Apply(kAlice, 2, AssetSplitOp{lot, chain::SplitChildren({2, 3})}), "not-custodian");
  EXPECT_EQ(AssetOf(lot).custodian, f_.Id(kBob));
  EXPECT_EQ(AssetOf(lot).issuer, f_.Id(kAlice));
}

TEST_F(StateTransitionTest, ClosedAsset) {
  Ok(kAlice, Issue(5));
  const Hash256 lot = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 0, 0);
  Ok(kAlice, AssetSplitOp{lot, chain::SplitChildren({2, 3})});
  EXPECT_EQ(AssetOf(lot).status, AssetStatus::kSplit);
  EXPECT_EQ(Apply(kAlice, 2, AssetTransferOp{lot, f_.Id(kBob)}), "asset-closed");
  EXPECT_EQ(Apply(kAlice, 2, AssetSplitOp{lot, chain::SplitChildren({2, 3})}), "asset-closed");
  const Hash256 a = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 1, 0);
  const Hash256 b = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 1, 1);
  EXPECT_EQ(Apply(kAlice, 2, Merge({a, lot}, 10)), "asset-closed");
  Ok(kAlice, Merge({a, b}, 5));
  EXPECT_EQ(AssetOf(a).status, AssetStatus::kMerged);
  EXPECT_EQ(Apply(kAlice, 3, AssetTransferOp{a, f_.Id(kBob)}), "asset-closed");
  // Closed assets can still be attested.
  EXPECT_EQ(Apply(kBob, 0, AssetAttestOp{lot, "audit", "passed", {}}), "valid");
  EXPECT_EQ(Apply(kBob, 1, AssetAttestOp{a, "audit", "passed", {}}), "valid");
}

TEST_F(StateTransitionTest, SplitSum) {
  Ok(kAlice, Issue(100));
  const Hash256 lot = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 0, 0);
  EXPECT_EQ(Apply(kAlice, 1, AssetSplitOp{lot, chain::SplitChildren({50, 49})}), "bad-split-sum");  // too little
  EXPECT_EQ(Apply(kAlice, 1, AssetSplitOp{lot, chain::SplitChildren({50, 51})}), "bad-split-sum");  // too much
  // The sum wraps to 100 in 64 bits; it must not pass.
  EXPECT_EQ(Apply(kAlice, 1, AssetSplitOp{lot, chain::SplitChildren({UINT64_MAX, 101})}), "bad-split-sum");
  EXPECT_EQ(Apply(kAlice, 1, AssetSplitOp{lot, chain::SplitChildren({UINT64_MAX - 10, 50, 61})}), "bad-split-sum");
  EXPECT_EQ(Apply(kAlice, 1, AssetSplitOp{lot, chain::SplitChildren({0, 100})}), "bad-split");
  EXPECT_EQ(NonceOf(kAlice), 1u);
  EXPECT_EQ(Apply(kAlice, 1, AssetSplitOp{lot, chain::SplitChildren({50, 25, 25})}), "valid");

  // Quantities may use all 64 bits.
  Ok(kAlice, Issue(UINT64_MAX));
  const Hash256 big = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 2, 0);
  EXPECT_EQ(Apply(kAlice, 3, AssetSplitOp{big, chain::SplitChildren({UINT64_MAX - 1, 1})}), "valid");
}

TEST_F(StateTransitionTest, MergeRules) {
  Ok(kAlice, Issue(5));
  Ok(kBob, Issue(6));
  Ok(kAlice, Issue(7));
  const Hash256 a0 = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 0, 0);
  const Hash256 b0 = chain::AssetIdFor(params_.chain_id(), f_.Id(kBob), 0, 0);
  const Hash256 a1 = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 1, 0);
  EXPECT_EQ(Apply(kAlice, 2, Merge({a0, b0}, 11)), "not-custodian");  // a foreign input
  EXPECT_EQ(Apply(kAlice, 2, Merge({b0, a0}, 11)), "not-custodian");
  EXPECT_EQ(Apply(kAlice, 2, Merge({a0, a1, a0}, 17)), "bad-merge-inputs");
  EXPECT_EQ(Apply(kAlice, 2, Merge({a0, a0}, 10)), "bad-merge-inputs");
  EXPECT_EQ(AssetOf(a0).status, AssetStatus::kOpen);
  EXPECT_EQ(AssetOf(b0).status, AssetStatus::kOpen);
  EXPECT_EQ(Apply(kAlice, 2, Merge({a0, a1}, 12)), "valid");
}

TEST_F(StateTransitionTest, FailingTxLeavesStateUntouched) {
  Ok(kAlice, Issue(5));
  const Hash256 lot = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 0, 0);
  const auto before = state_.changes();
  // Each of these fails after the fee was debited on the tx's overlay.
  EXPECT_EQ(Apply(kAlice, 1, AssetTransferOp{H(0x42), f_.Id(kBob)}), "unknown-asset");
  EXPECT_EQ(Apply(kAlice, 1, AssetSplitOp{lot, chain::SplitChildren({1, 1})}), "bad-split-sum");
  EXPECT_EQ(Apply(kAlice, 1, Merge({lot, H(0x42)}, 5)), "unknown-asset");
  EXPECT_EQ(Apply(kBob, 0, AssetTransferOp{lot, f_.Id(kBob)}), "not-custodian");
  EXPECT_EQ(state_.changes(), before);

  state_.PutAccount(f_.Id(kEmpty), Account{chain::kMaxAmount, 0});
  const auto before_overflow = state_.changes();
  EXPECT_EQ(Apply(kAlice, 1, TransferOp{f_.Id(kEmpty), 1}), "balance-overflow");
  EXPECT_EQ(state_.changes(), before_overflow);
}

TEST_F(StateTransitionTest, StoreErrorsAreErrors) {
  FailingKv failing;
  StateCache state(&failing);
  Amount fee = 0;
  ValidationResult r = ApplyTransaction(
      params_, ctx_, f_.MakeWithId(kAlice, 0, TransferOp{f_.Id(kBob), 1}), 0, &state, &fee);
  EXPECT_TRUE(r.error()) << r.ToString();
  EXPECT_TRUE(state.empty());

  // A stored record that does not decode is corruption, not the tx's fault.
  chain::MemoryKv corrupt;
  corrupt.Put(chain::keys::Account(f_.Id(kAlice)), chain::Bytes{1, 2, 3});
  StateCache state2(&corrupt);
  r = ApplyTransaction(params_, ctx_, f_.MakeWithId(kAlice, 0, TransferOp{f_.Id(kBob), 1}), 0,
                       &state2, &fee);
  EXPECT_TRUE(r.error()) << r.ToString();

  // An unreadable asset while the account reads fine.
  chain::MemoryKv half;
  half.Put(chain::keys::Account(f_.Id(kAlice)), chain::EncodeAccount(Account{kAllocation, 0}));
  half.Put(chain::keys::Asset(H(0x55)), chain::Bytes{9});
  StateCache state3(&half);
  r = ApplyTransaction(params_, ctx_,
                       f_.MakeWithId(kAlice, 0, AssetTransferOp{H(0x55), f_.Id(kBob)}), 0, &state3,
                       &fee);
  EXPECT_TRUE(r.error()) << r.ToString();
  EXPECT_TRUE(state3.empty());
}

// issue -> transfer -> split -> transfer child -> merge -> attest, a block per step.
TEST_F(StateTransitionTest, ProvenancePathThroughBlocks) {
  ctx_.height = 0;  // ConnectBlock advances to 1
  std::map<int, Amount> fees_paid;
  std::map<int, uint64_t> nonces;
  auto tx = [&](int key, Operation op) {
    chain::Transaction t = f_.Make(key, nonces[key]++, std::move(op));
    fees_paid[key] += t.fee;
    return t;
  };

  // 1: Alice (a farm) registers a harvest lot.
  chain::Transaction issue = tx(kAlice, Issue(1200));
  ASSERT_TRUE(ConnectBlock({issue}).valid());
  const Hash256 lot = chain::AssetIdFor(params_.chain_id(), f_.Id(kAlice), 0, 0);
  const uint32_t issue_height = ctx_.height;
  {
    Asset a = AssetOf(lot);
    EXPECT_EQ(a.id, lot);
    EXPECT_EQ(a.issuer, f_.Id(kAlice));
    EXPECT_EQ(a.custodian, f_.Id(kAlice));
    EXPECT_EQ(a.quantity, 1200u);
    EXPECT_EQ(a.unit, "kg");
    EXPECT_EQ(a.metadata, Issue(1).metadata);
    EXPECT_EQ(a.documents, Issue(1).documents);
    EXPECT_EQ(a.status, AssetStatus::kOpen);
    EXPECT_EQ(a.created_height, issue_height);
    EXPECT_EQ(a.created_tx, issue.Id());
    EXPECT_EQ(a.event_count, 1u);
    AssetEvent e = EventOf(lot, 0);
    EXPECT_EQ(e.id, chain::AssetEventId(issue.Id(), lot));
    EXPECT_EQ(a.last_event, e.id);
    EXPECT_EQ(e.type, EventType::kIssue);
    EXPECT_EQ(e.sequence, 0u);
    EXPECT_TRUE(e.prev_event.IsZero());
    EXPECT_EQ(e.txid, issue.Id());
    EXPECT_EQ(e.height, issue_height);
    EXPECT_EQ(e.time, ctx_.time);
    EXPECT_EQ(e.actor, f_.Id(kAlice));
    EXPECT_TRUE(e.counterparty.IsZero());
  }

  // 2: Alice hands it to Bob (a packer), who splits it and ships one part to Carol, in one
  // block: txs see the writes of the txs before them.
  chain::Transaction handover = tx(kAlice, AssetTransferOp{lot, f_.Id(kBob)});
  chain::Transaction split = tx(kBob, AssetSplitOp{lot, chain::SplitChildren({700, 500})});
  const Hash256 part_a = chain::AssetIdFor(params_.chain_id(), f_.Id(kBob), 0, 0);
  const Hash256 part_b = chain::AssetIdFor(params_.chain_id(), f_.Id(kBob), 0, 1);
  chain::Transaction ship = tx(kBob, AssetTransferOp{part_b, f_.Id(kCarol)});
  ASSERT_TRUE(ConnectBlock({handover, split, ship}).valid());
  const uint32_t split_height = ctx_.height;
  {
    Asset a = AssetOf(lot);
    EXPECT_EQ(a.custodian, f_.Id(kBob));
    EXPECT_EQ(a.status, AssetStatus::kSplit);
    EXPECT_EQ(a.children, (std::vector<Hash256>{part_a, part_b}));
    EXPECT_EQ(a.event_count, 3u);
    AssetEvent e1 = EventOf(lot, 1);
    EXPECT_EQ(e1.type, EventType::kTransfer);
    EXPECT_EQ(e1.actor, f_.Id(kAlice));
    EXPECT_EQ(e1.counterparty, f_.Id(kBob));
    EXPECT_EQ(e1.prev_event, EventOf(lot, 0).id);
    EXPECT_EQ(e1.txid, handover.Id());
    AssetEvent e2 = EventOf(lot, 2);
    EXPECT_EQ(e2.type, EventType::kSplit);
    EXPECT_EQ(e2.actor, f_.Id(kBob));
    EXPECT_EQ(e2.related, (std::vector<Hash256>{part_a, part_b}));
    EXPECT_EQ(e2.prev_event, e1.id);
    EXPECT_EQ(a.last_event, e2.id);

    for (const auto& [child, quantity] :
         {std::pair{part_a, Quantity{700}}, std::pair{part_b, Quantity{500}}}) {
      Asset c = AssetOf(child);
      EXPECT_EQ(c.issuer, f_.Id(kBob));
      EXPECT_EQ(c.quantity, quantity);
      EXPECT_EQ(c.unit, "kg");
      EXPECT_EQ(c.metadata, a.metadata);
      EXPECT_EQ(c.documents, a.documents);
      EXPECT_EQ(c.parents, std::vector<Hash256>{lot});
      EXPECT_TRUE(c.children.empty());
      EXPECT_EQ(c.created_height, split_height);
      EXPECT_EQ(c.created_tx, split.Id());
      AssetEvent ce = EventOf(child, 0);
      EXPECT_EQ(ce.type, EventType::kSplitChild);
      EXPECT_EQ(ce.sequence, 0u);
      EXPECT_TRUE(ce.prev_event.IsZero());
      EXPECT_EQ(ce.related, std::vector<Hash256>{lot});
      EXPECT_EQ(ce.id, chain::AssetEventId(split.Id(), child));
    }
    EXPECT_EQ(AssetOf(part_a).custodian, f_.Id(kBob));
    Asset b = AssetOf(part_b);
    EXPECT_EQ(b.custodian, f_.Id(kCarol));
    EXPECT_EQ(b.event_count, 2u);
    AssetEvent be = EventOf(part_b, 1);
    EXPECT_EQ(be.type, EventType::kTransfer);
    EXPECT_EQ(be.prev_event, EventOf(part_b, 0).id);
    EXPECT_EQ(be.counterparty, f_.Id(kCarol));
    EXPECT_EQ(b.last_event, be.id);
  }

  // 3: Carol (an exporter) merges her part with a lot of her own into one shipment.
  chain::Transaction crates = tx(kCarol, Issue(40, "kg"));
  const Hash256 crate_lot = chain::AssetIdFor(params_.chain_id(), f_.Id(kCarol), 0, 0);
  chain::Transaction pack = tx(kCarol, Merge({part_b, crate_lot}, 540));
  const Hash256 pallet = chain::AssetIdFor(params_.chain_id(), f_.Id(kCarol), 1, 0);
  ASSERT_TRUE(ConnectBlock({crates, pack}).valid());
  {
    Asset p = AssetOf(pallet);
    EXPECT_EQ(p.issuer, f_.Id(kCarol));
    EXPECT_EQ(p.custodian, f_.Id(kCarol));
    EXPECT_EQ(p.quantity, 540u);
    EXPECT_EQ(p.unit, "kg");
    EXPECT_EQ(p.metadata, Merge({}, 0).metadata);
    EXPECT_EQ(p.parents, (std::vector<Hash256>{part_b, crate_lot}));
    EXPECT_EQ(p.status, AssetStatus::kOpen);
    AssetEvent pe = EventOf(pallet, 0);
    EXPECT_EQ(pe.type, EventType::kMergeOutput);
    EXPECT_EQ(pe.related, (std::vector<Hash256>{part_b, crate_lot}));
    EXPECT_TRUE(pe.prev_event.IsZero());
    for (const Hash256& in : {part_b, crate_lot}) {
      Asset a = AssetOf(in);
      EXPECT_EQ(a.status, AssetStatus::kMerged);
      EXPECT_EQ(a.children, std::vector<Hash256>{pallet});
      AssetEvent me = EventOf(in, a.event_count - 1);
      EXPECT_EQ(me.type, EventType::kMerge);
      EXPECT_EQ(me.related, std::vector<Hash256>{pallet});
      EXPECT_EQ(me.prev_event, EventOf(in, a.event_count - 2).id);
      EXPECT_EQ(a.last_event, me.id);
    }
    EXPECT_EQ(AssetOf(part_b).event_count, 3u);
    EXPECT_EQ(AssetOf(crate_lot).event_count, 2u);
  }

  // 4: an auditor (Miner's key) attests the closed original lot and the pallet.
  chain::Transaction audit =
      tx(kMiner, AssetAttestOp{lot, "inspection.grade", "A — premium", H(0xaa)});
  chain::Transaction reading = tx(kMiner, AssetAttestOp{pallet, "temperature.max", "4", {}});
  ASSERT_TRUE(ConnectBlock({audit, reading}).valid());
  {
    Asset a = AssetOf(lot);
    EXPECT_EQ(a.event_count, 4u);
    EXPECT_EQ(a.status, AssetStatus::kSplit);  // attesting does not reopen it
    AssetEvent e = EventOf(lot, 3);
    EXPECT_EQ(e.type, EventType::kAttest);
    EXPECT_EQ(e.actor, f_.Id(kMiner));
    EXPECT_EQ(e.claim, "inspection.grade");
    EXPECT_EQ(e.value, "A — premium");
    EXPECT_EQ(e.document, H(0xaa));
    EXPECT_EQ(e.height, ctx_.height);
    // The whole chain links back to the issue event.
    Hash256 cursor = a.last_event;
    for (int seq = 3; seq >= 0; --seq) {
      AssetEvent ev = EventOf(lot, seq);
      EXPECT_EQ(ev.id, cursor);
      EXPECT_EQ(ev.sequence, static_cast<uint32_t>(seq));
      EXPECT_EQ(ev.asset, lot);
      cursor = ev.prev_event;
    }
    EXPECT_TRUE(cursor.IsZero());
    EXPECT_EQ(AssetOf(pallet).custodian, f_.Id(kCarol));  // attesting moves nothing
  }

  // Nonces, fees and the tx index.
  EXPECT_EQ(NonceOf(kAlice), 2u);
  EXPECT_EQ(NonceOf(kBob), 2u);
  EXPECT_EQ(NonceOf(kCarol), 2u);
  EXPECT_EQ(NonceOf(kMiner), 2u);
  EXPECT_EQ(BalanceOf(kAlice), kAllocation - fees_paid[kAlice]);
  EXPECT_EQ(BalanceOf(kBob), kAllocation - fees_paid[kBob]);
  EXPECT_EQ(BalanceOf(kCarol), kAllocation - fees_paid[kCarol]);
  const Amount all_fees =
      fees_paid[kAlice] + fees_paid[kBob] + fees_paid[kCarol] + fees_paid[kMiner];
  EXPECT_EQ(BalanceOf(kMiner),
            kAllocation - fees_paid[kMiner] + all_fees + 4 * params_.block_reward);
  chain::Bytes loc_bytes;
  ASSERT_TRUE(state_.Get(chain::keys::TxIndex(ship.Id()), &loc_bytes).ok());
  auto loc = chain::DecodeTxLocation(loc_bytes);
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(*loc, (chain::TxLocation{H(static_cast<uint8_t>(split_height)), split_height, 2}));

  // Supply: allocations plus one reward per block; fees only move.
  EXPECT_EQ(TotalSupply(), testing::kFundedKeys * kAllocation + 4 * params_.block_reward);
}

TEST_F(StateTransitionTest, BlockCreditsRewardAndFeesAndWritesHeight) {
  std::vector<chain::Transaction> txs = {
      f_.Make(kAlice, 0, TransferOp{f_.Id(kBob), 10}, 1000),
      f_.Make(kBob, 0, Issue(3), 2500),
      f_.Make(kAlice, 1, TransferOp{f_.Id(kCarol), 20}, 1200),
  };
  ASSERT_TRUE(ConnectBlock(txs, kEmpty).valid());
  EXPECT_EQ(BalanceOf(kEmpty), params_.block_reward + 1000 + 2500 + 1200);
  chain::Bytes id;
  ASSERT_TRUE(state_.Get(chain::keys::Height(ctx_.height), &id).ok());
  EXPECT_EQ(Hash256::FromSpan(id), ctx_.block_id);
  for (uint32_t i = 0; i < txs.size(); ++i) {
    chain::Bytes bytes;
    ASSERT_TRUE(state_.Get(chain::keys::TxIndex(txs[i].Id()), &bytes).ok());
    auto loc = chain::DecodeTxLocation(bytes);
    ASSERT_TRUE(loc.ok());
    EXPECT_EQ(*loc, (chain::TxLocation{ctx_.block_id, ctx_.height, i}));
  }
  // An empty block pays the reward alone.
  ASSERT_TRUE(ConnectBlock({}, kEmpty).valid());
  EXPECT_EQ(BalanceOf(kEmpty), 2 * params_.block_reward + 1000 + 2500 + 1200);
  EXPECT_EQ(TotalSupply(), testing::kFundedKeys * kAllocation + 2 * params_.block_reward);
}

TEST_F(StateTransitionTest, BlockWithBadTxNamesIt) {
  ValidationResult r = ConnectBlock({
      f_.Make(kAlice, 0, TransferOp{f_.Id(kBob), 10}),
      f_.Make(kAlice, 2, TransferOp{f_.Id(kBob), 10}),
  });
  EXPECT_EQ(r.reason(), "nonce-gap");
  EXPECT_EQ(r.detail().rfind("tx 1 ", 0), 0u) << r.detail();
}

TEST_F(StateTransitionTest, RewardOverflow) {
  state_.PutAccount(f_.Id(kEmpty), Account{chain::kMaxAmount - params_.block_reward + 1, 0});
  EXPECT_EQ(ConnectBlock({}, kEmpty).reason(), "reward-overflow");
}

// The DecodedBlock overload takes each tx's size from the decoder instead of encoding the tx:
// the same result (including the fee rule, which depends on the size) and the same writes as
// the Block overload, and the same as a DecodedBlock built in memory without sizes.
TEST_F(StateTransitionTest, DecodedBlockAppliesAsTheBlockDoes) {
  auto apply_all_ways = [&](const chain::Block& block) {
    chain::DecodedBlock decoded = *chain::DecodeBlock(block.Serialize());
    chain::DecodedBlock unsized = decoded;
    unsized.tx_sizes.clear();
    StateCache by_block(&state_), by_decoded(&state_), by_unsized(&state_);
    const ValidationResult a =
        ApplyBlockTransactions(params_, ctx_, block, decoded.txids, &by_block);
    const ValidationResult b = ApplyBlockTransactions(params_, ctx_, decoded, &by_decoded);
    const ValidationResult c = ApplyBlockTransactions(params_, ctx_, unsized, &by_unsized);
    EXPECT_EQ(a.ToString(), b.ToString());
    EXPECT_EQ(a.ToString(), c.ToString());
    if (a.valid()) {
      EXPECT_EQ(by_block.changes(), by_decoded.changes());
      EXPECT_EQ(by_block.changes(), by_unsized.changes());
    }
    return a;
  };
  chain::Block block;
  block.header.miner = f_.Id(kMiner);
  block.txs = {f_.Make(kAlice, 0, TransferOp{f_.Id(kBob), 10}), f_.Make(kBob, 0, Issue(7)),
               f_.Make(kAlice, 1, TransferOp{f_.Id(kAlice), 3}),
               f_.Make(kCarol, 0, TransferOp{f_.Id(kEmpty), 1})};
  ASSERT_TRUE(apply_all_ways(block).valid());

  // A fee one below the minimum for the tx's size fails alike; at the minimum it passes.
  chain::Transaction probe = f_.Make(kCarol, 1, Issue(9, "crate"), 0);
  const size_t size = probe.Serialize().size();
  block.txs.push_back(f_.Make(kCarol, 1, Issue(9, "crate"), *params_.MinFee(size) - 1));
  ValidationResult r = apply_all_ways(block);
  EXPECT_EQ(r.reason(), "fee-too-low");
  EXPECT_EQ(r.detail().rfind("tx 4 ", 0), 0u) << r.detail();
  block.txs.back() = f_.Make(kCarol, 1, Issue(9, "crate"), *params_.MinFee(size));
  EXPECT_TRUE(apply_all_ways(block).valid());
}

TEST_F(StateTransitionTest, BlockIdsMustMatchTxs) {
  chain::Block block;
  block.txs = {f_.Make(kAlice, 0, TransferOp{f_.Id(kBob), 10})};
  ValidationResult r = ApplyBlockTransactions(params_, ctx_, block, {}, &state_);
  EXPECT_TRUE(r.error());
}

}  // namespace
}  // namespace waybill::consensus
