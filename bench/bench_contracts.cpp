// Contract calls connected in blocks (issue 13), on a regtest chainstate (bench_chain.h), each
// against a block of transfers connected in the same run:
//
//   bench_contracts [--escrows N] [--txs T] [--fixed F] [--max-block-gas G] [--max-tx-gas G]
//                   [--rounds R]
//
// 1. Escrow (contracts/examples/escrow.asm): N senders each deploy an escrow and issue an asset;
//    then, R times, a block of N transfers, a block of N `setup` calls (the asset attached,
//    five SSTOREs), a block of N transfers and a block of N `pay` calls (the price attached:
//    SENDCOINS, SENDASSET, the storage erased), each timed by Chainstate::ProcessBlock.
//    Printed: calls/s over transfers/s of the neighbouring blocks (goal >= 0.5).
// 2. The worst case: blocks whose contract txs reserve max_block_gas together, of one mix
//    each: SIGCHECK spam (a valid signature on a 1,024-byte message, in a loop until out of
//    gas), SSTORE spam (64 fresh 64-byte keys of 1,024 bytes a call) and asset reads
//    (CUSTODIAN over 16 split parents of 1,000 children each, in a loop until out of gas);
//    against a block of T transfers (default 20,000 = max_block_txs). Printed: the ratio of the
//    ProcessBlock times (goal <= 2 for a block that also holds T transfers: the sum is printed).
// 3. A call's fixed cost: F calls with gas_limit 1 to F distinct contracts of the largest code
//    (24 KiB, every block reachable), then of 1 KiB, against F transfers: per call, per byte.
//
// The gas limits are the regtest genesis file's unless --max-block-gas / --max-tx-gas set them
// (the chain id then changes with them: ChainParams::Finalize).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <utility>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_chain.h"
#include "chain/contract_state.h"
#include "chain/tx.h"
#include "contracts/assembler.h"
#include "contracts/bytecode.h"
#include "contracts/limits.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"

namespace {

using namespace waybill::bench;  // NOLINT: the shared helpers and aliases
namespace vm = waybill::contracts;

struct Sender {
  chain::SecretKey key;
  chain::AccountId id;
  uint64_t nonce = 0;
};

chain::Hash256 IdOf(const std::string& s) {
  return chain::Sha256Hash(chain::ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

chain::Bytes Code(const std::string& source) {
  auto program = vm::Assemble(source);
  if (!program.ok()) Die("assemble: " + program.status().ToString());
  auto validated = vm::ValidateProgram(*program);
  if (auto* e = std::get_if<vm::DeployError>(&validated)) Die("validate: " + e->ToString());
  return vm::EncodeProgram(*program);
}

// A regtest chainstate and the blocks it connects.
class Bench {
 public:
  Bench(consensus::ChainParams params, const std::filesystem::path& dir)
      : params_(std::move(params)),
        cs_(OpenChain(dir, params_, std::max(1u, std::thread::hardware_concurrency()),
                      std::make_shared<chain::SignatureCache>())),
        miner_(KeyFrom(chain::Sha256Hash(chain::ByteSpan())).PublicKey()),
        time_(static_cast<uint32_t>(kNow)) {}

  const consensus::ChainParams& params() const { return params_; }

  chain::Transaction Tx(Sender* s, chain::Operation op, chain::Amount fee = 1000) {
    chain::Transaction tx;
    tx.chain_id = params_.chain_id();
    tx.sender = s->id;
    tx.nonce = s->nonce++;
    tx.fee = fee;
    tx.op = std::move(op);
    tx.Sign(s->key);
    return tx;
  }
  // A contract tx's fee: its gas at the genesis price and a size fee for up to 64 KB.
  chain::Amount GasFee(uint64_t gas_limit) const {
    return gas_limit * params_.gas_price + 70'000 * params_.min_fee_per_byte;
  }

  // Builds, solves and connects a block of txs; returns ProcessBlock's seconds.
  double Connect(std::vector<chain::Transaction> txs) {
    const chain::DecodedBlock block =
        Decode(params_, MakeBlock(params_, cs_->Tip().id, cs_->Tip().height, time_, time_ + 1,
                                  std::move(txs), miner_));
    time_ += 1;
    const auto start = Clock::now();
    waybill::bench::Connect(cs_.get(), block);
    return Seconds(start);
  }

  // Every call of the last block succeeded (or, with out_of_gas_ok, ran out of gas).
  void ExpectRecords(const std::vector<chain::Hash256>& txids, bool out_of_gas_ok) {
    cs_->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo&) {
      for (const chain::Hash256& id : txids) {
        auto record = chain::ReadCallRecord(state, id);
        if (!record.ok() || !record->has_value()) Die("no call record");
        const chain::CallRecord& r = **record;
        if (r.outcome == 0 || (out_of_gas_ok && r.outcome == 2)) continue;
        Die("call failed: outcome " + std::to_string(r.outcome) + " error " +
            std::to_string(r.error) + " at " + std::to_string(r.error_offset) + " " + r.detail);
      }
    });
  }

 private:
  consensus::ChainParams params_;
  std::unique_ptr<consensus::Chainstate> cs_;
  chain::AccountId miner_;
  uint32_t time_;
};

std::vector<Sender> Senders(int n) {
  std::vector<Sender> out;
  for (int i = 0; i < n; ++i) {
    chain::SecretKey key = KeyFrom(IdOf("bench-contracts-" + std::to_string(i)));
    const chain::AccountId id = key.PublicKey();
    out.push_back(Sender{std::move(key), id, 0});
  }
  return out;
}

// The dev keys give each sender `amount`, in one block.
void Fund(Bench* b, const std::vector<Sender>& senders, chain::Amount amount) {
  std::vector<chain::AccountId> ids;
  for (const Sender& s : senders) ids.push_back(s.id);
  b->Connect(FundingTxs(b->params(), ids, amount));
}

// A block of transfers from the first n senders; ProcessBlock's seconds.
double Transfers(Bench* b, std::vector<Sender>* senders, size_t n) {
  std::vector<chain::Transaction> txs;
  for (size_t i = 0; i < n; ++i) {
    txs.push_back(b->Tx(&(*senders)[i], chain::TransferOp{(*senders)[(i + 1) % n].id, 1}));
  }
  return b->Connect(std::move(txs));
}

std::string ReadSource(const std::string& name) {
  std::ifstream in(std::string(SOURCE_DIR) + "/contracts/examples/" + name);
  if (!in) Die("cannot read contracts/examples/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// 1. Escrow calls against transfers.
void Escrows(Bench* b, std::vector<Sender>* senders, size_t n, int rounds) {
  const uint64_t gas = 400'000;  // pay uses 337,091 (docs/CONTRACTS.md "Gas schedule")
  if (n * gas > b->params().max_block_gas) {
    n = b->params().max_block_gas / gas;
    std::printf("escrow: %zu calls a block (max_block_gas %llu / gas_limit %llu)\n", n,
                static_cast<unsigned long long>(b->params().max_block_gas),
                static_cast<unsigned long long>(gas));
  }
  const chain::Bytes code = Code(ReadSource("escrow.asm"));
  std::vector<chain::AccountId> contracts;
  std::vector<chain::Hash256> assets;
  std::vector<chain::Transaction> deploys, issues;
  for (size_t i = 0; i < n; ++i) {
    Sender& s = (*senders)[i];
    contracts.push_back(chain::ContractIdFor(b->params().chain_id(), s.id, s.nonce));
    deploys.push_back(b->Tx(&s, chain::ContractDeployOp{code, {}, 0}, b->GasFee(0)));
  }
  b->Connect(std::move(deploys));
  for (size_t i = 0; i < n; ++i) {
    Sender& s = (*senders)[i];
    assets.push_back(chain::AssetIdFor(b->params().chain_id(), s.id, s.nonce, 0));
    issues.push_back(b->Tx(&s, chain::AssetIssueOp{1, "kg", {}, {}}));
  }
  b->Connect(std::move(issues));
  const chain::AccountId payee = IdOf("escrow-payee");
  const chain::Amount price = 1000;
  double t_transfer = 0, t_setup = 0, t_pay = 0;
  for (int r = 0; r < rounds; ++r) {
    t_transfer += Transfers(b, senders, n);
    std::vector<chain::Transaction> setups, pays;
    std::vector<chain::Hash256> ids;
    for (size_t i = 0; i < n; ++i) {
      chain::ContractCallOp op{contracts[i], "setup",
                               {chain::Bytes(payee.bytes.begin(), payee.bytes.end()),
                                uint64_t{price}, uint64_t{1'000'000}},
                               0, {assets[i]}, gas};
      setups.push_back(b->Tx(&(*senders)[i], std::move(op), b->GasFee(gas)));
      ids.push_back(setups.back().Id());
    }
    t_setup += b->Connect(std::move(setups));
    b->ExpectRecords(ids, false);
    t_transfer += Transfers(b, senders, n);
    ids.clear();
    for (size_t i = 0; i < n; ++i) {
      chain::ContractCallOp op{contracts[i], "pay", {}, price, {}, gas};
      pays.push_back(b->Tx(&(*senders)[i], std::move(op), b->GasFee(gas)));
      ids.push_back(pays.back().Id());
    }
    t_pay += b->Connect(std::move(pays));
    b->ExpectRecords(ids, false);
  }
  const double transfers_per_s = 2.0 * rounds * n / t_transfer;
  const double setups_per_s = rounds * n / t_setup;
  const double pays_per_s = rounds * n / t_pay;
  std::printf("escrow, %zu a block, %d rounds: transfers %.0f/s; setup %.0f calls/s = %.2f; "
              "pay %.0f calls/s = %.2f of the transfer rate (goal >= 0.5)\n",
              n, rounds, transfers_per_s, setups_per_s, setups_per_s / transfers_per_s, pays_per_s,
              pays_per_s / transfers_per_s);
}

// The worst-case contracts: each entry runs one mix until its gas or its limits end it.
const char* kWorstSource = R"(
; spin: SIGCHECK of args 0 (key), 1 (message), 2 (signature) until out of gas.
.entry spin
loop_sig:
  PUSH 0
  ARG
  PUSH 1
  ARG
  PUSH 2
  ARG
  SIGCHECK
  POP
  JUMP loop_sig
; fill: 64 SSTOREs of arg 1 (1,024 bytes) at ITOB(i) || arg 0 (56 bytes), i = 64 .. 1.
.entry fill
  PUSH 64
loop_store:
  DUP1
  ISZERO
  JUMPI done
  DUP1
  ITOB
  PUSH 0
  ARG
  CONCAT
  PUSH 1
  ARG
  SSTORE
  PUSH 1
  SUB
  JUMP loop_store
done:
  POP
  STOP
; read: CUSTODIAN of args 0 .. 15 in turn until out of gas.
.entry read
  PUSH 0
loop_read:
  DUP1
  ARG
  CUSTODIAN
  POP
  PUSH 1
  ADD
  DUP1
  PUSH 16
  EQ
  ISZERO
  JUMPI loop_read
  POP
  PUSH 0
  JUMP loop_read
)";

// 16 split parents of 1,000 children each (senders 1..16 issue and split them): the largest
// records an asset read can name here.
std::vector<chain::Hash256> SplitParents(Bench* b, std::vector<Sender>* senders) {
  const auto& p = b->params();
  std::vector<chain::Hash256> big;
  std::vector<chain::Transaction> issues, splits;
  for (int i = 0; i < 16; ++i) {
    Sender& s = (*senders)[1 + i];
    big.push_back(chain::AssetIdFor(p.chain_id(), s.id, s.nonce, 0));
    issues.push_back(b->Tx(&s, chain::AssetIssueOp{1000, "kg", {}, {}}));
  }
  b->Connect(std::move(issues));
  for (int i = 0; i < 16; ++i) {
    const chain::AssetSplitOp split{big[i],
                                    chain::SplitChildren(std::vector<chain::Quantity>(1000, 1))};
    splits.push_back(b->Tx(&(*senders)[1 + i], split, 100'000));
  }
  b->Connect(std::move(splits));
  return big;
}

// 2. Blocks of max_block_gas of one mix against a block of max_block_txs transfers.
void WorstCase(Bench* b, std::vector<Sender>* senders, size_t transfers) {
  const auto& p = b->params();
  Sender& owner = (*senders)[0];
  const chain::AccountId contract = chain::ContractIdFor(p.chain_id(), owner.id, owner.nonce);
  b->Connect({b->Tx(&owner, chain::ContractDeployOp{Code(kWorstSource), {}, 0}, b->GasFee(0))});
  const std::vector<chain::Hash256> big = SplitParents(b, senders);
  const chain::SecretKey sig_key = KeyFrom(IdOf("worst-sig"));
  chain::Bytes msg(1024);
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<uint8_t>(i * 7);
  const chain::Signature sig = sig_key.Sign(msg);
  const chain::AccountId sig_pub = sig_key.PublicKey();

  struct Mix {
    const char* name;
    uint64_t gas;  // per tx
    bool out_of_gas;
    std::function<chain::ContractCallOp(size_t i)> op;
  };
  // 64 SSTOREs and the loop around them (76 gas a round).
  const uint64_t fill_gas = 64 * (vm::InfoOf(vm::Op::kStoragePut).gas + 200);
  std::vector<Mix> mixes = {
      {"SIGCHECK spam", p.max_tx_gas, true,
       [&](size_t) {
         return chain::ContractCallOp{contract, "spin",
                                      {chain::Bytes(sig_pub.bytes.begin(), sig_pub.bytes.end()),
                                       msg, chain::Bytes(sig.begin(), sig.end())},
                                      0, {}, p.max_tx_gas};
       }},
      {"SSTORE spam", std::min(p.max_tx_gas, fill_gas), false,
       [&](size_t i) {
         chain::Bytes salt(56, 0);
         for (int k = 0; k < 8; ++k) salt[k] = static_cast<uint8_t>(i >> (8 * k));
         chain::Bytes value(1024, static_cast<uint8_t>(i));
         return chain::ContractCallOp{contract, "fill", {salt, value}, 0, {},
                                      std::min(p.max_tx_gas, fill_gas)};
       }},
      {"asset reads", p.max_tx_gas, true,
       [&](size_t) {
         std::vector<chain::ContractArg> args;
         for (const auto& id : big) args.push_back(chain::Bytes(id.bytes.begin(), id.bytes.end()));
         return chain::ContractCallOp{contract, "read", args, 0, {}, p.max_tx_gas};
       }},
  };
  const double t_transfers = Transfers(b, senders, transfers);
  std::printf("worst case: %zu transfers %.1f ms; max_block_gas %llu, max_tx_gas %llu\n",
              transfers, 1e3 * t_transfers, static_cast<unsigned long long>(p.max_block_gas),
              static_cast<unsigned long long>(p.max_tx_gas));
  size_t next_sender = 20;
  for (const Mix& m : mixes) {
    const size_t n = p.max_block_gas / m.gas;
    std::vector<chain::Transaction> txs;
    std::vector<chain::Hash256> ids;
    for (size_t i = 0; i < n; ++i) {
      Sender& s = (*senders)[next_sender++ % senders->size()];
      txs.push_back(b->Tx(&s, m.op(i), b->GasFee(m.gas)));
      ids.push_back(txs.back().Id());
    }
    const double t = b->Connect(std::move(txs));
    b->ExpectRecords(ids, m.out_of_gas);
    const double t_again = Transfers(b, senders, transfers);
    const double bound = std::min(t_transfers, t_again);
    std::printf("  %-14s %zu txs of %llu gas: %.1f ms = %.2f x the transfer block (%.1f ms "
                "after it); with the transfers in one block: %.2f (goal <= 2)\n",
                m.name, n, static_cast<unsigned long long>(m.gas), 1e3 * t, t / bound,
                1e3 * t_again, 1 + t / bound);
  }
}

// PUSH1 0, JUMPI to the next instruction, up to `bytes` of code: every block reachable, so the
// validator analyses all of it. Entry `main` at 0.
chain::Bytes BlockyCode(size_t bytes) {
  chain::Bytes c;
  while (c.size() + 6 <= bytes) {
    const size_t next = c.size() + 5;
    c.insert(c.end(), {static_cast<uint8_t>(vm::Op::kPush1), 0,
                       static_cast<uint8_t>(vm::Op::kJumpIf), static_cast<uint8_t>(next),
                       static_cast<uint8_t>(next >> 8)});
  }
  c.push_back(static_cast<uint8_t>(vm::Op::kStop));
  return vm::EncodeProgram(vm::Program{{}, {vm::Entry{"main", 0}}, c});
}

// n calls with gas_limit 1 (out of gas at the first block) to n distinct contracts of `code`,
// against n transfers before and after: ProcessBlock seconds of the calls, and of the
// transfers (the better of the two blocks).
std::pair<double, double> TimeMinimalCalls(Bench* b, std::vector<Sender>* senders, size_t n,
                                           const chain::Bytes& code) {
  std::vector<chain::AccountId> contracts;
  const size_t per_block = 3'500'000 / (code.size() + 200);  // within max_block_size
  for (size_t done = 0; done < n;) {
    std::vector<chain::Transaction> deploys;
    for (size_t k = 0; k < per_block && done < n; ++k, ++done) {
      Sender& s = (*senders)[done];
      contracts.push_back(chain::ContractIdFor(b->params().chain_id(), s.id, s.nonce));
      deploys.push_back(b->Tx(&s, chain::ContractDeployOp{code, {}, 0},
                              b->GasFee(0) + code.size() * b->params().min_fee_per_byte));
    }
    b->Connect(std::move(deploys));
  }
  const double t_before = Transfers(b, senders, n);
  std::vector<chain::Transaction> calls;
  std::vector<chain::Hash256> ids;
  for (size_t i = 0; i < n; ++i) {
    calls.push_back(b->Tx(&(*senders)[i], chain::ContractCallOp{contracts[i], "main", {}, 0, {}, 1},
                          b->GasFee(1)));
    ids.push_back(calls.back().Id());
  }
  const double t = b->Connect(std::move(calls));
  b->ExpectRecords(ids, true);
  return {t, std::min(t_before, Transfers(b, senders, n))};
}

// 3. A call's fixed cost: calls that consensus must load, validate and record although their
// gas limit is 1, to distinct contracts of the largest code and of 1 KiB: the cost per call
// and per byte of code, against a transfer.
void FixedCost(Bench* b, std::vector<Sender>* senders, size_t n) {
  const chain::Bytes large = BlockyCode(vm::kMaxCodeBytes), small = BlockyCode(1024);
  const auto [t_large, bound_large] = TimeMinimalCalls(b, senders, n, large);
  const auto [t_small, bound_small] = TimeMinimalCalls(b, senders, n, small);
  const double transfer = std::min(bound_large, bound_small) / n;
  const double per_large = t_large / n, per_small = t_small / n;
  const double per_byte = (per_large - per_small) / (large.size() - small.size());
  std::printf("fixed cost: %zu calls (gas_limit 1) to distinct contracts: %zu bytes %.0f us "
              "= %.1f transfers, %zu bytes %.0f us = %.1f transfers (a transfer %.0f us); "
              "%.1f ns per byte of code, %.0f us at 0 bytes\n",
              n, large.size(), 1e6 * per_large, per_large / transfer, small.size(),
              1e6 * per_small, per_small / transfer, 1e6 * transfer, 1e9 * per_byte,
              1e6 * (per_small - per_byte * small.size()));
  std::printf("  a block of 20,000 such calls to the largest code: %.1f x a block of 20,000 "
              "transfers (goal <= 2)\n",
              per_large / transfer);
}

}  // namespace

int main(int argc, char** argv) {
  size_t escrows = 1000;
  size_t txs = 20'000;
  size_t fixed = 1000;
  int rounds = 3;
  uint64_t max_block_gas = 0, max_tx_gas = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--escrows") {
      escrows = std::clamp<uint64_t>(v, 10, 20'000);
    } else if (flag == "--txs") {
      txs = std::clamp<uint64_t>(v, 100, 20'000);
    } else if (flag == "--fixed") {
      fixed = std::clamp<uint64_t>(v, 10, 20'000);
    } else if (flag == "--rounds") {
      rounds = static_cast<int>(std::clamp<uint64_t>(v, 1, 100));
    } else if (flag == "--max-block-gas") {
      max_block_gas = v;
    } else if (flag == "--max-tx-gas") {
      max_tx_gas = v;
    } else {
      std::fprintf(stderr,
                   "usage: bench_contracts [--escrows N] [--txs T] [--fixed F] [--max-block-gas G] "
                   "[--max-tx-gas G] [--rounds R]\n");
      return 2;
    }
  }
  consensus::ChainParams params = RegtestParams();
  if (max_block_gas) params.max_block_gas = max_block_gas;
  if (max_tx_gas) params.max_tx_gas = max_tx_gas;
  if (chain::Status s = params.Finalize(); !s.ok()) Die("params: " + s.ToString());
  const auto dir = std::filesystem::temp_directory_path() /
                   ("waybill_bench_contracts_" + std::to_string(std::random_device{}()));
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  {
    Bench b(params, dir);
    std::vector<Sender> senders =
        Senders(static_cast<int>(std::max({escrows, txs, fixed, size_t{100}})));
    std::printf("bench_contracts: funding %zu senders ...\n", senders.size());
    Fund(&b, senders, 10 * chain::kCoin);
    Escrows(&b, &senders, escrows, rounds);
    WorstCase(&b, &senders, txs);
    FixedCost(&b, &senders, fixed);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
