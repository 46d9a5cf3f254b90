// The JSON forms of the contract operations and call records (json_convert.h, docs/API.md):
// TxToJson's op members read back by ContractDeployFromJson / ContractCallFromJson give the
// operation again, each argument form and each refusal, and a call record written in both
// sinks (the same tree) with the VM's own words for its failure.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chain/bech32.h"
#include "chain/contract_state.h"
#include "chain/tx.h"
#include "contracts/errors.h"
#include "node/rpc/json_convert.h"
#include "node/rpc/json_writer.h"

namespace waybill::node {
namespace {

using chain::Hash256;

constexpr std::string_view kHrp = "wbr";

Hash256 H(uint8_t b) {
  Hash256 h;
  for (size_t i = 0; i < h.bytes.size(); ++i) h.bytes[i] = static_cast<uint8_t>(b + i);
  return h;
}

chain::Transaction Tx(chain::Operation op) {
  chain::Transaction tx;
  tx.chain_id = H(100);
  tx.sender = H(101);
  tx.nonce = 4;
  tx.fee = 1000;
  tx.op = std::move(op);
  return tx;
}

TEST(ContractJson, DeployToJsonAndBack) {
  const chain::ContractDeployOp op{chain::Bytes{0x57, 0x42, 0x01}, {uint64_t{7}, chain::Bytes{1, 2}},
                                   5000};
  const chain::Transaction tx = Tx(op);
  const Json j = TxToJson(tx, tx.Id(), 200, kHrp, {});
  EXPECT_EQ(j["type"], "contract.deploy");
  const Json& o = j["op"];
  EXPECT_EQ(o["type"], "contract.deploy");
  EXPECT_EQ(o["code"], "574201");
  EXPECT_EQ(o["args"], Json::parse(R"([7, {"hex": "0102"}])"));
  EXPECT_EQ(o["gas_limit"], 5000);
  const chain::AccountId id = chain::ContractIdFor(tx.chain_id, tx.sender, tx.nonce);
  EXPECT_EQ(o["contract"], chain::bech32::EncodeAddress(kHrp, id));
  EXPECT_EQ(o["contract_account"], id.ToHex());
  auto back = ContractDeployFromJson(o);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, op);
}

TEST(ContractJson, CallToJsonAndBack) {
  const chain::ContractCallOp op{H(9), "pay", {uint64_t{1} << 60, chain::Bytes{}}, 250,
                                 {H(1), H(2)}, 40'000};
  const chain::Transaction tx = Tx(op);
  const Json o = TxToJson(tx, tx.Id(), 200, kHrp, {})["op"];
  EXPECT_EQ(o["type"], "contract.call");
  EXPECT_EQ(o["contract"], chain::bech32::EncodeAddress(kHrp, H(9)));
  EXPECT_EQ(o["contract_account"], H(9).ToHex());
  EXPECT_EQ(o["entry"], "pay");
  EXPECT_EQ(o["args"], Json::parse(R"([1152921504606846976, {"hex": ""}])"));
  EXPECT_EQ(o["coins"], 250);
  EXPECT_EQ(o["assets"], Json::array({H(1).ToHex(), H(2).ToHex()}));
  EXPECT_EQ(o["gas_limit"], 40'000);
  auto back = ContractCallFromJson(o, kHrp);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, op);
  // The contract may also be given as 64 hex digits; optional members default to none.
  auto minimal = ContractCallFromJson(
      Json{{"contract", H(9).ToHex()}, {"entry", "go"}, {"gas_limit", 1}}, kHrp);
  ASSERT_TRUE(minimal.ok()) << minimal.status().ToString();
  EXPECT_EQ(*minimal, (chain::ContractCallOp{H(9), "go", {}, 0, {}, 1}));
}

TEST(ContractJson, ArgumentForms) {
  auto args = ContractArgsFromJson(
      Json::parse(R"([0, 18446744073709551615, "18446744073709551615", "42", {"hex": "ABcd"}])"));
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  EXPECT_EQ(*args, (std::vector<chain::ContractArg>{uint64_t{0}, UINT64_MAX, UINT64_MAX,
                                                    uint64_t{42}, chain::Bytes{0xab, 0xcd}}));
  auto none = ContractArgsFromJson(Json());
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(ContractArgToJson(uint64_t{5}), Json(5));
  EXPECT_EQ(ContractArgToJson(chain::Bytes{0xff}), Json::parse(R"({"hex": "ff"})"));

  const auto refusal = [](const Json& j) {
    auto r = ContractArgsFromJson(j);
    return r.ok() ? std::string() : r.status().reason();
  };
  EXPECT_EQ(refusal(Json::parse("[-1]")), "args[0] is negative (-1): an integer argument is a u64");
  EXPECT_EQ(refusal(Json::array({1, std::numeric_limits<int64_t>::min()})),
            "args[1] is negative (-9223372036854775808): an integer argument is a u64");
  EXPECT_NE(refusal(Json::parse("[1, 1.5]")).find("args[1]"), std::string::npos);
  EXPECT_NE(refusal(Json::parse(R"(["18446744073709551616"])")).find("decimal digits"),
            std::string::npos);
  EXPECT_NE(refusal(Json::parse(R"(["+5"])")), "");
  EXPECT_NE(refusal(Json::parse(R"([""])")), "");
  EXPECT_NE(refusal(Json::parse(R"([{"hex": "abc"}])")).find("even number"), std::string::npos);
  EXPECT_NE(refusal(Json::parse(R"([{"hex": "ab", "x": 1}])")), "");
  EXPECT_NE(refusal(Json::parse(R"([true])")), "");
  EXPECT_NE(refusal(Json::parse(R"({"a": 1})")).find("array"), std::string::npos);
  Json long_bytes = Json::array({{{"hex", std::string(2 * (chain::kMaxContractArgBytes + 1), 'a')}}});
  EXPECT_NE(refusal(long_bytes).find("at most 1024"), std::string::npos);
  EXPECT_EQ(refusal(Json::array({{{"hex", std::string(2 * chain::kMaxContractArgBytes, 'a')}}})),
            "");
  EXPECT_NE(refusal(Json(std::vector<int>(chain::kMaxContractArgs + 1, 1))).find("at most 16"),
            std::string::npos);
}

// A JSON integer that a C++ caller built from a signed type (nlohmann's number_integer, not
// number_unsigned) is accepted when it is not negative, as a parsed one is.
TEST(ContractJson, NonNegativeSignedIntegersAreArguments) {
  const Json signed_args = Json::array({int64_t{0}, int64_t{7}, int{42},
                                        std::numeric_limits<int64_t>::max()});
  for (const Json& v : signed_args) {
    ASSERT_TRUE(v.is_number_integer() && !v.is_number_unsigned()) << v.dump();
  }
  auto args = ContractArgsFromJson(signed_args);
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  EXPECT_EQ(*args, (std::vector<chain::ContractArg>{
                       uint64_t{0}, uint64_t{7}, uint64_t{42},
                       static_cast<uint64_t>(std::numeric_limits<int64_t>::max())}));
  // The same values parsed from text give the same arguments.
  auto parsed = ContractArgsFromJson(Json::parse(signed_args.dump()));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, *args);
}

TEST(ContractJson, OperationRefusals) {
  const auto call = [](const char* text) {
    auto r = ContractCallFromJson(Json::parse(text), kHrp);
    return r.ok() ? std::string() : r.status().reason();
  };
  const std::string addr = chain::bech32::EncodeAddress(kHrp, H(9));
  const std::string good =
      R"({"contract": ")" + addr + R"(", "entry": "pay", "gas_limit": 10})";
  EXPECT_EQ(call(good.c_str()), "");
  EXPECT_NE(call(R"({"entry": "pay", "gas_limit": 10})").find("contract"), std::string::npos);
  EXPECT_NE(call(R"({"contract": "wbd1xyz", "entry": "pay", "gas_limit": 10})").find("contract"),
            std::string::npos);
  std::string no_gas = good;
  const std::string gas_member = R"(, "gas_limit": 10)";
  no_gas.replace(no_gas.find(gas_member), gas_member.size(), "");
  EXPECT_NE(call(no_gas.c_str()).find("gas_limit is required"), std::string::npos);
  std::string typo = good;
  typo.replace(typo.find("gas_limit"), 9, "gas_limt");
  EXPECT_NE(call(typo.c_str()).find("unknown member gas_limt"), std::string::npos);
  std::string long_entry = good;
  long_entry.replace(long_entry.find("pay"), 3, std::string(33, 'e'));
  EXPECT_NE(call(long_entry.c_str()).find("entry"), std::string::npos);
  std::string bad_asset = good;
  bad_asset.insert(bad_asset.size() - 1, R"(, "assets": ["00"])");
  EXPECT_NE(call(bad_asset.c_str()).find("assets"), std::string::npos);
  std::string negative = good;
  negative.insert(negative.size() - 1, R"(, "coins": -1)");
  EXPECT_NE(call(negative.c_str()).find("coins"), std::string::npos);
  EXPECT_NE(call("[]").find("object"), std::string::npos);

  const auto deploy = [](const Json& j) {
    auto r = ContractDeployFromJson(j);
    return r.ok() ? std::string() : r.status().reason();
  };
  EXPECT_EQ(deploy(Json{{"code", "00"}}), "");
  EXPECT_NE(deploy(Json{{"args", Json::array()}}).find("code"), std::string::npos);
  EXPECT_NE(deploy(Json{{"code", "0"}}).find("code"), std::string::npos);
  EXPECT_NE(deploy(Json{{"code", std::string(2 * (chain::kMaxContractCodeSize + 1), '0')}})
                .find("longer than"),
            std::string::npos);
}

chain::CallRecord Aborted() {
  chain::CallRecord r;
  r.contract = H(9);
  r.entry = "claim";
  r.outcome = 3;
  r.error = static_cast<uint8_t>(contracts::VmError::kAborted);
  r.error_offset = 9;
  r.abort_code = 3;
  r.gas_used = 77;
  r.gas_limit = 1000;
  r.logs = {chain::Bytes{'t', 'o', 'o', ' ', 'e', 'a', 'r', 'l', 'y'}, chain::Bytes{0x00, 0xff}};
  return r;
}

Json Written(const chain::CallRecord& r) {
  JsonWriter w;
  AddressCache addresses{std::string(kHrp)};
  w.BeginObject();
  WriteCallRecordFields(w, r, addresses);
  w.EndObject();
  EXPECT_TRUE(w.Complete());
  return Json::parse(w.str());
}

TEST(ContractJson, FailedCallRecord) {
  const chain::CallRecord r = Aborted();
  const Json j = CallRecordToJson(r, kHrp);
  EXPECT_EQ(Written(r), j);
  EXPECT_EQ(j["contract"], chain::bech32::EncodeAddress(kHrp, H(9)));
  EXPECT_EQ(j["contract_account"], H(9).ToHex());
  EXPECT_EQ(j["entry"], "claim");
  EXPECT_EQ(j["outcome"], "aborted");
  EXPECT_EQ(j["error"], "aborted");
  EXPECT_EQ(j["error_offset"], 9);
  EXPECT_EQ(j["abort_code"], 3);
  EXPECT_FALSE(j.contains("detail"));
  EXPECT_EQ(j["gas_used"], 77);
  EXPECT_EQ(j["gas_limit"], 1000);
  EXPECT_EQ(j["logs"], Json::parse(R"([{"hex": "746f6f206561726c79", "text": "too early"},
                                       {"hex": "00ff"}])"));
  EXPECT_EQ(j["effects"], Json::array());
  EXPECT_EQ(j["message"], "aborted (code 3) at code offset 9");

  chain::CallRecord refused = r;
  refused.outcome = 1;
  refused.error = static_cast<uint8_t>(contracts::VmError::kEffectRefused);
  refused.error_offset = 12;
  refused.detail = "insufficient balance";
  const Json k = CallRecordToJson(refused, kHrp);
  EXPECT_EQ(k["outcome"], "vm-error");
  EXPECT_EQ(k["error"], "effect-refused");
  EXPECT_EQ(k["detail"], "insufficient balance");
  EXPECT_FALSE(k.contains("abort_code"));
  EXPECT_EQ(k["message"], "effect-refused at code offset 12: insufficient balance");
}

TEST(ContractJson, SuccessfulCallRecordWithEveryEffect) {
  chain::CallRecord r;
  r.contract = H(9);
  r.entry = "release";
  r.gas_used = 500;
  r.gas_limit = 600;
  r.effects = {{chain::ContractEffectKind::kCoins, H(1), 250, {}, {}, {}},
               {chain::ContractEffectKind::kAsset, H(2), 0, H(3), {}, {}},
               {chain::ContractEffectKind::kSplit, {}, 40, H(4), {}, {H(5), H(6)}},
               {chain::ContractEffectKind::kMerge, {}, 0, H(5), H(6), {H(7)}}};
  const Json j = CallRecordToJson(r, kHrp);
  EXPECT_EQ(Written(r), j);
  EXPECT_EQ(j["outcome"], "success");
  EXPECT_EQ(j["message"], "ok");
  for (const char* absent : {"error", "error_offset", "abort_code", "detail"}) {
    EXPECT_FALSE(j.contains(absent)) << absent;
  }
  const std::string a1 = chain::bech32::EncodeAddress(kHrp, H(1));
  const std::string a2 = chain::bech32::EncodeAddress(kHrp, H(2));
  EXPECT_EQ(j["effects"],
            Json::parse(R"([{"kind": "coins", "to": ")" + a1 + R"(", "to_account": ")" +
                        H(1).ToHex() + R"(", "amount": 250},
                        {"kind": "asset", "to": ")" + a2 + R"(", "to_account": ")" +
                        H(2).ToHex() + R"(", "asset": ")" + H(3).ToHex() + R"("},
                        {"kind": "split", "asset": ")" + H(4).ToHex() + R"(", "first": 40,
                         "created": [")" +
                        H(5).ToHex() + R"(", ")" + H(6).ToHex() + R"("]},
                        {"kind": "merge", "asset": ")" + H(5).ToHex() + R"(", "with": ")" +
                        H(6).ToHex() + R"(", "created": [")" + H(7).ToHex() + R"("]}])"));
  EXPECT_EQ(CallOutcomeName(2), "out-of-gas");
  EXPECT_EQ(CallOutcomeName(9), "unknown");
}

}  // namespace
}  // namespace waybill::node
