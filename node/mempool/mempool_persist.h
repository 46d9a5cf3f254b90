// mempool.dat: the pending txs saved at a clean stop and re-admitted at the next start
// (Bitcoin Core's mempool.dat). The format is in docs/PROTOCOL.md ("mempool.dat"): a magic, a
// version, the chain id, the txs, and a SHA-256 of all that. The file is written atomically
// (temp file, fsync, rename, fsync of the folder), so a crash leaves the old file or the new
// one. Loading re-admits each tx through Mempool::Accept: a tx that is no longer valid (mined
// meanwhile, spent, expired fee rules) is simply dropped.
#pragma once

#include <string>
#include <vector>

#include "chain/status.h"
#include "chain/tx.h"
#include "node/mempool/mempool.h"

namespace waybill::node {

inline constexpr uint32_t kMempoolFileVersion = 1;
// A file larger than this is not read (the pool itself is bounded far below it).
inline constexpr size_t kMaxMempoolFileBytes = 512u << 20;

chain::Bytes EncodeMempoolFile(const chain::Hash256& chain_id,
                               const std::vector<chain::Transaction>& txs);
// Corruption (with the reason) for a file that is truncated, has a bad checksum, an unknown
// version or a tx that does not decode; Invalid if it belongs to another chain.
chain::Result<std::vector<chain::Transaction>> DecodeMempoolFile(const chain::Hash256& chain_id,
                                                                 chain::ByteSpan data);

// Writes the pool's txs (in an order that re-admits them: each sender's in nonce order).
chain::Status SaveMempool(const Mempool& mempool, const chain::Hash256& chain_id,
                          const std::string& path);

struct MempoolLoadResult {
  size_t read = 0;      // txs in the file
  size_t accepted = 0;  // re-admitted
  size_t refused = 0;   // no longer valid (or the pool is full)
};
// Reads the file and re-admits its txs. NotFound if there is no file; Corruption/Invalid if it
// cannot be used (the caller reports it and starts with an empty pool).
chain::Result<MempoolLoadResult> LoadMempool(Mempool* mempool, const chain::Hash256& chain_id,
                                             const std::string& path);

}  // namespace waybill::node
