// What other commands use to reach wallets (node/cli/wallet_access.h) and the passphrase
// sources (node/cli/passphrase.h), on a wallet folder made in a temporary data folder: the
// sender of --wallet/--from, unlocking (right, wrong, watch-only), accounts by address, id or
// contact name, names shown beside addresses, and the amount texts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chain/bech32.h"
#include "node/cli/commands.h"
#include "node/cli/passphrase.h"
#include "node/cli/wallet_access.h"
#include "node/cli/wallet_commands.h"
#include "wallet/bip32.h"
#include "wallet/contacts.h"
#include "wallet/secret.h"
#include "wallet/wallet_file.h"

namespace waybill::cli {
namespace {

namespace fs = std::filesystem;

constexpr const char* kHrp = "wbr";
constexpr const char* kPass = "wallet access test";

class WalletAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("waybill_wallet_access_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ::unsetenv("WAYBILL_PASSPHRASE");
    // A wallet with keys (fast scrypt: the unit under test is the CLI, not the KDF) with
    // addresses 0 and 1 handed out, and its watch-only copy.
    std::vector<uint8_t> seed(64);
    for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i * 7 + 1);
    auto file = wallet::NewWalletFile("coop", chain::ByteSpan(seed.data(), seed.size()),
                                      wallet::SecretString(std::string(kPass)),
                                      wallet::ScryptParams{1024, 1, 1});
    ASSERT_TRUE(file.ok()) << file.status().reason();
    file->next_index = 2;
    wallet::WalletDir wallets((dir_ / "wallets").string());
    ASSERT_TRUE(wallets.Save(*file, false).ok());
    auto watch = wallet::WatchOnlyWalletFile("view", file->account_xpub);
    ASSERT_TRUE(watch.ok()) << watch.status().reason();
    ASSERT_TRUE(wallets.Save(*watch, false).ok());
    for (uint32_t i = 0; i < 3; ++i) {
      auto account = wallet::AccountAt(*file, i);
      ASSERT_TRUE(account.ok());
      accounts_.push_back(*account);
    }
  }
  void TearDown() override {
    ::unsetenv("WAYBILL_PASSPHRASE");
    fs::remove_all(dir_);
  }

  Args Parse(std::vector<std::string> words) const {
    words.push_back("--network=regtest");
    words.push_back("--datadir=" + dir_.string());
    static const std::vector<OptionSpec> specs = [] {
      std::vector<OptionSpec> s = ConnectionOptions();
      for (const OptionSpec& o : WalletOptions()) s.push_back(o);
      for (const OptionSpec& o : NewPassphraseOptions()) s.push_back(o);
      return s;
    }();
    return Args::Parse(words, specs);
  }

  std::string Address(uint32_t i) const { return chain::bech32::EncodeAddress(kHrp, accounts_[i]); }

  std::string WriteFile(const std::string& name, const std::string& text) const {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // The message of the CliError that fn throws ("" when it throws none).
  template <typename Fn>
  static std::string ErrorOf(Fn fn) {
    try {
      fn();
    } catch (const CliError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
  std::vector<chain::AccountId> accounts_;
};

TEST_F(WalletAccessTest, FoldersFollowDatadir) {
  const Args args = Parse({});
  EXPECT_EQ(DataDir(args), dir_.string());
  EXPECT_EQ(WalletDirOf(args).path(), (dir_ / "wallets").string());
  EXPECT_EQ(ContactsPath(args), (dir_ / "contacts.json").string());
}

TEST_F(WalletAccessTest, SenderByIndexOrAddress) {
  WalletSender s = ResolveSender(Parse({"--wallet", "coop"}));
  EXPECT_EQ(s.wallet, "coop");
  EXPECT_EQ(s.index, 0u);
  EXPECT_EQ(s.account, accounts_[0]);
  EXPECT_FALSE(s.watch_only);
  s = ResolveSender(Parse({"--wallet", "coop", "--from", "5"}));
  EXPECT_EQ(s.index, 5u);
  s = ResolveSender(Parse({"--wallet", "coop", "--from", Address(1)}));
  EXPECT_EQ(s.index, 1u);
  EXPECT_EQ(s.account, accounts_[1]);
  EXPECT_TRUE(ResolveSender(Parse({"--wallet", "view"})).watch_only);
  // Index 2 was never handed out: its address is not taken as a sender by mistake.
  EXPECT_NE(ErrorOf([&] {
              ResolveSender(Parse({"--wallet", "coop", "--from", Address(2)}));
            }).find("is not one of the 2 addresses wallet 'coop' has handed out"),
            std::string::npos);
  EXPECT_EQ(ErrorOf([&] {
              ResolveSender(Parse({"--wallet", "nope"}));
            }),
            "no wallet named 'nope' in " + (dir_ / "wallets").string() + " (waybill wallet list)");
  EXPECT_NE(ErrorOf([&] {
              ResolveSender(Parse({"--wallet", "coop", "--from", "2147483648"}));
            }),
            "");
}

TEST_F(WalletAccessTest, UnlockRightWrongAndWatchOnly) {
  const std::string right = WriteFile("right.txt", std::string(kPass) + "\n");
  const std::string wrong = WriteFile("wrong.txt", "nope\n");
  Args args = Parse({"--wallet", "coop", "--from", "1", "--passphrase-file", right});
  auto signer = UnlockSender(args, ResolveSender(args));
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->Account(), accounts_[1]);

  args = Parse({"--wallet", "coop", "--passphrase-file", wrong});
  EXPECT_EQ(ErrorOf([&] { UnlockSender(args, ResolveSender(args)); }),
            "wrong passphrase for wallet 'coop'");

  ::setenv("WAYBILL_PASSPHRASE", kPass, 1);
  args = Parse({"--wallet", "coop"});
  EXPECT_EQ(UnlockSender(args, ResolveSender(args))->Account(), accounts_[0]);

  args = Parse({"--wallet", "view"});
  EXPECT_EQ(ErrorOf([&] { UnlockSender(args, ResolveSender(args)); }),
            "wallet 'view' is watch-only: it can build a tx (waybill tx build --out FILE) but "
            "not sign; sign on the machine that holds its keys");
}

TEST_F(WalletAccessTest, AccountsByAddressIdOrContact) {
  const Args args = Parse({});
  wallet::Contacts book;
  ASSERT_TRUE(book.Add({"exporter", Address(2), ""}, {"wbd", "wbr", "wbt"}).ok());
  ASSERT_TRUE(book.Add({"devpal", chain::bech32::EncodeAddress("wbd", accounts_[0]), ""},
                       {"wbd", "wbr", "wbt"})
                  .ok());
  ASSERT_TRUE(book.Save(ContactsPath(args)).ok());

  EXPECT_EQ(ResolveAccount(args, Address(1), kHrp, "--to"), accounts_[1]);
  EXPECT_EQ(ResolveAccount(args, accounts_[1].ToHex(), kHrp, "--to"), accounts_[1]);
  EXPECT_EQ(ResolveAccount(args, "exporter", kHrp, "--to"), accounts_[2]);
  EXPECT_EQ(ErrorOf([&] { ResolveAccount(args, "nobody", kHrp, "--to"); }),
            "--to: unknown contact 'nobody' (see waybill contact list)");
  const std::string devnet = chain::bech32::EncodeAddress("wbd", accounts_[1]);
  EXPECT_EQ(ErrorOf([&] { ResolveAccount(args, devnet, kHrp, "--to"); }),
            "--to: " + devnet + " is an address of network prefix wbd; this network's is wbr");
  EXPECT_NE(ErrorOf([&] {
              ResolveAccount(args, "devpal", kHrp, "--to");
            }).find("is an address of network prefix wbd; this network's is wbr"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { ResolveAccount(args, "not an address!", kHrp, "--to"); }), "");
}

TEST_F(WalletAccessTest, DisplayNamesContactsAndWalletAddresses) {
  const Args args = Parse({});
  wallet::Contacts book;
  ASSERT_TRUE(book.Add({"exporter", Address(2), ""}, {"wbr"}).ok());
  ASSERT_TRUE(book.Save(ContactsPath(args)).ok());
  EXPECT_EQ(DisplayAccount(args, accounts_[2], kHrp), Address(2) + "  (exporter)");
  EXPECT_EQ(DisplayAccount(args, accounts_[1], kHrp), Address(1) + "  (wallet coop #1)");
  chain::AccountId stranger;
  stranger.bytes.fill(0x11);
  EXPECT_EQ(DisplayAccount(args, stranger, kHrp), chain::bech32::EncodeAddress(kHrp, stranger));
}

TEST_F(WalletAccessTest, PassphraseSources) {
  // One trailing "\n" or "\r\n" is stripped, nothing else.
  Args args = Parse({"--passphrase-file", WriteFile("a.txt", " pass \r\n")});
  EXPECT_EQ(ReadPassphrase(args, "p", false).str(), " pass ");
  args = Parse({"--passphrase-file", WriteFile("b.txt", "pass\n\n")});
  EXPECT_EQ(ReadPassphrase(args, "p", false).str(), "pass\n");
  args = Parse({"--passphrase-file", WriteFile("c.txt", "\n")});
  EXPECT_EQ(ErrorOf([&] { ReadPassphrase(args, "p", false); }), "the passphrase must not be empty");
  args = Parse({"--passphrase-file", WriteFile("d.txt", std::string(2000, 'x'))});
  EXPECT_NE(ErrorOf([&] { ReadPassphrase(args, "p", false); }).find("at most 1024 bytes"),
            std::string::npos);
  args = Parse({"--passphrase-file", (dir_ / "absent.txt").string()});
  EXPECT_NE(ErrorOf([&] { ReadPassphrase(args, "p", false); }).find("cannot open"),
            std::string::npos);
  // The file wins over the environment.
  ::setenv("WAYBILL_PASSPHRASE", "from env", 1);
  args = Parse({"--passphrase-file", WriteFile("e.txt", "from file")});
  EXPECT_EQ(ReadPassphrase(args, "p", false).str(), "from file");
  EXPECT_EQ(ReadPassphrase(Parse({}), "p", false).str(), "from env");
  ::unsetenv("WAYBILL_PASSPHRASE");
  if (!HasTerminal()) {
    EXPECT_EQ(ErrorOf([&] { ReadPassphrase(Parse({}), "p", false); }),
              "no passphrase: run in a terminal, or give --passphrase-file FILE or set "
              "WAYBILL_PASSPHRASE");
    EXPECT_FALSE(Confirm("delete?"));
  }
}

}  // namespace
}  // namespace waybill::cli
