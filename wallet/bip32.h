// BIP-32 hierarchical deterministic keys on secp256k1, with Waybill's path
// m / 86' / 7687' / account' / 0 / index (docs/API.md "Keys and derivation"). An account id is
// the x-only key of a derived key (BIP-86's internal key, without its taproot tweak).
//
// Text form: standard Base58Check extended keys with Bitcoin's mainnet versions (xprv
// 0x0488ADE4, xpub 0x0488B21E); other versions are refused.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chain/schnorr.h"
#include "chain/status.h"
#include "chain/types.h"
#include "wallet/secret.h"

namespace waybill::wallet {

inline constexpr uint32_t kHardened = 0x80000000;
inline constexpr uint32_t kPurpose = 86;     // BIP-86: single-key x-only accounts
inline constexpr uint32_t kCoinType = 7687;  // Waybill (not registered in SLIP-44)

inline constexpr uint32_t kXpubVersion = 0x0488B21E;
inline constexpr uint32_t kXprvVersion = 0x0488ADE4;

// An extended key: a private one (secret, chain code) or a public one (point, chain code),
// with its place in the tree (depth, parent fingerprint, child number). Move-only: the
// secret is held in SecretBytes and wiped; Neuter() gives a public copy.
class ExtendedKey {
 public:
  // The master key of a seed of 16 to 64 bytes (HMAC-SHA512 keyed "Bitcoin seed"). Invalid
  // for another length, or for the one-in-2^127 seed whose key is out of range.
  static chain::Result<ExtendedKey> FromSeed(chain::ByteSpan seed);
  // An xprv or xpub. Invalid with the reason for every key that BIP-32's test vector 5
  // lists: wrong length, unknown version, zero depth with a non-zero parent fingerprint or
  // child number, private key data without the 0x00 prefix, private key 0 or >= n, public
  // key prefix not 02/03 or no curve point, bad checksum (wallet/base58.h).
  static chain::Result<ExtendedKey> Parse(std::string_view base58);

  // The child at index (>= kHardened: hardened). CKDpriv for a private key, CKDpub for a
  // public one. Invalid for a hardened index from a public key, for a key at depth 255 (the
  // deepest BIP-32 serializes), and for the one-in-2^127 index whose child is invalid
  // (BIP-32: use the next index). Internal when OpenSSL lacks RIPEMD-160 (the fingerprint).
  chain::Result<ExtendedKey> Derive(uint32_t index) const;
  // "m/86'/7687'/0'" from a master key (depth 0; "m" alone is the key itself), or a path
  // relative to this key: "0/5". ' or h marks a hardened index. ParsePath's errors.
  chain::Result<ExtendedKey> DerivePath(std::string_view path) const;

  ExtendedKey Neuter() const;  // the public key with the same place in the tree
  bool is_private() const { return !secret_.empty(); }

  // xprv if private (a secret: the caller wipes it, wallet::WipeString), else xpub.
  std::string ToBase58() const;
  std::string XpubBase58() const;

  chain::AccountId XOnly() const;                                 // the account id
  const chain::ec::PubKey& PublicKey() const { return pubkey_; }  // compressed
  chain::Result<chain::SecretKey> Secret() const;                 // Invalid when public
  uint8_t depth() const { return depth_; }
  uint32_t child_number() const { return child_number_; }
  // The first 4 bytes of HASH160 (RIPEMD-160 of SHA-256) of the compressed public key;
  // nullopt when OpenSSL lacks RIPEMD-160.
  std::optional<std::array<uint8_t, 4>> Fingerprint() const;
  const std::array<uint8_t, 4>& parent_fingerprint() const { return parent_fingerprint_; }

 private:
  ExtendedKey() = default;
  ExtendedKey Clone() const;
  // The 78 bytes BIP-32 serializes (a secret when private).
  SecretBytes Serialize(bool as_private) const;

  uint8_t depth_ = 0;
  std::array<uint8_t, 4> parent_fingerprint_{};
  uint32_t child_number_ = 0;
  std::array<uint8_t, 32> chain_code_{};
  chain::ec::PubKey pubkey_{};
  SecretBytes secret_;  // 32 bytes, or empty for a public key
};

// "m", "m/86'/7687'/0'/0/5" or relative "0/5": the indices (hardened ones + kHardened).
// Invalid for an empty level, a number of 2^31 or more, anything but digits with an optional
// ' or h, or more than 255 levels.
chain::Result<std::vector<uint32_t>> ParsePath(std::string_view path);
// REQUIRES: account < kHardened, index < kHardened.
std::string AccountPath(uint32_t account);                  // "m/86'/7687'/0'"
std::string AddressPath(uint32_t account, uint32_t index);  // "m/86'/7687'/0'/0/5"

}  // namespace waybill::wallet
