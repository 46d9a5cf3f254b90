// The example contracts of contracts/examples/ (read from the source tree): each assembles and
// validates, and each entry's happy path and every refusal runs on the fake Host as consensus
// would run it (attachments moved to the contract first, everything undone when a call fails).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "contracts/assembler.h"
#include "contracts/interpreter.h"
#include "tests/unit/contracts_test_util.h"

namespace waybill::contracts {
namespace {

using testing::B;
using testing::FakeHost;
using testing::Id;

chain::Bytes IdBytes(const chain::Hash256& id) {
  return chain::Bytes(id.bytes.begin(), id.bytes.end());
}

chain::Bytes BigEndian(uint64_t v) {
  chain::Bytes out(8);
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
  return out;
}

std::shared_ptr<const ValidatedCode> LoadExample(const std::string& name) {
  const std::string path = std::string(SOURCE_DIR) + "/contracts/examples/" + name;
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().empty()) throw std::runtime_error("cannot read " + path);
  auto program = Assemble(text.str());
  if (!program.ok()) throw std::runtime_error(path + ": " + program.status().reason());
  return testing::MustValidate(*program);
}

// A contract on the fake ledger, called as consensus will call it.
class ExampleTest : public ::testing::Test {
 protected:
  const chain::AccountId kE = Id(0xe0), kF = Id(0xf0), kStranger = Id(0x55);
  const chain::Hash256 kAsset = Id(0xa1);

  struct Call {
    std::string entry;
    chain::AccountId sender;
    std::vector<Argument> args;
    uint64_t height = 0;
    uint64_t coins = 0;
    std::vector<chain::Hash256> assets;
  };

  // Moves the attachments to the contract, runs the call, and undoes everything unless it
  // succeeds (consensus runs each call on an overlay it drops).
  ExecResult Run(const Call& call) {
    FakeHost before = host_;
    host_.balance += call.coins;
    for (const auto& a : call.assets) host_.assets[a].custodian = host_.self;
    CallInput input;
    input.entry = call.entry;
    input.args = call.args;
    input.self = host_.self;
    input.sender = call.sender;
    input.height = call.height;
    input.attached_coins = call.coins;
    input.attached_assets = call.assets;
    input.gas_limit = 5'000'000;  // max_tx_gas of the networks' genesis files
    auto r = Execute(*code_, input, host_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r->ok()) host_ = before;
    return *r;
  }
  // Expects the call to abort with code, changing nothing.
  void ExpectAbort(const Call& call, uint64_t code) {
    const auto storage = host_.storage;
    const auto sent = host_.sent.size();
    ExecResult r = Run(call);
    EXPECT_EQ(r.outcome, Outcome::kAborted) << call.entry << ": " << r.ToString();
    EXPECT_EQ(r.abort_code, code) << call.entry << ": " << r.ToString();
    EXPECT_EQ(host_.storage, storage);
    EXPECT_EQ(host_.sent.size(), sent);
  }
  void ExpectOk(const Call& call, const std::vector<chain::Bytes>& logs) {
    ExecResult r = Run(call);
    ASSERT_TRUE(r.ok()) << call.entry << ": " << r.ToString();
    EXPECT_EQ(r.logs, logs) << call.entry;
  }

  std::shared_ptr<const ValidatedCode> code_;
  FakeHost host_;
};

// ---- Escrow with a deadline ----------------------------------------------------------------

class EscrowTest : public ExampleTest {
 protected:
  void SetUp() override {
    code_ = LoadExample("escrow.asm");
    host_.assets[kAsset] = AssetFacts{kE, 10, "kg", 0};
  }
  Call SetupCall() {
    return {"setup", kE, {IdBytes(kF), uint64_t{500}, uint64_t{100}}, 50, 0, {kAsset}};
  }
  Call Pay(chain::AccountId who, uint64_t height, uint64_t coins) {
    return {"pay", who, {}, height, coins, {}};
  }
  Call Claim(chain::AccountId who, uint64_t height) { return {"claim", who, {}, height, 0, {}}; }
};

TEST_F(EscrowTest, PayBeforeTheDeadlineReleasesBoth) {
  ExpectOk(SetupCall(), {});
  // One record: E | F | the collateral | the price | the deadline (escrow.asm's header).
  chain::Bytes record = IdBytes(kE);
  for (const chain::Bytes& field : {IdBytes(kF), IdBytes(kAsset), BigEndian(500), BigEndian(100)}) {
    record.insert(record.end(), field.begin(), field.end());
  }
  EXPECT_EQ(host_.storage, (std::map<chain::Bytes, chain::Bytes>{{B("escrow"), record}}));
  EXPECT_EQ(host_.assets[kAsset].custodian, host_.self);
  ExpectOk(Pay(kE, 99, 500), {B("paid")});
  EXPECT_EQ(host_.sent, (std::vector<FakeHost::Sent>{{kF, 500, {}}, {kE, 0, kAsset}}));
  EXPECT_EQ(host_.assets[kAsset].custodian, kE);
  EXPECT_EQ(host_.balance, 0u);
  EXPECT_TRUE(host_.storage.empty());
  // Closed: nothing more to pay or claim, and it can be set up again.
  ExpectAbort(Pay(kE, 99, 500), 3);
  ExpectAbort(Claim(kF, 200), 3);
  ExpectOk(SetupCall(), {});
}

TEST_F(EscrowTest, FromTheDeadlineFClaims) {
  ExpectOk(SetupCall(), {});
  ExpectAbort(Claim(kF, 99), 7);      // before the deadline
  ExpectAbort(Pay(kE, 100, 500), 6);  // E is too late
  ExpectOk(Claim(kF, 100), {B("claimed")});
  EXPECT_EQ(host_.assets[kAsset].custodian, kF);
  EXPECT_TRUE(host_.storage.empty());
  EXPECT_EQ(host_.sent, (std::vector<FakeHost::Sent>{{kF, 0, kAsset}}));
}

TEST_F(EscrowTest, Refusals) {
  ExpectAbort(Pay(kE, 10, 500), 3);  // not set up
  ExpectAbort(Claim(kF, 200), 3);
  ExpectAbort({"setup", kE, {IdBytes(kF), uint64_t{500}, uint64_t{100}}, 50, 0, {}}, 2);
  ExpectAbort({"setup", kE, {IdBytes(kF), uint64_t{500}}, 50, 0, {kAsset}}, 2);
  ExpectAbort({"setup", kE, {B("short"), uint64_t{500}, uint64_t{100}}, 50, 0, {kAsset}}, 2);
  ExpectAbort({"setup", kE, {IdBytes(kF), uint64_t{0}, uint64_t{100}}, 50, 0, {kAsset}}, 2);
  ExpectOk(SetupCall(), {});
  ExpectAbort(SetupCall(), 1);
  ExpectAbort(Pay(kStranger, 99, 500), 4);
  ExpectAbort(Pay(kF, 99, 500), 4);
  ExpectAbort(Claim(kStranger, 200), 4);
  ExpectAbort(Claim(kE, 200), 4);
  ExpectAbort(Pay(kE, 99, 499), 5);
  ExpectAbort(Pay(kE, 99, 501), 5);
  EXPECT_EQ(host_.assets[kAsset].custodian, host_.self);
  EXPECT_EQ(host_.balance, 0u);  // every refused payment went back
}

// ---- Payment on delivery -------------------------------------------------------------------

class DeliveryTest : public ExampleTest {
 protected:
  const chain::AccountId kBuyer = Id(0xb0), kSeller = Id(0x5e);
  void SetUp() override {
    code_ = LoadExample("payment_on_delivery.asm");
    host_.assets[kAsset] = AssetFacts{kSeller, 10, "kg", 0};
  }
  Call Order(uint64_t coins) {
    return {"order", kBuyer, {IdBytes(kSeller), IdBytes(kAsset), uint64_t{100}}, 50, coins, {}};
  }
};

TEST_F(DeliveryTest, CustodyToTheBuyerPaysTheSeller) {
  ExpectOk(Order(700), {B("ordered")});
  EXPECT_EQ(host_.balance, 700u);
  ExpectAbort({"release", kSeller, {}, 60, 0, {}}, 8);  // not delivered yet
  host_.assets[kAsset].custodian = kBuyer;              // the seller's asset.transfer
  ExpectOk({"release", kSeller, {}, 60, 0, {}}, {B("paid")});
  EXPECT_EQ(host_.sent, (std::vector<FakeHost::Sent>{{kSeller, 700, {}}}));
  EXPECT_TRUE(host_.storage.empty());
  ExpectAbort({"release", kSeller, {}, 60, 0, {}}, 3);
}

TEST_F(DeliveryTest, RefundFromTheDeadlineIfNotDelivered) {
  ExpectOk(Order(700), {B("ordered")});
  ExpectAbort({"refund", kBuyer, {}, 99, 0, {}}, 7);
  ExpectAbort({"refund", kSeller, {}, 100, 0, {}}, 4);
  ExpectOk({"refund", kBuyer, {}, 100, 0, {}}, {B("refunded")});
  EXPECT_EQ(host_.sent, (std::vector<FakeHost::Sent>{{kBuyer, 700, {}}}));
  EXPECT_TRUE(host_.storage.empty());
}

TEST_F(DeliveryTest, Refusals) {
  ExpectAbort({"release", kSeller, {}, 60, 0, {}}, 3);
  ExpectAbort({"refund", kBuyer, {}, 200, 0, {}}, 3);
  ExpectAbort(Order(0), 2);
  ExpectAbort({"order", kBuyer, {IdBytes(kSeller), IdBytes(kAsset)}, 50, 700, {}}, 2);
  ExpectAbort({"order", kBuyer, {B("x"), IdBytes(kAsset), uint64_t{100}}, 50, 700, {}}, 2);
  ExpectAbort({"order", kBuyer, {IdBytes(kSeller), B("x"), uint64_t{100}}, 50, 700, {}}, 2);
  ExpectOk(Order(700), {B("ordered")});
  ExpectAbort(Order(700), 1);
  host_.assets[kAsset].custodian = kBuyer;
  ExpectAbort({"refund", kBuyer, {}, 200, 0, {}}, 9);  // delivered: the seller is owed
  EXPECT_EQ(host_.balance, 700u);
}

TEST_F(DeliveryTest, AnUnknownAssetIsAVmError) {
  ExpectOk({"order", kBuyer, {IdBytes(kSeller), IdBytes(Id(0x77)), uint64_t{100}}, 50, 700, {}},
           {B("ordered")});
  ExecResult r = Run({"release", kSeller, {}, 60, 0, {}});
  EXPECT_EQ(r.outcome, Outcome::kVmError);
  EXPECT_EQ(r.error, VmError::kUnknownAsset) << r.ToString();
}

// ---- Multi-party approval ------------------------------------------------------------------

class ApprovalTest : public ExampleTest {
 protected:
  const chain::AccountId kTo = Id(0x70);
  std::vector<chain::AccountId> parties_ = {Id(0x01), Id(0x02), Id(0x03)};
  void SetUp() override {
    code_ = LoadExample("approval.asm");
    host_.assets[kAsset] = AssetFacts{kE, 10, "kg", 0};
  }
  chain::Bytes Parties() const {
    chain::Bytes out;
    for (const auto& p : parties_) out.insert(out.end(), p.bytes.begin(), p.bytes.end());
    return out;
  }
  Call SetupCall(uint64_t m) { return {"setup", kE, {IdBytes(kTo), m, Parties()}, 1, 0, {kAsset}}; }
  Call Approve(chain::AccountId who, uint64_t i) { return {"approve", who, {i}, 2, 0, {}}; }
};

TEST_F(ApprovalTest, TheMthApprovalMovesTheAsset) {
  ExpectOk(SetupCall(2), {});
  ExpectOk(Approve(parties_[2], 2), {B("approved")});
  EXPECT_EQ(host_.storage.at(B("mask")), BigEndian(4));
  EXPECT_EQ(host_.assets[kAsset].custodian, host_.self);
  ExpectAbort(Approve(parties_[2], 2), 10);  // twice by one party counts once
  ExpectOk(Approve(parties_[0], 0), {B("released")});
  EXPECT_EQ(host_.assets[kAsset].custodian, kTo);
  EXPECT_EQ(host_.sent, (std::vector<FakeHost::Sent>{{kTo, 0, kAsset}}));
  EXPECT_TRUE(host_.storage.empty());
  ExpectAbort(Approve(parties_[1], 1), 3);
}

TEST_F(ApprovalTest, AllOfN) {
  ExpectOk(SetupCall(3), {});
  ExpectOk(Approve(parties_[0], 0), {B("approved")});
  ExpectOk(Approve(parties_[1], 1), {B("approved")});
  EXPECT_EQ(host_.assets[kAsset].custodian, host_.self);
  ExpectOk(Approve(parties_[2], 2), {B("released")});
  EXPECT_EQ(host_.assets[kAsset].custodian, kTo);
}

TEST_F(ApprovalTest, Refusals) {
  ExpectAbort(Approve(parties_[0], 0), 3);
  ExpectAbort(SetupCall(0), 2);  // m = 0
  ExpectAbort(SetupCall(4), 2);  // m > n
  ExpectAbort({"setup", kE, {IdBytes(kTo), uint64_t{1}, chain::Bytes()}, 1, 0, {kAsset}}, 2);
  ExpectAbort({"setup", kE, {IdBytes(kTo), uint64_t{1}, B("not 32 bytes")}, 1, 0, {kAsset}}, 2);
  ExpectAbort({"setup", kE, {IdBytes(kTo), uint64_t{1}, Parties()}, 1, 0, {}}, 2);
  ExpectAbort({"setup", kE, {B("x"), uint64_t{1}, Parties()}, 1, 0, {kAsset}}, 2);
  ExpectOk(SetupCall(2), {});
  ExpectAbort(SetupCall(2), 1);
  ExpectAbort(Approve(kStranger, 0), 4);
  ExpectAbort(Approve(parties_[1], 0), 4);  // party 1 claiming to be party 0
  ExpectAbort(Approve(parties_[0], 3), 4);  // no party 3
  ExpectAbort({"approve", parties_[0], {}, 2, 0, {}}, 2);
  EXPECT_EQ(host_.assets[kAsset].custodian, host_.self);
}

// ---- Cold-chain guard ----------------------------------------------------------------------

class ColdChainTest : public ExampleTest {
 protected:
  const chain::AccountId kNext = Id(0x4e);
  const chain::AccountId kSensorA = Id(0x5a), kSensorB = Id(0x5b);
  static constexpr uint64_t kLow = 27515, kHigh = 28115;  // 2..8 C in hundredths of a kelvin
  void SetUp() override {
    code_ = LoadExample("cold_chain.asm");
    host_.assets[kAsset] = AssetFacts{kE, 10, "kg", 0};
  }
  Call SetupCall() {
    chain::Bytes sensors = IdBytes(kSensorA);
    sensors.insert(sensors.end(), kSensorB.bytes.begin(), kSensorB.bytes.end());
    return {"setup", kE, {IdBytes(kNext), sensors, kLow, kHigh, uint64_t{100}}, 1, 0, {kAsset}};
  }
  void Reading(const chain::AccountId& sensor, uint64_t min, uint64_t max) {
    host_.attestations[{kAsset, B("temp_min"), sensor}] = BigEndian(min);
    host_.attestations[{kAsset, B("temp_max"), sensor}] = BigEndian(max);
  }
  Call Release() { return {"release", kNext, {}, 50, 0, {}}; }
};

TEST_F(ColdChainTest, EveryReadingWithinBoundsReleases) {
  ExpectOk(SetupCall(), {});
  Reading(kSensorA, kLow, kHigh);  // the bounds are inclusive
  ExpectAbort(Release(), 11);      // sensor B has not attested
  Reading(kSensorB, 27600, 28000);
  ExpectOk(Release(), {B("released")});
  EXPECT_EQ(host_.assets[kAsset].custodian, kNext);
  EXPECT_TRUE(host_.storage.empty());
}

TEST_F(ColdChainTest, OutOfBoundsHoldsTheShipmentUntilTheShipperReclaims) {
  ExpectOk(SetupCall(), {});
  Reading(kSensorA, 27600, 28000);
  Reading(kSensorB, 27600, kHigh + 1);
  ExpectAbort(Release(), 12);
  Reading(kSensorB, kLow - 1, 28000);
  ExpectAbort(Release(), 12);
  Reading(kSensorB, 27600, 28000);
  host_.attestations.erase({kAsset, B("temp_max"), kSensorB});
  ExpectAbort(Release(), 11);  // one claim is not enough
  ExpectAbort({"reclaim", kE, {}, 99, 0, {}}, 7);
  ExpectAbort({"reclaim", kNext, {}, 100, 0, {}}, 4);
  ExpectOk({"reclaim", kE, {}, 100, 0, {}}, {B("reclaimed")});
  EXPECT_EQ(host_.assets[kAsset].custodian, kE);
  EXPECT_TRUE(host_.storage.empty());
  ExpectAbort(Release(), 3);
}

TEST_F(ColdChainTest, SetupRefusals) {
  const chain::Bytes one = IdBytes(kSensorA);
  ExpectAbort({"setup", kE, {IdBytes(kNext), one, kLow, kHigh, uint64_t{100}}, 1, 0, {}}, 2);
  ExpectAbort({"setup", kE, {IdBytes(kNext), one, kLow, kHigh}, 1, 0, {kAsset}}, 2);
  ExpectAbort(
      {"setup", kE, {IdBytes(kNext), chain::Bytes(), kLow, kHigh, uint64_t{100}}, 1, 0, {kAsset}},
      2);
  ExpectAbort({"setup", kE, {IdBytes(kNext), B("odd"), kLow, kHigh, uint64_t{100}}, 1, 0, {kAsset}},
              2);
  ExpectAbort({"setup", kE, {IdBytes(kNext), one, kHigh, kLow, uint64_t{100}}, 1, 0, {kAsset}}, 2);
  ExpectOk({"setup", kE, {IdBytes(kNext), one, kLow, kHigh, uint64_t{100}}, 1, 0, {kAsset}}, {});
  ExpectAbort(SetupCall(), 1);
  Reading(kSensorA, 27600, 28000);
  ExpectOk(Release(), {B("released")});  // one sensor suffices when it is the only one
}

}  // namespace
}  // namespace waybill::contracts
