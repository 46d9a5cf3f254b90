// The RPC HTTP layer: HandleRpcHttp as a pure function (routes, auth, content type, size),
// the cookie file, and the real server on a loopback socket.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "node/rpc/server.h"
#include "node/rpc/table.h"
#include "tests/unit/loopback_http.h"

namespace waybill::node {
namespace {

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t n = uint8_t(in[i]) << 16 | uint8_t(in[i + 1]) << 8 | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[n >> s & 63]);
  }
  if (in.size() - i == 1) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += {kAlphabet[n >> 18 & 63], kAlphabet[n >> 12 & 63], '=', '='};
  } else if (in.size() - i == 2) {
    uint32_t n = uint8_t(in[i]) << 16 | uint8_t(in[i + 1]) << 8;
    out += {kAlphabet[n >> 18 & 63], kAlphabet[n >> 12 & 63], kAlphabet[n >> 6 & 63], '='};
  }
  return out;
}

std::string BasicAuth(const std::string& user, const std::string& password) {
  return "Basic " + Base64(user + ":" + password);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "waybill_rpc_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class RpcHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_.Register(
        "echo", {"value"}, [](const Args& a) { return a.params(); }, "echo  Returns its params.");
    table_.Register(
        "sleep", {"ms"},
        [](const Args& a) -> Json {
          std::this_thread::sleep_for(std::chrono::milliseconds(a.Required(0).get<int>()));
          return "slept";
        },
        "sleep ms  Blocks.");
    auth_ = AuthConfig{"alice", "correct horse"};
  }

  HttpRequest Post(std::string body) const {
    HttpRequest r;
    r.method = "POST";
    r.target = "/";
    r.authorization = BasicAuth("alice", "correct horse");
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
  }

  RpcTable table_;
  AuthConfig auth_;
};

TEST_F(RpcHttpTest, AuthorizedCall) {
  HttpResponse r = HandleRpcHttp(Post(R"({"jsonrpc":"2.0","method":"echo","params":[1],"id":1})"),
                                 table_, auth_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(Json::parse(r.body), Json::parse(R"({"jsonrpc":"2.0","result":[1],"id":1})"));
}

TEST_F(RpcHttpTest, Unauthorized) {
  const std::string body = R"({"jsonrpc":"2.0","method":"echo","id":1})";
  for (const std::string& header :
       {std::string(), BasicAuth("alice", "wrong"), BasicAuth("bob", "correct horse"),
        BasicAuth("alice", "correct horsex"), std::string("Bearer abc"), std::string("Basic !!!!"),
        std::string("Basic ") + Base64("alicecorrect horse")}) {
    HttpRequest req = Post(body);
    req.authorization = header;
    HttpResponse r = HandleRpcHttp(req, table_, auth_);
    EXPECT_EQ(r.status, 401) << header;
    bool challenged = false;
    for (const auto& [name, value] : r.headers) {
      if (name == "WWW-Authenticate" && value.rfind("Basic", 0) == 0) challenged = true;
    }
    EXPECT_TRUE(challenged) << header;
    EXPECT_EQ(r.body.find("correct horse"), std::string::npos);
  }
}

TEST_F(RpcHttpTest, BasicAuthParsing) {
  EXPECT_TRUE(CheckBasicAuth(BasicAuth("alice", "correct horse"), auth_));
  EXPECT_TRUE(CheckBasicAuth("basic " + Base64("alice:correct horse"), auth_));  // any case
  EXPECT_TRUE(CheckBasicAuth("  Basic  " + Base64("alice:correct horse") + " ", auth_));
  // A password with a colon is fine: only the first colon separates.
  AuthConfig colon{"u", "p:q"};
  EXPECT_TRUE(CheckBasicAuth(BasicAuth("u", "p:q"), colon));
  // Truncated base64 or a padding in the middle is refused.
  std::string encoded = Base64("alice:correct horse");
  EXPECT_FALSE(CheckBasicAuth("Basic " + encoded.substr(0, encoded.size() - 1), auth_));
  EXPECT_FALSE(CheckBasicAuth("Basic YQ==YQ==", AuthConfig{"a", "a"}));
  // An empty configured password never authenticates anyone.
  AuthConfig empty{"alice", ""};
  EXPECT_FALSE(CheckBasicAuth(BasicAuth("alice", ""), empty));
}

TEST_F(RpcHttpTest, HealthNeedsNoAuth) {
  HttpRequest req;
  req.method = "GET";
  req.target = "/health";
  HttpResponse r = HandleRpcHttp(req, table_, auth_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
}

TEST_F(RpcHttpTest, RoutesAndMethods) {
  HttpRequest get = Post("");
  get.method = "GET";
  HttpResponse r = HandleRpcHttp(get, table_, auth_);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.at(0), (std::pair<std::string, std::string>("Allow", "POST")));

  HttpRequest other = Post("{}");
  other.target = "/wallet/x";
  EXPECT_EQ(HandleRpcHttp(other, table_, auth_).status, 404);
  // Without credentials nothing but /health is revealed.
  other.authorization.clear();
  EXPECT_EQ(HandleRpcHttp(other, table_, auth_).status, 401);
}

TEST_F(RpcHttpTest, ContentType) {
  const std::string body = R"({"jsonrpc":"2.0","method":"echo","id":1})";
  for (const char* type :
       {"application/json", "application/json; charset=utf-8", "Application/JSON"}) {
    HttpRequest req = Post(body);
    req.content_type = type;
    EXPECT_EQ(HandleRpcHttp(req, table_, auth_).status, 200) << type;
  }
  for (const char* type :
       {"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx"}) {
    HttpRequest req = Post(body);
    req.content_type = type;
    EXPECT_EQ(HandleRpcHttp(req, table_, auth_).status, 415) << type;
  }
}

TEST_F(RpcHttpTest, Oversized) {
  std::string big = R"({"jsonrpc":"2.0","method":"echo","params":[")" +
                    std::string(kRpcMaxBodyBytes, 'a') + R"("],"id":1})";
  EXPECT_EQ(HandleRpcHttp(Post(big), table_, auth_).status, 413);
}

TEST_F(RpcHttpTest, ParseErrorsAndNesting) {
  HttpResponse r = HandleRpcHttp(Post("{not json"), table_, auth_);
  EXPECT_EQ(r.status, 200);
  Json body = Json::parse(r.body);
  EXPECT_EQ(body["error"]["code"], rpc_code::kParseError);
  EXPECT_TRUE(body["id"].is_null());

  std::string deep = std::string(1000, '[') + std::string(1000, ']');
  Json deep_body = Json::parse(HandleRpcHttp(Post(deep), table_, auth_).body);
  EXPECT_EQ(deep_body["error"]["code"], rpc_code::kParseError);
  // Brackets inside strings do not count.
  std::string quoted =
      R"({"jsonrpc":"2.0","method":"echo","params":[")" + std::string(1000, '[') + R"("],"id":1})";
  EXPECT_TRUE(Json::parse(HandleRpcHttp(Post(quoted), table_, auth_).body).contains("result"));
}

TEST_F(RpcHttpTest, NotificationGets204) {
  HttpResponse r = HandleRpcHttp(Post(R"({"jsonrpc":"2.0","method":"echo"})"), table_, auth_);
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
}

TEST_F(RpcHttpTest, InvalidUtf8FromHandlerDoesNotThrow) {
  table_.Register(
      "binary", {}, [](const Args&) -> Json { return std::string("\xff\xfe"); }, "binary");
  HttpResponse r =
      HandleRpcHttp(Post(R"({"jsonrpc":"2.0","method":"binary","id":1})"), table_, auth_);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(Json::parse(r.body)["result"].is_string());
}

// ---- Cookie ----

TEST(CookieFileTest, CreatesPrivateRandomCookieAndRemovesIt) {
  TempDir dir;
  const std::string path = dir.path() + "/.cookie";
  std::string first_password;
  {
    auto cookie = CookieFile::Create(path);
    ASSERT_TRUE(cookie.ok()) << cookie.status().ToString();
    struct stat st {};
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    std::ifstream in(path);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(std::regex_match(content, std::regex("__cookie__:[0-9a-f]{64}"))) << content;
    EXPECT_EQ(content, (*cookie)->auth().user + ":" + (*cookie)->auth().password);
    EXPECT_EQ((*cookie)->auth().user, "__cookie__");
    first_password = (*cookie)->auth().password;
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  auto again = CookieFile::Create(path);
  ASSERT_TRUE(again.ok());
  EXPECT_NE((*again)->auth().password, first_password);
}

TEST(CookieFileTest, ReplacesStaleFileAndNeverWritesThroughSymlink) {
  TempDir dir;
  const std::string path = dir.path() + "/.cookie";
  const std::string target = dir.path() + "/precious";
  { std::ofstream(target) << "keep me"; }
  std::filesystem::create_symlink(target, path);
  auto cookie = CookieFile::Create(path);
  ASSERT_TRUE(cookie.ok()) << cookie.status().ToString();
  EXPECT_FALSE(std::filesystem::is_symlink(path));
  std::ifstream in(target);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "keep me");
}

TEST(CookieFileTest, ReportsUnwritableDirectory) {
  auto cookie = CookieFile::Create("/nonexistent-dir-waybill/.cookie");
  ASSERT_FALSE(cookie.ok());
  EXPECT_NE(cookie.status().reason().find("/nonexistent-dir-waybill/.cookie"), std::string::npos);
}

// ---- The real server on a loopback socket ----

using Client = testing::LoopbackClient;

std::string Body(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

std::string RpcRequest(const std::string& body, const std::string& auth, bool keep_alive = true) {
  std::ostringstream out;
  out << "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      << "Authorization: " << auth << "\r\nContent-Length: " << body.size() << "\r\n"
      << (keep_alive ? "" : "Connection: close\r\n") << "\r\n"
      << body;
  return out.str();
}

TEST_F(RpcHttpTest, RealSocket) {
  RpcServerOptions options;
  options.port = 0;
  options.timeout = std::chrono::milliseconds(5000);
  RpcServer server(&table_, auth_, options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  ASSERT_NE(server.port(), 0);
  const std::string auth = BasicAuth("alice", "correct horse");

  {
    // Two requests on one keep-alive connection.
    Client client(server.port());
    ASSERT_TRUE(client.connected());
    client.Send(RpcRequest(R"({"jsonrpc":"2.0","method":"echo","params":["hi"],"id":1})", auth));
    std::string first = client.ReadResponse();
    ASSERT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
    EXPECT_EQ(Json::parse(Body(first))["result"], Json::parse(R"(["hi"])"));
    client.Send(RpcRequest(R"({"method":"echo","params":[2],"id":2})", auth, false));
    std::string second = client.ReadResponse();
    EXPECT_EQ(Json::parse(Body(second))["result"], Json::parse("[2]"));
    EXPECT_TRUE(client.ClosedByServer());  // Connection: close was honoured
  }
  {
    // Wrong credentials: 401 with a challenge (after the deliberate delay).
    Client client(server.port());
    client.Send(RpcRequest(R"({"method":"echo","id":1})", BasicAuth("alice", "nope")));
    std::string r = client.ReadResponse();
    EXPECT_EQ(r.rfind("HTTP/1.1 401", 0), 0u) << r;
    EXPECT_NE(r.find("WWW-Authenticate: Basic"), std::string::npos);
  }
  {
    // A body over the limit is refused from its Content-Length, before it is sent.
    Client client(server.port());
    client.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " +
                auth + "\r\nContent-Length: " + std::to_string(kRpcMaxBodyBytes + 1) + "\r\n\r\n");
    std::string r = client.ReadResponse();
    EXPECT_EQ(r.rfind("HTTP/1.1 413", 0), 0u) << r;
  }
  {
    // A header over 8 KiB.
    Client client(server.port());
    client.Send("GET /health HTTP/1.1\r\nHost: x\r\nX-Junk: " + std::string(10000, 'a') +
                "\r\n\r\n");
    std::string r = client.ReadResponse();
    EXPECT_EQ(r.rfind("HTTP/1.1 431", 0), 0u) << r;
  }
  {
    // Garbage.
    Client client(server.port());
    client.Send("NOT HTTP AT ALL\r\n\r\n");
    std::string r = client.ReadResponse();
    EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0u) << r;
  }
  {
    // Expect: 100-continue is honoured.
    Client client(server.port());
    const std::string body = R"({"method":"echo","params":[3],"id":3})";
    client.Send(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: " + auth +
        "\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
    std::string cont = client.ReadResponse();
    EXPECT_EQ(cont.rfind("HTTP/1.1 100", 0), 0u) << cont;
    client.Send(body);
    std::string r = client.ReadResponse();
    EXPECT_EQ(Json::parse(Body(r))["result"], Json::parse("[3]"));
  }
  server.Stop();
  server.Stop();  // idempotent
  Client after(server.port());
  EXPECT_FALSE(after.connected());
}

TEST_F(RpcHttpTest, HeadGetsNoBody) {
  RpcServerOptions options;
  options.timeout = std::chrono::milliseconds(5000);
  RpcServer server(&table_, auth_, options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  const std::string auth = BasicAuth("alice", "correct horse");
  Client client(server.port());
  ASSERT_TRUE(client.connected());
  // Refused like any method but POST, and the reply is headers only: a body here would be
  // read as the start of the next reply.
  client.Send("HEAD / HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n");
  std::string head = client.ReadHead();
  EXPECT_EQ(head.rfind("HTTP/1.1 405", 0), 0u) << head;
  // The connection stays open and in step: the next bytes are the next reply.
  client.Send(RpcRequest(R"({"method":"echo","params":[5],"id":5})", auth));
  std::string next = client.ReadResponse();
  ASSERT_EQ(next.rfind("HTTP/1.1 200", 0), 0u) << next;
  EXPECT_EQ(Json::parse(Body(next))["result"], Json::parse("[5]"));
  {
    // Without the right credentials: 401, headers only, and the connection is closed.
    Client wrong(server.port());
    wrong.Send("HEAD / HTTP/1.1\r\nHost: x\r\nAuthorization: " + BasicAuth("alice", "wrong") +
               "\r\n\r\n");
    head = wrong.ReadHead();
    EXPECT_EQ(head.rfind("HTTP/1.1 401", 0), 0u) << head;
    EXPECT_TRUE(wrong.ClosedByServer());
  }
  // HEAD with Connection: close is answered, then the connection closes.
  client.Send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: " + auth +
              "\r\n\r\n");
  EXPECT_EQ(client.ReadHead().rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(RpcHttpTest, SlowHandlerDoesNotStallOtherConnections) {
  // A handler that blocks until the test releases it (at most 30 s). If the server ran one
  // handler at a time, the fast call would be answered only after the blocked one gave up, and
  // the blocked call would then answer "timed out": no wall-clock bound is needed.
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  bool released = false;
  table_.Register(
      "block", {},
      [&](const Args&) -> Json {
        std::unique_lock lock(mu);
        started = true;
        cv.notify_all();
        const bool ok = cv.wait_for(lock, std::chrono::seconds(30), [&] { return released; });
        return ok ? "released" : "timed out";
      },
      "block  Blocks until released.");
  RpcServer server(&table_, auth_, RpcServerOptions{}, nullptr);
  ASSERT_TRUE(server.Start().ok());
  const std::string auth = BasicAuth("alice", "correct horse");
  Client slow(server.port());
  slow.Send(RpcRequest(R"({"method":"block","params":[],"id":1})", auth));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return started; }));
  }
  Client fast(server.port());
  fast.Send(RpcRequest(R"({"method":"echo","params":[1],"id":2})", auth));
  std::string r = fast.ReadResponse();
  EXPECT_EQ(Json::parse(Body(r))["result"], Json::parse("[1]"));
  {
    std::lock_guard lock(mu);
    released = true;
  }
  cv.notify_all();
  EXPECT_EQ(Json::parse(Body(slow.ReadResponse()))["result"], "released");
}

TEST_F(RpcHttpTest, StopFinishesTheReplyInProgress) {
  // What the `stop` RPC relies on: Stop() called while a handler runs still sends its reply.
  RpcServer server(&table_, auth_, RpcServerOptions{}, nullptr);
  ASSERT_TRUE(server.Start().ok());
  Client client(server.port());
  client.Send(RpcRequest(R"({"method":"sleep","params":[300],"id":1})",
                         BasicAuth("alice", "correct horse")));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread stopper([&] { server.Stop(); });
  std::string r = client.ReadResponse();
  stopper.join();
  EXPECT_EQ(Json::parse(Body(r))["result"], "slept");
}

TEST_F(RpcHttpTest, TooManyConnectionsAreRefused) {
  RpcServerOptions options;
  options.max_connections = 2;
  RpcServer server(&table_, auth_, options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  Client a(server.port());
  Client b(server.port());
  // Make sure both are accepted and registered before the third arrives.
  const std::string auth = BasicAuth("alice", "correct horse");
  a.Send(RpcRequest(R"({"method":"echo","id":1})", auth));
  b.Send(RpcRequest(R"({"method":"echo","id":1})", auth));
  ASSERT_FALSE(a.ReadResponse().empty());
  ASSERT_FALSE(b.ReadResponse().empty());
  Client c(server.port());
  EXPECT_TRUE(c.ClosedByServer());
}

// Credentials are checked on the header: a request without them is answered 401 and closed
// before its body is sent (the server never reads or holds a body for it).
TEST_F(RpcHttpTest, UnauthenticatedBodyIsNeverRead) {
  RpcServer server(&table_, auth_, RpcServerOptions{}, nullptr);
  ASSERT_TRUE(server.Start().ok());
  for (const std::string& credentials : {std::string(), BasicAuth("alice", "wrong")}) {
    Client client(server.port());
    client.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                (credentials.empty() ? std::string() : "Authorization: " + credentials + "\r\n") +
                "Content-Length: " + std::to_string(kRpcMaxBodyBytes) + "\r\n\r\n");
    // No body sent: the old server waited for it until the receive timeout.
    std::string r = client.ReadResponse();
    EXPECT_EQ(r.rfind("HTTP/1.1 401", 0), 0u) << r;
    EXPECT_TRUE(client.ClosedByServer());
  }
  // GET /health needs no credentials, and gets no room for a body either.
  Client health(server.port());
  health.Send("GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  EXPECT_EQ(health.ReadResponse().rfind("HTTP/1.1 413", 0), 0u);
}

// A connection that has not authenticated gets pre_auth_timeout (1 s by default), not the
// 30 s of a request, to send its header, however it trickles.
TEST_F(RpcHttpTest, IdlePreAuthConnectionsAreClosedSoon) {
  RpcServerOptions options;
  options.timeout = std::chrono::milliseconds(60'000);
  RpcServer server(&table_, auth_, options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  Client idle(server.port());
  Client trickle(server.port());
  trickle.Send("P");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  trickle.Send("OST / HTTP/1.1\r\n");
  // The receive timeout is 10 s, far below the 60 s request timeout.
  EXPECT_TRUE(idle.ClosedByServer());
  EXPECT_TRUE(trickle.ClosedByServer());
  // An authenticated connection keeps the long timeout between its requests.
  Client client(server.port());
  const std::string auth = BasicAuth("alice", "correct horse");
  client.Send(RpcRequest(R"({"method":"echo","params":[1],"id":1})", auth));
  ASSERT_EQ(client.ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  client.Send(RpcRequest(R"({"method":"echo","params":[2],"id":2})", auth));
  EXPECT_EQ(Json::parse(Body(client.ReadResponse()))["result"], Json::parse("[2]"));
}

// Idle unauthenticated connections in every slot do not lock an honest client out: the oldest
// one waiting for its header makes room; authenticated connections are never displaced.
TEST_F(RpcHttpTest, IdleConnectionsDoNotLockOut) {
  RpcServerOptions options;
  options.max_connections = 8;
  options.timeout = std::chrono::milliseconds(60'000);
  options.pre_auth_timeout = std::chrono::milliseconds(60'000);  // only eviction helps here
  RpcServer server(&table_, auth_, options, nullptr);
  ASSERT_TRUE(server.Start().ok());
  const std::string auth = BasicAuth("alice", "correct horse");
  Client keeper(server.port());
  keeper.Send(RpcRequest(R"({"method":"echo","params":[0],"id":0})", auth));
  ASSERT_EQ(keeper.ReadResponse().rfind("HTTP/1.1 200", 0), 0u);
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<Client>(server.port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  for (int round = 1; round <= 3; ++round) {
    Client honest(server.port());
    honest.Send(RpcRequest(R"({"method":"echo","params":[1],"id":1})", auth, false));
    std::string r = honest.ReadResponse();
    ASSERT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << "round " << round << ": " << r;
    Client health(server.port());
    health.Send("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(health.ReadResponse().rfind("HTTP/1.1 200", 0), 0u) << "round " << round;
    keeper.Send(RpcRequest(R"({"method":"echo","params":[2],"id":2})", auth));
    EXPECT_EQ(keeper.ReadResponse().rfind("HTTP/1.1 200", 0), 0u) << "round " << round;
  }
  // The oldest idle connections were closed to make room.
  EXPECT_TRUE(idle.front()->ClosedByServer());
}

TEST_F(RpcHttpTest, BindFailureIsClear) {
  RpcServer first(&table_, auth_, RpcServerOptions{}, nullptr);
  ASSERT_TRUE(first.Start().ok());
  RpcServerOptions options;
  options.port = first.port();
  RpcServer second(&table_, auth_, options, nullptr);
  chain::Status s = second.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.reason(), "cannot bind RPC to 127.0.0.1:" + std::to_string(first.port()) +
                            ": Address already in use");
  second.Stop();  // harmless after a failed start

  RpcServerOptions bad;
  bad.bind_address = "not-an-ip";
  RpcServer third(&table_, auth_, bad, nullptr);
  EXPECT_FALSE(third.Start().ok());
}

}  // namespace
}  // namespace waybill::node
