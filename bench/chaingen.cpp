// A regtest chain of blocks full of transfers, written to a file for bench/sync_bench.py.
//
//   chaingen --out FILE [--blocks N] [--txs T] [--threads S]
//
// Block 1 funds T accounts from the ten dev keys of genesis/regtest.json (bench_chain.h); each
// of blocks 2..N holds T transfers, one per funded account (nonce = height - 2, to the next
// account). Timestamps start at bench_chain.h's kNow and step 1 s, far behind the ASERT schedule,
// so every block is at the regtest pow limit and its nonce is found in a few hashes; a node whose
// clock is the real time accepts them. Signing is spread over S threads (default: all cores).
//
// The file: per block, its size as 4 bytes little-endian, then the serialized block. Written to
// FILE.tmp and renamed, so a file that exists is whole (sync_bench.py caches it by its name).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_chain.h"

namespace {

using namespace waybill::bench;  // NOLINT: the shared helpers and aliases

struct Args {
  std::string out;
  int blocks = 500;
  int txs = 2000;
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    const uint64_t n = std::strtoull(value.c_str(), nullptr, 10);
    if (flag == "--out") {
      a.out = value;
    } else if (flag == "--blocks") {
      a.blocks = static_cast<int>(std::clamp<uint64_t>(n, 2, 100'000));
    } else if (flag == "--txs") {
      a.txs = static_cast<int>(std::clamp<uint64_t>(n, kDevKeys, 20'000));
    } else if (flag == "--threads") {
      a.threads = static_cast<size_t>(std::clamp<uint64_t>(n, 1, 256));
    } else {
      a.out.clear();
      break;
    }
  }
  if (a.out.empty()) {
    std::fprintf(stderr, "usage: chaingen --out FILE [--blocks N] [--txs T] [--threads S]\n");
    std::exit(2);
  }
  a.txs -= a.txs % kDevKeys;
  return a;
}

void WriteBlock(std::ofstream& out, const chain::Bytes& block) {
  const uint32_t size = static_cast<uint32_t>(block.size());
  const uint8_t le[4] = {static_cast<uint8_t>(size), static_cast<uint8_t>(size >> 8),
                         static_cast<uint8_t>(size >> 16), static_cast<uint8_t>(size >> 24)};
  out.write(reinterpret_cast<const char*>(le), 4);
  out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(size));
  if (!out) Die("write failed");
}

// One block's transfers at `nonce`, signed on `threads` threads.
std::vector<chain::Transaction> Transfers(const consensus::ChainParams& params,
                                          const std::vector<chain::SecretKey>& keys,
                                          const std::vector<chain::AccountId>& ids, uint64_t nonce,
                                          size_t threads) {
  std::vector<chain::Transaction> txs(keys.size());
  auto sign = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      chain::Transaction& tx = txs[i];
      tx.chain_id = params.chain_id();
      tx.sender = ids[i];
      tx.nonce = nonce;
      tx.fee = 1000;
      tx.op = chain::TransferOp{ids[(i + 1) % ids.size()], chain::kCoin};
      tx.Sign(keys[i]);
    }
  };
  const size_t share = (txs.size() + threads - 1) / threads;
  std::vector<std::jthread> others;
  for (size_t begin = share; begin < txs.size(); begin += share) {
    others.emplace_back(sign, begin, std::min(txs.size(), begin + share));
  }
  sign(0, std::min(txs.size(), share));
  return txs;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  const consensus::ChainParams params = RegtestParams();
  const chain::AccountId miner = KeyFrom(chain::Sha256Hash(chain::ByteSpan())).PublicKey();
  std::vector<chain::SecretKey> keys;
  std::vector<chain::AccountId> ids;
  for (int i = 0; i < args.txs; ++i) {
    const std::string seed = "sync-sender-" + std::to_string(i);
    keys.push_back(KeyFrom(chain::Sha256Hash(
        chain::ByteSpan(reinterpret_cast<const uint8_t*>(seed.data()), seed.size()))));
    ids.push_back(keys.back().PublicKey());
  }
  const std::string tmp = args.out + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) Die("cannot write " + tmp);

  const auto start = Clock::now();
  uint32_t time = static_cast<uint32_t>(kNow);
  chain::Bytes block = MakeBlock(params, params.genesis_id, 0, params.genesis_time, time,
                                 FundingTxs(params, ids, 1000 * chain::kCoin), miner);
  WriteBlock(out, block);
  uint64_t bytes = block.size();
  for (int height = 2; height <= args.blocks; ++height) {
    const chain::Hash256 prev = Decode(params, block).block.header.Id();
    std::vector<chain::Transaction> txs =
        Transfers(params, keys, ids, static_cast<uint64_t>(height - 2), args.threads);
    block = MakeBlock(params, prev, static_cast<uint32_t>(height - 1), time, time + 1,
                      std::move(txs), miner);
    time += 1;
    WriteBlock(out, block);
    bytes += block.size();
    if (height % 50 == 0) {
      std::fprintf(stderr, "chaingen: %d/%d blocks, %.1f s\n", height, args.blocks, Seconds(start));
    }
  }
  out.close();
  if (!out) Die("write failed: " + tmp);
  std::filesystem::rename(tmp, args.out);
  std::printf("chaingen: %d blocks, %d txs each, %.1f MB, in %.1f s -> %s\n", args.blocks, args.txs,
              bytes / 1e6, Seconds(start), args.out.c_str());
  return 0;
}
