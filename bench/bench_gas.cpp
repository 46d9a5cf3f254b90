// The measured basis of the contract VM's gas schedule (issue 13): the time each opcode class
// costs on this machine, against the time of a transfer measured in the same run.
//
//   bench_gas [--txs T] [--rounds R] [--blocks B]
//
// 1. The bound (a regtest chainstate, bench_chain.h): blocks of T signed transfers; per
//    transfer, chain::VerifySchnorr on one core, ApplyBlockTransactions + MakeUndo, and the
//    whole Chainstate::ProcessBlock with the node's verify_threads = cores (its wall time per
//    tx is what a block of max_block_txs transfers costs, tx for tx).
// 2. The unit: the arithmetic loop of bench_vm (13 instructions, 21 gas a round): ns per gas.
// 3. Each opcode on its worst operands (1,024-byte strings, 64-byte storage keys, the largest
//    asset record), repeated in straight-line code between the pushes of its operands and the
//    pops of its results, against the same code with the opcode replaced by POPs and PUSHes of
//    the same stack effect: the difference is the opcode's time. Storage, asset reads, BALANCE
//    and the effects run twice: on a host over maps (the interpreter's share), and on
//    StateHost (bench_gas_host.h) over a chain::StateCache on a LevelDB chain::Store, each
//    call on its own overlay merged into the block's, and per block the undo data, the
//    WriteBatch and the synced write timed with it.
// 4. The table: per opcode, its gas now, its time, its ns per gas, and the gas that would give
//    it the unit's ns per gas; the worst ns per gas over all opcodes at the current prices;
//    and the max_block_gas whose worst block costs what a block of 20,000 transfers costs
//    (a block can hold both, so the sum stays within 2x).
// 5. What a call costs before its first instruction on a code cache miss: ValidateBytecode of
//    the largest code, and the reads and writes of the call (docs/PROTOCOL.md §11.1).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_chain.h"
#include "bench_gas_host.h"
#include "chain/block.h"
#include "chain/hash.h"
#include "chain/schnorr.h"
#include "chain/state.h"
#include "chain/state_cache.h"
#include "chain/store.h"
#include "consensus/chainstate.h"
#include "consensus/state_transition.h"
#include "contracts/bytecode.h"
#include "contracts/interpreter.h"
#include "contracts/limits.h"
#include "contracts/opcodes.h"
#include "contracts/validator.h"
#include "vm_loop.h"

namespace {

using namespace waybill::bench;  // NOLINT: the shared helpers and aliases
using vm::Op;

// ---------------------------------------------------------------------------------------
// Code

chain::Bytes Filled(size_t n, uint8_t seed) {
  chain::Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + 31 * i);
  return b;
}

chain::Hash256 IdOf(std::string_view tag, uint64_t i) {
  std::string s(tag);
  s += std::to_string(i);
  return chain::Sha256Hash(chain::ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

class Builder {
 public:
  Builder& Add(Op op) {
    code_.push_back(static_cast<uint8_t>(op));
    return *this;
  }
  Builder& Push(uint64_t v) {
    if (v <= 0xff) {
      Add(Op::kPush1);
      code_.push_back(static_cast<uint8_t>(v));
    } else {
      Add(Op::kPush8);
      for (int i = 0; i < 8; ++i) code_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    return *this;
  }
  // PUSHC of a constant with these bytes: one table entry per distinct value, and with
  // `copy` a second one, so that equal bytes sit at two addresses.
  Builder& Const(const chain::Bytes& bytes, bool copy = false) {
    auto [it, added] = (copy ? copies_ : index_).emplace(bytes, constants_.size());
    if (added) constants_.push_back(bytes);
    if (constants_.size() > vm::kMaxConstants) Die("too many constants");
    Add(Op::kPushC);
    code_.push_back(static_cast<uint8_t>(it->second));
    return *this;
  }
  Builder& Const(const chain::Hash256& id) { return Const(chain::Bytes(id.bytes.begin(), id.bytes.end())); }
  Builder& Pops(int n) {
    for (int i = 0; i < n; ++i) Add(Op::kPop);
    return *this;
  }
  std::shared_ptr<const vm::ValidatedCode> Build() {
    Add(Op::kStop);
    auto validated =
        vm::ValidateProgram(vm::Program{constants_, {vm::Entry{"main", 0}}, code_});
    if (auto* e = std::get_if<vm::DeployError>(&validated)) Die("validate: " + e->ToString());
    return std::get<std::shared_ptr<const vm::ValidatedCode>>(validated);
  }

 private:
  chain::Bytes code_;
  std::vector<chain::Bytes> constants_;
  std::map<chain::Bytes, size_t> index_, copies_;
};

// ---------------------------------------------------------------------------------------
// The bound: transfers on a regtest chainstate

struct TransferBound {
  double verify_us = 0;   // VerifySchnorr, one core, per signature
  double apply_us = 0;    // ApplyBlockTransactions + MakeUndo, per tx
  double process_us = 0;  // ProcessBlock wall time per tx, verify_threads = cores
};

TransferBound MeasureTransfers(const std::filesystem::path& dir, int txs, int blocks) {
  const consensus::ChainParams params = RegtestParams();
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  auto cs = OpenChain(dir, params, cores, std::make_shared<chain::SignatureCache>());
  const chain::AccountId miner = KeyFrom(chain::Sha256Hash(chain::ByteSpan())).PublicKey();
  std::vector<chain::SecretKey> senders;
  std::vector<chain::AccountId> ids;
  for (int i = 0; i < txs; ++i) {
    senders.push_back(KeyFrom(IdOf("bench-gas-sender-", i)));
    ids.push_back(senders.back().PublicKey());
  }
  const std::vector<chain::Transaction> funding = FundingTxs(params, ids, 1000 * chain::kCoin);
  uint32_t time = static_cast<uint32_t>(kNow);
  Connect(cs.get(), Decode(params, MakeBlock(params, params.genesis_id, 0, params.genesis_time,
                                             time, funding, miner)));
  TransferBound best{1e300, 1e300, 1e300};
  for (int b = 0; b < blocks; ++b) {
    std::vector<chain::Transaction> block_txs;
    for (int i = 0; i < txs; ++i) {
      chain::Transaction tx;
      tx.chain_id = params.chain_id();
      tx.sender = ids[i];
      tx.nonce = static_cast<uint64_t>(b);
      tx.fee = 1000;
      tx.op = chain::TransferOp{ids[(i + 1) % txs], chain::kCoin};
      tx.Sign(senders[i]);
      block_txs.push_back(std::move(tx));
    }
    const chain::DecodedBlock block =
        Decode(params, MakeBlock(params, cs->Tip().id, cs->Tip().height, time, time + 1,
                                 std::move(block_txs), miner));
    time += 1;
    const double n = block.block.txs.size();
    std::vector<chain::Hash256> msgs;
    for (const auto& tx : block.block.txs) msgs.push_back(tx.SigHash());
    auto start = Clock::now();
    for (size_t i = 0; i < msgs.size(); ++i) {
      const auto& tx = block.block.txs[i];
      if (!chain::VerifySchnorr(tx.sender, msgs[i].span(), tx.signature)) Die("signature");
    }
    best.verify_us = std::min(best.verify_us, 1e6 * Seconds(start) / n);
    start = Clock::now();
    cs->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
      chain::StateCache cache(&state);
      const consensus::BlockContext ctx{block.block.header.Id(), tip.height + 1,
                                        block.block.header.time};
      if (!consensus::ApplyBlockTransactions(params, ctx, block, &cache).valid()) Die("apply");
      if (!cache.MakeUndo().ok()) Die("undo");
    });
    best.apply_us = std::min(best.apply_us, 1e6 * Seconds(start) / n);
    start = Clock::now();
    Connect(cs.get(), block);
    best.process_us = std::min(best.process_us, 1e6 * Seconds(start) / n);
  }
  return best;
}

// ---------------------------------------------------------------------------------------
// Running code

vm::CallInput Input(const chain::AccountId& self) {
  vm::CallInput input;
  input.entry = "main";
  input.self = self;
  input.sender = IdOf("sender", 0);
  input.gas_limit = ~uint64_t{0};
  return input;
}

void Run(const vm::ValidatedCode& code, const vm::CallInput& input, vm::Host& host) {
  auto r = vm::Execute(code, input, host);
  if (!r.ok()) Die("execute: " + r.status().ToString());
  if (!r->ok()) Die("call failed: " + r->ToString());
}

// ns per call of code on host, best of `rounds` runs of `calls` calls.
double TimeCalls(const vm::ValidatedCode& code, vm::Host& host, int calls, int rounds) {
  const vm::CallInput input = Input(IdOf("contract", 0));
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const auto start = Clock::now();
    for (int c = 0; c < calls; ++c) Run(code, input, host);
    best = std::min(best, 1e9 * Seconds(start) / calls);
  }
  return best;
}

// An opcode's time: the same straight-line code with and without it.
struct Pair {
  std::shared_ptr<const vm::ValidatedCode> with, without;
  int reps = 0;
};

// reps copies of: operands(b); then the opcode, or its stack effect as POPs and PUSH1 0s; then
// `after` POPs.
Pair MakePair(Op op, int reps, const std::function<void(Builder&, int)>& operands, int after) {
  Builder with, without;
  const vm::OpInfo& info = vm::InfoOf(op);
  for (int i = 0; i < reps; ++i) {
    operands(with, i);
    operands(without, i);
    with.Add(op).Pops(after);
    without.Pops(info.pops);
    for (int k = 0; k < info.pushes; ++k) without.Push(0);
    without.Pops(after);
  }
  return Pair{with.Build(), without.Build(), reps};
}

// ---------------------------------------------------------------------------------------
// The store

struct Db {
  std::unique_ptr<chain::Store> store;
  uint64_t blocks = 0;

  // Commits the block's overlay as a chainstate does: the writes, the undo record, one synced
  // batch.
  void Commit(const chain::StateCache& cache) {
    chain::StoreBatch batch;
    cache.WriteTo(&batch);
    auto undo = cache.MakeUndo();
    if (!undo.ok()) Die("undo: " + undo.status().ToString());
    batch.Put(chain::keys::Undo(IdOf("block", blocks++)), chain::EncodeUndo(*undo));
    if (!store->Write(batch, true).ok()) Die("write");
  }
};

// The largest asset record a contract can read: 16 published metadata entries of 32 + 256
// bytes, 8 documents, and (a split parent) 1,000 children.
chain::Asset BigAsset(const chain::Hash256& id, const chain::AccountId& custodian, bool closed) {
  chain::Asset a;
  a.id = id;
  a.issuer = custodian;
  a.custodian = custodian;
  a.quantity = 1'000'000;
  a.unit = "kg-of-something!";
  for (int i = 0; i < 16; ++i) {
    a.metadata.push_back(chain::MetadataEntry{"key-" + std::to_string(i) + std::string(26, 'k'),
                                              std::string(256, static_cast<char>('a' + i)),
                                              chain::MetaKind::kPublished, {}});
    a.metadata.back().key.resize(32, 'k');
  }
  for (int i = 0; i < 8; ++i) a.documents.push_back(IdOf("doc", i));
  if (closed) {
    a.status = chain::AssetStatus::kSplit;
    for (int i = 0; i < 1000; ++i) a.children.push_back(IdOf("child", i));
  } else {
    for (int i = 0; i < 16; ++i) a.parents.push_back(IdOf("parent", i));
  }
  a.event_count = 3;
  return a;
}

// Writes with puts(cache) in chunks of `per_commit` items.
void Populate(Db* db, int n, int per_commit, const std::function<void(chain::StateCache*, int)>& put) {
  for (int i = 0; i < n;) {
    chain::StateCache cache(db->store.get());
    for (int k = 0; k < per_commit && i < n; ++k, ++i) put(&cache, i);
    db->Commit(cache);
  }
}

// Per call: a program and the contract it runs as.
struct Call {
  std::shared_ptr<const vm::ValidatedCode> code;
  chain::AccountId self;
};

// A block of calls on StateHost: the calls, each on its own overlay merged into the block's,
// then the commit (undo data, batch, synced write).
struct BlockTime {
  double exec_ns = 0;
  double commit_ns = 0;
  double total() const { return exec_ns + commit_ns; }
};

// The best of `rounds` blocks (each round gets fresh calls from blocks_of(round)).
BlockTime TimeStateBlocks(Db* db, const std::function<std::vector<Call>(int round)>& blocks_of,
                          int rounds) {
  BlockTime best{1e300, 1e300};
  for (int r = 0; r < rounds; ++r) {
    const std::vector<Call> calls = blocks_of(r);
    const auto start = Clock::now();
    chain::StateCache block(db->store.get());
    for (size_t c = 0; c < calls.size(); ++c) {
      chain::StateCache overlay(&block);
      StateHost host(&overlay, calls[c].self, IdOf("tx", db->blocks * 100000 + c));
      Run(*calls[c].code, Input(calls[c].self), host);
      std::move(overlay).MergeInto(&block);
    }
    const double exec = 1e9 * Seconds(start);
    const auto commit_start = Clock::now();
    if (!block.empty()) db->Commit(block);  // reads only: nothing to commit
    const BlockTime t{exec, 1e9 * Seconds(commit_start)};
    if (t.total() < best.total()) best = t;
  }
  return best;
}

// ---------------------------------------------------------------------------------------
// The table

struct Row {
  Op op;
  std::string what;      // the operands
  double ns = 0;         // per instruction: with minus without
  double commit_ns = 0;  // of which the block's commit (store rows)
  // Only the interpreter's share of an opcode whose price covers store work measured in
  // another row (or, for LOG, the call record's bytes): left out of the worst and least.
  bool share = false;
};

double NsPerGas(const Row& r) { return r.ns / vm::InfoOf(r.op).gas; }

// Rounds up to two significant digits (1,234 -> 1,300).
uint64_t Nice(double gas) {
  if (gas <= 10) return static_cast<uint64_t>(std::max(1.0, std::ceil(gas)));
  const double scale = std::pow(10.0, std::floor(std::log10(gas)) - 1);
  return static_cast<uint64_t>(std::ceil(gas / scale) * scale);
}

struct Options {
  int txs = 2000;
  int transfer_blocks = 3;
  int rounds = 5;
};

class GasBench {
 public:
  GasBench(const Options& o, const std::filesystem::path& dir) : o_(o), dir_(dir) {}

  double Unit();
  void VmRows();
  void OpenStore();
  void StoreRows();
  void EffectRows();
  void CallOverhead(double unit_ns, double transfer_ns);
  void Print(double unit_ns, const TransferBound& t) const;
  void Close() { db_.store.reset(); }

 private:
  // An opcode on maps: `calls` calls of `reps` copies, with and without it.
  void OnMaps(Op op, const std::string& what, int reps,
              const std::function<void(Builder&, int)>& operands, int after, int calls = 200);
  // An opcode on StateHost: blocks of `calls` calls, call i running as contract self(i).
  void OnStore(Op op, const std::string& what, int calls, int reps,
               const std::function<Pair(int call)>& make,
               const std::function<chain::AccountId(int call)>& self, bool without_first);

  const Options o_;
  const std::filesystem::path dir_;
  MapHost maps_;
  Db db_;
  std::vector<Row> rows_;
  std::vector<chain::Bytes> keys64_;  // storage keys: 64 bytes, distinct first bytes
  const chain::Bytes kilo_ = Filled(1024, 1);
  static constexpr int kStorageCalls = 40;  // per block: 2,560 SLOADs or SSTOREs
  static constexpr int kBigAssets = 1000;
  static constexpr int kEffectCalls = 20;  // per block, 16 effects each
  static constexpr int kHeldPerContract = 64;
};

// bench_vm's loop, 13 instructions and 21 gas a round: ns per gas, the best of the rounds.
double GasBench::Unit() {
  auto v = vm::ValidateProgram(LoopProgram(2'000'000));
  const auto& code = *std::get<std::shared_ptr<const vm::ValidatedCode>>(v);
  const vm::CallInput input = Input(IdOf("contract", 0));
  uint64_t gas_used = 1;
  double best = 1e300;
  for (int r = 0; r < o_.rounds; ++r) {
    const auto start = Clock::now();
    auto res = vm::Execute(code, input, maps_);
    best = std::min(best, 1e9 * Seconds(start));
    if (!res.ok()) Die("unit loop");
    gas_used = res->gas_used;
  }
  return best / static_cast<double>(gas_used);
}

void GasBench::OnMaps(Op op, const std::string& what, int reps,
                      const std::function<void(Builder&, int)>& operands, int after, int calls) {
  const Pair p = MakePair(op, reps, operands, after);
  const double with = TimeCalls(*p.with, maps_, calls, o_.rounds);
  const double without = TimeCalls(*p.without, maps_, calls, o_.rounds);
  const bool share = op == Op::kStorageGet || op == Op::kStoragePut || op == Op::kCustodian ||
                     op == Op::kLog;
  rows_.push_back(Row{op, what, std::max(0.0, (with - without) / reps), 0, share});
}

// Worst operands: 1,024-byte strings, a valid signature, 64-byte storage keys.
void GasBench::VmRows() {
  const chain::Bytes half = Filled(512, 7), eight = Filled(8, 3);
  auto ints = [](uint64_t a, uint64_t b) { return [=](Builder& x, int) { x.Push(a).Push(b); }; };
  OnMaps(Op::kAdd, "two u64", 1000, ints(123456789, 987654321), 1);
  OnMaps(Op::kMul, "two u64", 1000, ints(123456789, 98765), 1);
  OnMaps(Op::kDiv, "two u64", 1000, ints(~uint64_t{0} / 3, 7), 1);
  OnMaps(Op::kMod, "two u64", 1000, ints(~uint64_t{0} / 3, 7), 1);
  OnMaps(Op::kLen, "1,024 bytes", 1000, [&](Builder& x, int) { x.Const(kilo_); }, 1);
  OnMaps(Op::kConcat, "512 + 512 bytes (900 a call: the memory limit)", 900,
         [&](Builder& x, int) { x.Const(half).Const(Filled(512, 9)); }, 1);
  OnMaps(Op::kSlice, "1,024 bytes", 1000,
         [&](Builder& x, int) { x.Const(kilo_).Push(0).Push(1024); }, 1);
  OnMaps(Op::kBytesEq, "two equal 1,024-byte strings", 1000,
         [&](Builder& x, int) { x.Const(kilo_).Const(kilo_, true); }, 1);
  OnMaps(Op::kIntToBytes, "u64", 1000, [&](Builder& x, int) { x.Push(~uint64_t{0} / 5); }, 1);
  OnMaps(Op::kBytesToInt, "8 bytes", 1000, [&](Builder& x, int) { x.Const(eight); }, 1);
  OnMaps(Op::kSha256, "1,024 bytes", 500, [&](Builder& x, int) { x.Const(kilo_); }, 1, 40);
  // A valid BIP-340 signature over a 1,024-byte message: a verification that runs to the end.
  const chain::SecretKey key = KeyFrom(IdOf("sigcheck", 0));
  const chain::Signature sig = key.Sign(kilo_);
  const chain::AccountId pub = key.PublicKey();
  OnMaps(Op::kSigCheck, "valid signature, 1,024-byte message", 50,
         [&](Builder& x, int) {
           x.Const(pub).Const(kilo_).Const(chain::Bytes(sig.begin(), sig.end()));
         },
         1, 4);
  for (int i = 0; i < 200; ++i) {
    chain::Bytes k = Filled(64, static_cast<uint8_t>(i));
    k[0] = static_cast<uint8_t>(i);
    keys64_.push_back(k);
    maps_.storage[k] = kilo_;
  }
  OnMaps(Op::kStorageGet, "64-byte key, 1,024-byte value (maps)", 200,
         [&](Builder& x, int i) { x.Const(keys64_[i]); }, 1, 40);
  OnMaps(Op::kStoragePut, "64-byte key, 1,024-byte value (maps)", 64,
         [&](Builder& x, int i) { x.Const(keys64_[i]).Const(Filled(1024, 2)); }, 0, 40);
  const chain::Hash256 asset = IdOf("asset", 0);
  maps_.assets[asset] = vm::AssetFacts{IdOf("contract", 0), 5, "kg", 0};
  OnMaps(Op::kCustodian, "(maps)", 500, [&](Builder& x, int) { x.Const(asset); }, 1, 40);
  OnMaps(Op::kLog, "256 bytes (16 a call)", 16, [&](Builder& x, int) { x.Const(Filled(256, 5)); },
         0, 400);
}

// A LevelDB store with: kStorageCalls x rounds x 2 contracts with 64 storage keys of 1,024
// bytes and a balance; kBigAssets of the largest asset records, each with an attestation;
// kEffectCalls x rounds contracts holding kHeldPerContract open assets of their own; 16 payees
// per effect call.
void GasBench::OpenStore() {
  auto store = chain::Store::Open((dir_ / "store").string());
  if (!store.ok()) Die("store: " + store.status().ToString());
  db_.store = std::move(*store);
  Populate(&db_, kStorageCalls * o_.rounds * 2, 20, [&](chain::StateCache* c, int i) {
    for (int k = 0; k < 64; ++k) c->Put(StorageKey(IdOf("contract", i), keys64_[k]), kilo_);
    c->PutAccount(IdOf("contract", i), chain::Account{1'000'000'000, 0});
  });
  Populate(&db_, kBigAssets, 100, [&](chain::StateCache* c, int i) {
    const chain::Hash256 id = IdOf("big", i);
    if (!c->PutAsset(BigAsset(id, IdOf("someone", 0), true)).ok()) Die("put");
    c->Put(AttestIndexKey(id, chain::ByteSpan(kilo_.data(), 32), IdOf("attester", 0)),
           chain::EncodeSequence(1));
    chain::AssetEvent e;
    e.asset = id;
    e.sequence = 1;
    e.type = chain::EventType::kAttest;
    e.claim = std::string(32, 'c');
    e.value = std::string(256, 'v');
    c->PutEvent(e);
  });
  Populate(&db_, kEffectCalls * o_.rounds, 4, [&](chain::StateCache* c, int i) {
    for (int k = 0; k < kHeldPerContract; ++k) {
      const chain::Hash256 id = IdOf("held" + std::to_string(i) + "-", k);
      if (!c->PutAsset(BigAsset(id, IdOf("contract", i), false)).ok()) Die("put");
    }
  });
  Populate(&db_, kEffectCalls * o_.rounds * 16, 500, [&](chain::StateCache* c, int i) {
    c->PutAccount(IdOf("payee", i), chain::Account{1, 0});
  });
}

void GasBench::OnStore(Op op, const std::string& what, int calls, int reps,
                       const std::function<Pair(int call)>& make,
                       const std::function<chain::AccountId(int call)>& self,
                       bool without_first) {
  std::vector<Pair> pairs;
  for (int c = 0; c < calls * o_.rounds; ++c) pairs.push_back(make(c));
  auto blocks_of = [&](bool with) {
    return [&, with](int round) {
      std::vector<Call> block;
      for (int c = 0; c < calls; ++c) {
        const int i = round * calls + c;
        block.push_back(Call{with ? pairs[i].with : pairs[i].without, self(i)});
      }
      return block;
    };
  };
  BlockTime with, without;
  if (without_first) without = TimeStateBlocks(&db_, blocks_of(false), o_.rounds);
  with = TimeStateBlocks(&db_, blocks_of(true), o_.rounds);
  if (!without_first) without = TimeStateBlocks(&db_, blocks_of(false), o_.rounds);
  const double n = static_cast<double>(calls) * reps;
  rows_.push_back(Row{op, what, std::max(0.0, (with.total() - without.total()) / n),
                      std::max(0.0, (with.commit_ns - without.commit_ns) / n)});
}

void GasBench::StoreRows() {
  auto contract = [](int i) { return IdOf("contract", i); };
  // Written keys are overwritten once: SSTORE runs as the second half of the contracts.
  const int second_half = kStorageCalls * o_.rounds;
  OnStore(Op::kStorageGet, "64-byte key, 1,024-byte value (LevelDB)", kStorageCalls, 64,
          [&](int) {
            return MakePair(Op::kStorageGet, 64, [&](Builder& x, int i) { x.Const(keys64_[i]); },
                            1);
          },
          contract, false);
  OnStore(Op::kStoragePut, "overwrite 1,024 bytes at a 64-byte key (LevelDB)", kStorageCalls, 64,
          [&](int c) {
            const chain::Bytes v = Filled(1024, static_cast<uint8_t>(c + 100));
            return MakePair(Op::kStoragePut, 64,
                            [&](Builder& x, int i) { x.Const(keys64_[i]).Const(v); }, 0);
          },
          [&](int i) { return IdOf("contract", second_half + i); }, false);
  auto big_reads = [&](Op op, int after, const std::function<void(Builder&)>& more) {
    return [&, op, after, more](int c) {
      return MakePair(
          op, 25,
          [&, c](Builder& x, int i) {
            x.Const(IdOf("big", (c * 25 + i) % kBigAssets));
            more(x);
          },
          after);
    };
  };
  auto nothing = [](Builder&) {};
  const std::string big = "split parent: 16 x 288 B metadata, 8 docs, 1,000 children (LevelDB)";
  OnStore(Op::kCustodian, big, kStorageCalls, 25, big_reads(Op::kCustodian, 1, nothing), contract,
          false);
  OnStore(Op::kHolds, big, kStorageCalls, 25, big_reads(Op::kHolds, 1, nothing), contract, false);
  OnStore(Op::kMeta, big + ", a key it lacks", kStorageCalls, 25,
          big_reads(Op::kMeta, 2, [](Builder& x) { x.Const(chain::Bytes(32, 'k')); }), contract,
          false);
  const chain::Bytes claim(kilo_.begin(), kilo_.begin() + 32);
  OnStore(Op::kAttestation, "that record + the index + a 256-byte event (LevelDB)", kStorageCalls,
          25,
          big_reads(Op::kAttestation, 2,
                    [&](Builder& x) { x.Const(claim).Const(IdOf("attester", 0)); }),
          contract, false);
  OnStore(Op::kBalance, "the contract's account (LevelDB)", kStorageCalls, 200,
          [&](int) { return MakePair(Op::kBalance, 200, [](Builder&, int) {}, 1); }, contract,
          false);
}

// Effects: 16 a call, to payees that no other call of the block pays, or of the contract's own
// open assets.
void GasBench::EffectRows() {
  auto contract = [](int i) { return IdOf("contract", i); };
  auto held = [](int c, int k) { return IdOf("held" + std::to_string(c) + "-", k); };
  auto row = [&](Op op, const std::string& what, int after,
                 const std::function<void(Builder&, int c, int i)>& operands) {
    // Without first: the held assets are still open for with.
    OnStore(
        op, what, kEffectCalls, 16,
        [&, op, after](int c) {
          return MakePair(op, 16, [&, c](Builder& x, int i) { operands(x, c, i); }, after);
        },
        contract, true);
  };
  auto payee = [](int c, int i) { return IdOf("payee", c * 16 + i); };
  row(Op::kSendCoins, "to an existing account (LevelDB)", 0,
      [&](Builder& x, int c, int i) { x.Const(payee(c, i)).Push(1); });
  const std::string rec = "an open record: 16 x 288 B metadata, 8 docs, 16 parents";
  row(Op::kSendAsset, rec, 0,
      [&](Builder& x, int c, int i) { x.Const(payee(c, i)).Const(held(c, i)); });
  row(Op::kSplit, "such a record: 2 children with its metadata, 3 events", 2,
      [&](Builder& x, int c, int i) { x.Const(held(c, 16 + i)).Push(1); });
  row(Op::kMerge, "two such records: 1 output, 3 events", 1, [&](Builder& x, int c, int i) {
    x.Const(held(c, 32 + 2 * i)).Const(held(c, 33 + 2 * i));
  });
}

// What a call costs before and after its instructions on a code cache miss, in the layout of
// docs/PROTOCOL.md §11.1: it reads the 104-byte contract record ('o') and the code ('q'),
// validates the code, reads and writes the call count ('j') and writes the call record and
// its call list entry: blocks of calls to distinct contracts with the largest code.
void GasBench::CallOverhead(double unit_ns, double transfer_ns) {
  // PUSH1 0, JUMPI to the next instruction: 5 bytes, and a block boundary each.
  chain::Bytes c;
  while (c.size() + 6 <= vm::kMaxCodeBytes) {
    const size_t next = c.size() + 5;
    c.insert(c.end(), {static_cast<uint8_t>(Op::kPush1), 0, static_cast<uint8_t>(Op::kJumpIf),
                       static_cast<uint8_t>(next), static_cast<uint8_t>(next >> 8)});
  }
  c.push_back(static_cast<uint8_t>(Op::kStop));
  const chain::Bytes code = vm::EncodeProgram(vm::Program{{}, {vm::Entry{"main", 0}}, c});
  double validate_ns = 1e300;
  for (int r = 0; r < o_.rounds; ++r) {
    const auto start = Clock::now();
    for (int k = 0; k < 20; ++k) {
      if (!std::holds_alternative<std::shared_ptr<const vm::ValidatedCode>>(
              vm::ValidateBytecode(code))) {
        Die("validate");
      }
    }
    validate_ns = std::min(validate_ns, 1e9 * Seconds(start) / 20);
  }
  const int calls = 100;
  auto key = [](char letter, int i) {
    return letter + std::string(reinterpret_cast<const char*>(IdOf("c", i).data()), 32);
  };
  Populate(&db_, calls * o_.rounds, 50, [&](chain::StateCache* s, int i) {
    s->Put(key('o', i), chain::Bytes(104, 3));
    s->Put(key('q', i), code);
  });
  double io_ns = 1e300;
  for (int r = 0; r < o_.rounds; ++r) {
    const auto start = Clock::now();
    chain::StateCache block(db_.store.get());
    for (int k = 0; k < calls; ++k) {
      const int i = r * calls + k;
      chain::StateCache overlay(&block);
      chain::Bytes rec, stored, count;
      if (!overlay.Get(key('o', i), &rec).ok() || !overlay.Get(key('q', i), &stored).ok()) {
        Die("record");
      }
      if (!overlay.Get(key('j', i), &count).IsNotFound()) Die("count");
      overlay.Put(key('j', i), chain::Bytes(8, 1));                // the call count
      overlay.Put("k" + std::to_string(i), chain::Bytes(200, 1));  // the call record
      overlay.Put("l" + std::to_string(i), chain::Bytes(32, 2));   // the call list
      std::move(overlay).MergeInto(&block);
    }
    db_.Commit(block);
    io_ns = std::min(io_ns, 1e9 * Seconds(start) / calls);
  }
  std::printf("\nper call, before its first instruction (code of %zu bytes, distinct contracts):\n",
              code.size());
  std::printf("  ValidateBytecode %.1f us (%.1f ns per byte) = %.2f transfers = %.0f gas\n",
              validate_ns / 1000, validate_ns / code.size(), validate_ns / transfer_ns,
              validate_ns / unit_ns);
  std::printf("  read the record and the code, the count, write the count, call record and "
              "list, commit %.1f us = %.2f transfers = %.0f gas\n",
              io_ns / 1000, io_ns / transfer_ns, io_ns / unit_ns);
  std::printf("  per byte of code: %.0f gas\n", (validate_ns + io_ns) / code.size() / unit_ns);
}

void GasBench::Print(double unit_ns, const TransferBound& t) const {
  std::printf("\n%-11s %7s %10s %9s %8s %9s  %s\n", "opcode", "gas", "ns", "commit ns",
              "ns/gas", "gas@unit", "operands (* the interpreter's share only)");
  double worst = 0, least = 1e300;
  const Row* worst_row = nullptr;
  const Row* least_row = nullptr;
  for (const Row& r : rows_) {
    const double per_gas = NsPerGas(r);
    if (!r.share && per_gas > worst) {
      worst = per_gas;
      worst_row = &r;
    }
    // The ratio is over the opcodes priced from a measurement (above 10 gas); the cheaper
    // ones cost less than the unit loop's instructions, which set the unit.
    if (!r.share && vm::InfoOf(r.op).gas > 10 && per_gas < least) {
      least = per_gas;
      least_row = &r;
    }
    std::printf("%-11s %7u %10.1f %9.1f %8.2f %9llu  %s%s\n",
                std::string(vm::InfoOf(r.op).mnemonic).c_str(), vm::InfoOf(r.op).gas, r.ns,
                r.commit_ns, per_gas, static_cast<unsigned long long>(Nice(r.ns / unit_ns)),
                r.share ? "* " : "", r.what.c_str());
  }
  const double transfer_ns = t.process_us * 1000;
  std::printf("\nunit %.2f ns/gas; a transfer = %.0f gas at the unit (ProcessBlock wall per tx), "
              "%.0f gas of one core's time (verify + apply)\n",
              unit_ns, transfer_ns / unit_ns, (t.verify_us + t.apply_us) * 1000 / unit_ns);
  std::printf("ns/gas at the current prices: worst %.2f (%s) = %.2f x the unit; "
              "least (gas > 10) %.2f (%s); max/min %.2f\n",
              worst, std::string(vm::InfoOf(worst_row->op).mnemonic).c_str(), worst / unit_ns,
              least, std::string(vm::InfoOf(least_row->op).mnemonic).c_str(), worst / least);
  // The worst mix runs at the larger of the unit (the cheap instructions) and the worst
  // priced opcode.
  const double worst_mix = std::max(worst, unit_ns);
  const double block_ns = 20'000 * transfer_ns;
  std::printf("a block of 20,000 transfers: %.0f ms; the gas whose worst mix costs as much: "
              "%.0f\n",
              block_ns / 1e6, block_ns / worst_mix);
  for (uint64_t gas : {400'000'000ull, 500'000'000ull, 1'000'000'000ull}) {
    std::printf("  max_block_gas %llu: worst mix %.0f ms = %.2f x the transfer block\n",
                static_cast<unsigned long long>(gas), gas * worst_mix / 1e6,
                gas * worst_mix / block_ns);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int v = std::atoi(argv[i + 1]);
    if (flag == "--txs") {
      o.txs = std::clamp(v, kDevKeys, 20'000) / kDevKeys * kDevKeys;
    } else if (flag == "--rounds") {
      o.rounds = std::clamp(v, 2, 100);
    } else if (flag == "--blocks") {
      o.transfer_blocks = std::clamp(v, 1, 100);
    } else {
      std::fprintf(stderr, "usage: bench_gas [--txs T] [--rounds R] [--blocks B]\n");
      return 2;
    }
  }
  const auto base = std::filesystem::temp_directory_path() /
                    ("waybill_bench_gas_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(base);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  GasBench bench(o, base);

  // The bound and the unit, before and after the opcodes: the best of each counts.
  std::printf("bench_gas: %d blocks of %d transfers, rounds %d\n", o.transfer_blocks, o.txs,
              o.rounds);
  TransferBound t = MeasureTransfers(base / "chain1", o.txs, o.transfer_blocks);
  double unit_ns = bench.Unit();
  bench.VmRows();
  bench.OpenStore();
  bench.StoreRows();
  bench.EffectRows();
  const TransferBound after = MeasureTransfers(base / "chain2", o.txs, o.transfer_blocks);
  unit_ns = std::min(unit_ns, bench.Unit());
  std::printf("transfer: verify %.1f us (1 core) + apply %.1f us; ProcessBlock %.1f us/tx wall "
              "(%u cores); after the opcodes: %.1f + %.1f, %.1f\n",
              t.verify_us, t.apply_us, t.process_us,
              std::max(1u, std::thread::hardware_concurrency()), after.verify_us, after.apply_us,
              after.process_us);
  t.verify_us = std::min(t.verify_us, after.verify_us);
  t.apply_us = std::min(t.apply_us, after.apply_us);
  t.process_us = std::min(t.process_us, after.process_us);
  bench.Print(unit_ns, t);
  bench.CallOverhead(unit_ns, t.process_us * 1000);
  bench.Close();
  std::filesystem::remove_all(base);
  return 0;
}
