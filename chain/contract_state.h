// The state that contract transactions write (protocol 3): contract records, their storage,
// the record of each contract tx, and each contract's list of calls, with their canonical
// encodings (docs/PROTOCOL.md §11.1) and read helpers. Their keys are chain/state.h's
// (keys::Contract, ContractCode, ContractCallCount, ContractStorage, CallRecord, ContractCall).
// The state transition writes them through StateCache::Put / Delete, so undo data and reorgs
// cover them like every other state key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chain/amount.h"
#include "chain/status.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::chain {

// Decoder bounds of the records. Each is at least the VM's limit of the same thing
// (contracts/limits.h; contracts/interpreter.h static_asserts it), so every record the state
// transition writes decodes.
inline constexpr size_t kMaxCallLogs = 16;              // contracts::kMaxLogsPerCall
inline constexpr size_t kMaxCallLogBytes = 256;         // contracts::kMaxLogBytes
inline constexpr size_t kMaxCallEffects = 64;           // contracts::kMaxEffectsPerCall
inline constexpr size_t kMaxStorageKeyBytes = 64;       // contracts::kMaxStorageKeyBytes
inline constexpr size_t kMaxStorageValueBytes = 1024;   // contracts::kMaxValueBytes
// CallRecord::detail (the host's reason for a refused effect) is cut to this many bytes by
// TruncateCallDetail before it is recorded.
inline constexpr size_t kMaxCallDetailLen = 256;

// 'o' || contract id -> ContractRecord. Written once, by contract.deploy (with its `init` when
// it has one), never by a call: the code is under 'q' (ReadContractCode) and the count of
// calls under 'j' (ReadContractCallCount). The contract's coins are its account's balance
// ('a'), its assets are those it custodies.
struct ContractRecord {
  AccountId deployer;
  Hash256 deploy_txid;
  uint32_t height = 0;     // of the deploy's block
  Hash256 code_hash;       // ContractCodeHash of the code: what the code cache is keyed by
  uint32_t code_size = 0;  // bytes (<= kMaxContractCodeSize): what a run's intrinsic gas counts
  bool operator==(const ContractRecord&) const = default;
};

// SHA-256 of the code as deployed.
Hash256 ContractCodeHash(ByteSpan code);

enum class ContractEffectKind : uint8_t {
  kCoins = 1,  // coins sent: to, amount
  kAsset = 2,  // an asset sent: to, asset
  kSplit = 3,  // asset split: asset (the parent), amount (the first child's quantity; the
               // second has the rest), created (the 2 children)
  kMerge = 4,  // asset and with merged: created (the 1 output)
};
const char* ContractEffectKindName(ContractEffectKind kind);  // "coins", "asset", ...

// One effect a contract made through the host, in the order it made them. The fields a kind
// does not use are zero (and not encoded).
struct ContractEffect {
  ContractEffectKind kind = ContractEffectKind::kCoins;
  AccountId to;
  Amount amount = 0;
  Hash256 asset;
  Hash256 with;                  // merge: the second input
  std::vector<Hash256> created;  // split: 2 ids; merge: 1 id
  bool operator==(const ContractEffect&) const = default;
};

// 'k' || txid -> CallRecord: what a contract.deploy or contract.call in a block did. Written
// for every such tx, successful or not (a failed call keeps its record; its effects are gone).
struct CallRecord {
  Hash256 contract;
  std::string entry;     // the call's entry; "init" for a deploy's init; empty: a deploy without
  uint8_t outcome = 0;   // contracts::Outcome: 0 success, 1 vm-error, 2 out-of-gas, 3 aborted
  uint8_t error = 0;     // contracts::VmError's code; 0 on success
  std::string detail;    // effect-refused: the host's reason (at most kMaxCallDetailLen)
  uint32_t error_offset = 0;
  uint64_t abort_code = 0;
  uint64_t gas_used = 0;
  uint64_t gas_limit = 0;
  std::vector<Bytes> logs;              // as the VM emitted them; empty when the call failed (undone)
  std::vector<ContractEffect> effects;  // empty when the call failed (they were undone)
  bool operator==(const CallRecord&) const = default;
};
inline constexpr uint8_t kCallOutcomeMax = 3;
// reason cut to kMaxCallDetailLen bytes (at a byte; the detail is shown, never parsed).
std::string TruncateCallDetail(std::string_view reason);

class Reader;
class Writer;
// One effect as §11.1 encodes it (in a call record, and in a proof bundle's claims, §14.1).
// ReadContractEffect fails the reader (chain/serialize.h) on an unknown kind or truncation.
void WriteContractEffect(Writer& w, const ContractEffect& e);
bool ReadContractEffect(Reader& r, ContractEffect* e);
// The fewest bytes an encoded effect takes (coins: kind, to, amount).
inline constexpr size_t kMinContractEffectBytes = 1 + 32 + 8;

Bytes EncodeContractRecord(const ContractRecord& c);
Result<ContractRecord> DecodeContractRecord(ByteSpan data);
// The value under 'j': u64 little-endian.
Bytes EncodeCallCount(uint64_t calls);
Result<uint64_t> DecodeCallCount(ByteSpan data);
Bytes EncodeCallRecord(const CallRecord& r);
Result<CallRecord> DecodeCallRecord(ByteSpan data);

// Event ids of the asset events a contract tx writes (attachments and the contract's effects):
// tagged_hash("Waybill/ContractEvent", txid || asset id || u32 sequence), sequence = the
// event's sequence in the asset's history, since one tx may move an asset twice.
Hash256 ContractEventId(const Hash256& txid, const Hash256& asset, uint32_t sequence);

// The contract's record; nullopt when no contract has that id. A record that does not decode
// is Corruption.
Result<std::optional<ContractRecord>> ReadContract(const KvReader& state, const AccountId& contract);
// The contract's code ('q'); nullopt when no contract has that id. Code over
// kMaxContractCodeSize is Corruption.
Result<std::optional<Bytes>> ReadContractCode(const KvReader& state, const AccountId& contract);
// The number of contract.call txs recorded for the contract ('j'): 0 when absent (no call yet,
// or no such contract). A value that does not decode is Corruption.
Result<uint64_t> ReadContractCallCount(const KvReader& state, const AccountId& contract);
// The record of a contract tx; nullopt when txid is no confirmed contract tx.
Result<std::optional<CallRecord>> ReadCallRecord(const KvReader& state, const Hash256& txid);
// The contract's storage in key order, at most limit entries: (key, value).
Result<std::vector<std::pair<Bytes, Bytes>>> ListContractStorage(const KvScanner& state,
                                                                 const AccountId& contract,
                                                                 size_t limit);
// The txids of the contract's newest calls (at most limit), newest first: reads the call count
// ('j'), then the 'l' keys downward; no scan. Empty for an unknown contract.
Result<std::vector<Hash256>> RecentContractCalls(const KvReader& state, const AccountId& contract,
                                                 size_t limit);

}  // namespace waybill::chain
