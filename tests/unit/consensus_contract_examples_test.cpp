// The four example contracts of contracts/examples/, assembled and run through real blocks on
// a stored chain: each agreement's happy path and a refusal, with the ledger's view of every
// effect (balances, custody, the asset histories with the contract as actor, call records),
// and the same blocks connected on a second chainstate giving the same state and gas.
#include <gtest/gtest.h>

#include "chain/contract_state.h"
#include "contracts/interpreter.h"
#include "tests/unit/consensus_contract_test_util.h"

namespace waybill::consensus {
namespace {

using chain::AccountId;
using chain::CallRecord;
using chain::ContractEffectKind;
using chain::EventType;
using chain::Hash256;
using testing::IdArg;
using testing::Text;

constexpr int kE = 0;  // Alice: the party with the asset
constexpr int kF = 1;  // Bob
constexpr int kG = 2;  // Carol
constexpr int kH = 3;  // Dave

constexpr uint8_t kSuccess = static_cast<uint8_t>(contracts::Outcome::kSuccess);
constexpr uint8_t kAborted = static_cast<uint8_t>(contracts::Outcome::kAborted);

chain::Bytes BigEndian(uint64_t v, size_t n = 8) {
  chain::Bytes out(n);
  for (size_t i = n; i-- > 0; v >>= 8) out[i] = static_cast<uint8_t>(v);
  return out;
}

class ContractExamplesTest : public testing::ContractChainTest {
 protected:
  // Connects the blocks this test connected on a second, fresh chainstate without a code cache
  // (every run reads and validates its code): the state and every call record (gas included)
  // must come out identical to this one's, whose calls found their code in the cache.
  void ExpectSameOnReplay() {
    const auto here = StateKeys();
    const auto dir = testing::FreshTempDir("waybill_contract_replay");
    {
      ChainstateOptions options;
      options.clock = [] { return int64_t{1'800'000'000}; };
      options.verify_threads = 1;
      options.code_cache_bytes = 0;
      auto other = Chainstate::Open(dir.string(), params_, std::move(options));
      ASSERT_TRUE(other.ok()) << other.status().ToString();
      for (const chain::Block& b : blocks_) {
        BlockOutcome outcome;
        ValidationResult r = (*other)->ProcessBlockBytes(b.Serialize(), &outcome);
        ASSERT_TRUE(r.valid()) << r.ToString();
      }
    }
    const auto there = testing::StoredStateKeys(dir);
    std::filesystem::remove_all(dir);
    EXPECT_EQ(here, there);
    size_t records = 0;
    for (const auto& [key, value] : here) records += key[0] == chain::keys::kCallRecord;
    EXPECT_GT(records, 0u);
  }
};

TEST_F(ContractExamplesTest, EscrowPayReturnsTheCollateralAndPaysF) {
  auto [issue, asset] = Issue(kE, 100);
  auto [deploy, escrow] = Deploy(kE, testing::ExampleCode("escrow"));
  Mine({issue, deploy});
  EXPECT_EQ(Record(deploy).outcome, kSuccess);
  EXPECT_EQ(Record(deploy).entry, "");  // the escrow has no init
  ASSERT_TRUE(Contract(escrow).has_value());
  EXPECT_EQ(Contract(escrow)->deployer, f_.Id(kE));
  EXPECT_EQ(Contract(escrow)->deploy_txid, deploy.Id());

  const uint64_t price = 5'000;
  const auto setup =
      Tx(kE, testing::CallOp(escrow, "setup", {IdArg(f_.Id(kF)), uint64_t{price}, uint64_t{50}}, 0,
                             {asset}));
  Mine({setup});
  const CallRecord setup_record = Record(setup);
  EXPECT_EQ(setup_record.outcome, kSuccess) << setup_record.detail;
  EXPECT_GT(setup_record.gas_used, 0u);
  EXPECT_EQ(AssetOf(asset).custodian, escrow);
  // One record: E | F | the collateral | the price | the deadline (escrow.asm's header).
  chain::Bytes record = IdArg(f_.Id(kE));
  for (const chain::Bytes& field :
       {IdArg(f_.Id(kF)), IdArg(asset), BigEndian(price), BigEndian(50)}) {
    record.insert(record.end(), field.begin(), field.end());
  }
  EXPECT_EQ(Storage(escrow, "escrow"), record);

  const chain::Amount f_before = BalanceOf(f_.Id(kF));
  const auto pay = Tx(kE, testing::CallOp(escrow, "pay", {}, price));
  Mine({pay});
  const CallRecord r = Record(pay);
  ASSERT_EQ(r.outcome, kSuccess) << r.detail;
  EXPECT_EQ(r.contract, escrow);
  EXPECT_EQ(r.entry, "pay");
  EXPECT_EQ(r.logs, std::vector<chain::Bytes>{Text("paid")});
  ASSERT_EQ(r.effects.size(), 2u);
  EXPECT_EQ(r.effects[0].kind, ContractEffectKind::kCoins);
  EXPECT_EQ(r.effects[0].to, f_.Id(kF));
  EXPECT_EQ(r.effects[0].amount, price);
  EXPECT_EQ(r.effects[1].kind, ContractEffectKind::kAsset);
  EXPECT_EQ(r.effects[1].to, f_.Id(kE));
  EXPECT_EQ(r.effects[1].asset, asset);
  EXPECT_EQ(BalanceOf(f_.Id(kF)), f_before + price);
  EXPECT_EQ(BalanceOf(escrow), 0u);
  EXPECT_EQ(AssetOf(asset).custodian, f_.Id(kE));
  EXPECT_TRUE(Storage(escrow, "escrow").empty());  // closed: the record erased
  EXPECT_EQ(CallCount(escrow), 2u);

  // The asset's history: issued, attached by E (E acts), sent back by the contract (it acts);
  // the contract txs' events have contract event ids.
  const auto events = EventsOf(asset);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].type, EventType::kTransfer);
  EXPECT_EQ(events[1].actor, f_.Id(kE));
  EXPECT_EQ(events[1].counterparty, escrow);
  EXPECT_EQ(events[1].id, chain::ContractEventId(setup.Id(), asset, 1));
  EXPECT_EQ(events[2].type, EventType::kTransfer);
  EXPECT_EQ(events[2].actor, escrow);
  EXPECT_EQ(events[2].counterparty, f_.Id(kE));
  EXPECT_EQ(events[2].id, chain::ContractEventId(pay.Id(), asset, 2));
  EXPECT_EQ(events[2].prev_event, events[1].id);

  // The calls in order ('l'), newest first.
  const auto calls = Read<std::vector<Hash256>>(
      [&](const chain::KvReader& s) { return chain::RecentContractCalls(s, escrow, 10); });
  EXPECT_EQ(calls, (std::vector<Hash256>{pay.Id(), setup.Id()}));
  ExpectSameOnReplay();
}

TEST_F(ContractExamplesTest, EscrowClaimGivesTheCollateralToFFromTheDeadline) {
  auto [issue, asset] = Issue(kE, 100);
  auto [deploy, escrow] = Deploy(kE, testing::ExampleCode("escrow"));
  Mine({issue, deploy});
  const uint64_t deadline = cs_->Tip().height + 3;
  Mine({Tx(kE, testing::CallOp(escrow, "setup", {IdArg(f_.Id(kF)), uint64_t{10}, deadline}, 0,
                               {asset}))});
  // Too early: aborted 7, nothing changes but the call's record.
  const auto early = Tx(kF, testing::CallOp(escrow, "claim"));
  Mine({early});
  EXPECT_EQ(Record(early).outcome, kAborted);
  EXPECT_EQ(Record(early).abort_code, 7u);
  EXPECT_EQ(AssetOf(asset).custodian, escrow);
  while (cs_->Tip().height + 1 < deadline) Mine({});
  const auto claim = Tx(kF, testing::CallOp(escrow, "claim"));
  Mine({claim});
  EXPECT_EQ(Record(claim).outcome, kSuccess) << Record(claim).detail;
  EXPECT_EQ(Record(claim).logs, std::vector<chain::Bytes>{Text("claimed")});
  EXPECT_EQ(AssetOf(asset).custodian, f_.Id(kF));
  EXPECT_EQ(EventsOf(asset).back().actor, escrow);
  ExpectSameOnReplay();
}

TEST_F(ContractExamplesTest, PaymentOnDeliveryReleasesTheCoinsOnceTheBuyerHoldsTheAsset) {
  const int seller = kE, buyer = kF;
  auto [issue, asset] = Issue(seller, 10);
  auto [deploy, pod] = Deploy(buyer, testing::ExampleCode("payment_on_delivery"));
  Mine({issue, deploy});
  const uint64_t price = 7'000;
  const auto order =
      Tx(buyer,
         testing::CallOp(pod, "order", {IdArg(f_.Id(seller)), IdArg(asset), uint64_t{100}}, price));
  Mine({order});
  ASSERT_EQ(Record(order).outcome, kSuccess) << Record(order).detail;
  EXPECT_EQ(BalanceOf(pod), price);
  // Not delivered yet: release aborts 8.
  const auto early = Tx(kG, testing::CallOp(pod, "release"));
  Mine({early});
  EXPECT_EQ(Record(early).abort_code, 8u);
  EXPECT_EQ(BalanceOf(pod), price);
  // Delivery is an ordinary asset.transfer; then anyone releases.
  Mine({Tx(seller, chain::AssetTransferOp{asset, f_.Id(buyer)})});
  const chain::Amount seller_before = BalanceOf(f_.Id(seller));
  const auto release = Tx(kG, testing::CallOp(pod, "release"));
  Mine({release});
  const CallRecord r = Record(release);
  ASSERT_EQ(r.outcome, kSuccess) << r.detail;
  ASSERT_EQ(r.effects.size(), 1u);
  EXPECT_EQ(r.effects[0].kind, ContractEffectKind::kCoins);
  EXPECT_EQ(r.effects[0].amount, price);
  EXPECT_EQ(BalanceOf(f_.Id(seller)), seller_before + price);
  EXPECT_EQ(BalanceOf(pod), 0u);
  ExpectSameOnReplay();
}

TEST_F(ContractExamplesTest, ApprovalMovesTheAssetAtTheMthApproval) {
  auto [issue, asset] = Issue(kE, 10);
  auto [deploy, approval] = Deploy(kE, testing::ExampleCode("approval"));
  Mine({issue, deploy});
  chain::Bytes parties = IdArg(f_.Id(kF));
  const chain::Bytes g = IdArg(f_.Id(kG));
  parties.insert(parties.end(), g.begin(), g.end());
  const auto setup = Tx(
      kE, testing::CallOp(approval, "setup", {IdArg(f_.Id(kH)), uint64_t{2}, parties}, 0, {asset}));
  Mine({setup});
  ASSERT_EQ(Record(setup).outcome, kSuccess) << Record(setup).detail;
  // G claims to be party 0: aborted 4.
  const auto impostor = Tx(kG, testing::CallOp(approval, "approve", {uint64_t{0}}));
  const auto first = Tx(kF, testing::CallOp(approval, "approve", {uint64_t{0}}));
  Mine({impostor, first});
  EXPECT_EQ(Record(impostor).abort_code, 4u);
  EXPECT_EQ(Record(first).outcome, kSuccess);
  EXPECT_EQ(Record(first).logs, std::vector<chain::Bytes>{Text("approved")});
  EXPECT_EQ(AssetOf(asset).custodian, approval);
  // F again: aborted 10; then G: the second approval releases the asset to H.
  const auto again = Tx(kF, testing::CallOp(approval, "approve", {uint64_t{0}}));
  const auto second = Tx(kG, testing::CallOp(approval, "approve", {uint64_t{1}}));
  Mine({again, second});
  EXPECT_EQ(Record(again).abort_code, 10u);
  ASSERT_EQ(Record(second).outcome, kSuccess) << Record(second).detail;
  EXPECT_EQ(Record(second).logs, std::vector<chain::Bytes>{Text("released")});
  EXPECT_EQ(AssetOf(asset).custodian, f_.Id(kH));
  EXPECT_EQ(EventsOf(asset).back().actor, approval);
  ExpectSameOnReplay();
}

TEST_F(ContractExamplesTest, ColdChainReleasesOnlyWithEveryReadingInBounds) {
  const int shipper = kE, next = kF, sensor_a = kG, sensor_b = kH;
  auto [issue, asset] = Issue(shipper, 10);
  auto [deploy, guard] = Deploy(shipper, testing::ExampleCode("cold_chain"));
  Mine({issue, deploy});
  chain::Bytes sensors = IdArg(f_.Id(sensor_a));
  const chain::Bytes b = IdArg(f_.Id(sensor_b));
  sensors.insert(sensors.end(), b.begin(), b.end());
  // Bounds 0 C .. 5 C in hundredths of a kelvin; readings are big-endian bytes, written as text
  // whose bytes are that integer ("k{" = 0x6b7b = 27515 = 2 C).
  const auto setup = Tx(shipper, testing::CallOp(guard, "setup",
                                                 {IdArg(f_.Id(next)), sensors, uint64_t{27315},
                                                  uint64_t{27815}, uint64_t{1000}},
                                                 0, {asset}));
  Mine({setup});
  ASSERT_EQ(Record(setup).outcome, kSuccess) << Record(setup).detail;
  const auto attest = [&](int sensor, const char* claim, const char* value) {
    return Tx(sensor, chain::AssetAttestOp{asset, claim, value, {}});
  };
  // Sensor B has not attested yet: aborted 11.
  const auto missing = Tx(next, testing::CallOp(guard, "release"));
  Mine({attest(sensor_a, "temp_min", "k{"), attest(sensor_a, "temp_max", "l!"), missing});
  EXPECT_EQ(Record(missing).abort_code, 11u);
  // B's maximum is out of bounds ("o!" = 28449 > 27815): aborted 12.
  const auto hot = Tx(next, testing::CallOp(guard, "release"));
  Mine({attest(sensor_b, "temp_min", "k{"), attest(sensor_b, "temp_max", "o!"), hot});
  EXPECT_EQ(Record(hot).abort_code, 12u);
  EXPECT_EQ(AssetOf(asset).custodian, guard);
  // B's newer attestation of temp_max replaces it (the index names the newest): released.
  const auto release = Tx(next, testing::CallOp(guard, "release"));
  Mine({attest(sensor_b, "temp_max", "l!"), release});
  ASSERT_EQ(Record(release).outcome, kSuccess) << Record(release).detail;
  EXPECT_EQ(AssetOf(asset).custodian, f_.Id(next));
  ExpectSameOnReplay();
}

}  // namespace
}  // namespace waybill::consensus
