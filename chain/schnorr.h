// BIP-340 Schnorr signatures over secp256k1. This wrapper owns the libsecp256k1 C API:
// nothing else in Waybill calls secp256k1_* directly.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>

#include "chain/types.h"

struct secp256k1_context_struct;

namespace waybill::chain {

using Signature = std::array<uint8_t, 64>;  // R.x (32) || s (32)

// Verification needs no secret and no randomization: safe to call from any thread.
// Returns false for a public key that is not a valid x coordinate, and for any bad signature.
[[nodiscard]] bool VerifySchnorr(const AccountId& pubkey, ByteSpan msg, const Signature& sig);

// Verification with each public key parsed once. Parsing an x-only key (lift_x: a field
// square root) is about a tenth of a BIP-340 verification; a node verifies many signatures by
// the same accounts, so the verifier of a block's signatures keeps the parsed form of the keys
// it has met.
//
// Verify() returns exactly what VerifySchnorr returns, always: an entry holds what parsing its
// key produced, and parsing is deterministic. Only keys that parse are entered, so a key that
// is not a valid x coordinate is parsed (and fails) every time.
//
// Bounded: at most max_entries() keys, about 130 bytes each (6.5 MB at the default). Entering
// a key into a full cache evicts one chosen at random, as SignatureCache does, so no sequence
// of keys can pin or flush a chosen one. The table's hash is salted per cache: keys are chosen
// by their owners, and an unsalted hash would let them aim many keys at one bucket.
//
// Thread-safe: an internal mutex guards the table; parsing and verifying run outside it.
class PublicKeyCache {
 public:
  static constexpr size_t kDefaultMaxEntries = 50'000;

  // max_entries == 0 makes a cache that holds nothing (Verify is then VerifySchnorr).
  explicit PublicKeyCache(size_t max_entries = kDefaultMaxEntries);
  PublicKeyCache(const PublicKeyCache&) = delete;
  PublicKeyCache& operator=(const PublicKeyCache&) = delete;

  [[nodiscard]] bool Verify(const AccountId& pubkey, ByteSpan msg, const Signature& sig);

  struct Stats {
    uint64_t hits = 0;       // keys found parsed
    uint64_t misses = 0;     // keys parsed (successfully or not)
    uint64_t evictions = 0;  // entries removed to make room
    size_t size = 0;
  };
  Stats stats() const;
  size_t max_entries() const { return max_entries_; }

 private:
  // A secp256k1_xonly_pubkey, opaque here (schnorr.cpp checks the size).
  using Parsed = std::array<uint8_t, 64>;

  struct KeyHasher {
    uint64_t salt[4];
    size_t operator()(const AccountId& key) const noexcept;
  };
  static KeyHasher RandomHasher();

  // Fixed after construction.
  const size_t max_entries_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::unordered_map<AccountId, Parsed, KeyHasher> entries_;
  std::minstd_rand rng_;  // picks eviction victims
  Stats stats_;
};

// The x-only key of lift_x(pubkey) + tweak*G, with the tweak read as a big-endian integer
// (BIP-341's output key for a taproot tweak). nullopt if pubkey is not a valid x coordinate,
// the tweak is not below the curve order, or the result is the point at infinity.
// Safe to call from any thread.
[[nodiscard]] std::optional<AccountId> TweakXOnly(const AccountId& pubkey, const Hash256& tweak);

// A secret key. Wiped on destruction. Not copyable; movable.
class SecretKey {
 public:
  // nullopt unless 0 < key < curve order.
  static std::optional<SecretKey> FromBytes(ByteSpan key32);
  // 32 random bytes from the OS CSPRNG (OpenSSL RAND_bytes), retried until valid.
  static SecretKey Generate();
  ~SecretKey();
  SecretKey(SecretKey&&) noexcept;
  SecretKey& operator=(SecretKey&&) noexcept;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;

  AccountId PublicKey() const;  // x-only public key
  // BIP-340 sign of an arbitrary-length message with the given auxiliary randomness.
  Signature Sign(ByteSpan msg, const std::array<uint8_t, 32>& aux_rand) const;
  // Same, with fresh auxiliary randomness from the OS.
  Signature Sign(ByteSpan msg) const;
  const std::array<uint8_t, 32>& bytes() const { return key_; }

 private:
  SecretKey();
  void Wipe();

  std::array<uint8_t, 32> key_{};
  // The secp256k1_keypair (secret and public key) computed once from key_, so that signing
  // does not redo the public key multiplication. Secret: wiped like key_.
  std::array<uint8_t, 96> keypair_{};
  AccountId pubkey_;
  // A signing context of its own, randomized at creation (side-channel blinding). Signing
  // only reads it, so Sign may run on several threads at once.
  secp256k1_context_struct* ctx_ = nullptr;
};

// The published development keys: secret key i = tagged_hash("Waybill/DevKey", u32 i). They
// fund the devnet and regtest allocations and sign in tests and benchmarks. Never use them for
// anything of value.
Hash256 DevSecretKeyBytes(uint32_t index);

}  // namespace waybill::chain
