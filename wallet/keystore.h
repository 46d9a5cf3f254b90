// The encrypted keystore: a secret (the wallet's 64-byte BIP-39 seed) sealed under a passphrase
// with scrypt (OpenSSL EVP_PBE_scrypt) and AES-256-GCM. The format of its fields inside a
// wallet file, the exact associated data and the bounds are in docs/API.md, "Wallet files and
// the keystore".
//
// Failures are values that say which: a wrong passphrase (the check value does not match), a
// tampered ciphertext, tag or associated data (GCM fails although the check value matched),
// or scrypt parameters out of bounds (refused before anything is allocated).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "chain/status.h"
#include "chain/types.h"
#include "wallet/secret.h"

namespace waybill::wallet {

struct ScryptParams {
  uint64_t n = 0;  // CPU/memory cost: a power of two
  uint32_t r = 0;  // block size
  uint32_t p = 0;  // parallelism
  bool operator==(const ScryptParams&) const = default;
};

// Bounds on read (and on write): N a power of two in [2^10, 2^20], r in 1..16, p in 1..4, and
// scrypt's big buffer 128 * N * r at most kMaxScryptMemory.
inline constexpr uint64_t kMinScryptN = uint64_t{1} << 10;
inline constexpr uint64_t kMaxScryptN = uint64_t{1} << 20;
inline constexpr uint32_t kMaxScryptR = 16;
inline constexpr uint32_t kMaxScryptP = 4;
inline constexpr uint64_t kMaxScryptMemory = uint64_t{256} << 20;
// A sealed secret is small (a seed is 64 bytes); a longer ciphertext is refused on read.
inline constexpr size_t kMaxSealedSecret = 1024;

// The parameters new keystores use: N = 2^16, r = 8, p = 1 (64 MiB), measured by
// bench/bench_keystore.cpp so that unlocking takes 0.2-1 s on the reference machine
// (docs/BENCHMARKS.md, "Wallet keystore").
ScryptParams DefaultScryptParams();

// OK, or Invalid naming the bound that params break. Pure arithmetic: allocates nothing.
chain::Status CheckScryptParams(const ScryptParams& params);

struct Keystore {
  ScryptParams scrypt;
  std::array<uint8_t, 32> salt{};
  std::array<uint8_t, 12> nonce{};
  // The first 16 bytes of SHA-256 of the second half of the scrypt output: tells a wrong
  // passphrase from a tampered ciphertext without revealing the encryption key.
  std::array<uint8_t, 16> check{};
  chain::Bytes ciphertext;
  std::array<uint8_t, 16> tag{};
};

enum class KeystoreError {
  kNone,
  kWrongPassphrase,  // the check value does not match (or the salt/params/check were altered)
  kTampered,         // the check value matches but GCM refuses the ciphertext, tag or AAD
  kBadParams,        // scrypt parameters out of bounds (nothing was allocated)
  kMalformed,        // not a keystore / wallet file, or edited (wallet_file.h)
  kTruncated,        // the file ends early
  kIo,               // the disk or the OS failed (or the crypto library did)
  kNotFound,         // no such wallet (WalletDir::Load)
};

// A short name of the kind for messages and tests ("wrong passphrase", "tampered", ...).
const char* KeystoreErrorName(KeystoreError error);

// Seals secret under passphrase with a fresh random salt and nonce (OpenSSL RAND_bytes).
// The associated data GCM authenticates is the keystore's own header (version, params, salt:
// KeystoreAad) followed by aad, bytes the caller binds to the secret (a wallet file binds its
// format version, account number and account xpub). Invalid for bad params, an empty
// passphrase or a secret larger than kMaxSealedSecret; IoError if the crypto library fails.
// Takes as long as an Open (one scrypt).
chain::Result<Keystore> Seal(chain::ByteSpan secret, const SecretString& passphrase,
                             const ScryptParams& params, chain::ByteSpan aad);

struct OpenResult {
  SecretBytes secret;  // empty unless error == kNone
  KeystoreError error = KeystoreError::kNone;
  std::string reason;  // empty unless error != kNone
  bool ok() const { return error == KeystoreError::kNone; }
};

// Opens a keystore sealed by Seal with the same aad. Checks the parameters first (kBadParams,
// before anything is allocated), then derives the keys (scrypt with OpenSSL's maxmem bound as
// well), compares the check value (kWrongPassphrase) and decrypts (kTampered). The derived keys
// and every plaintext copy are wiped.
OpenResult Open(const Keystore& keystore, const SecretString& passphrase, chain::ByteSpan aad);

// The associated data Open and Seal authenticate: "waybill-keystore" (16 ASCII bytes), the
// keystore version 0x01, N as 8 bytes little-endian, r and p as 4 bytes little-endian each,
// the 32-byte salt, then the caller's aad.
chain::Bytes KeystoreAad(const ScryptParams& params, const std::array<uint8_t, 32>& salt,
                         chain::ByteSpan aad);

}  // namespace waybill::wallet
