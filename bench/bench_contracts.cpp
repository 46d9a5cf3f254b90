// Contract calls connected in blocks (issue 13), on a regtest chainstate (bench_chain.h), each
// against a block of transfers connected in the same run:
//
//   bench_contracts [--escrows N] [--txs T] [--fixed F] [--max-block-gas G] [--max-tx-gas G]
//                   [--rounds R] [--code-cache-mib M] [--only escrow|worst|fixed]
//
// 1. Escrow (contracts/examples/escrow.asm): N senders each deploy an escrow and issue an asset;
//    then, R times, a block of N transfers, a block of N `setup` calls (the asset attached,
//    one SSTORE of the escrow's record), a block of N transfers and a block of N `pay` calls
//    (the price attached: SENDCOINS, SENDASSET, the record erased), each timed by
//    Chainstate::ProcessBlock.
//    Printed: calls/s over transfers/s of the neighbouring blocks (goal >= 0.5), and the keys
//    each kind of tx costs (LevelDB point reads, keys written, undo entries by key prefix).
// 2. The worst case: blocks whose contract txs reserve max_block_gas together, of one mix
//    each: SIGCHECK spam (a valid signature on a 1,024-byte message, in a loop until out of
//    gas), SSTORE spam (64 fresh 64-byte keys of 1,024 bytes a call) and asset reads
//    (CUSTODIAN over 16 split parents of 1,000 children each, in a loop until out of gas);
//    against a block of T transfers (default 20,000 = max_block_txs). Printed: the ratio of the
//    ProcessBlock times (goal <= 2 for a block that also holds T transfers: the sum is printed).
// 3. A call's fixed cost: F calls to F distinct contracts of the largest code (24 KiB, every
//    block reachable), then of 1 KiB, with gas_limit = the base intrinsic gas and = the code's,
//    against F transfers: per call, per byte, and the worst blocks the gas limits allow.
//
// The chainstate's code cache holds --code-cache-mib (default 64, the node's); 0 makes every
// call read and validate its code (the case the intrinsic gas is priced for).
//
// The gas limits are the regtest genesis file's unless --max-block-gas / --max-tx-gas set them
// (the chain id then changes with them: ChainParams::Finalize).
#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <utility>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "bench_chain.h"
#include "chain/contract_state.h"
#include "chain/state_cache.h"
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

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
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
  Bench(consensus::ChainParams params, const std::filesystem::path& dir, size_t code_cache_bytes)
      : params_(std::move(params)),
        cs_(OpenChain(dir, params_, std::max(1u, std::thread::hardware_concurrency()),
                      std::make_shared<chain::SignatureCache>(), code_cache_bytes)),
        miner_(KeyFrom(chain::Sha256Hash(chain::ByteSpan())).PublicKey()),
        time_(static_cast<uint32_t>(kNow)) {}

  const consensus::ChainParams& params() const { return params_; }
  consensus::CodeCache::Figures CodeCacheFigures() const { return cs_->CodeCacheFigures(); }

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
    const chain::Store::Counts before = cs_->StoreCounts();
    const double cpu_start = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    const double main_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    const auto start = Clock::now();
    waybill::bench::Connect(cs_.get(), block);
    const double seconds = Seconds(start);
    last_cpu_ = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start;
    last_main_cpu_ = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - main_start;
    const chain::Store::Counts after = cs_->StoreCounts();
    last_.point_reads = after.point_reads - before.point_reads;
    last_.keys_written = after.keys_written - before.keys_written;
    return seconds;
  }
  // The store's point reads and keys written by the last Connect.
  const chain::Store::Counts& LastCounts() const { return last_; }
  // The CPU seconds of the last Connect: of every thread (the signature workers too), and of
  // the connecting thread. On a loaded machine these move less than its wall time.
  double LastCpu() const { return last_cpu_; }
  double LastMainCpu() const { return last_main_cpu_; }

  // The tip block's undo entries: (key prefix, recorded absent) -> count.
  std::map<std::pair<char, bool>, size_t> TipUndoEntries() const {
    std::map<std::pair<char, bool>, size_t> out;
    cs_->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
      chain::Bytes bytes;
      if (!state.Get(chain::keys::Undo(tip.id), &bytes).ok()) Die("no undo data at the tip");
      auto undo = chain::DecodeUndo(bytes);
      if (!undo.ok()) Die("undo data: " + undo.status().ToString());
      for (const auto& e : undo->entries) ++out[{e.key.front(), !e.previous}];
    });
    return out;
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
  chain::Store::Counts last_;
  double last_cpu_ = 0;
  double last_main_cpu_ = 0;
};

// One line of the keys a block of n txs cost: LevelDB point reads and keys written per tx
// (the block's own records, 'i', 'm', 'u', and the coinbase's keys included), and the undo
// entries by key prefix (present before the block / absent: '-').
void PrintKeyCounts(const Bench& b, const char* what, size_t n) {
  const chain::Store::Counts& c = b.LastCounts();
  std::printf("  keys %-8s per tx: %.2f LevelDB reads, %.2f keys written; undo entries:", what,
              static_cast<double>(c.point_reads) / n, static_cast<double>(c.keys_written) / n);
  size_t absent = 0, total = 0;
  for (const auto& [kind, count] : b.TipUndoEntries()) {
    std::printf(" %c%s %.2f", kind.first, kind.second ? "-" : "", static_cast<double>(count) / n);
    total += count;
    absent += kind.second ? count : 0;
  }
  std::printf(" (%.2f, %.2f absent)\n", static_cast<double>(total) / n,
              static_cast<double>(absent) / n);
}

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
// Returns the setup and pay rates over the transfer rate.
std::pair<double, double> Escrows(Bench* b, std::vector<Sender>* senders, size_t n, int rounds) {
  const chain::Bytes code = Code(ReadSource("escrow.asm"));
  // pay's VM gas is 157,142 (docs/CONTRACTS.md "Gas schedule"), after the intrinsic gas; the
  // limit stays at the 400,000 of the five-key escrow, so that N per block is comparable.
  const uint64_t gas = 400'000 + vm::IntrinsicGas(code.size());
  if (n * gas > b->params().max_block_gas) {
    n = b->params().max_block_gas / gas;
    std::printf("escrow: %zu calls a block (max_block_gas %llu / gas_limit %llu)\n", n,
                static_cast<unsigned long long>(b->params().max_block_gas),
                static_cast<unsigned long long>(gas));
  }
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
  // Per kind of block: wall, all threads' CPU and the connecting thread's CPU seconds.
  struct Times {
    double wall = 0, cpu = 0, main = 0;
    void Add(const Bench& b, double seconds) {
      wall += seconds;
      cpu += b.LastCpu();
      main += b.LastMainCpu();
    }
  };
  Times transfer, setup, pay;
  for (int r = 0; r < rounds; ++r) {
    transfer.Add(*b, Transfers(b, senders, n));
    if (r == 0) PrintKeyCounts(*b, "transfer", n);
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
    setup.Add(*b, b->Connect(std::move(setups)));
    if (r == 0) PrintKeyCounts(*b, "setup", n);
    b->ExpectRecords(ids, false);
    transfer.Add(*b, Transfers(b, senders, n));
    ids.clear();
    for (size_t i = 0; i < n; ++i) {
      chain::ContractCallOp op{contracts[i], "pay", {}, price, {}, gas};
      pays.push_back(b->Tx(&(*senders)[i], std::move(op), b->GasFee(gas)));
      ids.push_back(pays.back().Id());
    }
    pay.Add(*b, b->Connect(std::move(pays)));
    if (r == 0) PrintKeyCounts(*b, "pay", n);
    b->ExpectRecords(ids, false);
  }
  // A transfer block has twice the blocks of a call kind.
  const double transfers_per_s = 2.0 * rounds * n / transfer.wall;
  const double setups_per_s = rounds * n / setup.wall;
  const double pays_per_s = rounds * n / pay.wall;
  std::printf("escrow, %zu a block, %d rounds: transfers %.0f/s; setup %.0f calls/s = %.2f; "
              "pay %.0f calls/s = %.2f of the transfer rate (goal >= 0.5)\n",
              n, rounds, transfers_per_s, setups_per_s, setups_per_s / transfers_per_s, pays_per_s,
              pays_per_s / transfers_per_s);
  const double per_tx = 1e6 / (rounds * static_cast<double>(n));
  std::printf("  per tx, us wall / CPU of all threads / CPU of the connecting thread: transfer "
              "%.1f / %.1f / %.1f; setup %.1f / %.1f / %.1f; pay %.1f / %.1f / %.1f; CPU "
              "ratios (all threads) setup %.2f, pay %.2f\n",
              per_tx * transfer.wall / 2, per_tx * transfer.cpu / 2, per_tx * transfer.main / 2,
              per_tx * setup.wall, per_tx * setup.cpu, per_tx * setup.main, per_tx * pay.wall,
              per_tx * pay.cpu, per_tx * pay.main, transfer.cpu / 2 / setup.cpu,
              transfer.cpu / 2 / pay.cpu);
  return {setups_per_s / transfers_per_s, pays_per_s / transfers_per_s};
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
// Returns the largest ratio of a block of the transfers and one mix to the transfers alone.
double WorstCase(Bench* b, std::vector<Sender>* senders, size_t transfers) {
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
  // 64 SSTOREs and the loop around them (76 gas a round), after the run's intrinsic gas.
  const uint64_t fill_gas = vm::IntrinsicGas(Code(kWorstSource).size()) +
                            64 * (vm::InfoOf(vm::Op::kStoragePut).gas + 200);
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
  double worst = 0;
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
    worst = std::max(worst, 1 + t / bound);
  }
  return worst;
}

// PUSH1 0, JUMPI to the next instruction, up to `bytes` of code: every block reachable, so the
// validator analyses all of it. Entry `main` at 0; constant 0 is `salt`, so that each contract
// has code of its own hash (its own cache entry).
chain::Bytes BlockyCode(size_t bytes, uint64_t salt) {
  chain::Bytes c;
  while (c.size() + 6 <= bytes) {
    const size_t next = c.size() + 5;
    c.insert(c.end(), {static_cast<uint8_t>(vm::Op::kPush1), 0,
                       static_cast<uint8_t>(vm::Op::kJumpIf), static_cast<uint8_t>(next),
                       static_cast<uint8_t>(next >> 8)});
  }
  c.push_back(static_cast<uint8_t>(vm::Op::kStop));
  chain::Bytes constant(8);
  for (int k = 0; k < 8; ++k) constant[k] = static_cast<uint8_t>(salt >> (8 * k));
  return vm::EncodeProgram(vm::Program{{constant}, {vm::Entry{"main", 0}}, c});
}

// n distinct contracts of about code_bytes of code (salts salt .. salt + n - 1; deployed in as
// many blocks as their size needs), and their code size.
std::pair<std::vector<chain::AccountId>, size_t> DeployDistinct(Bench* b,
                                                                 std::vector<Sender>* senders,
                                                                 size_t n, size_t code_bytes,
                                                                 uint64_t salt) {
  std::vector<chain::AccountId> contracts;
  size_t size = 0;
  const size_t per_block = 3'500'000 / (code_bytes + 250);  // within max_block_size
  for (size_t done = 0; done < n;) {
    std::vector<chain::Transaction> deploys;
    for (size_t k = 0; k < per_block && done < n; ++k, ++done) {
      Sender& s = (*senders)[done];
      const chain::Bytes code = BlockyCode(code_bytes, salt + done);
      size = code.size();
      contracts.push_back(chain::ContractIdFor(b->params().chain_id(), s.id, s.nonce));
      deploys.push_back(b->Tx(&s, chain::ContractDeployOp{code, {}, 0},
                              b->GasFee(0) + code.size() * b->params().min_fee_per_byte));
    }
    b->Connect(std::move(deploys));
  }
  return {contracts, size};
}

struct CallBlock {
  double seconds = 0;      // ProcessBlock of the calls
  double transfers = 0;    // of as many transfers (the better of the blocks before and after)
  uint64_t hits = 0;       // code cache hits and misses during the calls' block
  uint64_t misses = 0;
};

// n calls of gas_limit to the contracts (in blocks of at most max_block_gas), against n
// transfers before and after.
CallBlock TimeCalls(Bench* b, std::vector<Sender>* senders,
                    const std::vector<chain::AccountId>& contracts, uint64_t gas_limit) {
  const size_t n = contracts.size();
  const size_t per_block = std::max<uint64_t>(1, b->params().max_block_gas / gas_limit);
  const double t_before = Transfers(b, senders, n);
  CallBlock out;
  for (size_t first = 0; first < n; first += per_block) {
    std::vector<chain::Transaction> calls;
    std::vector<chain::Hash256> ids;
    for (size_t i = first; i < std::min(n, first + per_block); ++i) {
      calls.push_back(b->Tx(&(*senders)[i],
                            chain::ContractCallOp{contracts[i], "main", {}, 0, {}, gas_limit},
                            b->GasFee(gas_limit)));
      ids.push_back(calls.back().Id());
    }
    const consensus::CodeCache::Figures before = b->CodeCacheFigures();
    out.seconds += b->Connect(std::move(calls));
    const consensus::CodeCache::Figures after = b->CodeCacheFigures();
    out.hits += after.hits - before.hits;
    out.misses += after.misses - before.misses;
    b->ExpectRecords(ids, true);
  }
  out.transfers = std::min(t_before, Transfers(b, senders, n));
  return out;
}

// 3. A call's fixed cost: n calls to n distinct contracts of the largest code and of 1 KiB,
// with gas_limit = the base intrinsic gas (the least a tx may name; below the code's intrinsic
// gas, so the code is never read) and with gas_limit = the code's intrinsic gas (the code is
// loaded, from the cache or read and validated, and the VM starts with no gas: out of gas at
// its first block), each against n transfers. From these: the time per call and per byte of
// code, and the worst blocks under the gas limits (as many calls of each kind as max_block_gas
// and max_block_txs allow).
// Returns the largest ratio of a worst fixed-cost block to a block of max_block_txs transfers.
double FixedCost(Bench* b, std::vector<Sender>* senders, size_t n) {
  const auto& p = b->params();
  const auto [large, large_size] = DeployDistinct(b, senders, n, vm::kMaxCodeBytes, 0);
  const auto [small, small_size] = DeployDistinct(b, senders, n, 1024, n);
  // LevelDB compacts the ~26 MB just written in the background, on the cores the blocks below
  // verify on: let it finish first.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const CallBlock below = TimeCalls(b, senders, large, vm::kRunBaseGas);
  const CallBlock at_large = TimeCalls(b, senders, large, vm::IntrinsicGas(large_size));
  const CallBlock at_small = TimeCalls(b, senders, small, vm::IntrinsicGas(small_size));
  const CallBlock again = TimeCalls(b, senders, small, vm::IntrinsicGas(small_size));
  const double transfer =
      std::min({below.transfers, at_large.transfers, at_small.transfers}) / n;
  const double per_below = below.seconds / n;
  const double per_large = at_large.seconds / n, per_small = at_small.seconds / n;
  const double per_byte = (per_large - per_small) / (large_size - small_size);
  const double at_zero = per_small - per_byte * small_size;
  std::printf("fixed cost, %zu calls to distinct contracts (a transfer %.0f us):\n", n,
              1e6 * transfer);
  std::printf("  gas_limit = base %llu, %zu bytes: %.0f us = %.2f transfers\n",
              static_cast<unsigned long long>(vm::kRunBaseGas), large_size, 1e6 * per_below,
              per_below / transfer);
  for (const auto& [size, per, block] :
       {std::tuple{large_size, per_large, at_large}, std::tuple{small_size, per_small, at_small}}) {
    std::printf("  gas_limit = intrinsic %llu, %zu bytes: %.0f us = %.2f transfers "
                "(code cache: %llu hits, %llu misses)\n",
                static_cast<unsigned long long>(vm::IntrinsicGas(size)), size, 1e6 * per,
                per / transfer, static_cast<unsigned long long>(block.hits),
                static_cast<unsigned long long>(block.misses));
  }
  std::printf("  the small ones again: %.0f us = %.2f transfers (code cache: %llu hits, "
              "%llu misses)\n",
              1e6 * again.seconds / n, again.seconds / n / transfer,
              static_cast<unsigned long long>(again.hits),
              static_cast<unsigned long long>(again.misses));
  std::printf("  %.1f ns per byte of code, %.0f us at 0 bytes; over a transfer: %.0f us + %.1f ns "
              "per byte\n",
              1e9 * per_byte, 1e6 * at_zero, 1e6 * (at_zero - transfer), 1e9 * per_byte);
  // A block of max_block_txs transfers against the worst blocks the limits allow.
  const double txs = static_cast<double>(p.max_block_txs);
  const double base_calls =
      std::min(static_cast<double>(p.max_block_txs),
               std::floor(static_cast<double>(p.max_block_gas) / vm::kRunBaseGas));
  double worst = base_calls * per_below / (txs * transfer);
  std::printf("  worst blocks against %llu transfers (goal <= 2): gas_limit = base: %.0f calls "
              "%.2f",
              static_cast<unsigned long long>(p.max_block_txs), base_calls, worst);
  for (size_t size : {size_t{0}, small_size, large_size}) {
    const double calls = std::min(txs, std::floor(static_cast<double>(p.max_block_gas) /
                                                  static_cast<double>(vm::IntrinsicGas(size))));
    const double per = at_zero + per_byte * static_cast<double>(size);
    std::printf("; %zu-byte code: %.0f calls %.2f", size, calls, calls * per / (txs * transfer));
    worst = std::max(worst, calls * per / (txs * transfer));
  }
  std::printf("\n");
  return worst;
}

// A goal's line as bench/run_all.sh greps it (docs/BENCHMARKS.md).
void PrintRatio(const char* name, double value, const char* op, double goal) {
  const bool met = op[0] == '>' ? value >= goal : value <= goal;
  std::printf("RATIO %s %.3f goal %s%g %s\n", name, value, op, goal, met ? "met" : "NOT met");
}

}  // namespace

int main(int argc, char** argv) {
  size_t escrows = 1000;
  size_t txs = 20'000;
  size_t fixed = 1000;
  int rounds = 3;
  uint64_t max_block_gas = 0, max_tx_gas = 0;
  size_t code_cache_mib = 64;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--only" && (std::string(argv[i + 1]) == "escrow" ||
                             std::string(argv[i + 1]) == "worst" ||
                             std::string(argv[i + 1]) == "fixed")) {
      only = argv[i + 1];
    } else if (flag == "--escrows") {
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
    } else if (flag == "--code-cache-mib") {
      code_cache_mib = std::min<uint64_t>(v, 4096);
    } else {
      std::fprintf(stderr,
                   "usage: bench_contracts [--escrows N] [--txs T] [--fixed F] [--max-block-gas G] "
                   "[--max-tx-gas G] [--rounds R] [--code-cache-mib M] "
                   "[--only escrow|worst|fixed]\n");
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
  std::pair<double, double> escrow{-1, -1};
  double worst = -1;
  {
    Bench b(params, dir, code_cache_mib << 20);
    std::vector<Sender> senders =
        Senders(static_cast<int>(std::max({escrows, txs, fixed, size_t{100}})));
    std::printf("bench_contracts: funding %zu senders ...\n", senders.size());
    Fund(&b, senders, 10 * chain::kCoin);
    if (only.empty() || only == "escrow") escrow = Escrows(&b, &senders, escrows, rounds);
    if (only.empty() || only == "worst") worst = WorstCase(&b, &senders, txs);
    if (only.empty() || only == "fixed") worst = std::max(worst, FixedCost(&b, &senders, fixed));
    if (worst >= 0 && txs < params.max_block_txs) {
      std::printf("(the worst-case blocks were measured against %zu transfers, not "
                  "max_block_txs %llu: their ratio is not the goal's)\n",
                  txs, static_cast<unsigned long long>(params.max_block_txs));
    }
  }
  std::filesystem::remove_all(dir);
  if (escrow.first >= 0) {
    PrintRatio("escrow_setup_vs_transfer", escrow.first, ">=", 0.5);
    PrintRatio("escrow_pay_vs_transfer", escrow.second, ">=", 0.5);
  }
  if (worst >= 0) PrintRatio("worst_block_vs_transfer_block", worst, "<=", 2);
  return 0;
}
