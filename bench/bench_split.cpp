// A block holding one 1,000-child split against a block of 1,000 transfers.
//
//   bench_split [--rounds R] [--threads V]
//
// Sets up a regtest chain in a temp dir whose first block issues R lots of 1,500,000 g (dev key
// 0), then connects 2R blocks in turns: 1,000 coin transfers (dev keys 1..8, 125 each), then
// one tx splitting the next lot into 1,000 bags of 1,500 g labeled bag=000001.. (about 20 KB).
// Each block is timed twice: ApplyBlockTransactions with MakeUndo on the tip state (the state
// transition and its undo data alone), then Chainstate::ProcessBlock (header and block checks,
// storing, the signature checks on V workers, the state transition, undo data and the synced
// LevelDB commit). The transfer block carries 1,000 signatures and the split block one; the
// split block writes 3,003 records (1,000 assets, events and custody index keys, the parent,
// its event and its index key deleted) against the transfers' ~1,009 (accounts, tx index).
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "chain/state_cache.h"
#include "chain/tx.h"
#include "consensus/state_transition.h"

#include "bench_chain.h"

namespace {

using namespace waybill::bench;  // NOLINT: the shared helpers and aliases

constexpr int kChildren = 1000;
constexpr int kTransferKeys = 8;  // dev keys 1..8, 125 transfers each
constexpr chain::Quantity kEach = 1500;

chain::Transaction Signed(const consensus::ChainParams& params, const chain::SecretKey& key,
                          uint64_t nonce, chain::Operation op, chain::Amount fee) {
  chain::Transaction tx;
  tx.chain_id = params.chain_id();
  tx.sender = key.PublicKey();
  tx.nonce = nonce;
  tx.fee = fee;
  tx.op = std::move(op);
  tx.Sign(key);
  return tx;
}

chain::Operation Bags(const chain::Hash256& lot) {
  chain::AssetSplitOp op{lot, {}};
  for (int i = 1; i <= kChildren; ++i) {
    std::string label = std::to_string(i);
    label.insert(0, 6 - label.size(), '0');
    op.children.push_back({kEach, {{"bag", label}}});
  }
  return op;
}

// ApplyBlockTransactions + MakeUndo of block on the chainstate's tip, in seconds.
double TimeApply(consensus::Chainstate* cs, const consensus::ChainParams& params,
                 const chain::DecodedBlock& block) {
  double seconds = 0;
  cs->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
    const auto start = Clock::now();
    chain::StateCache cache(&state);
    const consensus::BlockContext ctx{block.block.header.Id(), tip.height + 1,
                                      block.block.header.time};
    if (!consensus::ApplyBlockTransactions(params, ctx, block, &cache).valid()) Die("apply");
    if (!cache.MakeUndo().ok()) Die("undo");
    seconds = Seconds(start);
  });
  return seconds;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const uint64_t value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--rounds") {
      rounds = static_cast<int>(std::clamp<uint64_t>(value, 1, 100));
    } else if (flag == "--threads") {
      threads = static_cast<size_t>(std::clamp<uint64_t>(value, 1, 256));
    } else {
      std::fprintf(stderr, "usage: bench_split [--rounds R] [--threads V]\n");
      return 2;
    }
  }
  const consensus::ChainParams params = RegtestParams();
  const auto dir = std::filesystem::temp_directory_path() /
                   ("waybill_bench_split_" + std::to_string(std::random_device{}()));
  auto cs = OpenChain(dir, params, threads);
  const chain::AccountId miner = KeyFrom(chain::Sha256Hash(chain::ByteSpan())).PublicKey();
  std::vector<chain::SecretKey> dev;
  for (int d = 0; d < kDevKeys; ++d) dev.push_back(KeyFrom(chain::DevSecretKeyBytes(d)));
  std::printf("bench_split: %d rounds of (1,000 transfers, one 1,000-child split), "
              "verify_threads %zu\n", rounds, threads);

  // The lots, all in one setup block.
  std::vector<chain::Transaction> issues;
  for (int r = 0; r < rounds; ++r) {
    issues.push_back(Signed(params, dev[0], r,
                            chain::AssetIssueOp{kChildren * kEach, "g", {{"lot", "L-17"}}, {}},
                            1000));
  }
  uint32_t parent_time = params.genesis_time;
  uint32_t time = static_cast<uint32_t>(kNow);
  uint32_t height = 0;
  chain::Hash256 prev = params.genesis_id;
  auto next_block = [&](std::vector<chain::Transaction> txs) {
    const chain::Bytes bytes =
        MakeBlock(params, prev, height, parent_time, time, std::move(txs), miner);
    ++height;
    parent_time = time++;
    chain::DecodedBlock block = Decode(params, bytes);
    prev = block.block.header.Id();
    return block;
  };
  Connect(cs.get(), next_block(issues));

  std::vector<double> transfer_apply, transfer_process, split_apply, split_process;
  size_t split_bytes = 0;
  std::vector<uint64_t> nonces(kDevKeys, 0);
  nonces[0] = rounds;
  for (int r = 0; r < rounds; ++r) {
    std::vector<chain::Transaction> transfers;
    for (int i = 0; i < kChildren; ++i) {
      const int k = 1 + i % kTransferKeys;
      transfers.push_back(Signed(params, dev[k], nonces[k]++,
                                 chain::TransferOp{dev[(k % kTransferKeys) + 1].PublicKey(), 1},
                                 1000));
    }
    const chain::DecodedBlock tb = next_block(std::move(transfers));
    transfer_apply.push_back(TimeApply(cs.get(), params, tb));
    auto start = Clock::now();
    Connect(cs.get(), tb);
    transfer_process.push_back(Seconds(start));

    const chain::Hash256 lot = chain::NewAssetIds(issues[r]).front();
    chain::Transaction split = Signed(params, dev[0], nonces[0]++, Bags(lot), 100'000);
    split_bytes = split.Serialize().size();
    const chain::DecodedBlock sb = next_block({std::move(split)});
    split_apply.push_back(TimeApply(cs.get(), params, sb));
    start = Clock::now();
    Connect(cs.get(), sb);
    split_process.push_back(Seconds(start));
  }

  std::printf("split tx: %zu bytes\n", split_bytes);
  std::printf("%-44s %9s %9s\n", "median per block, ms", "apply", "process");
  std::printf("%-44s %9.2f %9.2f\n", "1,000 transfers (1,000 signatures)",
              1e3 * Median(transfer_apply), 1e3 * Median(transfer_process));
  std::printf("%-44s %9.2f %9.2f\n", "one split into 1,000 children (1 signature)",
              1e3 * Median(split_apply), 1e3 * Median(split_process));
  std::printf("ratio split/transfers: apply %.2f, ProcessBlock %.2f\n",
              Median(split_apply) / Median(transfer_apply),
              Median(split_process) / Median(transfer_process));
  cs.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
