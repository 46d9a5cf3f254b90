#include "chain/contract_state.h"

#include "chain/hash.h"
#include "chain/serialize.h"
#include "chain/state.h"

// Encodings (docs/PROTOCOL.md §11.1), with chain/serialize.h's primitives:
//
// ContractRecord
//   deployer      hash
//   deploy_txid   hash
//   height        u32
//   code_hash     hash
//   code_size     u32            <= 32768
//
// 'q' code: the bytes as deployed (no length prefix); 'j' call count: u64
//
// CallRecord
//   contract      hash
//   entry         str(32)
//   outcome       u8             0..3
//   error         u8
//   detail        str(256)
//   error_offset  u32
//   abort_code    u64
//   gas_used      u64
//   gas_limit     u64
//   logs          list<bytes(256)>(16)
//   effects       list<effect>(64); effect = kind u8 || by kind:
//                   1 coins: to hash || amount u64     2 asset: to hash || asset hash
//                   3 split: asset hash || first u64 || 2 x hash
//                   4 merge: asset hash || with hash || hash

namespace waybill::chain {
namespace {

constexpr size_t kSplitCreated = 2;
constexpr size_t kMergeCreated = 1;

bool ReadCreated(Reader& r, size_t n, std::vector<Hash256>* created) {
  created->resize(n);
  for (Hash256& id : *created) {
    if (!r.Hash(&id)) return false;
  }
  return true;
}

}  // namespace

void WriteContractEffect(Writer& w, const ContractEffect& e) {
  w.U8(static_cast<uint8_t>(e.kind));
  switch (e.kind) {
    case ContractEffectKind::kCoins:
      w.Hash(e.to);
      w.U64(e.amount);
      return;
    case ContractEffectKind::kAsset:
      w.Hash(e.to);
      w.Hash(e.asset);
      return;
    case ContractEffectKind::kSplit:
    case ContractEffectKind::kMerge:
      w.Hash(e.asset);
      if (e.kind == ContractEffectKind::kSplit) w.U64(e.amount);
      if (e.kind == ContractEffectKind::kMerge) w.Hash(e.with);
      // REQUIRES: created holds 2 ids (split) or 1 (merge); the fixed count is not encoded.
      for (const Hash256& id : e.created) w.Hash(id);
      return;
  }
}

bool ReadContractEffect(Reader& r, ContractEffect* e) {
  uint8_t kind;
  if (!r.U8(&kind)) return false;
  e->kind = static_cast<ContractEffectKind>(kind);
  switch (e->kind) {
    case ContractEffectKind::kCoins:
      return r.Hash(&e->to) && r.U64(&e->amount);
    case ContractEffectKind::kAsset:
      return r.Hash(&e->to) && r.Hash(&e->asset);
    case ContractEffectKind::kSplit:
      return r.Hash(&e->asset) && r.U64(&e->amount) && ReadCreated(r, kSplitCreated, &e->created);
    case ContractEffectKind::kMerge:
      return r.Hash(&e->asset) && r.Hash(&e->with) &&
             ReadCreated(r, kMergeCreated, &e->created);
  }
  return r.Fail("unknown contract effect kind " + std::to_string(kind));
}

namespace {

// A key's value as bytes, or nullopt when absent.
Result<std::optional<Bytes>> GetOptional(const KvReader& state, const std::string& key) {
  Bytes value;
  Status s = state.Get(key, &value);
  if (s.IsNotFound()) return std::optional<Bytes>();
  if (!s.ok()) return s;
  return std::optional<Bytes>(std::move(value));
}

// A stored record that does not decode is damage of the store, not bad input.
template <typename Record>
Result<std::optional<Record>> ReadRecord(const KvReader& state, const std::string& key,
                                         Result<Record> (*decode)(ByteSpan)) {
  auto value = GetOptional(state, key);
  if (!value.ok()) return value.status();
  if (!*value) return std::optional<Record>();
  Result<Record> record = decode(**value);
  if (!record.ok()) return Status::Corruption(record.status().reason());
  return std::optional<Record>(std::move(*record));
}

}  // namespace

const char* ContractEffectKindName(ContractEffectKind kind) {
  switch (kind) {
    case ContractEffectKind::kCoins:
      return "coins";
    case ContractEffectKind::kAsset:
      return "asset";
    case ContractEffectKind::kSplit:
      return "split";
    case ContractEffectKind::kMerge:
      return "merge";
  }
  return "unknown";
}

std::string TruncateCallDetail(std::string_view reason) {
  return std::string(reason.substr(0, kMaxCallDetailLen));
}

Hash256 ContractCodeHash(ByteSpan code) { return Sha256Hash(code); }

Bytes EncodeContractRecord(const ContractRecord& c) {
  Writer w;
  w.Hash(c.deployer);
  w.Hash(c.deploy_txid);
  w.U32(c.height);
  w.Hash(c.code_hash);
  w.U32(c.code_size);
  return w.Take();
}

Result<ContractRecord> DecodeContractRecord(ByteSpan data) {
  Reader r(data);
  ContractRecord c;
  if (r.Hash(&c.deployer) && r.Hash(&c.deploy_txid) && r.U32(&c.height) && r.Hash(&c.code_hash) &&
      r.U32(&c.code_size) && c.code_size > kMaxContractCodeSize) {
    (void)r.Fail("contract code size " + std::to_string(c.code_size) + " over its bound");
  }
  if (Status s = r.Finish("contract record"); !s.ok()) return s;
  return c;
}

Bytes EncodeCallCount(uint64_t calls) {
  Writer w;
  w.U64(calls);
  return w.Take();
}

Result<uint64_t> DecodeCallCount(ByteSpan data) {
  Reader r(data);
  uint64_t calls = 0;
  (void)r.U64(&calls);
  if (Status s = r.Finish("contract call count"); !s.ok()) return s;
  return calls;
}

Bytes EncodeCallRecord(const CallRecord& rec) {
  Writer w;
  w.Hash(rec.contract);
  w.String(rec.entry);
  w.U8(rec.outcome);
  w.U8(rec.error);
  w.String(rec.detail);
  w.U32(rec.error_offset);
  w.U64(rec.abort_code);
  w.U64(rec.gas_used);
  w.U64(rec.gas_limit);
  w.CompactSize(rec.logs.size());
  for (const Bytes& log : rec.logs) w.VarBytes(log);
  w.CompactSize(rec.effects.size());
  for (const ContractEffect& e : rec.effects) WriteContractEffect(w, e);
  return w.Take();
}

Result<CallRecord> DecodeCallRecord(ByteSpan data) {
  Reader r(data);
  CallRecord rec;
  uint64_t logs = 0;
  uint64_t effects = 0;
  bool ok = r.Hash(&rec.contract) && r.String(&rec.entry, kMaxContractEntryLen) &&
            r.U8(&rec.outcome) && r.U8(&rec.error) && r.String(&rec.detail, kMaxCallDetailLen) &&
            r.U32(&rec.error_offset) && r.U64(&rec.abort_code) && r.U64(&rec.gas_used) &&
            r.U64(&rec.gas_limit);
  if (ok && rec.outcome > kCallOutcomeMax) {
    ok = r.Fail("unknown call outcome " + std::to_string(rec.outcome));
  }
  if (ok && r.CompactSize(&logs, kMaxCallLogs)) {
    rec.logs.resize(logs);
    for (Bytes& log : rec.logs) {
      if (!r.VarBytes(&log, kMaxCallLogBytes)) break;
    }
  }
  if (r.ok() && r.CompactSize(&effects, kMaxCallEffects)) {
    rec.effects.resize(effects);
    for (ContractEffect& e : rec.effects) {
      if (!ReadContractEffect(r, &e)) break;
    }
  }
  if (Status s = r.Finish("call record"); !s.ok()) return s;
  return rec;
}

Hash256 ContractEventId(const Hash256& txid, const Hash256& asset, uint32_t sequence) {
  Writer w;
  w.Hash(txid);
  w.Hash(asset);
  w.U32(sequence);
  return TaggedHash(tags::kContractEvent, w.bytes());
}

Result<std::optional<ContractRecord>> ReadContract(const KvReader& state,
                                                   const AccountId& contract) {
  return ReadRecord<ContractRecord>(state, keys::Contract(contract), &DecodeContractRecord);
}

Result<std::optional<Bytes>> ReadContractCode(const KvReader& state, const AccountId& contract) {
  auto code = GetOptional(state, keys::ContractCode(contract));
  if (code.ok() && *code && (*code)->size() > kMaxContractCodeSize) {
    return Status::Corruption("code of contract " + contract.ToHex() + " over its bound");
  }
  return code;
}

Result<uint64_t> ReadContractCallCount(const KvReader& state, const AccountId& contract) {
  auto count = ReadRecord<uint64_t>(state, keys::ContractCallCount(contract), &DecodeCallCount);
  if (!count.ok()) return count.status();
  return count->value_or(0);
}

Result<std::optional<CallRecord>> ReadCallRecord(const KvReader& state, const Hash256& txid) {
  return ReadRecord<CallRecord>(state, keys::CallRecord(txid), &DecodeCallRecord);
}

Result<std::vector<std::pair<Bytes, Bytes>>> ListContractStorage(const KvScanner& state,
                                                                 const AccountId& contract,
                                                                 size_t limit) {
  const std::string prefix = keys::ContractStoragePrefix(contract);
  std::vector<std::pair<Bytes, Bytes>> out;
  if (limit == 0) return out;
  Status bad = Status::Ok();
  Status s = state.Scan(prefix, [&](std::string_view key, ByteSpan value) {
    const size_t key_len = key.size() - prefix.size();
    if (key_len == 0 || key_len > kMaxStorageKeyBytes || value.empty() ||
        value.size() > kMaxStorageValueBytes) {
      bad = Status::Corruption("contract storage: a key or value out of bounds");
      return false;
    }
    const auto* k = reinterpret_cast<const uint8_t*>(key.data()) + prefix.size();
    out.emplace_back(Bytes(k, k + key_len), Bytes(value.begin(), value.end()));
    return out.size() < limit;
  });
  if (!s.ok()) return s;
  if (!bad.ok()) return bad;
  return out;
}

Result<std::vector<Hash256>> RecentContractCalls(const KvReader& state, const AccountId& contract,
                                                 size_t limit) {
  auto calls = ReadContractCallCount(state, contract);
  if (!calls.ok()) return calls.status();
  std::vector<Hash256> out;
  for (uint64_t seq = *calls; seq > 0 && out.size() < limit; --seq) {
    auto value = GetOptional(state, keys::ContractCall(contract, seq - 1));
    if (!value.ok()) return value.status();
    if (!*value || (*value)->size() != Hash256::kSize) {
      return Status::Corruption("contract call " + std::to_string(seq - 1) + " of " +
                                contract.ToHex() + " is missing or malformed");
    }
    out.push_back(Hash256::FromSpan(**value));
  }
  return out;
}

}  // namespace waybill::chain
