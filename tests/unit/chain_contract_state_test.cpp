// The contract state records (chain/contract_state.h, docs/PROTOCOL.md §11.1): strict round
// trips at every bound, a refusal for each bound broken, the documented layouts, the keys
// (prefixes, order, that they are state keys and not index keys, so undo data records them)
// and the read helpers over a StateCache.
#include "chain/contract_state.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"

namespace waybill::chain {
namespace {

namespace fs = std::filesystem;

Hash256 H(uint8_t seed) {
  Hash256 h;
  for (size_t i = 0; i < h.bytes.size(); ++i) h.bytes[i] = static_cast<uint8_t>(seed * 7 + i);
  return h;
}

ContractRecord FullContract() {
  return ContractRecord{H(1), H(2), 0xfffffff0, H(3), static_cast<uint32_t>(kMaxContractCodeSize)};
}

// Every list at its maximum, every effect kind.
CallRecord FullCall() {
  CallRecord r;
  r.contract = H(3);
  r.entry = std::string(kMaxContractEntryLen, 'e');
  r.outcome = 3;
  r.error = 27;
  r.detail = std::string(kMaxCallDetailLen, 'd');
  r.error_offset = 0x01020304;
  r.abort_code = 0xffffffffffffffff;
  r.gas_used = 123456;
  r.gas_limit = 1'000'000;
  for (size_t i = 0; i < kMaxCallLogs; ++i) {
    r.logs.push_back(Bytes(i == 0 ? kMaxCallLogBytes : i, static_cast<uint8_t>('a' + i)));
  }
  for (size_t i = 0; i < kMaxCallEffects; ++i) {
    const auto n = static_cast<uint8_t>(i);
    switch (i % 4) {
      case 0:
        r.effects.push_back({ContractEffectKind::kCoins, H(n), 1000 + i, {}, {}, {}});
        break;
      case 1:
        r.effects.push_back({ContractEffectKind::kAsset, H(n), 0, H(n + 1), {}, {}});
        break;
      case 2:
        r.effects.push_back(
            {ContractEffectKind::kSplit, {}, 500 + i, H(n), {}, {H(n + 1), H(n + 2)}});
        break;
      default:
        r.effects.push_back({ContractEffectKind::kMerge, {}, 0, H(n), H(n + 1), {H(n + 2)}});
        break;
    }
  }
  return r;
}

TEST(ContractRecord, RoundTripsAndIsTheDocumentedLayout) {
  for (const ContractRecord& c : {FullContract(), ContractRecord{}}) {
    const Bytes enc = EncodeContractRecord(c);
    auto d = DecodeContractRecord(enc);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, c);
    EXPECT_EQ(EncodeContractRecord(*d), enc);
    for (size_t n = 0; n < enc.size(); ++n) {
      EXPECT_FALSE(DecodeContractRecord(ByteSpan(enc.data(), n)).ok()) << n;
    }
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(DecodeContractRecord(longer).ok());
  }
  // deployer · deploy_txid · u32 height · code_hash · u32 code_size: 104 bytes, whatever the
  // code's size (a call reads this, not the code).
  const ContractRecord small{H(1), H(2), 5, H(4), 9};
  Writer w;
  w.Hash(H(1));
  w.Hash(H(2));
  w.U32(5);
  w.Hash(H(4));
  w.U32(9);
  EXPECT_EQ(HexEncode(EncodeContractRecord(small)), HexEncode(w.bytes()));
  EXPECT_EQ(EncodeContractRecord(FullContract()).size(), 104u);
  // The code hash is SHA-256 of the code.
  const Bytes code{0xaa, 0xbb};
  EXPECT_EQ(ContractCodeHash(code), Sha256Hash(code));
}

TEST(ContractRecord, CodeSizeOverItsBoundIsRefused) {
  ContractRecord c = FullContract();
  c.code_size += 1;
  auto d = DecodeContractRecord(EncodeContractRecord(c));
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().IsInvalid());
}

// 'j': u64 little-endian, nothing else.
TEST(ContractCallCount, RoundTripsAndRefusesOtherLengths) {
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{0x0102030405060708}}) {
    const Bytes enc = EncodeCallCount(n);
    Writer w;
    w.U64(n);
    EXPECT_EQ(enc, w.bytes());
    auto d = DecodeCallCount(enc);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, n);
    EXPECT_FALSE(DecodeCallCount(ByteSpan(enc.data(), 7)).ok());
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(DecodeCallCount(longer).ok());
  }
}

TEST(CallRecord, RoundTripsAtEveryBound) {
  CallRecord success;
  success.contract = H(7);
  success.entry = "pay";
  success.gas_used = 10;
  success.gas_limit = 100;
  success.logs = {Bytes{'p', 'a', 'i', 'd'}};
  success.effects = {{ContractEffectKind::kCoins, H(8), 5, {}, {}, {}}};
  for (const CallRecord& r : {FullCall(), CallRecord{}, success}) {
    const Bytes enc = EncodeCallRecord(r);
    auto d = DecodeCallRecord(enc);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, r);
    EXPECT_EQ(EncodeCallRecord(*d), enc);
    for (size_t n = 0; n < enc.size(); n += (n < 256 ? 1 : 53)) {
      EXPECT_FALSE(DecodeCallRecord(ByteSpan(enc.data(), n)).ok()) << n;
    }
    Bytes longer = enc;
    longer.push_back(0);
    auto t = DecodeCallRecord(longer);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().reason().find("trailing"), std::string::npos) << t.status().ToString();
  }
}

// One refusal for each bound of §11.1 broken by one.
TEST(CallRecord, EveryBoundBrokenIsRefused) {
  const auto refused = [](const CallRecord& r) {
    auto d = DecodeCallRecord(EncodeCallRecord(r));
    return !d.ok() && d.status().IsInvalid();
  };
  ASSERT_FALSE(refused(FullCall()));
  CallRecord r = FullCall();
  r.entry.push_back('e');
  EXPECT_TRUE(refused(r));
  r = FullCall();
  r.outcome = kCallOutcomeMax + 1;
  EXPECT_TRUE(refused(r));
  r = FullCall();
  r.detail.push_back('d');
  EXPECT_TRUE(refused(r));
  r = FullCall();
  r.logs.push_back({});
  EXPECT_TRUE(refused(r));
  r = FullCall();
  r.logs[0].push_back(0);
  EXPECT_TRUE(refused(r));
  r = FullCall();
  r.effects.push_back(r.effects[0]);
  EXPECT_TRUE(refused(r));
}

TEST(CallRecord, UnknownEffectKindIsRefused) {
  CallRecord r;
  r.effects = {{ContractEffectKind::kCoins, H(8), 5, {}, {}, {}}};
  Bytes enc = EncodeCallRecord(r);
  // The effect is last: kind u8 · to · u64 amount.
  const size_t kind = enc.size() - 1 - 32 - 8;
  ASSERT_EQ(enc[kind], 1);
  for (uint8_t bad : {0, 5, 0xff}) {
    Bytes b = enc;
    b[kind] = bad;
    auto d = DecodeCallRecord(b);
    ASSERT_FALSE(d.ok()) << int(bad);
    EXPECT_NE(d.status().reason().find("unknown contract effect kind"), std::string::npos)
        << d.status().ToString();
  }
}

TEST(CallRecord, EffectsAreTheDocumentedLayout) {
  CallRecord r;
  r.contract = H(1);
  r.entry = "go";
  r.effects = {{ContractEffectKind::kSplit, {}, 7, H(2), {}, {H(3), H(4)}},
               {ContractEffectKind::kMerge, {}, 0, H(3), H(4), {H(5)}}};
  Writer w;
  w.Hash(H(1));
  w.String("go");
  w.U8(0);                     // outcome
  w.U8(0);                     // error
  w.String("");                // detail
  w.U32(0);                    // error_offset
  for (int i = 0; i < 3; ++i) w.U64(0);  // abort_code, gas_used, gas_limit
  w.CompactSize(0);            // logs
  w.CompactSize(2);
  w.U8(3);
  w.Hash(H(2));
  w.U64(7);  // the first child's quantity
  for (uint8_t h : {3, 4}) w.Hash(H(h));
  w.U8(4);
  for (uint8_t h : {3, 4, 5}) w.Hash(H(h));
  EXPECT_EQ(HexEncode(EncodeCallRecord(r)), HexEncode(w.bytes()));
  EXPECT_STREQ(ContractEffectKindName(ContractEffectKind::kCoins), "coins");
  EXPECT_STREQ(ContractEffectKindName(ContractEffectKind::kAsset), "asset");
  EXPECT_STREQ(ContractEffectKindName(ContractEffectKind::kSplit), "split");
  EXPECT_STREQ(ContractEffectKindName(ContractEffectKind::kMerge), "merge");
}

TEST(CallRecord, DetailIsCutToItsBound) {
  EXPECT_EQ(TruncateCallDetail("short"), "short");
  EXPECT_EQ(TruncateCallDetail(std::string(kMaxCallDetailLen + 40, 'x')).size(),
            kMaxCallDetailLen);
}

TEST(ContractEventId, IsTheDocumentedTaggedHash) {
  Writer w;
  w.Hash(H(1));
  w.Hash(H(2));
  w.U32(3);
  EXPECT_EQ(ContractEventId(H(1), H(2), 3), TaggedHash("Waybill/ContractEvent", w.bytes()));
  EXPECT_NE(ContractEventId(H(1), H(2), 3), ContractEventId(H(1), H(2), 4));
  EXPECT_NE(ContractEventId(H(1), H(2), 0), AssetEventId(H(1), H(2)));
}

TEST(ContractKeys, LayoutsAndPrefixes) {
  const std::string contract = keys::Contract(H(1));
  EXPECT_EQ(contract.size(), 33u);
  EXPECT_EQ(contract[0], 'o');
  const Bytes key = {'k', 'e', 'y'};
  const std::string storage = keys::ContractStorage(H(1), key);
  EXPECT_EQ(storage, keys::ContractStoragePrefix(H(1)) + "key");
  EXPECT_EQ(storage[0], 'w');
  EXPECT_EQ(keys::CallRecord(H(2))[0], 'k');
  // u64 big-endian sequence: LevelDB's order is the calls' order.
  const std::string call = keys::ContractCall(H(1), 0x0102030405060708);
  ASSERT_EQ(call.size(), 41u);
  EXPECT_EQ(call[0], 'l');
  EXPECT_EQ(call.substr(33), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_LT(keys::ContractCall(H(1), 255), keys::ContractCall(H(1), 256));
  // 'v' || asset || str claim || attester.
  const std::string att = keys::Attestation(H(1), "temp", H(2));
  ASSERT_EQ(att.size(), 1 + 32 + 1 + 4 + 32u);
  EXPECT_EQ(att[0], 'v');
  EXPECT_EQ(att.substr(33, 5), std::string("\x04temp", 5));
  // 'q' || contract id (the code), 'j' || contract id (the call count).
  EXPECT_EQ(keys::ContractCode(H(1)), "q" + contract.substr(1));
  EXPECT_EQ(keys::ContractCallCount(H(1)), "j" + contract.substr(1));
  // Plain state keys: verifychain, the state digest and reindex cover them, and the undo data
  // records their previous values (no index key is derived from the asset records).
  for (const std::string& k : {contract, storage, keys::CallRecord(H(2)), call, att,
                               keys::ContractCode(H(1)), keys::ContractCallCount(H(1))}) {
    EXPECT_TRUE(keys::IsStateKey(k)) << k[0];
    EXPECT_FALSE(keys::IsIndexKey(k)) << k[0];
  }
}

// The helpers read through a StateCache as the state transition writes them, and its undo
// data holds every one of the keys with its previous value.
TEST(ContractState, ReadHelpersAndUndo) {
  MemoryKv base;
  StateCache cache(&base);
  const AccountId id = H(1);
  auto none = ReadContract(cache, id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto no_calls = RecentContractCalls(cache, id, 10);
  ASSERT_TRUE(no_calls.ok());
  EXPECT_TRUE(no_calls->empty());
  auto no_count = ReadContractCallCount(cache, id);
  ASSERT_TRUE(no_count.ok());
  EXPECT_EQ(*no_count, 0u);
  auto no_code = ReadContractCode(cache, id);
  ASSERT_TRUE(no_code.ok());
  EXPECT_FALSE(no_code->has_value());

  const Bytes code{1, 2, 3};
  ContractRecord c{H(2), H(3), 4, ContractCodeHash(code), 3};
  cache.Put(keys::Contract(id), EncodeContractRecord(c));
  cache.Put(keys::ContractCode(id), code);
  cache.Put(keys::ContractCallCount(id), EncodeCallCount(3));
  for (uint64_t seq = 0; seq < 3; ++seq) {
    const Hash256 txid = H(static_cast<uint8_t>(10 + seq));
    cache.Put(keys::ContractCall(id, seq), Bytes(txid.bytes.begin(), txid.bytes.end()));
  }
  CallRecord r;
  r.contract = id;
  r.entry = "pay";
  cache.Put(keys::CallRecord(H(12)), EncodeCallRecord(r));
  cache.Put(keys::ContractStorage(id, Bytes{'b'}), Bytes{2});
  cache.Put(keys::ContractStorage(id, Bytes{'a'}), Bytes{1});
  cache.Put(keys::ContractStorage(H(2), Bytes{'a'}), Bytes{9});  // another contract's

  auto read = ReadContract(cache, id);
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ(**read, c);
  auto read_code = ReadContractCode(cache, id);
  ASSERT_TRUE(read_code.ok() && read_code->has_value());
  EXPECT_EQ(**read_code, code);
  auto count = ReadContractCallCount(cache, id);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 3u);
  auto recent = RecentContractCalls(cache, id, 2);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  EXPECT_EQ(*recent, (std::vector<Hash256>{H(12), H(11)}));
  auto all = RecentContractCalls(cache, id, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  auto call = ReadCallRecord(cache, H(12));
  ASSERT_TRUE(call.ok() && call->has_value());
  EXPECT_EQ(**call, r);
  auto missing = ReadCallRecord(cache, H(13));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto undo = cache.MakeUndo();
  ASSERT_TRUE(undo.ok());
  EXPECT_EQ(undo->entries.size(), cache.changes().size());
  for (const auto& e : undo->entries) EXPECT_FALSE(e.previous.has_value()) << e.key[0];

  // The storage listing scans a store (a prefix scan): write the overlay to one. Another
  // contract's keys, under the same prefix letter, are not listed; a key past kMaxStorageKeyBytes
  // is damage.
  const fs::path dir = fs::temp_directory_path() /
                       ("waybill_contract_state_test_" + std::to_string(getpid()) + "_" +
                        std::to_string(std::random_device{}()));
  fs::remove_all(dir);
  {
    auto store = Store::Open(dir.string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StoreBatch batch;
    cache.WriteTo(&batch);
    ASSERT_TRUE((*store)->Write(batch).ok());
    auto listed = ListContractStorage(**store, id, 10);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0], (std::pair<Bytes, Bytes>{Bytes{'a'}, Bytes{1}}));
    EXPECT_EQ((*listed)[1], (std::pair<Bytes, Bytes>{Bytes{'b'}, Bytes{2}}));
    auto one = ListContractStorage(**store, id, 1);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(one->size(), 1u);
    auto zero = ListContractStorage(**store, id, 0);
    ASSERT_TRUE(zero.ok());
    EXPECT_TRUE(zero->empty());
    StoreBatch damage;
    damage.Put(keys::ContractStorage(id, Bytes(kMaxStorageKeyBytes + 1, 'z')), Bytes{1});
    ASSERT_TRUE((*store)->Write(damage).ok());
    auto damaged = ListContractStorage(**store, id, 10);
    ASSERT_FALSE(damaged.ok());
    EXPECT_EQ(damaged.status().code(), Status::Code::kCorruption);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

TEST(ContractState, DamagedRecordsAreCorruption) {
  MemoryKv base;
  StateCache cache(&base);
  cache.Put(keys::Contract(H(1)), Bytes{0xff});
  auto c = ReadContract(cache, H(1));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kCorruption);
  cache.Put(keys::CallRecord(H(2)), Bytes{0x00});
  auto r = ReadCallRecord(cache, H(2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  // A contract that counts a call whose 'l' key is missing.
  cache.Put(keys::ContractCallCount(H(3)), EncodeCallCount(1));
  auto calls = RecentContractCalls(cache, H(3), 5);
  ASSERT_FALSE(calls.ok());
  EXPECT_EQ(calls.status().code(), Status::Code::kCorruption);
  // A count that is not 8 bytes, code over its bound.
  cache.Put(keys::ContractCallCount(H(4)), Bytes{1, 2, 3});
  auto count = ReadContractCallCount(cache, H(4));
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().code(), Status::Code::kCorruption);
  cache.Put(keys::ContractCode(H(5)), Bytes(kMaxContractCodeSize + 1, 0));
  auto code = ReadContractCode(cache, H(5));
  ASSERT_FALSE(code.ok());
  EXPECT_EQ(code.status().code(), Status::Code::kCorruption);
}

}  // namespace
}  // namespace waybill::chain
