// The Node as a whole: start on a temporary datadir, the network folder's lock, pid file and
// cookie, the built-in RPC methods, shutdown by the `stop` RPC.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "node/config.h"
#include "node/params/genesis.h"
#include "node/params/network.h"
#include "node/node.h"
#include "tests/unit/loopback_http.h"

namespace waybill::node {
namespace {

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "waybill_node_XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Config MakeConfig(const std::string& network = "regtest") {
    std::vector<std::string> args = {"waybilld", "--datadir=" + dir_, "--network=" + network,
                                     "--rpcport=0", "--port=0", "--printtoconsole=0"};
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    auto config = ParseConfig(static_cast<int>(argv.size()), argv.data());
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    return *config;
  }

  std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::string dir_;
};

// One HTTP exchange with Connection: close; returns the whole response.
std::string HttpPost(uint16_t port, const std::string& cookie, const std::string& body) {
  return testing::LoopbackExchange(port, testing::JsonPostRequest(testing::Base64(cookie), body));
}

Json RpcResult(const std::string& response) {
  size_t at = response.find("\r\n\r\n");
  if (at == std::string::npos) return Json();
  return Json::parse(response.substr(at + 4), nullptr, false);
}

TEST_F(DaemonTest, StartRpcStopByRpc) {
  Node node(MakeConfig(), /*handle_signals=*/false);
  ASSERT_TRUE(node.Start().ok());
  // Everything of the network is in <datadir>/regtest/ (node/params/network.h).
  ASSERT_EQ(CookiePath(dir_, "regtest"), dir_ + "/regtest/.cookie");
  const std::string cookie = ReadFile(CookiePath(dir_, "regtest"));
  ASSERT_EQ(cookie.rfind("__cookie__:", 0), 0u);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/regtest/chain"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/regtest/.lock"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/.cookie"));
  EXPECT_EQ(ReadFile(PidFilePath(dir_, "regtest")), std::to_string(::getpid()) + "\n");

  // A second node on the same network folder is refused.
  {
    Node second(MakeConfig(), false);
    chain::Status s = second.Start();
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.reason(), "another waybilld is using " + dir_ + "/regtest");
  }
  // ... and refusing it did not disturb the first one's cookie and pid file.
  EXPECT_EQ(ReadFile(CookiePath(dir_, "regtest")), cookie);
  EXPECT_EQ(ReadFile(PidFilePath(dir_, "regtest")), std::to_string(::getpid()) + "\n");

  Json uptime =
      RpcResult(HttpPost(node.rpc_port(), cookie, R"({"jsonrpc":"2.0","method":"uptime","id":1})"));
  EXPECT_TRUE(uptime["result"].is_number_integer()) << uptime;
  Json mock = RpcResult(HttpPost(
      node.rpc_port(), cookie, R"({"jsonrpc":"2.0","method":"setmocktime","params":[5],"id":1})"));
  EXPECT_TRUE(mock.contains("result")) << mock;
  Json chain_method = RpcResult(
      HttpPost(node.rpc_port(), cookie, R"({"jsonrpc":"2.0","method":"getblockcount","id":1})"));
  EXPECT_EQ(chain_method["result"], 0) << chain_method;

  std::thread waiter([&node] { node.WaitForShutdown(); });
  Json stop =
      RpcResult(HttpPost(node.rpc_port(), cookie, R"({"jsonrpc":"2.0","method":"stop","id":1})"));
  EXPECT_EQ(stop["result"], "Waybill server stopping");
  waiter.join();
  node.Stop();
  EXPECT_FALSE(std::filesystem::exists(CookiePath(dir_, "regtest")));
  EXPECT_FALSE(std::filesystem::exists(PidFilePath(dir_, "regtest")));
  std::string log = ReadFile(dir_ + "/regtest/debug.log");
  EXPECT_NE(log.find("chain tip: height 0"), std::string::npos);
  EXPECT_EQ(log.find(cookie.substr(11)), std::string::npos);  // the secret is never logged

  // The lock is released: the datadir can be used again.
  Node again(MakeConfig(), false);
  EXPECT_TRUE(again.Start().ok());
}

// Nodes of two networks share one data folder and run at the same time, each in its folder.
TEST_F(DaemonTest, TwoNetworksShareADataFolder) {
  Node regtest(MakeConfig("regtest"), false);
  ASSERT_TRUE(regtest.Start().ok());
  Node devnet(MakeConfig("devnet"), false);
  chain::Status s = devnet.Start();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_NE(ReadFile(CookiePath(dir_, "regtest")), ReadFile(CookiePath(dir_, "devnet")));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/devnet/debug.log"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/regtest/debug.log"));
}

TEST_F(DaemonTest, SetMockTimeOnlyWhereAllowed) {
  Node node(MakeConfig("devnet"), false);
  ASSERT_TRUE(node.Start().ok());
  const std::string cookie = ReadFile(CookiePath(dir_, "devnet"));
  Json r = RpcResult(HttpPost(node.rpc_port(), cookie,
                              R"({"jsonrpc":"2.0","method":"setmocktime","params":[5],"id":1})"));
  EXPECT_EQ(r["error"]["message"], "setmocktime is for regtest only") << r;
  Json level =
      RpcResult(HttpPost(node.rpc_port(), cookie,
                         R"({"jsonrpc":"2.0","method":"logging","params":["trace"],"id":1})"));
  EXPECT_EQ(level["result"]["level"], "trace");
  EXPECT_EQ(node.logger()->level(), LogLevel::kTrace);
  node.RequestStop();
  node.WaitForShutdown();  // returns at once: already requested
}

TEST(BuiltinRpcTest, Methods) {
  auto params = EmbeddedGenesis("regtest");
  ASSERT_TRUE(params.ok());
  NodeClock clock;
  LoggerOptions log_options;
  log_options.print_to_console = false;
  auto logger = Logger::Open(log_options);
  ASSERT_TRUE(logger.ok());
  bool stop_requested = false;
  BuiltinRpcContext ctx;
  ctx.params = &*params;
  ctx.clock = &clock;
  ctx.logger = logger->get();
  ctx.request_stop = [&] { stop_requested = true; };
  ctx.started_at = std::chrono::steady_clock::now();
  RpcTable table;
  RegisterBuiltinMethods(table, ctx);

  auto call = [&](const std::string& text) { return table.Handle(Json::parse(text)); };
  EXPECT_TRUE(call(R"({"jsonrpc":"2.0","method":"setmocktime","params":[1234],"id":1})")["result"]
                  .is_null());
  EXPECT_EQ(clock.Now(), 1234);
  call(R"({"jsonrpc":"2.0","method":"setmocktime","params":{"timestamp":0},"id":1})");
  EXPECT_GT(clock.Now(), 1234);
  EXPECT_EQ(
      call(R"({"jsonrpc":"2.0","method":"setmocktime","params":[-1],"id":1})")["error"]["code"],
      rpc_code::kInvalidParameter);
  EXPECT_EQ(
      call(R"({"jsonrpc":"2.0","method":"setmocktime","params":["x"],"id":1})")["error"]["code"],
      rpc_code::kInvalidParameter);
  EXPECT_EQ(
      call(R"({"jsonrpc":"2.0","method":"logging","params":["loud"],"id":1})")["error"]["code"],
      rpc_code::kInvalidParameter);
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"logging","id":1})")["result"]["level"], "info");
  EXPECT_GE(call(R"({"jsonrpc":"2.0","method":"uptime","id":1})")["result"], 0);
  EXPECT_FALSE(stop_requested);
  EXPECT_EQ(call(R"({"jsonrpc":"2.0","method":"stop","id":1})")["result"],
            "Waybill server stopping");
  EXPECT_TRUE(stop_requested);
  for (const char* name : {"stop", "uptime", "setmocktime", "logging"}) {
    ASSERT_NE(table.Help(name), nullptr) << name;
    EXPECT_EQ(table.Help(name)->rfind(name, 0), 0u) << name;
  }
}

}  // namespace
}  // namespace waybill::node
