// SHA-256, SHA-256d and tagged hashes against the official vectors (FIPS 180, Bitcoin's
// genesis block, BIP-341's taproot outputs), plus the incremental hasher's contract.
#include "chain/hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chain/bech32.h"
#include "chain/schnorr.h"

namespace waybill::chain {
namespace {

nlohmann::json LoadJson(const std::string& name) {
  std::ifstream in(std::string(TESTDATA_DIR) + "/" + name);
  EXPECT_TRUE(in.good()) << "cannot open " << name;
  return nlohmann::json::parse(in);
}

Bytes Hex(const std::string& hex) {
  std::optional<Bytes> b = HexDecode(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or(Bytes{});
}

ByteSpan Ascii(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Bitcoin prints block hashes and txids with the digest's bytes reversed.
std::string DisplayHex(const Hash256& h) {
  Hash256 r = h;
  std::reverse(r.bytes.begin(), r.bytes.end());
  return r.ToHex();
}

void PutLe(Bytes& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

void PutReversedHex(Bytes& out, const std::string& display_hex) {
  Bytes b = Hex(display_hex);
  out.insert(out.end(), b.rbegin(), b.rend());
}

Bytes RandomBytes(std::mt19937_64& rng, size_t n) {
  Bytes b(n);
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

TEST(Sha256Test, FipsVectorsOneShotAndIncremental) {
  const auto doc = LoadJson("sha256_vectors.json");
  ASSERT_EQ(doc.at("sha256").size(), 5u);
  for (const auto& v : doc.at("sha256")) {
    const std::string piece = v.at("message_ascii").get<std::string>();
    const int64_t repeat = v.at("repeat").get<int64_t>();
    const std::string digest = v.at("digest").get<std::string>();
    SCOPED_TRACE(piece.substr(0, 16) + " x" + std::to_string(repeat));

    std::string message;
    for (int64_t i = 0; i < repeat; ++i) message += piece;
    EXPECT_EQ(Sha256Hash(Ascii(message)).ToHex(), digest);

    // The same message fed one piece at a time (one byte at a time for the million 'a').
    Sha256 hasher;
    for (int64_t i = 0; i < repeat; ++i) hasher.Write(piece);
    EXPECT_EQ(hasher.Finalize().ToHex(), digest);
  }
}

TEST(Sha256Test, BitcoinGenesisHeaders) {
  const auto doc = LoadJson("sha256_vectors.json");
  ASSERT_EQ(doc.at("sha256d_genesis_headers").size(), 2u);
  for (const auto& v : doc.at("sha256d_genesis_headers")) {
    SCOPED_TRACE(v.at("network").get<std::string>());
    Bytes header;
    PutLe(header, v.at("version").get<uint32_t>(), 4);
    PutReversedHex(header, v.at("prev_block").get<std::string>());
    PutReversedHex(header, v.at("merkle_root").get<std::string>());
    PutLe(header, v.at("time").get<uint32_t>(), 4);
    PutLe(header, std::stoul(v.at("bits").get<std::string>(), nullptr, 16), 4);
    PutLe(header, v.at("nonce").get<uint32_t>(), 4);
    ASSERT_EQ(header.size(), 80u);
    EXPECT_EQ(DisplayHex(Sha256dHash(header)), v.at("block_hash").get<std::string>());
  }
}

TEST(Sha256Test, BitcoinGenesisCoinbase) {
  const auto doc = LoadJson("sha256_vectors.json");
  const auto& v = doc.at("sha256d_genesis_coinbase");
  const Bytes script_sig = Hex(v.at("script_sig").get<std::string>());
  const Bytes script_pubkey = Hex(v.at("script_pubkey").get<std::string>());
  ASSERT_EQ(script_sig.size(), 0x4du);
  ASSERT_EQ(script_pubkey.size(), 0x43u);

  Bytes tx;
  PutLe(tx, v.at("version").get<uint32_t>(), 4);
  tx.push_back(0x01);
  tx.insert(tx.end(), 32, 0x00);
  PutLe(tx, 0xffffffff, 4);
  tx.push_back(0x4d);
  tx.insert(tx.end(), script_sig.begin(), script_sig.end());
  PutLe(tx, v.at("sequence").get<uint32_t>(), 4);
  tx.push_back(0x01);
  PutLe(tx, v.at("value").get<uint64_t>(), 8);
  tx.push_back(0x43);
  tx.insert(tx.end(), script_pubkey.begin(), script_pubkey.end());
  PutLe(tx, v.at("lock_time").get<uint32_t>(), 4);

  const std::string txid = DisplayHex(Sha256dHash(tx));
  EXPECT_EQ(txid, v.at("txid").get<std::string>());
  // A block of one tx has that tx's id as its (Bitcoin) Merkle root.
  for (const auto& header : doc.at("sha256d_genesis_headers")) {
    EXPECT_EQ(txid, header.at("merkle_root").get<std::string>());
  }
}

TEST(Sha256Test, DoubleHashIsHashOfHash) {
  for (std::string_view s : {"", "abc", "Waybill"}) {
    EXPECT_EQ(Sha256dHash(Ascii(s)), Sha256Hash(Sha256Hash(Ascii(s)).span()));
  }
}

TEST(Sha256Test, IncrementalMatchesOneShotOverRandomSplits) {
  std::mt19937_64 rng(20240601);
  for (int iter = 0; iter < 500; ++iter) {
    const size_t len = rng() % 1100;  // crosses many 64-byte block boundaries
    const Bytes data = RandomBytes(rng, len);
    const Hash256 expected = Sha256Hash(data);

    Sha256 hasher;
    size_t pos = 0;
    while (pos < len) {
      // Mix tiny, block-sized and large pieces, including empty writes.
      const size_t max_piece = (rng() % 3 == 0) ? 130 : 8;
      const size_t piece = std::min<size_t>(rng() % (max_piece + 1), len - pos);
      hasher.Write(ByteSpan(data).subspan(pos, piece));
      pos += piece;
    }
    ASSERT_EQ(hasher.Finalize(), expected) << "len " << len;
  }
}

TEST(Sha256Test, FinalizeDoesNotDisturbState) {
  std::mt19937_64 rng(7);
  const Bytes a = RandomBytes(rng, 100);
  const Bytes b = RandomBytes(rng, 77);
  Bytes ab = a;
  ab.insert(ab.end(), b.begin(), b.end());

  Sha256 hasher;
  hasher.Write(a);
  const Hash256 first = hasher.Finalize();
  EXPECT_EQ(first, Sha256Hash(a));
  EXPECT_EQ(hasher.Finalize(), first);  // calling it twice gives the same answer
  hasher.Write(b);                      // and the stream continues where it was
  EXPECT_EQ(hasher.Finalize(), Sha256Hash(ab));
  EXPECT_EQ(Sha256().Finalize(), Sha256Hash({}));
}

TEST(Sha256Test, CopyCarriesTheState) {
  Sha256 prefix;
  prefix.Write("common prefix that is longer than one sixty-four byte SHA-256 block......");
  Sha256 copy = prefix;
  copy.Write("tail");
  EXPECT_EQ(prefix.Finalize(),
            Sha256Hash(Ascii("common prefix that is longer than one sixty-four byte SHA-256 "
                             "block......")));
  EXPECT_EQ(copy.Finalize(),
            Sha256Hash(Ascii("common prefix that is longer than one sixty-four byte SHA-256 "
                             "block......tail")));
  Sha256 assigned;
  assigned = copy;
  EXPECT_EQ(assigned.Finalize(), copy.Finalize());
}

Hash256 ManualTaggedHash(std::string_view tag, ByteSpan msg) {
  const Hash256 t = Sha256Hash(Ascii(tag));
  Bytes buf(t.bytes.begin(), t.bytes.end());
  buf.insert(buf.end(), t.bytes.begin(), t.bytes.end());
  buf.insert(buf.end(), msg.begin(), msg.end());
  return Sha256Hash(buf);
}

TEST(TaggedHashTest, MatchesManualComputation) {
  std::mt19937_64 rng(99);
  const std::vector<std::string_view> all_tags = {
      tags::kTxId,
      tags::kTxSig,
      tags::kAssetId,
      tags::kAssetEvent,
      tags::kGenesis,
      tags::kDevKey,
      tags::kSigCache,
      "TapLeaf",
      "BIP0340/challenge",
      "",
      "a tag longer than one SHA-256 block, so that hashing the tag takes two compressions"};
  for (std::string_view tag : all_tags) {
    for (size_t len : {0, 1, 32, 64, 200}) {
      const Bytes msg = RandomBytes(rng, len);
      const Hash256 expected = ManualTaggedHash(tag, msg);
      EXPECT_EQ(TaggedHash(tag, msg), expected) << tag << " " << len;
      EXPECT_EQ(TaggedHasher(tag).Write(msg).Finalize(), expected) << tag << " " << len;
    }
  }
}

TEST(TaggedHashTest, TagsSeparateDomains) {
  const Bytes msg = {1, 2, 3};
  EXPECT_NE(TaggedHash(tags::kTxId, msg), TaggedHash(tags::kTxSig, msg));
  EXPECT_NE(TaggedHash(tags::kTxId, msg), Sha256Hash(msg));
}

TEST(TaggedHashTest, ConcurrentFirstUseIsConsistent) {
  const Bytes msg = {42};
  const Hash256 expected = ManualTaggedHash(tags::kAssetId, msg);
  std::vector<std::thread> threads;
  std::vector<Hash256> results(8);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 200; ++j) results[i] = TaggedHash(tags::kAssetId, msg);
    });
  }
  for (auto& t : threads) t.join();
  for (const Hash256& r : results) EXPECT_EQ(r, expected);
}

// BIP-341: TapLeaf and TapBranch hashes, the TapTweak, the tweaked output key and its address.
TEST(TaggedHashTest, Bip341TaprootOutputs) {
  const auto doc = LoadJson("tagged_hash_vectors.json");
  ASSERT_EQ(doc.at("vectors").size(), 3u);
  for (const auto& v : doc.at("vectors")) {
    SCOPED_TRACE("bip341 index " + std::to_string(v.at("bip341_index").get<int>()));
    const auto& leaves = v.at("leaves");
    ASSERT_EQ(leaves.size(), v.at("leaf_hashes").size());

    std::vector<Hash256> leaf_hashes;
    for (size_t i = 0; i < leaves.size(); ++i) {
      const Bytes script = Hex(leaves[i].at("script").get<std::string>());
      ASSERT_LT(script.size(), 253u);  // one-byte compact size
      Bytes msg = {leaves[i].at("leaf_version").get<uint8_t>(),
                   static_cast<uint8_t>(script.size())};
      msg.insert(msg.end(), script.begin(), script.end());
      leaf_hashes.push_back(TaggedHash("TapLeaf", msg));
      EXPECT_EQ(leaf_hashes.back().ToHex(), v.at("leaf_hashes")[i].get<std::string>());
    }

    std::optional<Hash256> merkle_root;
    if (leaf_hashes.size() == 1) {
      merkle_root = leaf_hashes[0];
    } else if (leaf_hashes.size() == 2) {
      std::sort(leaf_hashes.begin(), leaf_hashes.end());  // lexicographic byte order
      Bytes msg(leaf_hashes[0].bytes.begin(), leaf_hashes[0].bytes.end());
      msg.insert(msg.end(), leaf_hashes[1].bytes.begin(), leaf_hashes[1].bytes.end());
      merkle_root = TaggedHash("TapBranch", msg);
    }
    if (v.at("merkle_root").is_null()) {
      EXPECT_FALSE(merkle_root.has_value());
    } else {
      ASSERT_TRUE(merkle_root.has_value());
      EXPECT_EQ(merkle_root->ToHex(), v.at("merkle_root").get<std::string>());
    }

    const auto internal_key = Hash256::FromHex(v.at("internal_pubkey").get<std::string>());
    ASSERT_TRUE(internal_key.has_value());
    Sha256 tweak_hasher = TaggedHasher("TapTweak");
    tweak_hasher.Write(internal_key->span());
    if (merkle_root) tweak_hasher.Write(merkle_root->span());
    const Hash256 tweak = tweak_hasher.Finalize();
    EXPECT_EQ(tweak.ToHex(), v.at("tweak").get<std::string>());

    const std::optional<AccountId> tweaked = TweakXOnly(*internal_key, tweak);
    ASSERT_TRUE(tweaked.has_value());
    EXPECT_EQ(tweaked->ToHex(), v.at("tweaked_pubkey").get<std::string>());

    const std::optional<std::string> address = bech32::EncodeSegwit(
        "bc", 1, std::vector<uint8_t>(tweaked->bytes.begin(), tweaked->bytes.end()));
    ASSERT_TRUE(address.has_value());
    EXPECT_EQ(*address, v.at("address").get<std::string>());
  }
}

}  // namespace
}  // namespace waybill::chain
