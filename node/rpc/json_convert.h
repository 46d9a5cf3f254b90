// JSON forms of Waybill's chain objects: blocks and headers, transactions, accounts, assets
// and asset events. The one place that knows these shapes; the JSON-RPC methods use it now
// and the REST API later. Shapes are listed in docs/API.md "JSON forms".
//
// Conventions every shape follows:
// - amounts, quantities, nonces, heights and times are JSON integers, never doubles;
// - hashes and ids are 64 lowercase hex digits in byte order (Hash256::ToHex);
// - an account is a Bech32m address with the network's prefix (`hrp`), and where useful
//   also its 64-hex id under a name ending in `_account`;
// - a hash that is absent (all zeros: no previous event, no document) is null;
// - next to every asset quantity, `amount` is the same quantity as a decimal string with the
//   unit's scale from the network's units table (`units`): quantity 250 of kg at scale 3 is
//   "0.250" (chain/quantity.h FormatScaled).
//
// The shapes of assets and events, which the REST API writes on its hot paths, are function
// templates over a sink (WriteAssetFields, WriteEventFields): instantiated for JsonWriter
// (json_writer.h: JSON text, no tree) and for JsonTreeBuilder (a Json tree, for the RPC), so
// each field mapping has one definition whichever form a caller needs.
//
// Does not: read the chain or the mempool (callers pass in what they know), nor read a tx
// from JSON (txs arrive as hex: sendrawtransaction, decoderawtransaction); only the two
// contract operations are read from JSON (callcontract's parameters, the CLI's contract run).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "chain/arith_uint256.h"
#include "chain/block.h"
#include "chain/contract_state.h"
#include "chain/quantity.h"
#include "chain/state.h"
#include "chain/status.h"
#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::node {

using Json = nlohmann::json;

class JsonWriter;

// Builds a Json tree through JsonWriter's calls, so that a mapping written once as a template
// over its sink also yields the RPC's Json. Misuse (a value without a key inside an object, an
// unbalanced End...) is a programming error, checked by assert, as in JsonWriter.
class JsonTreeBuilder {
 public:
  // Builds one new value; Take() returns it.
  JsonTreeBuilder();
  // Adds members to *object as if it were open (a member already there is replaced).
  // REQUIRES: *object is a Json object and outlives the builder; nothing but members and
  // their values is written (no EndObject for it).
  explicit JsonTreeBuilder(Json* object);
  ~JsonTreeBuilder();
  JsonTreeBuilder(const JsonTreeBuilder&) = delete;
  JsonTreeBuilder& operator=(const JsonTreeBuilder&) = delete;

  JsonTreeBuilder& BeginObject();
  JsonTreeBuilder& EndObject();
  JsonTreeBuilder& BeginArray();
  JsonTreeBuilder& EndArray();
  JsonTreeBuilder& Key(std::string_view key);
  JsonTreeBuilder& String(std::string_view value);
  JsonTreeBuilder& Uint(uint64_t value);
  JsonTreeBuilder& Int(int64_t value);
  JsonTreeBuilder& Bool(bool value);
  JsonTreeBuilder& Null();
  JsonTreeBuilder& Hex(std::span<const uint8_t> bytes);
  // A value that is already a tree.
  JsonTreeBuilder& Value(Json value);

  // The value built; the builder is empty afterwards. REQUIRES: made with JsonTreeBuilder().
  Json Take();

 private:
  Json* Slot();  // where the next value goes

  std::unique_ptr<Json> root_;
  std::vector<Json*> open_;  // the containers open, innermost last
  std::string key_;
  bool key_pending_ = false;
};

// The addresses of one reply: each account's Bech32m address is encoded once (the encoding
// costs about a microsecond, and a reply names the same few accounts many times). Holds at
// most kMaxEntries; past that, addresses are encoded on every call.
class AddressCache {
 public:
  static constexpr size_t kMaxEntries = 4096;
  explicit AddressCache(std::string hrp) : hrp_(std::move(hrp)) {}
  // The address of id; valid until the next call.
  const std::string& Of(const chain::AccountId& id);
  const std::string& hrp() const { return hrp_; }

 private:
  std::string hrp_;
  std::unordered_map<chain::AccountId, std::string, chain::Hash256Hasher> known_;
  std::string scratch_;
};

// Members of the published or committed metadata entries as MetadataToJson: an array of
// {key, value} or {key, commitment}. Sink: JsonWriter or JsonTreeBuilder (as every Write*).
template <typename Sink>
void WriteMetadata(Sink& out, const std::vector<chain::MetadataEntry>& metadata);
// The members of AssetToJson's object, written into an object the caller has opened (and
// closes, after members of its own).
template <typename Sink>
void WriteAssetFields(Sink& out, const chain::Asset& asset, AddressCache& addresses,
                      const chain::UnitScales& units);
// The members of EventToJson's object, written into an object the caller has opened.
template <typename Sink>
void WriteEventFields(Sink& out, const chain::AssetEvent& event, AddressCache& addresses,
                      std::optional<uint64_t> yield_ppm);

// Where a block sits, as far as the caller knows it.
struct BlockPosition {
  uint32_t height = 0;
  int64_t confirmations = -1;          // -1: not in the active chain
  std::optional<chain::Hash256> next;  // the next block of the active chain
  int64_t median_time = 0;             // median time past of the block (itself and 10 before)
  chain::ArithU256 chain_work;
};

// "207fffff": a compact target as 8 hex digits, as Bitcoin Core prints bits.
std::string BitsToHex(uint32_t bits);
// The target of a compact value as 64 hex digits; "" if bits does not decode to a target.
std::string BitsToTargetHex(uint32_t bits);
// The decimal digits of a 256-bit integer.
std::string ToDecimal(const chain::ArithU256& v);
// pow_limit / target as a decimal string with up to 8 fraction digits ("1", "2.5"): the
// difficulty relative to the easiest target of the network. "0" when bits is invalid.
std::string DifficultyString(uint32_t bits, const chain::ArithU256& pow_limit);

// {hash, confirmations, height, version, versionHex, merkleroot, miner, miner_account, time,
//  mediantime, nonce, bits, target, difficulty, chainwork, previousblockhash,
//  nextblockhash}. previousblockhash is left out for the genesis block and nextblockhash
// for a block with no successor in the active chain (as Bitcoin Core does).
Json HeaderToJson(const chain::BlockHeader& header, const chain::Hash256& id,
                  const BlockPosition& pos, const chain::ArithU256& pow_limit,
                  std::string_view hrp);

// The header's fields plus size, ntx and tx: txids (verbosity 1) or TxToJson objects
// (verbosity 2). REQUIRES: block.txids matches block.block.txs.
Json BlockToJson(const chain::DecodedBlock& block, const BlockPosition& pos,
                 const chain::ArithU256& pow_limit, std::string_view hrp,
                 const chain::UnitScales& units, int verbosity);

// {txid, version, chain_id, sender, sender_account, nonce, fee, size, type, op, signature}.
// op holds "type" and the operation's fields by type:
//   transfer:       to, to_account, amount
//   asset.issue:    quantity, amount, unit, metadata [{key, value}], documents [hex], asset
//                   (new id)
//   asset.transfer: asset, to, to_account
//   asset.split:    asset, children [{asset (new id), quantity, amount, metadata (the child's
//                   own entries, not merged with the parent's: getasset shows the result)}]
//   asset.merge:    inputs [ids], quantity, amount, unit, metadata, documents, asset (new id)
//   asset.attest:   asset, claim, value, document (hex or null)
//   party.profile:  name, role, identifiers [{key, value}], url, document (hex or null)
//   party.endorse:  account (address), role, action ("endorse" or "revoke")
//   asset.transform: inputs [ids], outputs [{quantity, amount, unit, metadata, documents,
//                   asset (new id)}]
//   asset.correct:  asset, corrects, set [{key, value}], reason
//   contract.deploy: code (hex), args [arg], gas_limit, contract (the new contract's address),
//                   contract_account
//   contract.call:  contract (address), contract_account, entry, args [arg], coins,
//                   assets [ids], gas_limit
// where arg is a JSON number (an integer argument) or {"hex": "..."} (a bytes argument).
Json TxToJson(const chain::Transaction& tx, const chain::Hash256& txid, size_t size,
              std::string_view hrp, const chain::UnitScales& units);
Json TxToJson(const chain::TxWithId& txw, std::string_view hrp, const chain::UnitScales& units);

// {address, account, balance, nonce}.
Json AccountToJson(const chain::AccountId& id, const chain::Account& account, std::string_view hrp);

// {asset, issuer, issuer_account, custodian, custodian_account, quantity, amount, unit, metadata,
//  documents, status, created_height, created_tx, last_event, event_count, parents,
//  children}. status is "open", "split", "merged" or "transformed" (AssetStatusName).
Json AssetToJson(const chain::Asset& asset, std::string_view hrp, const chain::UnitScales& units);

// {event, asset, sequence, type, prev_event, txid, height, time, actor, actor_account,
//  counterparty, counterparty_account, related}, plus claim, value, document for an
// attestation, with attester_certified (bool), and yield_ppm for a transform or
// transform_output event (the caller computes it from the linked assets,
// chain::TransformYieldPpm; null when it has none, e.g. mixed units). type is EventTypeName
// ("issue", "transfer", ...). prev_event is null for the creating event and counterparty null
// when there is none.
Json EventToJson(const chain::AssetEvent& event, std::string_view hrp,
                 std::optional<uint64_t> yield_ppm = std::nullopt);

// {address, account, name, role, identifiers [{key, value}], url, document, version,
//  updated_height, history_count}: a party record (the caller adds what it read besides).
Json PartyToJson(const chain::AccountId& id, const chain::Party& party, std::string_view hrp);

// {sequence, type, txid, height, time, actor, actor_account, role, version} plus, for a
// profile version, name, identifiers, url and document. type is "profile", "endorse" or
// "revoke"; for endorse and revoke the actor is the registrar and role the role endorsed.
Json PartyEventToJson(const chain::PartyEvent& event, std::string_view hrp);

// --- Contracts ---

// A contract argument: an integer as a JSON number, bytes as {"hex": "..."}.
Json ContractArgToJson(const chain::ContractArg& arg);
// Arguments as users and TxToJson give them: a JSON array (absent or null: none) of at most
// chain::kMaxContractArgs values, each a non-negative integer number (u64), a string of decimal
// digits (for integers above 2^53, which some JSON clients cannot hold exactly) or
// {"hex": "..."} of at most chain::kMaxContractArgBytes bytes. Invalid with a reason naming
// the argument otherwise.
chain::Result<std::vector<chain::ContractArg>> ContractArgsFromJson(const Json& args);
// The op members of TxToJson for the two operations, read back: deploy {code, args?,
// gas_limit?}; call {contract (address for hrp or 64 hex), entry, args?, coins?, assets?,
// gas_limit}. "type" and the derived members (contract of a deploy, *_account) are ignored;
// other unknown members are refused. Only the encoding's bounds are checked here (lengths and
// counts); the content rules are consensus's (CheckTransaction).
chain::Result<chain::ContractDeployOp> ContractDeployFromJson(const Json& op);
chain::Result<chain::ContractCallOp> ContractCallFromJson(const Json& op, std::string_view hrp);

// The members of a call record (chain::CallRecord): {contract, contract_account, entry,
// outcome ("success", "vm-error", "out-of-gas", "aborted"), gas_used, gas_limit, logs
// [{hex, text?}], effects [effect], message} plus, when the call failed: error (the VM
// error's text, e.g. "division-by-zero"), error_offset, and abort_code when aborted, detail
// when the host refused an effect. message is the result in words (contracts::ExecResult::
// ToString: "ok", "aborted (code 3) at code offset 9"). A log's text is there when the log is
// printable UTF-8 (consensus::IsValidMetadataValue). effect: {kind: "coins", to,
// to_account, amount} | {kind: "asset", to, to_account, asset} | {kind: "split", asset,
// created [2 ids]} | {kind: "merge", asset, with, created [1 id]}.
template <typename Sink>
void WriteCallRecordFields(Sink& out, const chain::CallRecord& record, AddressCache& addresses);
Json CallRecordToJson(const chain::CallRecord& record, std::string_view hrp);
// "success", "vm-error", "out-of-gas", "aborted" ("unknown" past them).
std::string_view CallOutcomeName(uint8_t outcome);

}  // namespace waybill::node
