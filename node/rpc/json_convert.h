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
// Does not: read the chain or the mempool (callers pass in what they know), nor read a tx
// from JSON (txs arrive as hex: sendrawtransaction, decoderawtransaction).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "chain/arith_uint256.h"
#include "chain/block.h"
#include "chain/quantity.h"
#include "chain/state.h"
#include "chain/status.h"
#include "chain/tx.h"
#include "chain/types.h"

namespace waybill::node {

using Json = nlohmann::json;

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

}  // namespace waybill::node
