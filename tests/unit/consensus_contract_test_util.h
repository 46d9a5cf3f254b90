// Shared fixtures of the contract tests (consensus_contract_*_test.cpp): a regtest network with
// fixed gas parameters, contract code assembled from text or from contracts/examples/, and a
// stored chain that sends contract txs with each key's next nonce and reads back their records.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "chain/contract_state.h"
#include "chain/state_cache.h"
#include "chain/tx.h"
#include "consensus/params.h"
#include "contracts/assembler.h"
#include "contracts/bytecode.h"
#include "tests/unit/consensus_test_util.h"

namespace waybill::consensus::testing {

// The gas parameters these tests assume, whatever genesis/regtest.json says: the fee and limit
// tests count with them.
inline constexpr uint64_t kGasPrice = 1;
inline constexpr uint64_t kMaxTxGas = 5'000'000;
inline constexpr uint64_t kMaxBlockGas = 15'000'000;

inline ChainParams ContractParams() {
  ChainParams p = MakeParams();
  p.gas_price = kGasPrice;
  p.max_tx_gas = kMaxTxGas;
  p.max_block_gas = kMaxBlockGas;
  if (!p.Finalize().ok()) std::abort();
  return p;
}

// The bytecode of assembly source (a test failure, and empty bytes, when it does not assemble).
inline chain::Bytes Code(std::string_view source) {
  auto program = contracts::Assemble(source);
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  return program.ok() ? contracts::EncodeProgram(*program) : chain::Bytes{};
}

// The bytecode of contracts/examples/<name>.asm, read from the source tree.
inline chain::Bytes ExampleCode(const std::string& name) {
  const std::string path = std::string(SOURCE_DIR) + "/contracts/examples/" + name + ".asm";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << "cannot read " << path;
  return Code(text.str());
}

inline chain::Bytes IdArg(const chain::Hash256& id) {
  return chain::Bytes(id.bytes.begin(), id.bytes.end());
}

inline chain::Bytes Text(std::string_view s) { return chain::Bytes(s.begin(), s.end()); }

inline chain::ContractCallOp CallOp(const chain::AccountId& contract, std::string entry,
                                    std::vector<chain::ContractArg> args = {},
                                    chain::Amount coins = 0,
                                    std::vector<chain::Hash256> assets = {},
                                    uint64_t gas_limit = 2'000'000) {
  chain::ContractCallOp op;
  op.contract = contract;
  op.entry = std::move(entry);
  op.args = std::move(args);
  op.coins = coins;
  op.assets = std::move(assets);
  op.gas_limit = gas_limit;
  return op;
}

// A fee that covers a tx of this op: its gas at kGasPrice and a size fee for up to 40 kB.
inline chain::Amount FeeFor(uint64_t gas_limit) { return gas_limit * kGasPrice + 40'000; }

// A stored chain of ContractParams() on which the tests send txs with each key's next nonce.
class ContractChainTest : public StoredChainTest {
 protected:
  ContractChainTest() : StoredChainTest(ContractParams()) {}

  // A signed tx of key with its next nonce.
  chain::Transaction Tx(int key, chain::Operation op, std::optional<chain::Amount> fee = {}) {
    const auto* deploy = std::get_if<chain::ContractDeployOp>(&op);
    const auto* call = std::get_if<chain::ContractCallOp>(&op);
    const uint64_t gas = deploy ? deploy->gas_limit : call ? call->gas_limit : 0;
    return f_.Make(key, nonces_[key]++, std::move(op), fee.value_or(FeeFor(gas)));
  }
  // A deploy tx of key, and the id of the contract it creates.
  std::pair<chain::Transaction, chain::AccountId> Deploy(int key, chain::Bytes code,
                                                         std::vector<chain::ContractArg> args = {},
                                                         uint64_t gas_limit = 0) {
    const chain::AccountId id = chain::ContractIdFor(params_.chain_id(), f_.Id(key), nonces_[key]);
    return {Tx(key, chain::ContractDeployOp{std::move(code), std::move(args), gas_limit}), id};
  }
  // Connects a block of txs on the tip (it must become the tip) and keeps it for Replay.
  void Mine(std::vector<chain::Transaction> txs) {
    const chain::Block b = Next(std::move(txs));
    Submit(b);
    blocks_.push_back(b);
  }
  // An issue of quantity kg by key, and the new asset's id.
  std::pair<chain::Transaction, chain::Hash256> Issue(int key, chain::Quantity quantity) {
    chain::Transaction tx = Tx(key, chain::AssetIssueOp{quantity, "kg", {}, {}});
    const chain::Hash256 id = chain::NewAssetIds(tx).front();
    return {std::move(tx), id};
  }

  template <typename T>
  T Read(const std::function<chain::Result<T>(const chain::KvReader&)>& fn) {
    std::optional<chain::Result<T>> out;
    cs_->WithTipState(
        [&](const chain::KvReader& state, const TipInfo&) { out.emplace(fn(state)); });
    EXPECT_TRUE(out->ok()) << out->status().ToString();
    return out->ok() ? std::move(*out).value() : T{};
  }
  // The record of a confirmed contract tx (a default record and a test failure when absent).
  chain::CallRecord Record(const chain::Transaction& tx) {
    auto r = Read<std::optional<chain::CallRecord>>(
        [id = tx.Id()](const chain::KvReader& s) { return chain::ReadCallRecord(s, id); });
    EXPECT_TRUE(r.has_value()) << "no call record for " << tx.Id().ToHex();
    return r.value_or(chain::CallRecord{});
  }
  std::optional<chain::ContractRecord> Contract(const chain::AccountId& id) {
    return Read<std::optional<chain::ContractRecord>>(
        [&id](const chain::KvReader& s) { return chain::ReadContract(s, id); });
  }
  // The number of calls recorded for the contract ('j').
  uint64_t CallCount(const chain::AccountId& id) {
    return Read<uint64_t>(
        [&id](const chain::KvReader& s) { return chain::ReadContractCallCount(s, id); });
  }
  // The contract's storage value under key (empty when absent).
  chain::Bytes Storage(const chain::AccountId& contract, std::string_view key) {
    return Storage(contract, Text(key));
  }
  chain::Bytes Storage(const chain::AccountId& contract, const chain::Bytes& key) {
    return Read<chain::Bytes>([&](const chain::KvReader& s) -> chain::Result<chain::Bytes> {
      chain::Bytes v;
      chain::Status st = s.Get(chain::keys::ContractStorage(contract, key), &v);
      if (st.IsNotFound()) return chain::Bytes{};
      if (!st.ok()) return st;
      return v;
    });
  }
  chain::Account AccountOf(const chain::AccountId& id) {
    auto a = cs_->GetAccount(id);
    EXPECT_TRUE(a.ok());
    return a.ok() ? *a : chain::Account{};
  }
  chain::Amount BalanceOf(const chain::AccountId& id) { return AccountOf(id).balance; }
  chain::Asset AssetOf(const chain::Hash256& id) {
    auto a = cs_->GetAsset(id);
    EXPECT_TRUE(a.ok() && a->has_value()) << id.ToHex();
    return a.ok() && a->has_value() ? **a : chain::Asset{};
  }
  std::vector<chain::AssetEvent> EventsOf(const chain::Hash256& asset) {
    auto e = cs_->GetAssetEvents(asset, 0, 100);
    EXPECT_TRUE(e.ok());
    return e.ok() ? *e : std::vector<chain::AssetEvent>{};
  }

  std::map<int, uint64_t> nonces_;
  std::vector<chain::Block> blocks_;  // connected by Mine, in order
};

}  // namespace waybill::consensus::testing
