// Shared fixtures of the consensus unit tests: the regtest network of genesis/regtest.json
// with four funded development keys, and helpers to build signed txs and mined blocks.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "chain/amount.h"
#include "chain/block.h"
#include "chain/merkle.h"
#include "chain/schnorr.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/tip_view.h"
#include "consensus/validation.h"
#include "node/params/genesis.h"

namespace waybill::consensus::testing {

inline constexpr chain::Amount kAllocation = 1'000'000 * chain::kCoin;  // regtest.json's
inline constexpr int kFundedKeys = 4;
inline constexpr int kKeys = 6;  // keys kFundedKeys.. have no allocation

inline chain::SecretKey DevKey(uint32_t index) {
  auto key = chain::SecretKey::FromBytes(chain::DevSecretKeyBytes(index).span());
  if (!key) std::abort();
  return std::move(*key);
}

// A tx of key's account on the network chain_id, signed.
inline chain::Transaction SignedTx(const chain::Hash256& chain_id, const chain::SecretKey& key,
                                   uint64_t nonce, chain::Operation op, chain::Amount fee) {
  chain::Transaction tx;
  tx.chain_id = chain_id;
  tx.sender = key.PublicKey();
  tx.nonce = nonce;
  tx.fee = fee;
  tx.op = std::move(op);
  tx.Sign(key);
  return tx;
}

// Every state key (chain::keys::IsStateKey) of the database in dir with its value, read from
// the store itself: the caller closes its Chainstate first. The reorg tests compare two of
// these key for key.
inline std::map<std::string, chain::Bytes> StoredStateKeys(const std::filesystem::path& dir) {
  std::map<std::string, chain::Bytes> out;
  auto store = chain::Store::Open(dir.string());
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  chain::Status s = (*store)->Scan("", [&out](std::string_view key, chain::ByteSpan value) {
    if (chain::keys::IsStateKey(key)) out[std::string(key)].assign(value.begin(), value.end());
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// The asset id in state (a test failure, and a default Asset, when it is missing).
inline chain::Asset AssetIn(const chain::StateCache& state, const chain::Hash256& id) {
  auto a = state.GetAsset(id);
  EXPECT_TRUE(a.ok() && a->has_value()) << id.ToHex();
  return a.ok() && a->has_value() ? **a : chain::Asset{};
}

// The event of asset with this sequence number in state (a test failure when it is missing).
inline chain::AssetEvent EventIn(const chain::StateCache& state, const chain::Hash256& asset,
                                 uint32_t sequence) {
  chain::Bytes bytes;
  EXPECT_TRUE(state.Get(chain::keys::Event(asset, sequence), &bytes).ok());
  auto e = chain::DecodeAssetEvent(bytes);
  EXPECT_TRUE(e.ok());
  return e.ok() ? *e : chain::AssetEvent{};
}

// Counts the header's nonce up until its id meets its own bits (a few tries on regtest).
inline void Mine(chain::BlockHeader* header, const ChainParams& params) {
  while (!CheckProofOfWork(header->Id(), header->bits, params.pow_limit)) header->nonce++;
}

// A mined block on parent (at parent_height) with txs, paying miner, at the on-schedule time
// of its height, which keeps the ASERT target at the genesis bits on every branch.
inline chain::Block MakeBlock(const ChainParams& params, const chain::Hash256& parent,
                              uint32_t parent_height, std::vector<chain::Transaction> txs,
                              const chain::AccountId& miner) {
  chain::Block block;
  block.header.prev = parent;
  block.header.miner = miner;
  block.header.time =
      params.genesis_time + (parent_height + 1) * static_cast<uint32_t>(params.target_block_time);
  block.header.bits = params.genesis_bits;
  block.txs = std::move(txs);
  std::vector<chain::Hash256> ids;
  for (const auto& tx : block.txs) ids.push_back(tx.Id());
  block.header.merkle_root = chain::BlockMerkleRoot(ids);
  Mine(&block.header, params);
  return block;
}

// A path in the temp folder that no other test run uses, empty (the caller removes it).
inline std::filesystem::path FreshTempDir(const std::string& prefix) {
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + "_" + std::to_string(std::random_device{}()));
  std::filesystem::remove_all(dir);
  return dir;
}

// genesis/regtest.json as the node embeds it: the one definition of the test network's
// parameters.
inline ChainParams Regtest() {
  auto p = node::EmbeddedGenesis("regtest");
  if (!p.ok()) std::abort();
  return std::move(*p);
}

// Regtest(), with one
// deliberate change: only dev keys 0..kFundedKeys-1 keep their allocation, so that keys
// kFundedKeys.. start empty (the tests use them as fresh miners and recipients, and count
// the funded senders).
inline ChainParams MakeParams() {
  ChainParams p = Regtest();
  if (p.allocations.size() < kFundedKeys) std::abort();
  p.allocations.resize(kFundedKeys);
  for (uint32_t i = 0; i < kFundedKeys; ++i) {
    const Allocation& a = p.allocations[i];
    if (a.account != DevKey(i).PublicKey() || a.amount != kAllocation) std::abort();
  }
  if (!p.Finalize().ok()) std::abort();
  return p;
}

// Holds the dev keys and signs txs for a network.
class TxFactory {
 public:
  explicit TxFactory(const ChainParams& params, int keys = kKeys) : chain_id_(params.chain_id()) {
    for (int i = 0; i < keys; ++i) {
      keys_.push_back(DevKey(static_cast<uint32_t>(i)));
      ids_.push_back(keys_.back().PublicKey());
    }
  }

  const chain::AccountId& Id(int key) const { return ids_.at(key); }
  const chain::SecretKey& Key(int key) const { return keys_.at(key); }

  // A signed tx. The default fee covers any tx these tests build (1 unit per byte).
  chain::Transaction Make(int key, uint64_t nonce, chain::Operation op,
                          chain::Amount fee = 2000) const {
    return SignedTx(chain_id_, keys_.at(key), nonce, std::move(op), fee);
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

// The tip in memory, at genesis, for the fakes of the views that extend TipStateView
// (node/mempool/ and node/mining/ each add their own calls): accounts are set by the test.
template <typename View>
class MemoryTipView : public View {
 public:
  explicit MemoryTipView(ChainParams params) : params_(std::move(params)) {
    tip_.id = params_.genesis_id;
    tip_.header = params_.genesis;
  }
  void SetAccount(const chain::AccountId& id, chain::Amount balance, uint64_t nonce = 0) {
    state_.Put(chain::keys::Account(id), chain::EncodeAccount({balance, nonce}));
  }
  const ChainParams& params() const override { return params_; }
  void WithTipState(const TipStateView::TipStateFn& fn) const override { fn(state_, tip_); }

 protected:
  ChainParams params_;
  TipInfo tip_;
  chain::MemoryKv state_;
};

// A Chainstate on a LevelDB store in a fresh folder, for the tests that connect and disconnect
// blocks and compare the stored state key for key (the reorg tests of the operations).
class StoredChainTest : public ::testing::Test {
 protected:
  explicit StoredChainTest(ChainParams params = MakeParams())
      : params_(std::move(params)), f_(params_) {}
  void SetUp() override {
    dir_ = FreshTempDir("waybill_stored_chain_test");
    Open();
  }
  void TearDown() override {
    cs_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    cs_.reset();
    ChainstateOptions options;
    options.clock = [] { return int64_t{1'800'000'000}; };
    options.verify_threads = 1;
    auto cs = Chainstate::Open(dir_.string(), params_, std::move(options));
    ASSERT_TRUE(cs.ok()) << cs.status().ToString();
    cs_ = std::move(*cs);
  }
  // Connects block, which must become the tip.
  void Submit(const chain::Block& block) {
    BlockOutcome outcome;
    ValidationResult r = cs_->ProcessBlockBytes(block.Serialize(), &outcome);
    ASSERT_TRUE(r.valid()) << r.ToString();
    ASSERT_EQ(cs_->Tip().id, block.header.Id());
  }
  // A block on the tip with txs, paying kNextMiner.
  chain::Block Next(std::vector<chain::Transaction> txs) const {
    const TipInfo tip = cs_->Tip();
    return MakeBlock(params_, tip.id, tip.height, std::move(txs), f_.Id(kNextMiner));
  }
  static constexpr int kNextMiner = kFundedKeys;  // no allocation: only block rewards

  // Every state key and value, read from the store itself: the chainstate is closed for it and
  // opened again.
  std::map<std::string, chain::Bytes> StateKeys() {
    cs_.reset();
    std::map<std::string, chain::Bytes> out = StoredStateKeys(dir_);
    Open();
    return out;
  }

  const ChainParams params_;
  const TxFactory f_;
  std::filesystem::path dir_;
  std::unique_ptr<Chainstate> cs_;
};

}  // namespace waybill::consensus::testing
