// waybilld's configuration: flags, the config file, precedence and validation messages.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "chain/bech32.h"
#include "chain/schnorr.h"
#include "node/config.h"
#include "node/params/genesis.h"

namespace waybill::node {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "waybill_cfg_XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Parses "waybilld --datadir <tmp> args...".
  chain::Result<Config> Parse(std::initializer_list<std::string> args, bool with_datadir = true) {
    std::vector<std::string> storage = {"waybilld"};
    if (with_datadir) storage.push_back("--datadir=" + dir_);
    storage.insert(storage.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    for (const auto& s : storage) argv.push_back(s.c_str());
    return ParseConfig(static_cast<int>(argv.size()), argv.data());
  }

  void WriteConf(const std::string& text, const std::string& name = "waybill.conf") {
    std::ofstream(dir_ + "/" + name) << text;
  }

  std::string Error(std::initializer_list<std::string> args) {
    auto c = Parse(args);
    EXPECT_FALSE(c.ok());
    return c.ok() ? std::string() : c.status().reason();
  }

  std::string dir_;
};

std::string DevAddress(uint32_t index, const std::string& hrp = "wbd") {
  auto key = chain::SecretKey::FromBytes(chain::DevSecretKeyBytes(index).span());
  return chain::bech32::EncodeAddress(hrp, key->PublicKey());
}

TEST_F(ConfigTest, Defaults) {
  auto c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->datadir, dir_);
  EXPECT_EQ(c->network, "devnet");
  EXPECT_EQ(c->params.address_prefix, "wbd");
  EXPECT_EQ(c->rpc_bind, "127.0.0.1");
  EXPECT_EQ(c->rpc_port, 19740);
  EXPECT_TRUE(c->rpc_user.empty());
  EXPECT_EQ(c->log_level, LogLevel::kInfo);
  EXPECT_TRUE(c->print_to_console);
  EXPECT_FALSE(c->mine);
  EXPECT_FALSE(c->miner_account.has_value());
  EXPECT_EQ(c->miner_threads, 1);
  EXPECT_EQ(c->max_mempool_mb, 64u);
  EXPECT_GE(c->verify_threads, 1u);
  EXPECT_TRUE(c->conf_file.empty());
}

TEST_F(ConfigTest, DefaultDatadirIsUnderHome) {
  const char* home = std::getenv("HOME");
  if (home == nullptr) GTEST_SKIP() << "HOME not set";
  auto c = Parse({}, /*with_datadir=*/false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->datadir, (std::filesystem::path(home) / ".waybill").lexically_normal().string());
}

TEST_F(ConfigTest, Flags) {
  auto c = Parse({"--network", "regtest", "--rpcbind=::1", "--rpcport=9000", "--rpcuser=u",
                  "--rpcpassword=p", "--loglevel=debug", "--printtoconsole=0", "--miner-threads=3",
                  "--maxmempool=10", "--verify-threads=2"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->network, "regtest");
  EXPECT_TRUE(c->params.allow_mocktime);
  EXPECT_EQ(c->rpc_bind, "::1");
  EXPECT_EQ(c->rpc_port, 9000);
  EXPECT_EQ(c->rpc_user, "u");
  EXPECT_EQ(c->rpc_password, "p");
  EXPECT_EQ(c->log_level, LogLevel::kDebug);
  EXPECT_FALSE(c->print_to_console);
  EXPECT_EQ(c->miner_threads, 3);
  EXPECT_EQ(c->max_mempool_mb, 10u);
  EXPECT_EQ(c->verify_threads, 2u);
}

TEST_F(ConfigTest, DefaultPortsByNetwork) {
  EXPECT_EQ(Parse({"--network=regtest"})->rpc_port, 19741);
  EXPECT_EQ(Parse({"--network=testnet"})->rpc_port, 19742);
  EXPECT_EQ(DefaultRpcPort("mynet"), 19743);
}

TEST_F(ConfigTest, RestFlags) {
  auto off = Parse({"--network=regtest"});
  EXPECT_FALSE(off->rest);
  EXPECT_EQ(off->rest_port, 19751);
  EXPECT_EQ(off->rest_bind, "127.0.0.1");
  EXPECT_EQ(off->rest_url, "");
  EXPECT_EQ(Parse({})->rest_port, 19750);
  EXPECT_EQ(DefaultRestPort("testnet"), 19752);
  EXPECT_EQ(DefaultRestPort("mynet"), 19753);
  auto on = Parse({"--rest", "--restbind=::1", "--restport=8080",
                   "--resturl=https://trace.example.com/"});
  ASSERT_TRUE(on.ok()) << on.status().ToString();
  EXPECT_TRUE(on->rest);
  EXPECT_EQ(on->rest_bind, "::1");
  EXPECT_EQ(on->rest_port, 8080);
  EXPECT_EQ(on->rest_url, "https://trace.example.com");
  EXPECT_NE(Error({"--restbind=localhost"}).find("--restbind"), std::string::npos);
  EXPECT_NE(Error({"--restport=70000"}).find("--restport"), std::string::npos);
  for (std::string url : {"ftp://x", "trace.example.com", "http://x/?q=1", "http://x/#f",
                          "http://a b"}) {
    auto c = Parse({"--resturl=" + url});
    EXPECT_FALSE(c.ok()) << url;
  }
}

TEST_F(ConfigTest, RestRateLimit) {
  EXPECT_EQ(Parse({})->rest_rate_limit, 50u);
  EXPECT_EQ(Parse({"--restratelimit=0"})->rest_rate_limit, 0u);
  EXPECT_EQ(Parse({"--restratelimit", "1000"})->rest_rate_limit, 1000u);
  for (std::string bad : {"-1", "1.5", "x", "", "1000001"}) {
    EXPECT_NE(Error({"--restratelimit=" + bad}).find("--restratelimit"), std::string::npos)
        << bad;
  }
  EXPECT_NE(Parse({"--help"})->help_text.find("--restratelimit"), std::string::npos);
}

TEST_F(ConfigTest, MiningAddress) {
  std::string address = DevAddress(1);
  auto c = Parse({"--mine", "--miner-address", address});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->mine);
  ASSERT_TRUE(c->miner_account.has_value());
  EXPECT_EQ(chain::bech32::EncodeAddress("wbd", *c->miner_account), address);
}

TEST_F(ConfigTest, DevnetMinesToDevKey0ByDefault) {
  auto c = Parse({"--mine"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->miner_account.has_value());
  EXPECT_EQ(chain::bech32::EncodeAddress("wbd", *c->miner_account), DevAddress(0));
  // It is the devnet's first funded account, and the choice is reported.
  EXPECT_EQ(c->params.allocations.at(0).account, *c->miner_account);
  ASSERT_EQ(c->notes.size(), 1u);
  EXPECT_NE(c->notes[0].find(DevAddress(0)), std::string::npos);
}

TEST_F(ConfigTest, OtherNetworksNeedAMinerAddress) {
  EXPECT_EQ(Error({"--network=regtest", "--mine"}), "--mine requires --miner-address on regtest");
}

TEST_F(ConfigTest, BadMinerAddress) {
  std::string e = Error({"--mine", "--miner-address=hello"});
  EXPECT_EQ(e.rfind("--miner-address: not a wbd address: ", 0), 0u) << e;
  // An address of another network (another prefix) is refused too.
  std::string regtest_hrp = EmbeddedGenesis("regtest")->address_prefix;
  ASSERT_NE(regtest_hrp, "wbd");
  e = Error({"--miner-address=" + DevAddress(0, regtest_hrp)});
  EXPECT_EQ(e.rfind("--miner-address: not a wbd address: ", 0), 0u) << e;
}

TEST_F(ConfigTest, ConfigFile) {
  WriteConf(
      "# a comment\nnetwork=regtest\nrpcport=7000\nloglevel=warn\nmine=1\n"
      "miner-address=" +
      DevAddress(0, EmbeddedGenesis("regtest")->address_prefix) + "\nprinttoconsole=0\n");
  auto c = Parse({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->conf_file, dir_ + "/waybill.conf");
  EXPECT_EQ(c->network, "regtest");
  EXPECT_EQ(c->rpc_port, 7000);
  EXPECT_EQ(c->log_level, LogLevel::kWarn);
  EXPECT_TRUE(c->mine);
  EXPECT_FALSE(c->print_to_console);
}

TEST_F(ConfigTest, CommandLineWins) {
  WriteConf("rpcport=7000\nloglevel=warn\nprinttoconsole=0\n");
  auto c = Parse({"--rpcport=7001", "--printtoconsole"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->rpc_port, 7001);
  EXPECT_TRUE(c->print_to_console);
  EXPECT_EQ(c->log_level, LogLevel::kWarn);  // only in the file
}

TEST_F(ConfigTest, ExplicitConfFile) {
  WriteConf("rpcport=7100\n", "other.conf");
  auto c = Parse({"--conf=" + dir_ + "/other.conf"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->rpc_port, 7100);
  EXPECT_EQ(Error({"--conf=" + dir_ + "/missing.conf"}),
            "--conf: cannot read " + dir_ + "/missing.conf");
}

TEST_F(ConfigTest, ConfFileMustBeARegularFile) {
  // A directory given as --conf used to read as an empty file.
  EXPECT_EQ(Error({"--conf=" + dir_}), "--conf: cannot read " + dir_ + ": not a regular file");
  // The default <datadir>/waybill.conf is optional, but one that is a directory is a mistake.
  std::filesystem::create_directory(dir_ + "/waybill.conf");
  EXPECT_EQ(Error({}), "config file " + dir_ + "/waybill.conf: not a regular file");
}

TEST_F(ConfigTest, ConfigFileErrorsNameTheFile) {
  WriteConf("nosuchoption=1\n");
  std::string e = Error({});
  EXPECT_NE(e.find(dir_ + "/waybill.conf"), std::string::npos) << e;
  EXPECT_NE(e.find("nosuchoption"), std::string::npos) << e;
}

TEST_F(ConfigTest, GenesisFile) {
  // Another network, here the regtest file under another name.
  auto params = EmbeddedGenesis("regtest");
  ASSERT_TRUE(params.ok());
  std::string json = GenesisToJson(*params);
  size_t at = json.find("\"regtest\"");
  ASSERT_NE(at, std::string::npos);
  json.replace(at, 9, "\"mynet\"");
  std::ofstream(dir_ + "/mynet.json") << json;
  auto c = Parse({"--genesis", dir_ + "/mynet.json"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->network, "mynet");
  EXPECT_EQ(c->genesis_file, dir_ + "/mynet.json");
  EXPECT_EQ(c->rpc_port, 19743);

  EXPECT_EQ(Error({"--genesis", dir_ + "/mynet.json", "--network=devnet"})
                .rfind("--genesis and --network conflict", 0),
            0u);
  EXPECT_EQ(Error({"--genesis", dir_ + "/none.json"}).rfind("--genesis: ", 0), 0u);
}

// The layout waybilld and waybill share (node/params/network.h).
TEST(NetworkLayoutTest, OneFolderPerNetwork) {
  EXPECT_EQ(NetworkDir("/d", "devnet"), "/d/devnet");
  EXPECT_EQ(CookiePath("/d", "regtest"), "/d/regtest/.cookie");
  EXPECT_EQ(LockPath("/d/", "testnet"), "/d/testnet/.lock");
  EXPECT_EQ(PidFilePath("/d", "acme-chain"), "/d/acme-chain/waybilld.pid");
  for (std::string_view n : kEmbeddedNetworks) EXPECT_TRUE(IsEmbeddedNetwork(n)) << n;
  EXPECT_FALSE(IsEmbeddedNetwork("devnett"));
  EXPECT_FALSE(IsEmbeddedNetwork(""));
}

TEST_F(ConfigTest, BadValues) {
  EXPECT_EQ(Error({"--network=devnett"}),
            "--network: unknown network 'devnett' (known: devnet, regtest, testnet; another "
            "network is given by its genesis file: --genesis FILE)");
  EXPECT_EQ(Error({"--rpcport=70000"}),
            "--rpcport: expected an integer from 0 to 65535, got '70000'");
  EXPECT_EQ(Error({"--rpcport=12ab"}),
            "--rpcport: expected an integer from 0 to 65535, got '12ab'");
  EXPECT_EQ(Error({"--miner-threads=0"}).rfind("--miner-threads: ", 0), 0u);
  EXPECT_EQ(Error({"--miner-threads=-1"}).rfind("--miner-threads: ", 0), 0u);
  // The miner runs at most 256 threads: a larger count is refused, not silently cut.
  EXPECT_EQ(Error({"--miner-threads=257"}),
            "--miner-threads: expected an integer from 1 to 256, got '257'");
  EXPECT_EQ(Parse({"--miner-threads=256"})->miner_threads, 256);
  EXPECT_EQ(Error({"--maxmempool=0"}).rfind("--maxmempool: ", 0), 0u);
  EXPECT_EQ(Error({"--verify-threads=x"}).rfind("--verify-threads: ", 0), 0u);
  EXPECT_EQ(Error({"--loglevel=loud"}).rfind("--loglevel: ", 0), 0u);
  EXPECT_EQ(Error({"--rpcbind=localhost"}), "--rpcbind: not an IP address: localhost");
  EXPECT_EQ(Error({"--rpcuser=u"}).rfind("--rpcuser and --rpcpassword go together", 0), 0u);
  EXPECT_EQ(Error({"--rpcuser=a:b", "--rpcpassword=p"}).rfind("--rpcuser: ", 0), 0u);
  EXPECT_NE(Error({"--mine=maybe"}).find("mine"), std::string::npos);
  EXPECT_NE(Error({"--bogus"}).find("bogus"), std::string::npos);
  EXPECT_NE(Error({"stray"}).find("stray"), std::string::npos);
}

TEST_F(ConfigTest, AbbreviatedOptionsAreUnknown) {
  // Boost's default style would take any unambiguous prefix of an option's name.
  EXPECT_EQ(Error({"--miner-t=2"}), "unknown option or argument '--miner-t=2'");
  EXPECT_EQ(Error({"--datad", dir_}), "unknown option or argument '--datad'");
  EXPECT_EQ(Error({"--vers"}), "unknown option or argument '--vers'");
  // Full names, the short -h and both value forms still work.
  auto c = Parse({"--miner-threads", "2", "--maxmempool=5"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->miner_threads, 2);
  EXPECT_EQ(c->max_mempool_mb, 5u);
  ASSERT_TRUE(Parse({"-h"}).ok());
  // The config file never took abbreviations.
  WriteConf("maxmem=5\n");
  EXPECT_NE(Error({}).find("maxmem"), std::string::npos);
}

TEST_F(ConfigTest, P2pDefaultsListenOnLoopbackOnly) {
  auto c = Parse({"--network=regtest"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->p2p.listen);
  EXPECT_EQ(c->p2p.port, 19841);
  EXPECT_EQ(c->p2p.bind.ToString(), "127.0.0.1:19841");
  EXPECT_TRUE(c->p2p.connect.empty());
  EXPECT_EQ(c->p2p.max_outbound, 8u);
  EXPECT_EQ(c->p2p.max_inbound, 64u);
  EXPECT_EQ(c->p2p.ban_seconds, 86400);
  EXPECT_EQ(DefaultP2pPort("devnet"), 19840);
  EXPECT_EQ(DefaultP2pPort("mynet"), 19843);
}

TEST_F(ConfigTest, P2pFlags) {
  auto c = Parse({"--network=regtest", "--bind=127.0.0.7", "--port=20001",
                  "--connect=127.0.0.8:20002", "--connect=127.0.0.9", "--addnode=[::1]:5",
                  "--seed=10.0.0.1:7", "--seed=10.0.0.1:7", "--maxconnections=20",
                  "--maxoutbound=4", "--bantime=60", "--mempoolsync=0", "--rotateinterval=5",
                  "--listen=0"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->p2p.listen);
  EXPECT_EQ(c->p2p.bind.ToString(), "127.0.0.7:20001");
  ASSERT_EQ(c->p2p.connect.size(), 2u);
  EXPECT_EQ(c->p2p.connect[0].ToString(), "127.0.0.8:20002");
  EXPECT_EQ(c->p2p.connect[1].ToString(), "127.0.0.9:20001");  // our port by default
  ASSERT_EQ(c->p2p.addnode.size(), 1u);
  EXPECT_EQ(c->p2p.addnode[0].ToString(), "[::1]:5");
  EXPECT_EQ(c->p2p.seed.size(), 1u);  // duplicates collapse
  EXPECT_EQ(c->p2p.max_outbound, 4u);
  EXPECT_EQ(c->p2p.max_inbound, 16u);
  EXPECT_EQ(c->p2p.ban_seconds, 60);
  EXPECT_EQ(c->p2p.mempool_sync_seconds, 0);
  EXPECT_EQ(c->p2p.rotate_seconds, 5);
}

TEST_F(ConfigTest, P2pPeersFromTheConfigFile) {
  WriteConf("network=regtest\nconnect=127.0.0.2:1000\nconnect=127.0.0.3:1000\n");
  auto c = Parse({"--connect=127.0.0.4:1000"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  // Repeatable options add up across the command line and the file.
  EXPECT_EQ(c->p2p.connect.size(), 3u);
}

TEST_F(ConfigTest, P2pBadValues) {
  EXPECT_NE(Error({"--connect=node.example:1"}).find("--connect: expected IP or IP:PORT"),
            std::string::npos);
  EXPECT_NE(Error({"--addnode=1.2.3.4:0"}).find("--addnode"), std::string::npos);
  EXPECT_NE(Error({"--seed=0.0.0.0:5"}).find("--seed"), std::string::npos);
  EXPECT_NE(Error({"--bind=localhost"}).find("--bind: not an IP address"), std::string::npos);
  EXPECT_NE(Error({"--port=70000"}).find("--port"), std::string::npos);
  EXPECT_NE(Error({"--bantime=0"}).find("--bantime"), std::string::npos);
  EXPECT_NE(Error({"--maxoutbound=65"}).find("--maxoutbound"), std::string::npos);
}

TEST_F(ConfigTest, HelpAndVersion) {
  auto help = Parse({"--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->show_help);
  EXPECT_NE(help->help_text.find("--miner-address"), std::string::npos);
  EXPECT_NE(help->help_text.find("--rpcport"), std::string::npos);
  // --help wins even over a value that would be invalid.
  auto help2 = Parse({"--rpcport=nope", "-h"});
  ASSERT_TRUE(help2.ok());
  EXPECT_TRUE(help2->show_help);
  auto version = Parse({"--version"});
  ASSERT_TRUE(version.ok());
  EXPECT_TRUE(version->show_version);
}

TEST_F(ConfigTest, TildeExpansion) {
  const char* home = std::getenv("HOME");
  if (home == nullptr) GTEST_SKIP() << "HOME not set";
  auto c = Parse({"--datadir=~/wbtest"}, /*with_datadir=*/false);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->datadir, (std::filesystem::path(home) / "wbtest").lexically_normal().string());
}

}  // namespace
}  // namespace waybill::node
