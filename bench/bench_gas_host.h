// Two contracts::Host implementations for bench_gas: one over maps (what the interpreter costs
// without a store), and one over chain::StateCache on LevelDB that does the reads and writes
// that consensus's host is specified to do (docs/design of session 23, /tmp shared.md:
// storage under 'w' || contract || key, the asset record for every asset read, the
// attestation index and the event it points at, account and asset records and events for the
// effects). It is a stand-in until consensus/contract_host exists: it prices the store work
// that each opcode triggers, not the exact consensus code.
#pragma once

#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "chain/hash.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "contracts/host.h"

namespace waybill::bench {

namespace chain = waybill::chain;
namespace vm = waybill::contracts;

// The bench's storage and attestation-index keys (the shapes of shared.md's 'w' and 'v').
inline std::string StorageKey(const chain::AccountId& contract, chain::ByteSpan key) {
  std::string k(1, 'w');
  k.append(reinterpret_cast<const char*>(contract.data()), chain::Hash256::kSize);
  k.append(reinterpret_cast<const char*>(key.data()), key.size());
  return k;
}
inline std::string AttestIndexKey(const chain::Hash256& asset, chain::ByteSpan claim,
                                  const chain::AccountId& attester) {
  std::string k(1, 'v');
  k.append(reinterpret_cast<const char*>(asset.data()), chain::Hash256::kSize);
  k.push_back(static_cast<char>(claim.size()));
  k.append(reinterpret_cast<const char*>(claim.data()), claim.size());
  k.append(reinterpret_cast<const char*>(attester.data()), chain::Hash256::kSize);
  return k;
}

inline vm::AssetFacts FactsOf(const chain::Asset& a) {
  return vm::AssetFacts{a.custodian, a.quantity, a.unit, static_cast<uint8_t>(a.status)};
}

// Storage and facts in maps: the interpreter's share of SLOAD, SSTORE and the asset reads.
class MapHost : public vm::Host {
 public:
  std::map<chain::Bytes, chain::Bytes> storage;
  std::map<chain::Hash256, vm::AssetFacts> assets;

  chain::Result<chain::Bytes> StorageGet(chain::ByteSpan key) override {
    auto it = storage.find(chain::Bytes(key.begin(), key.end()));
    return it == storage.end() ? chain::Bytes() : it->second;
  }
  chain::Status StoragePut(chain::ByteSpan key, chain::ByteSpan value) override {
    storage[chain::Bytes(key.begin(), key.end())] = chain::Bytes(value.begin(), value.end());
    return chain::Status::Ok();
  }
  chain::Result<uint64_t> Balance() override { return uint64_t{1}; }
  chain::Result<vm::AssetFacts> GetAsset(const chain::Hash256& asset) override {
    auto it = assets.find(asset);
    if (it == assets.end()) return chain::Status::NotFound("no such asset");
    return it->second;
  }
  chain::Result<std::optional<chain::Bytes>> Metadata(const chain::Hash256&,
                                                      chain::ByteSpan) override {
    return std::optional<chain::Bytes>();
  }
  chain::Result<std::optional<chain::Bytes>> Attestation(const chain::Hash256&, chain::ByteSpan,
                                                         const chain::AccountId&) override {
    return std::optional<chain::Bytes>();
  }
  chain::Status SendCoins(const chain::AccountId&, uint64_t) override {
    return chain::Status::Ok();
  }
  chain::Status SendAsset(const chain::AccountId&, const chain::Hash256&) override {
    return chain::Status::Ok();
  }
  chain::Result<std::array<chain::Hash256, 2>> Split(const chain::Hash256& a, uint64_t) override {
    return std::array<chain::Hash256, 2>{a, a};
  }
  chain::Result<chain::Hash256> Merge(const chain::Hash256& a, const chain::Hash256&) override {
    return a;
  }
};

// The contract `self` over a StateCache (the call's overlay). REQUIRES: state outlives it.
class StateHost : public vm::Host {
 public:
  StateHost(chain::StateCache* state, const chain::AccountId& self, const chain::Hash256& txid)
      : state_(state), self_(self), txid_(txid) {}

  chain::Result<chain::Bytes> StorageGet(chain::ByteSpan key) override {
    chain::Bytes value;
    chain::Status s = state_->Get(StorageKey(self_, key), &value);
    if (s.IsNotFound()) return chain::Bytes();
    if (!s.ok()) return s;
    return value;
  }
  chain::Status StoragePut(chain::ByteSpan key, chain::ByteSpan value) override {
    if (value.empty()) {
      state_->Delete(StorageKey(self_, key));
    } else {
      state_->Put(StorageKey(self_, key), chain::Bytes(value.begin(), value.end()));
    }
    return chain::Status::Ok();
  }
  chain::Result<uint64_t> Balance() override {
    auto account = state_->GetAccount(self_);
    if (!account.ok()) return account.status();
    return account->balance;
  }
  chain::Result<vm::AssetFacts> GetAsset(const chain::Hash256& asset) override {
    auto record = Read(asset);
    if (!record.ok()) return record.status();
    return FactsOf(*record);
  }
  chain::Result<std::optional<chain::Bytes>> Metadata(const chain::Hash256& asset,
                                                      chain::ByteSpan key) override {
    auto record = Read(asset);
    if (!record.ok()) return record.status();
    const std::string_view want(reinterpret_cast<const char*>(key.data()), key.size());
    for (const chain::MetadataEntry& e : record->metadata) {
      if (e.key == want) return std::optional<chain::Bytes>(chain::Bytes(e.value.begin(), e.value.end()));
    }
    return std::optional<chain::Bytes>();
  }
  // The asset record (NotFound), the index, then the event it names.
  chain::Result<std::optional<chain::Bytes>> Attestation(const chain::Hash256& asset,
                                                         chain::ByteSpan claim,
                                                         const chain::AccountId& attester) override {
    auto record = Read(asset);
    if (!record.ok()) return record.status();
    chain::Bytes seq_bytes;
    chain::Status s = state_->Get(AttestIndexKey(asset, claim, attester), &seq_bytes);
    if (s.IsNotFound()) return std::optional<chain::Bytes>();
    if (!s.ok()) return s;
    auto seq = chain::DecodeSequence(seq_bytes);
    if (!seq.ok()) return seq.status();
    chain::Bytes event_bytes;
    s = state_->Get(chain::keys::Event(asset, *seq), &event_bytes);
    if (!s.ok()) return chain::Status::Corruption("attestation index names no event");
    auto event = chain::DecodeAssetEvent(event_bytes);
    if (!event.ok()) return event.status();
    return std::optional<chain::Bytes>(chain::Bytes(event->value.begin(), event->value.end()));
  }
  chain::Status SendCoins(const chain::AccountId& to, uint64_t amount) override {
    auto from = state_->GetAccount(self_);
    if (!from.ok()) return from.status();
    if (from->balance < amount) return chain::Status::Invalid("insufficient balance");
    auto dest = state_->GetAccount(to);
    if (!dest.ok()) return dest.status();
    from->balance -= amount;
    dest->balance += amount;
    state_->PutAccount(self_, *from);
    state_->PutAccount(to, *dest);
    return chain::Status::Ok();
  }
  chain::Status SendAsset(const chain::AccountId& to, const chain::Hash256& asset) override {
    auto record = Held(asset);
    if (!record.ok()) return record.status();
    record->custodian = to;
    return Record(*record, chain::EventType::kTransfer, to, {});
  }
  // Two children written with their creating events, the parent closed with its event.
  chain::Result<std::array<chain::Hash256, 2>> Split(const chain::Hash256& asset,
                                                     uint64_t first) override {
    auto parent = Held(asset);
    if (!parent.ok()) return parent.status();
    if (first == 0 || first >= parent->quantity) return chain::Status::Invalid("bad split");
    std::array<chain::Hash256, 2> ids{NewId(), NewId()};
    for (int i = 0; i < 2; ++i) {
      chain::Asset child = *parent;
      child.id = ids[i];
      child.quantity = i == 0 ? first : parent->quantity - first;
      child.parents = {asset};
      child.children.clear();
      child.event_count = 0;
      if (chain::Status s = Record(child, chain::EventType::kSplitChild, {}, {asset}); !s.ok()) {
        return s;
      }
    }
    parent->status = chain::AssetStatus::kSplit;
    parent->children = {ids[0], ids[1]};
    if (chain::Status s = Record(*parent, chain::EventType::kSplit, {}, parent->children);
        !s.ok()) {
      return s;
    }
    return ids;
  }
  chain::Result<chain::Hash256> Merge(const chain::Hash256& a, const chain::Hash256& b) override {
    auto x = Held(a);
    if (!x.ok()) return x.status();
    auto y = Held(b);
    if (!y.ok()) return y.status();
    chain::Asset out = *x;
    out.id = NewId();
    out.quantity = x->quantity + y->quantity;
    out.parents = {a, b};
    out.event_count = 0;
    if (chain::Status s = Record(out, chain::EventType::kMergeOutput, {}, {a, b}); !s.ok()) {
      return s;
    }
    for (chain::Asset* in : {&*x, &*y}) {
      in->status = chain::AssetStatus::kMerged;
      in->children = {out.id};
      if (chain::Status s = Record(*in, chain::EventType::kMerge, {}, {out.id}); !s.ok()) return s;
    }
    return out.id;
  }

 private:
  chain::Result<chain::Asset> Read(const chain::Hash256& asset) {
    auto record = state_->GetAsset(asset);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return chain::Status::NotFound("no such asset");
    return std::move(**record);
  }
  chain::Result<chain::Asset> Held(const chain::Hash256& asset) {
    auto record = Read(asset);
    if (!record.ok()) return record.status();
    if (record->custodian != self_ || record->status != chain::AssetStatus::kOpen) {
      return chain::Status::Invalid("not-custodian");
    }
    return record;
  }
  chain::Hash256 NewId() {
    uint8_t buf[40];
    std::memcpy(buf, txid_.data(), 32);
    for (int i = 0; i < 8; ++i) buf[32 + i] = static_cast<uint8_t>(created_ >> (8 * i));
    ++created_;
    return chain::Sha256Hash(chain::ByteSpan(buf, sizeof(buf)));
  }
  // Writes the record with one more event of `type`.
  chain::Status Record(chain::Asset asset, chain::EventType type,
                       const chain::AccountId& counterparty, std::vector<chain::Hash256> related) {
    chain::AssetEvent event;
    event.asset = asset.id;
    event.sequence = asset.event_count;
    event.id = chain::AssetEventId(txid_, asset.id);
    event.type = type;
    event.prev_event = asset.last_event;
    event.txid = txid_;
    event.actor = self_;
    event.counterparty = counterparty;
    event.related = std::move(related);
    asset.last_event = event.id;
    asset.event_count += 1;
    if (chain::Status s = state_->PutAsset(asset); !s.ok()) return s;
    state_->PutEvent(event);
    return chain::Status::Ok();
  }

  chain::StateCache* state_;
  chain::AccountId self_;
  chain::Hash256 txid_;
  uint64_t created_ = 0;
};

}  // namespace waybill::bench
