// State record encodings (accounts, assets, events, tx locations) and the store's key layout,
// with round-trip properties over random records and bytes (fixed seed, bounded counts).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "chain/hash.h"
#include "chain/state.h"
#include "tests/unit/chain_random.h"

namespace waybill::chain {
namespace {

Hash256 H(uint8_t seed) {
  Hash256 h;
  for (size_t i = 0; i < h.bytes.size(); ++i) h.bytes[i] = static_cast<uint8_t>(seed + i);
  return h;
}

Asset FullAsset() {
  Asset a;
  a.id = H(1);
  a.issuer = H(2);
  a.custodian = H(3);
  a.quantity = 1'200'000;
  a.unit = std::string(kMaxUnitLen, 'k');
  for (size_t i = 0; i < kMaxMetadataEntries; ++i) {
    a.metadata.push_back({"key" + std::to_string(10 + i), std::string(kMaxMetadataValueLen, 'v')});
  }
  for (size_t i = 0; i < kMaxDocuments; ++i) a.documents.push_back(H(static_cast<uint8_t>(40 + i)));
  a.status = AssetStatus::kMerged;
  a.created_height = 0x01020304;
  a.created_tx = H(4);
  a.last_event = H(5);
  a.event_count = 77;
  a.parents = {H(6), H(7)};
  for (int i = 0; i < 16; ++i) a.children.push_back(H(static_cast<uint8_t>(100 + i)));
  return a;
}

AssetEvent FullEvent() {
  AssetEvent e;
  e.txid = H(10);
  e.asset = H(11);
  e.id = AssetEventId(e.txid, e.asset);
  e.sequence = 5;
  e.type = EventType::kAttest;
  e.prev_event = H(12);
  e.height = 999;
  e.time = 1'700'000'000;
  e.actor = H(13);
  e.counterparty = H(14);
  e.related = {H(15), H(16), H(17)};
  e.claim = std::string(kMaxClaimLen, 'c');
  e.value = std::string(kMaxClaimValueLen, 'x');
  e.document = H(18);
  return e;
}

TxLocation FullLocation() { return TxLocation{H(20), 123456, 42}; }

// Decoding every proper prefix of a valid encoding fails, and so does one extra byte.
template <typename Decode>
void ExpectStrict(const Bytes& enc, Decode decode) {
  ASSERT_TRUE(decode(enc).ok());
  for (size_t n = 0; n < enc.size(); ++n) {
    auto r = decode(ByteSpan(enc.data(), n));
    EXPECT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
    if (!r.ok()) {
      EXPECT_TRUE(r.status().IsInvalid());
    }
  }
  Bytes longer = enc;
  longer.push_back(0);
  auto r = decode(longer);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().reason().find("trailing"), std::string::npos) << r.status().ToString();
}

// The exact bytes of each record (docs/PROTOCOL.md §11.1 and the layout at the top of
// chain/state.cpp), so that a change of the encoder cannot silently change what is on disk.
TEST(StateEncoding, RecordsHaveTheirDocumentedBytes) {
  auto h = [](uint8_t fill) {
    Hash256 x;
    x.bytes.fill(fill);
    return x;
  };
  EXPECT_EQ(HexEncode(EncodeAccount({0x0102030405060708, 3})), "08070605040302010300000000000000");
  Asset a;
  a.id = h(0x11);
  a.issuer = h(0x22);
  a.custodian = h(0x33);
  a.quantity = 1200;
  a.unit = "kg";
  a.metadata = {{"lot", "A7"}};
  a.documents = {h(0x44)};
  a.status = AssetStatus::kSplit;
  a.created_height = 5;
  a.created_tx = h(0x55);
  a.last_event = h(0x66);
  a.event_count = 2;
  a.parents = {};
  a.children = {h(0x77), h(0x88)};
  EXPECT_EQ(HexEncode(EncodeAsset(a)),
            "1111111111111111111111111111111111111111111111111111111111111111"
            "2222222222222222222222222222222222222222222222222222222222222222"
            "3333333333333333333333333333333333333333333333333333333333333333"
            "b004000000000000026b6701036c6f7400024137014444444444444444444444"
            "4444444444444444444444444444444444444444440105000000555555555555"
            "5555555555555555555555555555555555555555555555555555666666666666"
            "6666666666666666666666666666666666666666666666666666020000000002"
            "7777777777777777777777777777777777777777777777777777777777777777"
            "8888888888888888888888888888888888888888888888888888888888888888");
  AssetEvent e;
  e.id = h(0x01);
  e.asset = h(0x02);
  e.sequence = 1;
  e.type = EventType::kAttest;
  e.prev_event = h(0x03);
  e.txid = h(0x04);
  e.height = 9;
  e.time = 1700000000;
  e.actor = h(0x05);
  e.counterparty = h(0x00);
  e.related = {h(0x06)};
  e.claim = "temp";
  e.value = "4C";
  e.document = h(0x07);
  e.attester_certified = 1;
  EXPECT_EQ(HexEncode(EncodeAssetEvent(e)),
            "0101010101010101010101010101010101010101010101010101010101010101"
            "0202020202020202020202020202020202020202020202020202020202020202"
            "0100000007030303030303030303030303030303030303030303030303030303"
            "0303030303040404040404040404040404040404040404040404040404040404"
            "04040404040900000000f1536505050505050505050505050505050505050505"
            "0505050505050505050505050500000000000000000000000000000000000000"
            "0000000000000000000000000001060606060606060606060606060606060606"
            "06060606060606060606060606060474656d7002344307070707070707070707"
            "07070707070707070707070707070707070707070707"
            "01"   // attester_certified
            "00");  // changes
  EXPECT_EQ(HexEncode(EncodeTxLocation({h(0x09), 7, 2})),
            "0909090909090909090909090909090909090909090909090909090909090909"
            "0700000002000000");
}

TEST(StateEncoding, AccountRoundTrip) {
  Account a{0x0123456789abcdefULL, 0xfedcba9876543210ULL};
  Bytes enc = EncodeAccount(a);
  ASSERT_EQ(enc.size(), 16u);
  EXPECT_EQ(enc[0], 0xef);  // little-endian balance first
  EXPECT_EQ(enc[8], 0x10);  // then little-endian nonce
  auto d = DecodeAccount(enc);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, a);
  ExpectStrict(enc, DecodeAccount);
}

TEST(StateEncoding, AssetRoundTrip) {
  Asset a = FullAsset();
  Bytes enc = EncodeAsset(a);
  auto d = DecodeAsset(enc);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, a);
  ExpectStrict(enc, DecodeAsset);

  Asset empty;  // all lists and strings empty
  auto d2 = DecodeAsset(EncodeAsset(empty));
  ASSERT_TRUE(d2.ok()) << d2.status().ToString();
  EXPECT_EQ(*d2, empty);
}

TEST(StateEncoding, AssetEventRoundTrip) {
  AssetEvent e = FullEvent();
  Bytes enc = EncodeAssetEvent(e);
  auto d = DecodeAssetEvent(enc);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, e);
  ExpectStrict(enc, DecodeAssetEvent);

  for (uint8_t t = 1; t <= 7; ++t) {
    e.type = static_cast<EventType>(t);
    auto dt = DecodeAssetEvent(EncodeAssetEvent(e));
    ASSERT_TRUE(dt.ok());
    EXPECT_EQ(dt->type, e.type);
  }
}

TEST(StateEncoding, TxLocationRoundTrip) {
  TxLocation l = FullLocation();
  Bytes enc = EncodeTxLocation(l);
  ASSERT_EQ(enc.size(), 40u);
  auto d = DecodeTxLocation(enc);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, l);
  ExpectStrict(enc, DecodeTxLocation);
}

// The unit length byte of an asset sits after id, issuer, custodian and quantity.
constexpr size_t kAssetUnitLenOffset = 3 * 32 + 8;

TEST(StateEncoding, AssetNonCanonicalCompactSizeRejected) {
  Asset a;
  a.unit = "kg";
  Bytes enc = EncodeAsset(a);
  ASSERT_EQ(enc[kAssetUnitLenOffset], 2);
  // 2 as 0xfd 0x02 0x00: the same number, not minimal.
  Bytes bad = enc;
  bad[kAssetUnitLenOffset] = 0xfd;
  bad.insert(bad.begin() + kAssetUnitLenOffset + 1, {0x02, 0x00});
  auto d = DecodeAsset(bad);
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().IsInvalid());
  EXPECT_NE(d.status().reason().find("non-canonical"), std::string::npos);
}

TEST(StateEncoding, LimitsEnforced) {
  Asset a;
  a.unit = std::string(kMaxUnitLen + 1, 'u');
  EXPECT_FALSE(DecodeAsset(EncodeAsset(a)).ok());

  a = Asset{};
  a.metadata.resize(kMaxMetadataEntries + 1);
  EXPECT_FALSE(DecodeAsset(EncodeAsset(a)).ok());

  a = Asset{};
  a.documents.resize(kMaxDocuments + 1);
  EXPECT_FALSE(DecodeAsset(EncodeAsset(a)).ok());

  // A split's 1,000 children are the longest link list; parents (a merge's inputs) stay at 16.
  a = Asset{};
  a.children.resize(kMaxSplitParts);
  EXPECT_TRUE(DecodeAsset(EncodeAsset(a)).ok());
  a.children.resize(kMaxSplitParts + 1);
  EXPECT_FALSE(DecodeAsset(EncodeAsset(a)).ok());

  a = Asset{};
  a.parents.resize(kMaxMergeInputs);
  EXPECT_TRUE(DecodeAsset(EncodeAsset(a)).ok());
  a.parents.resize(kMaxMergeInputs + 1);
  EXPECT_FALSE(DecodeAsset(EncodeAsset(a)).ok());

  AssetEvent e;
  e.related.resize(kMaxSplitParts);
  EXPECT_TRUE(DecodeAssetEvent(EncodeAssetEvent(e)).ok());
  e.related.resize(kMaxSplitParts + 1);
  EXPECT_FALSE(DecodeAssetEvent(EncodeAssetEvent(e)).ok());
  e = AssetEvent{};
  e.claim = std::string(kMaxClaimLen + 1, 'c');
  EXPECT_FALSE(DecodeAssetEvent(EncodeAssetEvent(e)).ok());
  e = AssetEvent{};
  e.value = std::string(kMaxClaimValueLen + 1, 'v');
  EXPECT_FALSE(DecodeAssetEvent(EncodeAssetEvent(e)).ok());
}

TEST(StateEncoding, UnknownEnumValuesRejected) {
  Asset a;
  Bytes enc = EncodeAsset(a);
  // empty unit, metadata and documents: three single length bytes, then status
  const size_t status_offset = kAssetUnitLenOffset + 3;
  ASSERT_EQ(enc[status_offset], 0);
  enc[status_offset] = 4;
  EXPECT_FALSE(DecodeAsset(enc).ok());
  enc[status_offset] = 3;  // transformed
  EXPECT_TRUE(DecodeAsset(enc).ok());

  AssetEvent e;
  Bytes ev = EncodeAssetEvent(e);
  const size_t type_offset = 32 + 32 + 4;
  ASSERT_EQ(ev[type_offset], 1);
  ev[type_offset] = 9;  // transform_output
  EXPECT_TRUE(DecodeAssetEvent(ev).ok());
  ev[type_offset] = 10;  // correct
  EXPECT_TRUE(DecodeAssetEvent(ev).ok());
  for (uint8_t bad : {0, 11, 255}) {
    ev[type_offset] = bad;
    EXPECT_FALSE(DecodeAssetEvent(ev).ok()) << int(bad);
  }
}

// --- Properties over random records and random bytes (fixed seed, bounded counts) ---

class Random : public testing::RandomValues {
 public:
  using RandomValues::RandomValues;

  Account MakeAccount() { return Account{U64(), U64()}; }
  Asset MakeAsset() {
    Asset a;
    a.id = Hash();
    a.issuer = Hash();
    a.custodian = Hash();
    a.quantity = U64();
    a.unit = String(kMaxUnitLen);
    a.metadata = Metadata();
    a.documents = Hashes(0, kMaxDocuments);
    a.status = static_cast<AssetStatus>(Between(0, static_cast<size_t>(AssetStatus::kTransformed)));
    a.created_height = U32();
    a.created_tx = Hash();
    a.last_event = Hash();
    a.event_count = U32();
    a.parents = Hashes(0, kMaxMergeInputs);
    a.children = Hashes(0, kMaxSplitParts);
    return a;
  }
  AssetEvent MakeEvent() {
    AssetEvent e;
    e.id = Hash();
    e.asset = Hash();
    e.sequence = U32();
    e.type = static_cast<EventType>(
        Between(static_cast<size_t>(EventType::kIssue),
                static_cast<size_t>(EventType::kTransformOutput)));
    e.prev_event = Hash();
    e.txid = Hash();
    e.height = U32();
    e.time = U32();
    e.actor = Hash();
    e.counterparty = Hash();
    e.related = Hashes(0, kMaxSplitParts);
    e.claim = String(kMaxClaimLen);
    e.value = String(kMaxClaimValueLen);
    e.document = Hash();
    return e;
  }
  TxLocation MakeLocation() { return TxLocation{Hash(), U32(), U32()}; }
};

constexpr uint64_t kSeed = 0x57617962'5374617ULL;  // fixed: a failure reproduces

// For n random values of one record type: decode(encode(x)) == x, no truncation decodes, and
// encode(decode(bytes)) == bytes for random and mutated bytes whenever decode succeeds.
// Returns how many of the random and mutated inputs decoded.
template <typename T, typename Make, typename Encode, typename Decode>
int CheckRecord(Random& rnd, int n, Make make, Encode encode, Decode decode) {
  int decoded = 0;
  for (int i = 0; i < n; ++i) {
    const T x = make();
    const Bytes enc = encode(x);
    auto d = decode(enc);
    EXPECT_TRUE(d.ok()) << i << ": " << d.status().ToString();
    if (!d.ok()) continue;
    EXPECT_EQ(*d, x) << i;
    for (size_t cut : {size_t{0}, enc.size() - 1, rnd.Between(0, enc.size() - 1)}) {
      auto r = decode(ByteSpan(enc.data(), cut));
      EXPECT_FALSE(r.ok()) << i << " cut at " << cut;
      if (!r.ok()) {
        EXPECT_TRUE(r.status().IsInvalid());
      }
    }
    for (const Bytes& data : {rnd.Mutate(enc), rnd.Data(enc.size() + 8)}) {
      auto m = decode(data);
      if (!m.ok()) continue;
      ++decoded;
      EXPECT_EQ(encode(*m), data) << i;
    }
  }
  return decoded;
}

TEST(StateProperties, AccountsRoundTripAndHaveOneSize) {
  Random rnd(kSeed);
  const int decoded = CheckRecord<Account>(
      rnd, 300, [&] { return rnd.MakeAccount(); }, EncodeAccount, DecodeAccount);
  // Two u64s: every 16-byte input is an account, no other length is.
  EXPECT_GT(decoded, 290);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(EncodeAccount(rnd.MakeAccount()).size(), 16u);
  for (size_t n = 0; n < 40; ++n) {
    EXPECT_EQ(DecodeAccount(Bytes(n, 0xab)).ok(), n == 16) << n;
  }
}

TEST(StateProperties, AssetsRoundTrip) {
  Random rnd(kSeed + 1);
  const int decoded = CheckRecord<Asset>(
      rnd, 300, [&] { return rnd.MakeAsset(); }, EncodeAsset, DecodeAsset);
  EXPECT_GT(decoded, 50);  // mutated fixed-width fields keep decoding
}

TEST(StateProperties, AssetEventsRoundTrip) {
  Random rnd(kSeed + 2);
  const int decoded = CheckRecord<AssetEvent>(
      rnd, 300, [&] { return rnd.MakeEvent(); }, EncodeAssetEvent, DecodeAssetEvent);
  EXPECT_GT(decoded, 50);
}

TEST(StateProperties, TxLocationsRoundTripAndHaveOneSize) {
  Random rnd(kSeed + 3);
  const int decoded = CheckRecord<TxLocation>(
      rnd, 300, [&] { return rnd.MakeLocation(); }, EncodeTxLocation, DecodeTxLocation);
  EXPECT_GT(decoded, 290);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(EncodeTxLocation(rnd.MakeLocation()).size(), 40u);
}

TEST(StateEncoding, Names) {
  EXPECT_STREQ(AssetStatusName(AssetStatus::kOpen), "open");
  EXPECT_STREQ(AssetStatusName(AssetStatus::kSplit), "split");
  EXPECT_STREQ(AssetStatusName(AssetStatus::kMerged), "merged");
  EXPECT_STREQ(AssetStatusName(AssetStatus::kTransformed), "transformed");
  EXPECT_STREQ(EventTypeName(EventType::kIssue), "issue");
  EXPECT_STREQ(EventTypeName(EventType::kTransfer), "transfer");
  EXPECT_STREQ(EventTypeName(EventType::kSplit), "split");
  EXPECT_STREQ(EventTypeName(EventType::kSplitChild), "split_child");
  EXPECT_STREQ(EventTypeName(EventType::kMerge), "merge");
  EXPECT_STREQ(EventTypeName(EventType::kMergeOutput), "merge_output");
  EXPECT_STREQ(EventTypeName(EventType::kAttest), "attest");
  EXPECT_STREQ(EventTypeName(EventType::kTransform), "transform");
  EXPECT_STREQ(EventTypeName(EventType::kTransformOutput), "transform_output");
}

TEST(StateEncoding, AssetEventIdIsTaggedHashOfTxidAndAsset) {
  Hash256 txid = H(1), asset = H(2);
  Bytes msg(txid.bytes.begin(), txid.bytes.end());
  msg.insert(msg.end(), asset.bytes.begin(), asset.bytes.end());
  EXPECT_EQ(AssetEventId(txid, asset), TaggedHash(tags::kAssetEvent, msg));
  EXPECT_NE(AssetEventId(txid, asset), AssetEventId(asset, txid));
}

TEST(StateKeys, Layout) {
  Hash256 id = H(0x30);
  std::string raw(reinterpret_cast<const char*>(id.data()), 32);
  EXPECT_EQ(keys::Account(id), "a" + raw);
  EXPECT_EQ(keys::Asset(id), "s" + raw);
  EXPECT_EQ(keys::TxIndex(id), "t" + raw);
  EXPECT_EQ(keys::BlockIndex(id), "i" + raw);
  EXPECT_EQ(keys::Block(id), "b" + raw);
  EXPECT_EQ(keys::Undo(id), "u" + raw);
  EXPECT_EQ(keys::EventPrefix(id), "e" + raw);
  EXPECT_EQ(keys::Event(id, 0x01020304), "e" + raw + std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(keys::Height(0x0a0b0c0d), std::string("h\x0a\x0b\x0c\x0d", 5));
  EXPECT_EQ(keys::Meta("tip"), "mtip");
  EXPECT_EQ(keys::Event(id, 7).substr(0, 33), keys::EventPrefix(id));
}

TEST(StateKeys, BigEndianOrdersNumerically) {
  EXPECT_LT(keys::Height(1), keys::Height(256));
  EXPECT_LT(keys::Height(255), keys::Height(256));
  EXPECT_LT(keys::Height(65535), keys::Height(65536));
  EXPECT_LT(keys::Height(0), keys::Height(0xffffffff));
  Hash256 asset = H(9);
  EXPECT_LT(keys::Event(asset, 1), keys::Event(asset, 256));
  EXPECT_LT(keys::Event(asset, 0xffff), keys::Event(asset, 0x10000));
}

TEST(StateKeys, IsStateKey) {
  Hash256 id = H(3);
  EXPECT_TRUE(keys::IsStateKey(keys::Account(id)));
  EXPECT_TRUE(keys::IsStateKey(keys::Asset(id)));
  EXPECT_TRUE(keys::IsStateKey(keys::Event(id, 3)));
  EXPECT_TRUE(keys::IsStateKey(keys::TxIndex(id)));
  EXPECT_TRUE(keys::IsStateKey(keys::Height(3)));
  EXPECT_FALSE(keys::IsStateKey(keys::BlockIndex(id)));
  EXPECT_FALSE(keys::IsStateKey(keys::Block(id)));
  EXPECT_FALSE(keys::IsStateKey(keys::Undo(id)));
  EXPECT_FALSE(keys::IsStateKey(keys::Meta("tip")));
  EXPECT_FALSE(keys::IsStateKey(""));
  EXPECT_FALSE(keys::IsStateKey("z"));
}

}  // namespace
}  // namespace waybill::chain
