// Shared fixtures of the consensus unit tests: the regtest network of genesis/regtest.json
// with four funded development keys, and helpers to build signed txs.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "chain/amount.h"
#include "chain/schnorr.h"
#include "chain/tx.h"
#include "consensus/params.h"
#include "node/params/genesis.h"

namespace waybill::consensus::testing {

inline constexpr chain::Amount kAllocation = 1'000'000 * chain::kCoin;  // regtest.json's
inline constexpr int kFundedKeys = 4;
inline constexpr int kKeys = 6;  // keys kFundedKeys.. have no allocation

inline chain::SecretKey DevKey(uint32_t index) {
  auto key = chain::SecretKey::FromBytes(chain::DevSecretKeyBytes(index).span());
  return std::move(*key);
}

// genesis/regtest.json (the one definition of the test network's parameters), with one
// deliberate change: only dev keys 0..kFundedKeys-1 keep their allocation, so that keys
// kFundedKeys.. start empty (the tests use them as fresh miners and recipients, and count
// the funded senders).
inline ChainParams MakeParams() {
  auto p = node::EmbeddedGenesis("regtest");
  if (!p.ok() || p->allocations.size() < kFundedKeys) std::abort();
  p->allocations.resize(kFundedKeys);
  for (uint32_t i = 0; i < kFundedKeys; ++i) {
    const Allocation& a = p->allocations[i];
    if (a.account != DevKey(i).PublicKey() || a.amount != kAllocation) std::abort();
  }
  if (!p->Finalize().ok()) std::abort();
  return std::move(*p);
}

// Holds the dev keys and signs txs for a network.
class TxFactory {
 public:
  explicit TxFactory(const ChainParams& params) : chain_id_(params.chain_id()) {
    for (uint32_t i = 0; i < kKeys; ++i) {
      keys_.push_back(DevKey(i));
      ids_.push_back(keys_.back().PublicKey());
    }
  }

  const chain::AccountId& Id(int key) const { return ids_.at(key); }
  const chain::SecretKey& Key(int key) const { return keys_.at(key); }

  // A signed tx. The default fee covers any tx these tests build (1 unit per byte).
  chain::Transaction Make(int key, uint64_t nonce, chain::Operation op,
                          chain::Amount fee = 2000) const {
    chain::Transaction tx;
    tx.chain_id = chain_id_;
    tx.sender = Id(key);
    tx.nonce = nonce;
    tx.fee = fee;
    tx.op = std::move(op);
    tx.Sign(keys_.at(key));
    return tx;
  }

  chain::TxWithId MakeWithId(int key, uint64_t nonce, chain::Operation op,
                             chain::Amount fee = 2000) const {
    return chain::MakeTxWithId(Make(key, nonce, std::move(op), fee));
  }

 private:
  chain::Hash256 chain_id_;
  std::vector<chain::SecretKey> keys_;
  std::vector<chain::AccountId> ids_;
};

}  // namespace waybill::consensus::testing
