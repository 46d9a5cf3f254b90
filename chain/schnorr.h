// BIP-340 Schnorr signatures over secp256k1. This wrapper owns the libsecp256k1 C API:
// nothing else in Waybill calls secp256k1_* directly.
#pragma once

#include <array>
#include <memory>
#include <optional>

#include "chain/types.h"

struct secp256k1_context_struct;

namespace waybill::chain {

using Signature = std::array<uint8_t, 64>;  // R.x (32) || s (32)

// Verification needs no secret and no randomization: safe to call from any thread.
// Returns false for a public key that is not a valid x coordinate, and for any bad signature.
[[nodiscard]] bool VerifySchnorr(const AccountId& pubkey, ByteSpan msg, const Signature& sig);

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

}  // namespace waybill::chain
