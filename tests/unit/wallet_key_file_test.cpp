// wallet/key_file.h: key files round-trip, are written with mode 0600 and never over an
// existing file, and a malformed file is refused with a reason that says what is wrong.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "chain/schnorr.h"
#include "wallet/key_file.h"
#include "wallet/signer.h"

namespace waybill::wallet {
namespace {

namespace fs = std::filesystem;

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "wallet_key_file_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(Path(name), std::ios::binary) << text;
    return Path(name);
  }
  size_t FilesInDir() const {
    return static_cast<size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }

  fs::path dir_;
};

TEST_F(KeyFileTest, RoundTrip) {
  const chain::SecretKey key = NewKey();
  const std::string path = Path("key.json");
  ASSERT_TRUE(WriteKeyFile(path, key).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(FilesInDir(), 1u) << "no temp file is left behind";

  auto back = ReadKeyFile(path);
  ASSERT_TRUE(back.ok()) << back.status().reason();
  EXPECT_EQ(back->bytes(), key.bytes());
  EXPECT_EQ(back->PublicKey(), key.PublicKey());
}

TEST_F(KeyFileTest, TextIsTheDocumentedJson) {
  auto key = DevKey(0);
  ASSERT_TRUE(key.ok());
  const std::string text = KeyFileText(*key);
  EXPECT_EQ(text, "{\n  \"secret\": \"" + chain::HexEncode(key->bytes()) + "\"\n}\n");
  // Any JSON of that shape is read, whatever its spacing, with hex digits of either case.
  std::string upper = chain::HexEncode(key->bytes());
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto parsed = ParseKeyFile("{\"secret\":\"" + upper + "\"}");
  ASSERT_TRUE(parsed.ok()) << parsed.status().reason();
  EXPECT_EQ(parsed->bytes(), key->bytes());
}

TEST_F(KeyFileTest, NeverOverwrites) {
  const chain::SecretKey first = NewKey();
  const std::string path = Path("key.json");
  ASSERT_TRUE(WriteKeyFile(path, first).ok());
  const chain::Status again = WriteKeyFile(path, NewKey());
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.IsInvalid());
  EXPECT_NE(again.reason().find("already exists"), std::string::npos) << again.reason();
  auto kept = ReadKeyFile(path);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->bytes(), first.bytes()) << "the first key is still there";
  EXPECT_EQ(FilesInDir(), 1u) << "no temp file is left behind";
}

TEST_F(KeyFileTest, WriteIntoMissingFolderFails) {
  const chain::Status s = WriteKeyFile(Path("no/such/folder/key.json"), NewKey());
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsLocalError()) << s.ToString();
}

TEST_F(KeyFileTest, MalformedFilesRefusedWithReason) {
  const std::string zero(64, '0');
  // The curve order n: not below n, so no valid secret.
  const std::string order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
  struct Case {
    std::string text;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"", "not a key file"},
      {"not json", "not a key file"},
      {"[\"" + std::string(64, 'a') + "\"]", "not a key file"},
      {"{\"key\": \"" + std::string(64, 'a') + "\"}", "not a key file"},
      {"{\"secret\": 5}", "not a key file"},
      {"{\"secret\": \"abcd\"}", "64 hex digits"},
      {"{\"secret\": \"" + std::string(64, 'g') + "\"}", "64 hex digits"},
      {"{\"secret\": \"" + std::string(66, 'a') + "\"}", "64 hex digits"},
      {"{\"secret\": \"" + zero + "\"}", "not a valid secp256k1 key"},
      {"{\"secret\": \"" + order + "\"}", "not a valid secp256k1 key"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = Write("bad" + std::to_string(i) + ".json", cases[i].text);
    auto key = ReadKeyFile(path);
    ASSERT_FALSE(key.ok()) << cases[i].text;
    EXPECT_TRUE(key.status().IsInvalid()) << cases[i].text;
    const std::string reason = key.status().reason();
    EXPECT_EQ(reason.rfind(path + ": ", 0), 0u) << "names the file: " << reason;
    EXPECT_NE(reason.find(cases[i].reason), std::string::npos) << reason;
    EXPECT_EQ(reason.find(order), std::string::npos) << "never echoes the secret";
  }
}

TEST_F(KeyFileTest, MissingOversizedOrFolderRefused) {
  auto missing = ReadKeyFile(Path("absent.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().reason().find("cannot open " + Path("absent.json")), std::string::npos)
      << missing.status().reason();

  const std::string big = Write("big.json", "{\"secret\": \"" + std::string(64, '1') + "\"}" +
                                                std::string(kMaxKeyFileSize, ' '));
  auto oversized = ReadKeyFile(big);
  ASSERT_FALSE(oversized.ok());
  EXPECT_NE(oversized.status().reason().find("not a key file"), std::string::npos);

  auto folder = ReadKeyFile(dir_.string());
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.status().reason().find("not a key file"), std::string::npos);
}

}  // namespace
}  // namespace waybill::wallet
