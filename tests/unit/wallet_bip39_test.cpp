// BIP-39: the 24 official English vectors (entropy -> words, words -> seed with the passphrase
// TREZOR, seed -> BIP-32 root xprv), the embedded word list, and the errors a person typing
// words back meets (unknown word, words out of order, wrong count), normalization; and the
// self-wiping buffers of wallet/secret.h.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "wallet/bip32.h"
#include "wallet/bip39.h"
#include "wallet/secret.h"

namespace waybill::wallet {
namespace {

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(TESTDATA_DIR) + "/bip39_vectors.json");
  EXPECT_TRUE(in.good()) << "cannot open bip39_vectors.json";
  return nlohmann::json::parse(in);
}

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t space = s.find(' ', start);
    out.push_back(s.substr(start, space - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string Reason(std::string_view text) {
  auto r = bip39::NormalizeMnemonic(text);
  return r.ok() ? "(valid)" : r.status().reason();
}

const char* const kAbandon12 =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

TEST(Bip39, WordListIsTheOfficialOne) {
  const auto& words = bip39::EnglishWords();
  ASSERT_EQ(words.size(), 2048u);
  std::ifstream in(std::string(TESTDATA_DIR) + "/bip39_english.txt");
  std::string line;
  size_t i = 0;
  while (std::getline(in, line) && i < 4096) {
    ASSERT_LT(i, words.size());
    EXPECT_EQ(words[i], line) << i;
    ++i;
  }
  EXPECT_EQ(i, 2048u);
  EXPECT_TRUE(std::is_sorted(words.begin(), words.end()));
  EXPECT_EQ(words.front(), "abandon");
  EXPECT_EQ(words.back(), "zoo");
}

TEST(Bip39, OfficialVectors) {
  const nlohmann::json v = LoadVectors();
  const std::string passphrase = v["passphrase"];
  ASSERT_EQ(passphrase, "TREZOR");
  ASSERT_EQ(v["vectors"].size(), 24u);
  for (const auto& t : v["vectors"]) {
    const std::string mnemonic = t["mnemonic"];
    SCOPED_TRACE(mnemonic);
    const chain::Bytes entropy = chain::HexDecode(t["entropy"].get<std::string>()).value();
    auto words = bip39::MnemonicFromEntropy(entropy);
    ASSERT_TRUE(words.ok()) << words.status().reason();
    EXPECT_EQ(words->str(), mnemonic);
    auto normalized = bip39::NormalizeMnemonic(mnemonic);
    ASSERT_TRUE(normalized.ok()) << normalized.status().reason();
    EXPECT_EQ(normalized->str(), mnemonic);
    auto seed = bip39::MnemonicToSeed(mnemonic, passphrase);
    ASSERT_TRUE(seed.ok()) << seed.status().reason();
    EXPECT_EQ(chain::HexEncode(seed->span()), t["seed"]);
    auto root = ExtendedKey::FromSeed(seed->span());
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(root->ToBase58(), t["bip32_root_xprv"]);
  }
}

TEST(Bip39, PassphraseChangesTheSeed) {
  auto empty = bip39::MnemonicToSeed(kAbandon12, "");
  auto trezor = bip39::MnemonicToSeed(kAbandon12, "TREZOR");
  ASSERT_TRUE(empty.ok() && trezor.ok());
  EXPECT_EQ(
      chain::HexEncode(empty->span()),
      "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8a"
      "a6c43daea6690f20ad3d8d48b2d2ce9e38e4");
  EXPECT_NE(chain::HexEncode(empty->span()), chain::HexEncode(trezor->span()));
  auto unicode = bip39::MnemonicToSeed(kAbandon12, "p\xc3\xa4ss");
  ASSERT_FALSE(unicode.ok());
  EXPECT_NE(unicode.status().reason().find("ASCII"), std::string::npos);
}

TEST(Bip39, UnknownWordNamed) {
  std::vector<std::string> words = Split(kAbandon12);
  words[4] = "abxndon";
  EXPECT_EQ(Reason(Join(words)), "word 5 'abxndon' is not in the BIP-39 English word list");
  words[4] = "abando";  // the first four letters fix a BIP-39 word
  EXPECT_EQ(Reason(Join(words)),
            "word 5 'abando' is not in the BIP-39 English word list (did you mean 'abandon'?)");
  words[4] = "abandon";
  words[11] =
      "\xc3\xa0"
      "bout";
  EXPECT_EQ(Reason(Join(words)), "word 12 '??bout' is not in the BIP-39 English word list");
  words[11] = std::string(100, 'x');
  EXPECT_NE(Reason(Join(words)).find("word 12 'xxxxxxxxxxxxxxxxxxxxxxxx...'"), std::string::npos)
      << "a long word is quoted in part";
}

TEST(Bip39, SwappedWordsFailTheChecksum) {
  const nlohmann::json v = LoadVectors();
  size_t swaps = 0;
  for (const auto& t : v["vectors"]) {
    std::vector<std::string> words = Split(t["mnemonic"]);
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == words[i + 1]) continue;
      std::swap(words[i], words[i + 1]);
      // 12 words hold 4 checksum bits: a swap passes them with probability 1/16, so count.
      if (Reason(Join(words)) == "checksum mismatch: a word is wrong or out of order") ++swaps;
      std::swap(words[i], words[i + 1]);
      break;
    }
  }
  EXPECT_GE(swaps, 20u) << "of 24 vectors, one swap each";
  // One fixed case: the first two words of vector 2 swapped.
  EXPECT_EQ(Reason("winner legal thank year wave sausage worth useful legal winner thank yellow"),
            "checksum mismatch: a word is wrong or out of order");
  // A valid word in the wrong place (the last word carries the checksum).
  std::vector<std::string> words = Split(kAbandon12);
  words.back() = "abandon";
  EXPECT_EQ(Reason(Join(words)), "checksum mismatch: a word is wrong or out of order");
}

TEST(Bip39, WordCounts) {
  std::vector<std::string> words = Split(kAbandon12);
  words.pop_back();
  EXPECT_EQ(Reason(Join(words)), "expected 12 or 24 words, got 11");
  EXPECT_EQ(Reason(""), "expected 12 or 24 words, got 0");
  EXPECT_EQ(Reason("   \n"), "expected 12 or 24 words, got 0");
  words = Split(kAbandon12);
  words.push_back("about");
  EXPECT_EQ(Reason(Join(words)), "expected 12 or 24 words, got 13");
  for (size_t n : {12u, 15u, 18u, 21u, 24u}) {
    const SecretString m = bip39::NewMnemonic(n);
    EXPECT_EQ(Split(m.str()).size(), n);
    EXPECT_EQ(Reason(m.str()), "(valid)") << m.str();
  }
  EXPECT_NE(bip39::NewMnemonic(24).str(), bip39::NewMnemonic(24).str());
  EXPECT_EQ(Reason(std::string(bip39::kMaxMnemonicText + 1, ' ')).find("too long"), 0u);
  for (size_t n : {0u, 15u, 17u, 33u}) {
    EXPECT_FALSE(bip39::MnemonicFromEntropy(chain::Bytes(n, 0)).ok()) << n;
  }
}

TEST(Bip39, Normalized) {
  const std::string messy =
      "  Abandon ABANDON abandon\tabandon abandon abandon\r\nabandon abandon abandon abandon "
      "abandon   About \n";
  auto normalized = bip39::NormalizeMnemonic(messy);
  ASSERT_TRUE(normalized.ok()) << normalized.status().reason();
  EXPECT_EQ(normalized->str(), kAbandon12);
  auto a = bip39::MnemonicToSeed(messy, "");
  auto b = bip39::MnemonicToSeed(kAbandon12, "");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(chain::HexEncode(a->span()), chain::HexEncode(b->span()));
  EXPECT_FALSE(bip39::MnemonicToSeed("abandon about", "").ok());
}

TEST(Secret, BytesMoveAndResize) {
  const uint8_t raw[4] = {1, 2, 3, 4};
  SecretBytes a(raw, 4);
  EXPECT_EQ(a.size(), 4u);
  SecretBytes b = std::move(a);
  EXPECT_EQ(a.size(), 0u);  // NOLINT: moved-from state is specified
  EXPECT_EQ(a.data(), nullptr);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b.data()[3], 4);
  b.resize(6);
  ASSERT_EQ(b.size(), 6u);
  EXPECT_EQ(b.data()[3], 4);
  EXPECT_EQ(b.data()[5], 0);
  b.resize(2);
  EXPECT_EQ(chain::HexEncode(b.span()), "0102");
  EXPECT_EQ(SecretBytes(3).span().size(), 3u);
}

TEST(Secret, StringTakesAndWipesTheSource) {
  std::string short_text = "hunter2";  // in the string's inline buffer
  const char* inline_buffer = short_text.data();
  SecretString s(std::move(short_text));
  EXPECT_EQ(s.str(), "hunter2");
  EXPECT_TRUE(short_text.empty());  // NOLINT: the contract says so
  EXPECT_EQ(std::string(inline_buffer, 7), std::string(7, '\0')) << "the source buffer is wiped";
  SecretString t = std::move(s);
  EXPECT_EQ(t.str(), "hunter2");
  EXPECT_TRUE(s.empty());  // NOLINT
  std::string line(100, 'k');
  SecretString u(std::move(line));
  EXPECT_EQ(u.size(), 100u);
  t = std::move(u);
  EXPECT_EQ(t.size(), 100u);
}

}  // namespace
}  // namespace waybill::wallet
