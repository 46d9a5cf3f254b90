// Every RPC method that `help` lists, called over HTTP on a real Node with wrong types and
// out-of-range values in each parameter: each call gets a JSON-RPC error with the code the
// parameter's kind documents (docs/API.md), never a crash, an internal error (-32603, "out of
// memory") or a database error, and the node answers normally after each method.
//
// The table below must name every method of `help`: a new method fails this test until its
// parameters are described here.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "chain/bech32.h"
#include "node/config.h"
#include "node/params/genesis.h"
#include "node/node.h"
#include "tests/unit/loopback_http.h"
#include "tests/unit/node_test_util.h"

namespace waybill::node {
namespace {

// The wrong values tried in every parameter, as raw JSON text (2^64 and 1e400 do not survive
// a round trip through a Json value).
enum Junk {
  kStr,  // a string where a number may be expected
  kNum,  // a number where a string may be expected
  kBool,
  kObj,
  kArr,
  kNull,      // null: an absent param
  kNeg,       // -1
  kTwo64,     // 2^64: one past uint64
  kE400,      // 1e400: not a finite double; the whole request is a parse error
  kEmpty,     // ""
  kLong,      // a 100,000-byte string
  kFrac,      // 1.5
  kMinInt64,  // -2^63 - 1: below int64
  kJunkCount
};

std::string JunkText(int j) {
  switch (j) {
    case kStr:
      return "\"x\"";
    case kNum:
      return "7";
    case kBool:
      return "true";
    case kObj:
      return "{}";
    case kArr:
      return "[]";
    case kNull:
      return "null";
    case kNeg:
      return "-1";
    case kTwo64:
      return "18446744073709551616";
    case kE400:
      return "1e400";
    case kEmpty:
      return "\"\"";
    case kLong:
      return "\"" + std::string(100'000, 'a') + "\"";
    case kFrac:
      return "1.5";
    case kMinInt64:
      return "-9223372036854775809";
  }
  return "null";
}

struct ParamSpec {
  std::string name;
  std::string base;             // a valid value (raw JSON)
  std::set<int> codes;          // the codes a wrong value may get
  std::set<int> accepted = {};  // junk that is a valid value here (then any non-internal reply)
  std::vector<std::string> out_of_range = {};  // raw JSON values just past the allowed range
  // The code of a null (absent) param; 0: the param is optional (null is accepted).
  int null_code = rpc_code::kInvalidParams;
  bool fixed = false;  // keeps its base value (the other params are tried)
};

struct MethodSpec {
  std::vector<ParamSpec> params;
};

constexpr int kParam = rpc_code::kInvalidParameter;  // -8
constexpr int kAddr = rpc_code::kInvalidAddress;     // -5
constexpr int kDecode = rpc_code::kDeserializationError;

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

std::map<std::string, MethodSpec> Specs(const std::string& address, const std::string& tip) {
  const std::string zeros = Quote(std::string(64, '0'));
  const ParamSpec hash_param{"", zeros, {kParam}};
  auto hash = [&](const std::string& name, const std::string& base) {
    ParamSpec p = hash_param;
    p.name = name;
    p.base = base;
    return p;
  };
  const ParamSpec addr{"address", Quote(address), {kAddr}};
  const ParamSpec hex{"hexstring", "\"00\"", {kParam, kDecode}};
  std::map<std::string, MethodSpec> m;
  for (const char* none : {"clearbanned", "getbestblockhash", "getblockchaininfo", "getblockcount",
                           "getchaintips", "getconnectioncount", "getmempoolinfo", "getmininginfo", "getstateinfo",
                           "getnetworkinfo", "getpeerinfo", "listbanned", "stop", "uptime"}) {
    m[none] = {};
  }
  m["addnode"] = {{{"node", "\"127.0.0.1:1\"", {kParam}}, {"command", "\"onetry\"", {kParam}}}};
  // The address is no contract: a call whose params all pass gets -5 "Contract not found".
  m["callcontract"] = {{{"contract", Quote(address), {kAddr}},
                        {"entry", "\"pay\"", {kParam}, {kStr}},
                        {"args", "[1]", {kParam}, {kArr}, {}, 0},
                        {"coins", "0", {kParam}, {kNum}, {"9223372036854775808"}, 0},
                        {"assets", "[]", {kParam}, {kArr}, {}, 0},
                        {"gas_limit", "1000", {kParam}, {kNum}, {"0"}, 0},
                        {"sender", Quote(address), {kAddr}, {}, {}, 0}}};
  m["getcontract"] = {{addr,
                       {"storage_limit", "10", {kParam}, {kNum}, {"1001"}, 0},
                       {"calls_limit", "10", {kParam}, {kNum}, {"101"}, 0},
                       {"assets_limit", "10", {kParam}, {kNum}, {"1001"}, 0}}};
  m["decoderawtransaction"] = {{hex}};
  // One of the two is required: a null in one with the other absent is "missing".
  m["disconnectnode"] = {{{"address", "\"127.0.0.1:1\"", {kParam}}}};
  // Keys "method#variant" try another base of the same method.
  m["disconnectnode#nodeid"] = {{{"address", "null", {}, {}, {}, 0, /*fixed=*/true},
                                 {"nodeid", "99", {kParam}, {kNum}, {"18446744073709551616"}}}};
  m["generatetoaddress"] = {{{"nblocks", "1", {kParam}, {kNum}, {"100001"}},
                             addr,
                             {"maxtries", "1000000", {kParam}, {kNum}, {"0"}, 0}}};
  m["getaccount"] = {{addr}};
  m["getasset"] = {{hash("assetid", zeros)}};
  m["getassethistory"] = {{hash("assetid", zeros),
                           {"from", "0", {kParam}, {kNum}, {"4294967296"}, 0},
                           {"limit", "10", {kParam}, {kNum}, {"0", "1001"}, 0}}};
  m["listassets"] = {{addr,
                      {"after", zeros, {kParam}, {}, {}, 0},
                      {"limit", "10", {kParam}, {kNum}, {"0", "1001"}, 0}}};
  m["getparty"] = {{addr,
                    {"from", "0", {kParam}, {kNum}, {"4294967296"}, 0},
                    {"limit", "10", {kParam}, {kNum}, {"0", "1001"}, 0}}};
  m["getblock"] = {{hash("blockhash", tip), {"verbosity", "1", {kParam}, {kBool}, {"3"}, 0}}};
  // 7 is a height of the chain once generatetoaddress has run with 7 (names in order).
  m["getblockhash"] = {{{"height", "0", {kParam}, {kNum}, {"100000", "4294967296"}}}};
  m["getblockheader"] = {
      {hash("blockhash", tip), {"verbose", "true", {kParam}, {kBool}, {"2"}, 0}}};
  // An address, or an object with a miner; null is "needs a miner address" (-8).
  m["getblocktemplate"] = {{{"template_request", Quote(address), {kAddr, kParam}, {}, {}, kParam}}};
  m["getrawmempool"] = {{{"verbose", "false", {kParam}, {kBool}, {"2"}, 0}}};
  m["getrawtransaction"] = {{hash("txid", zeros), {"verbose", "0", {kParam}, {kBool}, {"3"}, 0}}};
  m["help"] = {{{"method", "\"getblockcount\"", {kParam, rpc_code::kMethodNotFound}, {}, {}, 0}}};
  m["invalidateblock"] = {{hash("blockhash", zeros)}};
  m["reconsiderblock"] = {{hash("blockhash", zeros)}};
  m["logging"] = {{{"level", "\"info\"", {kParam}, {}, {}, 0}}};
  m["sendrawtransaction"] = {{hex}};
  m["setban"] = {{{"subnet", "\"127.0.0.2\"", {kParam}},
                  {"command", "\"add\"", {kParam}},
                  {"bantime", "60", {kParam}, {kNum}, {"3153600001"}, 0}}};
  // u32 time only: 2^32 + 5 and INT64_MAX overflowed the template's maxtime.
  m["setmocktime"] = {{{"timestamp",
                        "0",
                        {kParam},
                        {kNum},
                        {"4294967296", "4294967301", "9223372036854775807", "18446744073709551615"},
                        kParam}}};
  m["submitblock"] = {
      {{"hexdata", "\"00\"", {kParam, kDecode}},
       {"dummy",
        "null",
        {},
        {kStr, kNum, kBool, kObj, kArr, kNeg, kTwo64, kEmpty, kLong, kFrac, kMinInt64},
        {},
        0}}};
  m["verifychain"] = {{{"checklevel", "4", {kParam}, {}, {"5"}, 0},
                       {"nblocks", "0", {kParam}, {kNum}, {"4294967296"}, 0}}};
  return m;
}

// One HTTP exchange with Connection: close. status 0: no reply.
struct Reply {
  int status = 0;
  std::string body;
};

Reply Post(uint16_t port, const std::string& auth, const std::string& body) {
  Reply reply;
  const std::string response =
      testing::LoopbackExchange(port, testing::JsonPostRequest(auth, body), 60);
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return reply;
  reply.status = std::stoi(response.substr(9, 3));
  size_t at = response.find("\r\n\r\n");
  if (at != std::string::npos) reply.body = response.substr(at + 4);
  return reply;
}

class RpcParamsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "waybill_rpc_params_XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    std::vector<std::string> args = {"waybilld",    "--datadir=" + dir_, "--network=regtest",
                                     "--rpcport=0", "--listen=0",        "--printtoconsole=0"};
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    auto config = ParseConfig(static_cast<int>(argv.size()), argv.data());
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    params_ = config->params;
    node_ = std::make_unique<Node>(std::move(*config), /*handle_signals=*/false);
    ASSERT_TRUE(node_->Start().ok());
    std::ifstream in(dir_ + "/regtest/.cookie");  // node/params/network.h CookiePath
    std::string cookie((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auth_ = testing::Base64(cookie);
  }
  void TearDown() override {
    node_.reset();
    std::filesystem::remove_all(dir_);
  }

  // The raw reply to one call; params is the raw JSON text of the params.
  Reply Call(const std::string& method, const std::string& params) {
    return Post(node_->rpc_port(), auth_,
                R"({"jsonrpc":"2.0","id":1,"method":")" + method + R"(","params":)" + params + "}");
  }
  Json CallJson(const std::string& method, const std::string& params) {
    Reply r = Call(method, params);
    EXPECT_EQ(r.status, 200) << method << " " << params.substr(0, 200);
    return Json::parse(r.body, nullptr, false);
  }

  std::string dir_;
  consensus::ChainParams params_;
  std::unique_ptr<Node> node_;
  std::string auth_;
};

std::string Positional(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
  return out + "]";
}

std::string Named(const std::vector<ParamSpec>& specs, const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    out += (i ? "," : "") + Quote(specs[i].name) + ":" + values[i];
  }
  return out + "}";
}

TEST_F(RpcParamsTest, EveryMethodRefusesWrongTypesAndRanges) {
  const std::string address =
      chain::bech32::EncodeAddress(params_.address_prefix, testing::DevKey(0).PublicKey());
  ASSERT_EQ(CallJson("generatetoaddress", "[2," + Quote(address) + "]")["result"].size(), 2u);
  const std::string tip = CallJson("getbestblockhash", "[]")["result"].dump();
  const auto specs = Specs(address, tip);

  // The table covers exactly the methods of help.
  const std::string help = CallJson("help", "[]")["result"];
  std::istringstream lines(help);
  std::vector<std::string> methods;
  for (std::string line; std::getline(lines, line);) {
    methods.push_back(line.substr(0, line.find(' ')));
    EXPECT_TRUE(specs.count(methods.back())) << "no parameter spec for " << methods.back();
  }
  for (const auto& [key, spec] : specs) {
    const std::string method = key.substr(0, key.find('#'));
    EXPECT_TRUE(std::count(methods.begin(), methods.end(), method)) << method << " not in help";
  }

  int calls = 0;
  for (const auto& [key, spec] : specs) {
    const std::string method = key.substr(0, key.find('#'));
    const std::vector<ParamSpec>& ps = spec.params;
    std::vector<std::string> base;
    for (const ParamSpec& p : ps) base.push_back(p.base);
    // A method without params refuses one.
    if (ps.empty()) {
      Json r = CallJson(method, "[1]");
      EXPECT_EQ(r["error"]["code"], rpc_code::kInvalidParams) << method << " -> " << r.dump();
    }
    for (size_t i = 0; i < ps.size(); ++i) {
      const ParamSpec& p = ps[i];
      if (p.fixed) continue;
      // (raw value, junk kind or -1 for an out-of-range value)
      std::vector<std::pair<std::string, int>> values;
      for (int j = 0; j < kJunkCount; ++j) values.emplace_back(JunkText(j), j);
      for (const std::string& v : p.out_of_range) values.emplace_back(v, -1);
      for (const auto& [value, kind] : values) {
        std::vector<std::string> args = base;
        args[i] = value;
        for (const std::string& params : {Positional(args), Named(ps, args)}) {
          ++calls;
          const std::string what = method + " " + params.substr(0, 120);
          Reply reply = Call(method, params);
          ASSERT_EQ(reply.status, 200) << what << " -> no reply (node crashed?)";
          Json r = Json::parse(reply.body, nullptr, false);
          ASSERT_TRUE(r.is_object()) << what << " -> " << reply.body.substr(0, 200);
          if (r.contains("error")) {
            const int code = r["error"]["code"];
            EXPECT_NE(code, rpc_code::kInternalError) << what << " -> " << r.dump();
            EXPECT_NE(code, rpc_code::kDatabaseError) << what << " -> " << r.dump();
          }
          if (kind >= 0 && p.accepted.count(kind)) continue;
          if (kind == kNull && p.null_code == 0) continue;
          ASSERT_TRUE(r.contains("error")) << what << " was accepted: " << r.dump();
          const int code = r["error"]["code"];
          if (kind == kE400) {
            EXPECT_EQ(code, rpc_code::kParseError) << what << " -> " << r.dump();
          } else if (kind == kNull) {
            EXPECT_EQ(code, p.null_code) << what << " -> " << r.dump();
          } else {
            EXPECT_TRUE(p.codes.count(code)) << what << " -> " << r.dump();
          }
          EXPECT_LE(r.dump().size(), 1024u) << what << ": the error echoes too much";
        }
      }
    }
    // The node still answers, and the clock is the system's again.
    Json after = CallJson("setmocktime", "[0]");
    EXPECT_TRUE(after.contains("result")) << method << " then setmocktime -> " << after.dump();
    after = CallJson("getblockcount", "[]");
    EXPECT_TRUE(after["result"].is_number_integer()) << method << " then -> " << after.dump();
  }
  EXPECT_GT(calls, 500);
  // A block can still be mined on top (no bad time or state was left behind).
  EXPECT_EQ(CallJson("generatetoaddress", "[1," + Quote(address) + "]")["result"].size(), 1u);
}

// The crash of the issue: a wrong-typed bantime read the param names of a destroyed list.
TEST_F(RpcParamsTest, SetbanWithAWrongTypedBantime) {
  Json r = CallJson("setban", R"(["1.2.3.4","add","x"])");
  EXPECT_EQ(r["error"]["code"], rpc_code::kInvalidParameter) << r.dump();
  EXPECT_EQ(r["error"]["message"], "bantime must be an integer, not x") << r.dump();
  r = CallJson("addnode", R"(["not an address","add"])");
  EXPECT_EQ(r["error"]["code"], rpc_code::kInvalidParameter) << r.dump();
  EXPECT_NE(r["error"]["message"].get<std::string>().find("Invalid node"), std::string::npos)
      << r.dump();
  r = CallJson("disconnectnode", R"([null,"x"])");
  EXPECT_EQ(r["error"]["code"], rpc_code::kInvalidParameter) << r.dump();
  EXPECT_EQ(r["error"]["message"], "nodeid must be an integer, not x") << r.dump();
}

// setmocktime takes u32 times only, and the template's bounds stay in u32.
TEST_F(RpcParamsTest, MockTimeIsU32) {
  for (const char* t : {"4294967301", "9223372036854775807", "-1"}) {
    Json r = CallJson("setmocktime", std::string("[") + t + "]");
    EXPECT_EQ(r["error"]["code"], rpc_code::kInvalidParameter) << t << " -> " << r.dump();
  }
  const std::string address =
      chain::bech32::EncodeAddress(params_.address_prefix, testing::DevKey(0).PublicKey());
  Json r = CallJson("setmocktime", "[4294967295]");
  EXPECT_TRUE(r.contains("result")) << r.dump();
  Json t = CallJson("getblocktemplate", "[" + Quote(address) + "]");
  ASSERT_TRUE(t.contains("result")) << t.dump();
  EXPECT_LE(t["result"]["maxtime"].get<int64_t>(), int64_t{UINT32_MAX}) << t.dump();
  EXPECT_LE(t["result"]["curtime"].get<int64_t>(), t["result"]["maxtime"].get<int64_t>());
  CallJson("setmocktime", "[0]");
}

}  // namespace
}  // namespace waybill::node
