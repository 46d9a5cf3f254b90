// Shared by the contracts_* tests (and fuzz/contracts_*): a tiny program builder with labels,
// and a fake Host over maps that records every effect.
#pragma once

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "chain/hash.h"
#include "chain/status.h"
#include "contracts/bytecode.h"
#include "contracts/host.h"
#include "contracts/interpreter.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"

namespace waybill::contracts::testing {

// Builds code: instructions, integer pushes (PUSH1 or PUSH8), constants, labels and jumps to
// labels (resolved by Build), entries at labels.
class CodeBuilder {
 public:
  CodeBuilder& Add(Op op) {
    code_.push_back(static_cast<uint8_t>(op));
    return *this;
  }
  CodeBuilder& Raw(std::initializer_list<uint8_t> bytes) {
    code_.insert(code_.end(), bytes);
    return *this;
  }
  CodeBuilder& Push(uint64_t v) {
    if (v <= 0xff) {
      Add(Op::kPush1);
      code_.push_back(static_cast<uint8_t>(v));
    } else {
      Add(Op::kPush8);
      for (int i = 0; i < 8; ++i) code_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    return *this;
  }
  // Pushes bytes through a new constant.
  CodeBuilder& PushBytes(chain::Bytes bytes) {
    constants_.push_back(std::move(bytes));
    Add(Op::kPushC);
    code_.push_back(static_cast<uint8_t>(constants_.size() - 1));
    return *this;
  }
  CodeBuilder& PushString(std::string_view s) {
    return PushBytes(chain::Bytes(s.begin(), s.end()));
  }
  CodeBuilder& Label(const std::string& name) {
    labels_[name] = code_.size();
    return *this;
  }
  CodeBuilder& Jump(Op op, const std::string& label) {
    Add(op);
    fixups_.emplace_back(code_.size(), label);
    code_.push_back(0);
    code_.push_back(0);
    return *this;
  }
  // An entry point at the current offset.
  CodeBuilder& EntryHere(const std::string& name) {
    entries_.push_back(Entry{name, static_cast<uint16_t>(code_.size())});
    return *this;
  }
  size_t size() const { return code_.size(); }

  Program Build() const {
    Program p;
    p.constants = constants_;
    p.code = code_;
    for (const auto& [at, label] : fixups_) {
      size_t target = labels_.at(label);
      p.code[at] = static_cast<uint8_t>(target);
      p.code[at + 1] = static_cast<uint8_t>(target >> 8);
    }
    p.entries = entries_.empty() ? std::vector<Entry>{Entry{"main", 0}} : entries_;
    std::sort(p.entries.begin(), p.entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return p;
  }

 private:
  chain::Bytes code_;
  std::vector<chain::Bytes> constants_;
  std::map<std::string, size_t> labels_;
  std::vector<std::pair<size_t, std::string>> fixups_;
  std::vector<Entry> entries_;
};

inline chain::Bytes B(std::string_view s) { return chain::Bytes(s.begin(), s.end()); }
inline chain::Hash256 Id(uint8_t fill) {
  chain::Hash256 h;
  h.bytes.fill(fill);
  return h;
}

// A ledger in maps. Effects change it as consensus would; Refuse* make the next effects fail.
class FakeHost : public Host {
 public:
  struct Sent {
    AccountId to;
    uint64_t amount = 0;
    Hash256 asset;  // zero for coins
    bool operator==(const Sent&) const = default;
  };

  AccountId self = Id(0xc0);
  uint64_t balance = 0;
  std::map<chain::Bytes, chain::Bytes> storage;
  std::map<Hash256, AssetFacts> assets;
  std::map<std::pair<Hash256, chain::Bytes>, chain::Bytes> metadata;
  std::map<std::tuple<Hash256, chain::Bytes, AccountId>, chain::Bytes> attestations;
  std::vector<Sent> sent;
  std::optional<chain::Status> fail_next;  // returned by the next Host call
  size_t calls = 0;
  uint8_t next_asset = 0x50;

  chain::Result<chain::Bytes> StorageGet(chain::ByteSpan key) override {
    if (auto s = Failure()) return *s;
    auto it = storage.find(chain::Bytes(key.begin(), key.end()));
    return it == storage.end() ? chain::Bytes() : it->second;
  }
  chain::Status StoragePut(chain::ByteSpan key, chain::ByteSpan value) override {
    if (auto s = Failure()) return *s;
    chain::Bytes k(key.begin(), key.end());
    if (value.empty()) {
      storage.erase(k);
    } else {
      storage[k] = chain::Bytes(value.begin(), value.end());
    }
    return chain::Status::Ok();
  }
  chain::Result<uint64_t> Balance() override {
    if (auto s = Failure()) return *s;
    return balance;
  }
  chain::Result<AssetFacts> GetAsset(const Hash256& asset) override {
    if (auto s = Failure()) return *s;
    auto it = assets.find(asset);
    if (it == assets.end()) return chain::Status::NotFound("no such asset");
    return it->second;
  }
  chain::Result<std::optional<chain::Bytes>> Metadata(const Hash256& asset,
                                                      chain::ByteSpan key) override {
    if (auto s = Failure()) return *s;
    if (!assets.count(asset)) return chain::Status::NotFound("no such asset");
    auto it = metadata.find({asset, chain::Bytes(key.begin(), key.end())});
    if (it == metadata.end()) return std::optional<chain::Bytes>();
    return std::optional<chain::Bytes>(it->second);
  }
  chain::Result<std::optional<chain::Bytes>> Attestation(const Hash256& asset,
                                                         chain::ByteSpan claim,
                                                         const AccountId& attester) override {
    if (auto s = Failure()) return *s;
    if (!assets.count(asset)) return chain::Status::NotFound("no such asset");
    auto it = attestations.find({asset, chain::Bytes(claim.begin(), claim.end()), attester});
    if (it == attestations.end()) return std::optional<chain::Bytes>();
    return std::optional<chain::Bytes>(it->second);
  }
  chain::Status SendCoins(const AccountId& to, uint64_t amount) override {
    if (auto s = Failure()) return *s;
    if (amount > balance) return chain::Status::Invalid("insufficient balance");
    balance -= amount;
    sent.push_back(Sent{to, amount, Hash256()});
    return chain::Status::Ok();
  }
  chain::Status SendAsset(const AccountId& to, const Hash256& asset) override {
    if (auto s = Failure()) return *s;
    auto it = assets.find(asset);
    if (it == assets.end() || it->second.custodian != self || it->second.status != 0) {
      return chain::Status::Invalid("asset not held");
    }
    it->second.custodian = to;
    sent.push_back(Sent{to, 0, asset});
    return chain::Status::Ok();
  }
  chain::Result<std::array<Hash256, 2>> Split(const Hash256& asset, uint64_t first) override {
    if (auto s = Failure()) return *s;
    auto it = assets.find(asset);
    if (it == assets.end() || it->second.custodian != self || it->second.status != 0 ||
        first == 0 || first >= it->second.quantity) {
      return chain::Status::Invalid("cannot split");
    }
    AssetFacts parent = it->second;
    it->second.status = 1;
    std::array<Hash256, 2> ids{Id(next_asset++), Id(next_asset++)};
    assets[ids[0]] = AssetFacts{self, first, parent.unit, 0};
    assets[ids[1]] = AssetFacts{self, parent.quantity - first, parent.unit, 0};
    return ids;
  }
  chain::Result<Hash256> Merge(const Hash256& a, const Hash256& b) override {
    if (auto s = Failure()) return *s;
    auto ia = assets.find(a);
    auto ib = assets.find(b);
    if (a == b || ia == assets.end() || ib == assets.end() || ia->second.custodian != self ||
        ib->second.custodian != self || ia->second.unit != ib->second.unit) {
      return chain::Status::Invalid("cannot merge");
    }
    ia->second.status = 2;
    ib->second.status = 2;
    Hash256 id = Id(next_asset++);
    assets[id] = AssetFacts{self, ia->second.quantity + ib->second.quantity, ia->second.unit, 0};
    return id;
  }

 private:
  std::optional<chain::Status> Failure() {
    ++calls;
    std::optional<chain::Status> s = std::move(fail_next);
    fail_next.reset();
    return s;
  }
};

// Validates or fails the test.
inline std::shared_ptr<const ValidatedCode> MustValidate(const Program& p) {
  auto r = ValidateProgram(p);
  if (auto* e = std::get_if<DeployError>(&r)) {
    throw std::runtime_error("validation failed: " + e->ToString());
  }
  return std::get<std::shared_ptr<const ValidatedCode>>(r);
}

}  // namespace waybill::contracts::testing
