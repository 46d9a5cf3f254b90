// Transactions: one sender, one operation, one BIP-340 signature over the chain id.
// Byte layout and rules: docs/PROTOCOL.md "Transactions".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chain/amount.h"
#include "chain/schnorr.h"
#include "chain/status.h"
#include "chain/types.h"

namespace waybill::chain {

// Wire codes of the operations. New operations get new codes; a code the node does not
// know makes the tx undecodable (so invalid), which is how the set can grow by a
// coordinated upgrade.
enum class OpType : uint8_t {
  kTransfer = 1,
  kAssetIssue = 2,
  kAssetTransfer = 3,
  kAssetSplit = 4,
  kAssetMerge = 5,
  kAssetAttest = 6,
  kPartyProfile = 8,
  kPartyEndorse = 9,
  kAssetCorrect = 10,
  kAssetTransform = 7,
  kContractDeploy = 11,  // protocol 3
  kContractCall = 12,    // protocol 3
};
const char* OpTypeName(OpType type);  // "transfer", "asset.issue", ...

// Encoding limits. The decoder enforces the length and count limits before allocating;
// CheckTransaction (consensus/tx_check.h) enforces the content rules.
inline constexpr uint16_t kTxVersion = 2;
inline constexpr size_t kMaxTxSize = 64 * 1024;
inline constexpr size_t kMaxUnitLen = 16;
inline constexpr size_t kMaxMetadataEntries = 16;
inline constexpr size_t kMaxMetadataKeyLen = 32;
inline constexpr size_t kMaxMetadataValueLen = 256;
inline constexpr size_t kMaxDocuments = 8;
inline constexpr size_t kMinSplitParts = 2;
inline constexpr size_t kMaxSplitParts = 1000;
// A split child's own metadata entries (they replace or add to the parent's, §9.2).
inline constexpr size_t kMaxSplitChildMetadata = 4;
inline constexpr size_t kMinMergeInputs = 2;
inline constexpr size_t kMaxMergeInputs = 16;
inline constexpr size_t kMinTransformInputs = 1;
inline constexpr size_t kMaxTransformInputs = 16;
inline constexpr size_t kMinTransformOutputs = 1;
inline constexpr size_t kMaxTransformOutputs = 16;
inline constexpr size_t kMaxClaimLen = 32;
inline constexpr size_t kMaxClaimValueLen = 256;
inline constexpr size_t kMaxPartyNameLen = 64;
inline constexpr size_t kMaxRoleLen = 32;
inline constexpr size_t kMaxIdentifiers = 8;
inline constexpr size_t kMaxUrlLen = 256;
inline constexpr size_t kMinCorrectEntries = 1;
inline constexpr size_t kMaxCorrectReasonLen = 256;
// Contract operations (protocol 3). The argument bounds equal the VM's (contracts/limits.h
// kMaxArguments, kMaxValueBytes; contracts/ static_asserts it), so a decodable call never
// fails the VM's own argument check for its size.
inline constexpr size_t kMaxContractCodeSize = 32 * 1024;  // bytes of `code`
inline constexpr size_t kMaxContractArgs = 16;
inline constexpr size_t kMaxContractArgBytes = 1024;       // a bytes argument
inline constexpr size_t kMaxContractEntryLen = 32;
inline constexpr size_t kMaxCallAssets = 16;

// How a metadata entry holds its value (docs/PROTOCOL.md §3 "metadata entry").
enum class MetaKind : uint8_t {
  kPublished = 0,  // the value itself
  kCommitted = 1,  // MetaCommitment(salt, key, value): the value stays off the chain
};

// `kind` and `commitment` come after key and value so that MetadataEntry{key, value} is a
// published entry. The §8.3 metadata rule: a committed entry's value is empty and a published
// entry's commitment is zero (the encoding holds one or the other).
struct MetadataEntry {
  std::string key;
  std::string value;
  MetaKind kind = MetaKind::kPublished;
  Hash256 commitment{};
  bool operator==(const MetadataEntry&) const = default;
};

// tagged_hash("Waybill/MetaCommit", salt || string key || string value), string = CompactSize
// length || bytes. The salt is 32 random bytes that its holder keeps secret, so that a short
// value (a price) cannot be found by trying values; disclosing salt and value proves the value.
Hash256 MetaCommitment(const Hash256& salt, std::string_view key, std::string_view value);

struct TransferOp {
  AccountId to;
  Amount amount = 0;
  bool operator==(const TransferOp&) const = default;
};

// Creates an asset; the sender is its issuer and first custodian.
struct AssetIssueOp {
  Quantity quantity = 0;
  std::string unit;
  std::vector<MetadataEntry> metadata;  // keys strictly ascending
  std::vector<Hash256> documents;       // hashes of off-chain documents
  bool operator==(const AssetIssueOp&) const = default;
};

// Hands custody of a whole asset to another account.
struct AssetTransferOp {
  Hash256 asset;
  AccountId to;
  bool operator==(const AssetTransferOp&) const = default;
};

// One child of a split: its quantity and its own metadata, which replaces or adds to the
// parent's key by key (a bag label, a serial number).
struct SplitChild {
  Quantity quantity = 0;
  std::vector<MetadataEntry> metadata;  // keys strictly ascending, at most 4
  bool operator==(const SplitChild&) const = default;
};

// Closes the parent and creates one child per entry (quantities summing to the parent's), all
// in the parent's unit and custodied by the sender.
struct AssetSplitOp {
  Hash256 asset;
  std::vector<SplitChild> children;
  bool operator==(const AssetSplitOp&) const = default;
};
// Children of the given quantities without metadata of their own.
std::vector<SplitChild> SplitChildren(const std::vector<Quantity>& quantities);

// Closes the inputs and creates one new asset (a transformation: its quantity and unit are
// its own), custodied by the sender.
struct AssetMergeOp {
  std::vector<Hash256> inputs;  // distinct
  Quantity quantity = 0;
  std::string unit;
  std::vector<MetadataEntry> metadata;
  std::vector<Hash256> documents;
  bool operator==(const AssetMergeOp&) const = default;
};

// A claim about an asset by the sender (the attester): inspection, certificate, reading.
struct AssetAttestOp {
  Hash256 asset;
  std::string claim;  // the claim type, e.g. "temperature.max"
  std::string value;
  Hash256 document;   // all zeros when there is none
  bool operator==(const AssetAttestOp&) const = default;
};

// Publishes (or replaces) the sender's party profile: who is behind an address. Every version
// is kept in the account's party history.
struct PartyProfileOp {
  std::string name;                        // display name, text 1..64
  std::string role;                        // "farm", "certifier", ...: the claim alphabet
  std::vector<MetadataEntry> identifiers;  // keys strictly ascending; "gln" = a GS1 GLN
  std::string url;                         // text; empty = none
  Hash256 document;                        // all zeros when there is none
  bool operator==(const PartyProfileOp&) const = default;
};

enum class EndorseAction : uint8_t {
  kEndorse = 1,
  kRevoke = 2,
};

// A registrar of the network (genesis `registrars`) endorses an account's profile for a
// role, or revokes that endorsement.
struct PartyEndorseOp {
  AccountId account;
  std::string role;
  EndorseAction action = EndorseAction::kEndorse;
  bool operator==(const PartyEndorseOp&) const = default;
};


// Amends the metadata of an asset (open or closed) by its custodian or issuer: each entry of
// `set` replaces the value of its key or adds the key. `corrects` is the event whose metadata
// this amends: the asset's creating event or an earlier correction of it. The history keeps
// both values (the `correct` event's changes); nothing earlier is rewritten.
struct AssetCorrectOp {
  Hash256 asset;
  Hash256 corrects;
  std::vector<MetadataEntry> set;  // 1..16 entries, keys strictly ascending
  std::string reason;              // text: why the correction is made
  bool operator==(const AssetCorrectOp&) const = default;
};

// One asset that a transformation creates: the fields of an issue.
struct TransformOutput {
  Quantity quantity = 0;
  std::string unit;
  std::vector<MetadataEntry> metadata;  // keys strictly ascending
  std::vector<Hash256> documents;
  bool operator==(const TransformOutput&) const = default;
};

// Closes 1..16 inputs and creates 1..16 outputs of any units and quantities (green coffee into
// roasted coffee and chaff), custodied by the sender. The yield (output to input) is the
// record; a network may bound it per pair of units (docs/PROTOCOL.md §9.2).
struct AssetTransformOp {
  std::vector<Hash256> inputs;  // distinct
  std::vector<TransformOutput> outputs;
  bool operator==(const AssetTransformOp&) const = default;
};

// An argument of a contract call or of a deploy's `init`: an integer or a byte string of at
// most kMaxContractArgBytes. Encoded as u8 kind (ContractArgKind), then u64 or bytes. The
// same type as contracts::Argument.
using ContractArg = std::variant<uint64_t, Bytes>;
enum class ContractArgKind : uint8_t {
  kInteger = 0,
  kBytes = 1,
};

// Deploys a contract: its id is ContractIdFor(chain id, sender, tx nonce). When the code has an
// entry named `init`, it runs at deploy with `args` under `gas_limit` (docs/PROTOCOL.md §9.2);
// without one, args are empty and gas_limit is 0 (§8.3).
struct ContractDeployOp {
  Bytes code;  // contracts/ bytecode, at most kMaxContractCodeSize bytes
  std::vector<ContractArg> args;
  uint64_t gas_limit = 0;
  bool operator==(const ContractDeployOp&) const = default;
};

// Calls `entry` of a contract: `coins` and `assets` move from the sender to the contract before
// the code runs; a failed call undoes them with every effect of the call, but the tx stays
// valid (nonce and fee consumed) and the failure is recorded (chain/contract_state.h).
struct ContractCallOp {
  AccountId contract;
  std::string entry;  // 1..32 bytes of [a-z0-9_] (§8.3; the decoder bounds the length)
  std::vector<ContractArg> args;
  Amount coins = 0;
  std::vector<Hash256> assets;  // distinct (§8.3), at most kMaxCallAssets
  uint64_t gas_limit = 0;
  bool operator==(const ContractCallOp&) const = default;
};

// The alternatives are in wire-code order starting at 1 (TypeOf relies on it).
using Operation = std::variant<TransferOp, AssetIssueOp, AssetTransferOp, AssetSplitOp,
                               AssetMergeOp, AssetAttestOp, AssetTransformOp, PartyProfileOp,
                               PartyEndorseOp, AssetCorrectOp, ContractDeployOp, ContractCallOp>;
OpType TypeOf(const Operation& op);

struct Transaction {
  uint16_t version = kTxVersion;
  Hash256 chain_id;
  AccountId sender;
  uint64_t nonce = 0;
  Amount fee = 0;
  Operation op;
  Signature signature{};

  bool operator==(const Transaction&) const = default;

  // Serialization without the signature: the preimage of the signature hash.
  Bytes SerializeUnsigned() const;
  Bytes Serialize() const;
  // tagged_hash("Waybill/TxId", Serialize()). Commits to the signature too, so a block's
  // Merkle root commits to every byte of every tx.
  Hash256 Id() const;
  // tagged_hash("Waybill/TxSig", SerializeUnsigned()): the 32-byte message signed.
  Hash256 SigHash() const;
  // Signs in place with key (its public key must be sender).
  void Sign(const SecretKey& key);
  // BIP-340 verify of signature over SigHash() by sender.
  bool VerifySignature() const;
};

// Strict decoder: bounded lengths, minimal CompactSize, known op type, no trailing bytes.
Result<Transaction> DecodeTransaction(ByteSpan data);

// The id of the index-th asset created by the tx (sender, nonce) on the chain chain_id:
// tagged_hash("Waybill/AssetId", chain_id || sender || u64 nonce || u32 index). The chain id
// comes first so that the same key and nonce name different assets on different networks.
Hash256 AssetIdFor(const Hash256& chain_id, const AccountId& sender, uint64_t nonce,
                   uint32_t index);
// The ids of the assets the tx creates, in order: for an issue or a merge one (index 0), for
// a split one per child (index i for children[i]), for a transform one per output (index i
// for outputs[i]); none for the other operations. The chain
// id is tx.chain_id (consensus refuses a tx whose chain id is not the network's before it
// creates anything). The state transition, the JSON forms and the wallet all take new asset
// ids from here.
std::vector<Hash256> NewAssetIds(const Transaction& tx);

// The id of the contract that the contract.deploy tx (deployer, nonce) creates on chain_id:
// tagged_hash("Waybill/ContractId", chain_id || deployer || u64 nonce). A contract is an
// account with this id; no key has it as public key (finding one is finding a preimage).
AccountId ContractIdFor(const Hash256& chain_id, const AccountId& deployer, uint64_t nonce);

// Metadata in the form the encoding requires (keys strictly ascending, bytewise) from entries
// in any order: sorted by key. Invalid with a reason naming the entry when there are more than
// kMaxMetadataEntries, a key is empty or longer than kMaxMetadataKeyLen, a published value is
// longer than kMaxMetadataValueLen, a committed entry carries a value, or a key appears twice. The content rules (the key alphabet,
// UTF-8 values) are consensus/tx_check.h's. Every reader of user-given metadata (the CLI's
// --meta, the JSON forms) goes through here.
Result<std::vector<MetadataEntry>> SortMetadata(std::vector<MetadataEntry> entries);

// A tx id together with the tx and its encoding, computed once.
struct TxWithId {
  Transaction tx;
  Hash256 id;
  size_t size = 0;  // serialized bytes
};
TxWithId MakeTxWithId(Transaction tx);

}  // namespace waybill::chain
