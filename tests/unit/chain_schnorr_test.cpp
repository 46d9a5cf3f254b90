// BIP-340 Schnorr signatures: all 19 official vectors (key derivation, byte-exact signing,
// verification), plus key handling and concurrent verification; PublicKeyCache answers as
// VerifySchnorr does, never enters a key that does not parse, and stays within its bound.
#include "chain/schnorr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chain/hash.h"

namespace waybill::chain {
namespace {

struct Bip340Row {
  int index;
  std::string secret_key, public_key, aux_rand, message, signature, comment;
  bool result;
};

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();  // empty last field
  return fields;
}

std::vector<Bip340Row> LoadBip340() {
  std::ifstream in(std::string(TESTDATA_DIR) + "/bip340_vectors.csv");
  EXPECT_TRUE(in.good()) << "cannot open bip340_vectors.csv";
  std::vector<Bip340Row> rows;
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> f = SplitCsvLine(line);
    EXPECT_EQ(f.size(), 8u) << line;
    if (f.size() != 8) continue;
    if (header) {
      EXPECT_EQ(f[0], "index");
      header = false;
      continue;
    }
    EXPECT_TRUE(f[6] == "TRUE" || f[6] == "FALSE") << line;
    rows.push_back({std::stoi(f[0]), f[1], f[2], f[3], f[4], f[5], f[7], f[6] == "TRUE"});
  }
  return rows;
}

Bytes Hex(const std::string& hex) {
  std::optional<Bytes> b = HexDecode(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or(Bytes{});
}

template <size_t N>
std::array<uint8_t, N> HexArray(const std::string& hex) {
  const Bytes b = Hex(hex);
  std::array<uint8_t, N> out{};
  EXPECT_EQ(b.size(), N) << hex;
  std::copy_n(b.begin(), std::min(N, b.size()), out.begin());
  return out;
}

TEST(Bip340Test, AllOfficialVectors) {
  const std::vector<Bip340Row> rows = LoadBip340();
  ASSERT_EQ(rows.size(), 19u);
  int signed_rows = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const Bip340Row& row = rows[i];
    SCOPED_TRACE("row " + std::to_string(row.index) + " " + row.comment);
    EXPECT_EQ(row.index, static_cast<int>(i));
    const AccountId pubkey = AccountId{HexArray<32>(row.public_key)};
    const Bytes msg = Hex(row.message);
    const Signature sig = HexArray<64>(row.signature);

    if (!row.secret_key.empty()) {
      ++signed_rows;
      const std::optional<SecretKey> key = SecretKey::FromBytes(Hex(row.secret_key));
      ASSERT_TRUE(key.has_value());
      EXPECT_EQ(key->PublicKey(), pubkey);
      const Signature made = key->Sign(msg, HexArray<32>(row.aux_rand));
      EXPECT_EQ(HexEncode(made), HexEncode(sig));
    }
    EXPECT_EQ(VerifySchnorr(pubkey, msg, sig), row.result);
  }
  EXPECT_EQ(signed_rows, 8);  // rows 0 to 3 and 15 to 18
}

// Every official vector through one cache, twice: the second pass verifies with the keys the
// first one parsed (the vectors share keys) and must give the same answers.
TEST(Bip340Test, AllOfficialVectorsThroughAKeyCache) {
  const std::vector<Bip340Row> rows = LoadBip340();
  ASSERT_EQ(rows.size(), 19u);
  PublicKeyCache cache;
  for (int pass = 0; pass < 2; ++pass) {
    for (const Bip340Row& row : rows) {
      SCOPED_TRACE("pass " + std::to_string(pass) + " row " + std::to_string(row.index));
      const AccountId pubkey = AccountId{HexArray<32>(row.public_key)};
      const Bytes msg = Hex(row.message);
      const Signature sig = HexArray<64>(row.signature);
      EXPECT_EQ(cache.Verify(pubkey, msg, sig), row.result);
      EXPECT_EQ(cache.Verify(pubkey, msg, sig), VerifySchnorr(pubkey, msg, sig));
    }
  }
  const PublicKeyCache::Stats s = cache.stats();
  EXPECT_GT(s.hits, 0u);
  // Rows 5 and 14 carry keys that are not x coordinates of a point: never entered, so each
  // of their 4 verifications parsed (and failed) again.
  std::set<AccountId> distinct_valid;
  for (const Bip340Row& row : rows) {
    if (row.index != 5 && row.index != 14) {
      distinct_valid.insert(AccountId{HexArray<32>(row.public_key)});
    }
  }
  EXPECT_EQ(s.size, distinct_valid.size());
  EXPECT_EQ(s.misses, distinct_valid.size() + 2 * 4);
}

TEST(Bip340Test, MessageLengthsCovered) {
  std::vector<size_t> lengths;
  for (const Bip340Row& row : LoadBip340()) lengths.push_back(row.message.size() / 2);
  for (size_t len : {0, 1, 17, 32, 100}) {
    EXPECT_NE(std::find(lengths.begin(), lengths.end(), len), lengths.end()) << len;
  }
}

TEST(SecretKeyTest, FromBytesRejectsOutOfRange) {
  const std::string order = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
  EXPECT_FALSE(SecretKey::FromBytes(Bytes(32, 0)).has_value());
  EXPECT_FALSE(SecretKey::FromBytes(Hex(order)).has_value());
  EXPECT_FALSE(SecretKey::FromBytes(Bytes(32, 0xff)).has_value());
  EXPECT_FALSE(SecretKey::FromBytes(Bytes(31, 1)).has_value());
  EXPECT_FALSE(SecretKey::FromBytes(Bytes(33, 1)).has_value());
  EXPECT_FALSE(SecretKey::FromBytes({}).has_value());

  Bytes one(32, 0);
  one[31] = 1;
  EXPECT_TRUE(SecretKey::FromBytes(one).has_value());
  Bytes order_minus_one = Hex(order);
  order_minus_one[31] -= 1;
  EXPECT_TRUE(SecretKey::FromBytes(order_minus_one).has_value());
}

TEST(SecretKeyTest, GeneratedKeysSignAndVerify) {
  const SecretKey a = SecretKey::Generate();
  const SecretKey b = SecretKey::Generate();
  EXPECT_NE(a.bytes(), b.bytes());
  EXPECT_NE(a.PublicKey(), b.PublicKey());

  const std::optional<SecretKey> again = SecretKey::FromBytes(a.bytes());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->PublicKey(), a.PublicKey());

  const Bytes msg = {'w', 'a', 'y', 'b', 'i', 'l', 'l'};
  const Signature sig = a.Sign(msg);
  EXPECT_TRUE(VerifySchnorr(a.PublicKey(), msg, sig));
  EXPECT_FALSE(VerifySchnorr(b.PublicKey(), msg, sig));
  // Fresh auxiliary randomness gives a different, equally valid signature.
  const Signature sig2 = a.Sign(msg);
  EXPECT_NE(sig, sig2);
  EXPECT_TRUE(VerifySchnorr(a.PublicKey(), msg, sig2));

  Bytes other = msg;
  other.back() ^= 1;
  EXPECT_FALSE(VerifySchnorr(a.PublicKey(), other, sig));
  for (size_t i = 0; i < sig.size(); i += 7) {
    Signature bad = sig;
    bad[i] ^= 0x10;
    EXPECT_FALSE(VerifySchnorr(a.PublicKey(), msg, bad)) << i;
  }
  EXPECT_FALSE(VerifySchnorr(a.PublicKey(), {}, sig));
}

TEST(SecretKeyTest, FixedAuxRandIsDeterministic) {
  const SecretKey key = SecretKey::Generate();
  const std::array<uint8_t, 32> aux{};
  const Bytes msg(100, 0xab);
  EXPECT_EQ(key.Sign(msg, aux), key.Sign(msg, aux));
}

TEST(SecretKeyTest, MoveKeepsTheKeyAndWipesTheSource) {
  SecretKey a = SecretKey::Generate();
  const AccountId pub = a.PublicKey();
  const std::array<uint8_t, 32> bytes = a.bytes();

  SecretKey b(std::move(a));
  EXPECT_EQ(b.PublicKey(), pub);
  EXPECT_EQ(b.bytes(), bytes);
  EXPECT_EQ(a.bytes(), (std::array<uint8_t, 32>{}));  // NOLINT: inspecting the moved-from key

  SecretKey c = SecretKey::Generate();
  c = std::move(b);
  EXPECT_EQ(c.PublicKey(), pub);
  const Bytes msg = {1, 2, 3};
  EXPECT_TRUE(VerifySchnorr(pub, msg, c.Sign(msg)));
}

TEST(SchnorrTest, VerifyRejectsInvalidPublicKeys) {
  const SecretKey key = SecretKey::Generate();
  const Bytes msg = {9};
  const Signature sig = key.Sign(msg);
  AccountId not_field;  // x >= p
  not_field.bytes.fill(0xff);
  EXPECT_FALSE(VerifySchnorr(not_field, msg, sig));
  EXPECT_FALSE(VerifySchnorr(AccountId(), msg, sig));
}

TEST(SchnorrTest, ConcurrentVerification) {
  std::vector<std::pair<AccountId, Signature>> signed_msgs;
  const Bytes msg = {'t', 'x'};
  for (int i = 0; i < 8; ++i) {
    const SecretKey key = SecretKey::Generate();
    signed_msgs.emplace_back(key.PublicKey(), key.Sign(msg));
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 50; ++round) {
        for (const auto& [pub, sig] : signed_msgs) {
          if (!VerifySchnorr(pub, msg, sig)) ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(SchnorrTest, ConcurrentSigningWithOneKey) {
  const SecretKey key = SecretKey::Generate();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const Bytes msg = {static_cast<uint8_t>(t), static_cast<uint8_t>(i)};
        if (!VerifySchnorr(key.PublicKey(), msg, key.Sign(msg))) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(PublicKeyCacheTest, AgreesWithVerifySchnorr) {
  PublicKeyCache cache(16);
  for (int i = 0; i < 4; ++i) {
    const SecretKey key = SecretKey::Generate();
    const Bytes msg = {static_cast<uint8_t>(i)};
    const Signature sig = key.Sign(msg);
    EXPECT_TRUE(cache.Verify(key.PublicKey(), msg, sig));  // parses the key
    EXPECT_TRUE(cache.Verify(key.PublicKey(), msg, sig));  // finds it
    Signature bad = sig;
    bad[5] ^= 1;
    EXPECT_FALSE(cache.Verify(key.PublicKey(), msg, bad));
    EXPECT_FALSE(VerifySchnorr(key.PublicKey(), msg, bad));
    EXPECT_FALSE(cache.Verify(key.PublicKey(), Bytes{0x55}, sig));  // another message
    const SecretKey other = SecretKey::Generate();
    EXPECT_FALSE(cache.Verify(other.PublicKey(), msg, sig));  // another key, now entered
  }
  const PublicKeyCache::Stats s = cache.stats();
  EXPECT_EQ(s.misses, 8u);
  EXPECT_EQ(s.hits, 4u * 3);
  EXPECT_EQ(s.size, 8u);
  EXPECT_EQ(s.evictions, 0u);
}

// A key that is not a valid x coordinate fails every time and never takes a slot, so no
// sequence of calls can make it pass as parsed.
TEST(PublicKeyCacheTest, KeyThatDoesNotParseIsNeverEntered) {
  const SecretKey key = SecretKey::Generate();
  const Bytes msg = {9};
  const Signature sig = key.Sign(msg);
  AccountId not_field;  // x >= p
  not_field.bytes.fill(0xff);
  // x = 5 is in the field but x^3 + 7 = 132 has no square root mod p: no point has it.
  AccountId not_on_curve;
  not_on_curve.bytes[31] = 5;
  ASSERT_FALSE(VerifySchnorr(not_on_curve, msg, sig));
  PublicKeyCache cache(4);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(cache.Verify(not_field, msg, sig));
    EXPECT_FALSE(cache.Verify(not_on_curve, msg, sig));
    EXPECT_FALSE(cache.Verify(AccountId(), msg, sig));
  }
  EXPECT_EQ(cache.stats().size, 0u);
  EXPECT_EQ(cache.stats().misses, 9u);
  EXPECT_TRUE(cache.Verify(key.PublicKey(), msg, sig));
  EXPECT_EQ(cache.stats().size, 1u);
}

TEST(PublicKeyCacheTest, StaysWithinItsBound) {
  const Bytes msg = {'b'};
  std::vector<std::pair<AccountId, Signature>> signed_msgs;
  for (int i = 0; i < 20; ++i) {
    const SecretKey key = SecretKey::Generate();
    signed_msgs.emplace_back(key.PublicKey(), key.Sign(msg));
  }
  PublicKeyCache cache(5);
  for (int round = 0; round < 3; ++round) {
    for (const auto& [pub, sig] : signed_msgs) {
      EXPECT_TRUE(cache.Verify(pub, msg, sig));
      EXPECT_LE(cache.stats().size, 5u);
    }
  }
  const PublicKeyCache::Stats s = cache.stats();
  EXPECT_EQ(s.size, 5u);
  EXPECT_EQ(s.hits + s.misses, 60u);
  EXPECT_EQ(s.evictions, s.misses - 5);

  PublicKeyCache none(0);
  for (const auto& [pub, sig] : signed_msgs) EXPECT_TRUE(none.Verify(pub, msg, sig));
  EXPECT_EQ(none.stats().size, 0u);
  EXPECT_EQ(none.stats().hits, 0u);
}

// Several threads share a cache smaller than their set of keys (so entries come and go while
// others read them), and every answer is VerifySchnorr's, for good and bad signatures.
TEST(PublicKeyCacheTest, ConcurrentUseAgreesWithVerifySchnorr) {
  const Bytes msg = {'c', 'c'};
  struct Case {
    AccountId pub;
    Signature sig;
    bool valid;
  };
  std::vector<Case> cases;
  for (int i = 0; i < 12; ++i) {
    const SecretKey key = SecretKey::Generate();
    Signature sig = key.Sign(msg);
    const bool valid = i % 3 != 0;
    if (!valid) sig[20] ^= 0x40;
    cases.push_back({key.PublicKey(), sig, valid});
  }
  AccountId not_field;
  not_field.bytes.fill(0xff);
  cases.push_back({not_field, cases[1].sig, false});
  PublicKeyCache cache(6);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < cases.size(); ++i) {
          const Case& c = cases[(i + t * 5) % cases.size()];
          if (cache.Verify(c.pub, msg, c.sig) != c.valid) ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.stats().size, 6u);
}

TEST(SchnorrTest, TweakXOnly) {
  // BIP-341 vector 0 (see also chain_hash_test's taproot test).
  const auto internal =
      AccountId::FromHex("d6889cb081036e0faefa3a35157ad71086b123b2b144b649798b494c300a961d");
  const auto tweak =
      Hash256::FromHex("b86e7be8f39bab32a6f2c0443abbc210f0edac0e2c53d501b36b64437d9c6c70");
  ASSERT_TRUE(internal && tweak);
  const std::optional<AccountId> out = TweakXOnly(*internal, *tweak);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->ToHex(), "53a1f6e454df1aa2776a2814a721372d6258050de330b3c6d10ee8f4e0dda343");

  AccountId not_field;
  not_field.bytes.fill(0xff);
  EXPECT_FALSE(TweakXOnly(not_field, *tweak).has_value());
  Hash256 too_big;  // not below the curve order
  too_big.bytes.fill(0xff);
  EXPECT_FALSE(TweakXOnly(*internal, too_big).has_value());
}

}  // namespace
}  // namespace waybill::chain
