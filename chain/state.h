// State records kept in the state store: accounts, assets and asset events, with their
// canonical encodings and the LevelDB keys they live under (docs/PROTOCOL.md "Storage").
#pragma once

#include <cstdint>
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
  kTransform = 8,    // closed by a transform; related = outputs
  kTransformOutput = 9,  // created by a transform; related = inputs
};
const char* EventTypeName(EventType t);

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
  std::string value;  // attest only
  Hash256 document;   // attest only; zero when none
  bool operator==(const AssetEvent&) const = default;
};
Hash256 AssetEventId(const Hash256& txid, const Hash256& asset);

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
Bytes EncodeTxLocation(const TxLocation& l);
Result<TxLocation> DecodeTxLocation(ByteSpan data);

// Keys of the single LevelDB database. One prefix byte per kind; multi-byte integers in
// keys are big-endian so that LevelDB's byte order is numeric order.
namespace keys {
inline constexpr char kAccount = 'a';     // 'a' || account id          -> Account
inline constexpr char kAsset = 's';       // 's' || asset id            -> Asset
inline constexpr char kEvent = 'e';       // 'e' || asset id || u32 seq -> AssetEvent
inline constexpr char kTxIndex = 't';     // 't' || txid                -> TxLocation
inline constexpr char kHeight = 'h';      // 'h' || u32 height          -> block id (active chain)
inline constexpr char kBlockIndex = 'i';  // 'i' || block id            -> BlockIndexRecord
inline constexpr char kBlock = 'b';       // 'b' || block id            -> block bytes
inline constexpr char kUndo = 'u';        // 'u' || block id            -> undo record
inline constexpr char kMeta = 'm';        // 'm' || name                -> metadata (tip, version)

std::string Account(const AccountId& id);
std::string Asset(const Hash256& id);
std::string Event(const Hash256& asset, uint32_t sequence);
std::string EventPrefix(const Hash256& asset);
std::string TxIndex(const Hash256& txid);
std::string Height(uint32_t height);
std::string BlockIndex(const Hash256& id);
std::string Block(const Hash256& id);
std::string Undo(const Hash256& id);
std::string Meta(std::string_view name);
// True for keys that belong to the chain state that connecting blocks builds (accounts,
// assets, events, tx index, height index); verifychain compares exactly these.
bool IsStateKey(std::string_view key);
}  // namespace keys

}  // namespace waybill::chain
