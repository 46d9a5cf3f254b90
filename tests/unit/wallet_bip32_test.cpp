// BIP-32: test vectors 1-5 (both serializations at every path, every invalid key of vector 5
// refused), xpub-only derivation against the neutered private derivation, paths; Base58Check
// (wallet/base58.h) and the curve steps of chain::ec that derivation uses.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "chain/schnorr.h"
#include "wallet/base58.h"
#include "wallet/bip32.h"

namespace waybill::wallet {
namespace {

nlohmann::json LoadVectors() {
  std::ifstream in(std::string(TESTDATA_DIR) + "/bip32_vectors.json");
  EXPECT_TRUE(in.good()) << "cannot open bip32_vectors.json";
  return nlohmann::json::parse(in);
}

chain::Bytes Hex(std::string_view hex) { return chain::HexDecode(hex).value(); }

TEST(Bip32, Vectors1To4EveryPathBothSerializations) {
  const nlohmann::json vectors = LoadVectors();
  size_t paths = 0;
  for (const auto& v : vectors["vectors"]) {
    if (!v.contains("chains")) continue;
    const chain::Bytes seed = Hex(v["seed"].get<std::string>());
    auto root = ExtendedKey::FromSeed(seed);
    ASSERT_TRUE(root.ok()) << root.status().reason();
    for (const auto& c : v["chains"]) {
      const std::string path = c["path"];
      SCOPED_TRACE("vector " + std::to_string(v["vector"].get<int>()) + " " + path);
      auto key = root->DerivePath(path);
      ASSERT_TRUE(key.ok()) << key.status().reason();
      EXPECT_EQ(key->ToBase58(), c["xprv"]);
      EXPECT_EQ(key->XpubBase58(), c["xpub"]);
      EXPECT_EQ(key->Neuter().ToBase58(), c["xpub"]);
      // Both serializations parse back to the same key.
      auto xprv = ExtendedKey::Parse(c["xprv"].get<std::string>());
      auto xpub = ExtendedKey::Parse(c["xpub"].get<std::string>());
      ASSERT_TRUE(xprv.ok()) << xprv.status().reason();
      ASSERT_TRUE(xpub.ok()) << xpub.status().reason();
      EXPECT_TRUE(xprv->is_private());
      EXPECT_FALSE(xpub->is_private());
      EXPECT_EQ(xprv->ToBase58(), c["xprv"]);
      EXPECT_EQ(xpub->ToBase58(), c["xpub"]);
      EXPECT_EQ(xprv->XOnly(), key->XOnly());
      EXPECT_EQ(xpub->XOnly(), key->XOnly());
      EXPECT_EQ(xprv->depth(), key->depth());
      ++paths;
    }
  }
  EXPECT_EQ(paths, 6u + 6u + 2u + 3u) << "vectors 1-4 hold 17 paths";
}

// Each step of a vector's chain from the previous key (relative paths), as a wallet walks.
TEST(Bip32, StepByStepEqualsWholePath) {
  const nlohmann::json vectors = LoadVectors();
  const auto& v = vectors["vectors"][0];
  auto root = ExtendedKey::FromSeed(Hex(v["seed"].get<std::string>()));
  ASSERT_TRUE(root.ok());
  auto key = root->DerivePath("m/0h");
  ASSERT_TRUE(key.ok());
  key = key->DerivePath("1/2H/2");
  ASSERT_TRUE(key.ok()) << key.status().reason();
  EXPECT_EQ(key->ToBase58(), v["chains"][4]["xprv"]);
  EXPECT_EQ(key->child_number(), 2u);
  EXPECT_EQ(key->depth(), 4);
}

TEST(Bip32, Vector5EveryInvalidKeyRefused) {
  const nlohmann::json vectors = LoadVectors();
  size_t refused = 0;
  for (const auto& v : vectors["vectors"]) {
    if (!v.contains("invalid")) continue;
    for (const auto& bad : v["invalid"]) {
      auto key = ExtendedKey::Parse(bad["key"].get<std::string>());
      EXPECT_FALSE(key.ok()) << bad["why"] << ": " << bad["key"];
      if (!key.ok()) {
        EXPECT_TRUE(key.status().IsInvalid());
        EXPECT_FALSE(key.status().reason().empty());
        ++refused;
      }
    }
  }
  EXPECT_EQ(refused, 16u);
}

// The reason names what is wrong (the user sees it on import).
TEST(Bip32, Vector5Reasons) {
  const nlohmann::json vectors = LoadVectors();
  const auto& invalid = vectors["vectors"][4]["invalid"];
  auto reason = [&](size_t i) {
    return ExtendedKey::Parse(invalid[i]["key"].get<std::string>()).status().reason();
  };
  EXPECT_NE(reason(0).find("must start with 02 or 03, not 00"), std::string::npos) << reason(0);
  EXPECT_NE(reason(1).find("must start with 0x00, not 03"), std::string::npos) << reason(1);
  EXPECT_NE(reason(2).find("not 04"), std::string::npos) << reason(2);
  EXPECT_NE(reason(6).find("zero depth with a non-zero parent fingerprint"), std::string::npos);
  EXPECT_NE(reason(8).find("zero depth with a non-zero child number"), std::string::npos);
  EXPECT_NE(reason(10).find("unknown extended key version"), std::string::npos) << reason(10);
  EXPECT_NE(reason(12).find("private key not in 1..n-1"), std::string::npos) << reason(12);
  EXPECT_NE(reason(13).find("private key not in 1..n-1"), std::string::npos) << reason(13);
  EXPECT_NE(reason(14).find("not a point of secp256k1"), std::string::npos) << reason(14);
  EXPECT_NE(reason(15).find("invalid checksum"), std::string::npos) << reason(15);
}

TEST(Bip32, WrongLengthRefused) {
  const nlohmann::json vectors = LoadVectors();
  auto bytes = DecodeBase58Check(vectors["vectors"][0]["chains"][0]["xpub"].get<std::string>());
  ASSERT_TRUE(bytes.ok());
  ASSERT_EQ(bytes->size(), 78u);
  chain::Bytes longer = *bytes;
  longer.push_back(0);
  chain::Bytes shorter(bytes->begin(), bytes->end() - 1);
  for (const auto& b : {longer, shorter}) {
    auto key = ExtendedKey::Parse(EncodeBase58Check(b));
    ASSERT_FALSE(key.ok());
    EXPECT_NE(key.status().reason().find("not 78"), std::string::npos) << key.status().reason();
  }
}

// A public key alone derives the same non-hardened children as the private key neutered.
TEST(Bip32, XpubDerivationEqualsNeuteredPrivate) {
  auto root = ExtendedKey::FromSeed(Hex("000102030405060708090a0b0c0d0e0f"));
  ASSERT_TRUE(root.ok());
  auto account = root->DerivePath("m/86'/7687'/0'");
  ASSERT_TRUE(account.ok());
  const ExtendedKey xpub = account->Neuter();
  for (uint32_t change : {0u, 1u}) {
    for (uint32_t i : {0u, 1u, 2u, 1000u, kHardened - 1}) {
      const std::string path = std::to_string(change) + "/" + std::to_string(i);
      auto from_private = account->DerivePath(path);
      auto from_public = xpub.DerivePath(path);
      ASSERT_TRUE(from_private.ok() && from_public.ok()) << path;
      EXPECT_EQ(from_private->XpubBase58(), from_public->ToBase58()) << path;
      EXPECT_EQ(from_private->Secret()->PublicKey(), from_public->XOnly()) << path;
    }
  }
}

TEST(Bip32, HardenedFromXpubRefused) {
  auto root = ExtendedKey::FromSeed(Hex("000102030405060708090a0b0c0d0e0f"));
  ASSERT_TRUE(root.ok());
  const ExtendedKey xpub = root->Neuter();
  auto child = xpub.Derive(kHardened + 5);
  ASSERT_FALSE(child.ok());
  EXPECT_NE(child.status().reason().find("hardened child 5'"), std::string::npos)
      << child.status().reason();
  EXPECT_FALSE(xpub.DerivePath("m/86'/7687'/0'").ok());
  EXPECT_TRUE(xpub.DerivePath("m/86/7687/0").ok());
}

TEST(Bip32, SeedLengths) {
  EXPECT_FALSE(ExtendedKey::FromSeed(chain::Bytes(15, 1)).ok());
  EXPECT_TRUE(ExtendedKey::FromSeed(chain::Bytes(16, 1)).ok());
  EXPECT_TRUE(ExtendedKey::FromSeed(chain::Bytes(64, 1)).ok());
  EXPECT_FALSE(ExtendedKey::FromSeed(chain::Bytes(65, 1)).ok());
}

TEST(Bip32, DepthBounded) {
  auto key = ExtendedKey::FromSeed(chain::Bytes(32, 7));
  ASSERT_TRUE(key.ok());
  std::string path = "m";
  for (int i = 0; i < 255; ++i) path += "/1";
  auto deep = key->DerivePath(path);
  ASSERT_TRUE(deep.ok()) << deep.status().reason();
  EXPECT_EQ(deep->depth(), 255);
  EXPECT_FALSE(deep->Derive(0).ok());
  EXPECT_FALSE(ParsePath(path + "/1").ok());
}

TEST(Bip32, ParsePath) {
  EXPECT_EQ(*ParsePath("m"), std::vector<uint32_t>{});
  EXPECT_EQ(*ParsePath("m/0'/1h/2H/3"),
            (std::vector<uint32_t>{kHardened, kHardened + 1, kHardened + 2, 3}));
  EXPECT_EQ(*ParsePath("0/5"), (std::vector<uint32_t>{0, 5}));
  EXPECT_EQ(*ParsePath("2147483647'"), std::vector<uint32_t>{0xffffffff});
  for (const char* bad : {"", "m/", "m//1", "/1", "1/", "m1", "m/2147483648", "m/-1", "m/1''",
                          "m/ 1", "m/1x", "M/1", "m/'", "m/99999999999999999999"}) {
    EXPECT_FALSE(ParsePath(bad).ok()) << "'" << bad << "'";
  }
}

TEST(Bip32, SecretOfPublicKeyRefused) {
  auto root = ExtendedKey::FromSeed(chain::Bytes(32, 3));
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->Secret().ok());
  EXPECT_FALSE(root->Neuter().Secret().ok());
  EXPECT_EQ(root->Neuter().ToBase58(), root->XpubBase58());
  EXPECT_EQ(root->ToBase58().substr(0, 4), "xprv");
  EXPECT_EQ(root->XpubBase58().substr(0, 4), "xpub");
}

TEST(Base58, KnownEncodings) {
  EXPECT_EQ(EncodeBase58({}), "");
  EXPECT_EQ(EncodeBase58(Hex("0000")), "11");
  EXPECT_EQ(EncodeBase58(Hex("61")), "2g");
  EXPECT_EQ(EncodeBase58(Hex("626262")), "a3gV");
  EXPECT_EQ(EncodeBase58(Hex("00000000000000000000")), "1111111111");
  // Bitcoin Core's base58_encode_decode.json: "Hello World!" and a leading-zero address.
  EXPECT_EQ(EncodeBase58(Hex("48656c6c6f20576f726c6421")), "2NEpo7TZRRrLZSi2U");
  EXPECT_EQ(EncodeBase58(Hex("00eb15231dfceb60925886b67d065299925915aeb172c06647")),
            "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L");
  EXPECT_EQ(*DecodeBase58("1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
            Hex("00eb15231dfceb60925886b67d065299925915aeb172c06647"));
}

TEST(Base58, RoundTrip) {
  std::vector<chain::Bytes> cases = {{}, {0}, {0, 0, 1}, {255}, chain::Bytes(100, 0xab)};
  for (int i = 0; i < 64; ++i) {
    chain::Bytes b(static_cast<size_t>(i));
    for (int j = 0; j < i; ++j) b[j] = static_cast<uint8_t>(j * 37 + i * 11 + (j < 2 ? -b[j] : 0));
    cases.push_back(b);
  }
  for (const auto& b : cases) {
    auto back = DecodeBase58(EncodeBase58(b));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, b);
    auto checked = DecodeBase58Check(EncodeBase58Check(b));
    ASSERT_TRUE(checked.ok()) << checked.status().reason();
    EXPECT_EQ(*checked, b);
  }
}

TEST(Base58, Errors) {
  for (const char* bad : {"0", "O", "I", "l", "abc0", "a b", "+", "\xff"}) {
    auto r = DecodeBase58(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().reason().find("not Base58"), std::string::npos) << r.status().reason();
  }
  EXPECT_NE(DecodeBase58("12l").status().reason().find("'l' at position 3"), std::string::npos);
  EXPECT_TRUE(DecodeBase58(std::string(200, '2')).ok());
  auto too_long = DecodeBase58(std::string(201, '2'));
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.status().reason().find("too long"), std::string::npos);
  // Checksum: every character of a valid string changed in turn is detected.
  const std::string good = EncodeBase58Check(Hex("0488b21e00000000"));
  ASSERT_TRUE(DecodeBase58Check(good).ok());
  for (size_t i = 0; i < good.size(); ++i) {
    std::string changed = good;
    changed[i] = changed[i] == 'z' ? 'y' : 'z';
    EXPECT_FALSE(DecodeBase58Check(changed).ok()) << i;
  }
  EXPECT_NE(DecodeBase58Check("111").status().reason().find("too short"), std::string::npos);
}

TEST(CurveSteps, TweakAddAgreesBetweenSecretAndPublic) {
  const chain::Bytes secret =
      Hex("0000000000000000000000000000000000000000000000000000000000000003");
  auto pub = chain::ec::PublicKeyOf(secret);
  ASSERT_TRUE(pub.has_value());
  EXPECT_TRUE(chain::ec::IsValidPubKey(*pub));
  std::array<uint8_t, 32> s;
  std::copy(secret.begin(), secret.end(), s.begin());
  const chain::Bytes tweak =
      Hex("0000000000000000000000000000000000000000000000000000000000000004");
  ASSERT_TRUE(chain::ec::SecretTweakAdd(s, tweak));
  EXPECT_EQ(s[31], 7);
  auto tweaked = chain::ec::PubKeyTweakAdd(*pub, tweak);
  ASSERT_TRUE(tweaked.has_value());
  EXPECT_EQ(*tweaked, *chain::ec::PublicKeyOf(s));
  EXPECT_EQ(chain::ec::XOnly(*tweaked), chain::SecretKey::FromBytes(s)->PublicKey());
}

TEST(CurveSteps, OutOfRangeRefused) {
  const chain::Bytes n = Hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  const chain::Bytes n_minus_1 =
      Hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140");
  EXPECT_FALSE(chain::ec::PublicKeyOf(n).has_value());
  EXPECT_FALSE(chain::ec::PublicKeyOf(chain::Bytes(32, 0)).has_value());
  EXPECT_TRUE(chain::ec::PublicKeyOf(n_minus_1).has_value());
  std::array<uint8_t, 32> one{};
  one[31] = 1;
  std::array<uint8_t, 32> s = one;
  EXPECT_FALSE(chain::ec::SecretTweakAdd(s, n)) << "tweak >= n";
  s = one;
  EXPECT_FALSE(chain::ec::SecretTweakAdd(s, n_minus_1)) << "1 + (n-1) = 0";
  EXPECT_EQ(s, (std::array<uint8_t, 32>{})) << "wiped on failure";
  auto pub = chain::ec::PublicKeyOf(one);
  ASSERT_TRUE(pub.has_value());
  EXPECT_FALSE(chain::ec::PubKeyTweakAdd(*pub, n).has_value());
  EXPECT_FALSE(chain::ec::PubKeyTweakAdd(*pub, n_minus_1).has_value()) << "G + (n-1)G = infinity";
  chain::ec::PubKey bad = *pub;
  bad[0] = 0x04;
  EXPECT_FALSE(chain::ec::IsValidPubKey(bad));
  EXPECT_FALSE(chain::ec::XOnly(bad).has_value());
  EXPECT_FALSE(chain::ec::IsValidPubKey(chain::ByteSpan(pub->data(), 32)));
}

}  // namespace
}  // namespace waybill::wallet
