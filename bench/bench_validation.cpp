// Block validation, cold against the signature bound and warm (signatures cached) against
// cold.
//
//   bench_validation [--blocks N] [--txs T] [--threads V] [--op transfer|issue]
//
// Sets up a regtest chain in a temp dir, funds T accounts in one setup block, then pre-builds
// N blocks of T signed transfers each (every funded account sends one per block) without
// connecting them. With --op issue each tx is instead an asset.issue with gtin and lot
// metadata (the work of the custody and metadata indexes: docs/BENCHMARKS.md, "Index
// maintenance"); then the same blocks are also built with the two entries committed (kind 1:
// about the same bytes, not indexed), connected warm on a fourth chainstate in turns with the
// warm one: the ratio of the two warm connects is what the metadata index adds. It then times
// Chainstate::ProcessBlock of each block (header and content checks, storing the block, signature
// checks on verify_threads = V workers joined by the calling thread, the state transition, undo
// data and the synced LevelDB commit) on two chainstates, alternating block by block so that both
// see the same machine:
//   cold: has a signature cache, as the node does, but it holds none of these signatures;
//   warm: every signature of every block was verified and put in its cache beforehand, as
//         Mempool::Accept does when the txs arrive before their block.
//
// The bound: chain::VerifySchnorr of T distinct signatures on one core (messages computed
// beforehand; each call parses its key), times the number of cores. Also printed: the same raw
// verification on all cores at once (what the machine gave at the time: the bound assumes the
// other cores are free), the first cold block on its own (the verifier's parsed-key cache is
// still empty then: the senders repeat in every later block), and a breakdown of ProcessBlock's
// time, measured on a third chainstate that connects the same blocks, each part timed on its
// own, with the signatures also checked on a pool without a parsed-key cache.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_chain.h"
#include "chain/block.h"
#include "chain/hash.h"
#include "chain/merkle.h"
#include "chain/schnorr.h"
#include "chain/sig_cache.h"
#include "chain/state_cache.h"
#include "consensus/block_check.h"
#include "consensus/chainstate.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "consensus/sig_check_pool.h"
#include "consensus/state_transition.h"
#include "node/params/genesis.h"

namespace {

using namespace waybill::bench;  // NOLINT: the shared helpers and aliases

// BIP-340 verifications per second over the block's signatures (messages computed
// beforehand), best of 3, on `threads` threads that each verify a contiguous share.
double VerifyRate(const chain::DecodedBlock& block, size_t threads = 1) {
  const auto& txs = block.block.txs;
  std::vector<chain::Hash256> msgs;
  for (const auto& tx : txs) msgs.push_back(tx.SigHash());
  auto verify = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      if (!chain::VerifySchnorr(txs[i].sender, msgs[i].span(), txs[i].signature)) {
        Die("a signature failed");
      }
    }
  };
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto start = Clock::now();
    {
      std::vector<std::jthread> others;
      const size_t share = (msgs.size() + threads - 1) / threads;
      for (size_t begin = share; begin < msgs.size(); begin += share) {
        others.emplace_back(verify, begin, std::min(msgs.size(), begin + share));
      }
      verify(0, std::min(msgs.size(), share));
    }
    best = std::max(best, msgs.size() / Seconds(start));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int blocks = 10;
  int txs_per_block = 2000;
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  bool issue_ops = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--op" &&
        (std::string(argv[i + 1]) == "issue" || std::string(argv[i + 1]) == "transfer")) {
      issue_ops = std::string(argv[i + 1]) == "issue";
      continue;
    }
    const uint64_t value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--blocks") {
      blocks = static_cast<int>(std::clamp<uint64_t>(value, 1, 1000));
    } else if (flag == "--txs") {
      txs_per_block = static_cast<int>(std::clamp<uint64_t>(value, kDevKeys, 20'000));
    } else if (flag == "--threads") {
      threads = static_cast<size_t>(std::clamp<uint64_t>(value, 1, 256));
    } else {
      std::fprintf(stderr,
                   "usage: bench_validation [--blocks N] [--txs T] [--threads V] "
                   "[--op transfer|issue]\n");
      return 2;
    }
  }
  txs_per_block -= txs_per_block % kDevKeys;
  const consensus::ChainParams params = RegtestParams();
  const auto base = std::filesystem::temp_directory_path() /
                    ("waybill_bench_validation_" + std::to_string(std::random_device{}()));
  auto cold_cache = std::make_shared<chain::SignatureCache>();
  auto warm_cache = std::make_shared<chain::SignatureCache>(
      std::max<size_t>(chain::SignatureCache::kDefaultMaxEntries, size_t(blocks) * txs_per_block));
  auto cold = OpenChain(base / "cold", params, threads, cold_cache);
  auto warm = OpenChain(base / "warm", params, threads, warm_cache);
  auto split = OpenChain(base / "breakdown", params, threads);
  // --op issue: warm, on blocks of issues whose entries are committed (no metadata index keys).
  auto bare_cache = std::make_shared<chain::SignatureCache>(
      std::max<size_t>(chain::SignatureCache::kDefaultMaxEntries, size_t(blocks) * txs_per_block));
  auto bare = issue_ops ? OpenChain(base / "bare", params, threads, bare_cache) : nullptr;
  const chain::AccountId miner = KeyFrom(chain::Sha256Hash(chain::ByteSpan())).PublicKey();

  // Setup: the dev keys fund txs_per_block senders.
  std::printf("bench_validation: %d blocks of %d %s, verify_threads %zu\n", blocks, txs_per_block,
              issue_ops ? "asset issues (gtin, lot)" : "transfers", threads);
  std::printf("setup: keys, funding block, signing %d txs ...\n", blocks * txs_per_block);
  std::fflush(stdout);
  std::vector<chain::SecretKey> senders;
  std::vector<chain::AccountId> sender_ids;
  for (int i = 0; i < txs_per_block; ++i) {
    const std::string seed = "bench-sender-" + std::to_string(i);
    senders.push_back(KeyFrom(chain::Sha256Hash(
        chain::ByteSpan(reinterpret_cast<const uint8_t*>(seed.data()), seed.size()))));
    sender_ids.push_back(senders.back().PublicKey());
  }
  const std::vector<chain::Transaction> funding =
      FundingTxs(params, sender_ids, 1000 * chain::kCoin);
  const uint32_t t0 = static_cast<uint32_t>(kNow);
  const chain::Bytes setup =
      MakeBlock(params, params.genesis_id, 0, params.genesis_time, t0, funding, miner);
  Connect(cold.get(), Decode(params, setup));
  Connect(warm.get(), Decode(params, setup));
  Connect(split.get(), Decode(params, setup));
  if (bare) Connect(bare.get(), Decode(params, setup));

  // The blocks to validate, built on the setup block without connecting them.
  auto build_blocks = [&](bool with_index) {
    std::vector<chain::Bytes> block_bytes;
    chain::Hash256 prev = cold->Tip().id;
    uint32_t prev_time = t0;
    for (int b = 0; b < blocks; ++b) {
      std::vector<chain::Transaction> txs;
      txs.reserve(txs_per_block);
      for (int i = 0; i < txs_per_block; ++i) {
        chain::Transaction tx;
        tx.chain_id = params.chain_id();
        tx.sender = sender_ids[i];
        tx.nonce = static_cast<uint64_t>(b);
        tx.fee = 1000;
        if (issue_ops) {
          // A GS1-like GTIN shared by 100 issues, and a lot of its own: the metadata index gets
          // two keys per tx.
          chain::AssetIssueOp op{1000, "kg", {}, {}};
          op.metadata = {{"gtin", "0950600013" + std::to_string(4000 + i % 100)},
                         {"lot", "L" + std::to_string(b) + "-" + std::to_string(i)}};
          if (!with_index) {
            // The same entries committed (kind 1): about the same bytes in the tx and the record,
            // and no index key.
            for (chain::MetadataEntry& e : op.metadata) {
              e.commitment =
                  chain::MetaCommitment(chain::Sha256Hash(chain::ByteSpan()), e.key, e.value);
              e.kind = chain::MetaKind::kCommitted;
              e.value.clear();
            }
          }
          tx.op = std::move(op);
        } else {
          tx.op = chain::TransferOp{sender_ids[(i + 1) % txs_per_block], chain::kCoin};
        }
        tx.Sign(senders[i]);
        txs.push_back(std::move(tx));
      }
      block_bytes.push_back(MakeBlock(params, prev, static_cast<uint32_t>(b + 1), prev_time,
                                      prev_time + 1, std::move(txs), miner));
      prev = chain::DecodeBlock(block_bytes.back())->block.header.Id();
      prev_time += 1;
    }
    return block_bytes;
  };
  const std::vector<chain::Bytes> block_bytes = build_blocks(true);
  const std::vector<chain::Bytes> bare_bytes =
      bare ? build_blocks(false) : std::vector<chain::Bytes>();

  // The warm chainstates' caches get every signature, verified first, as Mempool::Accept
  // does for each tx it admits.
  auto warm_up = [&](const std::vector<chain::Bytes>& all, chain::SignatureCache* cache) {
    for (const chain::Bytes& bytes : all) {
      for (const chain::Transaction& tx : Decode(params, bytes).block.txs) {
        const chain::Hash256 msg = tx.SigHash();
        if (!chain::VerifySchnorr(tx.sender, msg.span(), tx.signature)) Die("bad signature");
        cache->Insert(tx.sender, msg, tx.signature);
      }
    }
  };
  warm_up(block_bytes, warm_cache.get());
  warm_up(bare_bytes, bare_cache.get());

  // The bound: raw BIP-340 verification on one core, over distinct signatures, measured before
  // and after the timed run (the best counts: the machine may be shared).
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const chain::DecodedBlock first = Decode(params, block_bytes.front());
  const double verify_before = VerifyRate(first);
  const double all_cores_before = VerifyRate(first, cores);

  // Cold and warm ProcessBlock of the same block (and with --op issue, the warm one of the
  // block with committed entries), one after the other, taking turns to go first.
  std::vector<double> cold_s, warm_s, bare_s;
  const int runs = bare ? 3 : 2;
  for (size_t b = 0; b < block_bytes.size(); ++b) {
    const chain::DecodedBlock block = Decode(params, block_bytes[b]);
    std::optional<chain::DecodedBlock> bare_block;
    if (bare) bare_block = Decode(params, bare_bytes[b]);
    for (int turn = 0; turn < runs; ++turn) {
      const int which = static_cast<int>((turn + b) % runs);  // 0 cold, 1 warm, 2 bare
      const auto start = Clock::now();
      Connect(which == 0   ? cold.get()
              : which == 1 ? warm.get()
                           : bare.get(),
              which == 2 ? *bare_block : block);
      (which == 0 ? cold_s : which == 1 ? warm_s : bare_s).push_back(Seconds(start));
    }
  }
  auto sum = [](const std::vector<double>& v) {
    double total = 0;
    for (double s : v) total += s;
    return total;
  };
  const double total = sum(cold_s);
  const double warm_total = sum(warm_s);
  const double tx_rate = blocks * txs_per_block / total;
  const double warm_rate = blocks * txs_per_block / warm_total;

  const double best_verify = std::max(verify_before, VerifyRate(first));
  const double all_cores = std::max(all_cores_before, VerifyRate(first, cores));
  const double bound = best_verify * static_cast<double>(cores);

  // Where ProcessBlock's time goes, on the third chainstate.
  double t_decode = 0, t_check = 0, t_sigs = 0, t_sigs_unparsed = 0, t_apply = 0, t_process = 0;
  // Like the chainstate's: `threads` workers, joined by the calling thread, with a parsed-key
  // cache; and the same without one (every key parsed on every verification, as the bound is).
  consensus::SignatureCheckPool pool(threads);
  consensus::SignatureCheckPool unparsed_pool(threads, 0);
  for (const chain::Bytes& bytes : block_bytes) {
    auto start = Clock::now();
    const chain::DecodedBlock block = Decode(params, bytes);
    t_decode += Seconds(start);
    start = Clock::now();
    if (!consensus::CheckBlock(block, params).valid()) Die("CheckBlock");
    t_check += Seconds(start);
    start = Clock::now();
    if (!consensus::CheckBlockSignatures(block.block, &pool, nullptr).valid()) Die("signatures");
    t_sigs += Seconds(start);
    start = Clock::now();
    if (!consensus::CheckBlockSignatures(block.block, &unparsed_pool, nullptr).valid()) {
      Die("signatures");
    }
    t_sigs_unparsed += Seconds(start);
    start = Clock::now();
    split->WithTipState([&](const chain::KvReader& state, const consensus::TipInfo& tip) {
      chain::StateCache cache(&state);
      const consensus::BlockContext ctx{block.block.header.Id(), tip.height + 1,
                                        block.block.header.time};
      if (!consensus::ApplyBlockTransactions(params, ctx, block, &cache).valid()) {
        Die("apply");
      }
      if (!cache.MakeUndo().ok()) Die("undo");
    });
    t_apply += Seconds(start);
    start = Clock::now();
    Connect(split.get(), block);
    t_process += Seconds(start);
  }

  const double n_txs = static_cast<double>(blocks) * txs_per_block;
  auto per_block = [&](const char* what, const std::vector<double>& v, double rate) {
    std::printf("%s ProcessBlock: %.1f ms per block (min %.1f, max %.1f), %.0f tx/s\n", what,
                1e3 * sum(v) / blocks, 1e3 * *std::min_element(v.begin(), v.end()),
                1e3 * *std::max_element(v.begin(), v.end()), rate);
  };
  std::printf("\n");
  per_block("cold", cold_s, tx_rate);
  per_block("warm", warm_s, warm_rate);
  if (bare) {
    per_block("warm, entries committed (not indexed),", bare_s,
              blocks * txs_per_block / sum(bare_s));
    std::printf(
        "ratio warm published/committed entries (the metadata index's cost): %.3f "
        "(goal <= 1.15)\n",
        warm_total / sum(bare_s));
  }
  std::printf("Schnorr verify, 1 core: %.0f/s; x %zu cores = bound %.0f/s\n", best_verify, cores,
              bound);
  std::printf("Schnorr verify on %zu threads at once: %.0f/s = %.3f of the bound\n", cores,
              all_cores, all_cores / bound);
  std::printf("ratio cold ProcessBlock/bound: %.3f (goal >= 0.85); /%zu-thread verify: %.3f\n",
              tx_rate / bound, cores, tx_rate / all_cores);
  std::printf("ratio warm/cold speed: %.2f (goal >= 3)\n", warm_rate / tx_rate);
  const chain::SignatureCache::Stats cs = cold_cache->stats();
  const chain::SignatureCache::Stats ws = warm_cache->stats();
  std::printf("signature cache hits/misses: cold %llu/%llu, warm %llu/%llu (left: %zu)\n",
              static_cast<unsigned long long>(cs.hits), static_cast<unsigned long long>(cs.misses),
              static_cast<unsigned long long>(ws.hits), static_cast<unsigned long long>(ws.misses),
              ws.size);
  std::printf("CheckBlockSignatures alone (%zu workers + caller): %.0f sig/s = %.3f of the bound\n",
              threads, n_txs / t_sigs, n_txs / t_sigs / bound);
  const chain::PublicKeyCache::Stats ks = pool.key_cache_stats();
  std::printf("  parsed-key cache hits/misses %llu/%llu; without the cache: %.0f sig/s = %.3f\n",
              static_cast<unsigned long long>(ks.hits), static_cast<unsigned long long>(ks.misses),
              n_txs / t_sigs_unparsed, n_txs / t_sigs_unparsed / bound);
  std::printf("cold ProcessBlock of the first block (no sender's key parsed yet): %.1f ms\n",
              1e3 * cold_s.front());
  std::printf("\nbreakdown (third chainstate, per block, each part timed alone):\n");
  auto row = [&](const char* what, double s) {
    std::printf("  %-46s %7.2f ms  %5.1f us/tx\n", what, 1e3 * s / blocks, 1e6 * s / n_txs);
  };
  row("decode + tx ids (before ProcessBlock, untimed)", t_decode);
  row("CheckBlock (Merkle root, duplicates, tx rules)", t_check);
  row("CheckBlockSignatures (the chainstate's pool)", t_sigs);
  row("  the same without the parsed-key cache", t_sigs_unparsed);
  row("ApplyBlockTransactions + MakeUndo", t_apply);
  row("ProcessBlock (the whole, state cache warm)", t_process);
  row("  minus the three above (< 0: they overlap)", t_process - t_check - t_sigs - t_apply);
  cold.reset();
  warm.reset();
  split.reset();
  bare.reset();
  std::filesystem::remove_all(base);
  return 0;
}
