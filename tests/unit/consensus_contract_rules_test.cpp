// The rules of contract.deploy and contract.call (docs/PROTOCOL.md §8.3, §9): the context-free
// checks, the fee and gas limits of a tx and of a block, deploy with and without init, the
// rollback of a failed call, the dry run, and the abuse cases (an endless loop, storage spam,
// sending to itself, sending what it does not hold, an asset sent twice), each stopping at
// its limit with its reason recorded; a reorg across calls restores the exact state.
#include <gtest/gtest.h>

#include "chain/contract_state.h"
#include "consensus/contract_sim.h"
#include "consensus/state_transition.h"
#include "consensus/tx_check.h"
#include "contracts/errors.h"
#include "contracts/interpreter.h"
#include "tests/unit/consensus_contract_test_util.h"

namespace waybill::consensus {
namespace {

using chain::AccountId;
using chain::CallRecord;
using chain::ContractCallOp;
using chain::ContractDeployOp;
using chain::ContractEffectKind;
using chain::Hash256;
using contracts::Outcome;
using contracts::VmError;
using testing::CallOp;
using testing::Code;
using testing::IdArg;
using testing::Text;

constexpr int kAlice = 0, kBob = 1, kPoor = 5;  // kPoor has no allocation

constexpr uint8_t O(Outcome o) { return static_cast<uint8_t>(o); }
constexpr uint8_t E(VmError e) { return static_cast<uint8_t>(e); }

// Stores argument 0 under "k", at init and by `put`.
constexpr std::string_view kInitStore = R"(
.const k "k"
.entry init
  JUMP store
.entry put
store:
  PUSHC k
  PUSH 0
  ARG
  ITOB
  SSTORE
  STOP
)";

// Each entry abuses one limit or rule.
constexpr std::string_view kAbuse = R"(
.entry spin
loop:
  PUSH 1
  JUMPI loop
  STOP
.entry spam
  PUSH 0
next:
  DUP1
  ITOB
  DUP1
  SSTORE
  PUSH 1
  ADD
  JUMP next
.entry coins_to_self
  SELF
  PUSH 1
  SENDCOINS
  STOP
.entry asset_to_self
  SELF
  PUSH 0
  ATTASSET
  SENDASSET
  STOP
.entry overspend
  SENDER
  ATTCOINS
  PUSH 1
  ADD
  SENDCOINS
  STOP
.entry twice
  SENDER
  PUSH 0
  ATTASSET
  SENDASSET
  SENDER
  PUSH 0
  ATTASSET
  SENDASSET
  STOP
.entry keep
  PUSHC "x"
  PUSHC "1"
  SSTORE
  STOP
.entry keep_then_abort
  PUSHC "x"
  PUSHC "2"
  SSTORE
  PUSH 42
  ABORT
.entry split_merge
  PUSH 0
  ATTASSET
  PUSH 3
  SPLIT
  MERGE
  SENDER
  SWAP1
  SENDASSET
  STOP
)";

// ---- Context-free rules (§8.3) ----

chain::Transaction WithOp(chain::Operation op) {
  chain::Transaction tx;
  tx.op = std::move(op);
  return tx;
}

Reason CheckReason(chain::Operation op) {
  const ValidationResult r = CheckTransaction(WithOp(std::move(op)));
  EXPECT_TRUE(r.invalid()) << r.ToString();
  return r.code().value_or(Reason::kBadVersion);
}

TEST(ContractTxCheckTest, DeployCodeMustValidate) {
  EXPECT_TRUE(CheckTransaction(WithOp(ContractDeployOp{Code("STOP"), {}, 0})).valid());
  const ValidationResult bad = CheckTransaction(WithOp(ContractDeployOp{Text("WBVX"), {}, 0}));
  EXPECT_EQ(bad.code(), Reason::kBadContractCode);
  EXPECT_EQ(bad.detail(), "bad-magic at byte 0");
  // The last instruction made a JUMPI whose immediate runs past the code's end.
  chain::Bytes code = Code("PUSH8 1\nSTOP");
  code.back() = 0x03;
  const ValidationResult truncated = CheckTransaction(WithOp(ContractDeployOp{code, {}, 0}));
  EXPECT_EQ(truncated.code(), Reason::kBadContractCode);
  EXPECT_EQ(truncated.detail(), "truncated-immediate at code offset 9");
  EXPECT_EQ(CheckReason(ContractDeployOp{chain::Bytes(chain::kMaxContractCodeSize + 1, 0), {}, 0}),
            Reason::kBadContractCode);
}

TEST(ContractTxCheckTest, DeployArgsAndGasFollowInit) {
  const chain::Bytes no_init = Code("STOP");
  const chain::Bytes with_init = Code(kInitStore);
  EXPECT_EQ(CheckReason(ContractDeployOp{no_init, {uint64_t{1}}, 0}), Reason::kBadContractArgs);
  EXPECT_EQ(CheckReason(ContractDeployOp{no_init, {}, 1}), Reason::kBadContractArgs);
  EXPECT_EQ(CheckReason(ContractDeployOp{with_init, {uint64_t{1}}, 0}), Reason::kBadGasLimit);
  EXPECT_TRUE(CheckTransaction(WithOp(ContractDeployOp{with_init, {uint64_t{1}}, 100})).valid());
  std::vector<chain::ContractArg> many(chain::kMaxContractArgs + 1, uint64_t{0});
  EXPECT_EQ(CheckReason(ContractDeployOp{with_init, many, 100}), Reason::kBadContractArgs);
  EXPECT_EQ(CheckReason(ContractDeployOp{
                with_init, {chain::Bytes(chain::kMaxContractArgBytes + 1, 1)}, 100}),
            Reason::kBadContractArgs);
}

TEST(ContractTxCheckTest, CallEntryAssetsAndGas) {
  const AccountId c = chain::ContractIdFor({}, {}, 0);
  EXPECT_TRUE(CheckTransaction(WithOp(CallOp(c, "pay_2"))).valid());
  EXPECT_EQ(CheckReason(CallOp(c, "")), Reason::kBadContractEntry);
  EXPECT_EQ(CheckReason(CallOp(c, "Pay")), Reason::kBadContractEntry);
  EXPECT_EQ(CheckReason(CallOp(c, "pay-2")), Reason::kBadContractEntry);
  EXPECT_EQ(CheckReason(CallOp(c, std::string(33, 'a'))), Reason::kBadContractEntry);
  Hash256 a;
  a.bytes.fill(7);
  EXPECT_EQ(CheckReason(CallOp(c, "pay", {}, 0, {a, a})), Reason::kBadContractArgs);
  EXPECT_EQ(CheckReason(CallOp(c, "pay", {}, 0, {}, 0)), Reason::kBadGasLimit);
  EXPECT_EQ(CheckReason(CallOp(c, "pay", {}, chain::kMaxAmount + 1)), Reason::kBadAmount);
}

// ---- On a stored chain ----

class ContractRulesTest : public testing::ContractChainTest {
 protected:
  // The verdict on tx applied on the tip state (nothing is stored).
  ValidationResult Apply(const chain::Transaction& tx) {
    ValidationResult out;
    cs_->WithTipState([&](const chain::KvReader& state, const TipInfo& tip) {
      chain::StateCache overlay(&state);
      const BlockContext ctx{Hash256{}, tip.height + 1, tip.header.time + 60};
      chain::Amount fee = 0;
      out = ApplyTransaction(params_, ctx, chain::MakeTxWithId(tx), 0, &overlay, &fee);
    });
    return out;
  }
  // Deploys kAbuse by Alice (mined); returns its id.
  AccountId DeployAbuse() {
    auto [deploy, id] = Deploy(kAlice, Code(kAbuse));
    Mine({deploy});
    EXPECT_EQ(Record(deploy).outcome, O(Outcome::kSuccess));
    return id;
  }
};

TEST_F(ContractRulesTest, FeeCoversSizeAndGasLimitTimesGasPrice) {
  const AccountId c = DeployAbuse();
  const ContractCallOp op = CallOp(c, "keep", {}, 0, {}, 50'000);
  const chain::Transaction probe = f_.Make(kAlice, nonces_[kAlice], op, 0);
  const size_t size = probe.Serialize().size();
  const chain::Amount exact = size * params_.min_fee_per_byte + 50'000 * testing::kGasPrice;
  const ValidationResult low = Apply(f_.Make(kAlice, nonces_[kAlice], op, exact - 1));
  EXPECT_EQ(low.code(), Reason::kFeeTooLow) << low.ToString();
  EXPECT_TRUE(Apply(f_.Make(kAlice, nonces_[kAlice], op, exact)).valid());
  // A gas limit whose price passes kMaxAmount is too low for any fee.
  ChainParams dear = params_;
  dear.gas_price = chain::kMaxAmount;
  EXPECT_FALSE(dear.MinContractFee(size, 2).has_value());
}

TEST_F(ContractRulesTest, GasLimitAboveMaxTxGasIsRefused) {
  const AccountId c = DeployAbuse();
  const ValidationResult r =
      Apply(Tx(kAlice, CallOp(c, "keep", {}, 0, {}, testing::kMaxTxGas + 1)));
  nonces_[kAlice]--;
  EXPECT_EQ(r.code(), Reason::kGasLimitTooHigh) << r.ToString();
  EXPECT_TRUE(Apply(Tx(kAlice, CallOp(c, "keep", {}, 0, {}, testing::kMaxTxGas))).valid());
}

TEST_F(ContractRulesTest, BalanceMustCoverFeeAndCoins) {
  const AccountId c = DeployAbuse();
  const uint64_t gas = 10'000;
  Mine({Tx(kAlice, chain::TransferOp{f_.Id(kPoor), testing::FeeFor(gas) + 100})});
  EXPECT_EQ(
      Apply(f_.Make(kPoor, 0, CallOp(c, "keep", {}, 101, {}, gas), testing::FeeFor(gas))).code(),
      Reason::kInsufficientBalance);
  EXPECT_TRUE(
      Apply(f_.Make(kPoor, 0, CallOp(c, "keep", {}, 100, {}, gas), testing::FeeFor(gas))).valid());
}

TEST_F(ContractRulesTest, CallOfAnUnknownContractOrAForeignAssetIsInvalid) {
  const AccountId c = DeployAbuse();
  const ValidationResult unknown =
      Apply(Tx(kAlice, CallOp(chain::ContractIdFor({}, {}, 9), "keep")));
  EXPECT_EQ(unknown.code(), Reason::kUnknownContract);
  nonces_[kAlice]--;  // not mined
  auto [issue, bobs] = Issue(kBob, 5);
  Mine({issue});
  const ValidationResult foreign = Apply(Tx(kAlice, CallOp(c, "keep", {}, 0, {bobs})));
  EXPECT_EQ(foreign.code(), Reason::kNotCustodian) << foreign.ToString();
}

TEST_F(ContractRulesTest, BlockGasIsTheSumOfTheGasLimits) {
  const AccountId c = DeployAbuse();
  std::vector<chain::Transaction> txs;
  for (uint64_t i = 0; i < testing::kMaxBlockGas / testing::kMaxTxGas + 1; ++i) {
    txs.push_back(Tx(kBob, CallOp(c, "keep", {}, 0, {}, testing::kMaxTxGas)));
  }
  const chain::Block over = Next(txs);
  BlockOutcome outcome;
  const ValidationResult r = cs_->ProcessBlockBytes(over.Serialize(), &outcome);
  EXPECT_EQ(r.code(), Reason::kBlockGasLimit) << r.ToString();
  txs.pop_back();
  nonces_[kBob]--;
  Mine(txs);  // exactly max_block_gas
  EXPECT_EQ(TxGasLimit(txs.front()), testing::kMaxTxGas);
}

TEST_F(ContractRulesTest, DeployRunsInitAndAFailedInitCreatesNoContract) {
  auto [deploy, id] = Deploy(kAlice, Code(kInitStore), {uint64_t{77}}, 100'000);
  Mine({deploy});
  const CallRecord r = Record(deploy);
  EXPECT_EQ(r.entry, "init");
  EXPECT_EQ(r.outcome, O(Outcome::kSuccess));
  EXPECT_EQ(r.contract, id);
  EXPECT_GT(r.gas_used, 0u);
  EXPECT_EQ(r.gas_limit, 100'000u);
  EXPECT_EQ(Storage(id, "k"), (chain::Bytes{0, 0, 0, 0, 0, 0, 0, 77}));
  ASSERT_TRUE(Contract(id).has_value());
  EXPECT_EQ(Contract(id)->calls, 0u);  // init is no call

  // init without an argument fails (argument-index): no contract, the fee is paid.
  const chain::Amount before = BalanceOf(f_.Id(kAlice));
  auto [bad, bad_id] = Deploy(kAlice, Code(kInitStore), {}, 100'000);
  Mine({bad});
  EXPECT_EQ(Record(bad).outcome, O(Outcome::kVmError));
  EXPECT_EQ(Record(bad).error, E(VmError::kArgumentIndex));
  EXPECT_FALSE(Contract(bad_id).has_value());
  EXPECT_EQ(BalanceOf(f_.Id(kAlice)), before - bad.fee);
  EXPECT_EQ(AccountOf(f_.Id(kAlice)).nonce, nonces_[kAlice]);
  const ValidationResult call = Apply(Tx(kAlice, CallOp(bad_id, "put", {uint64_t{1}})));
  EXPECT_EQ(call.code(), Reason::kUnknownContract);
}

TEST_F(ContractRulesTest, AFailedCallUndoesEverythingButNonceFeeAndRecord) {
  const AccountId c = DeployAbuse();
  auto [issue, asset] = Issue(kBob, 10);
  const auto keep = Tx(kBob, CallOp(c, "keep"));
  Mine({issue, keep});
  const chain::Amount before = BalanceOf(f_.Id(kBob));
  const uint64_t calls = Contract(c)->calls;
  const auto fail = Tx(kBob, CallOp(c, "keep_then_abort", {}, 1'000, {asset}));
  Mine({fail});
  const CallRecord r = Record(fail);
  EXPECT_EQ(r.outcome, O(Outcome::kAborted));
  EXPECT_EQ(r.abort_code, 42u);
  EXPECT_TRUE(r.effects.empty());
  EXPECT_TRUE(r.logs.empty());
  EXPECT_EQ(Storage(c, "x"), Text("1"));             // storage unchanged
  EXPECT_EQ(AssetOf(asset).custodian, f_.Id(kBob));  // the attachment came back
  EXPECT_EQ(EventsOf(asset).size(), 1u);             // with no trace in its history
  EXPECT_EQ(BalanceOf(c), 0u);                       // so did the coins
  EXPECT_EQ(BalanceOf(f_.Id(kBob)), before - fail.fee);
  EXPECT_EQ(AccountOf(f_.Id(kBob)).nonce, nonces_[kBob]);
  EXPECT_EQ(Contract(c)->calls, calls + 1);  // a failed call is still a call
}

TEST_F(ContractRulesTest, AnEndlessLoopRunsOutOfGasAtTheLimit) {
  const AccountId c = DeployAbuse();
  const auto spin = Tx(kBob, CallOp(c, "spin", {}, 0, {}, 100'003));
  Mine({spin});
  const CallRecord r = Record(spin);
  EXPECT_EQ(r.outcome, O(Outcome::kOutOfGas));
  EXPECT_EQ(r.gas_used, 100'003u);
  EXPECT_EQ(r.gas_limit, 100'003u);
}

TEST_F(ContractRulesTest, StorageSpamStopsAtTheWriteLimit) {
  const AccountId c = DeployAbuse();
  const auto spam = Tx(kBob, CallOp(c, "spam", {}, 0, {}, testing::kMaxTxGas));
  Mine({spam});
  const CallRecord r = Record(spam);
  EXPECT_EQ(r.outcome, O(Outcome::kVmError));
  EXPECT_EQ(r.error, E(VmError::kStorageWriteLimit));
  // The 64 writes before the limit (keys 0..63 as 8 bytes) were undone.
  EXPECT_TRUE(Storage(c, chain::Bytes(8, 0)).empty());
  EXPECT_TRUE(Storage(c, chain::Bytes{0, 0, 0, 0, 0, 0, 0, 63}).empty());
}

TEST_F(ContractRulesTest, EffectsTheLedgerRefusesFailTheCallWithTheReason) {
  const AccountId c = DeployAbuse();
  auto [issue, asset] = Issue(kBob, 10);
  Mine({issue});
  const auto coins_self = Tx(kBob, CallOp(c, "coins_to_self", {}, 5));
  const auto asset_self = Tx(kBob, CallOp(c, "asset_to_self", {}, 0, {asset}));
  const auto overspend = Tx(kBob, CallOp(c, "overspend", {}, 5));
  const auto twice = Tx(kBob, CallOp(c, "twice", {}, 0, {asset}));
  Mine({coins_self, asset_self, overspend, twice});
  const auto expect_refused = [&](const chain::Transaction& tx, std::string_view reason) {
    const CallRecord r = Record(tx);
    EXPECT_EQ(r.outcome, O(Outcome::kVmError)) << reason;
    EXPECT_EQ(r.error, E(VmError::kEffectRefused)) << reason;
    EXPECT_EQ(r.detail.rfind(reason, 0), 0u) << r.detail;
    EXPECT_TRUE(r.effects.empty());
  };
  expect_refused(coins_self, "transfer-to-self");
  expect_refused(asset_self, "transfer-to-self");
  expect_refused(overspend, "insufficient-balance");
  expect_refused(twice, "not-custodian");
  EXPECT_EQ(AssetOf(asset).custodian, f_.Id(kBob));
  EXPECT_EQ(EventsOf(asset).size(), 1u);
  EXPECT_EQ(BalanceOf(c), 0u);
}

TEST_F(ContractRulesTest, SplitAndMergeCreateAssetsOfTheContract) {
  const AccountId c = DeployAbuse();
  auto [issue, asset] = Issue(kBob, 10);
  Mine({issue});
  const auto call = Tx(kBob, CallOp(c, "split_merge", {}, 0, {asset}));
  Mine({call});
  const CallRecord r = Record(call);
  ASSERT_EQ(r.outcome, O(Outcome::kSuccess)) << r.detail;
  const Hash256 a = chain::AssetIdFor(params_.chain_id(), c, 0, 0);
  const Hash256 b = chain::AssetIdFor(params_.chain_id(), c, 0, 1);
  const Hash256 merged = chain::AssetIdFor(params_.chain_id(), c, 1, 0);
  ASSERT_EQ(r.effects.size(), 3u);
  EXPECT_EQ(r.effects[0].kind, ContractEffectKind::kSplit);
  EXPECT_EQ(r.effects[0].asset, asset);
  EXPECT_EQ(r.effects[0].amount, 3u);  // the first part
  EXPECT_EQ(r.effects[0].created, (std::vector<Hash256>{a, b}));
  EXPECT_EQ(r.effects[1].kind, ContractEffectKind::kMerge);
  EXPECT_EQ(r.effects[1].asset, a);
  EXPECT_EQ(r.effects[1].with, b);
  EXPECT_EQ(r.effects[1].created, std::vector<Hash256>{merged});
  EXPECT_EQ(r.effects[2].kind, ContractEffectKind::kAsset);
  EXPECT_EQ(AssetOf(a).quantity, 3u);
  EXPECT_EQ(AssetOf(b).quantity, 7u);
  EXPECT_EQ(AssetOf(a).issuer, c);
  EXPECT_EQ(AssetOf(merged).quantity, 10u);
  EXPECT_EQ(AssetOf(merged).unit, "kg");
  EXPECT_EQ(AssetOf(merged).custodian, f_.Id(kBob));
  EXPECT_EQ(AccountOf(c).nonce, 2u);  // one per asset-creating effect
  EXPECT_EQ(EventsOf(asset).back().actor, c);
}

TEST_F(ContractRulesTest, SimulationMatchesTheCallAndWritesNothing) {
  const AccountId c = DeployAbuse();
  auto [issue, asset] = Issue(kBob, 10);
  Mine({issue});
  const ContractCallOp op = CallOp(c, "split_merge", {}, 0, {asset});
  CallRecord simulated;
  ValidationResult sim;
  cs_->WithTipState([&](const chain::KvReader& state, const TipInfo& tip) {
    const BlockContext ctx{Hash256{}, tip.height + 1, tip.header.time + 60};
    sim = SimulateContractCall(params_, ctx, f_.Id(kBob), op, state, &simulated);
  });
  ASSERT_TRUE(sim.valid()) << sim.ToString();
  EXPECT_EQ(AssetOf(asset).custodian, f_.Id(kBob));  // nothing written
  const auto call = Tx(kBob, op);
  Mine({call});
  EXPECT_EQ(simulated, Record(call));
  // A refused tx: Invalid, as the block would say.
  cs_->WithTipState([&](const chain::KvReader& state, const TipInfo& tip) {
    const BlockContext ctx{Hash256{}, tip.height + 1, tip.header.time + 60};
    sim = SimulateContractCall(params_, ctx, f_.Id(kAlice), op, state, &simulated);
  });
  EXPECT_EQ(sim.code(), Reason::kAssetClosed);  // the asset was split by the call
}

TEST_F(ContractRulesTest, DisconnectingCallsRestoresEveryStateKey) {
  const AccountId c = DeployAbuse();
  auto [issue, asset] = Issue(kBob, 10);
  Mine({issue});
  const auto before = StateKeys();
  const size_t mined = blocks_.size();
  auto [deploy, counter] = Deploy(kAlice, Code(kInitStore), {uint64_t{1}}, 100'000);
  Mine({deploy, Tx(kBob, CallOp(c, "split_merge", {}, 0, {asset})), Tx(kBob, CallOp(c, "keep"))});
  Mine({Tx(kBob, CallOp(c, "keep_then_abort", {}, 3)),
        Tx(kAlice, CallOp(counter, "put", {uint64_t{9}})),
        Tx(kBob, chain::AssetAttestOp{asset, "grade", "A", {}})});
  const auto after = StateKeys();
  ASSERT_NE(before, after);
  ASSERT_TRUE(cs_->InvalidateBlock(blocks_[mined].header.Id()).valid());
  EXPECT_EQ(StateKeys(), before);
  // Connecting them again gives the same state.
  ASSERT_TRUE(cs_->ReconsiderBlock(blocks_[mined].header.Id()).valid());
  EXPECT_EQ(cs_->Tip().id, blocks_.back().header.Id());
  EXPECT_EQ(StateKeys(), after);
}

}  // namespace
}  // namespace waybill::consensus
