// BIP-86's vectors (mnemonic -> root -> m/86'/0'/0' -> keys): the x-only key of each derived
// key (`internal_key`, which is what a Waybill account id is), the account-level xprv/xpub,
// and the same keys from the account xpub alone (a watch-only wallet). Also Waybill's path.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "wallet/bip32.h"
#include "wallet/bip39.h"

namespace waybill::wallet {
namespace {

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(TESTDATA_DIR) + "/bip86_vectors.json");
  EXPECT_TRUE(in.good()) << "cannot open bip86_vectors.json";
  return nlohmann::json::parse(in);
}

ExtendedKey Root(const nlohmann::json& v) {
  auto seed = bip39::MnemonicToSeed(v["mnemonic"].get<std::string>(), "");
  EXPECT_TRUE(seed.ok()) << seed.status().reason();
  auto root = ExtendedKey::FromSeed(seed->span());
  EXPECT_TRUE(root.ok()) << root.status().reason();
  return std::move(root).value();
}

TEST(Bip86, RootAndAccountKeys) {
  const nlohmann::json v = LoadVectors();
  const ExtendedKey root = Root(v);
  EXPECT_EQ(root.ToBase58(), v["root_xprv"]);
  EXPECT_EQ(root.XpubBase58(), v["root_xpub"]);
  auto account = root.DerivePath(v["account"]["path"].get<std::string>());
  ASSERT_TRUE(account.ok()) << account.status().reason();
  EXPECT_EQ(account->ToBase58(), v["account"]["xprv"]);
  EXPECT_EQ(account->XpubBase58(), v["account"]["xpub"]);
  EXPECT_EQ(account->depth(), 3);
  EXPECT_EQ(account->child_number(), kHardened);
}

TEST(Bip86, InternalKeyOfEveryPath) {
  const nlohmann::json v = LoadVectors();
  const ExtendedKey root = Root(v);
  ASSERT_EQ(v["keys"].size(), 3u);
  for (const auto& k : v["keys"]) {
    const std::string path = k["path"];
    auto key = root.DerivePath(path);
    ASSERT_TRUE(key.ok()) << path << ": " << key.status().reason();
    EXPECT_EQ(key->ToBase58(), k["xprv"]) << path;
    EXPECT_EQ(key->XpubBase58(), k["xpub"]) << path;
    EXPECT_EQ(key->XOnly().ToHex(), k["internal_key"]) << path;
    // The signing key's BIP-340 public key is the same account id.
    auto secret = key->Secret();
    ASSERT_TRUE(secret.ok());
    EXPECT_EQ(secret->PublicKey().ToHex(), k["internal_key"]) << path;
  }
}

TEST(Bip86, WatchOnlyFromTheAccountXpub) {
  const nlohmann::json v = LoadVectors();
  auto xpub = ExtendedKey::Parse(v["account"]["xpub"].get<std::string>());
  ASSERT_TRUE(xpub.ok()) << xpub.status().reason();
  EXPECT_FALSE(xpub->is_private());
  EXPECT_FALSE(xpub->Secret().ok());
  for (const auto& k : v["keys"]) {
    const std::string path = k["path"];  // m/86'/0'/0'/C/I: the relative part is C/I
    const std::string relative = path.substr(std::string("m/86'/0'/0'/").size());
    auto key = xpub->DerivePath(relative);
    ASSERT_TRUE(key.ok()) << relative << ": " << key.status().reason();
    EXPECT_EQ(key->XOnly().ToHex(), k["internal_key"]) << path;
    EXPECT_EQ(key->ToBase58(), k["xpub"]) << path;
  }
  // A path from m cannot start at the account key.
  EXPECT_FALSE(xpub->DerivePath("m/0/0").ok());
}

TEST(Bip86, WaybillPaths) {
  EXPECT_EQ(AccountPath(0), "m/86'/7687'/0'");
  EXPECT_EQ(AccountPath(3), "m/86'/7687'/3'");
  EXPECT_EQ(AddressPath(0, 5), "m/86'/7687'/0'/0/5");
  auto indices = ParsePath(AddressPath(2, 7));
  ASSERT_TRUE(indices.ok());
  EXPECT_EQ(*indices,
            (std::vector<uint32_t>{86 | kHardened, 7687 | kHardened, 2 | kHardened, 0, 7}));
  // Address i of a Waybill wallet: the same from the seed and from the account xpub.
  const ExtendedKey root = Root(LoadVectors());
  auto account = root.DerivePath(AccountPath(0));
  ASSERT_TRUE(account.ok());
  auto watch = ExtendedKey::Parse(account->XpubBase58());
  ASSERT_TRUE(watch.ok());
  for (uint32_t i = 0; i < 4; ++i) {
    auto full = root.DerivePath(AddressPath(0, i));
    auto from_xpub = watch->DerivePath("0/" + std::to_string(i));
    ASSERT_TRUE(full.ok() && from_xpub.ok());
    EXPECT_EQ(full->XOnly(), from_xpub->XOnly()) << i;
    EXPECT_EQ(full->Secret()->PublicKey(), full->XOnly()) << i;
  }
}

}  // namespace
}  // namespace waybill::wallet
