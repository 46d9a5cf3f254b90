// Base58 and Base58Check (Bitcoin's alphabet; the checksum is the first 4 bytes of SHA-256d
// of the payload), the text form of BIP-32 extended keys (wallet/bip32.h).
#pragma once

#include <string>
#include <string_view>

#include "chain/status.h"
#include "chain/types.h"

namespace waybill::wallet {

// Longer strings are refused before decoding (an extended key is 111 characters).
inline constexpr size_t kMaxBase58Length = 200;

std::string EncodeBase58(chain::ByteSpan data);
std::string EncodeBase58Check(chain::ByteSpan payload);

// Invalid with a reason: longer than kMaxBase58Length ("too long"), a character outside the
// alphabet (named with its position), or, for Base58Check, shorter than the 4-byte checksum
// or a checksum mismatch ("invalid checksum"). The decoded bytes may be a secret (an xprv):
// temporaries are wiped, and the caller wipes the result when it holds one.
chain::Result<chain::Bytes> DecodeBase58(std::string_view text);
chain::Result<chain::Bytes> DecodeBase58Check(std::string_view text);

}  // namespace waybill::wallet
