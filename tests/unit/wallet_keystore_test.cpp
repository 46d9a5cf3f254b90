// wallet/keystore.h: a sealed secret opens with its passphrase and aad; a wrong passphrase, a
// tampered ciphertext, tag, nonce or aad, and out-of-bounds scrypt parameters are each refused
// with their own kind, and absurd parameters are refused before scrypt allocates anything.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chain/types.h"
#include "wallet/keystore.h"
#include "wallet/secret.h"

namespace waybill::wallet {
namespace {

// Small parameters keep each scrypt at about a millisecond; the code path is the same.
constexpr ScryptParams kFast{1024, 1, 1};

chain::Bytes Seed() {
  chain::Bytes seed(64);
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<uint8_t>(i * 7 + 3);
  return seed;
}

SecretString Pass(std::string s) { return SecretString(std::move(s)); }

chain::Bytes Aad(std::string s) { return chain::Bytes(s.begin(), s.end()); }

Keystore SealOrDie(const chain::Bytes& secret, const std::string& pass, const chain::Bytes& aad) {
  auto ks = Seal(secret, Pass(pass), kFast, aad);
  EXPECT_TRUE(ks.ok()) << ks.status().reason();
  return *ks;
}

TEST(Keystore, RoundTrip) {
  const chain::Bytes seed = Seed();
  const Keystore ks = SealOrDie(seed, "correct horse", Aad("bound"));
  EXPECT_EQ(ks.scrypt, kFast);
  EXPECT_EQ(ks.ciphertext.size(), seed.size());
  EXPECT_NE(ks.ciphertext, seed);
  OpenResult r = Open(ks, Pass("correct horse"), Aad("bound"));
  ASSERT_TRUE(r.ok()) << r.reason;
  EXPECT_EQ(chain::Bytes(r.secret.data(), r.secret.data() + r.secret.size()), seed);
  EXPECT_TRUE(r.reason.empty());
}

TEST(Keystore, FreshSaltAndNonceEachSeal) {
  const Keystore a = SealOrDie(Seed(), "pw", {});
  const Keystore b = SealOrDie(Seed(), "pw", {});
  EXPECT_NE(a.salt, b.salt);
  EXPECT_NE(a.nonce, b.nonce);
  EXPECT_NE(a.ciphertext, b.ciphertext);
}

TEST(Keystore, WrongPassphrase) {
  const Keystore ks = SealOrDie(Seed(), "correct horse", Aad("bound"));
  for (const char* wrong : {"correct hors", "correct horse ", "Correct horse", "x"}) {
    OpenResult r = Open(ks, Pass(wrong), Aad("bound"));
    EXPECT_EQ(r.error, KeystoreError::kWrongPassphrase) << wrong;
    EXPECT_EQ(r.secret.size(), 0u);
    EXPECT_NE(r.reason.find("wrong passphrase"), std::string::npos);
  }
}

TEST(Keystore, TamperedCiphertextTagNonceOrAadIsNotAWrongPassphrase) {
  const Keystore ks = SealOrDie(Seed(), "pw", Aad("bound"));
  auto expect_tampered = [&](const Keystore& bad, const chain::Bytes& aad,
                             const std::string& what) {
    OpenResult r = Open(bad, Pass("pw"), aad);
    EXPECT_EQ(r.error, KeystoreError::kTampered) << what;
    EXPECT_EQ(r.secret.size(), 0u) << what;
  };
  for (size_t i = 0; i < ks.ciphertext.size(); ++i) {
    Keystore bad = ks;
    bad.ciphertext[i] ^= 0x01;
    expect_tampered(bad, Aad("bound"), "ciphertext byte " + std::to_string(i));
  }
  for (size_t i = 0; i < ks.tag.size(); ++i) {
    Keystore bad = ks;
    bad.tag[i] ^= 0x80;
    expect_tampered(bad, Aad("bound"), "tag byte " + std::to_string(i));
  }
  for (size_t i = 0; i < ks.nonce.size(); ++i) {
    Keystore bad = ks;
    bad.nonce[i] ^= 0x01;
    expect_tampered(bad, Aad("bound"), "nonce byte " + std::to_string(i));
  }
  Keystore shorter = ks;
  shorter.ciphertext.pop_back();
  expect_tampered(shorter, Aad("bound"), "a shorter ciphertext");
  expect_tampered(ks, Aad("bounD"), "other aad");
  expect_tampered(ks, {}, "no aad");
}

// The salt, the parameters and the check value feed the key derivation: altering them looks
// exactly like a wrong passphrase (docs/API.md says so; a wallet file's checksum catches such
// an edit first).
TEST(Keystore, AlteredSaltParamsOrCheckLookLikeAWrongPassphrase) {
  const Keystore ks = SealOrDie(Seed(), "pw", {});
  Keystore salt = ks;
  salt.salt[5] ^= 1;
  Keystore check = ks;
  check.check[15] ^= 1;
  Keystore n = ks;
  n.scrypt.n *= 2;
  Keystore r = ks;
  r.scrypt.r = 2;
  for (const Keystore* bad : {&salt, &check, &n, &r}) {
    EXPECT_EQ(Open(*bad, Pass("pw"), {}).error, KeystoreError::kWrongPassphrase);
  }
}

TEST(Keystore, ParamBounds) {
  EXPECT_TRUE(CheckScryptParams(DefaultScryptParams()).ok());
  EXPECT_TRUE(CheckScryptParams({1024, 1, 1}).ok());
  EXPECT_TRUE(CheckScryptParams({uint64_t{1} << 20, 2, 4}).ok()) << "exactly 256 MiB";
  EXPECT_TRUE(CheckScryptParams({uint64_t{1} << 17, 16, 4}).ok()) << "exactly 256 MiB";
  const ScryptParams bad[] = {
      {0, 8, 1},
      {512, 8, 1},                // below 2^10
      {uint64_t{1} << 21, 1, 1},  // above 2^20
      {3000, 8, 1},               // not a power of two
      {(uint64_t{1} << 20) + 1024, 1, 1},
      {uint64_t{1} << 40, 8, 1},
      {UINT64_MAX, 8, 1},
      {uint64_t{1} << 63, 8, 1},
      {1024, 0, 1},
      {1024, 17, 1},
      {1024, 1u << 31, 1},
      {1024, UINT32_MAX, 1},
      {1024, 8, 0},
      {1024, 8, 5},
      {1024, 8, UINT32_MAX},
      {uint64_t{1} << 20, 3, 1},   // 384 MiB
      {uint64_t{1} << 18, 16, 1},  // 512 MiB
  };
  for (const ScryptParams& p : bad) {
    chain::Status s = CheckScryptParams(p);
    EXPECT_TRUE(s.IsInvalid()) << p.n << " " << p.r << " " << p.p;
    EXPECT_FALSE(s.reason().empty());
  }
}

// N = 2^40 with r = 2^31 would ask scrypt for 2^78 bytes: Open must refuse it from the numbers
// alone. (Were it to reach scrypt, OpenSSL's maxmem would refuse it too, but as kIo.)
TEST(Keystore, AbsurdParamsAreRefusedAsBadParams) {
  Keystore ks = SealOrDie(Seed(), "pw", {});
  for (const ScryptParams& p :
       {ScryptParams{uint64_t{1} << 40, 1u << 31, 1}, ScryptParams{uint64_t{1} << 20, 16, 4},
        ScryptParams{1024, 8, 1u << 30}}) {
    ks.scrypt = p;
    OpenResult r = Open(ks, Pass("pw"), {});
    EXPECT_EQ(r.error, KeystoreError::kBadParams) << p.n << " " << p.r << " " << p.p;
    EXPECT_NE(r.reason.find("scrypt"), std::string::npos) << r.reason;
  }
  auto sealed = Seal(Seed(), Pass("pw"), {uint64_t{1} << 40, 1u << 31, 1}, {});
  EXPECT_TRUE(sealed.status().IsInvalid());
}

TEST(Keystore, SealRefusesAnEmptyPassphraseOrAHugeSecret) {
  EXPECT_TRUE(Seal(Seed(), Pass(""), kFast, {}).status().IsInvalid());
  EXPECT_TRUE(Seal(chain::Bytes(kMaxSealedSecret + 1), Pass("pw"), kFast, {}).status().IsInvalid());
  Keystore ks = SealOrDie(Seed(), "pw", {});
  ks.ciphertext.resize(kMaxSealedSecret + 1);
  EXPECT_EQ(Open(ks, Pass("pw"), {}).error, KeystoreError::kMalformed);
}

// The largest memory the bounds allow (128 * 2^17 * 16 = 256 MiB) must pass OpenSSL's maxmem.
TEST(Keystore, TheLargestAllowedMemoryWorks) {
  const ScryptParams biggest{uint64_t{1} << 17, 16, 1};
  auto ks = Seal(Seed(), Pass("pw"), biggest, {});
  ASSERT_TRUE(ks.ok()) << ks.status().reason();
}

TEST(Keystore, AadLayoutIsTheDocumentedOne) {
  std::array<uint8_t, 32> salt;
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<uint8_t>(0xa0 + i);
  const chain::Bytes aad = KeystoreAad({0x20000, 8, 1}, salt, Aad("xy"));
  const std::string expected_hex = chain::HexEncode(Aad("waybill-keystore")) + "01" +
                                   "0000020000000000" + "08000000" + "01000000" +
                                   chain::HexEncode(salt) + "7879";
  EXPECT_EQ(chain::HexEncode(aad), expected_hex);
}

}  // namespace
}  // namespace waybill::wallet
