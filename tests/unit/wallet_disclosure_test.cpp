// wallet/disclosure.h: committed entries carry MetaCommitment of a fresh salt, a disclosure
// matches only its own value, salt and key, and disclosures files round-trip, are written with
// mode 0600 and never over an existing file, and a malformed one is refused.
#include "wallet/disclosure.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace waybill::wallet {
namespace {

namespace fs = std::filesystem;

chain::Hash256 H(uint8_t b) {
  chain::Hash256 h;
  h.bytes.fill(b);
  return h;
}

TEST(Disclosure, CommittedEntryAndMatching) {
  Committed c = CommitValueWithSalt("price", "4.20 USD/kg", H(7));
  EXPECT_EQ(c.entry.key, "price");
  EXPECT_EQ(c.entry.kind, chain::MetaKind::kCommitted);
  EXPECT_TRUE(c.entry.value.empty());
  EXPECT_EQ(c.entry.commitment, chain::MetaCommitment(H(7), "price", "4.20 USD/kg"));
  EXPECT_TRUE(Matches(c.disclosure, c.entry.commitment));
  Disclosure d = c.disclosure;
  d.value = "4.21 USD/kg";
  EXPECT_FALSE(Matches(d, c.entry.commitment));
  d = c.disclosure;
  d.salt = H(8);
  EXPECT_FALSE(Matches(d, c.entry.commitment));
  d = c.disclosure;
  d.key = "cost";
  EXPECT_FALSE(Matches(d, c.entry.commitment));
  // Fresh salts: the same value commits differently each time.
  EXPECT_NE(CommitValue("price", "1").entry.commitment, CommitValue("price", "1").entry.commitment);
}

TEST(Disclosure, TextRoundTripsAndMalformedIsRefused) {
  Disclosure d = CommitValueWithSalt("price", "4.20", H(7)).disclosure;
  d.asset = H(1);
  Disclosure no_asset = d;
  no_asset.asset.reset();
  auto list = ParseDisclosures(DisclosuresText({d, no_asset}));
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(*list, (std::vector<Disclosure>{d, no_asset}));
  auto one = ParseDisclosures(DisclosureText(d));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<Disclosure>{d});
  for (const char* bad : {"", "[1]", "{\"key\": \"k\", \"value\": \"v\"}",
                          "{\"key\": \"k\", \"value\": \"v\", \"salt\": \"00\"}",
                          "{\"key\": \"k\", \"value\": \"v\", \"salt\": \"" 
                          "0000000000000000000000000000000000000000000000000000000000000000\", "
                          "\"asset\": 5}"}) {
    EXPECT_FALSE(ParseDisclosures(bad).ok()) << bad;
  }
}

TEST(Disclosure, FileIsPrivateAndNeverOverwritten) {
  std::string tmpl = (fs::temp_directory_path() / "wallet_disclosure_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  const std::string path = (dir / "d.json").string();
  Disclosure d = CommitValueWithSalt("price", "4.20", H(7)).disclosure;
  d.asset = H(1);
  ASSERT_TRUE(WriteDisclosuresFile(path, {d}).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = ReadDisclosuresFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, std::vector<Disclosure>{d});
  chain::Status again = WriteDisclosuresFile(path, {});
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.reason().find("already exists"), std::string::npos) << again.ToString();
  EXPECT_EQ(ReadDisclosuresFile(path).value(), std::vector<Disclosure>{d});
  { std::ofstream(dir / "bad.json") << "not json"; }
  EXPECT_FALSE(ReadDisclosuresFile((dir / "bad.json").string()).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace waybill::wallet
