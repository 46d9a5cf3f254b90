// --rpcwhitelist: a user's list (allowed, refused with 403 and a JSON-RPC error, a batch
// refused whole), lists intersected when repeated, --rpcwhitelistdefault, the full-access
// users, and the RPC router that gets the user from the checked credentials.
#include "node/rpc/whitelist.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "node/http/auth.h"
#include "node/rpc/server.h"
#include "node/rpc/table.h"

namespace waybill::node {
namespace {

constexpr char kSalt[] = "cb77f0957de88ff388cf817ddbc7273";
constexpr char kHash[] = "378a8a8ff4b93dc88eced1d803bb7a2c57d3c8ede1c500dd6776e29eaf69e5de";
constexpr char kReader[] = "Basic cmVhZGVyOnNlY3JldC1wdw==";  // reader:secret-pw
constexpr char kAlice[] = "Basic YWxpY2U6cHc=";               // alice:pw

RpcWhitelist Parse(std::vector<std::string> entries, std::optional<bool> default_deny = {},
                   std::set<std::string> full = {"alice"}) {
  auto w = RpcWhitelist::Parse(entries, default_deny, std::move(full));
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  return w.ok() ? *w : RpcWhitelist();
}

TEST(RpcWhitelistTest, ListsAllowOnlyTheirMethods) {
  RpcWhitelist w = Parse({"reader:getblockchaininfo,getblock, getasset"});
  EXPECT_TRUE(w.Allowed("reader", "getblockchaininfo"));
  EXPECT_TRUE(w.Allowed("reader", "getblock"));
  EXPECT_TRUE(w.Allowed("reader", "getasset"));
  EXPECT_FALSE(w.Allowed("reader", "stop"));
  EXPECT_FALSE(w.Allowed("reader", "getblockchain"));
  // Any whitelist makes the default deny, except for the full-access users.
  EXPECT_FALSE(w.Allowed("bob", "getblock"));
  EXPECT_TRUE(w.Allowed("alice", "stop"));
}

TEST(RpcWhitelistTest, RepeatedListsIntersect) {
  RpcWhitelist w = Parse({"reader:getblock,getasset,stop", "reader:getasset getblock,help"});
  EXPECT_TRUE(w.Allowed("reader", "getblock"));
  EXPECT_TRUE(w.Allowed("reader", "getasset"));
  EXPECT_FALSE(w.Allowed("reader", "stop"));
  EXPECT_FALSE(w.Allowed("reader", "help"));
  RpcWhitelist none = Parse({"reader:"});
  EXPECT_FALSE(none.Allowed("reader", "getblock"));
}

TEST(RpcWhitelistTest, DefaultFlag) {
  // Default 0 with a list: users without one keep everything.
  RpcWhitelist open = Parse({"reader:getblock"}, false);
  EXPECT_TRUE(open.Allowed("bob", "stop"));
  EXPECT_FALSE(open.Allowed("reader", "stop"));
  // Default 1 without any list: only full-access users call anything.
  RpcWhitelist closed = Parse({}, true);
  EXPECT_FALSE(closed.Allowed("bob", "getblock"));
  EXPECT_TRUE(closed.Allowed("alice", "getblock"));
  // Nothing configured: everyone calls everything.
  RpcWhitelist empty = Parse({});
  EXPECT_TRUE(empty.Allowed("bob", "stop"));
  // A full-access user named by a list gets only the list.
  RpcWhitelist named = Parse({"alice:getblock"});
  EXPECT_FALSE(named.Allowed("alice", "stop"));
}

TEST(RpcWhitelistTest, RefusesMalformedEntries) {
  for (const char* bad : {"reader", ":getblock", ""}) {
    auto w = RpcWhitelist::Parse({bad}, std::nullopt, {});
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_NE(w.status().reason().find("USER:method,method"), std::string::npos);
  }
}

class RpcWhitelistRouterTest : public ::testing::Test {
 protected:
  RpcWhitelistRouterTest() {
    table_.Register("getblock", {}, [](const Args&) { return Json("block"); }, "getblock");
    table_.Register("stop", {}, [this](const Args&) {
      ++stops_;
      return Json("stopping");
    }, "stop");
    Credentials creds(AuthConfig{"alice", "pw"});
    creds.Add(*ParseRpcAuth(std::string("reader:") + kSalt + "$" + kHash));
    auto whitelist = std::make_shared<RpcWhitelist>(Parse({"reader:getblock"}));
    router_ = std::make_unique<HttpRouter>(MakeRpcRouter(table_, std::move(creds), whitelist));
  }
  HttpResponse Post(const std::string& auth, const std::string& body) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/";
    r.authorization = auth;
    r.content_type = "application/json";
    r.body = body;
    return router_->Handle(r);
  }
  RpcTable table_;
  int stops_ = 0;
  std::unique_ptr<HttpRouter> router_;
};

TEST_F(RpcWhitelistRouterTest, AllowedMethodRuns) {
  HttpResponse r = Post(kReader, R"({"jsonrpc":"2.0","id":1,"method":"getblock"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Json::parse(r.body)["result"], "block");
  EXPECT_EQ(r.route, "/");
}

TEST_F(RpcWhitelistRouterTest, RefusedMethodGets403AndDoesNotRun) {
  HttpResponse r = Post(kReader, R"({"jsonrpc":"2.0","id":7,"method":"stop"})");
  EXPECT_EQ(r.status, 403);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["error"]["code"], rpc_code::kForbidden);
  EXPECT_EQ(body["id"], 7);
  EXPECT_NE(body["error"]["message"].get<std::string>().find("stop"), std::string::npos);
  EXPECT_EQ(stops_, 0);
  // A notification is refused too.
  EXPECT_EQ(Post(kReader, R"({"jsonrpc":"2.0","method":"stop"})").status, 403);
  EXPECT_EQ(stops_, 0);
  // The full-access user is not limited.
  HttpResponse a = Post(kAlice, R"({"jsonrpc":"2.0","id":1,"method":"stop"})");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(stops_, 1);
}

TEST_F(RpcWhitelistRouterTest, BatchWithOneRefusedEntryIsRefusedWhole) {
  HttpResponse r = Post(kReader, R"([{"jsonrpc":"2.0","id":1,"method":"getblock"},
                                     {"jsonrpc":"2.0","id":2,"method":"stop"}])");
  EXPECT_EQ(r.status, 403);
  Json body = Json::parse(r.body);
  EXPECT_TRUE(body.is_object());
  EXPECT_EQ(body["error"]["code"], rpc_code::kForbidden);
  EXPECT_TRUE(body["id"].is_null());
  EXPECT_NE(body["error"]["message"].get<std::string>().find("batch"), std::string::npos);
  EXPECT_EQ(stops_, 0);
  HttpResponse ok = Post(kReader, R"([{"jsonrpc":"2.0","id":1,"method":"getblock"},
                                      {"jsonrpc":"2.0","id":2,"method":"getblock"}])");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(Json::parse(ok.body).size(), 2u);
  // An unknown method is refused as well (it is on no list), an invalid entry left to the table.
  EXPECT_EQ(Post(kReader, R"({"jsonrpc":"2.0","id":1,"method":"nosuch"})").status, 403);
  EXPECT_EQ(Post(kReader, R"({"jsonrpc":"2.0","id":1,"method":5})").status, 200);
}

}  // namespace
}  // namespace waybill::node
