// What signs for an account. Today a key held in memory (from a key file, a new random key
// or a development key); the coming keystore and BIP-32 keys are further Signers, so the code
// that builds and signs txs (wallet/tx_builder.h) does not change when they arrive.
#pragma once

#include <cstdint>

#include "chain/schnorr.h"
#include "chain/status.h"
#include "chain/types.h"

namespace waybill::wallet {

class Signer {
 public:
  virtual ~Signer() = default;
  // The account whose txs this signer signs (its x-only public key).
  virtual chain::AccountId Account() const = 0;
  // The BIP-340 signature of a 32-byte message (a tx's SigHash) by Account().
  virtual chain::Signature SignHash(const chain::Hash256& message) const = 0;
};

// A Signer over a secret key it owns (wiped when the signer is destroyed).
class KeySigner final : public Signer {
 public:
  explicit KeySigner(chain::SecretKey key) : key_(std::move(key)) {}
  chain::AccountId Account() const override { return key_.PublicKey(); }
  chain::Signature SignHash(const chain::Hash256& message) const override {
    return key_.Sign(message.span());
  }
  const chain::SecretKey& key() const { return key_; }

 private:
  chain::SecretKey key_;
};

// A new random key (the OS CSPRNG).
chain::SecretKey NewKey();

// The published development key index (chain::DevSecretKeyBytes): keys 0..9 are funded on
// devnet and regtest. Invalid for the (astronomically unlikely) index whose hash is no valid
// secret.
chain::Result<chain::SecretKey> DevKey(uint32_t index);

}  // namespace waybill::wallet
