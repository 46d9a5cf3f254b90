// Bech32 (BIP-173) and Bech32m (BIP-350), and Waybill account addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/status.h"
#include "chain/types.h"

namespace waybill::chain::bech32 {

enum class Encoding { kBech32, kBech32m };

struct Decoded {
  Encoding encoding;
  std::string hrp;            // lowercase
  std::vector<uint8_t> data;  // 5-bit values, checksum removed
};

// Encodes lowercase. REQUIRES: hrp is 1..83 chars in 33..126, data values < 32.
std::string Encode(Encoding encoding, std::string_view hrp, const std::vector<uint8_t>& data);
// Rejects: length > 90, mixed case, chars outside 33..126, no separator, empty hrp,
// fewer than 6 checksum chars, invalid data chars, bad checksum.
std::optional<Decoded> Decode(std::string_view str);

// Regroups bits (e.g. 8 -> 5 with padding, 5 -> 8 without). nullopt on invalid padding.
std::optional<std::vector<uint8_t>> ConvertBits(const std::vector<uint8_t>& in, int from_bits,
                                                int to_bits, bool pad);

// BIP-173/350 segwit addresses (used by the official test vectors).
struct SegwitAddress {
  int version;
  std::vector<uint8_t> program;
};
std::optional<SegwitAddress> DecodeSegwit(std::string_view hrp, std::string_view addr);
std::optional<std::string> EncodeSegwit(std::string_view hrp, int version,
                                        const std::vector<uint8_t>& program);

// Waybill address: Bech32m, hrp from the genesis file, data = [0] (address version 0) followed
// by the 32-byte account id regrouped into 5-bit values (52 values).
std::string EncodeAddress(std::string_view hrp, const AccountId& account);
// Invalid with a reason: wrong hrp, wrong checksum kind, wrong version or length.
Result<AccountId> DecodeAddress(std::string_view hrp, std::string_view address);
// An account as users give it: exactly 64 hex digits (the account id), else an address for
// hrp. Invalid with DecodeAddress's reason when it is neither.
Result<AccountId> ParseAccount(std::string_view hrp, std::string_view text);

}  // namespace waybill::chain::bech32
