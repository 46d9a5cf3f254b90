#include "node/mempool/mempool_persist.h"

#include <cstring>

#include "chain/hash.h"
#include "chain/serialize.h"
#include "chain/file_util.h"

namespace waybill::node {
namespace {

constexpr uint8_t kMagic[4] = {'W', 'B', 'M', 'P'};
constexpr size_t kMaxTxBytes = 4'000'000;  // chain/tx.h's hard limit is far below
// A tx that another sender's tx funds may come first in the saved order; it is retried after
// the others, this many rounds at most.
constexpr int kRetryRounds = 3;

}  // namespace

chain::Bytes EncodeMempoolFile(const chain::Hash256& chain_id,
                               const std::vector<chain::Transaction>& txs) {
  chain::Bytes out;
  chain::Writer w(&out);
  w.Raw(chain::ByteSpan(kMagic, sizeof(kMagic)));
  w.U32(kMempoolFileVersion);
  w.Hash(chain_id);
  w.U32(static_cast<uint32_t>(txs.size()));
  for (const chain::Transaction& tx : txs) w.VarBytes(tx.Serialize());
  const chain::Hash256 checksum = chain::Sha256Hash(out);
  w.Hash(checksum);
  return out;
}

chain::Result<std::vector<chain::Transaction>> DecodeMempoolFile(const chain::Hash256& chain_id,
                                                                 chain::ByteSpan data) {
  using chain::Status;
  if (data.size() < sizeof(kMagic) + 4 + 32 + 4 + 32) return Status::Corruption("truncated");
  const chain::ByteSpan body = data.first(data.size() - 32);
  if (chain::Sha256Hash(body) != chain::Hash256::FromSpan(data.last(32))) {
    return Status::Corruption("checksum mismatch");
  }
  if (std::memcmp(body.data(), kMagic, sizeof(kMagic)) != 0) return Status::Corruption("bad magic");
  chain::Reader r(body.subspan(sizeof(kMagic)));
  uint32_t version = 0, count = 0;
  chain::Hash256 file_chain;
  if (!r.U32(&version)) return Status::Corruption("truncated");
  if (version != kMempoolFileVersion) {
    return Status::Corruption("unknown version " + std::to_string(version));
  }
  if (!r.Hash(&file_chain) || !r.U32(&count)) return Status::Corruption("truncated");
  if (file_chain != chain_id) return Status::Invalid("the file belongs to another chain");
  // Each tx takes at least one length byte: a count beyond that is a lie, not an allocation.
  if (count > r.remaining()) return Status::Corruption("tx count beyond the file's size");
  std::vector<chain::Transaction> txs;
  txs.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    chain::Bytes raw;
    if (!r.VarBytes(&raw, kMaxTxBytes)) return Status::Corruption("tx " + std::to_string(i));
    auto tx = chain::DecodeTransaction(raw);
    if (!tx.ok()) {
      return Status::Corruption("tx " + std::to_string(i) + ": " + tx.status().reason());
    }
    txs.push_back(std::move(*tx));
  }
  if (!r.AtEnd()) return Status::Corruption("bytes after the last tx");
  return txs;
}

chain::Status SaveMempool(const Mempool& mempool, const chain::Hash256& chain_id,
                          const std::string& path) {
  std::vector<chain::Transaction> txs;
  for (chain::TxWithId& txw : mempool.Candidates(SIZE_MAX)) txs.push_back(std::move(txw.tx));
  return chain::WriteFileAtomic(path, EncodeMempoolFile(chain_id, txs));
}

chain::Result<MempoolLoadResult> LoadMempool(Mempool* mempool, const chain::Hash256& chain_id,
                                             const std::string& path) {
  auto data = chain::ReadFileBounded(path, kMaxMempoolFileBytes);
  if (!data.ok()) return data.status();
  auto txs = DecodeMempoolFile(chain_id, *data);
  if (!txs.ok()) return txs.status();
  MempoolLoadResult result;
  result.read = txs->size();
  std::vector<chain::Transaction> pending = std::move(*txs);
  for (int round = 0; round <= kRetryRounds && !pending.empty(); ++round) {
    std::vector<chain::Transaction> retry;
    for (chain::Transaction& tx : pending) {
      if (mempool->Accept(tx).valid()) {
        result.accepted++;
      } else {
        retry.push_back(std::move(tx));
      }
    }
    const bool progress = retry.size() < pending.size();
    pending = std::move(retry);
    if (!progress) break;
  }
  result.refused = pending.size();
  return result;
}

}  // namespace waybill::node
