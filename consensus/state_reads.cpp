#include "consensus/state_reads.h"

#include <string>

namespace waybill::consensus::reads {

using chain::Bytes;
using chain::Hash256;
using chain::Result;
using chain::Status;

namespace {

chain::ByteSpan KeyBytes(std::string_view key) {
  return chain::ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size());
}

Status BadRecord(std::string_view what, std::string_view key, const Status& s) {
  return Status::Corruption(std::string(what) + " " + chain::HexEncode(KeyBytes(key)) + ": " +
                            s.reason());
}

// Reads and decodes an optional record.
template <typename Record, typename Decode>
Result<std::optional<Record>> ReadRecord(const chain::KvReader& state, const std::string& key,
                                         std::string_view what, Decode decode) {
  Bytes raw;
  Status s = state.Get(key, &raw);
  if (s.IsNotFound()) return std::optional<Record>();
  if (!s.ok()) return s;
  auto record = decode(raw);
  if (!record.ok()) return BadRecord(what, key, record.status());
  return std::optional<Record>(std::move(record).value());
}

template <typename Event, typename KeyFn, typename Decode>
Result<std::vector<Event>> ReadSequence(const chain::KvReader& state, uint32_t from,
                                        uint32_t limit, std::string_view what, KeyFn key_of,
                                        Decode decode) {
  std::vector<Event> events;
  for (uint64_t seq = from; seq < uint64_t{from} + limit && seq <= UINT32_MAX; ++seq) {
    auto event = ReadRecord<Event>(state, key_of(static_cast<uint32_t>(seq)), what, decode);
    if (!event.ok()) return event.status();
    if (!*event) break;
    events.push_back(std::move(**event));
  }
  return events;
}

}  // namespace

Result<chain::Account> GetAccount(const chain::KvReader& state, const chain::AccountId& id) {
  auto account = ReadRecord<chain::Account>(state, chain::keys::Account(id), "account",
                                            chain::DecodeAccount);
  if (!account.ok()) return account.status();
  return account->value_or(chain::Account{});
}

Result<std::optional<chain::Asset>> GetAsset(const chain::KvReader& state, const Hash256& id) {
  return ReadRecord<chain::Asset>(state, chain::keys::Asset(id), "asset", chain::DecodeAsset);
}

Result<std::vector<chain::AssetEvent>> GetAssetEvents(const chain::KvReader& state,
                                                      const Hash256& asset, uint32_t from,
                                                      uint32_t limit) {
  return ReadSequence<chain::AssetEvent>(
      state, from, limit, "asset event",
      [&](uint32_t seq) { return chain::keys::Event(asset, seq); }, chain::DecodeAssetEvent);
}

Result<std::vector<chain::PartyEvent>> GetPartyEvents(const chain::KvReader& state,
                                                      const chain::AccountId& account,
                                                      uint32_t from, uint32_t limit) {
  return ReadSequence<chain::PartyEvent>(
      state, from, limit, "party event",
      [&](uint32_t seq) { return chain::keys::PartyEvent(account, seq); },
      chain::DecodePartyEvent);
}

Result<std::optional<chain::TxLocation>> GetTxLocation(const chain::KvReader& state,
                                                       const Hash256& txid) {
  return ReadRecord<chain::TxLocation>(state, chain::keys::TxIndex(txid), "tx index",
                                       chain::DecodeTxLocation);
}

Result<Chainstate::PartyInfo> GetParty(const chain::KvScanner& state,
                                       const chain::AccountId& account, size_t max_endorsements) {
  Chainstate::PartyInfo info;
  auto party =
      ReadRecord<chain::Party>(state, chain::keys::Party(account), "party", chain::DecodeParty);
  if (!party.ok()) return party.status();
  info.party = std::move(*party);
  Status inner = Status::Ok();
  auto read = [&](std::string_view key, chain::ByteSpan value) {
    if (info.endorsements.size() >= max_endorsements) return false;
    Chainstate::EndorsementInfo e;
    chain::AccountId owner;
    auto decoded = chain::DecodeEndorsement(value);
    if (!chain::keys::ParseEndorsement(key, &owner, &e.role, &e.registrar) || !decoded.ok()) {
      inner = Status::Corruption("endorsement record " + chain::HexEncode(KeyBytes(key)) +
                                 " does not decode");
      return false;
    }
    e.endorsement = *decoded;
    info.endorsements.push_back(std::move(e));
    return true;
  };
  Status s = state.Scan(chain::keys::EndorsementPrefix(account), read);
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;
  return info;
}

Result<std::optional<chain::BlockIndex>> GetBlockIndexRecord(const chain::KvReader& state,
                                                             const Hash256& id) {
  const std::string key = chain::keys::BlockIndex(id);
  Bytes raw;
  Status s = state.Get(key, &raw);
  if (s.IsNotFound()) return std::optional<chain::BlockIndex>();
  if (!s.ok()) return s;
  chain::BlockIndex index;
  if (Status d = chain::DecodeBlockIndex(raw, &index); !d.ok()) {
    return BadRecord("block index", key, d);
  }
  index.id = id;
  if (index.header.Id() != id) {
    return Status::Corruption("block index: header does not hash to " + id.ToHex());
  }
  return std::optional<chain::BlockIndex>(std::move(index));
}

Result<std::optional<Hash256>> GetHeightEntry(const chain::KvReader& state, uint32_t height) {
  const std::string key = chain::keys::Height(height);
  Bytes raw;
  Status s = state.Get(key, &raw);
  if (s.IsNotFound()) return std::optional<Hash256>();
  if (!s.ok()) return s;
  if (raw.size() != Hash256::kSize) {
    return Status::Corruption("height entry " + std::to_string(height) + " is not a block id");
  }
  return std::optional<Hash256>(Hash256::FromSpan(raw));
}

}  // namespace waybill::consensus::reads
