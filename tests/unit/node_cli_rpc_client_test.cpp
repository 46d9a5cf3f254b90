// The CLI's RPC client against a fake JSON-RPC server on 127.0.0.1: the typed outcome of a
// call that did not complete (HTTP 401, no server), and --rpcwait re-reading a stale cookie.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "node/cli/commands.h"
#include "node/cli/rpc_client.h"
#include "node/params/network.h"

namespace waybill::cli {
namespace {

namespace fs = std::filesystem;

std::string Base64(const std::string& in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = uint32_t{static_cast<uint8_t>(in[i])} << 16;
    if (i + 1 < in.size()) v |= uint32_t{static_cast<uint8_t>(in[i + 1])} << 8;
    if (i + 2 < in.size()) v |= static_cast<uint8_t>(in[i + 2]);
    out += kTable[v >> 18];
    out += kTable[(v >> 12) & 63];
    out += i + 1 < in.size() ? kTable[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? kTable[v & 63] : '=';
  }
  return out;
}

// Answers each POST with {"result": "pong"} when its Basic credentials are `accepted`, else
// with HTTP 401. One request per connection; at most kMaxConnections, then it stops serving.
class FakeRpcServer {
 public:
  static constexpr int kMaxConnections = 1000;

  explicit FakeRpcServer(std::string accepted) : accepted_(std::move(accepted)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeRpcServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }

  uint16_t port() const { return port_; }
  int unauthorized() const { return unauthorized_; }
  int answered() const { return answered_; }

 private:
  void Serve() {
    for (int served = 0; served < kMaxConnections && !stop_;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int conn = ::accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      ++served;
      Answer(conn);
      ::close(conn);
    }
  }

  void Answer(int conn) {
    timeval tv{5, 0};
    ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    std::string request;
    char buf[4096];
    // The whole request, body too: closing with unread bytes would reset the connection.
    auto complete = [&] {
      size_t end = request.find("\r\n\r\n");
      if (end == std::string::npos) return false;
      size_t at = request.find("Content-Length: ");
      size_t length = at == std::string::npos ? 0 : std::stoul(request.substr(at + 16));
      return request.size() >= end + 4 + length;
    };
    while (!complete() && request.size() < 65536) {
      ssize_t n = ::recv(conn, buf, sizeof(buf), 0);
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
    }
    const bool ok =
        request.find("Authorization: Basic " + Base64(accepted_) + "\r\n") != std::string::npos;
    const std::string body = ok ? R"({"jsonrpc":"2.0","id":1,"result":"pong","error":null})" : "";
    const std::string response =
        std::string(ok ? "HTTP/1.1 200 OK" : "HTTP/1.1 401 Unauthorized") +
        "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    // Counted before the answer leaves: the client may check the count as soon as it has it.
    ++(ok ? answered_ : unauthorized_);
    ::send(conn, response.data(), response.size(), MSG_NOSIGNAL);
  }

  const std::string accepted_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> unauthorized_{0};
  std::atomic<int> answered_{0};
};

// A data folder of its own with a devnet cookie file.
class CookieDir {
 public:
  explicit CookieDir(const std::string& cookie) {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("waybill_cli_rpc_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(node::NetworkDir(dir_.string(), "devnet"));
    Write(cookie);
  }
  ~CookieDir() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Written whole to a temporary file and renamed, as the node does.
  void Write(const std::string& cookie) const {
    const std::string path = node::CookiePath(dir_.string(), "devnet");
    {
      std::ofstream out(path + ".tmp", std::ios::trunc);
      out << cookie;
    }
    fs::rename(path + ".tmp", path);
  }
  std::string dir() const { return dir_.string(); }

 private:
  fs::path dir_;
};

Args ParseArgs(std::vector<std::string> words) {
  return Args::Parse(words, ConnectionOptions());
}

TEST(CliRpcClient, FailuresAreTyped) {
  FakeRpcServer server("__cookie__:right");
  RpcConnection conn;
  conn.port = server.port();
  conn.timeout_seconds = 10;
  conn.user = "__cookie__";
  conn.password = "wrong";
  RpcFailure failure = RpcFailure::kNone;
  auto reply = RpcClient(conn).Call("ping", Json::array(), &failure);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(failure, RpcFailure::kUnauthorized);
  EXPECT_NE(reply.status().reason().find("HTTP 401"), std::string::npos);

  conn.password = "right";
  reply = RpcClient(conn).Call("ping", Json::array(), &failure);
  ASSERT_TRUE(reply.ok()) << reply.status().reason();
  EXPECT_EQ(failure, RpcFailure::kNone);
  EXPECT_EQ(reply->result, "pong");

  // A port nothing listens on: bound, then closed again.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  conn.port = ntohs(addr.sin_port);
  reply = RpcClient(conn).Call("ping", Json::array(), &failure);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(failure, RpcFailure::kUnreachable);
}

// The node's cookie from its last run is still on disk while the new node answers 401; with
// --rpcwait the CLI keeps re-reading it until the node has written the new one.
TEST(CliRpcClient, RpcWaitRereadsAStaleCookie) {
  FakeRpcServer server("__cookie__:new");
  CookieDir dir("__cookie__:old");
  Args args = ParseArgs({"--rpcport=" + std::to_string(server.port()), "--datadir=" + dir.dir(),
                         "--rpcwait", "--rpcclienttimeout=60"});
  RpcClient client = MakeRpcClient(args);
  std::thread node_starts([&] {
    // Once the CLI has been refused twice (bounded: 30 s at most), the node writes its cookie.
    for (int i = 0; i < 600 && server.unauthorized() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    dir.Write("__cookie__:new");
  });
  Json result;
  EXPECT_NO_THROW(result = CallRpc(client, args, "ping", Json::array()));
  node_starts.join();
  EXPECT_EQ(result, "pong");
  EXPECT_GE(server.unauthorized(), 2);
  EXPECT_EQ(server.answered(), 1);
  EXPECT_EQ(client.connection().password, "new");
}

TEST(CliRpcClient, WithoutRpcWaitA401FailsAtOnce) {
  FakeRpcServer server("__cookie__:new");
  CookieDir dir("__cookie__:old");
  Args args = ParseArgs({"--rpcport=" + std::to_string(server.port()), "--datadir=" + dir.dir(),
                         "--rpcclienttimeout=60"});
  RpcClient client = MakeRpcClient(args);
  try {
    CallRpc(client, args, "ping", Json::array());
    ADD_FAILURE() << "a 401 did not fail";
  } catch (const CliError& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 401"), std::string::npos) << e.what();
  }
  EXPECT_EQ(server.unauthorized(), 1);
}

// Credentials given on the command line do not change by waiting: a 401 fails at once even
// with --rpcwait.
TEST(CliRpcClient, RpcWaitDoesNotRetryGivenCredentials) {
  FakeRpcServer server("__cookie__:new");
  Args args = ParseArgs({"--rpcport=" + std::to_string(server.port()), "--rpcuser=alice",
                         "--rpcpassword=secret", "--rpcwait", "--rpcclienttimeout=60"});
  RpcClient client = MakeRpcClient(args);
  EXPECT_THROW(CallRpc(client, args, "ping", Json::array()), CliError);
  EXPECT_EQ(server.unauthorized(), 1);
}

}  // namespace
}  // namespace waybill::cli
