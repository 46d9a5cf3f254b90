// What the tests of the chain's JSON-RPC methods share: a regtest chain (RegtestFixture) with
// every method of methods.h registered in a table, and calls through RpcTable::Handle.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "node/rpc/context.h"
#include "node/rpc/methods.h"
#include "node/rpc/table.h"
#include "tests/unit/node_test_util.h"

namespace waybill::node::testing {

class RpcTableFixture : public RegtestFixture {
 protected:
  void SetUp() override {
    RegtestFixture::SetUp();
    ctx_.params = &params_;
    ctx_.chain = chain_.get();
    ctx_.mempool = mempool_;
    ctx_.mining_chain = mining_view_;
    ctx_.tx_source = tx_source_;
    ctx_.clock = &clock_;
    ctx_.datadir = dir_.string();
    RegisterChainRpcMethods(table_, ctx_);
  }

  // The full JSON-RPC response.
  Json Call(const std::string& method, Json params = Json::array()) {
    Json request = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    Json response;
    EXPECT_NO_THROW(response = table_.Handle(request)) << method << " " << params.dump();
    return response;
  }
  // The result; fails the test on an error.
  Json Ok(const std::string& method, Json params = Json::array()) {
    Json response = Call(method, params);
    EXPECT_TRUE(response.contains("result") && !response.contains("error"))
        << method << " " << params.dump() << " -> " << response.dump();
    return response.value("result", Json());
  }
  // The error object; fails the test unless the call failed with code.
  Json Err(const std::string& method, Json params, int code) {
    Json response = Call(method, params);
    EXPECT_TRUE(response.contains("error"))
        << method << " " << params.dump() << " -> " << response.dump();
    if (!response.contains("error")) return Json::object();
    EXPECT_EQ(response["error"]["code"], code)
        << method << " " << params.dump() << " -> " << response.dump();
    return response["error"];
  }

  NodeContext ctx_;
  RpcTable table_;
};

}  // namespace waybill::node::testing
