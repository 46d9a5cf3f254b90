// Shared fixture of the mempool and miner unit tests: a chain of genesis/regtest.json in a temp
// dir, funded from the development keys, with a mempool that follows the chainstate's tip.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "chain/amount.h"
#include "chain/schnorr.h"
#include "chain/tx.h"
#include "consensus/chainstate.h"
#include "consensus/params.h"
#include "node/chain_adapters.h"
#include "node/mining/clock.h"
#include "node/mempool/mempool.h"
#include "node/params/genesis.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::node::testing {

inline constexpr int kFundedKeys = 10;
inline constexpr int kKeys = 12;  // keys kFundedKeys.. start with nothing
inline constexpr chain::Amount kAllocation = 1'000'000 * chain::kCoin;

using consensus::testing::DevKey;

// The regtest network of genesis/regtest.json, as the node embeds it: the one definition of
// its parameters. Its allocations fund dev keys 0..kFundedKeys-1 with kAllocation each.
inline consensus::ChainParams RegtestParams() {
  consensus::ChainParams params = consensus::testing::Regtest();
  if (params.allocations.size() != kFundedKeys) std::abort();
  for (uint32_t i = 0; i < kFundedKeys; ++i) {
    const consensus::Allocation& a = params.allocations[i];
    if (a.account != DevKey(i).PublicKey() || a.amount != kAllocation) std::abort();
  }
  return params;
}

// Runs fn while another thread holds the chainstate's lock (as a block being connected does):
// true if fn returned before that thread let the lock go. Bounded: a fn that waits for the lock
// gets it after 20 s, and the answer is false.
template <typename Fn>
bool RunsWhileChainstateLocked(const consensus::Chainstate& chain, Fn&& fn) {
  std::promise<void> locked;
  std::promise<void> done;
  std::atomic<bool> released{false};
  std::thread holder([&] {
    chain.WithTipState([&](const chain::KvReader&, const consensus::TipInfo&) {
      locked.set_value();
      done.get_future().wait_for(std::chrono::seconds(20));
      released = true;
    });
  });
  const bool held = locked.get_future().wait_for(std::chrono::seconds(20)) ==
                    std::future_status::ready;
  if (held) fn();
  const bool before_release = held && !released;
  done.set_value();
  holder.join();
  return before_release;
}

// Forwards tip changes to a mempool created after the chainstate (and to a second one, which
// a test compares with the first).
class ForwardingListener : public consensus::ChainstateListener {
 public:
  void OnTipChanged(const consensus::TipChange& change) override {
    if (mempool) mempool->OnTipChanged(change);
    if (second) second->OnTipChanged(change);
  }
  Mempool* mempool = nullptr;
  Mempool* second = nullptr;
};

class RegtestFixture : public ::testing::Test {
 protected:
  void SetUp() override { Open(MempoolOptions{}); }
  void TearDown() override {
    pool_.reset();
    chain_.reset();
    std::filesystem::remove_all(dir_);
  }

  // (Re)opens the chain (on an empty database if wipe, e.g. after params_ changed) and a
  // fresh mempool with these options.
  void Open(MempoolOptions options, bool forward_tip_changes = true, bool wipe = false) {
    listener_.mempool = nullptr;
    listener_.second = nullptr;
    pool_.reset();
    chain_.reset();
    if (wipe && !dir_.empty()) std::filesystem::remove_all(dir_);
    if (dir_.empty()) {
      dir_ = std::filesystem::temp_directory_path() /
             ("waybill_node_test_" + std::to_string(std::random_device{}()));
      std::filesystem::remove_all(dir_);
    }
    // Far ahead of the ASERT schedule, so every block gets the easiest target.
    clock_.SetMockTime(params_.genesis_time + 1'000'000);
    consensus::ChainstateOptions opts;
    opts.clock = [this] { return clock_.Now(); };
    opts.verify_threads = 2;
    opts.listener = &listener_;
    auto cs = consensus::Chainstate::Open(dir_.string(), params_, std::move(opts));
    ASSERT_TRUE(cs.ok()) << cs.status().ToString();
    chain_ = std::move(*cs);
    pool_ = std::make_unique<ChainstateMempool>(chain_.get(), std::move(options));
    mempool_view_ = &pool_->mempool_view;
    mining_view_ = &pool_->mining_view;
    mempool_ = &pool_->mempool;
    tx_source_ = &pool_->tx_source;
    if (forward_tip_changes) listener_.mempool = mempool_;
  }

  const chain::AccountId& Id(int key) const { return ids_.at(key); }

  chain::Transaction Make(int key, uint64_t nonce, chain::Operation op,
                          chain::Amount fee = 2000) const {
    return consensus::testing::SignedTx(params_.chain_id(), keys_.at(key), nonce, std::move(op),
                                        fee);
  }
  chain::Transaction Pay(int from, uint64_t nonce, int to, chain::Amount amount,
                         chain::Amount fee = 2000) const {
    return Make(from, nonce, chain::TransferOp{Id(to), amount}, fee);
  }

  consensus::ValidationResult Accept(const chain::Transaction& tx) { return mempool_->Accept(tx); }

  chain::Account AccountOf(int key) const {
    auto a = chain_->GetAccount(Id(key));
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : chain::Account{};
  }

  static std::vector<chain::SecretKey> MakeKeys() {
    std::vector<chain::SecretKey> keys;
    for (int i = 0; i < kKeys; ++i) keys.push_back(DevKey(i));
    return keys;
  }
  static std::vector<chain::AccountId> MakeIds(const std::vector<chain::SecretKey>& keys) {
    std::vector<chain::AccountId> ids;
    for (const auto& k : keys) ids.push_back(k.PublicKey());
    return ids;
  }

  consensus::ChainParams params_ = RegtestParams();
  std::vector<chain::SecretKey> keys_ = MakeKeys();
  std::vector<chain::AccountId> ids_ = MakeIds(keys_);
  std::filesystem::path dir_;
  NodeClock clock_;
  ForwardingListener listener_;
  std::unique_ptr<consensus::Chainstate> chain_;
  // The mempool and the seams of the mempool and the miner over chain_, as the node wires them.
  std::unique_ptr<ChainstateMempool> pool_;
  // Its parts by short names (set by Open).
  ChainstateMempoolView* mempool_view_ = nullptr;
  ChainstateMiningView* mining_view_ = nullptr;
  Mempool* mempool_ = nullptr;
  MempoolTxSource* tx_source_ = nullptr;
};

}  // namespace waybill::node::testing
