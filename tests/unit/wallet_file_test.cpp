// wallet/wallet_file.h: a wallet file round-trips and unlocks with its passphrase only; every
// byte flipped in turn, every truncation and every field edited behind a recomputed checksum is
// caught (when read or when unlocked) and the file on disk is left as it was; absurd scrypt
// parameters are refused as such; the wallet folder writes atomically with mode 0600, never
// over an existing wallet unless asked, and a write killed at any moment leaves the old or the
// new file.
#include "wallet/wallet_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chain/hash.h"
#include "chain/types.h"
#include "wallet/bip32.h"

namespace waybill::wallet {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr ScryptParams kFast{1024, 1, 1};

chain::Bytes Seed(uint8_t salt = 0) {
  chain::Bytes seed(64);
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i * 13 + 1 + salt);
  return seed;
}

SecretString Pass(std::string s) { return SecretString(std::move(s)); }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A file's text after an edit, with the checksum recomputed as an attacker would.
std::string Rechecksummed(Json doc) {
  doc.erase("checksum");
  const std::string body = doc.dump(2) + "\n";
  doc["checksum"] =
      chain::Sha256Hash(chain::ByteSpan(reinterpret_cast<const uint8_t*>(body.data()), body.size()))
          .ToHex();
  return doc.dump(2) + "\n";
}

class WalletFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "wallet_file_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto w = NewWalletFile("coop", Seed(), Pass("correct horse"), kFast);
    ASSERT_TRUE(w.ok()) << w.status().reason();
    wallet_ = *w;
  }
  void TearDown() override { fs::remove_all(dir_); }

  WalletDir Dir() const { return WalletDir((dir_ / "wallets").string()); }

  fs::path dir_;
  WalletFile wallet_;
};

TEST_F(WalletFileTest, RoundTripAndUnlock) {
  EXPECT_EQ(wallet_.name, "coop");
  EXPECT_EQ(wallet_.account, 0u);
  EXPECT_FALSE(wallet_.watch_only());
  EXPECT_GT(wallet_.created, 1700000000);
  auto root = ExtendedKey::FromSeed(Seed());
  ASSERT_TRUE(root.ok());
  auto account = root->DerivePath("m/86'/7687'/0'");
  ASSERT_TRUE(account.ok());
  EXPECT_EQ(wallet_.account_xpub, account->XpubBase58());
  EXPECT_EQ(wallet_.account_xpub.substr(0, 4), "xpub");

  const std::string text = WalletFileText(wallet_);
  ParsedWallet parsed = ParseWalletFile(text);
  ASSERT_TRUE(parsed.ok()) << parsed.reason;
  EXPECT_EQ(WalletFileText(*parsed.file), text) << "canonical";
  EXPECT_EQ(parsed.file->account_xpub, wallet_.account_xpub);
  EXPECT_EQ(parsed.file->created, wallet_.created);
  ASSERT_TRUE(parsed.file->keystore.has_value());
  EXPECT_EQ(parsed.file->keystore->scrypt, kFast);

  OpenResult seed = UnlockSeed(*parsed.file, Pass("correct horse"));
  ASSERT_TRUE(seed.ok()) << seed.reason;
  EXPECT_EQ(chain::Bytes(seed.secret.data(), seed.secret.data() + seed.secret.size()), Seed());
  OpenResult wrong = UnlockSeed(*parsed.file, Pass("correct horse!"));
  EXPECT_EQ(wrong.error, KeystoreError::kWrongPassphrase);
  EXPECT_EQ(wrong.secret.size(), 0u);
}

TEST_F(WalletFileTest, AddressesComeFromTheXpubAndMatchTheSigners) {
  auto root = ExtendedKey::FromSeed(Seed());
  ASSERT_TRUE(root.ok());
  for (uint32_t i : {0u, 1u, 2u, 1000u}) {
    auto id = AccountAt(wallet_, i);
    ASSERT_TRUE(id.ok()) << id.status().reason();
    auto key = root->DerivePath(AddressPath(0, i));
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(*id, key->XOnly()) << i;
    UnlockedSigner signer = UnlockSigner(wallet_, Pass("correct horse"), i);
    ASSERT_TRUE(signer.ok()) << signer.reason;
    EXPECT_EQ(signer.signer->Account(), *id);
  }
  EXPECT_NE(*AccountAt(wallet_, 0), *AccountAt(wallet_, 1));
  EXPECT_FALSE(AccountAt(wallet_, kHardened).ok());
  UnlockedSigner wrong = UnlockSigner(wallet_, Pass("nope"), 0);
  EXPECT_EQ(wrong.error, KeystoreError::kWrongPassphrase);
  EXPECT_EQ(wrong.signer, nullptr);
}

TEST_F(WalletFileTest, WatchOnly) {
  auto watch = WatchOnlyWalletFile("auditor", wallet_.account_xpub);
  ASSERT_TRUE(watch.ok()) << watch.status().reason();
  EXPECT_TRUE(watch->watch_only());
  EXPECT_EQ(*AccountAt(*watch, 7), *AccountAt(wallet_, 7));
  ParsedWallet parsed = ParseWalletFile(WalletFileText(*watch));
  ASSERT_TRUE(parsed.ok()) << parsed.reason;
  EXPECT_TRUE(parsed.file->watch_only());
  OpenResult r = UnlockSeed(*parsed.file, Pass("correct horse"));
  EXPECT_EQ(r.error, KeystoreError::kMalformed);
  EXPECT_NE(r.reason.find("watch-only"), std::string::npos);
  EXPECT_FALSE(UnlockSigner(*parsed.file, Pass("correct horse"), 0).ok());

  auto root = ExtendedKey::FromSeed(Seed());
  ASSERT_TRUE(root.ok());
  auto xprv = root->DerivePath("m/86'/7687'/0'");
  ASSERT_TRUE(xprv.ok());
  auto refused = WatchOnlyWalletFile("x", xprv->ToBase58());
  EXPECT_TRUE(refused.status().IsInvalid());
  EXPECT_NE(refused.status().reason().find("xprv"), std::string::npos);
  auto deeper = root->DerivePath("m/86'/7687'/0'/0");
  ASSERT_TRUE(deeper.ok());
  EXPECT_FALSE(WatchOnlyWalletFile("x", deeper->XpubBase58()).ok());
  EXPECT_FALSE(WatchOnlyWalletFile("x", "xpubnonsense").ok());
  EXPECT_FALSE(WatchOnlyWalletFile("Bad Name", wallet_.account_xpub).ok());
  auto account5 = root->DerivePath("m/86'/7687'/5'");
  ASSERT_TRUE(account5.ok());
  auto other = WatchOnlyWalletFile("five", account5->XpubBase58());
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->account, 5u);
}

TEST_F(WalletFileTest, ResealChangesThePassphraseOnly) {
  auto resealed = Reseal(wallet_, Pass("correct horse"), Pass("battery staple"), kFast);
  ASSERT_TRUE(resealed.ok()) << resealed.status().reason();
  EXPECT_NE(resealed->keystore->salt, wallet_.keystore->salt);
  EXPECT_EQ(resealed->account_xpub, wallet_.account_xpub);
  EXPECT_TRUE(UnlockSeed(*resealed, Pass("battery staple")).ok());
  EXPECT_EQ(UnlockSeed(*resealed, Pass("correct horse")).error, KeystoreError::kWrongPassphrase);
  EXPECT_FALSE(Reseal(wallet_, Pass("wrong"), Pass("battery staple"), kFast).ok());
  EXPECT_FALSE(Reseal(wallet_, Pass("correct horse"), Pass(""), kFast).ok());
}

// Every byte of the file, flipped in turn (two ways), is refused when the file is read or at
// the latest when it is unlocked; nothing crashes, and reading leaves the file as it was.
TEST_F(WalletFileTest, EveryFlippedByteIsDetected) {
  const WalletDir dir = Dir();
  ASSERT_TRUE(dir.Save(wallet_, false).ok());
  const std::string path = dir.FileOf("coop");
  const std::string original = ReadAll(path);
  ASSERT_GT(original.size(), 500u);
  size_t caught_on_read = 0;
  for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x20}}) {
    for (size_t i = 0; i < original.size(); ++i) {
      std::string bad = original;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      WriteAll(path, bad);
      ParsedWallet p = dir.Load("coop");
      if (!p.ok()) {
        ++caught_on_read;
        EXPECT_TRUE(p.error == KeystoreError::kMalformed || p.error == KeystoreError::kTruncated ||
                    p.error == KeystoreError::kBadParams)
            << i << ": " << p.reason;
        EXPECT_FALSE(p.reason.empty());
      } else {
        EXPECT_FALSE(UnlockSeed(*p.file, Pass("correct horse")).ok()) << "byte " << i;
      }
      EXPECT_EQ(ReadAll(path), bad) << "reading changed the file";
    }
  }
  EXPECT_EQ(caught_on_read, 2 * original.size()) << "the checksum catches every flip";
  WriteAll(path, original);
  ParsedWallet p = dir.Load("coop");
  ASSERT_TRUE(p.ok()) << p.reason;
  EXPECT_TRUE(UnlockSeed(*p.file, Pass("correct horse")).ok());
}

TEST_F(WalletFileTest, EveryTruncationIsReportedAsTruncated) {
  const std::string text = WalletFileText(wallet_);
  for (size_t n = 0; n < text.size(); ++n) {
    ParsedWallet p = ParseWalletFile(std::string_view(text).substr(0, n));
    EXPECT_EQ(p.error, KeystoreError::kTruncated) << n << ": " << p.reason;
    EXPECT_NE(p.reason.find("truncated"), std::string::npos) << n;
  }
}

// Edits made behind a recomputed checksum: the file parses, but unlocking refuses it with the
// kind the keystore can tell (GCM over the bound fields: tampered; the inputs of scrypt: they
// look like a wrong passphrase).
TEST_F(WalletFileTest, EditsBehindARecomputedChecksumFailToUnlock) {
  const Json doc = Json::parse(WalletFileText(wallet_));
  auto other = NewWalletFile("other", Seed(1), Pass("x"), kFast);
  ASSERT_TRUE(other.ok());
  auto flip_hex = [](std::string hex, size_t at) {
    if (at < hex.size()) hex.at(at) = hex.at(at) == '0' ? '1' : '0';
    return hex;
  };
  struct Edit {
    const char* what;
    std::function<void(Json&)> apply;
    KeystoreError expected;
  };
  const std::vector<Edit> edits = {
      {"ciphertext",
       [&](Json& d) {
         d["keystore"]["ciphertext"] = flip_hex(d["keystore"]["ciphertext"].get<std::string>(), 10);
       },
       KeystoreError::kTampered},
      {"tag",
       [&](Json& d) {
         d["keystore"]["tag"] = flip_hex(d["keystore"]["tag"].get<std::string>(), 0);
       },
       KeystoreError::kTampered},
      {"nonce",
       [&](Json& d) {
         d["keystore"]["nonce"] = flip_hex(d["keystore"]["nonce"].get<std::string>(), 23);
       },
       KeystoreError::kTampered},
      {"account_xpub", [&](Json& d) { d["account_xpub"] = other->account_xpub; },
       KeystoreError::kTampered},
      {"salt",
       [&](Json& d) {
         d["keystore"]["salt"] = flip_hex(d["keystore"]["salt"].get<std::string>(), 5);
       },
       KeystoreError::kWrongPassphrase},
      {"check",
       [&](Json& d) {
         d["keystore"]["check"] = flip_hex(d["keystore"]["check"].get<std::string>(), 31);
       },
       KeystoreError::kWrongPassphrase},
      {"n", [&](Json& d) { d["keystore"]["n"] = 2048; }, KeystoreError::kWrongPassphrase},
      {"r", [&](Json& d) { d["keystore"]["r"] = 2; }, KeystoreError::kWrongPassphrase},
  };
  for (const Edit& e : edits) {
    Json edited = doc;
    e.apply(edited);
    ParsedWallet p = ParseWalletFile(Rechecksummed(edited));
    ASSERT_TRUE(p.ok()) << e.what << ": " << p.reason;
    OpenResult r = UnlockSeed(*p.file, Pass("correct horse"));
    EXPECT_EQ(r.error, e.expected) << e.what << ": " << r.reason;
    EXPECT_FALSE(UnlockSigner(*p.file, Pass("correct horse"), 0).ok()) << e.what;
  }
  // The other wallet's whole keystore behind this wallet's xpub: GCM refuses the xpub (AAD)...
  Json swapped = doc;
  swapped["keystore"] = Json::parse(WalletFileText(*other))["keystore"];
  ParsedWallet p = ParseWalletFile(Rechecksummed(swapped));
  ASSERT_TRUE(p.ok()) << p.reason;
  EXPECT_EQ(UnlockSeed(*p.file, Pass("x")).error, KeystoreError::kTampered);
  // ...and a keystore sealed with this xpub as AAD but another seed fails the key check.
  WalletFile forged = wallet_;
  auto ks = Seal(Seed(1), Pass("x"), kFast, WalletAad(0, wallet_.account_xpub));
  ASSERT_TRUE(ks.ok());
  forged.keystore = *ks;
  OpenResult r = UnlockSeed(forged, Pass("x"));
  EXPECT_EQ(r.error, KeystoreError::kTampered);
  EXPECT_NE(r.reason.find("do not match"), std::string::npos) << r.reason;
  // Fields that are neither bound nor secret (name, created, next_index) may change.
  Json moved = doc;
  moved["next_index"] = 5;
  ParsedWallet m = ParseWalletFile(Rechecksummed(moved));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.file->next_index, 5u);
  EXPECT_TRUE(UnlockSeed(*m.file, Pass("correct horse")).ok());
}

TEST_F(WalletFileTest, AbsurdParamsAreRefusedAsBadParams) {
  WalletFile absurd = wallet_;
  absurd.keystore->scrypt = {uint64_t{1} << 40, 1u << 31, 1};
  ParsedWallet p = ParseWalletFile(WalletFileText(absurd));
  EXPECT_EQ(p.error, KeystoreError::kBadParams) << p.reason;
  EXPECT_EQ(UnlockSeed(absurd, Pass("correct horse")).error, KeystoreError::kBadParams);
  // Numbers that do not even fit the fields, negative or fractional ones.
  const Json doc = Json::parse(WalletFileText(wallet_));
  for (const Json& r : {Json(uint64_t{1} << 40), Json(-1), Json(1.5), Json(0), Json(17)}) {
    Json edited = doc;
    edited["keystore"]["r"] = r;
    ParsedWallet q = ParseWalletFile(Rechecksummed(edited));
    EXPECT_EQ(q.error, KeystoreError::kBadParams) << r.dump() << ": " << q.reason;
  }
  Json huge_n = doc;
  huge_n["keystore"]["n"] = UINT64_MAX;
  EXPECT_EQ(ParseWalletFile(Rechecksummed(huge_n)).error, KeystoreError::kBadParams);
}

TEST_F(WalletFileTest, MalformedFilesSayWhy) {
  const Json doc = Json::parse(WalletFileText(wallet_));
  EXPECT_EQ(ParseWalletFile("{\"secret\": \"00\"}\n").error, KeystoreError::kMalformed);
  EXPECT_EQ(ParseWalletFile("hello").error, KeystoreError::kMalformed);
  Json v2 = doc;
  v2["waybill_wallet"] = 2;
  ParsedWallet p = ParseWalletFile(Rechecksummed(v2));
  EXPECT_EQ(p.error, KeystoreError::kMalformed);
  EXPECT_NE(p.reason.find("version"), std::string::npos);
  Json extra = doc;
  extra["extra"] = 1;
  EXPECT_EQ(ParseWalletFile(Rechecksummed(extra)).error, KeystoreError::kMalformed);
  Json short_salt = doc;
  short_salt["keystore"]["salt"] = "00";
  EXPECT_EQ(ParseWalletFile(Rechecksummed(short_salt)).error, KeystoreError::kMalformed);
  Json account = doc;
  account["account"] = 1;
  EXPECT_EQ(ParseWalletFile(Rechecksummed(account)).error, KeystoreError::kMalformed);
  // Not canonical: the same JSON indented differently.
  p = ParseWalletFile(doc.dump() + "\n");
  EXPECT_EQ(p.error, KeystoreError::kMalformed);
  EXPECT_NE(p.reason.find("canonical"), std::string::npos);
  // Checksum mismatch on an otherwise canonical edit.
  Json edited = doc;
  edited["next_index"] = 3;
  p = ParseWalletFile(edited.dump(2) + "\n");
  EXPECT_EQ(p.error, KeystoreError::kMalformed);
  EXPECT_NE(p.reason.find("checksum"), std::string::npos);
}

TEST_F(WalletFileTest, WalletDirSavesAtomicallyAndNeverOverwritesUnlessAsked) {
  const WalletDir dir = Dir();
  auto none = dir.List();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty()) << "an absent folder has no wallets";
  EXPECT_EQ(dir.Load("coop").error, KeystoreError::kNotFound);

  ASSERT_TRUE(dir.Save(wallet_, false).ok());
  struct stat st;
  ASSERT_EQ(::stat(dir.FileOf("coop").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  const std::string before = ReadAll(dir.FileOf("coop"));

  WalletFile changed = wallet_;
  changed.next_index = 4;
  chain::Status again = dir.Save(changed, false);
  EXPECT_TRUE(again.IsInvalid());
  EXPECT_NE(again.reason().find("already exists"), std::string::npos) << again.reason();
  EXPECT_EQ(ReadAll(dir.FileOf("coop")), before);
  ASSERT_TRUE(dir.Save(changed, true).ok());
  ParsedWallet loaded = dir.Load("coop");
  ASSERT_TRUE(loaded.ok()) << loaded.reason;
  EXPECT_EQ(loaded.file->next_index, 4u);

  auto watch = WatchOnlyWalletFile("auditor", wallet_.account_xpub);
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(dir.Save(*watch, false).ok());
  WriteAll(dir.FileOf("coop") + ".AbC123", "leftover temp file");
  WriteAll(dir.path() + "/Bad Name.wallet", "x");
  WriteAll(dir.path() + "/notes.txt", "x");
  auto names = dir.List();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"auditor", "coop"}));

  // The file's name wins over the name stored inside (a wallet file renamed by hand).
  fs::copy_file(dir.FileOf("auditor"), dir.FileOf("renamed"));
  ParsedWallet renamed = dir.Load("renamed");
  ASSERT_TRUE(renamed.ok()) << renamed.reason;
  EXPECT_EQ(renamed.file->name, "renamed");

  EXPECT_TRUE(dir.Remove("auditor").ok());
  EXPECT_TRUE(dir.Remove("auditor").IsNotFound());
  EXPECT_EQ(dir.Load("auditor").error, KeystoreError::kNotFound);
  EXPECT_FALSE(dir.Save(WalletFile{}, false).ok()) << "no name";
  EXPECT_EQ(dir.Load("../coop").error, KeystoreError::kNotFound) << "names are checked";
}

// A child rewrites the wallet in a loop, alternating two versions, and is killed at varied
// moments: the file always parses as one of them and no temp file is mistaken for a wallet.
TEST_F(WalletFileTest, AKillDuringTheWriteLeavesTheOldOrTheNewFile) {
  const WalletDir dir = Dir();
  WalletFile v1 = wallet_;
  v1.next_index = 1;
  auto resealed = Reseal(wallet_, Pass("correct horse"), Pass("second"), kFast);
  ASSERT_TRUE(resealed.ok());
  WalletFile v2 = *resealed;
  v2.next_index = 2;
  ASSERT_TRUE(dir.Save(v1, false).ok());
  const std::string text1 = WalletFileText(v1), text2 = WalletFileText(v2);
  int seen[3] = {0, 0, 0};
  for (int round = 0; round < 50; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < 100000; ++i) {
        if (!dir.Save(i % 2 == 0 ? v2 : v1, true).ok()) ::_exit(2);
      }
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200 + (round * 379) % 6000));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself (status " << status << ")";
    const std::string now = ReadAll(dir.FileOf("coop"));
    ASSERT_TRUE(now == text1 || now == text2) << "round " << round;
    ParsedWallet p = dir.Load("coop");
    ASSERT_TRUE(p.ok()) << p.reason;
    ++seen[p.file->next_index];
    auto names = dir.List();
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(*names, std::vector<std::string>{"coop"});
  }
  EXPECT_EQ(seen[1] + seen[2], 50);
  ParsedWallet last = dir.Load("coop");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(
      UnlockSeed(*last.file, Pass(last.file->next_index == 1 ? "correct horse" : "second")).ok());
}

}  // namespace
}  // namespace waybill::wallet
