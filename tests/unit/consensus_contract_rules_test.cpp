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
#include "contracts/opcodes.h"
#include "contracts/validator.h"
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
  // init's gas_limit covers the base intrinsic gas.
  const uint64_t base = contracts::kRunBaseGas;
  EXPECT_EQ(CheckReason(ContractDeployOp{with_init, {uint64_t{1}}, 0}), Reason::kBadGasLimit);
  EXPECT_EQ(CheckReason(ContractDeployOp{with_init, {uint64_t{1}}, base - 1}),
            Reason::kBadGasLimit);
  EXPECT_TRUE(CheckTransaction(WithOp(ContractDeployOp{with_init, {uint64_t{1}}, base})).valid());
  std::vector<chain::ContractArg> many(chain::kMaxContractArgs + 1, uint64_t{0});
  EXPECT_EQ(CheckReason(ContractDeployOp{with_init, many, base}), Reason::kBadContractArgs);
  EXPECT_EQ(CheckReason(ContractDeployOp{
                with_init, {chain::Bytes(chain::kMaxContractArgBytes + 1, 1)}, base}),
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
  EXPECT_EQ(CheckReason(CallOp(c, "pay", {}, 0, {}, contracts::kRunBaseGas - 1)),
            Reason::kBadGasLimit);
  EXPECT_TRUE(
      CheckTransaction(WithOp(CallOp(c, "pay", {}, 0, {}, contracts::kRunBaseGas))).valid());
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
  const ContractCallOp op = CallOp(c, "keep", {}, 0, {}, 150'000);
  const chain::Transaction probe = f_.Make(kAlice, nonces_[kAlice], op, 0);
  const size_t size = probe.Serialize().size();
  const chain::Amount exact = size * params_.min_fee_per_byte + 150'000 * testing::kGasPrice;
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
  const uint64_t gas = contracts::kRunBaseGas;
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
  auto [deploy, id] = Deploy(kAlice, Code(kInitStore), {uint64_t{77}}, 300'000);
  Mine({deploy});
  const CallRecord r = Record(deploy);
  EXPECT_EQ(r.entry, "init");
  EXPECT_EQ(r.outcome, O(Outcome::kSuccess));
  EXPECT_EQ(r.contract, id);
  EXPECT_GT(r.gas_used, 0u);
  EXPECT_EQ(r.gas_limit, 300'000u);
  EXPECT_EQ(Storage(id, "k"), (chain::Bytes{0, 0, 0, 0, 0, 0, 0, 77}));
  ASSERT_TRUE(Contract(id).has_value());
  EXPECT_EQ(CallCount(id), 0u);  // init is no call

  // init without an argument fails (argument-index): no contract, the fee is paid.
  const chain::Amount before = BalanceOf(f_.Id(kAlice));
  auto [bad, bad_id] = Deploy(kAlice, Code(kInitStore), {}, 300'000);
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
  const uint64_t calls = CallCount(c);
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
  EXPECT_EQ(CallCount(c), calls + 1);  // a failed call is still a call
}

TEST_F(ContractRulesTest, AnEndlessLoopRunsOutOfGasAtTheLimit) {
  const AccountId c = DeployAbuse();
  ASSERT_GT(300'003u, contracts::IntrinsicGas(Code(kAbuse).size()));  // the loop runs
  const auto spin = Tx(kBob, CallOp(c, "spin", {}, 0, {}, 300'003));
  Mine({spin});
  const CallRecord r = Record(spin);
  EXPECT_EQ(r.outcome, O(Outcome::kOutOfGas));
  EXPECT_EQ(r.gas_used, 300'003u);
  EXPECT_EQ(r.gas_limit, 300'003u);
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

// The VM gas of a run of entry in code without a backward jump: the validator's static bound,
// which is exact for code that has one path.
uint64_t StaticGas(const chain::Bytes& code, std::string_view entry) {
  auto v = contracts::ValidateBytecode(code);
  const auto* validated = std::get_if<std::shared_ptr<const contracts::ValidatedCode>>(&v);
  EXPECT_TRUE(validated != nullptr);
  if (validated == nullptr) return 0;
  const std::optional<size_t> i = (*validated)->FindEntry(entry);
  EXPECT_TRUE(i.has_value()) << entry;
  const std::optional<uint64_t> gas = i ? (*validated)->StaticGasBound(*i) : std::nullopt;
  EXPECT_TRUE(gas.has_value()) << entry;
  return gas.value_or(0);
}

// docs/CONTRACTS.md "Execution": a run is charged IntrinsicGas(code size) before its first
// instruction; below it the run is out of gas having used its whole limit and nothing runs
// (the attachments come back); from it on the VM gets the rest, and gas_used is the intrinsic
// gas plus the VM's.
TEST_F(ContractRulesTest, TheIntrinsicGasIsChargedBeforeTheFirstInstruction) {
  const chain::Bytes code = Code(kAbuse);
  const AccountId c = DeployAbuse();
  const uint64_t intrinsic = contracts::IntrinsicGas(code.size());
  EXPECT_EQ(intrinsic, contracts::kRunBaseGas + contracts::kRunGasPerCodeByte * code.size());
  ASSERT_TRUE(Contract(c).has_value());
  EXPECT_EQ(Contract(c)->code_size, code.size());
  EXPECT_EQ(Contract(c)->code_hash, chain::ContractCodeHash(code));
  const uint64_t keep = StaticGas(code, "keep");  // PUSHC, PUSHC, SSTORE, STOP
  EXPECT_EQ(keep, 2 * contracts::InfoOf(contracts::Op::kPushC).gas +
                      contracts::InfoOf(contracts::Op::kStoragePut).gas +
                      contracts::InfoOf(contracts::Op::kStop).gas);
  auto [issue, asset] = Issue(kBob, 10);
  Mine({issue});
  const chain::Amount before = BalanceOf(f_.Id(kBob));
  const auto below = Tx(kBob, CallOp(c, "keep", {}, 7, {asset}, intrinsic - 1));
  const auto at = Tx(kBob, CallOp(c, "keep", {}, 0, {}, intrinsic));
  const auto one_short = Tx(kBob, CallOp(c, "keep", {}, 0, {}, intrinsic + keep - 1));
  Mine({below, at, one_short});
  for (const auto* tx : {&below, &at, &one_short}) {
    const CallRecord r = Record(*tx);
    EXPECT_EQ(r.outcome, O(Outcome::kOutOfGas));
    EXPECT_EQ(r.error, E(VmError::kOutOfGas));
    EXPECT_EQ(r.gas_used, r.gas_limit);
    EXPECT_EQ(r.gas_limit, std::get<ContractCallOp>(tx->op).gas_limit);
    EXPECT_TRUE(r.effects.empty());
  }
  EXPECT_EQ(Record(below).error_offset, 0u);  // no instruction ran
  EXPECT_TRUE(Storage(c, "x").empty());
  EXPECT_EQ(AssetOf(asset).custodian, f_.Id(kBob));  // the attachments came back
  EXPECT_EQ(EventsOf(asset).size(), 1u);
  EXPECT_EQ(BalanceOf(c), 0u);
  EXPECT_EQ(BalanceOf(f_.Id(kBob)), before - below.fee - at.fee - one_short.fee);
  EXPECT_EQ(CallCount(c), 3u);  // each is a call

  const auto exact = Tx(kBob, CallOp(c, "keep", {}, 0, {}, intrinsic + keep));
  const auto more = Tx(kBob, CallOp(c, "keep", {}, 0, {}, intrinsic + keep + 1'000));
  Mine({exact, more});
  for (const auto* tx : {&exact, &more}) {
    const CallRecord r = Record(*tx);
    EXPECT_EQ(r.outcome, O(Outcome::kSuccess)) << r.detail;
    EXPECT_EQ(r.gas_used, intrinsic + keep);
  }
  EXPECT_EQ(Storage(c, "x"), Text("1"));

  // The dry run reports the same figures.
  CallRecord simulated;
  cs_->WithTipState([&](const chain::KvReader& state, const TipInfo& tip) {
    const BlockContext ctx{Hash256{}, tip.height + 1, tip.header.time + 60};
    for (uint64_t gas : {intrinsic - 1, intrinsic + keep}) {
      const ValidationResult sim = SimulateContractCall(
          params_, ctx, f_.Id(kBob), CallOp(c, "keep", {}, 0, {}, gas), state, &simulated);
      ASSERT_TRUE(sim.valid()) << sim.ToString();
      EXPECT_EQ(simulated.gas_used, gas);
    }
  });
}

// A deploy's init is a run: the same rule, against the deploy's gas_limit and code size; out of
// gas before init creates no contract.
TEST_F(ContractRulesTest, AnInitIsChargedTheIntrinsicGasToo) {
  const chain::Bytes code = Code(kInitStore);
  const uint64_t intrinsic = contracts::IntrinsicGas(code.size());
  const uint64_t init = StaticGas(code, "init");
  auto [below, below_id] = Deploy(kAlice, code, {uint64_t{5}}, intrinsic - 1);
  auto [exact, exact_id] = Deploy(kAlice, code, {uint64_t{5}}, intrinsic + init);
  Mine({below, exact});
  EXPECT_EQ(Record(below).outcome, O(Outcome::kOutOfGas));
  EXPECT_EQ(Record(below).gas_used, intrinsic - 1);
  EXPECT_FALSE(Contract(below_id).has_value());
  EXPECT_EQ(Record(exact).outcome, O(Outcome::kSuccess));
  EXPECT_EQ(Record(exact).gas_used, intrinsic + init);
  EXPECT_EQ(Storage(exact_id, "k"), (chain::Bytes{0, 0, 0, 0, 0, 0, 0, 5}));
  // A deploy without init runs nothing and uses no gas.
  auto [plain, plain_id] = Deploy(kAlice, Code(kAbuse));
  Mine({plain});
  EXPECT_EQ(Record(plain).gas_used, 0u);
  EXPECT_TRUE(Contract(plain_id).has_value());
}

// A call writes its count ('j'), its entry in the call list ('l') and its record ('k'); the
// contract record ('o') and the code ('q') are written once, at deploy.
TEST_F(ContractRulesTest, ACallNeverRewritesTheContractRecordOrItsCode) {
  const AccountId c = DeployAbuse();
  const auto raw = [&](const std::string& key) {
    return Read<chain::Bytes>([&](const chain::KvReader& s) -> chain::Result<chain::Bytes> {
      chain::Bytes v;
      if (chain::Status st = s.Get(key, &v); !st.ok()) return st;
      return v;
    });
  };
  const chain::Bytes record = raw(chain::keys::Contract(c));
  const chain::Bytes code = raw(chain::keys::ContractCode(c));
  EXPECT_EQ(code, Code(kAbuse));
  EXPECT_EQ(record.size(), 104u);
  const auto first = Tx(kBob, CallOp(c, "keep"));
  const auto second = Tx(kAlice, CallOp(c, "spin", {}, 0, {}, 100'000));  // out of gas
  Mine({first, second});
  EXPECT_EQ(raw(chain::keys::Contract(c)), record);
  EXPECT_EQ(raw(chain::keys::ContractCode(c)), code);
  EXPECT_EQ(raw(chain::keys::ContractCallCount(c)), chain::EncodeCallCount(2));
  const auto recent = Read<std::vector<Hash256>>(
      [&](const chain::KvReader& s) { return chain::RecentContractCalls(s, c, 10); });
  EXPECT_EQ(recent, (std::vector<Hash256>{second.Id(), first.Id()}));
  // Disconnected, the count goes back to what it was (absent: no call).
  ASSERT_TRUE(cs_->InvalidateBlock(blocks_.back().header.Id()).valid());
  EXPECT_EQ(CallCount(c), 0u);
  EXPECT_EQ(raw(chain::keys::Contract(c)), record);
}

// The code cache is keyed by the code's hash: when a reorg replaces a deploy by another under
// the same contract id (same sender and nonce) with other code, the calls run the new code.
TEST_F(ContractRulesTest, AReorgThatRedeploysAnIdWithOtherCodeRunsTheNewCode) {
  constexpr std::string_view kOne = ".entry get\n  PUSHC \"one\"\n  LOG\n  STOP\n";
  constexpr std::string_view kTwo = ".entry get\n  PUSHC \"two\"\n  LOG\n  STOP\n";
  const uint64_t nonce = nonces_[kAlice];
  auto [deploy_one, id] = Deploy(kAlice, Code(kOne));
  Mine({deploy_one});
  const size_t fork = blocks_.size() - 1;
  const auto call_one = Tx(kBob, CallOp(id, "get"));
  Mine({call_one});
  ASSERT_EQ(Record(call_one).logs, std::vector<chain::Bytes>{Text("one")});
  const uint64_t cached_hits = cs_->CodeCacheFigures().hits;
  EXPECT_GE(cached_hits, 1u);  // the deploy cached the code; the call found it

  ASSERT_TRUE(cs_->InvalidateBlock(blocks_[fork].header.Id()).valid());
  EXPECT_FALSE(Contract(id).has_value());
  blocks_.resize(fork);
  nonces_[kAlice] = nonce;
  nonces_[kBob]--;
  auto [deploy_two, id_two] = Deploy(kAlice, Code(kTwo));
  ASSERT_EQ(id_two, id);
  // A longer branch than the invalidated one, from the same parent.
  Mine({deploy_two});
  const auto call_two = Tx(kBob, CallOp(id, "get"));
  Mine({call_two});
  EXPECT_EQ(Record(call_two).logs, std::vector<chain::Bytes>{Text("two")});
  EXPECT_EQ(Contract(id)->code_hash, chain::ContractCodeHash(Code(kTwo)));
}

TEST_F(ContractRulesTest, DisconnectingCallsRestoresEveryStateKey) {
  const AccountId c = DeployAbuse();
  auto [issue, asset] = Issue(kBob, 10);
  Mine({issue});
  const auto before = StateKeys();
  const size_t mined = blocks_.size();
  auto [deploy, counter] = Deploy(kAlice, Code(kInitStore), {uint64_t{1}}, 300'000);
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
