// The chain's JSON-RPC methods (node/rpc/methods.h) and the JSON forms of chain objects
// (node/rpc/json_convert.h), driven through RpcTable::Handle on a regtest chain in a temp dir.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "chain/bech32.h"
#include "chain/block.h"
#include "chain/merkle.h"
#include "chain/tx.h"
#include "consensus/pow.h"
#include "node/params/genesis.h"
#include "node/rpc/json_convert.h"
#include "node/mining/miner.h"
#include "node/rpc/context.h"
#include "node/rpc/table.h"
#include "node/rpc/methods.h"
#include "tests/unit/node_rpc_test_util.h"

namespace waybill::node {
namespace {

using chain::Hash256;

class RpcMethodsTest : public testing::RpcTableFixture {
 protected:
  std::string Addr(int key) const {
    return chain::bech32::EncodeAddress(params_.address_prefix, Id(key));
  }
  static std::string Hex(const chain::Transaction& tx) { return chain::HexEncode(tx.Serialize()); }

  std::vector<std::string> Generate(int n, int key = 9) {
    Json hashes = Ok("generatetoaddress", {n, Addr(key)});
    std::vector<std::string> out;
    for (const Json& h : hashes) out.push_back(h.get<std::string>());
    return out;
  }
};

TEST_F(RpcMethodsTest, GenerateAndCount) {
  EXPECT_EQ(Ok("getblockcount"), 0);
  const std::string genesis = Ok("getblockhash", {0});
  EXPECT_EQ(genesis, params_.genesis_id.ToHex());
  EXPECT_EQ(Ok("getbestblockhash"), genesis);

  std::vector<std::string> hashes = Generate(10);
  ASSERT_EQ(hashes.size(), 10u);
  EXPECT_EQ(Ok("getblockcount"), 10);
  EXPECT_EQ(Ok("getbestblockhash"), hashes.back());
  for (int h = 1; h <= 10; ++h) EXPECT_EQ(Ok("getblockhash", {h}), hashes[h - 1]);
  EXPECT_EQ(Ok("generatetoaddress", {0, Addr(1)}), Json::array());

  // The miner got the rewards.
  Json miner = Ok("getaccount", {Addr(9)});
  EXPECT_EQ(miner["balance"].get<uint64_t>(), testing::kAllocation + 10 * params_.block_reward);

  Json info = Ok("getblockchaininfo");
  EXPECT_EQ(info["chain"], "regtest");
  EXPECT_EQ(info["blocks"], 10);
  EXPECT_EQ(info["headers"], 10);
  EXPECT_EQ(info["bestblockhash"], hashes.back());
  EXPECT_EQ(info["chain_id"], params_.chain_id().ToHex());
  EXPECT_EQ(info["genesis_hash"], genesis);
  EXPECT_EQ(info["address_prefix"], params_.address_prefix);
  EXPECT_EQ(info["units"], Json::parse(R"({"g":0,"kg":3,"l":3,"ml":0,"pcs":0,"t":3})"));
  EXPECT_EQ(info["yield_bounds"],
            Json::parse(R"([{"from":"kg","to":"kg","min_ppm":500000,"max_ppm":1000000}])"));
  EXPECT_TRUE(info["time"].is_number_unsigned());
  EXPECT_TRUE(info["mediantime"].is_number_integer());
  EXPECT_EQ(info["chainwork"].get<std::string>().size(), 64u);
  EXPECT_EQ(info["bits"].get<std::string>().size(), 8u);
  EXPECT_EQ(info["target"].get<std::string>().size(), 64u);
  EXPECT_TRUE(info["difficulty"].is_string());
}

TEST_F(RpcMethodsTest, BlockAndHeaderRoundTrip) {
  std::vector<std::string> hashes = Generate(3);
  const std::string mid = hashes[1];

  Json header = Ok("getblockheader", {mid});
  EXPECT_EQ(header["hash"], mid);
  EXPECT_EQ(header["height"], 2);
  EXPECT_EQ(header["confirmations"], 2);
  EXPECT_EQ(header["previousblockhash"], hashes[0]);
  EXPECT_EQ(header["nextblockhash"], hashes[2]);
  EXPECT_EQ(header["miner"], Addr(9));
  EXPECT_EQ(header["miner_account"], Id(9).ToHex());
  EXPECT_EQ(header["ntx"], 0);
  EXPECT_EQ(header["bits"], "207fffff");
  EXPECT_TRUE(header["nonce"].is_number_unsigned());
  EXPECT_EQ(header["target"], chain::TargetFromBits(0x207fffff)->ToHex());
  EXPECT_EQ(header["difficulty"], "1");
  EXPECT_FALSE(Ok("getblockheader", {hashes[2]}).contains("nextblockhash"));
  EXPECT_FALSE(Ok("getblockheader", {Ok("getblockhash", {0})}).contains("previousblockhash"));

  // verbose=false: the 116 header bytes, whose id is the block id.
  const std::string header_hex = Ok("getblockheader", {mid, false});
  auto header_bytes = chain::HexDecode(header_hex);
  ASSERT_TRUE(header_bytes);
  ASSERT_EQ(header_bytes->size(), chain::kHeaderSize);
  auto decoded_header = chain::DecodeHeader(*header_bytes);
  ASSERT_TRUE(decoded_header.ok());
  EXPECT_EQ(decoded_header->Id().ToHex(), mid);
  EXPECT_EQ(decoded_header->time, header["time"]);
  EXPECT_EQ(decoded_header->nonce, header["nonce"]);

  // verbosity 0: the block bytes.
  const std::string raw = Ok("getblock", {mid, 0});
  auto raw_bytes = chain::HexDecode(raw);
  ASSERT_TRUE(raw_bytes);
  auto block = chain::DecodeBlock(*raw_bytes);
  ASSERT_TRUE(block.ok());
  EXPECT_EQ(block->block.header.Id().ToHex(), mid);
  EXPECT_EQ(raw.substr(0, 2 * chain::kHeaderSize), header_hex);

  Json b1 = Ok("getblock", {mid});
  EXPECT_EQ(b1, Ok("getblock", {mid, 1}));
  EXPECT_EQ(b1, Ok("getblock", {mid, true}));
  EXPECT_EQ(Ok("getblock", {mid, false}), raw);
  EXPECT_EQ(b1["hash"], mid);
  EXPECT_EQ(b1["height"], 2);
  EXPECT_EQ(b1["size"], raw.size() / 2);
  EXPECT_EQ(b1["tx"], Json::array());
  EXPECT_EQ(b1["merkleroot"], header["merkleroot"]);
  Json b2 = Ok("getblock", {mid, 2});
  EXPECT_EQ(b2["hash"], mid);
  EXPECT_EQ(b2["tx"], Json::array());

  // Named params.
  EXPECT_EQ(Ok("getblock", {{"blockhash", mid}, {"verbosity", 0}}), raw);
  EXPECT_EQ(Ok("getblockhash", {{"height", 2}}), mid);
}

TEST_F(RpcMethodsTest, TransactionLifecycle) {
  Generate(1);
  const chain::Amount amount = 12'345 * chain::kCoin;
  const chain::Transaction tx = Pay(0, 0, 1, amount, 5000);
  const std::string txid = tx.Id().ToHex();

  Json decoded = Ok("decoderawtransaction", {Hex(tx)});
  EXPECT_EQ(decoded["txid"], txid);
  EXPECT_EQ(decoded["type"], "transfer");
  EXPECT_EQ(decoded["sender"], Addr(0));
  EXPECT_EQ(decoded["sender_account"], Id(0).ToHex());
  EXPECT_EQ(decoded["nonce"], 0);
  EXPECT_EQ(decoded["fee"], 5000);
  EXPECT_EQ(decoded["size"], tx.Serialize().size());
  EXPECT_EQ(decoded["op"]["to"], Addr(1));
  EXPECT_EQ(decoded["op"]["amount"], amount);
  EXPECT_EQ(decoded["chain_id"], params_.chain_id().ToHex());

  EXPECT_EQ(Ok("sendrawtransaction", {Hex(tx)}), txid);
  // Resending a pending tx is not an error (Bitcoin Core).
  EXPECT_EQ(Ok("sendrawtransaction", {Hex(tx)}), txid);
  EXPECT_EQ(Ok("getrawmempool"), Json::array({txid}));
  Json verbose_pool = Ok("getrawmempool", {true});
  ASSERT_TRUE(verbose_pool.contains(txid));
  EXPECT_EQ(verbose_pool[txid]["fee"], 5000);
  EXPECT_EQ(verbose_pool[txid]["sender"], Addr(0));

  Json pool = Ok("getmempoolinfo");
  EXPECT_EQ(pool["size"], 1);
  EXPECT_EQ(pool["bytes"], tx.Serialize().size());
  EXPECT_EQ(pool["total_fee"], 5000);
  EXPECT_EQ(pool["mempoolminfee"], params_.min_fee_per_byte);
  EXPECT_EQ(pool["min_fee_per_byte"], params_.min_fee_per_byte);
  EXPECT_TRUE(pool["maxmempool"].is_number_unsigned());

  Json sender = Ok("getaccount", {Addr(0)});
  EXPECT_EQ(sender["nonce"], 0);
  EXPECT_EQ(sender["pending_nonce"], 1);
  EXPECT_EQ(sender["pending_txs"], 1);

  // From the mempool.
  EXPECT_EQ(Ok("getrawtransaction", {txid}), Hex(tx));
  Json pending = Ok("getrawtransaction", {txid, true});
  EXPECT_EQ(pending["hex"], Hex(tx));
  EXPECT_FALSE(pending.contains("blockhash"));

  const std::string block = Generate(1).at(0);
  EXPECT_EQ(Ok("getrawmempool"), Json::array());
  EXPECT_EQ(Ok("getblock", {block})["tx"], Json::array({txid}));
  Json b2 = Ok("getblock", {block, 2});
  ASSERT_EQ(b2["tx"].size(), 1u);
  EXPECT_EQ(b2["tx"][0]["txid"], txid);
  EXPECT_EQ(b2["tx"][0]["op"]["amount"], amount);

  // From the tx index.
  EXPECT_EQ(Ok("getrawtransaction", {txid}), Hex(tx));
  Json confirmed = Ok("getrawtransaction", {txid, 1});
  EXPECT_EQ(confirmed["blockhash"], block);
  EXPECT_EQ(confirmed["height"], 2);
  EXPECT_EQ(confirmed["confirmations"], 1);
  EXPECT_EQ(confirmed["index"], 0);
  EXPECT_EQ(confirmed["hex"], Hex(tx));
  EXPECT_EQ(confirmed["op"]["to"], Addr(1));
  Generate(2);
  EXPECT_EQ(Ok("getrawtransaction", {txid, true})["confirmations"], 3);

  Json from = Ok("getaccount", {Addr(0)});
  EXPECT_EQ(from["nonce"], 1);
  EXPECT_EQ(from["pending_nonce"], 1);
  EXPECT_EQ(from["balance"], testing::kAllocation - amount - 5000);
  EXPECT_EQ(from["address"], Addr(0));
  EXPECT_EQ(from["account"], Id(0).ToHex());
  Json to = Ok("getaccount", {Id(1).ToHex()});  // a hex account id is accepted too
  EXPECT_EQ(to["balance"], testing::kAllocation + amount);
  EXPECT_EQ(to["nonce"], 0);
  Json empty = Ok("getaccount", {Addr(11)});
  EXPECT_EQ(empty["balance"], 0);
  EXPECT_EQ(empty["nonce"], 0);

  // Already confirmed.
  Err("sendrawtransaction", {Hex(tx)}, rpc_code::kVerifyAlreadyInChain);
  Err("getrawtransaction", {Hash256{}.ToHex()}, rpc_code::kInvalidAddress);
}

TEST_F(RpcMethodsTest, PendingNonceCountsPendingTxs) {
  for (uint64_t n = 0; n < 3; ++n) {
    Ok("sendrawtransaction", {Hex(Pay(2, n, 3, chain::kCoin))});
  }
  Json a = Ok("getaccount", {Addr(2)});
  EXPECT_EQ(a["nonce"], 0);
  EXPECT_EQ(a["pending_nonce"], 3);
  EXPECT_EQ(a["pending_txs"], 3);
  EXPECT_EQ(Ok("getmininginfo")["pooledtx"], 3);
}

TEST_F(RpcMethodsTest, RejectionCodes) {
  Json e = Err("sendrawtransaction", {Hex(Pay(0, 5, 1, chain::kCoin))}, rpc_code::kVerifyRejected);
  EXPECT_EQ(e["message"], "nonce-gap: expected 0, got 5");

  chain::Transaction bad_sig = Pay(0, 0, 1, chain::kCoin);
  bad_sig.signature[0] ^= 1;
  e = Err("sendrawtransaction", {Hex(bad_sig)}, rpc_code::kVerifyRejected);
  EXPECT_NE(e["message"].get<std::string>().find("signature"), std::string::npos);

  e = Err("sendrawtransaction", {Hex(Pay(0, 0, 1, testing::kAllocation))},
          rpc_code::kVerifyRejected);
  EXPECT_EQ(e["message"].get<std::string>().rfind("insufficient-balance", 0), 0u);

  e = Err("sendrawtransaction", {Hex(Pay(0, 0, 1, chain::kCoin, 1))}, rpc_code::kVerifyRejected);
  EXPECT_EQ(e["message"].get<std::string>().rfind("fee-too-low", 0), 0u);

  Err("sendrawtransaction", {"zz"}, rpc_code::kDeserializationError);
  Err("sendrawtransaction", {"00"}, rpc_code::kDeserializationError);
  std::string hex = Hex(Pay(0, 0, 1, chain::kCoin));
  Err("sendrawtransaction", {hex + "00"}, rpc_code::kDeserializationError);
  Err("decoderawtransaction", {hex.substr(0, hex.size() - 2)}, rpc_code::kDeserializationError);
  EXPECT_EQ(Ok("getrawmempool"), Json::array());
}

// A batch's consecutive sendrawtransaction calls go to the mempool together (one AcceptBatch)
// and answer as the same calls one after the other would: in order (a sender's txs in one
// batch are admitted in nonce order), a malformed or refused call gets its own error, a
// resent pending tx is success; the new txs are announced in one call per run.
TEST_F(RpcMethodsTest, SendRawTransactionBatch) {
  std::vector<std::vector<std::string>> announced;
  ctx_.on_local_txs = [&](std::span<const Hash256> txids) {
    std::vector<std::string> hex;
    for (const Hash256& id : txids) hex.push_back(id.ToHex());
    announced.push_back(std::move(hex));
  };
  const chain::Transaction confirmed = Pay(4, 0, 1, chain::kCoin);
  Ok("sendrawtransaction", {Hex(confirmed)});
  Generate(1);
  announced.clear();

  const chain::Transaction a0 = Pay(0, 0, 1, chain::kCoin);
  const chain::Transaction a1 = Pay(0, 1, 1, chain::kCoin);
  const chain::Transaction b0 = Pay(2, 0, 1, chain::kCoin);
  const chain::Transaction c0 = Pay(5, 0, 1, chain::kCoin);
  chain::Transaction bad_sig = Pay(3, 0, 1, chain::kCoin);
  bad_sig.signature[0] ^= 1;
  auto send = [](int id, Json params) {
    return Json{{"jsonrpc", "2.0"},
                {"id", id},
                {"method", "sendrawtransaction"},
                {"params", std::move(params)}};
  };
  Json batch = Json::array({
      send(0, {Hex(a1)}),         // before a0: a nonce gap, as a single call would get
      send(1, {Hex(a0)}),         //
      send(2, {"zz"}),            // malformed: its own error, the others proceed
      send(3, {Hex(a1)}),         // after a0 now
      send(4, {Hex(a0)}),         // already pending: success, not announced again
      send(5, {Hex(bad_sig)}),    //
      send(6, {Hex(confirmed)}),  //
      send(7, {{"hexstring", Hex(b0)}}),
      send(8, {Hex(b0), 1}),                                          // params that do not fit
      {{"jsonrpc", "2.0"}, {"id", 9}, {"method", "getmempoolinfo"}},  // ends the run
      send(10, {Hex(c0)}),
  });
  Json r = table_.Handle(batch);
  ASSERT_TRUE(r.is_array());
  ASSERT_EQ(r.size(), batch.size());
  for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(r[i]["id"], i);
  auto error = [&](size_t i, int code) {
    EXPECT_EQ(r[i]["error"]["code"], code) << r[i].dump();
    return r[i]["error"]["message"];
  };
  EXPECT_EQ(error(0, rpc_code::kVerifyRejected), "nonce-gap: expected 0, got 1");
  EXPECT_EQ(r[1]["result"], a0.Id().ToHex());
  EXPECT_EQ(error(2, rpc_code::kDeserializationError),
            Err("sendrawtransaction", {"zz"}, rpc_code::kDeserializationError)["message"]);
  EXPECT_EQ(r[3]["result"], a1.Id().ToHex());
  EXPECT_EQ(r[4]["result"], a0.Id().ToHex());
  EXPECT_EQ(error(5, rpc_code::kVerifyRejected),
            Err("sendrawtransaction", {Hex(bad_sig)}, rpc_code::kVerifyRejected)["message"]);
  EXPECT_EQ(error(6, rpc_code::kVerifyAlreadyInChain), "Transaction already in block chain");
  EXPECT_EQ(r[7]["result"], b0.Id().ToHex());
  EXPECT_EQ(error(8, rpc_code::kInvalidParams), "Invalid params: expected at most 1, got 2");
  EXPECT_EQ(r[9]["result"]["size"], 3);  // a0, a1, b0: the run before it was admitted
  EXPECT_EQ(r[10]["result"], c0.Id().ToHex());
  EXPECT_EQ(announced,
            (std::vector<std::vector<std::string>>{
                {a0.Id().ToHex(), a1.Id().ToHex(), b0.Id().ToHex()}, {c0.Id().ToHex()}}));
  EXPECT_EQ(Ok("getmempoolinfo")["size"], 4);

  // A run without a new tx announces nothing.
  announced.clear();
  r = table_.Handle(Json::array({send(0, {"00"}), send(1, {Hex(a0)})}));
  EXPECT_EQ(r[0]["error"]["code"], rpc_code::kDeserializationError);
  EXPECT_EQ(r[1]["result"], a0.Id().ToHex());
  EXPECT_TRUE(announced.empty());
}

TEST_F(RpcMethodsTest, InvalidParams) {
  Generate(2);
  const std::string tip = Ok("getbestblockhash");
  Err("getblockhash", {3}, rpc_code::kInvalidParameter);
  Err("getblockhash", {-1}, rpc_code::kInvalidParameter);
  Err("getblockhash", {"one"}, rpc_code::kInvalidParameter);
  Err("getblockhash", {1.5}, rpc_code::kInvalidParameter);
  Err("getblockhash", Json::array(), rpc_code::kInvalidParams);
  Err("getblockhash", {1, 2}, rpc_code::kInvalidParams);
  Err("getblockhash", {{"hieght", 1}}, rpc_code::kInvalidParams);
  Err("getblockcount", {1}, rpc_code::kInvalidParams);
  Err("getblock", {"not-a-hash"}, rpc_code::kInvalidParameter);
  Err("getblock", {std::string(64, 'z')}, rpc_code::kInvalidParameter);
  Err("getblock", {Hash256{}.ToHex()}, rpc_code::kInvalidAddress);
  Err("getblock", {tip, 3}, rpc_code::kInvalidParameter);
  Err("getblock", {tip, -1}, rpc_code::kInvalidParameter);
  Err("getblock", {tip, "1"}, rpc_code::kInvalidParameter);
  Err("getblockheader", {Hash256{}.ToHex()}, rpc_code::kInvalidAddress);
  Err("getblockheader", {tip, "yes"}, rpc_code::kInvalidParameter);
  Err("generatetoaddress", {1, "wbr1notanaddress"}, rpc_code::kInvalidAddress);
  // An address of another network.
  Err("generatetoaddress", {1, chain::bech32::EncodeAddress("wbd", Id(0))},
      rpc_code::kInvalidAddress);
  Err("generatetoaddress", {-1, Addr(0)}, rpc_code::kInvalidParameter);
  Err("generatetoaddress", {1'000'000'000, Addr(0)}, rpc_code::kInvalidParameter);
  Err("generatetoaddress", {1, Addr(0), 0}, rpc_code::kInvalidParameter);
  Err("getaccount", {"wbr1xyz"}, rpc_code::kInvalidAddress);
  Err("getaccount", {5}, rpc_code::kInvalidAddress);
  Err("getasset", {Hash256{}.ToHex()}, rpc_code::kInvalidAddress);
  Err("getasset", {"abcd"}, rpc_code::kInvalidParameter);
  Err("getassethistory", {Hash256{}.ToHex()}, rpc_code::kInvalidAddress);
  Err("getassethistory", {Hash256{}.ToHex(), 0, 1001}, rpc_code::kInvalidParameter);
  Err("getassethistory", {Hash256{}.ToHex(), 0, 0}, rpc_code::kInvalidParameter);
  Err("getassethistory", {Hash256{}.ToHex(), uint64_t{1} << 32}, rpc_code::kInvalidParameter);
  Err("getrawtransaction", {tip, 3}, rpc_code::kInvalidParameter);
  Err("getblocktemplate", Json::array(), rpc_code::kInvalidParameter);
  Err("getblocktemplate", {{{"mode", "proposal"}, {"miner", Addr(0)}}},
      rpc_code::kInvalidParameter);
  Err("submitblock", {"zz"}, rpc_code::kDeserializationError);
  Err("submitblock", {"00"}, rpc_code::kDeserializationError);
  Err("invalidateblock", {Hash256{}.ToHex()}, rpc_code::kInvalidAddress);
  Err("reconsiderblock", {Hash256{}.ToHex()}, rpc_code::kInvalidAddress);
  // Echoed input is cut at a character boundary, so the reply stays valid UTF-8.
  std::string euros;
  for (int i = 0; i < 40; ++i) euros += "\xe2\x82\xac";
  Json echo = Err("getblock", {euros}, rpc_code::kInvalidParameter);
  EXPECT_NO_THROW((void)echo.dump());
  Json e = Err("invalidateblock", {Ok("getblockhash", {0})}, rpc_code::kMiscError);
  EXPECT_EQ(e["message"], "cannot-invalidate-genesis");
  EXPECT_EQ(Ok("getbestblockhash"), tip);
}

// Every method with junk params returns a result or a caller error: never an exception out of
// Handle, never an internal error.
TEST_F(RpcMethodsTest, JunkParamsNeverCrash) {
  Generate(2);
  Ok("sendrawtransaction", {Hex(Pay(0, 0, 1, chain::kCoin))});
  const std::string tip = Ok("getbestblockhash");
  const Json huge = std::numeric_limits<uint64_t>::max();
  const Json most_negative = std::numeric_limits<int64_t>::min();
  const std::vector<Json> junk = {
      Json::array(),
      {nullptr},
      {1},
      {"zz"},
      Json::array({Json::object()}),
      {-1},
      {1e300},
      {huge},
      {most_negative},
      {true},
      Json::array({Json::array()}),
      {std::string(64, '0')},
      {std::string(64, 'g')},
      {std::string(100000, 'a')},
      {tip},
      {tip, 7},
      {tip, -1},
      {tip, "x"},
      {tip, nullptr, nullptr},
      {tip, huge, huge},
      {0, "zz"},
      {huge, Addr(0)},
      {2, Addr(0), huge},
      {2, Addr(0), 1},
      {"", "", "", "", ""},
      Json::object(),
      {{"foo", 1}},
      {{"blockhash", 5}},
      {{"miner", 7}},
      {{{"miner", 7}}},
      {{{"address", Addr(1)}, {"rules", {"x"}}}},
      {"deadbeef"},
      {Addr(0)},
  };
  for (const std::string& method : table_.Names()) {
    for (const Json& params : junk) {
      Json response = Call(method, params);
      ASSERT_TRUE(response.is_object()) << method << " " << params.dump().substr(0, 200);
      if (response.contains("error")) {
        const int code = response["error"]["code"];
        EXPECT_NE(code, rpc_code::kInternalError)
            << method << " " << params.dump().substr(0, 200) << " -> " << response.dump();
        EXPECT_NE(code, rpc_code::kDatabaseError)
            << method << " " << params.dump().substr(0, 200) << " -> " << response.dump();
      } else {
        EXPECT_TRUE(response.contains("result")) << method;
      }
    }
  }
  // The chain still works.
  EXPECT_EQ(Ok("verifychain")["ok"], true);
}

TEST_F(RpcMethodsTest, NotRegisteredHere) {
  const std::vector<std::string> names = table_.Names();
  for (const char* n : {"stop", "setmocktime", "uptime", "logging", "getnetworkinfo"}) {
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 0) << n;
  }
  for (const char* n :
       {"getblockchaininfo",  "getblockcount",   "getbestblockhash",  "getblockhash",
        "getblockheader",     "getblock",        "getrawtransaction", "decoderawtransaction",
        "sendrawtransaction", "getrawmempool",   "getmempoolinfo",    "getaccount",
        "getasset",           "getassethistory", "getmininginfo",     "generatetoaddress",
        "getblocktemplate",   "submitblock",     "invalidateblock",   "reconsiderblock",
        "verifychain",        "getchaintips"}) {
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 1) << n;
    EXPECT_NE(table_.Help(n), nullptr);
  }
}

// A help line is "name params  description"; its params are the ones the method accepts, in
// order ("[name=default]" when optional).
TEST_F(RpcMethodsTest, HelpLinesListTheAcceptedParams) {
  for (const std::string& method : table_.Names()) {
    const std::string* help = table_.Help(method);
    const std::vector<std::string>* names = table_.ParamNames(method);
    ASSERT_NE(help, nullptr) << method;
    ASSERT_NE(names, nullptr) << method;
    const size_t end = help->find("  ");
    ASSERT_NE(end, std::string::npos) << *help;
    std::istringstream words(help->substr(0, end));
    std::string word;
    words >> word;
    EXPECT_EQ(word, method);
    size_t i = 0;
    for (; words >> word; ++i) {
      ASSERT_LT(i, names->size()) << *help;
      const bool optional = word.front() == '[';
      if (optional) word = word.substr(1, word.find_first_of("=]") - 1);
      // getblocktemplate's "address|{...}" describes its one param's forms, not its name.
      if (word.find_first_of("|{") == std::string::npos) {
        EXPECT_EQ(word, (*names)[i]) << *help;
      }
    }
    EXPECT_EQ(i, names->size()) << *help;
  }
}

TEST_F(RpcMethodsTest, HelpLinesTellWhatIsIgnoredOrAccepted) {
  auto help = [&](const char* method) {
    const std::string* h = table_.Help(method);
    return h ? *h : std::string();
  };
  EXPECT_EQ(help("verifychain").rfind("verifychain [checklevel=4] [nblocks=0]  ", 0), 0u)
      << help("verifychain");
  EXPECT_NE(help("verifychain").find("ignored"), std::string::npos) << help("verifychain");
  EXPECT_EQ(help("submitblock").rfind("submitblock hexdata [dummy]  ", 0), 0u)
      << help("submitblock");
  EXPECT_NE(help("submitblock").find("ignored"), std::string::npos) << help("submitblock");
  EXPECT_EQ(help("getrawtransaction").rfind("getrawtransaction txid [verbose=0]  ", 0), 0u)
      << help("getrawtransaction");
  EXPECT_NE(help("getrawtransaction").find("0..2"), std::string::npos) << help("getrawtransaction");
  EXPECT_NE(help("getblocktemplate").find("{\"address\":address}"), std::string::npos)
      << help("getblocktemplate");

  // What the help lines promise.
  Generate(1);
  const std::string tip = Ok("getbestblockhash");
  Ok("verifychain", {0, 1});
  Ok("submitblock", {Ok("getblock", {tip, 0}), "anything"});
  Ok("getblocktemplate", {{{"address", Addr(1)}}});
}

TEST_F(RpcMethodsTest, AssetIssueTransferHistory) {
  // Metadata in key order, as consensus wants it.
  const Hash256 doc = *Hash256::FromHex(std::string(64, 'a'));
  const chain::Transaction issue = Make(
      3, 0, chain::AssetIssueOp{1200, "kg", {{"gtin", "09506000134352"}, {"lot", "A-17"}}, {doc}},
      5000);
  const Hash256 asset_id = chain::AssetIdFor(params_.chain_id(), Id(3), 0, 0);
  Json sent = Ok("sendrawtransaction", {Hex(issue)});
  EXPECT_EQ(Ok("decoderawtransaction", {Hex(issue)})["op"]["asset"], asset_id.ToHex());
  Generate(1);

  Json asset = Ok("getasset", {asset_id.ToHex()});
  EXPECT_EQ(asset["asset"], asset_id.ToHex());
  EXPECT_EQ(asset["custodian"], Addr(3));
  EXPECT_EQ(asset["issuer"], Addr(3));
  EXPECT_EQ(asset["quantity"], 1200);
  EXPECT_EQ(asset["unit"], "kg");
  EXPECT_EQ(asset["status"], "open");
  EXPECT_EQ(asset["created_height"], 1);
  EXPECT_EQ(asset["created_tx"], sent);
  // Metadata in key order.
  EXPECT_EQ(asset["metadata"], Json::parse(R"([{"key":"gtin","value":"09506000134352"},
                                               {"key":"lot","value":"A-17"}])"));
  EXPECT_EQ(asset["documents"], Json::array({std::string(64, 'a')}));

  chain::Transaction handover = Make(3, 1, chain::AssetTransferOp{asset_id, Id(4)});
  Ok("sendrawtransaction", {Hex(handover)});
  Generate(1);
  asset = Ok("getasset", {asset_id.ToHex()});
  EXPECT_EQ(asset["custodian"], Addr(4));
  EXPECT_EQ(asset["custodian_account"], Id(4).ToHex());
  EXPECT_EQ(asset["issuer"], Addr(3));
  EXPECT_EQ(asset["event_count"], 2);

  Json history = Ok("getassethistory", {asset_id.ToHex()});
  EXPECT_EQ(history["asset"], asset_id.ToHex());
  EXPECT_EQ(history["event_count"], 2);
  Json events = history["events"];
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "issue");
  EXPECT_EQ(events[0]["sequence"], 0);
  EXPECT_EQ(events[0]["prev_event"], nullptr);
  EXPECT_EQ(events[0]["actor"], Addr(3));
  EXPECT_EQ(events[0]["txid"], sent);
  EXPECT_EQ(events[0]["height"], 1);
  EXPECT_EQ(events[1]["type"], "transfer");
  EXPECT_EQ(events[1]["sequence"], 1);
  EXPECT_EQ(events[1]["prev_event"], events[0]["event"]);
  EXPECT_EQ(events[1]["actor"], Addr(3));
  EXPECT_EQ(events[1]["counterparty"], Addr(4));
  EXPECT_EQ(events[1]["txid"], handover.Id().ToHex());
  EXPECT_EQ(events[1]["height"], 2);
  EXPECT_EQ(asset["last_event"], events[1]["event"]);

  // Paging.
  Json page = Ok("getassethistory", {asset_id.ToHex(), 1});
  ASSERT_EQ(page["events"].size(), 1u);
  EXPECT_EQ(page["events"][0], events[1]);
  EXPECT_EQ(Ok("getassethistory", {asset_id.ToHex(), 0, 1})["events"].size(), 1u);
  EXPECT_EQ(Ok("getassethistory", {asset_id.ToHex(), 5})["events"], Json::array());

  // An attestation, then a split: lineage and attest fields.
  chain::Transaction attest =
      Make(5, 0, chain::AssetAttestOp{asset_id, "temperature.max", "4C", Hash256{}});
  Ok("sendrawtransaction", {Hex(attest)});
  Generate(1);
  chain::Transaction split = Make(4, 0, chain::AssetSplitOp{asset_id, chain::SplitChildren({200, 1000})});
  Ok("sendrawtransaction", {Hex(split)});
  Generate(1);
  history = Ok("getassethistory", {asset_id.ToHex()});
  ASSERT_EQ(history["events"].size(), 4u);
  Json att = history["events"][2];
  EXPECT_EQ(att["type"], "attest");
  EXPECT_EQ(att["claim"], "temperature.max");
  EXPECT_EQ(att["value"], "4C");
  EXPECT_EQ(att["document"], nullptr);
  EXPECT_EQ(att["actor"], Addr(5));
  EXPECT_EQ(history["events"][3]["type"], "split");
  const Json children = {chain::AssetIdFor(params_.chain_id(), Id(4), 0, 0).ToHex(),
                         chain::AssetIdFor(params_.chain_id(), Id(4), 0, 1).ToHex()};
  EXPECT_EQ(history["events"][3]["related"], children);
  asset = Ok("getasset", {asset_id.ToHex()});
  EXPECT_EQ(asset["status"], "split");
  EXPECT_EQ(asset["children"], children);
  Json child = Ok("getasset", {children[1]});
  EXPECT_EQ(child["parents"], Json::array({asset_id.ToHex()}));
  EXPECT_EQ(child["quantity"], 1000);
  EXPECT_EQ(child["unit"], "kg");
  EXPECT_EQ(child["custodian"], Addr(4));
}

TEST_F(RpcMethodsTest, TemplateSolvedAndSubmitted) {
  Generate(1);
  const chain::Transaction tx = Pay(0, 0, 1, chain::kCoin, 5000);
  Ok("sendrawtransaction", {Hex(tx)});
  Json t = Ok("getblocktemplate", {Addr(7)});
  EXPECT_EQ(t, Ok("getblocktemplate", {{{"miner", Addr(7)}, {"rules", Json::array()}}}));
  EXPECT_EQ(t["height"], 2);
  EXPECT_EQ(t["previousblockhash"], Ok("getbestblockhash"));
  EXPECT_EQ(t["miner"], Addr(7));
  EXPECT_EQ(t["fees"], 5000);
  EXPECT_EQ(t["reward"], params_.RewardAt(2));
  EXPECT_EQ(t["coinbasevalue"], params_.RewardAt(2) + 5000);
  ASSERT_EQ(t["transactions"].size(), 1u);
  EXPECT_EQ(t["transactions"][0]["txid"], tx.Id().ToHex());
  EXPECT_EQ(t["transactions"][0]["data"], Hex(tx));
  EXPECT_LE(t["mintime"].get<int64_t>(), t["curtime"].get<int64_t>());
  EXPECT_LE(t["curtime"].get<int64_t>(), t["maxtime"].get<int64_t>());

  // Assemble the block as an external miner would.
  auto header_bytes = chain::HexDecode(t["header"].get<std::string>());
  ASSERT_TRUE(header_bytes);
  auto header = chain::DecodeHeader(*header_bytes);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->nonce, 0u);
  EXPECT_EQ(header->merkle_root.ToHex(), t["merkleroot"]);
  EXPECT_EQ(header->time, t["curtime"]);
  EXPECT_EQ(BitsToHex(header->bits), t["bits"]);
  chain::Block block;
  block.header = *header;
  for (const Json& entry : t["transactions"]) {
    auto raw = chain::HexDecode(entry["data"].get<std::string>());
    ASSERT_TRUE(raw);
    auto decoded = chain::DecodeTransaction(*raw);
    ASSERT_TRUE(decoded.ok());
    block.txs.push_back(*decoded);
  }

  // A nonce that misses the target is rejected with a reason string.
  chain::Block missed = block;
  for (uint64_t n = 0; n < 1000; ++n) {
    missed.header.nonce = n;
    if (!consensus::CheckProofOfWork(missed.header.Id(), missed.header.bits, params_.pow_limit)) {
      break;
    }
  }
  Json reason = Ok("submitblock", {chain::HexEncode(missed.Serialize())});
  ASSERT_TRUE(reason.is_string());
  EXPECT_FALSE(reason.get<std::string>().empty());
  EXPECT_EQ(Ok("getblockcount"), 1);

  auto nonce = SearchNonce(block.header, 0, 1'000'000, nullptr);
  ASSERT_TRUE(nonce);
  block.header.nonce = *nonce;
  const std::string hex = chain::HexEncode(block.Serialize());
  EXPECT_EQ(Ok("submitblock", {hex}), nullptr);
  EXPECT_EQ(Ok("getbestblockhash"), block.header.Id().ToHex());
  EXPECT_EQ(Ok("getblockcount"), 2);
  EXPECT_EQ(Ok("getrawmempool"), Json::array());
  EXPECT_EQ(Ok("getaccount", {Addr(7)})["balance"],
            testing::kAllocation + params_.RewardAt(2) + 5000);
  EXPECT_EQ(Ok("submitblock", {hex}), "duplicate");
  EXPECT_EQ(Ok("submitblock", {hex, "ignored"}), "duplicate");
}

TEST_F(RpcMethodsTest, SideBranchIsInconclusive) {
  std::vector<std::string> hashes = Generate(2);
  // A second block on top of block 1: stored, but with less work than the tip.
  auto parent = chain_->GetBlockIndex(*Hash256::FromHex(hashes[0]));
  ASSERT_TRUE(parent);
  chain::Block block;
  block.header.prev = parent->id;
  block.header.merkle_root = chain::BlockMerkleRoot(std::vector<Hash256>{});
  block.header.miner = Id(6);
  block.header.time = parent->header.time + 1;
  block.header.bits = parent->header.bits;
  auto nonce = SearchNonce(block.header, 0, 1'000'000, nullptr);
  ASSERT_TRUE(nonce);
  block.header.nonce = *nonce;
  Json r = Ok("submitblock", {chain::HexEncode(block.Serialize())});
  // Equal work: the first seen stays the tip.
  EXPECT_EQ(r, "inconclusive");
  EXPECT_EQ(Ok("getbestblockhash"), hashes[1]);
  Json header = Ok("getblockheader", {block.header.Id().ToHex()});
  EXPECT_EQ(header["confirmations"], -1);
  EXPECT_FALSE(header.contains("nextblockhash"));
  Json tips = Ok("getchaintips");
  ASSERT_EQ(tips.size(), 2u);
  // Both tips are at height 2; the active one may come first or second.
  const Json& active = tips[0]["status"] == "active" ? tips[0] : tips[1];
  const Json& fork = tips[0]["status"] == "active" ? tips[1] : tips[0];
  EXPECT_EQ(active["status"], "active");
  EXPECT_EQ(active["hash"], hashes[1]);
  EXPECT_EQ(active["branchlen"], 0);
  EXPECT_EQ(fork["hash"], block.header.Id().ToHex());
  EXPECT_EQ(fork["branchlen"], 1);
  EXPECT_EQ(fork["height"], 2);
  EXPECT_TRUE(fork["status"] == "valid-headers" || fork["status"] == "valid-fork") << tips.dump();
}

TEST_F(RpcMethodsTest, InvalidateReconsiderChainTips) {
  std::vector<std::string> hashes = Generate(5);
  Ok("invalidateblock", {hashes[2]});  // height 3
  EXPECT_EQ(Ok("getbestblockhash"), hashes[1]);
  EXPECT_EQ(Ok("getblockcount"), 2);
  EXPECT_EQ(Ok("getblockheader", {hashes[4]})["confirmations"], -1);

  Json tips = Ok("getchaintips");
  bool saw_invalid = false;
  bool saw_active = false;
  for (const Json& tip : tips) {
    if (tip["status"] == "invalid" && tip["hash"] == hashes[4]) {
      saw_invalid = true;
      EXPECT_EQ(tip["height"], 5);
      EXPECT_EQ(tip["branchlen"], 3);
    }
    if (tip["status"] == "active") {
      saw_active = true;
      EXPECT_EQ(tip["hash"], hashes[1]);
      EXPECT_EQ(tip["branchlen"], 0);
    }
  }
  EXPECT_TRUE(saw_invalid) << tips.dump();
  EXPECT_TRUE(saw_active) << tips.dump();
  EXPECT_EQ(Ok("submitblock", {Ok("getblock", {hashes[3], 0})}), "duplicate-invalid");

  Ok("reconsiderblock", {hashes[2]});
  EXPECT_EQ(Ok("getbestblockhash"), hashes[4]);
  EXPECT_EQ(Ok("getblockcount"), 5);
  tips = Ok("getchaintips");
  ASSERT_EQ(tips.size(), 1u);
  EXPECT_EQ(tips[0]["status"], "active");

  Json verify = Ok("verifychain");
  EXPECT_EQ(verify["ok"], true);
  EXPECT_EQ(verify["blocks"], 5);
  EXPECT_GT(verify["state_keys"].get<uint64_t>(), 0u);
  EXPECT_EQ(verify["problems"], Json::array());
  EXPECT_EQ(Ok("verifychain", {4, 0})["ok"], true);
}

TEST_F(RpcMethodsTest, MiningInfo) {
  Json info = Ok("getmininginfo");
  EXPECT_EQ(info["blocks"], 0);
  EXPECT_EQ(info["networkhashps"], 0);
  EXPECT_EQ(info["hashespersec"], 0);
  EXPECT_EQ(info["mining"], false);
  EXPECT_EQ(info["pooledtx"], 0);
  // Blocks one second apart (the clock advances between them), past the 120-block window so
  // that the genesis block's old time drops out of the estimate.
  for (int i = 0; i < 125; ++i) {
    clock_.SetMockTime(clock_.Now() + 1);
    Generate(1);
  }
  info = Ok("getmininginfo");
  EXPECT_EQ(info["blocks"], 125);
  // About 2 hashes per block at the easiest target, one block a second.
  EXPECT_EQ(info["networkhashps"], 2);
  EXPECT_TRUE(info["networkhashps"].is_number_unsigned());
  EXPECT_GT(info["networkhashps"].get<uint64_t>(), 0u);
  EXPECT_EQ(info["bits"].get<std::string>().size(), 8u);
}

// --- json_convert ---

class JsonConvertTest : public testing::RegtestFixture {
 protected:
  // TxToJson of tx, with the fields every tx has checked against tx.
  Json ToJson(const chain::Transaction& tx) {
    const chain::TxWithId txw = chain::MakeTxWithId(tx);
    Json j = TxToJson(txw, params_.address_prefix, params_.units);
    EXPECT_EQ(j["txid"], txw.id.ToHex());
    EXPECT_EQ(j["version"], tx.version);
    EXPECT_EQ(j["chain_id"], tx.chain_id.ToHex());
    EXPECT_EQ(j["sender"], Addr(tx.sender));
    EXPECT_EQ(j["sender_account"], tx.sender.ToHex());
    EXPECT_EQ(j["nonce"], tx.nonce);
    EXPECT_EQ(j["fee"], tx.fee);
    EXPECT_EQ(j["size"], txw.size);
    EXPECT_EQ(j["signature"], chain::HexEncode(tx.signature));
    EXPECT_EQ(j["type"], chain::OpTypeName(chain::TypeOf(tx.op)));
    EXPECT_EQ(j["op"]["type"], j["type"]);
    // Integers stay integers, even past 2^53 (JSON forms never use doubles).
    EXPECT_TRUE(j["fee"].is_number_unsigned());
    return j;
  }
  std::string Addr(int key) const { return Addr(Id(key)); }
  std::string Addr(const chain::AccountId& id) const {
    return chain::bech32::EncodeAddress(params_.address_prefix, id);
  }
};

TEST_F(JsonConvertTest, EveryOperationShowsItsFields) {
  const Hash256 a = chain::AssetIdFor(params_.chain_id(), Id(0), 0, 0);
  const Hash256 b = chain::AssetIdFor(params_.chain_id(), Id(0), 1, 0);
  const Hash256 doc = *Hash256::FromHex(std::string(64, 'd'));
  Json j = ToJson(Pay(0, 7, 1, chain::kMaxAmount, std::numeric_limits<uint64_t>::max()));
  EXPECT_EQ(j["op"], Json({{"type", "transfer"},
                           {"to", Addr(1)},
                           {"to_account", Id(1).ToHex()},
                           {"amount", chain::kMaxAmount}}));
  EXPECT_EQ(j["fee"], std::numeric_limits<uint64_t>::max());
  j = ToJson(Make(0, 0, chain::AssetIssueOp{1200, "kg", {{"gtin", "1"}, {"lot", "x"}}, {doc, a}}));
  EXPECT_EQ(j["op"], Json({{"type", "asset.issue"},
                           {"quantity", 1200},
                           {"amount", "1.200"},  // regtest: kg has scale 3
                           {"unit", "kg"},
                           {"metadata", Json::parse(R"([{"key":"gtin","value":"1"},
                                                        {"key":"lot","value":"x"}])")},
                           {"documents", {doc.ToHex(), a.ToHex()}},
                           {"asset", chain::AssetIdFor(params_.chain_id(), Id(0), 0, 0).ToHex()}}));
  j = ToJson(Make(0, 1, chain::AssetIssueOp{1, "pcs", {}, {}}));
  EXPECT_EQ(j["op"]["amount"], "1");  // scale 0
  EXPECT_EQ(j["op"]["metadata"], Json::array());
  EXPECT_EQ(j["op"]["documents"], Json::array());
  j = ToJson(Make(0, 2, chain::AssetTransferOp{a, Id(2)}));
  EXPECT_EQ(j["op"], Json({{"type", "asset.transfer"},
                           {"asset", a.ToHex()},
                           {"to", Addr(2)},
                           {"to_account", Id(2).ToHex()}}));
  j = ToJson(Make(0, 4, chain::AssetMergeOp{{a, b}, 9, "l", {{"k", "v"}}, {doc}}));
  EXPECT_EQ(j["op"], Json({{"type", "asset.merge"},
                           {"inputs", {a.ToHex(), b.ToHex()}},
                           {"quantity", 9},
                           {"amount", "0.009"},
                           {"unit", "l"},
                           {"metadata", Json::parse(R"([{"key":"k","value":"v"}])")},
                           {"documents", {doc.ToHex()}},
                           {"asset", chain::AssetIdFor(params_.chain_id(), Id(0), 4, 0).ToHex()}}));
  j = ToJson(Make(0, 5, chain::AssetAttestOp{a, "cert", "ok", doc}));
  EXPECT_EQ(j["op"], Json({{"type", "asset.attest"},
                           {"asset", a.ToHex()},
                           {"claim", "cert"},
                           {"value", "ok"},
                           {"document", doc.ToHex()}}));
  // An absent document is null, not 64 zeros.
  j = ToJson(Make(0, 6, chain::AssetAttestOp{a, "cert", "ok", Hash256{}}));
  EXPECT_TRUE(j["op"]["document"].is_null());
  chain::Transaction unsigned_tx = Pay(0, 1, 2, 3);
  unsigned_tx.signature = {};
  unsigned_tx.chain_id = Hash256{};
  ToJson(unsigned_tx);
}

TEST_F(JsonConvertTest, TransformAndItsEvents) {
  const Hash256 a = chain::AssetIdFor(params_.chain_id(), Id(0), 0, 0);
  const Hash256 doc = *Hash256::FromHex(std::string(64, 'd'));
  chain::AssetTransformOp op{{a}, {{830'000, "kg", {{"product", "roasted"}}, {doc}},
                                   {20, "pcs", {}, {}}}};
  Json j = ToJson(Make(0, 3, op));
  EXPECT_EQ(j["op"],
            Json({{"type", "asset.transform"},
                  {"inputs", {a.ToHex()}},
                  {"outputs",
                   {{{"quantity", 830'000},
                     {"amount", "830.000"},
                     {"unit", "kg"},
                     {"metadata", Json::parse(R"([{"key":"product","value":"roasted"}])")},
                     {"documents", {doc.ToHex()}},
                     {"asset", chain::AssetIdFor(params_.chain_id(), Id(0), 3, 0).ToHex()}},
                    {{"quantity", 20},
                     {"amount", "20"},
                     {"unit", "pcs"},
                     {"metadata", Json::array()},
                     {"documents", Json::array()},
                     {"asset", chain::AssetIdFor(params_.chain_id(), Id(0), 3, 1).ToHex()}}}}}));

  chain::AssetEvent e;
  e.type = chain::EventType::kTransform;
  e.related = {a};
  EXPECT_EQ(EventToJson(e, "wbr", 830'000)["yield_ppm"], 830'000);
  EXPECT_TRUE(EventToJson(e, "wbr")["yield_ppm"].is_null());  // mixed units: none
  e.type = chain::EventType::kTransformOutput;
  EXPECT_EQ(EventToJson(e, "wbr", 5)["yield_ppm"], 5);
  e.type = chain::EventType::kMergeOutput;
  EXPECT_FALSE(EventToJson(e, "wbr", 5).contains("yield_ppm"));

  chain::Asset asset;
  asset.quantity = 250;
  asset.unit = "kg";
  asset.status = chain::AssetStatus::kTransformed;
  Json aj = AssetToJson(asset, "wbr", params_.units);
  EXPECT_EQ(aj["amount"], "0.250");
  EXPECT_EQ(aj["status"], "transformed");
}

TEST_F(JsonConvertTest, Shapes) {
  chain::AssetSplitOp split_op{Hash256{}, chain::SplitChildren({1, 2})};
  split_op.children[1].metadata = {{"bag", "000002"}};
  chain::Transaction split = Make(0, 3, split_op);
  Json j = TxToJson(chain::MakeTxWithId(split), "wbr", params_.units);
  EXPECT_EQ(j["type"], "asset.split");
  EXPECT_EQ(j["op"]["type"], "asset.split");
  EXPECT_EQ(j["op"]["children"],
            Json::array({{{"asset", chain::AssetIdFor(params_.chain_id(), Id(0), 3, 0).ToHex()},
                          {"quantity", 1},
                          {"metadata", Json::array()}},
                         {{"asset", chain::AssetIdFor(params_.chain_id(), Id(0), 3, 1).ToHex()},
                          {"quantity", 2},
                          {"metadata", Json::array({{{"key", "bag"}, {"value", "000002"}}})}}}));
  EXPECT_EQ(j["signature"].get<std::string>().size(), 128u);

  chain::Account account{5, 6};
  Json acc = AccountToJson(Id(1), account, "wbr");
  EXPECT_EQ(acc,
            Json({{"address", Addr(1)}, {"account", Id(1).ToHex()}, {"balance", 5}, {"nonce", 6}}));

  EXPECT_EQ(BitsToHex(0x1d00ffff), "1d00ffff");
  EXPECT_EQ(BitsToTargetHex(0), "");
  EXPECT_EQ(ToDecimal(chain::ArithU256(0)), "0");
  EXPECT_EQ(ToDecimal(chain::ArithU256(1234567890123456789ULL)), "1234567890123456789");
  EXPECT_EQ(ToDecimal(~chain::ArithU256(0)),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935");
  const chain::ArithU256 limit = *chain::TargetFromBits(0x1d00ffff);
  EXPECT_EQ(DifficultyString(0x1d00ffff, limit), "1");
  EXPECT_EQ(DifficultyString(0x1c7fff80, limit), "2");
  EXPECT_EQ(DifficultyString(0x1b0404cb, limit), "16307.42093852");
  EXPECT_EQ(DifficultyString(0x1d01fffe, limit), "0.5");
  EXPECT_EQ(DifficultyString(0, limit), "0");
}

}  // namespace
}  // namespace waybill::node
