// node/http/auth.h: --rpcauth lines (Bitcoin Core's USER:SALT$HASH, HMAC-SHA256 keyed with the
// salt), malformed lines refused with a clear message, Credentials accepting the cookie's and
// several rpcauth users and naming who authenticated, and the router behind them.
#include "node/http/auth.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "node/config.h"
#include "node/http/router.h"

namespace waybill::node {
namespace {

// python3 -c "import hmac; print(hmac.new(b'cb77f0957de88ff388cf817ddbc7273', b'secret-pw',
//   'sha256').hexdigest())" -- as Core's share/rpcauth/rpcauth.py computes it.
constexpr char kSalt[] = "cb77f0957de88ff388cf817ddbc7273";
constexpr char kHash[] = "378a8a8ff4b93dc88eced1d803bb7a2c57d3c8ede1c500dd6776e29eaf69e5de";
constexpr char kReaderOk[] = "Basic cmVhZGVyOnNlY3JldC1wdw==";     // reader:secret-pw
constexpr char kReaderWrong[] = "Basic cmVhZGVyOndyb25n";          // reader:wrong
constexpr char kOtherUser[] = "Basic b3RoZXI6c2VjcmV0LXB3";        // other:secret-pw
constexpr char kAlice[] = "Basic YWxpY2U6cHc=";                    // alice:pw

std::string ReaderLine() { return std::string("reader:") + kSalt + "$" + kHash; }

TEST(RpcAuthTest, HashIsHmacSha256KeyedWithTheSalt) {
  EXPECT_EQ(RpcAuthHash(kSalt, "secret-pw"), kHash);
  EXPECT_NE(RpcAuthHash(kSalt, "secret-pW"), kHash);
  auto salt = NewRpcAuthSalt();
  ASSERT_TRUE(salt.has_value());
  EXPECT_EQ(salt->size(), 32u);
  EXPECT_NE(*salt, NewRpcAuthSalt().value_or(""));
}

TEST(RpcAuthTest, ParsesAValidLine) {
  auto c = ParseRpcAuth(ReaderLine());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->user, "reader");
  EXPECT_EQ(c->salt, kSalt);
  // Upper-case hex is accepted too.
  std::string upper = ReaderLine();
  for (size_t i = upper.find('$'); i < upper.size(); ++i) upper[i] = toupper(upper[i]);
  EXPECT_TRUE(ParseRpcAuth(upper).ok());
}

TEST(RpcAuthTest, RefusesMalformedLinesClearly) {
  const std::string hash = kHash;
  struct Case {
    std::string line;
    std::string message_part;
  };
  const Case cases[] = {
      {"reader", "USER:SALT$HASH"},
      {"reader:" + hash, "USER:SALT$HASH"},             // no '$'
      {"reader$salt:" + hash, "USER:SALT$HASH"},        // '$' before ':'
      {":salt$" + hash, "user name is empty"},
      {"reader:$" + hash, "salt"},
      {"reader:salt$" + hash.substr(1), "64 hex digits"},
      {"reader:salt$" + hash + "00", "64 hex digits"},
      {"reader:salt$" + hash.substr(0, 63) + "g", "64 hex digits"},
      {"reader:salt$", "64 hex digits"},
  };
  for (const Case& c : cases) {
    auto parsed = ParseRpcAuth(c.line);
    ASSERT_FALSE(parsed.ok()) << c.line;
    EXPECT_NE(parsed.status().reason().find(c.message_part), std::string::npos)
        << c.line << " -> " << parsed.status().reason();
    // The hash is never echoed.
    EXPECT_EQ(parsed.status().reason().find(hash.substr(0, 20)), std::string::npos);
  }
}

TEST(RpcAuthTest, CredentialsNameTheUserWhoAuthenticated) {
  Credentials creds(AuthConfig{"alice", "pw"});
  creds.Add(*ParseRpcAuth(ReaderLine()));
  EXPECT_EQ(creds.Authenticate(kAlice).value_or(""), "alice");
  EXPECT_EQ(creds.Authenticate(kReaderOk).value_or(""), "reader");
  EXPECT_FALSE(creds.Authenticate(kReaderWrong).has_value());
  EXPECT_FALSE(creds.Authenticate(kOtherUser).has_value());  // right password, wrong user
  EXPECT_FALSE(creds.Authenticate("").has_value());
  EXPECT_FALSE(creds.Authenticate("Bearer cmVhZGVyOnNlY3JldC1wdw==").has_value());
  EXPECT_FALSE(creds.Authenticate("Basic cmVhZGVyOnNlY3JldC1wdw").has_value());  // bad base64
  // Two credentials for one user: either password works.
  Credentials two;
  two.Add(*ParseRpcAuth(std::string("reader:other$") + RpcAuthHash("other", "second")));
  two.Add(*ParseRpcAuth(ReaderLine()));
  EXPECT_EQ(two.Authenticate(kReaderOk).value_or(""), "reader");
  EXPECT_FALSE(two.Authenticate(kReaderWrong).has_value());
}

TEST(RpcAuthTest, BasicAuthUserReadsTheName) {
  EXPECT_EQ(BasicAuthUser(kReaderOk).value_or(""), "reader");
  EXPECT_EQ(BasicAuthUser("basic   YWxpY2U6cHc=  ").value_or(""), "alice");
  EXPECT_FALSE(BasicAuthUser("Basic !!!!").has_value());
  EXPECT_FALSE(BasicAuthUser("Basic YWxpY2U=").has_value());  // "alice": no ':'
}

TEST(RpcAuthTest, RouterAcceptsEveryCredentialSet) {
  Credentials creds(AuthConfig{"alice", "pw"});
  creds.Add(*ParseRpcAuth(ReaderLine()));
  HttpRouter router(std::move(creds), "test-realm");
  router.Mount("GET", "/x", 16, [](const HttpRequest& r) {
    return PlainResponse(200, BasicAuthUser(r.authorization).value_or("?"));
  });
  auto get = [&router](std::string auth) {
    HttpRequest r;
    r.method = "GET";
    r.target = "/x";
    r.authorization = std::move(auth);
    return router.Handle(r);
  };
  EXPECT_EQ(get(kAlice).body, "alice\n");
  EXPECT_EQ(get(kReaderOk).body, "reader\n");
  EXPECT_EQ(get(kReaderWrong).status, 401);
  EXPECT_EQ(router.Admit("GET", "/x", kReaderWrong).access, HttpAdmission::Access::kRefused);
  EXPECT_EQ(router.Admit("GET", "/x", kReaderOk).access, HttpAdmission::Access::kAuthorized);
}

// waybilld refuses a malformed --rpcauth or --rpcwhitelist at start, naming the option.
TEST(RpcAuthTest, ConfigRefusesMalformedLinesAtStart) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "waybill_auth_XXXXXX").string();
  const std::string dir = mkdtemp(tmpl.data());
  auto parse = [&dir](std::vector<std::string> args) {
    std::vector<std::string> storage = {"waybilld", "--datadir=" + dir, "--network=regtest"};
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    for (const auto& s : storage) argv.push_back(s.c_str());
    return ParseConfig(static_cast<int>(argv.size()), argv.data());
  };
  auto good = parse({"--rpcauth=" + ReaderLine(), "--rpcauth=x:s$" + RpcAuthHash("s", "p"),
                     "--rpcwhitelist=reader:getblock,getasset", "--rpcwhitelistdefault=0"});
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->rpc_auth.size(), 2u);
  EXPECT_EQ(good->rpc_whitelist.size(), 1u);
  EXPECT_EQ(good->rpc_whitelist_default, std::optional<bool>(false));
  EXPECT_FALSE(parse({})->rpc_whitelist_default.has_value());

  auto bad_auth = parse({"--rpcauth=reader:salt$abc"});
  ASSERT_FALSE(bad_auth.ok());
  EXPECT_NE(bad_auth.status().reason().find("--rpcauth for user reader"), std::string::npos)
      << bad_auth.status().reason();
  auto bad_list = parse({"--rpcwhitelist=getblock"});
  ASSERT_FALSE(bad_list.ok());
  EXPECT_NE(bad_list.status().reason().find("--rpcwhitelist"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace waybill::node
