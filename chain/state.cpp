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
//   metadata        list<entry>(16)       1 + n x entry; entry = key str(32) || kind u8 ||
//                                                (kind 0: value str(256) | kind 1: commitment hash)
//   documents       list<hash>(8)         1 + 32n
//   status          u8                    1      0 open, 1 split, 2 merged, 3 transformed
//   created_height  u32                   4
//   created_tx      hash                  32
//   last_event      hash                  32
//   event_count     u32                   4
//   parents         list<hash>(16)        1 + 32n
//   children        list<hash>(1000)      1..3 + 32n
//
// AssetEvent
//   field           type                  bytes
//   id              hash                  32     tagged_hash("Waybill/AssetEvent", txid || asset)
//   asset           hash                  32
//   sequence        u32                   4
//   type            u8                    1      1 issue, 2 transfer, 3 split, 4 split_child,
//                                                5 merge, 6 merge_output, 7 attest,
//                                                8 transform, 9 transform_output, 10 correct
//   prev_event      hash                  32
//   txid            hash                  32
//   height          u32                   4
//   time            u32                   4
//   actor           hash                  32
//   counterparty    hash                  32
//   related         list<hash>(1000)      1..3 + 32n
//   claim           str(32)               1 + 0..32
//   value           str(256)              1..3 + 0..256  attest: claim value; correct: reason
//   document        hash                  32
//   attester_certified u8                 1      0 or 1; 1 only in an attest event
//   changes         list<change>(16)      1 + n x change; change = key str(32) || had u8 (0|1)
//                                                || [old kind u8 || value | commitment, if had]
//                                                || new kind u8 || value | commitment
//
// Party
//   field           type                  bytes
//   name            str(64)               1 + 0..64
//   role            str(32)               1 + 0..32
//   identifiers     list<entry>(8)        1 + n x entry
//   url             str(256)              1..3 + 0..256
//   document        hash                  32
//   version         u32                   4
//   updated_height  u32                   4
//   history_count   u32                   4
//
// PartyEvent
//   field           type                  bytes
//   sequence        u32                   4
//   type            u8                    1      1 profile, 2 endorse, 3 revoke
//   txid            hash                  32
//   height          u32                   4
//   time            u32                   4
//   actor           hash                  32
//   name            str(64)               1 + 0..64
//   role            str(32)               1 + 0..32
//   identifiers     list<entry>(8)        1 + n x entry
//   url             str(256)              1..3 + 0..256
//   document        hash                  32
//   version         u32                   4
//
// Endorsement (36 bytes)
//   field           type                  bytes
//   height          u32                   4
//   txid            hash                  32
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
#include <concepts>
#include <cstring>
#include <type_traits>

#include "chain/hash.h"
#include "chain/lists.h"
#include "chain/serialize.h"

namespace waybill::chain {
namespace {

// Bounds of the asset-link lists: parents (a merge's or a transform's inputs) and children or
// related (a split's children are the longest list).
constexpr size_t kMaxParents = std::max(kMaxMergeInputs, kMaxTransformInputs);
constexpr size_t kMaxLinks =
    std::max({kMaxSplitParts, kMaxMergeInputs, kMaxTransformInputs, kMaxTransformOutputs});

bool ReadAssetStatus(Reader& r, AssetStatus* out) {
  uint8_t v;
  if (!r.U8(&v)) return false;
  if (v > static_cast<uint8_t>(AssetStatus::kTransformed)) {
    return r.Fail("unknown asset status " + std::to_string(v));
  }
  *out = static_cast<AssetStatus>(v);
  return true;
}

bool ReadPartyEventType(Reader& r, PartyEventType* out) {
  uint8_t v;
  if (!r.U8(&v)) return false;
  if (v < static_cast<uint8_t>(PartyEventType::kProfile) ||
      v > static_cast<uint8_t>(PartyEventType::kRevoke)) {
    return r.Fail("unknown party event type " + std::to_string(v));
  }
  *out = static_cast<PartyEventType>(v);
  return true;
}

bool ReadFlag(Reader& r, uint8_t* out) {
  if (!r.U8(out)) return false;
  if (*out > 1) return r.Fail("flag is " + std::to_string(*out));
  return true;
}

bool ReadEventType(Reader& r, EventType* out) {
  uint8_t v;
  if (!r.U8(&v)) return false;
  if (v < static_cast<uint8_t>(EventType::kIssue) ||
      v > static_cast<uint8_t>(EventType::kCorrect)) {
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

// Each record's fields are listed once, in encoding order, for both directions (as Bitcoin
// Core's SERIALIZE_METHODS): Fields(io, record) visits them with a FieldWriter (which never
// fails) or a FieldReader (which stops at the first field that does not decode, bounds
// checked before anything is allocated).
struct FieldWriter {
  Writer w;
  bool Hash(const Hash256& h) { return w.Hash(h), true; }
  bool U32(uint32_t v) { return w.U32(v), true; }
  bool U64(uint64_t v) { return w.U64(v), true; }
  bool String(const std::string& v, size_t /*max*/) { return w.String(v), true; }
  bool Flag(uint8_t v) { return w.U8(v), true; }
  bool Metadata(const std::vector<MetadataEntry>& md, size_t /*max*/ = 0) {
    return WriteMetadata(w, md), true;
  }
  bool Changes(const std::vector<MetadataChange>& changes) {
    w.CompactSize(changes.size());
    for (const MetadataChange& c : changes) {
      w.String(c.key);
      w.U8(c.before ? 1 : 0);
      if (c.before) WriteMetaBody(w, *c.before);
      WriteMetaBody(w, c.after);
    }
    return true;
  }
  bool Hashes(const std::vector<Hash256>& v, size_t /*max*/) { return WriteHashes(w, v), true; }
  template <typename E>
  bool Enum(const E& e, bool (*)(Reader&, E*)) {
    return w.U8(static_cast<uint8_t>(e)), true;
  }
};

struct FieldReader {
  Reader r;
  bool Hash(Hash256& h) { return r.Hash(&h); }
  bool U32(uint32_t& v) { return r.U32(&v); }
  bool U64(uint64_t& v) { return r.U64(&v); }
  bool String(std::string& v, size_t max) { return r.String(&v, max); }
  bool Flag(uint8_t& v) { return ReadFlag(r, &v); }
  bool Metadata(std::vector<MetadataEntry>& md, size_t max = kMaxMetadataEntries) {
    return ReadMetadata(r, &md, 0, max);
  }
  bool Changes(std::vector<MetadataChange>& changes) {
    uint64_t n;
    if (!r.CompactSize(&n, kMaxMetadataEntries)) return false;
    changes.resize(n);
    for (MetadataChange& c : changes) {
      uint8_t had;
      if (!r.String(&c.key, kMaxMetadataKeyLen) || !r.U8(&had)) return false;
      if (had > 1) return r.Fail("invalid presence flag " + std::to_string(had));
      if (had) {
        c.before.emplace();
        c.before->key = c.key;
        if (!ReadMetaBody(r, &*c.before)) return false;
      }
      c.after.key = c.key;
      if (!ReadMetaBody(r, &c.after)) return false;
    }
    return true;
  }
  bool Hashes(std::vector<Hash256>& v, size_t max) { return ReadHashes(r, &v, 0, max); }
  template <typename E>
  bool Enum(E& e, bool (*read)(Reader&, E*)) {
    return read(r, &e);
  }
};

template <typename Io, typename A>
requires std::same_as<std::remove_const_t<A>, Account>
bool Fields(Io& io, A& a) { return io.U64(a.balance) && io.U64(a.nonce); }

template <typename Io, typename A>
requires std::same_as<std::remove_const_t<A>, Asset>
bool Fields(Io& io, A& a) {
  return io.Hash(a.id) && io.Hash(a.issuer) && io.Hash(a.custodian) && io.U64(a.quantity) &&
         io.String(a.unit, kMaxUnitLen) && io.Metadata(a.metadata) &&
         io.Hashes(a.documents, kMaxDocuments) && io.Enum(a.status, &ReadAssetStatus) &&
         io.U32(a.created_height) && io.Hash(a.created_tx) && io.Hash(a.last_event) &&
         io.U32(a.event_count) && io.Hashes(a.parents, kMaxParents) &&
         io.Hashes(a.children, kMaxLinks);
}

template <typename Io, typename E>
requires std::same_as<std::remove_const_t<E>, AssetEvent>
bool Fields(Io& io, E& e) {
  return io.Hash(e.id) && io.Hash(e.asset) && io.U32(e.sequence) &&
         io.Enum(e.type, &ReadEventType) && io.Hash(e.prev_event) && io.Hash(e.txid) &&
         io.U32(e.height) && io.U32(e.time) && io.Hash(e.actor) && io.Hash(e.counterparty) &&
         io.Hashes(e.related, kMaxLinks) && io.String(e.claim, kMaxClaimLen) &&
         io.String(e.value, kMaxClaimValueLen) && io.Hash(e.document) &&
         io.Flag(e.attester_certified) && io.Changes(e.changes);
}

template <typename Io, typename P>
requires std::same_as<std::remove_const_t<P>, Party>
bool Fields(Io& io, P& p) {
  return io.String(p.name, kMaxPartyNameLen) && io.String(p.role, kMaxRoleLen) &&
         io.Metadata(p.identifiers, kMaxIdentifiers) && io.String(p.url, kMaxUrlLen) &&
         io.Hash(p.document) && io.U32(p.version) && io.U32(p.updated_height) &&
         io.U32(p.history_count);
}

template <typename Io, typename E>
requires std::same_as<std::remove_const_t<E>, PartyEvent>
bool Fields(Io& io, E& e) {
  return io.U32(e.sequence) && io.Enum(e.type, &ReadPartyEventType) && io.Hash(e.txid) &&
         io.U32(e.height) && io.U32(e.time) && io.Hash(e.actor) &&
         io.String(e.name, kMaxPartyNameLen) && io.String(e.role, kMaxRoleLen) &&
         io.Metadata(e.identifiers, kMaxIdentifiers) && io.String(e.url, kMaxUrlLen) &&
         io.Hash(e.document) && io.U32(e.version);
}

template <typename Io, typename E>
requires std::same_as<std::remove_const_t<E>, Endorsement>
bool Fields(Io& io, E& e) { return io.U32(e.height) && io.Hash(e.txid); }

template <typename Io, typename L>
requires std::same_as<std::remove_const_t<L>, TxLocation>
bool Fields(Io& io, L& l) { return io.Hash(l.block) && io.U32(l.height) && io.U32(l.index); }

template <typename Record>
Bytes EncodeRecord(const Record& x) {
  FieldWriter io;
  (void)Fields(io, x);
  return io.w.Take();
}

// Strict: every field decodes and nothing is left over.
template <typename Record>
Result<Record> DecodeRecord(ByteSpan data, const char* what) {
  FieldReader io{Reader(data)};
  Record x;
  (void)Fields(io, x);
  if (Status s = io.r.Finish(what); !s.ok()) return s;
  return x;
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
    case AssetStatus::kTransformed:
      return "transformed";
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
    case EventType::kTransform:
      return "transform";
    case EventType::kTransformOutput:
      return "transform_output";
    case EventType::kCorrect:
      return "correct";
  }
  return "unknown";
}

const char* PartyEventTypeName(PartyEventType t) {
  switch (t) {
    case PartyEventType::kProfile:
      return "profile";
    case PartyEventType::kEndorse:
      return "endorse";
    case PartyEventType::kRevoke:
      return "revoke";
  }
  return "unknown";
}

Hash256 AssetEventId(const Hash256& txid, const Hash256& asset) {
  Sha256 h = TaggedHasher(tags::kAssetEvent);
  h.Write(txid.span());
  h.Write(asset.span());
  return h.Finalize();
}

Bytes EncodeAccount(const Account& a) { return EncodeRecord(a); }

Result<Account> DecodeAccount(ByteSpan data) { return DecodeRecord<Account>(data, "account"); }

Bytes EncodeAsset(const Asset& a) { return EncodeRecord(a); }

Result<Asset> DecodeAsset(ByteSpan data) { return DecodeRecord<Asset>(data, "asset"); }

Bytes EncodeAssetEvent(const AssetEvent& e) { return EncodeRecord(e); }

Result<AssetEvent> DecodeAssetEvent(ByteSpan data) {
  return DecodeRecord<AssetEvent>(data, "asset event");
}

Bytes EncodeParty(const Party& p) { return EncodeRecord(p); }

Result<Party> DecodeParty(ByteSpan data) { return DecodeRecord<Party>(data, "party"); }

Bytes EncodePartyEvent(const PartyEvent& e) { return EncodeRecord(e); }

Result<PartyEvent> DecodePartyEvent(ByteSpan data) {
  return DecodeRecord<PartyEvent>(data, "party event");
}

Bytes EncodeEndorsement(const Endorsement& e) { return EncodeRecord(e); }

Result<Endorsement> DecodeEndorsement(ByteSpan data) {
  return DecodeRecord<Endorsement>(data, "endorsement");
}

Bytes EncodeSequence(uint32_t sequence) {
  Writer w;
  w.U32(sequence);
  return w.Take();
}

Result<uint32_t> DecodeSequence(ByteSpan data) {
  Reader r(data);
  uint32_t sequence = 0;
  (void)r.U32(&sequence);
  if (Status s = r.Finish("event sequence"); !s.ok()) return s;
  return sequence;
}

Bytes EncodeTxLocation(const TxLocation& l) { return EncodeRecord(l); }

Result<TxLocation> DecodeTxLocation(ByteSpan data) {
  return DecodeRecord<TxLocation>(data, "tx location");
}

namespace keys {

// DigestState and verifychain walk the prefixes in this order and call it byte order.
static_assert(std::is_sorted(std::begin(kStatePrefixes), std::end(kStatePrefixes)));

std::string Account(const AccountId& id) { return KeyWithHash(kAccount, id); }
std::string Asset(const Hash256& id) { return KeyWithHash(kAsset, id); }

std::string Event(const Hash256& asset, uint32_t sequence) {
  std::string key = KeyWithHash(kEvent, asset);
  AppendBigEndian32(&key, sequence);
  return key;
}

std::string EventPrefix(const Hash256& asset) { return KeyWithHash(kEvent, asset); }
std::string TxIndex(const Hash256& txid) { return KeyWithHash(kTxIndex, txid); }
std::string Party(const AccountId& account) { return KeyWithHash(kParty, account); }

std::string PartyEvent(const AccountId& account, uint32_t sequence) {
  std::string key = KeyWithHash(kPartyEvent, account);
  AppendBigEndian32(&key, sequence);
  return key;
}

std::string PartyEventPrefix(const AccountId& account) {
  return KeyWithHash(kPartyEvent, account);
}

std::string Endorsement(const AccountId& account, std::string_view role,
                        const AccountId& registrar) {
  Writer w;
  w.String(role);
  const Bytes& r = w.bytes();
  std::string key = KeyWithHash(kEndorsement, account);
  key.append(reinterpret_cast<const char*>(r.data()), r.size());
  key.append(reinterpret_cast<const char*>(registrar.data()), AccountId::kSize);
  return key;
}

std::string EndorsementPrefix(const AccountId& account) {
  return KeyWithHash(kEndorsement, account);
}

bool ParseEndorsement(std::string_view key, AccountId* account, std::string* role,
                      AccountId* registrar) {
  constexpr size_t kHash = Hash256::kSize;
  if (key.size() < 2 + 2 * kHash || key[0] != kEndorsement) return false;
  const size_t role_len = static_cast<uint8_t>(key[1 + kHash]);
  if (role_len > kMaxRoleLen || key.size() != 2 + 2 * kHash + role_len) return false;
  std::memcpy(account->data(), key.data() + 1, kHash);
  role->assign(key.substr(2 + kHash, role_len));
  std::memcpy(registrar->data(), key.data() + 2 + kHash + role_len, kHash);
  return true;
}

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

std::string Correction(const Hash256& asset, const Hash256& event) {
  std::string key = KeyWithHash(kCorrection, asset);
  key.append(reinterpret_cast<const char*>(event.data()), Hash256::kSize);
  return key;
}

std::string Attestation(const Hash256& asset, std::string_view claim, const AccountId& attester) {
  Writer w;
  w.String(claim);
  const Bytes& c = w.bytes();
  std::string key = KeyWithHash(kAttestation, asset);
  key.append(reinterpret_cast<const char*>(c.data()), c.size());
  key.append(reinterpret_cast<const char*>(attester.data()), AccountId::kSize);
  return key;
}

std::string Contract(const AccountId& contract) { return KeyWithHash(kContract, contract); }
std::string ContractCode(const AccountId& contract) {
  return KeyWithHash(kContractCode, contract);
}
std::string ContractCallCount(const AccountId& contract) {
  return KeyWithHash(kContractCallCount, contract);
}

std::string ContractStorage(const AccountId& contract, ByteSpan key) {
  std::string out = KeyWithHash(kContractStorage, contract);
  out.append(reinterpret_cast<const char*>(key.data()), key.size());
  return out;
}

std::string ContractStoragePrefix(const AccountId& contract) {
  return KeyWithHash(kContractStorage, contract);
}

std::string CallRecord(const Hash256& txid) { return KeyWithHash(kCallRecord, txid); }

std::string ContractCall(const AccountId& contract, uint64_t sequence) {
  std::string key = KeyWithHash(kContractCall, contract);
  AppendBigEndian32(&key, static_cast<uint32_t>(sequence >> 32));
  AppendBigEndian32(&key, static_cast<uint32_t>(sequence));
  return key;
}

std::string Custody(const AccountId& custodian, const Hash256& asset) {
  std::string key = KeyWithHash(kCustody, custodian);
  key.append(reinterpret_cast<const char*>(asset.data()), Hash256::kSize);
  return key;
}

std::string CustodyPrefix(const AccountId& custodian) { return KeyWithHash(kCustody, custodian); }

bool ParseCustody(std::string_view key, AccountId* custodian, Hash256* asset) {
  constexpr size_t kHash = Hash256::kSize;
  if (key.size() != 1 + 2 * kHash || key[0] != kCustody) return false;
  std::memcpy(custodian->data(), key.data() + 1, kHash);
  std::memcpy(asset->data(), key.data() + 1 + kHash, kHash);
  return true;
}

std::string MetadataPrefix(std::string_view key, std::string_view value) {
  Writer w;
  w.String(key);
  w.String(value);
  const Bytes& b = w.bytes();
  std::string out(1, kMetadata);
  out.append(reinterpret_cast<const char*>(b.data()), b.size());
  return out;
}

std::string Metadata(std::string_view key, std::string_view value, const Hash256& asset) {
  std::string out = MetadataPrefix(key, value);
  out.append(reinterpret_cast<const char*>(asset.data()), Hash256::kSize);
  return out;
}

bool ParseMetadata(std::string_view key, std::string* meta_key, std::string* meta_value,
                   Hash256* asset) {
  if (key.empty() || key[0] != kMetadata) return false;
  Reader r(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()) + 1, key.size() - 1));
  if (!r.String(meta_key, kMaxMetadataKeyLen) || !r.String(meta_value, kMaxMetadataValueLen) ||
      !r.Hash(asset) || !r.AtEnd()) {
    return false;
  }
  return true;
}

bool IsStateKey(std::string_view key) {
  if (key.empty()) return false;
  return std::find(std::begin(kStatePrefixes), std::end(kStatePrefixes), key.front()) !=
         std::end(kStatePrefixes);
}

bool IsIndexKey(std::string_view key) {
  return !key.empty() && (key.front() == kCustody || key.front() == kMetadata);
}

}  // namespace keys
}  // namespace waybill::chain
