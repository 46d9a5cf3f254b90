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
#include <span>
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

// Elliptic-curve steps for BIP-32 key derivation (wallet/bip32.h), on compressed (SEC1, 33-byte)
// public keys. Every function is safe to call from any thread. Secrets stay in the caller's
// buffers; copies made here are wiped.
namespace ec {

using PubKey = std::array<uint8_t, 33>;  // 0x02 or 0x03, then the x coordinate

// The compressed public key secret*G. nullopt unless secret32 is 32 bytes with
// 0 < secret < curve order. Uses a freshly randomized context (side-channel blinding).
[[nodiscard]] std::optional<PubKey> PublicKeyOf(ByteSpan secret32);

// secret := secret + tweak (mod n), both read as big-endian integers. False (secret then
// wiped to zeros) when secret is not a valid secret key, tweak is not below the curve order,
// or the sum is zero.
[[nodiscard]] bool SecretTweakAdd(std::span<uint8_t, 32> secret, ByteSpan tweak32);

// The compressed key of pubkey + tweak*G. nullopt when pubkey is not a valid compressed key,
// tweak32 is not 32 bytes below the curve order, or the sum is the point at infinity.
[[nodiscard]] std::optional<PubKey> PubKeyTweakAdd(const PubKey& pubkey, ByteSpan tweak32);

// True for 33 bytes 0x02/0x03 || x where x is the x coordinate of a curve point.
[[nodiscard]] bool IsValidPubKey(ByteSpan pubkey33);

// The x-only (BIP-340) key of a valid compressed key: its x coordinate, the parity dropped.
// nullopt when pubkey is not valid.
[[nodiscard]] std::optional<AccountId> XOnly(const PubKey& pubkey);

}  // namespace ec

}  // namespace waybill::chain
