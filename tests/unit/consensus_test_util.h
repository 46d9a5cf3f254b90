// Shared fixtures of the consensus unit tests: a hand-built "unittest" network funded from
// the published development keys, and helpers to build signed txs.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "chain/amount.h"
#include "chain/schnorr.h"
#include "chain/tx.h"
#include "consensus/params.h"

namespace waybill::consensus::testing {

inline constexpr chain::Amount kAllocation = 1000 * chain::kCoin;
inline constexpr int kFundedKeys = 4;
inline constexpr int kKeys = 6;  // keys kFundedKeys.. have no allocation

inline chain::SecretKey DevKey(uint32_t index) {
  auto key = chain::SecretKey::FromBytes(chain::DevSecretKeyBytes(index).span());
  return std::move(*key);
}

inline ChainParams MakeParams() {
  ChainParams p;
  p.network = "unittest";
  p.address_prefix = "wbu";
  p.magic = 0x57425554;
  p.pow_limit_bits = 0x207fffff;
  p.target_block_time = 2;
  p.asert_half_life = 3600;
  p.max_future_block_time = 7200;
  p.block_reward = 50 * chain::kCoin;
  p.halving_interval = 0;
  p.min_fee_per_byte = 1;
  p.max_block_size = 1'000'000;
  p.max_block_txs = 5000;
  for (uint32_t i = 0; i < kFundedKeys; ++i) {
    p.allocations.push_back({DevKey(i).PublicKey(), kAllocation});
  }
  p.genesis_time = 1'700'000'000;
  p.genesis_bits = 0x207fffff;
  if (!p.Finalize().ok()) std::abort();
  return p;
}

// Holds the dev keys and signs txs for the unittest network.
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
