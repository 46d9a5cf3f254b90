// Block assembly and mining. BuildTemplate takes a TxSource's candidates (best fee rate
// first, each sender in nonce order), applies them on the tip state and drops any that fail
// (retrying them in up to four passes, for txs that came before a tx they need); the Miner
// hashes templates on N threads (SHA-256 midstate, SHA-NI when the CPU has it) and hands
// solved blocks to the chain. A new tip or new txs give the threads a new template. The chain
// and the txs are seen through mining::ChainView and mining::TxSource only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chain/block.h"
#include "node/mining/chain_view.h"
#include "node/mining/clock.h"
#include "node/mining/tx_source.h"

namespace waybill::node {

struct BlockTemplate {
  chain::Block block;  // header complete but for the nonce
  std::vector<chain::Hash256> txids;
  uint32_t height = 0;
  chain::Amount fees = 0;
  chain::Amount reward = 0;
  int64_t min_time = 0;
  int64_t max_time = 0;
};

// The header's time is now clamped to [min_time, max_time] (min_time if the range is empty:
// the chain's median time is ahead of the clock, and no block is valid until the clock
// catches up).
// At most params().max_block_txs txs, and a block of at most params().max_block_size bytes.
BlockTemplate BuildTemplate(const mining::ChainView& chain, const mining::TxSource& txs,
                            const chain::AccountId& miner, int64_t now);

// The same, from a list of candidates (best first, each sender in nonce order).
BlockTemplate BuildTemplateFrom(const mining::ChainView& chain,
                                const std::vector<chain::TxWithId>& candidates,
                                const chain::AccountId& miner, int64_t now);

// Searches nonces for header (the nonce field is ignored) from start_nonce upwards (wrapping
// at 2^64), up to max_tries hashes. Returns the first solving nonce, or nullopt (also for
// bits that do not decode to a target). *hashes_done (may be null) gets the number of hashes
// computed (up to HeaderHasher::kMaxWidth - 1 past the solution, which is hashed in a run
// with its neighbours). Uses the midstate of the first 64 header bytes and SHA-NI (the
// fastest interleave width, HeaderHasher::FastestWidth()) when available.
std::optional<uint64_t> SearchNonce(const chain::BlockHeader& header, uint64_t start_nonce,
                                    uint64_t max_tries, uint64_t* hashes_done);

struct MinerOptions {
  chain::AccountId miner_account;
  int threads = 1;  // clamped to 1..256
  // Receives one line per block found or rejected, on a miner thread. May be empty.
  std::function<void(const std::string&)> log;
};

// N hashing threads on disjoint nonce ranges of the current template, and one control thread
// that rebuilds the template when the tip changes or a block was found (at once), when the
// TxSource's version changes (at most every 0.25 s, or every 10 assembly times if assembly is
// slow, as it holds the chain's lock) and refreshes its time every 0.25 s. Solved blocks go to
// ChainView::ProcessBlock from the hashing thread that found them (so whatever that calls, e.g.
// the chainstate's listener, runs there too). While no block can be valid (the chain's median time
// is ahead of the clock) the threads idle. Thread-safe.
class Miner {
 public:
  // REQUIRES: chain, txs and clock outlive the miner. txs may be null (empty blocks).
  Miner(mining::ChainView* chain, const mining::TxSource* txs, const NodeClock* clock,
        MinerOptions options);
  ~Miner();  // stops the threads
  Miner(const Miner&) = delete;
  Miner& operator=(const Miner&) = delete;
  // Starts the threads; no-op when running.
  void Start();
  // Stops and joins the threads (well under a second); no-op when stopped.
  void Stop();
  bool running() const;
  // Hashes per second over the last few seconds, all threads.
  double HashRate() const;
  uint64_t BlocksFound() const;

 private:
  struct Impl;  // node/mining/miner.cpp
  const std::unique_ptr<Impl> impl_;
};

// Mines count blocks to miner synchronously on the calling thread (generatetoaddress), each
// with at most max_tries hashes. Returns the ids of the blocks that became the tip; stops
// early when a block's tries run out. If a block is rejected (or no block can be valid yet),
// returns the error when no block was mined before it, else the ids mined so far.
// txs may be null (empty blocks).
chain::Result<std::vector<chain::Hash256>> GenerateBlocks(mining::ChainView* chain,
                                                          const mining::TxSource* txs,
                                                          const NodeClock& clock,
                                                          const chain::AccountId& miner,
                                                          uint32_t count, uint64_t max_tries);

}  // namespace waybill::node
