// The contract methods (node/rpc/contracts.h): callcontract runs a call on the tip state and
// writes nothing, getcontract shows a deployed contract with bounded lists, and
// getrawtransaction carries the call record of a confirmed contract tx. Driven through
// RpcTable::Handle on a regtest chain in a temp dir, with txs mined by generatetoaddress.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "chain/tx.h"
#include "contracts/assembler.h"
#include "contracts/bytecode.h"
#include "contracts/opcodes.h"
#include "tests/unit/node_rpc_test_util.h"

namespace waybill::node {
namespace {

using chain::Hash256;

// init stores its sender under "owner"; pay sends the attached coins back to the sender and
// logs "paid"; boom divides by zero; spin never ends.
constexpr const char* kSource = R"(
.entry init
  PUSHC "owner"
  SENDER
  SSTORE
  STOP
.entry pay
  SENDER
  ATTCOINS
  SENDCOINS
  PUSHC "paid"
  LOG
  STOP
.entry boom
  PUSH 1
  PUSH 0
  DIV
  STOP
.entry spin
loop:
  JUMP loop
)";

constexpr uint64_t kDeployGas = 1'000'000;

class RpcContractsTest : public testing::RpcTableFixture {
 protected:
  // The error message; fails unless the call failed with code.
  std::string ErrText(const std::string& method, Json params, int code) {
    return Err(method, std::move(params), code).value("message", "");
  }

  std::string Addr(const chain::AccountId& id) const {
    return chain::bech32::EncodeAddress(params_.address_prefix, id);
  }
  std::string Addr(int key) const { return Addr(Id(key)); }

  // A contract tx from key with a fee of its size fee and its gas at the network's prices.
  chain::Transaction ContractTx(int key, uint64_t nonce, chain::Operation op, uint64_t gas) {
    const chain::Transaction probe = Make(key, nonce, op, 0);
    const chain::Amount fee = *params_.MinFee(probe.Serialize().size()) + gas * params_.gas_price;
    return Make(key, nonce, std::move(op), fee);
  }

  // Deploys kSource from key 0 (nonce 0) and mines it; returns the contract's id.
  chain::AccountId Deploy() {
    auto program = contracts::Assemble(kSource);
    EXPECT_TRUE(program.ok()) << program.status().ToString();
    chain::ContractDeployOp op;
    op.code = contracts::EncodeProgram(*program);
    op.gas_limit = kDeployGas;
    deploy_ = ContractTx(0, 0, op, kDeployGas);
    EXPECT_TRUE(Accept(deploy_).valid());
    Mine();
    return chain::ContractIdFor(params_.chain_id(), Id(0), 0);
  }

  void Mine() { Ok("generatetoaddress", {1, Addr(9)}); }

  Json CallParams(const chain::AccountId& contract, const std::string& entry) const {
    return {{"contract", Addr(contract)}, {"entry", entry}};
  }

  chain::Transaction deploy_;
};

TEST_F(RpcContractsTest, BlockchainInfoTellsTheGasPrice) {
  Json info = Ok("getblockchaininfo");
  EXPECT_EQ(info["gas_price"], params_.gas_price);
  EXPECT_EQ(info["max_tx_gas"], params_.max_tx_gas);
  EXPECT_EQ(info["max_block_gas"], params_.max_block_gas);
  EXPECT_GE(params_.gas_price, 1u);
}

TEST_F(RpcContractsTest, GetContractShowsCodeStorageAndDeploy) {
  const chain::AccountId id = Deploy();
  Json c = Ok("getcontract", {Addr(id)});
  EXPECT_EQ(c["address"], Addr(id));
  EXPECT_EQ(c["account"], id.ToHex());
  EXPECT_EQ(c["deployer"], Addr(0));
  EXPECT_EQ(c["deploy_txid"], deploy_.Id().ToHex());
  EXPECT_EQ(c["height"], 1);
  EXPECT_EQ(c["code_size"].get<size_t>() * 2, c["code_hex"].get<std::string>().size());
  // Entries in name order; only the loop has no static bound.
  ASSERT_EQ(c["entries"].size(), 4u);
  EXPECT_EQ(c["entries"][0]["name"], "boom");
  EXPECT_EQ(c["entries"][1]["name"], "init");
  EXPECT_EQ(c["entries"][2]["name"], "pay");
  EXPECT_EQ(c["entries"][3]["name"], "spin");
  EXPECT_TRUE(c["entries"][2]["gas_bound"].is_number_unsigned());
  // The bound counts the intrinsic gas of the code's size.
  EXPECT_GT(c["entries"][2]["gas_bound"].get<uint64_t>(),
            contracts::IntrinsicGas(c["code_size"].get<uint64_t>()));
  EXPECT_TRUE(c["entries"][3]["gas_bound"].is_null());
  EXPECT_EQ(c["balance"], 0);
  EXPECT_EQ(c["call_count"], 0);
  EXPECT_EQ(c["calls"], Json::array());
  EXPECT_EQ(c["calls_truncated"], false);
  EXPECT_EQ(c["assets"], Json::array());
  // init ran at deploy: "owner" holds the deployer.
  ASSERT_EQ(c["storage"].size(), 1u);
  EXPECT_EQ(c["storage"][0]["key_text"], "owner");
  EXPECT_EQ(c["storage"][0]["value_hex"], Id(0).ToHex());
  EXPECT_EQ(c["storage_truncated"], false);
  // A limit of 0 lists nothing and says there is more.
  Json none = Ok("getcontract", {Addr(id), 0});
  EXPECT_EQ(none["storage"], Json::array());
  EXPECT_EQ(none["storage_truncated"], true);

  // The deploy's record: its init.
  Json tx = Ok("getrawtransaction", {deploy_.Id().ToHex(), 1});
  EXPECT_EQ(tx["op"]["type"], "contract.deploy");
  ASSERT_TRUE(tx.contains("call")) << tx.dump();
  EXPECT_EQ(tx["call"]["entry"], "init");
  EXPECT_EQ(tx["call"]["outcome"], "success");
  EXPECT_EQ(tx["call"]["gas_limit"], kDeployGas);
}

TEST_F(RpcContractsTest, GetContractRefusesWhatIsNoContract) {
  const chain::AccountId id = Deploy();
  EXPECT_EQ(ErrText("getcontract", {Addr(1)}, rpc_code::kInvalidAddress), "Contract not found");
  EXPECT_NE(
      ErrText("getcontract", {"wbx1nothing"}, rpc_code::kInvalidAddress).find("Invalid address"),
      std::string::npos);
  Err("getcontract", {Addr(id), 1001}, rpc_code::kInvalidParameter);
  Err("getcontract", {Addr(id), 0, 101}, rpc_code::kInvalidParameter);
  Err("getcontract", {Addr(id), 0, 0, 1001}, rpc_code::kInvalidParameter);
  Err("getcontract", {Addr(id), -1}, rpc_code::kInvalidParameter);
}

TEST_F(RpcContractsTest, CallContractRunsWithoutWriting) {
  const chain::AccountId id = Deploy();
  const chain::Account before = AccountOf(1);
  Json params = CallParams(id, "pay");
  params["coins"] = 5;
  params["sender"] = Addr(1);
  params["gas_limit"] = 500'000;
  Json r = Ok("callcontract", params);
  EXPECT_EQ(r["valid"], true);
  EXPECT_EQ(r["height"], 2);
  EXPECT_EQ(r["outcome"], "success") << r.dump();
  EXPECT_EQ(r["entry"], "pay");
  EXPECT_EQ(r["contract"], Addr(id));
  EXPECT_EQ(r["gas_limit"], 500'000);
  EXPECT_GT(r["gas_used"].get<uint64_t>(), 0u);
  EXPECT_LE(r["gas_used"].get<uint64_t>(), 500'000u);
  ASSERT_EQ(r["effects"].size(), 1u);
  EXPECT_EQ(r["effects"][0]["kind"], "coins");
  EXPECT_EQ(r["effects"][0]["to"], Addr(1));
  EXPECT_EQ(r["effects"][0]["amount"], 5);
  ASSERT_EQ(r["logs"].size(), 1u);
  EXPECT_EQ(r["logs"][0]["text"], "paid");
  EXPECT_FALSE(r.contains("error"));
  // Nothing was written: the sender's account and the contract are as they were.
  EXPECT_EQ(AccountOf(1).balance, before.balance);
  EXPECT_EQ(AccountOf(1).nonce, before.nonce);
  Json c = Ok("getcontract", {Addr(id)});
  EXPECT_EQ(c["balance"], 0);
  EXPECT_EQ(c["call_count"], 0);
}

TEST_F(RpcContractsTest, CallContractReportsFailuresAndRefusals) {
  const chain::AccountId id = Deploy();
  Json boom = Ok("callcontract", CallParams(id, "boom"));
  EXPECT_EQ(boom["valid"], true);
  EXPECT_EQ(boom["outcome"], "vm-error");
  EXPECT_EQ(boom["error"], "division-by-zero");
  EXPECT_TRUE(boom["error_offset"].is_number_unsigned());
  EXPECT_NE(boom["message"].get<std::string>().find("division-by-zero at code offset"),
            std::string::npos);
  // Without gas_limit the network's most: the loop uses all of what it is given.
  Json spin = Ok("callcontract", CallParams(id, "spin"));
  EXPECT_EQ(spin["outcome"], "out-of-gas");
  EXPECT_EQ(spin["gas_used"], params_.max_tx_gas);
  // Below the code's intrinsic gas: out of gas before the first instruction, the whole limit
  // used; below the base intrinsic gas: a tx of it would be refused.
  Json small = CallParams(id, "spin");
  small["gas_limit"] = contracts::kRunBaseGas + 1;
  EXPECT_EQ(Ok("callcontract", small)["gas_used"], contracts::kRunBaseGas + 1);
  small["gas_limit"] = contracts::kRunBaseGas - 1;
  Json below = Ok("callcontract", small);
  EXPECT_EQ(below["valid"], false);
  EXPECT_NE(below["reason"].get<std::string>().find("bad-gas-limit"), std::string::npos)
      << below.dump();
  // Coins the sender does not have: a tx of this call would be refused.
  Json poor = CallParams(id, "pay");
  poor["coins"] = 1;
  poor["sender"] = Addr(testing::kFundedKeys);  // holds nothing
  Json refused = Ok("callcontract", poor);
  EXPECT_EQ(refused["valid"], false);
  EXPECT_NE(refused["reason"].get<std::string>().find("insufficient-balance"), std::string::npos)
      << refused.dump();
  EXPECT_FALSE(refused.contains("outcome"));
  // An attached asset that does not exist.
  Json ghost = CallParams(id, "pay");
  ghost["sender"] = Addr(1);
  ghost["assets"] = {std::string(64, '1')};
  Json unknown = Ok("callcontract", ghost);
  EXPECT_EQ(unknown["valid"], false);
  EXPECT_NE(unknown["reason"].get<std::string>().find("unknown-asset"), std::string::npos);
}

TEST_F(RpcContractsTest, CallContractRefusesBadParams) {
  const chain::AccountId id = Deploy();
  EXPECT_EQ(ErrText("callcontract", CallParams(Id(1), "pay"), rpc_code::kInvalidAddress),
            "Contract not found");
  Err("callcontract", CallParams(id, "Pay"), rpc_code::kInvalidParameter);
  Err("callcontract", CallParams(id, std::string(33, 'a')), rpc_code::kInvalidParameter);
  Json p = CallParams(id, "pay");
  p["gas_limit"] = 0;
  Err("callcontract", p, rpc_code::kInvalidParameter);
  p = CallParams(id, "pay");
  p["args"] = {1.5};
  Err("callcontract", p, rpc_code::kInvalidParameter);
  p["args"] = {{{"hex", "zz"}}};
  Err("callcontract", p, rpc_code::kInvalidParameter);
  p["args"] = {{{"hex", std::string(2 * 1025, 'a')}}};
  Err("callcontract", p, rpc_code::kInvalidParameter);
  p["args"] = {"-1"};
  Err("callcontract", p, rpc_code::kInvalidParameter);
  p["args"] = Json::array();
  for (int i = 0; i < 17; ++i) p["args"].push_back(i);
  Err("callcontract", p, rpc_code::kInvalidParameter);
  p = CallParams(id, "pay");
  p["assets"] = {std::string(64, '1'), std::string(64, '1')};
  EXPECT_NE(ErrText("callcontract", p, rpc_code::kInvalidParameter).find("given twice"),
            std::string::npos);
  // Arguments of every accepted form run.
  p = CallParams(id, "boom");
  p["args"] = {uint64_t{1}, "18446744073709551615", {{"hex", "00ff"}}};
  EXPECT_EQ(Ok("callcontract", p)["valid"], true);
}

// A gas limit above max_tx_gas is the consensus refusal that sendrawtransaction gives a tx of
// the same call (code and message), not a parameter out of range.
TEST_F(RpcContractsTest, CallContractAboveMaxTxGasIsRefusedAsSendRawTransactionRefusesIt) {
  const chain::AccountId id = Deploy();
  for (const uint64_t gas : {params_.max_tx_gas + 1, UINT64_MAX}) {
    Json p = CallParams(id, "pay");
    p["gas_limit"] = gas;
    p["sender"] = Addr(1);
    const std::string called = ErrText("callcontract", p, rpc_code::kVerifyRejected);
    EXPECT_EQ(called.rfind("gas-limit-too-high", 0), 0u) << called;
    EXPECT_NE(called.find(std::to_string(gas)), std::string::npos) << called;
    chain::ContractCallOp op;
    op.contract = id;
    op.entry = "pay";
    op.gas_limit = gas;
    // The fee of a huge limit does not fit an amount: any fee, the gas rule comes first.
    const chain::Transaction tx =
        gas == UINT64_MAX ? Make(1, 0, op, 1'000'000) : ContractTx(1, 0, op, gas);
    const std::string sent = ErrText("sendrawtransaction", {chain::HexEncode(tx.Serialize())},
                                     rpc_code::kVerifyRejected);
    if (gas != UINT64_MAX) {
      EXPECT_EQ(called, sent);
    }
    EXPECT_EQ(sent.rfind("gas-limit-too-high", 0), 0u) << sent;
  }
  // At the bound it runs.
  Json p = CallParams(id, "pay");
  p["gas_limit"] = params_.max_tx_gas;
  EXPECT_EQ(Ok("callcontract", p)["valid"], true);
}

TEST_F(RpcContractsTest, MinedCallsAreRecordedAndListed) {
  const chain::AccountId id = Deploy();
  chain::ContractCallOp pay;
  pay.contract = id;
  pay.entry = "pay";
  pay.coins = 7;
  pay.gas_limit = 500'000;
  const chain::Transaction ok = ContractTx(1, 0, pay, pay.gas_limit);
  chain::ContractCallOp boom = pay;
  boom.entry = "boom";
  boom.coins = 3;
  const chain::Transaction failed = ContractTx(1, 1, boom, boom.gas_limit);
  ASSERT_TRUE(Accept(ok).valid());
  ASSERT_TRUE(Accept(failed).valid());
  Mine();

  Json tx = Ok("getrawtransaction", {ok.Id().ToHex(), true});
  ASSERT_TRUE(tx.contains("call")) << tx.dump();
  EXPECT_EQ(tx["call"]["outcome"], "success");
  EXPECT_EQ(tx["call"]["effects"][0]["amount"], 7);
  Json bad = Ok("getrawtransaction", {failed.Id().ToHex(), true});
  EXPECT_EQ(bad["call"]["outcome"], "vm-error");
  EXPECT_EQ(bad["call"]["effects"], Json::array());  // the attached coins went back too

  Json c = Ok("getcontract", {Addr(id)});
  EXPECT_EQ(c["call_count"], 2);
  EXPECT_EQ(c["balance"], 0);  // pay sent its coins back; boom's were undone
  ASSERT_EQ(c["calls"].size(), 2u);
  EXPECT_EQ(c["calls"][0]["txid"], failed.Id().ToHex());  // newest first
  EXPECT_EQ(c["calls"][0]["call"]["outcome"], "vm-error");
  EXPECT_EQ(c["calls"][1]["txid"], ok.Id().ToHex());
  Json one = Ok("getcontract", {Addr(id), 100, 1});
  ASSERT_EQ(one["calls"].size(), 1u);
  EXPECT_EQ(one["calls_truncated"], true);
}

}  // namespace
}  // namespace waybill::node
