// Encodings of the state records (docs/PROTOCOL.md "Storage").
//
// Every record is its fields in declaration order, with the primitives of chain/serialize.h:
// u8/u32/u64 little-endian fixed width, hash = 32 raw bytes, str(max) = CompactSize length
// (minimal, at most max) || bytes, list<T>(max) = CompactSize count (minimal, at most max) ||
// count x T. Decoders are strict: a length over its bound, a non-minimal CompactSize, an
// unknown enum value or trailing bytes make the record invalid.
//
// Account (16 bytes)
//   field           type                  bytes
//   balance         u64                   8
//   nonce           u64                   8
//
// Asset
//   field           type                  bytes
//   id              hash                  32
//   issuer          hash                  32
//   custodian       hash                  32
//   quantity        u64                   8
//   unit            str(16)               1 + 0..16
//   metadata        list<entry>(16)       1 + n x entry; entry = key str(32) || value str(256)
//   documents       list<hash>(8)         1 + 32n
//   status          u8                    1      0 open, 1 split, 2 merged
//   created_height  u32                   4
//   created_tx      hash                  32
//   last_event      hash                  32
//   event_count     u32                   4
//   parents         list<hash>(16)        1 + 32n
//   children        list<hash>(16)        1 + 32n
//
// AssetEvent
//   field           type                  bytes
//   id              hash                  32     tagged_hash("Waybill/AssetEvent", txid || asset)
//   asset           hash                  32
//   sequence        u32                   4
//   type            u8                    1      1 issue, 2 transfer, 3 split, 4 split_child,
//                                                5 merge, 6 merge_output, 7 attest
//   prev_event      hash                  32
//   txid            hash                  32
//   height          u32                   4
//   time            u32                   4
//   actor           hash                  32
//   counterparty    hash                  32
//   related         list<hash>(16)        1 + 32n
//   claim           str(32)               1 + 0..32
//   value           str(256)              1..3 + 0..256
//   document        hash                  32
//
// TxLocation (40 bytes)
//   field           type                  bytes
//   block           hash                  32
//   height          u32                   4
//   index           u32                   4
//
// Keys: one prefix byte, then raw 32-byte ids; integers in keys are u32 big-endian so that
// LevelDB's bytewise order is numeric order (see chain/state.h keys::).
#include "chain/state.h"

#include <algorithm>

#include "chain/hash.h"
#include "chain/lists.h"
#include "chain/serialize.h"

namespace waybill::chain {
namespace {

// Bound of the asset-link lists (parents, children, related).
constexpr size_t kMaxLinks = std::max(kMaxSplitParts, kMaxMergeInputs);

bool ReadAssetStatus(Reader& r, AssetStatus* out) {
  uint8_t v;
  if (!r.U8(&v)) return false;
  if (v > static_cast<uint8_t>(AssetStatus::kMerged)) {
    return r.Fail("unknown asset status " + std::to_string(v));
  }
  *out = static_cast<AssetStatus>(v);
  return true;
}

bool ReadEventType(Reader& r, EventType* out) {
  uint8_t v;
  if (!r.U8(&v)) return false;
  if (v < static_cast<uint8_t>(EventType::kIssue) || v > static_cast<uint8_t>(EventType::kAttest)) {
    return r.Fail("unknown event type " + std::to_string(v));
  }
  *out = static_cast<EventType>(v);
  return true;
}

void AppendBigEndian32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

std::string KeyWithHash(char prefix, const Hash256& h) {
  std::string key;
  key.reserve(1 + Hash256::kSize);
  key.push_back(prefix);
  key.append(reinterpret_cast<const char*>(h.data()), Hash256::kSize);
  return key;
}

}  // namespace

const char* AssetStatusName(AssetStatus s) {
  switch (s) {
    case AssetStatus::kOpen:
      return "open";
    case AssetStatus::kSplit:
      return "split";
    case AssetStatus::kMerged:
      return "merged";
  }
  return "unknown";
}

const char* EventTypeName(EventType t) {
  switch (t) {
    case EventType::kIssue:
      return "issue";
    case EventType::kTransfer:
      return "transfer";
    case EventType::kSplit:
      return "split";
    case EventType::kSplitChild:
      return "split_child";
    case EventType::kMerge:
      return "merge";
    case EventType::kMergeOutput:
      return "merge_output";
    case EventType::kAttest:
      return "attest";
  }
  return "unknown";
}

Hash256 AssetEventId(const Hash256& txid, const Hash256& asset) {
  Sha256 h = TaggedHasher(tags::kAssetEvent);
  h.Write(txid.span());
  h.Write(asset.span());
  return h.Finalize();
}

Bytes EncodeAccount(const Account& a) {
  Writer w;
  w.U64(a.balance);
  w.U64(a.nonce);
  return w.Take();
}

Result<Account> DecodeAccount(ByteSpan data) {
  Reader r(data);
  Account a;
  (void)(r.U64(&a.balance) && r.U64(&a.nonce));
  if (Status s = r.Finish("account"); !s.ok()) return s;
  return a;
}

Bytes EncodeAsset(const Asset& a) {
  Writer w;
  w.Hash(a.id);
  w.Hash(a.issuer);
  w.Hash(a.custodian);
  w.U64(a.quantity);
  w.String(a.unit);
  WriteMetadata(w, a.metadata);
  WriteHashes(w, a.documents);
  w.U8(static_cast<uint8_t>(a.status));
  w.U32(a.created_height);
  w.Hash(a.created_tx);
  w.Hash(a.last_event);
  w.U32(a.event_count);
  WriteHashes(w, a.parents);
  WriteHashes(w, a.children);
  return w.Take();
}

Result<Asset> DecodeAsset(ByteSpan data) {
  Reader r(data);
  Asset a;
  (void)(r.Hash(&a.id) && r.Hash(&a.issuer) && r.Hash(&a.custodian) && r.U64(&a.quantity) &&
         r.String(&a.unit, kMaxUnitLen) && ReadMetadata(r, &a.metadata) &&
         ReadHashes(r, &a.documents, 0, kMaxDocuments) && ReadAssetStatus(r, &a.status) &&
         r.U32(&a.created_height) && r.Hash(&a.created_tx) && r.Hash(&a.last_event) &&
         r.U32(&a.event_count) && ReadHashes(r, &a.parents, 0, kMaxLinks) &&
         ReadHashes(r, &a.children, 0, kMaxLinks));
  if (Status s = r.Finish("asset"); !s.ok()) return s;
  return a;
}

Bytes EncodeAssetEvent(const AssetEvent& e) {
  Writer w;
  w.Hash(e.id);
  w.Hash(e.asset);
  w.U32(e.sequence);
  w.U8(static_cast<uint8_t>(e.type));
  w.Hash(e.prev_event);
  w.Hash(e.txid);
  w.U32(e.height);
  w.U32(e.time);
  w.Hash(e.actor);
  w.Hash(e.counterparty);
  WriteHashes(w, e.related);
  w.String(e.claim);
  w.String(e.value);
  w.Hash(e.document);
  return w.Take();
}

Result<AssetEvent> DecodeAssetEvent(ByteSpan data) {
  Reader r(data);
  AssetEvent e;
  (void)(r.Hash(&e.id) && r.Hash(&e.asset) && r.U32(&e.sequence) && ReadEventType(r, &e.type) &&
         r.Hash(&e.prev_event) && r.Hash(&e.txid) && r.U32(&e.height) && r.U32(&e.time) &&
         r.Hash(&e.actor) && r.Hash(&e.counterparty) && ReadHashes(r, &e.related, 0, kMaxLinks) &&
         r.String(&e.claim, kMaxClaimLen) && r.String(&e.value, kMaxClaimValueLen) &&
         r.Hash(&e.document));
  if (Status s = r.Finish("asset event"); !s.ok()) return s;
  return e;
}

Bytes EncodeTxLocation(const TxLocation& l) {
  Writer w;
  w.Hash(l.block);
  w.U32(l.height);
  w.U32(l.index);
  return w.Take();
}

Result<TxLocation> DecodeTxLocation(ByteSpan data) {
  Reader r(data);
  TxLocation l;
  (void)(r.Hash(&l.block) && r.U32(&l.height) && r.U32(&l.index));
  if (Status s = r.Finish("tx location"); !s.ok()) return s;
  return l;
}

namespace keys {

std::string Account(const AccountId& id) { return KeyWithHash(kAccount, id); }
std::string Asset(const Hash256& id) { return KeyWithHash(kAsset, id); }

std::string Event(const Hash256& asset, uint32_t sequence) {
  std::string key = KeyWithHash(kEvent, asset);
  AppendBigEndian32(&key, sequence);
  return key;
}

std::string EventPrefix(const Hash256& asset) { return KeyWithHash(kEvent, asset); }
std::string TxIndex(const Hash256& txid) { return KeyWithHash(kTxIndex, txid); }

std::string Height(uint32_t height) {
  std::string key(1, kHeight);
  AppendBigEndian32(&key, height);
  return key;
}

std::string BlockIndex(const Hash256& id) { return KeyWithHash(kBlockIndex, id); }
std::string Block(const Hash256& id) { return KeyWithHash(kBlock, id); }
std::string Undo(const Hash256& id) { return KeyWithHash(kUndo, id); }

std::string Meta(std::string_view name) {
  std::string key(1, kMeta);
  key.append(name);
  return key;
}

bool IsStateKey(std::string_view key) {
  if (key.empty()) return false;
  switch (key.front()) {
    case kAccount:
    case kAsset:
    case kEvent:
    case kTxIndex:
    case kHeight:
      return true;
    default:
      return false;
  }
}

}  // namespace keys
}  // namespace waybill::chain
