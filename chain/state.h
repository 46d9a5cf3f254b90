// State records kept in the state store: accounts, assets and asset events, with their
// canonical encodings and the LevelDB keys they live under (docs/PROTOCOL.md "Storage").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "chain/amount.h"
#include "chain/status.h"
#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::chain {

struct Account {
  Amount balance = 0;
  uint64_t nonce = 0;  // the nonce the account's next tx must carry
  bool operator==(const Account&) const = default;
};

enum class AssetStatus : uint8_t {
  kOpen = 0,
  kSplit = 1,   // closed by asset.split; children hold its quantity
  kMerged = 2,  // closed by asset.merge into one output
  kTransformed = 3,  // closed by asset.transform; children = its outputs
};
const char* AssetStatusName(AssetStatus s);

struct Asset {
  Hash256 id;
  AccountId issuer;     // the account that created it (issue, split or merge)
  AccountId custodian;  // who holds it now
  Quantity quantity = 0;
  std::string unit;
  std::vector<MetadataEntry> metadata;
  std::vector<Hash256> documents;
  AssetStatus status = AssetStatus::kOpen;
  uint32_t created_height = 0;
  Hash256 created_tx;
  Hash256 last_event;        // id of the newest event of this asset
  uint32_t event_count = 0;  // events recorded so far; the next event's sequence number
  std::vector<Hash256> parents;   // split: the parent; merge or transform output: the inputs
  std::vector<Hash256> children;  // split: the children; merged input: the output;
                                  // transformed input: the outputs
  bool operator==(const Asset&) const = default;
};

enum class EventType : uint8_t {
  kIssue = 1,        // created by asset.issue
  kTransfer = 2,     // custody handed from actor to counterparty
  kSplit = 3,        // closed by a split; related = children
  kSplitChild = 4,   // created by a split; related = [parent]
  kMerge = 5,        // closed by a merge; related = [output]
  kMergeOutput = 6,  // created by a merge; related = inputs
  kAttest = 7,       // a claim by actor
  kTransform = 8,        // closed by a transform; related = outputs
  kTransformOutput = 9,  // created by a transform; related = inputs
  kCorrect = 10,         // asset.correct; related = [the corrected event], changes
};
const char* EventTypeName(EventType t);

// One metadata key changed by a correction: its entry before (absent: the key was added) and
// after. before->key and after.key equal key.
struct MetadataChange {
  std::string key;
  std::optional<MetadataEntry> before;
  MetadataEntry after;
  bool operator==(const MetadataChange&) const = default;
};

// One entry in an asset's history. Events of one asset form a hash chain through
// prev_event; splits and merges link assets through related.
struct AssetEvent {
  Hash256 id;  // tagged_hash("Waybill/AssetEvent", txid || asset id)
  Hash256 asset;
  uint32_t sequence = 0;  // 0 for the creating event
  EventType type = EventType::kIssue;
  Hash256 prev_event;  // zero for the creating event
  Hash256 txid;
  uint32_t height = 0;
  uint32_t time = 0;        // the block's time
  AccountId actor;          // the tx sender
  AccountId counterparty;   // transfer: the new custodian; otherwise zero
  std::vector<Hash256> related;
  std::string claim;  // attest only
  std::string value;  // attest: the claim's value; correct: the correction's reason
  Hash256 document;   // attest only; zero when none
  // attest only: 1 when the attester held an endorsement of role "certifier" by a registrar
  // of the network in the state before the tx; 0 otherwise (and for every other type).
  uint8_t attester_certified = 0;
  std::vector<MetadataChange> changes;  // correct only, in key order
  bool operator==(const AssetEvent&) const = default;
};
Hash256 AssetEventId(const Hash256& txid, const Hash256& asset);

// The role whose endorsement makes an attester's claims "certified" (AssetEvent).
inline constexpr std::string_view kCertifierRole = "certifier";

// An account's current party profile (party.profile), with the counters of its history.
// Exists once the account has published a profile; never deleted by later txs.
struct Party {
  std::string name;
  std::string role;
  std::vector<MetadataEntry> identifiers;
  std::string url;
  Hash256 document;             // zero when none
  uint32_t version = 0;         // profile versions so far: 1 for the first
  uint32_t updated_height = 0;  // the height of the newest version
  uint32_t history_count = 0;   // party events so far; the next event's sequence number
  bool operator==(const Party&) const = default;
};

enum class PartyEventType : uint8_t {
  kProfile = 1,  // a profile version (the fields as published)
  kEndorse = 2,  // actor (a registrar) endorsed the account for role
  kRevoke = 3,   // actor revoked its endorsement for role
};
const char* PartyEventTypeName(PartyEventType t);

// One entry in an account's party history ('p' keys): every profile version and every
// endorsement and revocation, in order.
struct PartyEvent {
  uint32_t sequence = 0;
  PartyEventType type = PartyEventType::kProfile;
  Hash256 txid;
  uint32_t height = 0;
  uint32_t time = 0;  // the block's time
  AccountId actor;    // the tx sender: the account itself for a profile, else the registrar
  std::string name;   // profile only
  std::string role;   // profile: the declared role; endorse/revoke: the role endorsed
  std::vector<MetadataEntry> identifiers;  // profile only
  std::string url;                         // profile only
  Hash256 document;                        // profile only
  uint32_t version = 0;  // the profile version current after (profile) or at (endorse) the tx
  bool operator==(const PartyEvent&) const = default;
};

// An endorsement in force: (account, role, registrar) -> this.
struct Endorsement {
  uint32_t height = 0;  // where it was made
  Hash256 txid;
  bool operator==(const Endorsement&) const = default;
};

// Where a confirmed tx is.
struct TxLocation {
  Hash256 block;
  uint32_t height = 0;
  uint32_t index = 0;  // position in the block
  bool operator==(const TxLocation&) const = default;
};

Bytes EncodeAccount(const Account& a);
Result<Account> DecodeAccount(ByteSpan data);
Bytes EncodeAsset(const Asset& a);
Result<Asset> DecodeAsset(ByteSpan data);
Bytes EncodeAssetEvent(const AssetEvent& e);
Result<AssetEvent> DecodeAssetEvent(ByteSpan data);
Bytes EncodeParty(const Party& p);
Result<Party> DecodeParty(ByteSpan data);
Bytes EncodePartyEvent(const PartyEvent& e);
Result<PartyEvent> DecodePartyEvent(ByteSpan data);
Bytes EncodeEndorsement(const Endorsement& e);
Result<Endorsement> DecodeEndorsement(ByteSpan data);
// The value under keys::Correction: the event's sequence, u32 little-endian.
Bytes EncodeSequence(uint32_t sequence);
Result<uint32_t> DecodeSequence(ByteSpan data);
Bytes EncodeTxLocation(const TxLocation& l);
Result<TxLocation> DecodeTxLocation(ByteSpan data);

// Keys of the single LevelDB database. One prefix byte per kind; multi-byte integers in
// keys are big-endian so that LevelDB's byte order is numeric order.
namespace keys {
inline constexpr char kAccount = 'a';     // 'a' || account id          -> Account
// 'c' || custodian || asset id -> empty, for each open asset: the custody index, so that an
// account's assets are listed without a scan of every asset (ListCustody, chain/custody.h).
// StateCache::PutAsset keeps it, so every operation and the undo data keep it too.
inline constexpr char kCustody = 'c';
// 'g' || str key || str value || asset id -> empty, for each published (kind 0) metadata entry
// of each asset record (any status): the metadata index, so that assets are found by a key and
// value (gtin, lot) without a scan of every asset (FindByMetadata, chain/metadata_index.h).
// str = CompactSize length || bytes. StateCache::PutAsset keeps it, as the custody index.
inline constexpr char kMetadata = 'g';
inline constexpr char kAsset = 's';       // 's' || asset id            -> Asset
inline constexpr char kEvent = 'e';       // 'e' || asset id || u32 seq -> AssetEvent
inline constexpr char kEndorsement = 'n';  // 'n' || account || str role || registrar -> Endorsement
inline constexpr char kPartyEvent = 'p';  // 'p' || account || u32 seq   -> PartyEvent
inline constexpr char kParty = 'r';       // 'r' || account             -> Party
inline constexpr char kTxIndex = 't';     // 't' || txid                -> TxLocation
inline constexpr char kHeight = 'h';      // 'h' || u32 height          -> block id (active chain)
inline constexpr char kBlockIndex = 'i';  // 'i' || block id            -> BlockIndexRecord
inline constexpr char kBlock = 'b';       // 'b' || block id            -> block bytes
inline constexpr char kUndo = 'u';        // 'u' || block id            -> undo record
inline constexpr char kMeta = 'm';        // 'm' || name                -> metadata (tip, version)
// 'x' || asset id || event id -> u32 sequence, for each `correct` event: what asset.correct's
// `corrects` may name besides the creating event (sequence 0), found without a scan.
inline constexpr char kCorrection = 'x';
// Protocol 3, contracts (records and key builders in chain/contract_state.h, §11.1). All are
// plain state keys: undo data records their previous values like an account's.
inline constexpr char kContract = 'o';         // 'o' || contract id -> ContractRecord
// 'q' || contract id -> the code as deployed; apart from 'o' so that a call that runs out of
// gas before its first instruction, or finds its code in the code cache, never reads it.
inline constexpr char kContractCode = 'q';
// 'j' || contract id -> u64 calls recorded (absent: 0), the next call's 'l' sequence; apart
// from 'o' so that a call writes 8 bytes, not the record.
inline constexpr char kContractCallCount = 'j';
inline constexpr char kContractStorage = 'w';  // 'w' || contract id || key -> value
inline constexpr char kCallRecord = 'k';       // 'k' || txid -> CallRecord
inline constexpr char kContractCall = 'l';     // 'l' || contract id || u64 seq -> txid
// 'v' || asset id || str claim || attester -> u32 sequence (EncodeSequence) of the attester's
// newest attestation of claim on the asset: the attestation index that a contract's
// ATTESTATION reads with one index read and one event read. Written by asset.attest from
// protocol 3 on; unlike 'c' and 'g' it does not follow from the asset record, so it is no
// index key for the undo data (IsIndexKey) but a state key of its own.
inline constexpr char kAttestation = 'v';

std::string Account(const AccountId& id);
std::string Asset(const Hash256& id);
std::string Event(const Hash256& asset, uint32_t sequence);
std::string EventPrefix(const Hash256& asset);
std::string Party(const AccountId& account);
std::string PartyEvent(const AccountId& account, uint32_t sequence);
std::string PartyEventPrefix(const AccountId& account);
// role is at most kMaxRoleLen bytes, written as a string (CompactSize length, then bytes).
std::string Endorsement(const AccountId& account, std::string_view role,
                        const AccountId& registrar);
std::string EndorsementPrefix(const AccountId& account);
// The parts of an Endorsement key; false when key is not one.
bool ParseEndorsement(std::string_view key, AccountId* account, std::string* role,
                      AccountId* registrar);
std::string TxIndex(const Hash256& txid);
std::string Height(uint32_t height);
std::string BlockIndex(const Hash256& id);
std::string Block(const Hash256& id);
std::string Undo(const Hash256& id);
std::string Meta(std::string_view name);
std::string Correction(const Hash256& asset, const Hash256& event);
// claim is at most kMaxClaimLen bytes, written as a string.
std::string Attestation(const Hash256& asset, std::string_view claim, const AccountId& attester);
std::string Contract(const AccountId& contract);
std::string ContractCode(const AccountId& contract);
std::string ContractCallCount(const AccountId& contract);
// key is the storage key as the contract gave it (1..64 bytes), appended raw.
std::string ContractStorage(const AccountId& contract, ByteSpan key);
std::string ContractStoragePrefix(const AccountId& contract);
std::string CallRecord(const Hash256& txid);
std::string ContractCall(const AccountId& contract, uint64_t sequence);
std::string Custody(const AccountId& custodian, const Hash256& asset);
std::string CustodyPrefix(const AccountId& custodian);
// The asset id of a Custody key; false when key is not one.
bool ParseCustody(std::string_view key, AccountId* custodian, Hash256* asset);
// key is at most kMaxMetadataKeyLen bytes and value at most kMaxMetadataValueLen.
std::string Metadata(std::string_view key, std::string_view value, const Hash256& asset);
// Every Metadata key of (key, value), and nothing else.
std::string MetadataPrefix(std::string_view key, std::string_view value);
// The parts of a Metadata key; false when key is not one.
bool ParseMetadata(std::string_view key, std::string* meta_key, std::string* meta_value,
                   Hash256* asset);
// The prefixes of the chain state that connecting blocks builds (accounts, custody index,
// events, metadata index, height index, contract call counts, call records, contract calls,
// endorsements, contracts, party events, contract code, parties, assets, tx index, attestation
// index, contract storage, corrections),
// in byte order; verifychain compares exactly these keys, getstateinfo hashes them and reindex
// deletes them.
inline constexpr char kStatePrefixes[] = {
    kAccount,    kCustody,     kEvent,       kMetadata,   kHeight,      kContractCallCount,
    kCallRecord, kContractCall, kEndorsement, kContract,  kPartyEvent,  kContractCode,
    kParty,      kAsset,       kTxIndex,     kAttestation, kContractStorage, kCorrection};
// True for keys under one of kStatePrefixes.
bool IsStateKey(std::string_view key);
// True for the keys of the custody and metadata indexes ('c', 'g'): state keys that follow from
// the asset records, so undo records leave them out (StateCache::MakeUndo, ApplyUndo).
bool IsIndexKey(std::string_view key);
}  // namespace keys

}  // namespace waybill::chain
