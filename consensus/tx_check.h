// Context-free transaction checks: the content rules a tx must meet whatever the state and
// the chain (Bitcoin Core's consensus/tx_check.h). The decoder (chain::DecodeTransaction)
// already bounds lengths and counts; these rules bound the values inside. Not checked here:
// the chain id, the nonce, the fee against the minimum, balances, assets (the state
// transition does those) and the signature (CheckBlockSignatures, the mempool).
#pragma once

#include <string_view>

#include "chain/tx.h"
#include "consensus/validation.h"

namespace waybill::consensus {

// Valid, or Invalid with one of these reasons (the detail says which field):
//   "bad-version"       version != chain::kTxVersion
//   "bad-amount"        transfer amount 0 or above chain::kMaxAmount
//   "bad-fee"           fee above chain::kMaxAmount
//   "bad-quantity"      issue or merge quantity 0
//   "bad-unit"          unit not 1..16 bytes of printable ASCII (0x21..0x7e)
//   "bad-metadata"      more than 16 entries; a key not 1..32 bytes of [a-z0-9._-]; keys
//                       not strictly ascending (bytewise); a value over 256 bytes, not valid
//                       UTF-8 or holding a control character (< 0x20 or 0x7f)
//   "bad-documents"     more than chain::kMaxDocuments document hashes
//   "bad-split"         not 2..16 parts, or a part of quantity 0
//   "bad-merge-inputs"  not 2..16 inputs, or an input listed twice
//   "bad-claim"         claim not 1..32 bytes of [a-z0-9._-], or value as a metadata value
//   "bad-contract-code" deploy code over kMaxContractCodeSize bytes or refused by
//                       contracts::ValidateBytecode (detail: "<reason> at code offset N")
//   "bad-contract-args" more than 16 arguments or one over 1024 bytes; a deploy without an
//                       `init` entry with arguments or a gas limit; a call's assets more
//                       than 16 or one listed twice
//   "bad-contract-entry" call entry not 1..32 bytes of [a-z0-9_]
//   "bad-gas-limit"     gas_limit 0 for a call, or for a deploy with `init`
//   "bad-amount"        (also) call coins above chain::kMaxAmount
// The count and length limits repeat the decoder's so that a tx built in memory (wallet,
// tests) is held to the same rules as one that came off the wire.
// Never returns kError.
ValidationResult CheckTransaction(const chain::Transaction& tx);

// The building blocks, exposed for the wallet and the RPC layer to reject bad input early
// with the same rules.
// 1..32 bytes of [a-z0-9._-].
bool IsValidMetadataKey(std::string_view key);
// 0..256 bytes of well-formed UTF-8 (no overlong forms, no surrogates, nothing above
// U+10FFFF) without C0 control characters or DEL.
bool IsValidMetadataValue(std::string_view value);
// 1..16 bytes, each 0x21..0x7e.
bool IsValidUnit(std::string_view unit);
// A GS1 Global Location Number: exactly 13 ASCII digits whose last is the GS1 mod-10 check
// digit of the first 12 (GS1 General Specifications §7.9: weights 3 and 1 alternating from
// the rightmost data digit, check = (10 - sum mod 10) mod 10).
bool IsValidGln(std::string_view gln);

}  // namespace waybill::consensus
