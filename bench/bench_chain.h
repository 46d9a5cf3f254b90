// What the block benchmarks share (bench_validation, bench_split): the regtest parameters of
// genesis/regtest.json with its ten funded dev keys, a chainstate in a temp dir on a mock clock,
// solved blocks, and a Die that ends the program on anything unexpected.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chain/block.h"
#include "chain/hash.h"
#include "chain/merkle.h"
#include "chain/schnorr.h"
#include "chain/sig_cache.h"
#include "consensus/chainstate.h"
#include "consensus/params.h"
#include "consensus/pow.h"
#include "node/params/genesis.h"

namespace waybill::bench {

namespace chain = waybill::chain;
namespace consensus = waybill::consensus;
namespace node = waybill::node;
using Clock = std::chrono::steady_clock;

inline constexpr int kDevKeys = 10;
inline constexpr int64_t kNow = 1'763'800'000 + 1'000'000;  // mock clock: far behind the ASERT schedule

inline double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

inline chain::SecretKey KeyFrom(const chain::Hash256& bytes) {
  auto key = chain::SecretKey::FromBytes(bytes.span());
  if (!key) Die("bad key");
  return std::move(*key);
}

// genesis/regtest.json as the node embeds it (its allocations fund the kDevKeys dev keys).
inline consensus::ChainParams RegtestParams() {
  auto params = node::EmbeddedGenesis("regtest");
  if (!params.ok()) Die("regtest genesis: " + params.status().ToString());
  if (params->allocations.size() < static_cast<size_t>(kDevKeys)) Die("regtest allocations");
  for (uint32_t i = 0; i < kDevKeys; ++i) {
    if (params->allocations[i].account != KeyFrom(chain::DevSecretKeyBytes(i)).PublicKey()) {
      Die("regtest allocation " + std::to_string(i) + " is not dev key " + std::to_string(i));
    }
  }
  return std::move(*params);
}

// Txs in which the kDevKeys dev keys give each account of `to` `amount` (dev key i % kDevKeys
// pays to[i], with nonce i / kDevKeys): one block's worth on a chain where they sent nothing.
inline std::vector<chain::Transaction> FundingTxs(const consensus::ChainParams& params,
                                                  const std::vector<chain::AccountId>& to,
                                                  chain::Amount amount) {
  std::vector<chain::SecretKey> devs;
  for (int d = 0; d < kDevKeys; ++d) devs.push_back(KeyFrom(chain::DevSecretKeyBytes(d)));
  std::vector<chain::Transaction> txs;
  for (size_t i = 0; i < to.size(); ++i) {
    const chain::SecretKey& dev = devs[i % kDevKeys];
    chain::Transaction tx;
    tx.chain_id = params.chain_id();
    tx.sender = dev.PublicKey();
    tx.nonce = i / kDevKeys;
    tx.fee = 1000;
    tx.op = chain::TransferOp{to[i], amount};
    tx.Sign(dev);
    txs.push_back(std::move(tx));
  }
  return txs;
}

inline std::unique_ptr<consensus::Chainstate> OpenChain(
    const std::filesystem::path& dir, const consensus::ChainParams& params, size_t verify_threads,
    std::shared_ptr<chain::SignatureCache> cache = nullptr,
    std::optional<size_t> code_cache_bytes = std::nullopt) {
  std::filesystem::remove_all(dir);
  consensus::ChainstateOptions options;
  if (code_cache_bytes) options.code_cache_bytes = *code_cache_bytes;
  options.clock = [] { return kNow; };
  options.verify_threads = verify_threads;
  options.signature_cache = std::move(cache);
  auto cs = consensus::Chainstate::Open(dir.string(), params, std::move(options));
  if (!cs.ok()) Die("open: " + cs.status().ToString());
  return std::move(*cs);
}

// A solved block on (prev, height - 1, prev_time) with txs.
inline chain::Bytes MakeBlock(const consensus::ChainParams& params, const chain::Hash256& prev,
                       uint32_t parent_height, uint32_t parent_time, uint32_t time,
                       std::vector<chain::Transaction> txs, const chain::AccountId& miner) {
  chain::Block block;
  block.header.prev = prev;
  block.header.miner = miner;
  block.header.time = time;
  const consensus::AsertParams asert{params.pow_limit, params.target_block_time,
                                     params.asert_half_life};
  const consensus::AsertAnchor anchor{
      0, static_cast<int64_t>(params.genesis_time) - params.target_block_time, params.genesis_bits};
  block.header.bits = consensus::AsertNextBits(asert, anchor, parent_height, parent_time);
  std::vector<chain::Hash256> ids;
  ids.reserve(txs.size());
  for (const auto& tx : txs) ids.push_back(tx.Id());
  block.header.merkle_root = chain::BlockMerkleRoot(ids);
  block.txs = std::move(txs);
  // Regtest targets pass about every other hash: no need for the miner's kernel.
  while (!consensus::CheckProofOfWork(block.header.Id(), block.header.bits, params.pow_limit)) {
    if (++block.header.nonce == 0) Die("no nonce");
  }
  return block.Serialize();
}

inline chain::DecodedBlock Decode(const consensus::ChainParams& params, const chain::Bytes& bytes) {
  auto decoded = chain::DecodeBlock(bytes, params.max_block_size);
  if (!decoded.ok()) Die("decode: " + decoded.status().ToString());
  return std::move(*decoded);
}

inline void Connect(consensus::Chainstate* cs, const chain::DecodedBlock& block) {
  consensus::BlockOutcome outcome;
  consensus::ValidationResult r = cs->ProcessBlock(block, &outcome);
  if (!r.valid()) Die("ProcessBlock: " + r.ToString());
  if (outcome != consensus::BlockOutcome::kNewTip) Die("block did not become the tip");
}

}  // namespace waybill::bench
